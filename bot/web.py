"""HTTP mode: Slack's requests at POST /slack/events and a health check at GET /healthz."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy.exc import SQLAlchemyError
from waitress import create_server
from waitress.server import BaseWSGIServer

from bot.services import Services
from recommender.indexes import STATE_FILE

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


def health(services: Services) -> tuple[str, dict]:
    """Whether the database answers, how many papers it holds, and how old the index is.

    Cheap on purpose (one count, one small file): load balancers call it every few seconds.
    """
    try:
        papers = services.store.count()
    except SQLAlchemyError:
        log.exception("health check: the database does not answer")
        return "503 Service Unavailable", {"ok": False, "error": "database unavailable"}
    return "200 OK", {"ok": True, "papers": papers, "index": _index(services)}


def _index(services: Services) -> dict | None:
    """Papers in the index and its age in seconds; None when there is no readable index."""
    state_file = services.index_dir / STATE_FILE
    try:
        built = state_file.stat().st_mtime
        state = json.loads(state_file.read_text())
    except (OSError, ValueError):
        return None
    age = services.clock().timestamp() - built
    return {"papers": state.get("papers"), "age_seconds": max(0, round(age))}


def make_server(application: WSGIApp, *, host: str, port: int) -> BaseWSGIServer:
    """A waitress server for `application`, bound (port 0: any free port) but not yet running."""
    return create_server(application, host=host, port=port)
