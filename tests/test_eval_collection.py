"""`papers eval`'s sequence as one library call, on a tiny BEIR collection."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from recommender.embed import HashEmbedder
from recommender.eval_collection import Collection, evaluate_collection
from recommender.evaluate import BadCollection
from recommender.fusion import Fusion

BEIR = Path(__file__).parent / "fixtures" / "feedback-beir"
NOW = datetime(2025, 7, 21, tzinfo=UTC)
COLLECTION = Collection(BEIR / "corpus.jsonl", BEIR / "queries.jsonl", BEIR / "qrels.tsv")


def test_a_kept_work_dir_is_indexed_once(tmp_path):
    def run(rounds: int = 0, dim: int = 256):
        return evaluate_collection(
            COLLECTION,
            HashEmbedder(dim),
            Fusion(),
            now=NOW,
            work_dir=tmp_path,
            feedback_rounds=rounds,
        )

    first = run()
    assert first.indexed and first.feedback is None
    assert set(first.as_dict()) == {"bm25", "dense", "hybrid", "latency_ms"}
    again = run(rounds=1)
    assert again.indexed is None  # nothing new to embed
    assert again.retrieval.hybrid == first.retrieval.hybrid
    assert len(again.feedback.feedback) == 2
    # Kept from a run of another model (as auto may pick int8 on another CPU): built again.
    other = run(dim=128)
    assert other.indexed and "rebuilt" in other.indexed


def test_a_corpus_that_is_not_beir_is_named(tmp_path):
    junk = tmp_path / "corpus.jsonl"
    junk.write_text("not json\n")
    with pytest.raises(BadCollection, match="corpus.jsonl"):
        evaluate_collection(
            Collection(junk, COLLECTION.queries, COLLECTION.qrels),
            HashEmbedder(256),
            Fusion(),
            now=NOW,
        )
