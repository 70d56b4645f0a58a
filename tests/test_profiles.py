from pathlib import Path

import pytest

from recommender.errors import EmptyProfile, InvalidFeedback, InvalidTarget, ProfileError
from recommender.profiles import (
    MAX_SEEDS,
    Keyword,
    Profile,
    TextSeed,
    apply_feedback,
    check_target,
    file_target,
    load_profile,
    profile_from_dict,
)

PROFILES = Path(__file__).parent.parent / "profiles"
EXAMPLES = sorted(PROFILES.glob("*.yaml"))


def write(tmp_path: Path, text: str, name: str = "x.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_there_are_five_example_profiles():
    assert {path.stem for path in EXAMPLES} == {
        "efficient-llm",
        "mixture-of-experts",
        "remote-sensing",
        "speech",
        "llm-safety",
    }


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_example_profiles_load(path: Path):
    profile = load_profile(path)
    assert profile.name and profile.description and profile.keywords and profile.seeds
    assert profile.has_interests


def test_a_profile_reads_every_field(tmp_path: Path):
    path = write(
        tmp_path,
        """
name: Quantization
description: Low-bit LLMs.
keywords:
  - quantization
  - {phrase: KV cache, weight: 2.5, required: true}
muted: [diffusion]
seeds: ['arXiv:2507.07186v2', 'https://arxiv.org/abs/2507.07188']
authors: [Song Han]
categories: [cs.LG, hep-th, astro-ph.CO, physics.optics, cs]
digest_size: 7
""",
    )
    profile = load_profile(path)
    assert profile.keywords == (Keyword("quantization"), Keyword("KV cache", 2.5, True))
    assert profile.keywords[1].terms == ("kv", "cach")
    assert profile.seeds == ("2507.07186", "2507.07188")
    assert profile.muted == ("diffusion",)
    assert profile.categories == ("cs.LG", "hep-th", "astro-ph.CO", "physics.optics", "cs")
    assert profile.digest_size == 7


def test_the_dict_form_round_trips():
    profile = Profile(
        name="n",
        description="Speech recognition.",
        keywords=(Keyword("ASR", 2.0, True), Keyword("speech")),
        muted=("music",),
        seeds=("2507.18181",),
        authors=("A. Person",),
        categories=("eess.AS",),
        digest_size=4,
        liked=("title:abc",),
        disliked=("2507.00001",),
    )
    assert profile_from_dict(profile.to_dict(), "stored") == profile


@pytest.mark.parametrize(
    ("text", "field", "reason"),
    [
        ("keywords: [a1, b2, {phrase: c3, weight: -1}]", "keywords[2].weight", "a number > 0"),
        ("keywords: [{phrase: c3, weight: high}]", "keywords[0].weight", "a number > 0"),
        ("keywords: [{phrase: c3, weight: .nan}]", "keywords[0].weight", "a number > 0"),
        ("keywords: [{phrase: c3, weight: 1e308}]", "keywords[0].weight", "and <= 100"),
        ("keywords: [{phrase: c3, required: maybe}]", "keywords[0].required", "true or false"),
        ("keywords: [{weight: 2}]", "keywords[0].phrase", "missing"),
        ("keywords: [{phrase: c3, wieght: 2}]", "keywords[0].wieght", "unknown"),
        ("keywords: [the, of]", "keywords[0]", "not a common word"),
        ("keywords: [MoE, moe]", "keywords[1]", "repeats keywords[0]"),
        ("keywords: quantization", "keywords", "must be a list"),
        ("keyword: [quantization]", "keyword", "unknown field"),
        ("description: [a, b]", "description", "must be text"),
        ("description: " + "word " * 700, "description", "3,499 characters; at most 3,000"),
        ("description: ok\nmuted: ['']", "muted[0]", "not a common word"),
        ("description: ok\ndigest_size: 50", "digest_size", "from 3 to 20"),
        ("description: ok\ndigest_size: 2", "digest_size", "from 3 to 20"),
        ("description: ok\ndigest_size: five", "digest_size", "from 3 to 20"),
        ("description: ok\ncategories: [CS-CL]", "categories[0]", "not an arXiv category"),
        ("description: ok\ncategories: [cs.LG, cs.xyz]", "categories[1]", "are two letters"),
        ("description: ok\nseeds: [not-an-id]", "seeds[0]", "neither an arXiv id nor"),
        ("description: ok\nseeds: ['text:abc']", "seeds[0]", "neither an arXiv id nor"),
        ("text_seeds: [{abstract: x}]", "text_seeds[0].title", "missing: the paper's title"),
        ("text_seeds: [{title: x, year: 2020}]", "text_seeds[0].year", "unknown"),
        ("text_seeds: ['...']", "text_seeds[0].title", "a title with words"),
        ("text_seeds: [[a]]", "text_seeds[0]", "a title or {title, abstract}"),
        (
            "text_seeds: [{title: x, abstract: " + "w" * 10_001 + "}]",
            "text_seeds[0].abstract",
            "at most 10,000 characters",
        ),
        ("description: ok\nseeds: [2507.10010]", "seeds[0]", "in quotes"),
        ("description: ok\nauthors: ['  ']", "authors[0]", "author's name"),
        ("description: ok\nliked: [a]\ndisliked: [a]", "disliked", "both liked and disliked"),
        ("seeds: ['2507.07186']\ndisliked: ['2507.07186']", "disliked", "a seed and disliked"),
    ],
)
def test_a_bad_value_names_the_file_and_field(tmp_path: Path, text: str, field: str, reason: str):
    path = write(tmp_path, text)
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert str(caught.value).startswith(f"{path}: {field}: ")
    assert reason in str(caught.value)


@pytest.mark.parametrize(
    ("keyword", "muted"),
    [
        ("quantization", "quantization"),
        ("post-training quantization", "quantization"),
        ("Mixture of Experts", "mixture-of-experts"),
    ],
)
def test_a_keyword_that_is_muted_is_a_contradiction(tmp_path: Path, keyword: str, muted: str):
    path = write(tmp_path, f"keywords: ['{keyword}']\nmuted: ['{muted}']")
    with pytest.raises(ProfileError, match=r"muted\[0\]: .* remove it from one of the two lists"):
        load_profile(path)


def test_a_muted_phrase_narrower_than_a_keyword_is_allowed(tmp_path: Path):
    path = write(tmp_path, "keywords: [satellite]\nmuted: [satellite communication]")
    assert load_profile(path).muted == ("satellite communication",)


def test_malformed_yaml_names_file_line_and_column(tmp_path: Path):
    path = write(tmp_path, "description: ok\nkeywords: [a, b\nmuted: [c]\n")
    with pytest.raises(ProfileError, match=rf"^{path}: line 3, column \d+: not valid YAML"):
        load_profile(path)


def test_blank_fields_take_their_defaults(tmp_path: Path):
    path = tmp_path / "blank.yaml"
    path.write_text("name:\ndescription:\nkeywords: [quantization]\nmuted:\n", encoding="utf-8")
    assert load_profile(path) == Profile(keywords=(Keyword("quantization"),))


def test_a_file_that_is_not_utf8_is_named_with_its_line(tmp_path: Path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("description: ok\nauthors: [Jürgen Schmidhuber]\n".encode("latin-1"))
    with pytest.raises(ProfileError, match=r"latin1.yaml: line 2: not UTF-8 text"):
        load_profile(path)


def test_a_missing_file_is_named(tmp_path: Path):
    with pytest.raises(ProfileError, match="nope.yaml: cannot read it"):
        load_profile(tmp_path / "nope.yaml")


def test_a_profile_must_be_a_mapping(tmp_path: Path):
    with pytest.raises(ProfileError, match="a profile is a mapping"):
        load_profile(write(tmp_path, "- a\n- b\n"))


@pytest.mark.parametrize("text", ["", "# nothing yet\n", "name: Mine\ncategories: [cs.CL]\n"])
def test_an_empty_profile_says_what_to_add(tmp_path: Path, text: str):
    with pytest.raises(EmptyProfile, match="the profile is empty: add a description") as caught:
        load_profile(write(tmp_path, text))
    assert "seed papers" in str(caught.value) and "authors to follow" in str(caught.value)


def test_a_profile_of_only_muted_keywords_says_they_only_remove(tmp_path: Path):
    with pytest.raises(EmptyProfile, match="only muted keywords: they remove papers"):
        load_profile(write(tmp_path, "muted: [survey, benchmark]\n"))


def test_a_description_of_common_words_only_is_no_interest():
    assert not Profile(description="the of and").has_interests
    assert Profile(authors=("Song Han",)).has_interests


def test_constructing_a_bad_profile_in_code_raises():
    with pytest.raises(ProfileError, match=r"^profile: keywords\[0\]\.weight: must be a number"):
        Profile(keywords=(Keyword("x1", weight=0),))


def test_query_text_joins_description_and_keywords():
    profile = Profile(description="LLM inference. ", keywords=(Keyword("KV cache"), Keyword("FP8")))
    assert profile.query_text == "LLM inference.. KV cache, FP8"
    assert Profile(keywords=(Keyword("FP8"),)).query_text == "FP8"


def test_feedback_moves_a_paper_between_liked_and_disliked():
    profile = Profile(description="x1", seeds=("2507.07186",))
    profile = apply_feedback(profile, "p1", "like")
    profile = apply_feedback(profile, "p2", "more")
    assert profile.liked == ("p1", "p2")
    profile = apply_feedback(profile, "p1", "not_interested")
    assert (profile.liked, profile.disliked) == (("p2",), ("p1",))
    profile = apply_feedback(profile, "2507.07186", "dislike")
    assert profile.seeds == () and profile.disliked == ("p1", "2507.07186")


def test_liking_a_seed_keeps_it_a_seed_only():
    profile = Profile(description="x1", seeds=("2507.07186",))
    assert apply_feedback(profile, "2507.07186", "like") == profile


def test_unknown_feedback_is_refused():
    with pytest.raises(InvalidFeedback, match="unknown feedback 'love'"):
        apply_feedback(Profile(description="x1"), "p1", "love")


def test_categories_are_read_as_arxiv_writes_them():
    profile = Profile(description="x1", categories=("cs.cl", "CS", "cs.CL", "Physics.Optics"))
    assert profile.categories == ("cs.CL", "cs", "physics.optics")


@pytest.mark.parametrize("target", ["user:T1:U1", "channel:T1:C1", "file:efficient-llm"])
def test_good_targets(target: str):
    assert check_target(target) == target


@pytest.mark.parametrize("target", ["U1", "user:T1", "user:T1:U1:x", "team:T1:U1", "file:"])
def test_bad_targets(target: str):
    with pytest.raises(InvalidTarget):
        check_target(target)


def test_file_target_is_the_file_name():
    assert file_target(Path("profiles/efficient-llm.yaml")) == "file:efficient-llm"


def test_a_seed_is_any_paper_of_the_archive_or_a_paper_known_by_its_text(tmp_path: Path):
    path = write(
        tmp_path,
        "seeds: ['arXiv:2507.07186v2', 'title:0123456789abcdef', 'beir:42']\n"
        "text_seeds:\n"
        "  - My own paper on sparse attention\n"
        "  - {title: Another one, abstract: About routing.}\n"
        "  - {title: 'my own paper on SPARSE attention!'}\n",  # the first one again
    )
    profile = load_profile(path)
    assert profile.seeds == ("2507.07186", "title:0123456789abcdef", "beir:42")
    assert profile.text_seeds == (
        TextSeed("My own paper on sparse attention"),
        TextSeed("Another one", "About routing."),
    )
    assert profile.text_seeds[0].id == TextSeed("MY OWN paper on sparse attention.").id
    assert profile.text_seeds[0].id.startswith("text:")
    assert profile_from_dict(profile.to_dict(), "stored") == profile
    assert Profile(text_seeds=("Only a title",)).has_interests


def test_seeds_are_limited_in_number():
    many = [f"title:{i:016x}" for i in range(MAX_SEEDS + 1)]
    with pytest.raises(ProfileError, match="1,001 seeds; at most 1,000"):
        Profile(seeds=many)
    with pytest.raises(ProfileError, match="text_seeds: 1,001 seeds"):
        Profile(text_seeds=[f"Paper number {i}" for i in range(MAX_SEEDS + 1)])
