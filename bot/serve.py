"""`papers serve`: the Slack app over HTTP (waitress) or Socket Mode, until stopped."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import nullcontext

from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError

from bot.app import create_app
from bot.config import Settings
from bot.errors import MissingSetting, SlackRefused
from bot.services import Services
from bot.web import EVENTS_PATH, HEALTH_PATH, make_server, wsgi_app
from recommender.errors import PapersError
from recommender.indexes import IndexFollower

Announce = Callable[[str], None]


def serve(
    settings: Settings,
    services: Services,
    *,
    socket: bool,
    host: str,
    announce: Announce,
    follower: IndexFollower | None = None,
) -> None:
    """Socket Mode when asked or when SLACK_APP_TOKEN is set, else HTTP on settings.port.

    With a `follower`, the process keeps its own copy of the indexes: caught up with the
    store (or built from it) before it serves, then on the follower's interval.
    """
    if follower is not None:
        catch_up(follower, announce)
    warm_up(services, announce)
    try:
        with follower.following() if follower is not None else nullcontext():
            if socket or settings.socket_mode:
                _socket_mode(settings, services, announce)
            else:
                _http(settings, services, host, announce)
    except (BoltError, SlackApiError) as error:
        # Bolt checks the bot token with auth.test at start; Socket Mode opens a connection.
        raise SlackRefused(f"Slack refused to start the app: {error}") from error


def catch_up(follower: IndexFollower, announce: Announce) -> None:
    """This process's indexes, current with the store, before it serves."""
    started = time.perf_counter()
    try:
        report = follower.indexer.update()
    except PapersError as error:
        # The app still starts: the follower tries again, /healthz says why until then.
        announce(f"cannot update the indexes from the store: {error}")
        return
    announce(f"indexes current with the store in {time.perf_counter() - started:.1f} s: "
             f"{report.summary()}")  # fmt: skip


def warm_up(services: Services, announce: Announce) -> None:
    """Load the indexes and the embedding model before serving, so that /healthz says ok
    only once a search is as fast as any (loaded lazily, the first took 12 s)."""
    started = time.perf_counter()
    try:
        services.engine.search(_WARM_UP_QUERY, k=1)
    except PapersError as error:
        # The app still starts: /healthz says why it cannot search until that is fixed.
        announce(f"cannot search yet: {error}")
        return
    announce(f"model and indexes loaded in {time.perf_counter() - started:.1f} s")


_WARM_UP_QUERY = "language models"


def _http(settings: Settings, services: Services, host: str, announce: Announce) -> None:
    app = create_app(settings, services)  # it checks that the signing secret is set
    application = wsgi_app(app, services, signing_secret=settings.slack_signing_secret or "")
    server = make_server(application, host=host, port=settings.port)
    where = f"http://{host}:{server.effective_port}"
    announce(f"listening on {where}{EVENTS_PATH} (health: {where}{HEALTH_PATH})")
    server.run()


def _socket_mode(settings: Settings, services: Services, announce: Announce) -> None:
    if not settings.slack_app_token:
        raise MissingSetting("SLACK_APP_TOKEN", "Socket Mode needs an app-level token (xapp-)")
    app = create_app(settings, services, socket_mode=True)
    announce(f"connecting to Slack in Socket Mode through {settings.slack_api_url}")
    SocketModeHandler(app, settings.slack_app_token).start()
