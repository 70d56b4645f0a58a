"""`papers run-once`, `papers scheduler` and `papers status`: the daily pipeline
(recommender/pipeline.py) run once, run on the clock, and looked at."""

from __future__ import annotations

import json
from pathlib import Path

import click

from bot.cli.context import Context, friendly_errors
from recommender.engine import Engine
from recommender.lease import Fence, LeaseHeld
from recommender.matching import Matcher
from recommender.pipeline import pipeline_status
from recommender.profiles import file_target, load_profile
from recommender.store.jobs import LeaseRow

profiles_option = click.option(
    "--profiles",
    "profiles_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default="profiles",
    show_default=True,
    help="The team profiles (YAML) whose digests to print as they would read in a channel.",
)


@click.command("run-once")
@click.option("--dry-run", is_flag=True, help="Print the digests instead of posting them.")
@click.option(
    "--force",
    is_flag=True,
    help="Take the delivery lease over from its holder (after checking that it is gone).",
)
@profiles_option
@click.pass_obj
@friendly_errors
def run_once(context: Context, dry_run: bool, force: bool, profiles_dir: Path) -> None:
    """The whole pipeline once: ingest the configured sources, index, deliver what is due.

    Without Slack (or with --dry-run) digests are printed, and so are the team profiles'.
    It holds the scheduler's lease while it runs (renewed as the scheduler's is), so that it
    never delivers beside a running `papers scheduler` (which would post the same digests);
    a holder on this host that is gone loses it at once. --dry-run posts nothing and needs
    no lease.
    """
    if dry_run:
        _run_once(context, dry_run, profiles_dir)
        return
    lease = context.lease("run-once")
    try:
        with lease.held(context.now(), force=force) as fence, lease.renewing(context.now):
            _run_once(context, dry_run, profiles_dir, fence)
    except LeaseHeld as error:
        raise click.ClickException(refusal(error.held)) from None


def refusal(held: LeaseRow | None) -> str:
    """Why run-once does not deliver: what holds the lease, since when, how to take over."""
    if held is None:  # released between the refusal and this look
        return "the delivery lease was busy; try again"
    since = held.since.isoformat(timespec="seconds") if held.since else "an unknown time"
    role = held.holder.split(":", 1)[0]
    return (
        f"a {role} is running ({held.holder}), holding the delivery lease since {since} "
        f"(renewed until {held.expires.isoformat(timespec='seconds')}), and delivers on "
        "its own; `papers run-once --dry-run` shows the digests without posting them. "
        "If that process is gone (it would be taken over at once were it on this host), "
        "`papers run-once --force` takes the lease over"
    )


def _run_once(
    context: Context, dry_run: bool, profiles_dir: Path, fence: Fence | None = None
) -> None:
    pipeline = context.pipeline()
    for source, report in pipeline.ingest().items():
        click.echo(f"{source}: {report.summary()}")
        for rejection in report.rejected:
            click.echo(f"rejected: {rejection}", err=True)
    click.echo(pipeline.index())
    deliverer = context.deliverer(dry_run=dry_run)
    counts = pipeline.deliver(deliverer, fence)
    click.echo("delivered: " + (", ".join(f"{k} {v}" for k, v in counts.items()) or "nothing due"))
    if dry_run or not context.uses_slack:
        preview_team_digests(context, context.engine(), profiles_dir)


@click.command()
@click.pass_obj
@friendly_errors
def scheduler(context: Context) -> None:
    """The clock process: ingest after each arXiv announcement, index, deliver on time."""
    from bot.scheduler import Clockwork, build

    lease = context.lease("scheduler")
    deliverer = context.deliverer()
    clockwork = Clockwork(
        context.pipeline(), deliverer, context.now, lease=lease, senders=context.senders(deliverer)
    )
    try:
        with lease.renewing(context.now):
            clockwork.catch_up()
            click.echo(f"scheduler {clockwork.holder} running; Ctrl-C stops it")
            build(clockwork).start()
    finally:
        lease.release()


@click.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@friendly_errors
def status(context: Context, as_json: bool) -> None:
    """Last job runs, papers, index freshness, sources failed or stale, next deliveries,
    failing ones, and the progress of a delivery and of a backfill under way."""
    report = pipeline_status(
        context.store, context.engine(), now=context.now(), sources=context.settings.sources
    )
    if as_json:
        click.echo(json.dumps(report, indent=2, default=str))
        return
    click.echo(f"papers: {report['papers']}  index: {report['index']}")
    for run in report["runs"]:
        error = f"  error: {run['error']}" if run["error"] else ""
        click.echo(f"  {run['started']}  {run['job']:<8} {run['status']:<8} {run['counts']}{error}")
    for item in report["sources"]:
        error = f": {item['error']}" if item["error"] else ""
        click.echo(f"  source: {item['source']} {item['state']}{error}")
    if report["delivering"]:
        progress = report["delivering"]
        click.echo(
            f"  delivering now: sent {progress['sent']}, left {progress['left']}, "
            f"failing {progress['failing']}"
        )
    for item in report["harvesting"]:
        click.echo(f"  harvesting: {item['request']}: {harvest_progress(item)}")
    for item in report["next_deliveries"]:
        click.echo(f"  next: {item['target']} at {item['at']}")
    for item in report["failing"]:
        click.echo(
            f"  failing: {item['target']} {item['day']} x{item['attempts']}: {item['error']}"
        )


def preview_team_digests(context: Context, engine: Engine, profiles_dir: Path) -> None:
    """Print each team profile's digest as it would read in a channel; record nothing."""
    from bot.blocks import digest_messages, digest_sizes
    from bot.console import render_text

    now, matcher = context.now(), Matcher(engine)
    for path in sorted(profiles_dir.glob("*.yaml")):
        digest = matcher.digest(file_target(path), load_profile(path), now=now)
        for message in digest_messages(digest, digest_sizes(digest), day=now.date(), channel=True):
            click.echo(f"\n── #{path.stem} " + "─" * 40)
            click.echo(render_text(message["blocks"]))


def harvest_progress(item: dict) -> str:
    """How far a harvest has got, as `papers status` says it."""
    total = item["total"]
    done = f"{item['records']:,} of {total:,} records" if total else f"{item['records']:,} records"
    share = f" ({item['records'] / total:.1%})" if total else ""
    return (
        f"{done}{share} in {item['pages']:,} page{'s' if item['pages'] != 1 else ''}, "
        f"newest record {item['latest']}, "
        f"last page stored {item['updated']:%Y-%m-%d %H:%M} UTC"
    )
