"""A fake HTTP server on loopback for the feeds the product reads (tests/fake_arxiv.py,
tests/fake_oai.py): it records the query of every GET, answers it with `respond`, and can
be held, which is the server not answering yet, with no clock in the test."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self
from urllib.parse import parse_qsl, urlsplit


class LoopbackFake:
    """Serves GETs of `path` on a loopback port; `queries` holds each request's query."""

    content_type = "text/plain"
    patience = 30.0  # seconds a held request or a `wait_for` waits at most

    def __init__(self, path: str) -> None:
        self.path = path
        self.status = 200
        self.queries: list[dict[str, str]] = []
        self._held_from: int | None = None
        self._open = threading.Event()
        self._changed = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{self.path}"

    def respond(self, query: dict[str, str]) -> bytes:
        """The body that answers one request."""
        raise NotImplementedError

    def hold(self, request: int | None = None) -> None:
        """Answer the `request`-th request (1-based; by default the next) and every later one
        only after `release`."""
        with self._changed:
            self._held_from = request or len(self.queries) + 1
            self._open.clear()

    def release(self) -> None:
        self._open.set()

    def wait_for(self, count: int) -> None:
        """Block until `count` requests arrived."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.queries) >= count, self.patience):
                raise AssertionError(f"{type(self).__name__} was asked {len(self.queries)} times")

    def _asked(self, path: str) -> bytes:
        query = dict(parse_qsl(urlsplit(path).query))
        with self._changed:
            self.queries.append(query)
            number = len(self.queries)
            held = self._held_from is not None and number >= self._held_from
            self._changed.notify_all()
        if held:
            self._open.wait(self.patience)
        return self.respond(query)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                data = fake._asked(self.path)
                try:
                    self.send_response(fake.status)
                    self.send_header("Content-Type", fake.content_type)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client was killed while the answer was held

            def log_message(self, *args) -> None:
                pass

        return Handler

    @contextmanager
    def running(self) -> Iterator[Self]:
        self._thread.start()
        try:
            yield self
        finally:
            self.release()
            self._server.shutdown()
            self._server.server_close()
