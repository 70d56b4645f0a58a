"""The embedding model on ONNX Runtime: sentence-transformers' vectors from one graph.

Two uses. A search embeds one short query: torch's eager forward pays a fixed Python cost
for each of the model's module calls, and for a query of a few words that cost is most of
the 10 to 20 ms the model took (`papers serve`'s main CPU cost a search); ONNX Runtime runs
the float32 graph in a few ms, with vectors at cosine 1.0000 to sentence-transformers'
float32. And papers in bulk: an `int8` recipe's weights quantized to int8 (one scale per
output column) run about three times as fast as float32 sentence-transformers on a CPU
that multiplies int8 natively, at float32's nDCG@10 or better; where torch would run
float32, the float32 graph, text by text on every core, runs 1.2 to 1.3 times as fast with
the same vectors (docs/BENCHMARKS.md).

The graph is exported once from the model's own weights (the bundled package's: nothing
is downloaded), tokenizer beside it, into a folder per recipe, by a process of its own;
processes sharing the folder export in turn. The export traces the model's plain
attention, which ONNX Runtime's transformer optimizer fuses into one operator a layer
(torch's fused attention traces as a pattern it does not know). Loading the graph needs
neither torch nor transformers.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import threading
import warnings
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from recommender.atomic import replace_directory, taking_turns
from recommender.embed import Recipe, SentenceTransformerEmbedder, resolve_model
from recommender.errors import GraphExportFailed

if TYPE_CHECKING:
    from onnxruntime import InferenceSession
    from tokenizers import Encoding, Tokenizer

log = logging.getLogger(__name__)

_GRAPH, _TOKENIZER, _ABOUT = "model.onnx", "tokenizer.json", "about.json"
# Bumped when the way a graph is made changes, so that an older folder is exported again.
_GRAPH_VERSION = 2


class OnnxEmbedder:
    """`recipe`'s graph on ONNX Runtime, exported into a folder of `folder` on first use.

    `fallback`, a sentence-transformers embedder of the same float recipe, runs instead if
    the graph cannot be made (a model that does not export), so a search still answers;
    without one (an int8 recipe, whose vectors nothing else makes) that failure is raised.
    Each text runs alone, on one thread, and `threads` texts at once (None: one a core). An
    int8 graph quantizes each run's activations with one scale, so texts run together
    would move one another's vectors (cosine 0.98 to 0.99 for a query alone against among
    seven others); alone, a text's vector never depends on what it is embedded with, no
    text is padded, and the cores work on texts apart: faster than batches of 16 on
    several threads, for float32 graphs too (docs/BENCHMARKS.md).
    """

    def __init__(
        self,
        folder: Path,
        recipe: Recipe,
        *,
        fallback: SentenceTransformerEmbedder | None = None,
        threads: int | None = 1,
    ) -> None:
        if fallback is not None and fallback.recipe != recipe:
            raise ValueError(f"{fallback.name} cannot stand in for {recipe.name}")
        self._recipe = recipe
        self._fallback = fallback
        self._folder = Path(folder) / recipe.name.replace("/", "--")
        self._threads = threads
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
        # Longest first, so that the runs at the end, while other threads finish, are short.
        order = np.argsort([-len(text) for text in texts], kind="stable")
        feeds = [_feed(tokenizer.encode(texts[row]), inputs) for row in order]

        def run(feed: dict[str, np.ndarray]) -> np.ndarray:
            return session.run(None, feed)[0][0]

        workers = self._threads or os.cpu_count() or 1
        if workers > 1 and len(feeds) > 1:
            with ThreadPoolExecutor(workers) as pool:  # ONNX Runtime lets go of the GIL
                outputs = list(pool.map(run, feeds))
        else:
            outputs = [run(feed) for feed in feeds]
        vectors = np.empty((len(texts), _width(session)), dtype=np.float32)
        for row, output in zip(order, outputs, strict=True):
            vectors[row] = output
        # The graph normalises as the model's own last module does; again, to float32's last bit.
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)

    def _load(self) -> tuple[InferenceSession, Tokenizer, list[str]] | None:
        with self._lock:
            if self._loaded is None and not self._failed:
                if self._fallback is None:
                    self._loaded = self._open()
                    return self._loaded
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
            options.intra_op_num_threads = 1  # a text a thread: `encode` runs them at once
            options.inter_op_num_threads = 1
            session = onnxruntime.InferenceSession(
                str(self._folder / _GRAPH), options, providers=["CPUExecutionProvider"]
            )
            tokenizer = Tokenizer.from_file(str(self._folder / _TOKENIZER))
        return session, tokenizer, [graph_input.name for graph_input in session.get_inputs()]


def _feed(pieces: Encoding, inputs: list[str]) -> dict[str, np.ndarray]:
    """The graph's inputs for one tokenized text."""
    feed = {
        "input_ids": np.array([pieces.ids], dtype=np.int64),
        "attention_mask": np.array([pieces.attention_mask], dtype=np.int64),
        "token_type_ids": np.array([pieces.type_ids], dtype=np.int64),
    }
    return {name: feed[name] for name in inputs}


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
    return about.get("recipe") == recipe.name and about.get("graph") == _GRAPH_VERSION


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

    model = SentenceTransformer(
        resolve_model(recipe.model), device="cpu", model_kwargs={"attn_implementation": "eager"}
    ).eval()
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
    traced = folder / "traced.onnx"
    # The tracer warns of every shape test it freezes; for this model's inputs (a mask
    # always given, as long as the pieces) each is the one the model would take anyway.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Whole(),
            tuple(sample[name] for name in names),
            str(traced),
            input_names=names,
            output_names=["embedding"],
            dynamic_axes={**axes, "embedding": {0: "texts"}},
            opset_version=17,
            dynamo=False,
        )
    config = model[0].auto_model.config
    _optimise(traced, folder / _GRAPH, config.num_attention_heads, config.hidden_size, recipe)
    traced.unlink()
    tokenizer = model.tokenizer.backend_tokenizer
    tokenizer.enable_truncation(max_length=model.max_seq_length)
    tokenizer.enable_padding(
        pad_id=model.tokenizer.pad_token_id, pad_token=model.tokenizer.pad_token
    )
    tokenizer.save(str(folder / _TOKENIZER))
    (folder / _ABOUT).write_text(json.dumps({"recipe": recipe.name, "graph": _GRAPH_VERSION}))


def _optimise(traced: Path, graph: Path, heads: int, width: int, recipe: Recipe) -> None:
    """Fuse the traced graph's attention, layer norms and GELUs (ONNX Runtime's optimizer
    for BERT-like models), and for an int8 recipe quantize its matrix products' weights."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model

    # Both log advice for other models to the root logger; this process is only theirs.
    logging.getLogger().setLevel(logging.ERROR)
    optimised = optimize_model(str(traced), model_type="bert", num_heads=heads, hidden_size=width)
    if not recipe.int8:
        optimised.save_model_to_file(str(graph))
        return
    fused = traced.with_name("fused.onnx")
    optimised.save_model_to_file(str(fused))
    # One scale per output column: with one per matrix, a few outlying columns of the
    # feed-forward output layers took the vectors down to a cosine of 0.94 to float32's.
    # The fused operators are ONNX Runtime's own, whose output types the quantizer cannot
    # infer: they are float32.
    quantize_dynamic(
        fused,
        graph,
        per_channel=True,
        weight_type=QuantType.QInt8,
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )
    fused.unlink()
