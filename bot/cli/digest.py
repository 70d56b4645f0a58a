"""`papers digest`: the new papers that match a profile, with why each was picked."""

from __future__ import annotations

import json
from pathlib import Path

import click

from bot.cli.context import Context, current_engine, friendly_errors
from recommender.digest import Digest, record_digest
from recommender.matching import Matcher
from recommender.profiles import file_target, load_profile


@click.command()
@click.option(
    "--profile",
    "path",
    type=click.Path(path_type=Path),
    help="A YAML profile, e.g. profiles/efficient-llm.yaml.",
)
@click.option(
    "--target",
    help="Instead, a stored subscriber (user:TEAM:USER or channel:TEAM:CHANNEL): its next "
    "digest as the scheduler would make it, for debugging; needs --dry-run.",
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
def digest(
    context: Context, path: Path | None, target: str | None, since, k, as_json: bool, dry_run: bool
) -> None:
    """The new papers that match a profile file (or a subscriber), with why each was picked."""
    if (path is None) == (target is None):
        raise click.UsageError("say whose digest: --profile FILE or --target TARGET")
    if target is not None:
        result, name = _subscriber_digest(context, target, since, k, dry_run)
    else:
        result, name = _file_digest(context, path, since, k, dry_run)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
        return
    _echo_digest(result, name, dry_run)


def _file_digest(
    context: Context, path: Path, since: str | None, k: int | None, dry_run: bool
) -> tuple[Digest, str]:
    profile, start = load_profile(path), context.since(since)
    result = Matcher(current_engine(context)).digest(
        file_target(path), profile, now=context.now(), since=start, k=k
    )
    if not dry_run:
        record_digest(context.store, result)
    return result, profile.name or path.stem


def _subscriber_digest(
    context: Context, target: str, since: str | None, k: int | None, dry_run: bool
) -> tuple[Digest, str]:
    # A subscriber's digests are recorded as they are delivered; recording one here would
    # swallow picks the subscriber never saw, so --target only ever shows.
    if not dry_run:
        raise click.UsageError("--target shows a subscriber's next digest: add --dry-run")
    if since or k:
        raise click.UsageError("--since and -k go with --profile; --target shows the next digest")
    return Matcher(current_engine(context)).digest_for(target, now=context.now()), target


def _echo_digest(result: Digest, name: str, dry_run: bool) -> None:
    click.echo(f"{name}: {result.headline()}")
    for notice in result.notices:
        click.echo(f"note: {notice}")
    for rank, pick in enumerate(result.picks, 1):
        paper = pick.paper
        click.echo(f"{rank:>2}. [{paper.id}] {paper.title}")
        click.echo(f"    why: {pick.explanation.text()}")
        click.echo(f"    {paper.link}")
    if dry_run and result.picks:
        click.echo("(dry run: not recorded as sent, so the next digest may show these again)")
