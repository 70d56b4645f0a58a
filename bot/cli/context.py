"""What every `papers` command shares: the `Context` made once from the settings, the
translation of named errors into CLI errors, and progress bars for long steps."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import wraps
from pathlib import Path

import click
from tqdm import tqdm

from bot.config import Settings, SlackMode
from recommender.dates import parse_since, utc_midnight
from recommender.delivery import Deliverer, DeliveryWorker, DryRun
from recommender.embed import Embedder, Recipe, SentenceTransformerEmbedder, choose_recipe
from recommender.engine import Engine
from recommender.errors import PapersError
from recommender.eval_collection import Bars
from recommender.fusion import Fusion
from recommender.http import HttpClient
from recommender.indexes import Indexer
from recommender.lease import Lease, holder_name
from recommender.matching import Matcher
from recommender.onnx_embed import OnnxEmbedder
from recommender.pipeline import Pipeline, Source
from recommender.store import Store


class Context:
    """The settings read once, and what commands build from them; the store opens on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._store: Store | None = None
        # One model per thread count: the indexer and the engine of one command share it.
        self._embedders: dict[tuple[int | None, Recipe], Embedder] = {}
        self._recipe: Recipe | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store.open(self.settings.database_url)
        return self._store

    @property
    def index_dir(self) -> Path:
        return self.settings.data_dir / "index"

    @property
    def uses_slack(self) -> bool:
        return self.settings.slack_mode is not SlackMode.NONE

    def recipe(self, *, archived: bool = True) -> Recipe:
        """How vectors are made here (`embed.choose_recipe`): with `archived`, `auto` keeps
        the recipe the configured store's papers are embedded in."""
        if not archived:
            return self._choose(set())
        if self._recipe is None:
            self._recipe = self._choose(self.store.archive_models())
        return self._recipe

    def embedder(self, threads: int | None = None, *, archived: bool = True) -> Embedder:
        """The model for papers, on `threads` cores (None: all): ONNX Runtime for int8 and
        float32 recipes, torch for bfloat16.

        Without `archived` (an evaluation's own work dir), the recipe is this CPU's choice.
        """
        recipe = self.recipe(archived=archived)
        key = (threads, recipe)
        if key not in self._embedders:
            if recipe.int8:
                embedder = OnnxEmbedder(self.settings.models, recipe, threads=threads)
            else:
                torch = SentenceTransformerEmbedder(
                    recipe.model,
                    precision=self.settings.embedding_precision,
                    word_pieces=recipe.word_pieces,
                    threads=threads,
                )
                # Where torch would run float32, its graph on ONNX Runtime gives the same
                # vectors 1.2 to 1.3 times as fast (torch standing in if it cannot be made).
                embedder = (
                    torch
                    if torch.precision == "bfloat16"
                    else OnnxEmbedder(self.settings.models, recipe, fallback=torch, threads=threads)
                )
            self._embedders[key] = embedder
        return self._embedders[key]

    def query_embedder(self) -> Embedder:
        """The model for a web process's queries: ONNX Runtime on one thread, the papers'
        graph, or torch's float32 in a graph where papers are embedded in bfloat16 (torch
        standing in if the model cannot be exported)."""
        papers = self.embedder(threads=1)
        if isinstance(papers, OnnxEmbedder):
            return papers
        return OnnxEmbedder(self.settings.models, papers.recipe, fallback=papers, threads=1)

    def _choose(self, archive: set[str]) -> Recipe:
        settings = self.settings
        return choose_recipe(
            settings.embedding_model,
            settings.embedding_precision,
            settings.embedding_word_pieces or None,
            archive=archive,
        )

    def engine(self, fusion: Fusion | None = None, *, threads: int | None = None) -> Engine:
        return Engine(self.store, self.index_dir, self.embedder(threads), fusion)

    def indexer(self) -> Indexer:
        return Indexer(self.store, self.index_dir, self.embedder())

    def http(self, *, arxiv: bool = False) -> HttpClient:
        """A client for remote feeds; arXiv's own endpoints get arXiv's pace."""
        interval = self.settings.arxiv_interval if arxiv else 0.0
        return HttpClient(min_interval=interval, retries=self.settings.http_retries)

    def now(self) -> datetime:
        return datetime.now(UTC)

    def since(self, text: str | None) -> datetime | None:
        """`--since` (`7d`, `2w`, a date) as the UTC midnight it starts at."""
        return utc_midnight(parse_since(text, today=self.now().date())) if text else None

    def pipeline(self, sources: list[Source] | None = None) -> Pipeline:
        """The daily steps over the configured sources (or `sources`)."""
        return Pipeline(
            store=self.store,
            indexer=self.indexer(),
            sources=list(self.settings.sources) if sources is None else sources,
            client_for=lambda source: self.http(arxiv=source.is_arxiv),
            clock=self.now,
            endpoints=self.settings.endpoints(),
        )

    def lease(self, role: str) -> Lease:
        """The delivery lease for a new holder of `role` (`scheduler`, `run-once`)."""
        ttl = timedelta(seconds=self.settings.lease_seconds)
        return Lease(self.store.jobs, holder_name(role), ttl=ttl)

    def deliverer(self, *, dry_run: bool = False) -> Deliverer:
        """Slack when a bot token or OAuth installs are configured, else the console.

        The one place that picks and builds a deliverer (`run-once`, `scheduler`).
        """
        grace = timedelta(hours=self.settings.delivery_grace_hours)
        matcher = Matcher(self.engine())
        if self.uses_slack and not dry_run:
            from bot.delivery import slack_outlet

            outlet = slack_outlet(self.settings, self.store)
            return Deliverer(self.store, matcher, outlet, self.now, grace=grace)
        from bot.console import ConsoleOutlet

        kind = DryRun if dry_run else Deliverer
        return kind(self.store, matcher, ConsoleOutlet(click.echo), self.now, grace=grace)

    def senders(self, deliverer: Deliverer) -> list[DeliveryWorker] | None:
        """The clock's delivery threads (PAPERS_DELIVERY_THREADS); None for the default
        one, which posts each digest in turn as the tick finds it due."""
        threads = self.settings.delivery_threads
        return None if threads == 1 else self.workers(deliverer, "clock", threads)

    def workers(self, deliverer: Deliverer, role: str, count: int) -> list[DeliveryWorker]:
        """`count` delivery workers, each claim held for PAPERS_LEASE_SECONDS."""
        ttl = timedelta(seconds=self.settings.lease_seconds)
        return [DeliveryWorker(deliverer, holder_name(role), ttl) for _ in range(count)]


def friendly_errors(command: Callable) -> Callable:
    """Turn the library's named errors into a one-line CLI error instead of a traceback."""

    @wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except PapersError as error:
            raise click.ClickException(str(error)) from error

    return wrapper


def bars(*, quiet: bool) -> Bars:
    """Progress bars on stderr for the library's long steps (none when `quiet`)."""

    @contextmanager
    def bar(what: str, total: int) -> Iterator[Callable[[int], None]]:
        with tqdm(total=total, desc=what, disable=quiet) as shown:
            yield shown.update

    return bar


def update_index(context: Context, *, rebuild: bool = False) -> str:
    """Bring the indexes up to date, with a bar when there is much to embed; say what it did."""
    indexer = context.indexer()
    total = indexer.store.count()
    with tqdm(total=total, desc="embedding", unit="paper", disable=total < 500) as bar:
        return indexer.update(rebuild=rebuild, progress=bar.update).summary()


def current_engine(context: Context) -> Engine:
    """The engine, after an index update (reported on stderr) if the store has changed."""
    engine = context.engine()
    if not engine.is_current():
        click.echo(update_index(context), err=True)
    return engine
