"""The `papers` command: a thin click layer over the library, where errors become messages.

Each command parses its options, calls the library and prints. One module per command or
group: `ingest.py` (papers ingest …), `archive.py` (stats, index, search), `digest.py`,
`evaluation.py` (eval), `jobs.py` (run-once, scheduler, status), `profile.py` (profile
import), `demo.py`, `serve.py`;
what they share (`Context`, errors, progress bars, the choice of deliverer) is in
`context.py`.
"""

from __future__ import annotations

import logging

import click

from bot.cli import archive, demo, digest, evaluation, ingest, jobs, profile, serve, worker
from bot.cli.context import Context
from bot.config import LOG_FORMAT, Settings
from bot.errors import SettingsError

__all__ = ["Context", "cli", "main"]


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log what happens, for debugging.")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """Recommend new research papers: ingest, index, search, and deliver digests."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format=LOG_FORMAT,
    )
    try:
        ctx.obj = Context(Settings.from_env())
    except SettingsError as error:
        raise click.UsageError(str(error)) from None


for command in (
    ingest.ingest,
    archive.stats,
    archive.index,
    archive.search,
    evaluation.eval_command,
    serve.serve,
    digest.digest,
    jobs.run_once,
    jobs.scheduler,
    worker.worker,
    jobs.status,
    demo.demo,
    profile.profile,
):
    cli.add_command(command)


def main() -> None:
    cli()
