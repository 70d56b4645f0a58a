"""The model on ONNX Runtime: sentence-transformers' float32 vectors from a graph exported once."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import recommender.onnx_embed
from recommender.embed import Recipe, SentenceTransformerEmbedder
from recommender.errors import GraphExportFailed
from recommender.onnx_embed import OnnxEmbedder

pytestmark = pytest.mark.model

TEXTS = [
    "speculative decoding for LLM inference",
    "Jürgen's coral reefs, 数学 and ∑ notation",
    "",
    # Past 128 and 256 word pieces, with other words after each cut: cut as torch cuts it.
    "attention " * 120 + "coral reef bleaching " * 100,
]


@pytest.fixture(scope="module")
def torch_float32() -> Iterator[SentenceTransformerEmbedder]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_OFFLINE", "1")
        yield SentenceTransformerEmbedder(precision="float32")


@pytest.fixture(scope="module")
def graphs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder the module's embedders export into once."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="module")
def onnx(graphs: Path, torch_float32: SentenceTransformerEmbedder) -> OnnxEmbedder:
    return OnnxEmbedder(graphs, torch_float32)


def cosines(a: np.ndarray, b: np.ndarray) -> list[float]:
    return (a * b).sum(axis=1).tolist()


def test_its_vectors_are_torchs_in_a_batch_and_one_at_a_time(
    onnx: OnnxEmbedder, torch_float32: SentenceTransformerEmbedder
) -> None:
    expected = torch_float32.encode(TEXTS)
    together = onnx.encode(TEXTS)
    alone = np.vstack([onnx.encode([text]) for text in TEXTS])

    assert together.dtype == np.float32 and together.shape == (4, 384)
    assert cosines(together, expected) == pytest.approx([1.0] * 4, abs=1e-5)
    assert np.allclose(alone, together, atol=1e-5)
    assert (onnx.name, onnx.dim) == (torch_float32.name, 384)
    assert onnx.encode([]).shape == (0, 384)


def test_a_shorter_window_is_a_graph_of_its_own(graphs: Path) -> None:
    torch_128 = SentenceTransformerEmbedder(precision="float32", word_pieces=128)
    onnx_128 = OnnxEmbedder(graphs, torch_128)

    vectors = onnx_128.encode(TEXTS)

    assert onnx_128.name == "all-MiniLM-L6-v2@128"
    assert cosines(vectors, torch_128.encode(TEXTS)) == pytest.approx([1.0] * 4, abs=1e-5)
    assert (graphs / "all-MiniLM-L6-v2@128" / "model.onnx").is_file()
    whole = OnnxEmbedder(graphs, SentenceTransformerEmbedder(precision="float32"))
    assert cosines(vectors[3:], whole.encode(TEXTS[3:])) < [0.99]


def test_the_graph_is_exported_once_and_then_reused(
    onnx: OnnxEmbedder, graphs: Path, torch_float32: SentenceTransformerEmbedder, monkeypatch
) -> None:
    onnx.encode(TEXTS[:1])
    exports: list[Path] = []
    monkeypatch.setattr(recommender.onnx_embed, "export", lambda _, folder: exports.append(folder))
    again = OnnxEmbedder(graphs, torch_float32)

    assert np.allclose(again.encode(TEXTS), onnx.encode(TEXTS), atol=1e-6)
    assert exports == []


def test_a_half_written_or_foreign_folder_is_exported_again(
    tmp_path: Path, torch_float32: SentenceTransformerEmbedder, onnx: OnnxEmbedder
) -> None:
    folder = tmp_path / "all-MiniLM-L6-v2"
    folder.mkdir()
    (folder / "model.onnx").write_bytes(b"cut short by a crash")
    (folder / "about.json").write_text('{"recipe": "another-model"}')

    vectors = OnnxEmbedder(tmp_path, torch_float32).encode(TEXTS)

    assert np.allclose(vectors, onnx.encode(TEXTS), atol=1e-6)
    assert "all-MiniLM-L6-v2" in (folder / "about.json").read_text()


def test_a_model_that_cannot_be_exported_is_run_by_torch_and_said_once(
    tmp_path: Path,
    torch_float32: SentenceTransformerEmbedder,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    tries: list[Path] = []

    def failing(recipe, folder: Path) -> None:
        tries.append(folder)
        raise RuntimeError("Unsupported: an operator the exporter does not know")

    monkeypatch.setattr(recommender.onnx_embed, "export", failing)
    embedder = OnnxEmbedder(tmp_path, torch_float32)

    with caplog.at_level(logging.ERROR, logger="recommender.onnx_embed"):
        first = embedder.encode(TEXTS)
        second = embedder.encode(TEXTS[:1])

    assert np.allclose(first, torch_float32.encode(TEXTS), atol=1e-6)
    assert second.shape == (1, 384)
    assert len(tries) == 1
    assert [r.getMessage() for r in caplog.records] == [
        "cannot run all-MiniLM-L6-v2 on ONNX Runtime; torch embeds instead"
    ]
    assert not (tmp_path / "all-MiniLM-L6-v2").exists()


def test_an_export_that_fails_in_its_process_is_a_named_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # the hub is out of reach: the model is not found

    with pytest.raises(GraphExportFailed, match=r"exporting no-such/model to ONNX failed"):
        recommender.onnx_embed.export(Recipe("no-such/model"), tmp_path)

    assert list(tmp_path.iterdir()) == []
