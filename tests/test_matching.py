"""Matching plumbing on a hand-made archive, with the hashing embedder (fast, no model)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from recommender.digest import Digest, record_digest
from recommender.embed import HashEmbedder
from recommender.engine import Engine
from recommender.errors import ProfileNotFound
from recommender.fusion import Fusion
from recommender.indexes import Indexer, dense_text, text_hash
from recommender.matching import Matcher, MatchSettings, diversify
from recommender.matching import record_feedback as press
from recommender.models import Paper
from recommender.profiles import Keyword, Profile, TextSeed
from recommender.store import Store
from recommender.text import tokenize
from tests.support import logged_feedback

MON = datetime(2025, 7, 21, 6, tzinfo=UTC)
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


def paper(pid: str, title: str, abstract: str, **fields) -> Paper:
    fields.setdefault("categories", ("cs.LG",))
    fields.setdefault("published", MON - DAY)
    return Paper(id=pid, title=title, abstract=abstract, **fields)


QUANT = [
    paper(
        "2507.10001",
        "Post-training quantization of LLM weights to four bits",
        "We quantize the weights of large language models to 4-bit integers after training "
        "and handle outliers with rotations, keeping accuracy within one point.",
        authors=("Grace Hopper",),
    ),
    paper(
        "2507.10002",
        "Activation quantization with outlier smoothing",
        "Smoothing activation outliers lets us quantize activations of transformers to 8 bits "
        "for fast integer inference of language models.",
    ),
    paper(
        "2507.10003",
        "FP8 quantization for LLM serving",
        "Eight-bit floating point quantization doubles the serving throughput of language "
        "models on modern accelerators with little loss.",
    ),
]
SPEECH = [
    paper(
        "2507.10011",
        "Streaming speech recognition with transducers",
        "Automatic speech recognition of streaming audio with neural transducers lowers the "
        "word error rate on spoken conversations.",
        categories=("eess.AS",),
    ),
    paper(
        "2507.10012",
        "Speech recognition for low-resource languages",
        "Self-supervised audio encoders improve speech recognition for languages with little "
        "transcribed speech.",
        categories=("eess.AS", "cs.CL"),
    ),
]
OTHER = [
    paper(
        "2507.10021",
        "Remote sensing segmentation of satellite imagery",
        "Segmenting satellite images of farmland into crops with a vision transformer trained "
        "on remote sensing data.",
        categories=("cs.CV",),
        authors=("Ada Lovelace",),
    ),
    paper(
        "2507.10031",
        "Quantization of diffusion models for image generation",
        "Diffusion models for text-to-image generation quantized to 4 bits keep image quality "
        "while sampling twice as fast.",
        categories=("cs.CV",),
    ),
    paper(
        "title:0000000000000001",
        "Quantization without categories",
        "A quantization method for language models, from a digest that gives no categories.",
        categories=(),
        published=None,
    ),
]
EVERYTHING = QUANT + SPEECH + OTHER
# Papers on other topics, so that no topic word is in more than half of a small archive
# (BM25 gives such a word no weight).
FILLER = [
    paper("2507.10041", "Graph neural networks for molecules", "Message passing on atoms."),
    paper("2507.10042", "Robot control by reinforcement learning", "Policies for arms."),
]
QUANTIZATION = Profile(description="Quantization of language models.", keywords=("quantization",))
# The hashing embedder's cosines are low between related texts, so plumbing tests rely on
# keywords and seeds, not on a dense-similarity floor.
SETTINGS = MatchSettings(min_similarity=0.0)


@dataclass
class World:
    """A store, its indexes over a hashing embedder, and a matcher over them."""

    store: Store
    index_dir: Path
    matcher: Matcher

    def ingest(self, papers: Iterable[Paper], at: datetime) -> None:
        self.store.upsert(list(papers), now=at)
        Indexer(self.store, self.index_dir, self.matcher.embedder).update()

    def digest(self, profile: Profile, at: datetime, target: str = "user:T1:U1", **kw) -> Digest:
        return self.matcher.digest(target, profile, now=at, **kw)

    def ids(self, digest: Digest) -> list[str]:
        return [pick.paper.id for pick in digest.picks]

    def store_hashes(self, seed: TextSeed) -> list[str]:
        return [text_hash(dense_text(Paper(seed.id, seed.title, seed.abstract)))]


@pytest.fixture
def world(sqlite_store: Store, tmp_path: Path) -> World:
    engine = Engine(sqlite_store, tmp_path / "index", HashEmbedder(512))
    return World(sqlite_store, tmp_path / "index", Matcher(engine, SETTINGS))


def terms_of(paper: Paper) -> str:
    return " " + " ".join(tokenize(f"{paper.title} {paper.abstract}")) + " "


def test_a_quantization_profile_picks_quantization_papers(world: World):
    world.ingest(EVERYTHING, MON)
    digest = world.digest(QUANTIZATION, MON + HOUR)
    assert digest.new == len(EVERYTHING)
    assert len(digest.picks) == 5
    assert all(" quantiz " in terms_of(pick.paper) for pick in digest.picks)
    assert all("matched: quantization" in pick.explanation.text() for pick in digest.picks)


@pytest.mark.parametrize("method", ["convex", "rrf"])
def test_a_profile_that_is_only_a_description_ranks_as_the_search_does(world: World, method):
    world.ingest(EVERYTHING + FILLER, MON)
    # Without the search's floor, which a digest does not have: the two rankings whole.
    embedder = world.matcher.embedder
    engine = Engine(world.store, world.index_dir, embedder, Fusion(method=method), floor=None)
    matcher = Matcher(engine, SETTINGS)
    description = "Quantization of language models for fast serving"
    keys, scores = matcher.rank(Profile(description=description), matcher.pool(world.store.keys()))
    hits = engine.search(description, k=len(EVERYTHING + FILLER))
    assert len(hits) == len(keys) == len(EVERYTHING + FILLER)
    # Papers sharing no word with the query tie at a dense score of 0, in either order.
    searched = {hit.key: hit.score for hit in hits if hit.dense_score}
    ranked = {k: v for k, v in zip(keys.tolist(), scores.tolist(), strict=True) if k in searched}
    assert len(searched) == 6
    assert ranked == pytest.approx(searched, abs=1e-6)
    assert list(ranked) == list(searched)


def test_a_profile_adds_its_own_evidence_to_the_search_score(world: World):
    world.ingest(EVERYTHING + FILLER, MON)
    pool = world.matcher.pool(world.store.keys())
    plain = Profile(description="Quantization of language models")
    followed = replace(plain, authors=("Ada Lovelace",))
    before = dict(zip(*world.matcher.rank(plain, pool), strict=True))
    after = dict(zip(*world.matcher.rank(followed, pool), strict=True))
    boosted = world.store.keys_of(["2507.10021"])["2507.10021"]
    assert after[boosted] == pytest.approx(before[boosted] + SETTINGS.author_boost)
    assert {key: after[key] for key in after if key != boosted} == pytest.approx(
        {key: before[key] for key in before if key != boosted}
    )


def test_a_muted_keyword_never_appears(world: World):
    world.ingest(EVERYTHING, MON)
    assert "2507.10031" in world.ids(world.digest(QUANTIZATION, MON + HOUR, k=10))
    muted = replace(QUANTIZATION, muted=("diffusion", "image generation"))
    picks = world.digest(muted, MON + HOUR, k=10).picks
    assert picks and not any(" diffus " in terms_of(pick.paper) for pick in picks)


def test_muting_an_acronym_mutes_its_plural(world: World):
    plural = paper("2507.10050", "Quantization for LLMs", "Four-bit weights for LLMs.")
    world.ingest([*EVERYTHING, plural], MON)
    assert "2507.10050" in world.ids(world.digest(QUANTIZATION, MON + HOUR, k=10))
    muted = replace(QUANTIZATION, muted=("LLM",))
    assert "2507.10050" not in world.ids(world.digest(muted, MON + HOUR, k=10))


def test_disallowed_categories_are_excluded_but_unknown_ones_pass(world: World):
    world.ingest(EVERYTHING, MON)
    profile = replace(QUANTIZATION, categories=("cs.CL", "cs.LG"))
    ids = world.ids(world.digest(profile, MON + HOUR, k=10))
    assert "2507.10031" not in ids  # cs.CV only
    assert "title:0000000000000001" in ids  # no categories known


def test_required_keywords_must_all_appear(world: World):
    world.ingest(EVERYTHING, MON)
    profile = Profile(
        description="Efficient language models.",
        keywords=(Keyword("quantization", required=True), Keyword("outliers", required=True)),
    )
    assert set(world.ids(world.digest(profile, MON + HOUR))) == {"2507.10001", "2507.10002"}


def test_a_followed_author_is_boosted_and_named(world: World):
    world.ingest(EVERYTHING, MON)
    profile = replace(QUANTIZATION, authors=("lovelace, ada",))
    picks = world.digest(profile, MON + HOUR, k=3).picks
    pick = next(p for p in picks if p.paper.id == "2507.10021")
    assert pick.explanation.authors == ("lovelace, ada",)
    assert "by an author you follow: lovelace, ada" in pick.explanation.text()


def test_every_pick_is_explained_by_its_closest_seed(world: World):
    world.ingest(QUANT[:1] + SPEECH[:1], MON - 5 * DAY)
    world.ingest(QUANT[1:] + SPEECH[1:] + OTHER, MON)
    profile = Profile(seeds=("2507.10001", "2507.10011"), keywords=("speech",))
    digest = world.digest(profile, MON + HOUR, k=4)
    assert digest.picks and all(pick.explanation.text() for pick in digest.picks)
    speech = next(p for p in digest.picks if p.paper.id == "2507.10012")
    assert speech.explanation.keywords == ("speech",)
    assert speech.explanation.closest.paper_id == "2507.10011"
    assert speech.explanation.closest.kind == "seed"
    assert "close to seed 2507.10011" in speech.explanation.text()


def test_a_text_seed_counts_as_a_seed_and_is_embedded_once(world: World, monkeypatch):
    world.ingest(EVERYTHING, MON)
    own = TextSeed(
        "Streaming speech recognition on devices",
        "Speech recognition of streaming audio with transducers on phones.",
    )
    profile = Profile(text_seeds=(own,), keywords=("speech",), digest_size=3)
    digest = world.digest(profile, MON + HOUR)
    speech = next(p for p in digest.picks if p.paper.id == "2507.10011")
    assert speech.explanation.closest.paper_id == own.id
    assert "close to seed “Streaming speech recognition on devices”" in speech.explanation.text()
    assert own.id not in world.ids(digest) and not digest.notices
    embedder = world.matcher.embedder
    [stored] = world.store.text_embeddings(embedder.name, world.store_hashes(own)).values()
    assert stored  # kept: the next digest reads it instead of embedding the text again
    monkeypatch.setattr(embedder, "encode", lambda texts: pytest.fail(f"embedded {texts}"))
    again = world.matcher.digest("user:T1:U2", profile, now=MON + HOUR)
    assert world.ids(again) == world.ids(digest)


def test_two_interests_are_both_served(world: World):
    world.ingest(QUANT[:1] + SPEECH[:1], MON - 5 * DAY)
    world.ingest(QUANT[1:] + SPEECH[1:] + OTHER, MON)
    profile = Profile(seeds=("2507.10001", "2507.10011"), digest_size=3)
    ids = world.ids(world.digest(profile, MON + HOUR))
    assert {"2507.10012"} <= set(ids) and set(ids) & {"2507.10002", "2507.10003"}


def test_an_unknown_seed_is_named_and_the_rest_still_works(world: World):
    world.ingest(EVERYTHING, MON)
    profile = replace(QUANTIZATION, seeds=("2507.99999", "2507.10001"))
    digest = world.digest(profile, MON + HOUR)
    assert digest.notices == (
        "seed 2507.99999 is not in the archive (yet); the rest of the profile still works",
    )
    assert len(digest.picks) == 5 and "2507.10001" not in world.ids(digest)


@pytest.mark.parametrize(
    ("profile", "says"),
    [
        (Profile(), "the profile is empty: add a description"),
        (Profile(muted=("survey",), categories=("cs.CL",)), "only muted keywords"),
    ],
)
def test_a_profile_without_interests_gets_a_notice_not_picks(world: World, profile, says):
    world.ingest(EVERYTHING, MON)
    digest = world.digest(profile, MON + HOUR)
    assert digest.picks == () and says in digest.notices[0]


def test_the_first_digest_covers_the_last_announcement_day(world: World):
    world.ingest(SPEECH, MON - 3 * DAY)
    world.ingest(QUANT, MON)
    digest = world.digest(Profile(keywords=("quantization", "speech")), MON + HOUR)
    assert digest.since == MON - DAY
    assert digest.new == len(QUANT) and set(world.ids(digest)) == {p.id for p in QUANT}


def test_an_old_paper_seen_anew_is_not_new(world: World):
    old = paper("2407.00001", "Quantization of old models", "An old quantization paper.")
    world.ingest(QUANT + [replace(old, version=3, published=MON - 300 * DAY)], MON)
    digest = world.digest(QUANTIZATION, MON + HOUR)
    assert digest.new == len(QUANT) and "2407.00001" not in world.ids(digest)


def test_no_paper_is_sent_twice_across_days(world: World):
    profile = replace(QUANTIZATION, digest_size=3)
    world.ingest(QUANT + OTHER, MON)
    monday = world.digest(profile, MON + HOUR)
    record_digest(world.store, monday)
    tuesdays = [paper("2507.20001", "Quantization of speech models", "Quantize.")]
    world.ingest(SPEECH + tuesdays, MON + DAY)
    tuesday = world.digest(profile, MON + DAY + HOUR)
    assert tuesday.since == MON + HOUR
    assert world.ids(tuesday) and not set(world.ids(tuesday)) & set(world.ids(monday))
    # Even asked to look back over both days, the ledger keeps Monday's picks out.
    both = world.digest(profile, MON + DAY + HOUR, since=MON - DAY, k=10)
    assert not set(world.ids(both)) & set(world.ids(monday))


def test_a_withdrawn_paper_is_never_picked(world: World):
    withdrawn = replace(QUANT[0], extras={"withdrawn": True})
    world.ingest([withdrawn, *QUANT[1:], *OTHER], MON)
    digest = world.digest(QUANTIZATION, MON + HOUR, k=10)
    assert world.ids(digest) and QUANT[0].id not in world.ids(digest)


def test_a_paper_withdrawn_after_it_was_sent_is_not_sent_again(world: World):
    world.ingest(QUANT, MON)
    monday = world.digest(QUANTIZATION, MON + HOUR)
    record_digest(world.store, monday)
    sent = monday.picks[0].paper
    withdrawal = replace(sent, version=2, extras={"withdrawn": True})
    world.ingest([withdrawal], MON + DAY)
    again = world.digest(QUANTIZATION, MON + DAY + HOUR, since=MON - DAY, k=10)
    assert sent.id not in world.ids(again)


def test_a_day_without_announcements_says_so_and_the_next_digest_catches_up(world: World):
    world.ingest(QUANT, MON)
    monday = world.digest(QUANTIZATION, MON + HOUR)
    record_digest(world.store, monday)
    tuesday = world.digest(QUANTIZATION, MON + DAY + HOUR)  # Tuesday's ingest failed
    assert tuesday.nothing_new and tuesday.picks == ()
    assert tuesday.headline().startswith("Nothing new since 2025-07-21 07:00 UTC")
    late = paper("2507.30001", "Quantization arrived late", "Tuesday's quantization paper.")
    world.ingest([late, paper("2507.30002", "Quantization today", "Quantization.")], MON + 2 * DAY)
    wednesday = world.digest(QUANTIZATION, MON + 2 * DAY + HOUR)
    assert wednesday.since == MON + HOUR
    assert set(world.ids(wednesday)) == {"2507.30001", "2507.30002"}


def test_new_papers_all_sent_before_are_not_reported_as_nothing_new(world: World):
    world.ingest(QUANT, MON)
    monday = world.digest(replace(QUANTIZATION, digest_size=20), MON + HOUR)
    record_digest(world.store, monday)
    assert set(world.ids(monday)) == {p.id for p in QUANT}
    again = world.digest(QUANTIZATION, MON + 2 * HOUR, since=MON - DAY)
    assert again.picks == () and again.new == len(QUANT) and not again.nothing_new
    assert again.headline().startswith(f"{len(QUANT)} new papers since")


def test_a_digest_with_nothing_to_send_still_moves_the_next_window(world: World):
    world.ingest(QUANT, MON)
    record_digest(world.store, world.digest(QUANTIZATION, MON + HOUR))
    tuesday = world.digest(QUANTIZATION, MON + DAY + HOUR)  # a day without announcements
    assert tuesday.nothing_new and tuesday.since == MON + HOUR
    record_digest(world.store, tuesday)
    world.ingest([paper("2507.30003", "Quantization again", "Quantization.")], MON + 2 * DAY)
    wednesday = world.digest(QUANTIZATION, MON + 2 * DAY + HOUR)
    # The window starts after Tuesday's empty digest, not again after Monday's.
    assert wednesday.since == MON + DAY + HOUR
    assert wednesday.new == 1 and world.ids(wednesday) == ["2507.30003"]


def test_feedback_changes_the_next_digest(world: World):
    profile = Profile(
        keywords=(Keyword("quantization", 2.0), Keyword("speech recognition")), digest_size=3
    )
    world.store.profiles.save("user:T1:U1", profile, now=MON)
    world.ingest(QUANT[:1] + SPEECH + OTHER[:1] + FILLER, MON)
    for pick in world.digest(profile, MON + HOUR).picks:
        action = "like" if pick.paper in SPEECH else "dislike"
        press(world.store, "user:T1:U1", pick.paper.id, action, now=MON + HOUR)
    learned = world.store.profiles.get("user:T1:U1")
    assert learned.liked and learned.disliked
    tomorrow = [
        paper("2507.40001", "Quantization of language models", "Quantization, quantization."),
        paper("2507.40002", "Speech recognition of audio", "Speech recognition for audio."),
    ]
    world.ingest(tomorrow, MON + DAY)
    before = world.digest(profile, MON + DAY + HOUR, target="user:T1:U2")
    after = world.matcher.digest_for("user:T1:U1", now=MON + DAY + HOUR)
    assert world.ids(before)[0] == "2507.40001"
    assert world.ids(after)[0] == "2507.40002"


def test_the_classifier_joins_once_there_are_enough_ratings(world: World):
    world.ingest(EVERYTHING, MON - 3 * DAY)
    world.ingest([paper("2507.50001", "Quantization again", "More quantization.")], MON)
    base = Profile(keywords=("quantization",), liked=("2507.10001", "2507.10002"))
    few = replace(base, disliked=("2507.10011", "2507.10012"))
    enough = replace(few, liked=(*base.liked, "2507.10003"), disliked=(*few.disliked, "2507.10021"))
    assert world.digest(few, MON + HOUR).picks[0].explanation.learned is None
    learned = world.digest(enough, MON + HOUR).picks[0].explanation.learned
    assert learned is not None and 0 <= learned <= 1


def test_the_picks_are_not_near_duplicates(world: World):
    copies = [
        paper(f"2507.6000{i}", f"Quantization of LLM weights, take {i}", QUANT[0].abstract)
        for i in range(5)
    ]
    world.ingest(copies + QUANT[1:] + OTHER, MON)
    profile = Profile(keywords=(Keyword("quantization"), Keyword("weights", 3.0)), digest_size=3)
    diverse = world.ids(world.digest(profile, MON + HOUR))
    assert len(set(diverse) & {p.id for p in copies}) == 1
    plain = replace(world.matcher.settings, diversity=1.0, duplicate=1.01)
    greedy = Matcher(world.matcher.engine, plain).digest("user:T1:U1", profile, now=MON + HOUR)
    assert set(world.ids(greedy)) <= {p.id for p in copies}


def test_digests_of_many_targets_at_once(world: World):
    world.ingest(EVERYTHING, MON)
    speech = Profile(keywords=("speech recognition",), digest_size=3)
    digests = world.matcher.digests(
        {"user:T1:U1": QUANTIZATION, "channel:T1:C1": speech}, now=MON + HOUR
    )
    assert set(world.ids(digests["channel:T1:C1"])[:2]) == {p.id for p in SPEECH}
    assert len(digests["user:T1:U1"].picks) == 5


@pytest.mark.parametrize("profile", [QUANTIZATION, Profile(text_seeds=("My own paper",))])
def test_an_empty_archive_has_nothing_yet(world: World, profile: Profile):
    digest = world.digest(profile, MON)
    assert digest.nothing_new
    assert digest.headline() == "Nothing new yet: the archive holds no papers."


def test_a_digest_for_a_target_without_profile_is_refused(world: World):
    with pytest.raises(ProfileNotFound, match="user:T1:U9 has no profile yet"):
        world.matcher.digest_for("user:T1:U9", now=MON)


def test_feedback_without_a_stored_profile_is_logged_and_creates_one(world: World):
    created = press(world.store, "channel:T1:C1", "2507.10001", "like", now=MON)
    assert created == Profile(liked=("2507.10001",)) == world.store.profiles.get("channel:T1:C1")
    assert [action for _, action, _ in logged_feedback(world.store, "channel:T1:C1")] == ["like"]


def test_the_digest_as_json_data(world: World):
    world.ingest(EVERYTHING, MON)
    data = world.digest(QUANTIZATION, MON + HOUR, k=3).to_dict()
    assert data["new"] == len(EVERYTHING) and data["nothing_new"] is False
    assert all(pick["why"] and pick["keywords"] == ["quantization"] for pick in data["picks"])
    for pick in data["picks"]:
        if pick["id"].startswith("title:"):
            assert pick["url"].startswith("https://arxiv.org/search/?query=%22")
        else:
            assert pick["url"] == f"https://arxiv.org/abs/{pick['id']}"


def test_mmr_skips_near_duplicates_and_trades_relevance_for_novelty():
    vectors = np.array([[1, 0], [1, 0], [0.8, 0.6], [0, 1]], dtype=np.float32)
    scores = np.array([1.0, 0.99, 0.9, 0.5])
    ranked = np.array([0, 1, 2, 3])
    assert diversify(ranked, scores, vectors, 3, 1.0, duplicate=0.99) == [0, 2, 3]
    assert diversify(ranked, scores, vectors, 2, 0.3) == [0, 3]
    assert diversify(ranked, scores, vectors, 2, 1.0, duplicate=2.0) == [0, 1]
    assert diversify(ranked[:0], scores, vectors, 2, 0.5) == []


def test_a_paper_gains_half_its_neighbours_mean_score(world: World):
    """The neighbourhood term, by hand: each paper's score without it, plus 0.5 times the
    mean score of its 10 nearest papers of the pool (here all close enough to count)."""
    world.ingest(EVERYTHING, MON)
    profile = Profile(liked=(QUANT[0].id,))
    pool = world.matcher.pool(world.store.keys())
    flat = Matcher(world.matcher.engine, replace(SETTINGS, neighbourhood_weight=0.0, walk_weight=0))
    keys, scores = flat.rank(profile, pool)
    base = np.zeros(len(pool))
    base[np.searchsorted(pool.keys, keys)] = scores
    rows, cosines = pool.neighbours(10)
    assert rows.shape == (len(pool), min(10, len(pool) - 1)) and (cosines >= 0).all()
    expected = base + 0.5 * base[rows].mean(axis=1)
    keys, scores = Matcher(world.matcher.engine, replace(SETTINGS, walk_weight=0)).rank(
        profile, pool
    )
    assert np.allclose(scores, expected[np.searchsorted(pool.keys, keys)], atol=1e-5)
    assert keys.tolist() == pool.keys[np.argsort(-expected, kind="stable")].tolist()


def walk_scores(world: World, profile: Profile, pool, walk: float) -> np.ndarray:
    """The profile's score of each row of the pool, with the walk term at weight `walk`
    and no neighbourhood term; each paper has 2 neighbours."""
    settings = replace(SETTINGS, neighbourhood_weight=0.0, neighbours=2, walk_weight=walk)
    keys, scores = Matcher(world.matcher.engine, settings).rank(profile, pool)
    out = np.zeros(len(pool))
    out[np.searchsorted(pool.keys, keys)] = scores
    return out


def exact_walk(pool, restart: np.ndarray) -> np.ndarray:
    """Personalised PageRank in closed form, (1 - d) (I - d W^T)^-1 restart with d = 0.5, W
    the row-normalised symmetric graph of each paper's 2 nearest papers."""
    rows, _ = pool.neighbours(2)
    linked = np.zeros((len(pool), len(pool)))
    linked[np.repeat(np.arange(len(pool)), 2), rows.ravel()] = 1
    linked = np.maximum(linked, linked.T)
    walk = linked / linked.sum(axis=1, keepdims=True)
    return 0.5 * np.linalg.solve(np.eye(len(pool)) - 0.5 * walk.T, restart)


def test_a_paper_gains_its_visits_by_a_walk_from_the_liked_papers(world: World):
    """Of the liked papers in the pool, the walk restarts at their rows; the term is 0.005
    times the pool's size times the visits (a uniform visit counts 0.005)."""
    world.ingest(EVERYTHING + FILLER, MON)
    profile = Profile(liked=(QUANT[0].id, SPEECH[0].id))
    pool = world.matcher.pool(world.store.keys())
    restart = np.zeros(len(pool))
    restart[[pool.row(QUANT[0].id), pool.row(SPEECH[0].id)]] = 0.5
    gained = walk_scores(world, profile, pool, 0.005) - walk_scores(world, profile, pool, 0.0)
    alive = pool.mask_without(profile.liked)
    expected = 0.005 * len(pool) * exact_walk(pool, restart)
    assert np.allclose(gained[alive], expected[alive], atol=1e-5)
    assert gained[alive].max() > 3 * gained[alive].min() > 0


def test_a_liked_paper_outside_the_pool_starts_the_walk_at_its_nearest_papers(world: World):
    world.ingest(EVERYTHING + FILLER, MON)
    everything = world.matcher.pool(world.store.keys())
    liked = everything.vectors[everything.row(QUANT[0].id)]
    pool = world.matcher.pool(everything.keys[1:])
    assert pool.row(QUANT[0].id) is None and everything.row(QUANT[0].id) == 0
    restart = np.zeros(len(pool))
    restart[np.argsort(-(pool.vectors @ liked))[:2]] = 0.5
    profile = Profile(liked=(QUANT[0].id,))
    gained = walk_scores(world, profile, pool, 0.005) - walk_scores(world, profile, pool, 0.0)
    assert np.allclose(gained, 0.005 * len(pool) * exact_walk(pool, restart), atol=1e-5)


def test_the_walk_leaves_a_profile_with_a_description_alone(world: World):
    world.ingest(EVERYTHING + FILLER, MON)
    profile = Profile(description="Quantization.", liked=(QUANT[0].id,))
    pool = world.matcher.pool(world.store.keys())
    assert walk_scores(world, profile, pool, 0.005) == pytest.approx(
        walk_scores(world, profile, pool, 0.0)
    )


def ranked_with(world: World, profile: Profile, dense_weight: float, papers: float) -> list:
    """The scores of `profile` over the whole archive, with the search's fusion at
    `dense_weight` and `papers` as the weight for a profile of papers only."""
    world.ingest(EVERYTHING + FILLER, MON)
    fusion = Fusion(dense_weight=dense_weight)
    engine = Engine(world.store, world.index_dir, world.matcher.embedder, fusion)
    settings = replace(SETTINGS, papers_dense_weight=papers, neighbourhood_weight=0.0)
    matcher = Matcher(engine, settings)
    return matcher.rank(profile, matcher.pool(world.store.keys()))[1].tolist()


# The search's own weight (equal weights), which a profile with a description fuses with.
SEARCH_WEIGHT = Fusion().dense_weight


def test_a_profile_of_papers_only_fuses_with_its_own_dense_weight(world: World):
    profile = Profile(liked=("2507.10001", "2507.10021"))
    at_06 = ranked_with(world, profile, SEARCH_WEIGHT, papers=0.6)
    assert ranked_with(world, profile, 1.0, papers=0.6) == pytest.approx(at_06)
    assert ranked_with(world, profile, SEARCH_WEIGHT, papers=1.0) != pytest.approx(at_06)


def test_a_profile_with_a_description_fuses_as_the_search_does(world: World):
    profile = Profile(description="Quantization.", liked=("2507.10001",))
    as_searched = ranked_with(world, profile, SEARCH_WEIGHT, papers=0.6)
    assert ranked_with(world, profile, SEARCH_WEIGHT, papers=1.0) == pytest.approx(as_searched)
    assert ranked_with(world, profile, 1.0, papers=0.6) != pytest.approx(as_searched)
