"""HTTP mode: Slack's requests at POST /slack/events and a health check at GET /healthz."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress import create_server
from waitress.server import BaseWSGIServer

from bot.health import health
from bot.services import Services

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


def wsgi_app(bolt_app: App, services: Services) -> WSGIApp:
    """The WSGI application: Bolt for Slack's requests, `health` at /healthz."""
    slack = SlackRequestHandler(bolt_app, path=EVENTS_PATH)

    def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") == "GET":
            status, body = health(services)
            start_response(status, [("Content-Type", "application/json")])
            return [json.dumps(body).encode()]
        return slack(environ, start_response)

    return application


def make_server(application: WSGIApp, *, host: str, port: int) -> BaseWSGIServer:
    """A waitress server for `application`, bound (port 0: any free port) but not yet running."""
    return create_server(application, host=host, port=port)
