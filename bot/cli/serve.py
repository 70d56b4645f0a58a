"""`papers serve`: the Slack app, over HTTP or Socket Mode (bot/serve.py)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from functools import partial

import click

from bot.cli.context import Context, friendly_errors
from bot.config import Settings
from recommender.embed import BatchingEmbedder
from recommender.engine import Engine
from recommender.errors import PapersError
from recommender.indexes import Indexer, IndexFollower
from recommender.lookup import PaperLookup


@click.command()
@click.option("--socket", is_flag=True, help="Socket Mode (the default if SLACK_APP_TOKEN is set).")
@click.option("--host", default="0.0.0.0", show_default=True, help="HTTP mode: address to bind.")
@click.pass_obj
@friendly_errors
def serve(context: Context, socket: bool, host: str) -> None:
    """Run the Slack app: POST /slack/events and GET /healthz on PORT, or Socket Mode."""
    # Imported here: Bolt and waitress add a quarter second that other commands need not pay.
    from bot.serve import serve_together

    settings = context.settings
    if settings.web_processes == 1:
        _serve(context, lambda: None, socket=socket, host=host)
        return
    http = not (socket or settings.socket_mode)
    one = partial(_one_of_several, socket=socket, host=host)
    serve_together(settings, one, http=http, host=host, announce=click.echo)


def _one_of_several(port: int, ready: Callable[[], None], *, socket: bool, host: str) -> None:
    """One web process of several (bot/serve.py `serve_together`), in a process of its own."""
    try:
        settings = replace(Settings.from_env(), port=port)
        _serve(Context(settings), ready, socket=socket, host=host)
    except PapersError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)


def _serve(context: Context, ready: Callable[[], None], *, socket: bool, host: str) -> None:
    from bot.serve import serve as serve_app
    from bot.services import Services

    settings = context.settings
    # The web process embeds queries on ONNX Runtime (recommender/onnx_embed.py: torch's
    # vectors at a fraction of its cost for a few words), the queries of searches that
    # arrive together in one call; papers on one thread (see embed.py).
    embedder = context.embedder(threads=1)
    queries = context.query_embedder()
    engine = Engine(context.store, context.index_dir, BatchingEmbedder(queries))
    # Shared links of papers the archive lacks are asked of arXiv at arXiv's pace.
    client = context.http(arxiv=True)
    lookup = PaperLookup(context.store, client, clock=context.now, base_url=settings.arxiv_api_url)
    services = Services(
        context.store,
        engine,
        context.index_dir,
        clock=context.now,
        sources=settings.sources,
        grace=timedelta(hours=settings.delivery_grace_hours),
        lookup=lookup,
        reactions=settings.reactions,
    )
    follower = None
    if refresh := settings.index_refresh_seconds:
        # Its own copy of the indexes, from the store: no disk shared with the clock needed.
        # Not batched with the queries: a search should not wait for a run of new papers.
        indexer = Indexer(context.store, context.index_dir, embedder)
        follower = IndexFollower(indexer, engine.indexes, timedelta(seconds=refresh))
    serve_app(
        settings,
        services,
        socket=socket,
        host=host,
        announce=click.echo,
        follower=follower,
        ready=ready,
    )
