"""HTTP mode: Slack's requests at POST /slack/events and a health check at GET /healthz."""

from __future__ import annotations

import io
import json
import logging
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress import create_server
from waitress.server import BaseWSGIServer

from bot.gate import Gate, Refusal, Seen, SignedRequest
from bot.health import health
from bot.services import Services

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


@dataclass(frozen=True)
class Limits:
    """What one HTTP request may cost the server (waitress's adjustments of the same names).

    Slack's requests are small: a modal submission, the largest, is tens of KB; a body or
    headers past these are refused (413, 431) from the headers, before the body is read.
    Waitress reads requests in its event loop and hands only whole ones to its threads, so
    a slow client holds a connection, never a thread; `channel_timeout` closes it once idle
    (checked every `cleanup_interval`), and `connection_limit` caps how many are open.
    """

    max_request_body_size: int = 512 * 1024
    max_request_header_size: int = 32 * 1024
    channel_timeout: int = 30
    cleanup_interval: int = 10
    connection_limit: int = 100


def wsgi_app(bolt_app: App, services: Services, *, signing_secret: str) -> WSGIApp:
    """The WSGI application: Slack's requests through the gate to Bolt, `health` at /healthz."""
    slack = SlackRequestHandler(bolt_app, path=EVENTS_PATH)
    gate, seen = Gate(signing_secret), Seen(services.store.handled)

    def events(environ: dict, start_response: Callable) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        verdict = gate.check(_headers(environ), body)
        if isinstance(verdict, Refusal):
            return _answer(start_response, verdict.status, {"error": verdict.reason})
        if not seen.first_time(verdict):
            log.info("a request handled already (a replay or Slack's retry) was acknowledged")
            return _answer(start_response, "200 OK", {})
        environ["wsgi.input"] = io.BytesIO(body)
        return _dispatch(slack, environ, start_response, verdict, seen)

    def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == HEALTH_PATH and method == "GET":
            status, report = health(services)
            return _answer(start_response, status, report)
        if path == EVENTS_PATH and method == "POST":
            return events(environ, start_response)
        return slack(environ, start_response)  # 404, and OAuth's install pages when set up

    return application


def _dispatch(
    slack: SlackRequestHandler,
    environ: dict,
    start_response: Callable,
    request: SignedRequest,
    seen: Seen,
) -> Iterable[bytes]:
    """Hand a checked request to Bolt; if Bolt failed it, let Slack's retry act after all."""

    def noting_failure(status: str, headers: list, *args) -> Callable:
        if status.startswith("5"):
            seen.forget(request)
        return start_response(status, headers, *args)

    return slack(environ, noting_failure)


def _headers(environ: dict) -> dict[str, str]:
    """The request's headers, with lower-case names."""
    headers = {
        key[5:].lower().replace("_", "-"): value
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    if "CONTENT_TYPE" in environ:
        headers["content-type"] = environ["CONTENT_TYPE"]
    return headers


def _answer(start_response: Callable, status: str, body: dict) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]


def make_server(
    application: WSGIApp,
    *,
    host: str,
    port: int,
    limits: Limits = Limits(),
    shared: bool = False,
) -> BaseWSGIServer:
    """A waitress server for `application`, bound (port 0: any free port) but not yet running.

    `shared`: other processes listen on the same port too (`shared_socket`).
    """
    where = {"sockets": [shared_socket(host, port)]} if shared else {"host": host, "port": port}
    return create_server(
        application,
        **where,
        max_request_body_size=limits.max_request_body_size,
        max_request_header_size=limits.max_request_header_size,
        channel_timeout=limits.channel_timeout,
        cleanup_interval=limits.cleanup_interval,
        connection_limit=limits.connection_limit,
    )


def shared_socket(host: str, port: int) -> socket.socket:
    """A socket bound to `host`:`port` that other processes may bind as well.

    With SO_REUSEPORT the kernel hands each new connection to one of the processes
    listening on the port, so several web processes serve one address with no balancer.
    """
    family, kind, proto, _, address = socket.getaddrinfo(
        host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    return sock
