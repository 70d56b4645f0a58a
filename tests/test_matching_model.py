"""The example profiles against the bundled seed digests, with the real embedding model."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from recommender import SAMPLES_DIR
from recommender.digest import Digest
from recommender.embed import SentenceTransformerEmbedder
from recommender.engine import Engine
from recommender.indexes import Indexer
from recommender.ingest import IngestReport, ingest_file
from recommender.matching import Matcher
from recommender.models import Paper
from recommender.profiles import Profile, load_profile
from recommender.store import Store, sqlite_url
from recommender.text import tokenize

pytestmark = pytest.mark.model

PROFILES = Path(__file__).parent.parent / "profiles"
INGESTED = datetime(2025, 7, 25, 6, tzinfo=UTC)  # the morning after the digests' last day
NOW = INGESTED + timedelta(hours=1)

# What each example profile's picks are about: words of which each pick should hold one,
# and how many of the picks at least must.
TOPICS = {
    "efficient-llm": ("quantization", 3),
    "mixture-of-experts": ("experts MoE", 4),
    "remote-sensing": ("remote sensing satellite aerial hyperspectral", 3),
    "speech": ("speech ASR audio acoustic", 4),
    "llm-safety": ("safety safe unsafe alignment jailbreak harmful sycophancy refusal", 4),
}


@pytest.fixture(scope="session")
def matcher(minilm: SentenceTransformerEmbedder, tmp_path_factory) -> Matcher:
    """The bundled seed digests, ingested and indexed with the real model, once."""
    root = tmp_path_factory.mktemp("seeded")
    store = Store.open(sqlite_url(root))
    report = IngestReport()
    for path in sorted(SAMPLES_DIR.glob("*.txt")):
        ingest_file(store, path, report, now=INGESTED)
    assert report.ok
    Indexer(store, root / "index", minilm).update()
    return Matcher(Engine(store, root / "index", minilm))


def terms(paper: Paper) -> set[str]:
    return set(tokenize(f"{paper.title} {paper.abstract}"))


def has_phrase(paper: Paper, phrase: str) -> bool:
    text = " " + " ".join(tokenize(f"{paper.title} {paper.abstract}")) + " "
    return " " + " ".join(tokenize(phrase)) + " " in text


def digest_of(matcher: Matcher, name: str, **kw) -> Digest:
    return matcher.digest(f"file:{name}", load_profile(PROFILES / f"{name}.yaml"), now=NOW, **kw)


@pytest.mark.parametrize("name", sorted(TOPICS))
def test_example_profiles_pick_papers_on_their_topic(matcher: Matcher, name: str):
    words, least = TOPICS[name]
    profile = load_profile(PROFILES / f"{name}.yaml")
    digest = digest_of(matcher, name)
    assert len(digest.picks) == profile.digest_size
    on_topic = [pick for pick in digest.picks if terms(pick.paper) & set(tokenize(words))]
    assert len(on_topic) >= least, [pick.paper.title for pick in digest.picks]
    assert all(pick.explanation.text() for pick in digest.picks)
    for pick in digest.picks:
        assert not any(has_phrase(pick.paper, muted) for muted in profile.muted)


def test_the_quantization_profiles_top_picks_are_quantization_papers(matcher: Matcher):
    top = digest_of(matcher, "efficient-llm").picks[:3]
    assert all("quantiz" in terms(pick.paper) for pick in top)
    assert all(pick.explanation.closest.kind == "seed" for pick in top)


def test_a_muted_keyword_never_appears_in_the_picks(matcher: Matcher):
    profile = load_profile(PROFILES / "efficient-llm.yaml")
    plain = matcher.digest("file:a", profile, now=NOW, k=20)
    assert any(has_phrase(pick.paper, "diffusion") for pick in plain.picks)
    muted = replace(profile, muted=(*profile.muted, "diffusion"))
    picks = matcher.digest("file:b", muted, now=NOW, k=20).picks
    assert len(picks) == 20 and not any(has_phrase(pick.paper, "diffusion") for pick in picks)


def test_a_person_with_two_interests_gets_both(matcher: Matcher):
    speech_and_remote_sensing = Profile(seeds=("2507.18181", "2510.13993"), digest_size=4)
    picks = matcher.digest("file:two", speech_and_remote_sensing, now=NOW).picks
    closest = {pick.explanation.closest.paper_id for pick in picks}
    assert closest == {"2507.18181", "2510.13993"}
    assert any("speech" in terms(p.paper) for p in picks)
    assert any({"remot", "sens"} <= terms(p.paper) for p in picks)


def test_a_profile_on_an_absent_topic_gets_no_picks_not_noise(matcher: Matcher):
    cosmology = Profile(description="Galaxy formation and dark matter halos in cosmology.")
    digest = matcher.digest("file:cosmology", cosmology, now=NOW)
    assert digest.picks == ()
    assert digest.headline().endswith("none matches this profile.")
