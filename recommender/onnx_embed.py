"""The embedding model on ONNX Runtime: sentence-transformers' float32 vectors, for queries.

A search embeds one short query. Torch's eager forward pays a fixed Python cost for each of
the model's module calls, and for a query of a few words that cost is most of the 10 to
20 ms the model took (`papers serve`'s main CPU cost a search); ONNX Runtime runs the same
graph as fused kernels in a few ms, with vectors at cosine 1.0000 to sentence-transformers'
float32 (docs/BENCHMARKS.md). For papers in bulk the arithmetic dominates and the two are
level, so bulk embedding stays with `SentenceTransformerEmbedder` (bfloat16 where native).

The graph is exported once from the model's own weights (the bundled package's: nothing
is downloaded), tokenizer beside it, into a folder per recipe, by a process of its own;
processes sharing the folder export in turn. Loading it needs neither torch nor
transformers.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import threading
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from recommender.atomic import replace_directory, taking_turns
from recommender.embed import Recipe, SentenceTransformerEmbedder, resolve_model
from recommender.errors import GraphExportFailed

if TYPE_CHECKING:
    from onnxruntime import InferenceSession
    from tokenizers import Tokenizer

log = logging.getLogger(__name__)

_GRAPH, _TOKENIZER, _ABOUT = "model.onnx", "tokenizer.json", "about.json"


class OnnxEmbedder:
    """`model`'s graph on ONNX Runtime, exported into a folder of `folder` on first use.

    `model` is the sentence-transformers embedder whose vectors this one reproduces (its
    recipe names the graph); it runs instead if the graph cannot be made (a model that does
    not export), so a search still answers. `threads` is the session's own thread count.
    """

    def __init__(
        self,
        folder: Path,
        model: SentenceTransformerEmbedder,
        *,
        threads: int = 1,
        batch_size: int = 16,
    ) -> None:
        self._recipe: Recipe = model.recipe
        self._fallback = model
        self._folder = Path(folder) / self._recipe.name.replace("/", "--")
        self._threads = threads
        self._batch_size = batch_size
        self._loaded: tuple[InferenceSession, Tokenizer, list[str]] | None = None
        self._failed = False
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self._recipe.name

    @property
    def recipe(self) -> Recipe:
        return self._recipe

    @property
    def dim(self) -> int:
        loaded = self._load()
        return _width(loaded[0]) if loaded else self._fallback.dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        loaded = self._load()
        if loaded is None:
            return self._fallback.encode(texts)
        session, tokenizer, inputs = loaded
        rows = [np.empty((0, _width(session)), dtype=np.float32)]
        for start in range(0, len(texts), self._batch_size):
            pieces = tokenizer.encode_batch(list(texts[start : start + self._batch_size]))
            feed = {
                "input_ids": np.array([p.ids for p in pieces], dtype=np.int64),
                "attention_mask": np.array([p.attention_mask for p in pieces], dtype=np.int64),
                "token_type_ids": np.array([p.type_ids for p in pieces], dtype=np.int64),
            }
            [vectors] = session.run(None, {name: feed[name] for name in inputs})
            rows.append(vectors)
        vectors = np.concatenate(rows).astype(np.float32)
        # The graph normalises as the model's own last module does; again, to float32's last bit.
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)

    def _load(self) -> tuple[InferenceSession, Tokenizer, list[str]] | None:
        with self._lock:
            if self._loaded is None and not self._failed:
                try:
                    self._loaded = self._open()
                except Exception:  # torch's exporter fails in many ways; none should stop a search
                    log.exception("cannot run %s on ONNX Runtime; torch embeds instead", self.name)
                    self._failed = True
            return self._loaded

    def _open(self) -> tuple[InferenceSession, Tokenizer, list[str]]:
        import onnxruntime
        from tokenizers import Tokenizer

        with _exported(self._folder, self._recipe):
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = self._threads
            options.inter_op_num_threads = 1
            session = onnxruntime.InferenceSession(
                str(self._folder / _GRAPH), options, providers=["CPUExecutionProvider"]
            )
            tokenizer = Tokenizer.from_file(str(self._folder / _TOKENIZER))
        return session, tokenizer, [graph_input.name for graph_input in session.get_inputs()]


def _width(session: InferenceSession) -> int:
    return int(session.get_outputs()[0].shape[-1])


@contextmanager
def _exported(folder: Path, recipe: Recipe) -> Iterator[None]:
    """Hold `folder`'s lock, with the graph of `recipe` in it (exported if missing)."""
    with taking_turns(folder):
        if not _holds(folder, recipe):
            with replace_directory(folder) as staging:
                export(recipe, staging)
        yield


def _holds(folder: Path, recipe: Recipe) -> bool:
    try:
        about = json.loads((folder / _ABOUT).read_text())
    except (OSError, ValueError):
        return False
    return about.get("recipe") == recipe.name


def export(recipe: Recipe, folder: Path) -> None:
    """Write `recipe`'s whole sentence-transformers model (its transformer, pooling and
    normalisation) as one ONNX graph into `folder`, with its tokenizer set to cut each text
    at the recipe's word pieces and pad a batch to its longest.

    In a process of its own: torch and transformers take seconds of Python to import and
    hundreds of MB to keep, which a process that only runs the graph need not pay for, and
    which would hold its interpreter lock meanwhile (a cold web process exports while it
    builds its indexes: in one process that build took 20 s longer at 100,000 papers).
    """
    process = multiprocessing.get_context("spawn").Process(
        target=_write_graph, args=(recipe, folder)
    )
    process.start()
    process.join()
    if process.exitcode != 0:
        raise GraphExportFailed(
            f"exporting {recipe.name} to ONNX failed (exit code {process.exitcode}); "
            "its error is above"
        )


def _write_graph(recipe: Recipe, folder: Path) -> None:
    import torch
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(resolve_model(recipe.model), device="cpu").eval()
    if recipe.word_pieces is not None:
        model.max_seq_length = recipe.word_pieces
    names = list(model.tokenizer.model_input_names)

    class Whole(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            return self.model(dict(zip(names, inputs, strict=True)))["sentence_embedding"]

    sample = model.tokenizer(["a text to trace the graph"], return_tensors="pt")
    axes = {name: {0: "texts", 1: "pieces"} for name in names}
    # The tracer warns of every shape test it freezes; for this model's inputs (a mask
    # always given, as long as the pieces) each is the one the model would take anyway.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Whole(),
            tuple(sample[name] for name in names),
            str(folder / _GRAPH),
            input_names=names,
            output_names=["embedding"],
            dynamic_axes={**axes, "embedding": {0: "texts"}},
            opset_version=17,
            dynamo=False,
        )
    tokenizer = model.tokenizer.backend_tokenizer
    tokenizer.enable_truncation(max_length=model.max_seq_length)
    tokenizer.enable_padding(
        pad_id=model.tokenizer.pad_token_id, pad_token=model.tokenizer.pad_token
    )
    tokenizer.save(str(folder / _TOKENIZER))
    (folder / _ABOUT).write_text(json.dumps({"recipe": recipe.name}))
