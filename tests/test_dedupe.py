from dataclasses import replace
from datetime import UTC, datetime

from recommender.dedupe import merge
from recommender.ids import title_id
from recommender.models import Paper

V1 = Paper(
    id="2507.07186",
    title="Planted in Pretraining",
    abstract="First version.",
    authors=("Itay Itzhak",),
    categories=("cs.CL",),
    version=1,
    published=datetime(2025, 7, 9, tzinfo=UTC),
    updated=datetime(2025, 7, 9, tzinfo=UTC),
    sources=("arxiv-api",),
    extras={"comments": "v1 comment"},
)
V2 = Paper(
    id="2507.07186",
    title="Planted in Pretraining, Swayed by Finetuning",
    abstract="Second version.",
    authors=("Itay Itzhak", "Yonatan Belinkov"),
    categories=("cs.CL", "cs.AI"),
    version=2,
    published=datetime(2025, 7, 9, tzinfo=UTC),
    updated=datetime(2025, 8, 1, tzinfo=UTC),
    sources=("arxiv-rss",),
    extras={"comments": "v2 comment"},
)


def test_newer_version_replaces_descriptive_fields():
    merged = merge(V1, V2)
    assert merged.version == 2
    assert merged.title == V2.title and merged.abstract == "Second version."
    assert merged.authors == V2.authors and merged.categories == ("cs.CL", "cs.AI")
    assert merged.published == V1.published and merged.updated == V2.updated
    assert merged.sources == ("arxiv-api", "arxiv-rss")
    assert merged.extras["comments"] == "v2 comment"


def test_older_version_does_not_roll_back():
    merged = merge(V2, V1)
    assert merged.version == 2 and merged.title == V2.title
    assert merged.extras["comments"] == "v2 comment"
    assert merged.sources == ("arxiv-rss", "arxiv-api")


def test_same_version_prefers_arxiv_metadata_over_a_digest():
    digest = Paper(
        id="2507.07186",
        title="Planted in Pretraining Swayed by Finetuning",
        abstract="Digest abstract.",
        version=2,
        sources=("arxiv-daily-md",),
        extras={"tldr_zh": "摘要"},
    )
    merged = merge(digest, V2)
    assert merged.title == V2.title and merged.abstract == "Second version."
    assert merged.extras == {"tldr_zh": "摘要", "comments": "v2 comment"}
    assert merge(V2, digest).title == V2.title


def test_blank_fields_are_filled_from_the_other_record():
    bare = Paper(id="2507.07186", title="Planted in Pretraining", version=1, sources=("hf-daily",))
    merged = merge(bare, V1)
    assert merged.abstract == "First version." and merged.categories == ("cs.CL",)


def test_merging_the_same_record_changes_nothing():
    assert merge(V1, V1) == V1


def test_a_withdrawn_new_version_marks_the_paper_and_a_retelling_does_not_unmark_it():
    withdrawn = replace(
        V2, abstract="This paper has been withdrawn by the author.", extras={"withdrawn": True}
    )
    merged = merge(V1, withdrawn)
    assert merged.withdrawn and merged.abstract.startswith("This paper has been withdrawn")
    digest = replace(V2, sources=("digest-tldr",), extras={"tldr_zh": "摘要"})
    assert merge(merged, digest).withdrawn
    assert merge(merged, V1).withdrawn  # an older version seen late changes nothing


def test_at_equal_version_and_standing_the_richer_record_wins():
    saved_page = Paper(
        id=title_id("Grove MoE"),
        title="Grove MoE",
        abstract="A retold abstract.",
        sources=("hf-papers-text",),
    )
    daily = Paper(
        id="2508.07785",
        title="Grove MoE",
        abstract="The abstract on arXiv.",
        authors=("Haoyuan Wu",),
        categories=("cs.CL",),
        published=datetime(2025, 8, 11, tzinfo=UTC),
        sources=("arxiv-daily-md",),
    )
    merged = merge(replace(saved_page, id=daily.id), daily)
    assert (merged.abstract, merged.authors) == ("The abstract on arXiv.", ("Haoyuan Wu",))
    assert merge(daily, saved_page).abstract == "The abstract on arXiv."
