"""The web server under hostile requests, through a real `papers serve`: oversize bodies and
headers refused before they are read, malformed requests answered 401 or 400 (never 500,
never a traceback in the log), and slow clients holding no worker."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.app import create_app
from bot.config import Settings
from bot.services import Services
from bot.web import Limits, wsgi_app
from tests.slack.conftest import SIGNING_SECRET
from tests.slack.harness import PATIENCE, FakeSlack, serving
from tests.slack.test_serve import env_for, free_port

BODY_LIMIT = Limits().max_request_body_size


@dataclass
class Served:
    """A running `papers serve` and its log."""

    host: str
    port: int
    log: Path
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def log_size(self) -> int:
        return self.log.stat().st_size

    def log_since(self, size: int) -> str:
        """What the server logged after the log was `size` bytes long."""
        with self.log.open("rb") as log:
            log.seek(size)
            return log.read().decode(errors="replace")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`papers serve` over an empty archive (no index needed to refuse requests)."""
    tmp_path = tmp_path_factory.mktemp("serve")
    fake = FakeSlack()
    fake.start()
    port = free_port()
    env = {**os.environ, **env_for(tmp_path, fake, PORT=str(port)), "HF_HUB_OFFLINE": "1"}
    log = tmp_path / "serve.log"
    command = [str(Path(sys.executable).with_name("papers")), "serve", "--host", "127.0.0.1"]
    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = Served("127.0.0.1", port, log, process)
    try:
        _wait_until_listening(server)
        yield server
    finally:
        process.terminate()
        process.wait(PATIENCE)
        fake.stop()


def _wait_until_listening(server: Served) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert server.process.poll() is None, f"papers serve exited: {server.log_since(0)}"
        try:
            urllib.request.urlopen(f"{server.url}/healthz", timeout=5).close()
            return
        except urllib.error.HTTPError:
            return  # 503: no index yet, but it answers
        except OSError:
            time.sleep(0.2)
    raise AssertionError("papers serve did not start listening")


def raw_request(server: Served, head: bytes, body: bytes = b"") -> int:
    """Send `head` and `body` as they are over one connection; return the status code."""
    with socket.create_connection((server.host, server.port), timeout=PATIENCE) as conn:
        conn.sendall(head + b"\r\n\r\n")
        # The server may answer and close without reading the rest: what is wanted.
        with contextlib.suppress(OSError):
            conn.sendall(body)
        return int(conn.makefile("rb").readline().split()[1])


def events_head(*headers: str) -> bytes:
    return "\r\n".join(["POST /slack/events HTTP/1.1", "Host: localhost", *headers]).encode()


def test_an_oversize_body_is_refused_before_it_is_read(served: Served) -> None:
    # It says 200 MB are coming and sends 64 KB: the answer comes from the headers alone.
    head = events_head("Content-Type: application/json", "Content-Length: 200000000")
    assert raw_request(served, head, b"x" * 65536) == 413


def test_an_oversize_chunked_body_is_refused(served: Served) -> None:
    head = events_head("Content-Type: application/json", "Transfer-Encoding: chunked")
    chunk = b"x" * 65536
    body = (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * (BODY_LIMIT // len(chunk) + 2)
    assert raw_request(served, head, body) == 413


def test_a_body_within_the_limit_is_read_and_checked(served: Served) -> None:
    body = b"x" * (BODY_LIMIT // 2)
    head = events_head("Content-Type: application/json", f"Content-Length: {len(body)}")
    assert raw_request(served, head, body) == 401


def test_oversize_headers_are_refused(served: Served) -> None:
    head = events_head(f"X-Padding: {'x' * Limits().max_request_header_size}")
    assert raw_request(served, head) == 431


def sign(body: bytes, timestamp: str, secret: str = SIGNING_SECRET) -> str:
    """Slack's v0 signature over raw bytes (the harness signs text)."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def post(server: Served, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(
        f"{server.url}/slack/events", data=body, headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=PATIENCE) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
MALFORMED = {
    "JSON list": (b"[1]", JSON),
    "payload not JSON": (b"payload=x", FORM),
    "invalid UTF-8": (b"command=/papers&text=\xff\xfe", FORM),
    "payload a JSON list": (b"payload=%5B1%2C2%5D", FORM),
    "form labelled JSON": (b"command=/papers&text=hi", JSON),
    "JSON cut short": (b'{"type": "event_callback", "event": {', JSON),
}


@pytest.mark.parametrize(("body", "content_type"), MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_unsigned_requests_are_refused_with_401(
    served: Served, body: bytes, content_type: str
) -> None:
    timestamp = str(int(time.time()))
    headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp,
               "X-Slack-Signature": sign(body, timestamp, "not-the-secret")}  # fmt: skip
    logged = served.log_size()
    assert post(served, body, headers)[0] == 401
    assert "Traceback" not in served.log_since(logged)


@pytest.mark.parametrize(("body", "content_type"), MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_signed_requests_are_refused_with_400(
    served: Served, body: bytes, content_type: str
) -> None:
    timestamp = str(int(time.time()))
    headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp,
               "X-Slack-Signature": sign(body, timestamp)}  # fmt: skip
    logged = served.log_size()
    assert post(served, body, headers)[0] == 400
    assert "Traceback" not in served.log_since(logged)


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=00"},
        {"X-Slack-Request-Timestamp": "1700000000²", "X-Slack-Signature": "v0=00"},
        {"X-Slack-Signature": "v0=00"},
        {"X-Slack-Request-Timestamp": "1700000000"},
        {},
    ],
    ids=["words", "a superscript digit", "no timestamp", "no signature", "no headers"],
)
def test_bad_signature_headers_are_401(served: Served, headers: dict[str, str]) -> None:
    body = b"command=/papers&text=hi"
    logged = served.log_size()
    assert post(served, body, {"Content-Type": FORM, **headers})[0] == 401
    assert "Traceback" not in served.log_since(logged)


def test_slow_clients_hold_no_worker_and_are_cut_off_when_idle(
    settings: Settings, services: Services, fake_slack: FakeSlack
) -> None:
    app = wsgi_app(create_app(settings, services), services, signing_secret=SIGNING_SECRET)
    limits = Limits(channel_timeout=1, cleanup_interval=1)
    with serving(app, limits) as url:
        host, port = url.removeprefix("http://").split(":")
        # More slow clients than waitress has threads (4), each stuck mid-headers.
        slow = [socket.create_connection((host, int(port)), timeout=PATIENCE) for _ in range(8)]
        for conn in slow:
            conn.sendall(b"POST /slack/events HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        started = time.monotonic()
        with urllib.request.urlopen(f"{url}/healthz", timeout=PATIENCE) as response:
            assert response.status == 200
        assert time.monotonic() - started < 5
        # Idle past channel_timeout: the server closes them (a read then sees end of file).
        assert all(conn.recv(1024) == b"" for conn in slow)
        assert time.monotonic() - started < PATIENCE
        for conn in slow:
            conn.close()
