"""The `papers` command: a thin click layer over the library, where errors become messages."""

from __future__ import annotations

import json
import logging
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from functools import wraps
from pathlib import Path

import click
from tqdm import tqdm

from bot.config import Settings, SettingsError
from recommender import SAMPLES_DIR
from recommender.categories import parse_category
from recommender.embed import SentenceTransformerEmbedder
from recommender.engine import Engine, Filters, Fusion, Hit
from recommender.errors import PapersError
from recommender.evaluate import evaluate, load_qrels, load_queries
from recommender.feedback_eval import FeedbackEvaluation, evaluate_feedback
from recommender.http import HttpClient
from recommender.indexes import Indexer
from recommender.ingest import IngestReport, ingest_file, ingest_pages
from recommender.matching import Digest, Matcher, record_digest
from recommender.pipeline import Deliverer, Pipeline, Source, pages, parse_sources, pipeline_status
from recommender.profiles import file_target, load_profile
from recommender.sources import FORMATS
from recommender.store import Store, sqlite_url


class App:
    """What every command needs: settings read once, and the store opened on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store.open(self.settings.database_url)
        return self._store

    @property
    def index_dir(self) -> Path:
        return self.settings.data_dir / "index"

    def embedder(self, threads: int | None = None) -> SentenceTransformerEmbedder:
        return SentenceTransformerEmbedder(
            self.settings.embedding_model,
            precision=self.settings.embedding_precision,
            threads=threads,
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


def friendly_errors(command: Callable) -> Callable:
    """Turn the library's named errors into a one-line CLI error instead of a traceback."""

    @wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except PapersError as error:
            raise click.ClickException(str(error)) from error

    return wrapper


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log what happens, for debugging.")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """Recommend new research papers: ingest, index, search, and deliver digests."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        ctx.obj = App(Settings.from_env())
    except SettingsError as error:
        raise click.UsageError(str(error)) from None


def _finish(report: IngestReport, as_json: bool, what: str) -> None:
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
    else:
        for rejection in report.rejected:
            click.echo(f"rejected: {rejection}", err=True)
        click.echo(f"{what}: {report.summary()}")
    if not report.ok:
        sys.exit(1)


@cli.group()
def ingest() -> None:
    """Add papers to the store from files or remote feeds."""


@ingest.command("file")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), help="Skip detection.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
@friendly_errors
def ingest_files(app: App, paths: tuple[Path, ...], fmt: str | None, as_json: bool) -> None:
    """Ingest saved files: digests, feed responses, .abs files, Kaggle or BEIR JSON lines."""
    report = IngestReport()
    for path in tqdm(paths, desc="files", unit="file", disable=len(paths) < 10 or as_json):
        ingest_file(app.store, path, report, now=app.now(), fmt=fmt)
    _finish(report, as_json, f"{len(paths)} file(s)")


def _remote(app: App, source: Source, as_json: bool, *, since: date, until: date) -> None:
    """Ingest one remote source page by page; a failing request is reported, not raised."""
    client = app.http(arxiv=source.is_arxiv)
    stream = pages(source, client, app.settings.endpoints(), since=since, until=until)
    report = IngestReport()
    progress = tqdm(stream, desc=str(source), unit="page", disable=as_json)
    ingest_pages(app.store, progress, report, origin=str(source), now=app.now())
    _finish(report, as_json, str(source))


@ingest.command("arxiv")
@click.option("--category", required=True, help="An arXiv category, e.g. cs.CL.")
@click.option("--days", default=1, show_default=True, type=click.IntRange(1, 60))
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@friendly_errors
def ingest_arxiv(app: App, category: str, days: int, as_json: bool) -> None:
    """Ingest a category's papers submitted in the last DAYS days from the arXiv API."""
    today = app.now().date()
    source = Source("arxiv-api", category)
    _remote(app, source, as_json, since=today - timedelta(days=days), until=today)


@ingest.command("rss")
@click.argument("categories")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@friendly_errors
def ingest_rss(app: App, categories: str, as_json: bool) -> None:
    """Ingest today's arXiv announcements for CATEGORIES, e.g. cs.CL+cs.LG."""
    today = app.now().date()
    _remote(app, Source("arxiv-rss", categories), as_json, since=today, until=today)


@ingest.command("hf")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Default: today.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@friendly_errors
def ingest_hf(app: App, day: datetime | None, as_json: bool) -> None:
    """Ingest Hugging Face daily papers of one day."""
    when: date = day.date() if day else app.now().date()
    _remote(app, Source("hf"), as_json, since=when, until=when)


@ingest.command("oai")
@click.option("--from", "from_day", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--set", "set_spec", help="An OAI set, e.g. cs or physics:hep-th.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@friendly_errors
def ingest_oai(app: App, from_day: datetime, set_spec: str | None, as_json: bool) -> None:
    """Backfill from arXiv's OAI-PMH interface, following resumption tokens."""
    today = app.now().date()
    _remote(app, Source("oai", set_spec or ""), as_json, since=from_day.date(), until=today)


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@friendly_errors
def stats(app: App, as_json: bool) -> None:
    """How many papers the store holds, by source and primary category."""
    result = app.store.stats()
    if as_json:
        click.echo(json.dumps(result.__dict__, default=str, indent=2))
        return
    click.echo(f"papers: {result.papers}")
    click.echo(f"newest published: {result.newest_published or '-'}")
    click.echo(f"last ingested: {result.last_ingested or '-'}")
    click.echo("by source: " + ", ".join(f"{k} {v}" for k, v in result.by_source.items()))
    top = list(result.by_category.items())[:10]
    click.echo("top categories: " + (", ".join(f"{k} {v}" for k, v in top) or "-"))


def _update(indexer: Indexer, rebuild: bool = False) -> str:
    total = indexer.store.count()
    with tqdm(total=total, desc="embedding", unit="paper", disable=total < 500) as bar:
        return indexer.update(rebuild=rebuild, progress=bar.update).summary()


@cli.command()
@click.option("--rebuild", is_flag=True, help="Start over (after changing the model).")
@click.pass_obj
@friendly_errors
def index(app: App, rebuild: bool) -> None:
    """Build or update the BM25 and dense indexes from the store."""
    click.echo(_update(app.indexer(), rebuild))


def _since(app: App, text: str) -> datetime:
    """`--since` as the slash command reads it (`7d`, `2w`, a date), as a UTC datetime."""
    from bot.search import parse_since

    return datetime.combine(parse_since(text, today=app.now().date()), time(), UTC)


def _hit_dict(hit: Hit) -> dict:
    return {
        **hit.paper.summary(),
        "score": round(hit.score, 6),
        "bm25": {"score": hit.bm25_score, "rank": hit.bm25_rank},
        "dense": {"score": hit.dense_score, "rank": hit.dense_rank},
    }


@cli.command()
@click.argument("query")
@click.option("-k", "--k", default=10, show_default=True, type=click.IntRange(1, 200))
@click.option("--since", help="Published since: 2025-07-01, 7d or 2w.")
@click.option("--category", help="Only papers in this arXiv category, e.g. cs.CL.")
@click.option("--author", help="Only papers with an author whose name contains this.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@friendly_errors
def search(app: App, query: str, k: int, since, category, author, as_json: bool) -> None:
    """Hybrid search over the archive (BM25 + dense, fused)."""
    category = parse_category(category) if category else None  # a typo fails before any work
    engine = app.engine()
    if not engine.is_current():
        click.echo(_update(app.indexer()), err=True)
    filters = Filters(category=category, since=_since(app, since) if since else None, author=author)
    hits = engine.search(query, k=k, filters=filters)
    if as_json:
        click.echo(json.dumps([_hit_dict(hit) for hit in hits], indent=2))
        return
    if not hits:
        click.echo("No papers match; try fewer filters or broader words.")
    for rank, hit in enumerate(hits, 1):
        paper = hit.paper
        when = paper.published.date().isoformat() if paper.published else "????-??-??"
        click.echo(f"{rank:>2}. [{paper.id}] {paper.title}")
        click.echo(f"    {when}  {', '.join(paper.authors[:3])}  score {hit.score:.3f}")


@cli.command("eval")
@click.option("--corpus", type=click.Path(exists=True, path_type=Path), required=True)
@click.option("--queries", type=click.Path(exists=True, path_type=Path), required=True)
@click.option("--qrels", type=click.Path(exists=True, path_type=Path), required=True)
@click.option(
    "--work-dir",
    type=click.Path(path_type=Path),
    help="Keep the collection's store and indexes here to rerun without re-embedding.",
)
@click.option("--fusion", type=click.Choice(["convex", "rrf"]), default=Fusion.method)
@click.option("--dense-weight", type=click.FloatRange(0, 1), default=Fusion.dense_weight)
@click.option(
    "--feedback-rounds",
    type=click.IntRange(0, 20),
    default=0,
    help="Also measure learning from N rounds of simulated feedback (residual nDCG@10).",
)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@friendly_errors
def eval_command(
    app: App, corpus, queries, qrels, work_dir, fusion, dense_weight, feedback_rounds, as_json
):
    """Measure nDCG@10, Recall@100 and MRR@10 of bm25, dense and hybrid on a BEIR collection."""
    with _work_dir(work_dir) as root:
        store = Store.open(sqlite_url(root))
        report = IngestReport()
        ingest_file(store, corpus, report, now=app.now(), fmt="beir-corpus")
        if report.rejected:
            raise click.ClickException(f"{corpus}: {report.rejected[0]}")
        embedder = app.embedder()
        engine = Engine(store, root / "index", embedder, Fusion(fusion, dense_weight))
        if not engine.is_current():
            click.echo(_update(Indexer(store, root / "index", embedder)), err=True)
        doc_ids = {pk: p.extras["beir_id"] for pk, p in store.iter_keyed()}
        texts, judged = load_queries(queries), load_qrels(qrels)
        result = evaluate(engine, texts, judged, doc_ids)
        learning = None
        if feedback_rounds:
            matcher, total = Matcher(engine), len(judged.keys() & texts.keys())
            with tqdm(total=total, desc="feedback", unit="query", disable=as_json) as bar:
                learning = evaluate_feedback(
                    matcher, texts, judged, doc_ids, rounds=feedback_rounds, progress=bar.update
                )
        store.close()
    if as_json:
        extra = learning.as_dict() if learning else {}
        click.echo(json.dumps(result.as_dict() | extra, indent=2))
        return
    click.echo(f"{'':8}{'nDCG@10':>9}{'R@100':>9}{'MRR@10':>9}")
    for name in ("bm25", "dense", "hybrid"):
        row = getattr(result, name)
        click.echo(f"{name:8}{row['ndcg@10']:>9.4f}{row['recall@100']:>9.4f}{row['mrr@10']:>9.4f}")
    click.echo(
        f"hybrid search latency: p50 {result.latency_ms['p50']} ms, "
        f"p95 {result.latency_ms['p95']} ms"
    )
    if learning:
        _echo_feedback(learning)


def _echo_feedback(learning: FeedbackEvaluation) -> None:
    click.echo("residual nDCG@10 after each feedback round:")
    click.echo(f"{'round':>5}{'feedback':>10}{'no_feedback':>13}{'ratio':>7}{'queries':>9}")
    rows = zip(
        learning.feedback, learning.no_feedback, learning.gains(), learning.queries, strict=True
    )
    for number, (with_it, without, gain, queries) in enumerate(rows):
        click.echo(f"{number:>5}{with_it:>10.4f}{without:>13.4f}{gain:>7.2f}{queries:>9}")


@contextmanager
def _work_dir(path: Path | None) -> Iterator[Path]:
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="papers-eval-") as tmp:
        yield Path(tmp)


@cli.command()
@click.option("--socket", is_flag=True, help="Socket Mode (the default if SLACK_APP_TOKEN is set).")
@click.option("--host", default="0.0.0.0", show_default=True, help="HTTP mode: address to bind.")
@click.pass_obj
@friendly_errors
def serve(app: App, socket: bool, host: str) -> None:
    """Run the Slack app: POST /slack/events and GET /healthz on PORT, or Socket Mode."""
    # Imported here: Bolt and waitress add a quarter second that other commands need not pay.
    from bot.serve import serve as serve_app
    from bot.services import Services

    # The web process only embeds queries, one at a time: one torch thread (see embed.py).
    services = Services(app.store, app.engine(threads=1), app.index_dir, clock=app.now)
    serve_app(app.settings, services, socket=socket, host=host, announce=click.echo)


@cli.command()
@click.option(
    "--profile",
    "path",
    type=click.Path(path_type=Path),
    required=True,
    help="A YAML profile, e.g. profiles/efficient-llm.yaml.",
)
@click.option(
    "--since",
    help="Papers first seen since 2025-07-01, 7d or 2w (default: since "
    "this profile's last digest; the first digest: the last announcement day).",
)
@click.option("-k", "--k", type=click.IntRange(1, 50), help="Picks (default: digest_size).")
@click.option("--json", "as_json", is_flag=True)
@click.option("--dry-run", is_flag=True, help="Show the picks without recording them as sent.")
@click.pass_obj
@friendly_errors
def digest(app: App, path: Path, since, k, as_json: bool, dry_run: bool) -> None:
    """The new papers that match a profile file, with why each was picked."""
    profile = load_profile(path)
    engine = app.engine()
    if not engine.is_current():
        click.echo(_update(app.indexer()), err=True)
    start = _since(app, since) if since else None
    result = Matcher(engine).digest(file_target(path), profile, now=app.now(), since=start, k=k)
    if not dry_run:
        record_digest(app.store, result)
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=2))
        return
    _echo_digest(result, profile.name or path.stem, dry_run)


def _echo_digest(result: Digest, name: str, dry_run: bool) -> None:
    click.echo(f"{name}: {result.headline()}")
    for notice in result.notices:
        click.echo(f"note: {notice}")
    for rank, pick in enumerate(result.picks, 1):
        paper = pick.paper
        click.echo(f"{rank:>2}. [{paper.id}] {paper.title}")
        click.echo(f"    why: {pick.explanation.text() or 'close to the profile'}")
        if paper.abs_url:
            click.echo(f"    {paper.abs_url}")
    if dry_run and result.picks:
        click.echo("(dry run: not recorded as sent, so the next digest may show these again)")


def _pipeline(app: App, sources: list[Source] | None = None) -> Pipeline:
    return Pipeline(
        store=app.store,
        indexer=app.indexer(),
        sources=parse_sources(app.settings.sources) if sources is None else sources,
        client_for=lambda source: app.http(arxiv=source.is_arxiv),
        clock=app.now,
        endpoints=app.settings.endpoints(),
    )


profiles_option = click.option(
    "--profiles",
    "profiles_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default="profiles",
    show_default=True,
    help="The team profiles (YAML) whose digests to print as they would read in a channel.",
)


def _uses_slack(app: App) -> bool:
    from bot.oauth import oauth_enabled

    return bool(app.settings.slack_bot_token or oauth_enabled(app.settings))


def _deliverer(app: App, *, dry_run: bool = False) -> Deliverer:
    """Slack when a bot token or OAuth installs are configured, else the console."""
    grace = timedelta(hours=app.settings.delivery_grace_hours)
    matcher = Matcher(app.engine())
    if _uses_slack(app) and not dry_run:
        from bot.delivery import slack_deliverer

        return slack_deliverer(app.settings, app.store, matcher, app.now, grace=grace)
    from bot.console import ConsoleDeliverer

    return ConsoleDeliverer(
        app.store, matcher, app.now, click.echo, grace=grace, record=not dry_run
    )


@cli.command("run-once")
@click.option("--dry-run", is_flag=True, help="Print the digests instead of posting them.")
@profiles_option
@click.pass_obj
@friendly_errors
def run_once(app: App, dry_run: bool, profiles_dir: Path) -> None:
    """The whole pipeline once: ingest the configured sources, index, deliver what is due.

    Without Slack (or with --dry-run) digests are printed, and so are the team profiles'.
    It takes the scheduler's lease while it runs, so that it never delivers beside a running
    `papers scheduler` (which would post the same digests); --dry-run posts nothing and
    needs no lease.
    """
    from bot.scheduler import LEASE, LEASE_TTL, holder_name

    jobs, holder = app.store.jobs, holder_name("run-once")
    if not dry_run and not jobs.acquire(LEASE, holder, ttl=LEASE_TTL * 3, now=app.now()):
        raise click.ClickException(
            f"a scheduler is running ({jobs.holder(LEASE, now=app.now())}) and delivers on "
            "its own; `papers run-once --dry-run` shows the digests without posting them"
        )
    try:
        _run_once(app, dry_run, profiles_dir)
    finally:
        if not dry_run:
            jobs.release(LEASE, holder)


def _run_once(app: App, dry_run: bool, profiles_dir: Path) -> None:
    pipeline = _pipeline(app)
    for source, report in pipeline.ingest().items():
        click.echo(f"{source}: {report.summary()}")
        for rejection in report.rejected:
            click.echo(f"rejected: {rejection}", err=True)
    click.echo(pipeline.index())
    deliverer = _deliverer(app, dry_run=dry_run)
    counts = pipeline.deliver(deliverer)
    click.echo("delivered: " + (", ".join(f"{k} {v}" for k, v in counts.items()) or "nothing due"))
    if dry_run or not _uses_slack(app):
        _preview_team_digests(app, app.engine(), profiles_dir)


@cli.command()
@click.pass_obj
@friendly_errors
def scheduler(app: App) -> None:
    """The clock process: ingest after each arXiv announcement, index, deliver on time."""
    from bot.scheduler import LEASE, Clockwork, build

    clockwork = Clockwork(_pipeline(app), _deliverer(app), app.now)
    clockwork.catch_up()
    click.echo(f"scheduler {clockwork.holder} running; Ctrl-C stops it")
    try:
        build(clockwork).start()
    finally:
        app.store.jobs.release(LEASE, clockwork.holder)


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@friendly_errors
def status(app: App, as_json: bool) -> None:
    """Last job runs, papers, index freshness, next deliveries and failing ones."""
    report = pipeline_status(app.store, app.engine(), now=app.now())
    if as_json:
        click.echo(json.dumps(report, indent=2, default=str))
        return
    click.echo(f"papers: {report['papers']}  index: {report['index']}")
    for run in report["runs"]:
        error = f"  error: {run['error']}" if run["error"] else ""
        click.echo(f"  {run['started']}  {run['job']:<8} {run['status']:<8} {run['counts']}{error}")
    for item in report["next_deliveries"]:
        click.echo(f"  next: {item['target']} at {item['at']}")
    for item in report["failing"]:
        click.echo(
            f"  failing: {item['target']} {item['day']} x{item['attempts']}: {item['error']}"
        )


DEMO_SEARCH = "speculative decoding"


def _preview_team_digests(app: App, engine: Engine, profiles_dir: Path) -> None:
    """Print each team profile's digest as it would read in a channel; record nothing."""
    from bot.blocks import digest_messages, digest_sizes
    from bot.console import render_text

    now, matcher = app.now(), Matcher(engine)
    for path in sorted(profiles_dir.glob("*.yaml")):
        digest = matcher.digest(file_target(path), load_profile(path), now=now)
        sizes = digest_sizes(digest, day=now.date(), channel=True)
        for message in digest_messages(digest, sizes, day=now.date(), channel=True):
            click.echo(f"\n── #{path.stem} " + "─" * 40)
            click.echo(render_text(message["blocks"]))


@cli.command()
@profiles_option
@click.pass_obj
@friendly_errors
def demo(app: App, profiles_dir: Path) -> None:
    """The main job once on the bundled samples: ingest, index, digests, a search."""
    from bot.blocks import results_message
    from bot.console import render_text
    from bot.search import SearchRequest, run

    pipeline = _pipeline(app, [Source("files", str(SAMPLES_DIR / "*.txt"))])
    for report in pipeline.ingest().values():
        click.echo(f"ingested the bundled sample feeds: {report.summary()}")
    click.echo(_update(app.indexer()))
    engine = app.engine()
    _preview_team_digests(app, engine, profiles_dir)
    page = run(engine, app.store, SearchRequest(query=DEMO_SEARCH))
    click.echo(f"\n── /papers {DEMO_SEARCH} " + "─" * 40)
    click.echo(render_text(results_message(page)["blocks"]))
    click.echo(f"\nstore: {app.settings.database_url} ({app.store.count()} papers)")


def main() -> None:
    cli()
