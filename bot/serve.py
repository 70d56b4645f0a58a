"""`papers serve`: the Slack app over HTTP (waitress) or Socket Mode, until stopped; in one
process, or in several that share the port (`serve_together`)."""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext, suppress
from dataclasses import dataclass
from multiprocessing.connection import wait

from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError

from bot.app import create_app
from bot.config import LOG_FORMAT, Settings
from bot.errors import MissingSetting, SlackRefused, WebProcessFailed
from bot.services import Services
from bot.web import EVENTS_PATH, HEALTH_PATH, make_server, shared_socket, wsgi_app
from recommender.errors import PapersError
from recommender.indexes import IndexFollower

Announce = Callable[[str], None]
Ready = Callable[[], None]


def serve(
    settings: Settings,
    services: Services,
    *,
    socket: bool,
    host: str,
    announce: Announce,
    follower: IndexFollower | None = None,
    ready: Ready = lambda: None,
) -> None:
    """Socket Mode when asked or when SLACK_APP_TOKEN is set, else HTTP on settings.port.

    With a `follower`, the process keeps its own copy of the indexes: caught up with the
    store (or built from it) before it serves, then on the follower's interval. `ready` is
    called once the app is about to take requests.
    """
    # The query model loads (on a fresh disk: its graph is exported, about 10 s) while the
    # indexes catch up with the store.
    model = threading.Thread(target=_load_model, args=(services,), daemon=True)
    model.start()
    if follower is not None:
        catch_up(follower, announce)
    model.join()
    warm_up(services, announce)
    try:
        with follower.following() if follower is not None else nullcontext():
            if socket or settings.socket_mode:
                _socket_mode(settings, services, announce, ready)
            else:
                _http(settings, services, host, announce, ready)
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


def _load_model(services: Services) -> None:
    with suppress(PapersError):  # the warm-up's search meets it again, and says so
        services.engine.embedder.encode([_WARM_UP_QUERY])


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


def _http(
    settings: Settings, services: Services, host: str, announce: Announce, ready: Ready
) -> None:
    app = create_app(settings, services)  # it checks that the signing secret is set
    application = wsgi_app(app, services, signing_secret=settings.slack_signing_secret or "")
    shared = settings.web_processes > 1
    server = make_server(application, host=host, port=settings.port, shared=shared)
    where = f"http://{host}:{server.effective_port}"
    announce(f"listening on {where}{EVENTS_PATH} (health: {where}{HEALTH_PATH})")
    ready()
    server.run()


def _socket_mode(settings: Settings, services: Services, announce: Announce, ready: Ready) -> None:
    if not settings.slack_app_token:
        raise MissingSetting("SLACK_APP_TOKEN", "Socket Mode needs an app-level token (xapp-)")
    app = create_app(settings, services, socket_mode=True)
    announce(f"connecting to Slack in Socket Mode through {settings.slack_api_url}")
    ready()
    SocketModeHandler(app, settings.slack_app_token).start()


# One web process, in a process of its own: given the port (resolved: never 0) and what to
# call once it serves; it reads the rest of its settings from the environment it inherits.
Run = Callable[[int, Ready], None]


@dataclass
class _Child:
    process: multiprocessing.process.BaseProcess
    ready: multiprocessing.synchronize.Event


def serve_together(
    settings: Settings, run: Run, *, http: bool, host: str, announce: Announce
) -> None:
    """`settings.web_processes` processes, each running `run`: one web process apiece.

    Python runs one thread at a time, so one process uses about one core however many
    searches arrive; several, each with its own indexes and model, use the machine's. Over
    HTTP they share the port (SO_REUSEPORT: the kernel spreads connections, no balancer);
    in Socket Mode each opens its own connection and Slack spreads the events. A process
    that stops once it served is started again; one that stops before it serves (a token
    Slack refused) stops them all. They stop with this one, or by themselves if it is
    killed.
    """
    context = multiprocessing.get_context("spawn")
    # Port 0 (any free port) is chosen here, so that every process binds the same one.
    held = shared_socket(host, settings.port) if http else None
    port = held.getsockname()[1] if held is not None else settings.port
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # so that `finally` stops them
    children: list[_Child] = []
    try:
        children.extend(_start(context, run, port) for _ in range(settings.web_processes))
        announce(f"{len(children)} web processes" + (f" on port {port}" if held else ""))
        _keep_up(children, context, run, port, announce)
    finally:
        _stop(children)
        if held is not None:
            held.close()


def _start(context, run: Run, port: int) -> _Child:
    ready = context.Event()
    level = logging.getLogger().level
    # Not daemonic: a web process exports the model's graph in a process of its own
    # (recommender/onnx_embed.py), which a daemonic one may not start. It ends with this
    # one all the same (`_stop`, and `_end_with` if this one is killed).
    process = context.Process(target=_child, args=(run, port, ready, level))
    process.start()
    return _Child(process, ready)


def _keep_up(children: list[_Child], context, run: Run, port: int, announce: Announce) -> None:
    while True:
        wait([child.process.sentinel for child in children])
        for index, child in enumerate(children):
            if child.process.is_alive():
                continue
            code = child.process.exitcode
            if not child.ready.is_set():
                raise WebProcessFailed(
                    f"a web process stopped before it could serve (exit code {code}); "
                    "its error is above"
                )
            announce(f"web process {child.process.pid} stopped (exit code {code}); "
                     "starting another")  # fmt: skip
            children[index] = _start(context, run, port)


def _stop(children: list[_Child]) -> None:
    for child in children:
        child.process.terminate()
    for child in children:
        child.process.join(_STOP_PATIENCE)
        if child.process.is_alive():
            child.process.kill()


_STOP_PATIENCE = 10  # seconds a web process has to stop before it is killed


def _child(run: Run, port: int, ready, level: int) -> None:
    """A web process of `serve_together`: logs as its parent does, ends with it."""
    logging.basicConfig(level=level, format=LOG_FORMAT)
    parent = multiprocessing.parent_process()
    threading.Thread(target=_end_with, args=(parent,), daemon=True).start()
    run(port, ready.set)


def _end_with(parent) -> None:
    wait([parent.sentinel])
    os._exit(0)
