"""`papers serve`: the Slack app over HTTP (waitress) or Socket Mode, until stopped."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError

from bot.app import create_app
from bot.config import Settings
from bot.errors import MissingSetting, SlackRefused
from bot.services import Services
from bot.web import EVENTS_PATH, HEALTH_PATH, make_server, wsgi_app

Announce = Callable[[str], None]


def serve(
    settings: Settings, services: Services, *, socket: bool, host: str, announce: Announce
) -> None:
    """Socket Mode when asked or when SLACK_APP_TOKEN is set, else HTTP on settings.port."""
    try:
        if socket or settings.socket_mode:
            _socket_mode(settings, services, announce)
        else:
            _http(settings, services, host, announce)
    except (BoltError, SlackApiError) as error:
        # Bolt checks the bot token with auth.test at start; Socket Mode opens a connection.
        raise SlackRefused(f"Slack refused to start the app: {error}") from error


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
