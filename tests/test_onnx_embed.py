"""The model on ONNX Runtime: sentence-transformers' float32 vectors from a graph exported once."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import recommender.onnx_embed
from recommender.embed import DEFAULT_MODEL, Recipe, SentenceTransformerEmbedder
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
    return OnnxEmbedder(graphs, torch_float32.recipe, fallback=torch_float32)


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
    onnx_128 = OnnxEmbedder(graphs, torch_128.recipe, fallback=torch_128)

    vectors = onnx_128.encode(TEXTS)

    assert onnx_128.name == "all-MiniLM-L6-v2@128"
    assert cosines(vectors, torch_128.encode(TEXTS)) == pytest.approx([1.0] * 4, abs=1e-5)
    assert (graphs / "all-MiniLM-L6-v2@128" / "model.onnx").is_file()
    whole = OnnxEmbedder(graphs, Recipe(DEFAULT_MODEL))
    assert cosines(vectors[3:], whole.encode(TEXTS[3:])) < [0.99]


def test_the_graph_is_exported_once_and_then_reused(
    onnx: OnnxEmbedder, graphs: Path, torch_float32: SentenceTransformerEmbedder, monkeypatch
) -> None:
    onnx.encode(TEXTS[:1])
    exports: list[Path] = []
    monkeypatch.setattr(recommender.onnx_embed, "export", lambda _, folder: exports.append(folder))
    again = OnnxEmbedder(graphs, torch_float32.recipe)

    assert np.allclose(again.encode(TEXTS), onnx.encode(TEXTS), atol=1e-6)
    assert exports == []


@pytest.mark.parametrize(
    "about",
    [
        '{"recipe": "another-model", "graph": 2}',
        '{"recipe": "all-MiniLM-L6-v2"}',  # a graph made the way before fused attention
    ],
)
def test_a_half_written_foreign_or_older_folder_is_exported_again(
    tmp_path: Path, torch_float32: SentenceTransformerEmbedder, onnx: OnnxEmbedder, about: str
) -> None:
    folder = tmp_path / "all-MiniLM-L6-v2"
    folder.mkdir()
    (folder / "model.onnx").write_bytes(b"cut short by a crash")
    (folder / "about.json").write_text(about)

    vectors = OnnxEmbedder(tmp_path, torch_float32.recipe).encode(TEXTS)

    assert np.allclose(vectors, onnx.encode(TEXTS), atol=1e-6)
    assert json.loads((folder / "about.json").read_text()) == {
        "recipe": "all-MiniLM-L6-v2",
        "graph": 2,
    }


def test_an_int8_recipe_is_a_quantized_graph_of_its_own_near_float32(
    graphs: Path, onnx: OnnxEmbedder, torch_float32: SentenceTransformerEmbedder
) -> None:
    int8 = OnnxEmbedder(graphs, Recipe(DEFAULT_MODEL, int8=True), threads=2)

    vectors = int8.encode(TEXTS)

    assert int8.name == "all-MiniLM-L6-v2+int8"
    assert vectors.dtype == np.float32 and vectors.shape == (4, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    near = cosines(vectors, torch_float32.encode(TEXTS))
    assert min(near) > 0.97 and min(near) < 0.9999  # close, and really quantized
    onnx.encode(TEXTS[:1])
    float_graph = (graphs / "all-MiniLM-L6-v2" / "model.onnx").stat().st_size
    int8_graph = (graphs / "all-MiniLM-L6-v2+int8" / "model.onnx").stat().st_size
    assert int8_graph < float_graph / 3  # a byte a weight, not four
    # Each text runs alone, with its activations' own int8 scale: its vector is the same
    # whatever it is embedded with (a query among concurrent searches, a paper in any batch).
    alone = np.vstack([int8.encode([text]) for text in TEXTS])
    assert np.array_equal(alone, vectors)
    assert np.array_equal(int8.encode(TEXTS[::-1]), vectors[::-1])


def test_an_int8_graph_that_cannot_be_made_is_an_error_not_float32_vectors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def failing(recipe, folder: Path) -> None:
        raise GraphExportFailed(f"exporting {recipe.name} to ONNX failed (exit code 1)")

    monkeypatch.setattr(recommender.onnx_embed, "export", failing)
    int8 = OnnxEmbedder(tmp_path, Recipe(DEFAULT_MODEL, int8=True))

    with pytest.raises(GraphExportFailed, match=r"all-MiniLM-L6-v2\+int8"):
        int8.encode(TEXTS)
    assert caplog.records == []


def test_a_fallback_of_another_recipe_is_refused(torch_float32: SentenceTransformerEmbedder):
    with pytest.raises(ValueError, match="all-MiniLM-L6-v2 cannot stand in for .*\\+int8"):
        OnnxEmbedder(Path("unused"), Recipe(DEFAULT_MODEL, int8=True), fallback=torch_float32)


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
    embedder = OnnxEmbedder(tmp_path, torch_float32.recipe, fallback=torch_float32)

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
