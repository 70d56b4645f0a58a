"""The feedback evaluation on a tiny hand-made BEIR collection, with the hashing embedder."""

import math
from datetime import UTC, datetime
from pathlib import Path

import pytest

from recommender.embed import HashEmbedder
from recommender.engine import Engine
from recommender.evaluate import load_qrels, load_queries
from recommender.feedback_eval import FeedbackEvaluation, evaluate_feedback
from recommender.indexes import Indexer
from recommender.ingest import IngestReport, ingest_file
from recommender.learning import Learning
from recommender.matching import Matcher, MatchSettings
from recommender.store import Store

BEIR = Path(__file__).parent / "fixtures" / "feedback-beir"


@pytest.fixture
def collection(sqlite_store: Store, tmp_path: Path):
    report = IngestReport()
    now = datetime.now(UTC)
    ingest_file(sqlite_store, BEIR / "corpus.jsonl", report, now=now, fmt="beir-corpus")
    embedder = HashEmbedder(256)
    Indexer(sqlite_store, tmp_path / "index", embedder).update()
    matcher = Matcher(Engine(sqlite_store, tmp_path / "index", embedder))
    doc_ids = {key: paper.extras["beir_id"] for key, paper in sqlite_store.iter_keyed()}
    return matcher, load_queries(BEIR / "queries.jsonl"), load_qrels(BEIR / "qrels.tsv"), doc_ids


@pytest.mark.parametrize("rounds", [0, 1, 3])
def test_one_value_per_round_and_round_zero_is_shared(collection, rounds: int):
    result = evaluate_feedback(*collection, rounds=rounds)
    assert len(result.feedback) == len(result.no_feedback) == rounds + 1
    assert result.feedback[0] == result.no_feedback[0] > 0
    assert len(result.queries) == rounds + 1 and result.queries[0] == 3
    assert all(0 <= value <= 1 for value in result.feedback + result.no_feedback)
    assert result.as_dict() == {
        "feedback": list(result.feedback),
        "no_feedback": list(result.no_feedback),
    }


def test_a_profile_that_learns_nothing_ranks_as_the_unchanged_one(collection):
    matcher, *rest = collection
    deaf = MatchSettings(
        nearest_weight=0,
        disliked_weight=0,
        classifier_weight=0,
        learning=Learning(rocchio=(1.0, 0.0, 0.0), expansion_terms=0),
    )
    result = evaluate_feedback(Matcher(matcher.engine, deaf), *rest, rounds=2, shown=4)
    assert result.feedback == result.no_feedback


def test_ratings_help_on_a_collection_of_three_clear_topics(collection):
    result = evaluate_feedback(*collection, rounds=1, shown=4)
    assert result.feedback[1] >= result.no_feedback[1]


def test_when_every_relevant_paper_was_shown_nothing_is_left_to_rank(collection):
    # 30 papers, 10 shown a round: after 3 rounds every paper was shown.
    result = evaluate_feedback(*collection, rounds=3)
    assert result.feedback[3] == result.no_feedback[3] == 0.0
    assert result.queries[3] == 0


def test_gains_are_the_ratio_per_round():
    result = FeedbackEvaluation(feedback=(0.5, 0.4, 0.3), no_feedback=(0.5, 0.2, 0.0))
    assert result.gains()[:2] == (1.0, 2.0)
    assert math.isnan(result.gains()[2])  # no residual score to compare with
