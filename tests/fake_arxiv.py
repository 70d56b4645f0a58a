"""A fake arXiv API on loopback that answers id look-ups with recorded responses.

It records the `id_list` of every request, and can be held: a held fake answers nothing
until released, which is arXiv not answering in time, with no clock in the test.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from tests.support import recorded_body

FIXTURES = Path(__file__).parent / "fixtures" / "arxiv-api"
# Recorded answers by the id asked for; other ids are left out, as arXiv leaves out ids it
# does not have (the recorded empty result).
RECORDED = {
    "1605.08386": "id_1605.08386_s0_m100_199195aa31ad.json",
    "astro-ph/0601001": "id_astro-ph_0601001_s0_m100_3150dca9dc76.json",
}
EMPTY = "id_0000.0000_s0_m100_8b51d9633a68.json"
PATIENCE = 30.0


def _feed(paper_ids: list[str]) -> bytes:
    """The recorded entries of `paper_ids` in one feed, as arXiv answers an `id_list`."""
    entries = [
        re.search(rb"<entry>.*</entry>", recorded_body(FIXTURES / RECORDED[pid]), re.DOTALL)[0]
        for pid in paper_ids
        if pid in RECORDED
    ]
    return recorded_body(FIXTURES / EMPTY).replace(b"</feed>", b"\n".join([*entries, b"</feed>"]))


class FakeArxiv:
    """`url` is the API's query URL; `asked` the `id_list` of each request, in order."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.status = 200
        self._open = threading.Event()
        self._open.set()
        self._changed = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/api/query"

    def hold(self) -> None:
        """Answer nothing until `release`."""
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    def wait_for(self, count: int) -> None:
        """Block until `count` requests arrived."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.asked) >= count, PATIENCE):
                raise AssertionError(f"the fake arXiv was asked {len(self.asked)} times")

    def _answer(self, path: str) -> bytes:
        ids = dict(parse_qsl(urlsplit(path).query)).get("id_list", "")
        with self._changed:
            self.asked.append(ids)
            self._changed.notify_all()
        self._open.wait(PATIENCE)
        return _feed(ids.split(","))

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                data = fake._answer(self.path)
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/atom+xml")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        return Handler

    @contextmanager
    def running(self) -> Iterator[FakeArxiv]:
        self._thread.start()
        try:
            yield self
        finally:
            self.release()
            self._server.shutdown()
            self._server.server_close()
