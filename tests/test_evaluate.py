import math

import pytest

from recommender.evaluate import BadCollection, load_qrels, load_queries, measure


def test_measures_on_a_hand_checkable_run():
    qrels = {"q1": {"d1": 1}, "q2": {"d5": 1, "d6": 1}}
    run = {
        "q1": {"d9": 3.0, "d1": 2.0, "d8": 1.0},  # relevant at rank 2
        "q2": {"d5": 2.0, "d7": 1.0},  # one of two relevant, at rank 1
    }
    result = measure(run, qrels)
    ndcg_q1 = 1 / math.log2(3)
    ndcg_q2 = 1 / (1 + 1 / math.log2(3))
    assert result["ndcg@10"] == pytest.approx((ndcg_q1 + ndcg_q2) / 2, abs=1e-4)
    assert result["recall@100"] == pytest.approx((1 + 0.5) / 2)
    assert result["mrr@10"] == pytest.approx((0.5 + 1) / 2)


def test_a_query_with_no_results_counts_as_zero():
    assert measure({}, {"q1": {"d1": 1}}) == {"ndcg@10": 0.0, "recall@100": 0.0, "mrr@10": 0.0}


def test_mrr_stops_at_rank_ten():
    run = {"q1": {f"d{i}": 100.0 - i for i in range(20)}}
    assert measure(run, {"q1": {"d12": 1}})["mrr@10"] == 0.0


def test_loading_beir_files(tmp_path):
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"_id": "1", "text": "what"}\n\n{"_id": 2, "text": "who"}\n')
    qrels = tmp_path / "r.tsv"
    qrels.write_text("query-id\tcorpus-id\tscore\n1\td1\t1\n1\td2\t0\n")
    assert load_queries(queries) == {"1": "what", "2": "who"}
    assert load_qrels(qrels) == {"1": {"d1": 1, "d2": 0}}


@pytest.mark.parametrize(
    ("name", "text", "loader", "message"),
    [
        ("q.jsonl", '{"_id": "1"}\n', load_queries, "line 1: not a BEIR query"),
        ("q.jsonl", "{oops\n", load_queries, "line 1"),
        ("r.tsv", "header\n1 d1 1\n", load_qrels, "line 2: expected query-id"),
        ("r.tsv", "header\n1\td1\tyes\n", load_qrels, "line 2"),
    ],
)
def test_bad_collection_files_name_the_line(tmp_path, name, text, loader, message):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(BadCollection, match=message):
        loader(path)
