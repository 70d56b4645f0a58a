"""`papers demo`: the main job once on the bundled samples, offline."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.context import Context, friendly_errors, update_index
from bot.cli.jobs import preview_team_digests, profiles_option
from recommender import SAMPLES_DIR
from recommender.pipeline import Source

DEMO_SEARCH = "speculative decoding"


@click.command()
@profiles_option
@click.pass_obj
@friendly_errors
def demo(context: Context, profiles_dir: Path) -> None:
    """The main job once on the bundled samples: ingest, index, digests, a search."""
    from bot.blocks import results_message
    from bot.console import render_text
    from bot.search import SearchRequest, run

    pipeline = context.pipeline([Source("files", str(SAMPLES_DIR / "*.txt"))])
    for report in pipeline.ingest().values():
        click.echo(f"ingested the bundled sample feeds: {report.summary()}")
    click.echo(update_index(context))
    engine = context.engine()
    preview_team_digests(context, engine, profiles_dir)
    page = run(engine, context.store, SearchRequest(query=DEMO_SEARCH))
    click.echo(f"\n── /papers {DEMO_SEARCH} " + "─" * 40)
    # Not kept in the store: the console has no buttons to page or press.
    click.echo(render_text(results_message(page, search_id="demo")["blocks"]))
    click.echo(f"\nstore: {context.settings.database_url} ({context.store.count()} papers)")
