"""The HTTP client against a real server on loopback; sleeping and the clock are faked."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from recommender.errors import FeedError
from recommender.http import USER_AGENT, HttpClient
from tests.support import FakeTime


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


def client_for(fake_time: FakeTime, **options: float) -> HttpClient:
    return HttpClient(sleep=fake_time.sleep, clock=fake_time.clock, **options)


@pytest.fixture
def threaded_server() -> Iterator[HTTPServer]:
    """A server that answers the next request while an earlier one is still hanging."""
    server = HTTPServer(threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


def test_get_returns_body_sends_user_agent_and_query(httpserver: HTTPServer, fake_time):
    httpserver.expect_ordered_request(
        "/api", query_string={"q": "cat:cs.CL AND x", "n": "2"}, headers={"User-Agent": USER_AGENT}
    ).respond_with_data(b"<feed/>")

    body = client_for(fake_time).get(httpserver.url_for("/api"), {"q": "cat:cs.CL AND x", "n": "2"})

    assert body == b"<feed/>"
    assert fake_time.sleeps == []
    httpserver.check_assertions()


def test_429_waits_for_retry_after_then_succeeds(httpserver: HTTPServer, fake_time):
    httpserver.expect_ordered_request("/api").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "7"}
    )
    httpserver.expect_ordered_request("/api").respond_with_data("ok")

    assert client_for(fake_time).get(httpserver.url_for("/api")) == b"ok"
    assert fake_time.sleeps == [7.0]


@pytest.mark.parametrize(("header", "slept"), [("86400", 300.0), ("inf", 300.0), ("nan", 2.0)])
def test_an_unreasonable_retry_after_is_capped(httpserver: HTTPServer, fake_time, header, slept):
    httpserver.expect_ordered_request("/api").respond_with_data(
        "come back tomorrow", status=429, headers={"Retry-After": header}
    )
    httpserver.expect_ordered_request("/api").respond_with_data("ok")

    assert client_for(fake_time, backoff=2.0).get(httpserver.url_for("/api")) == b"ok"
    assert fake_time.sleeps == [slept]


def test_500_three_times_then_200_backs_off_exponentially(httpserver: HTTPServer, fake_time):
    for _ in range(3):
        httpserver.expect_ordered_request("/api").respond_with_data("oops", status=500)
    httpserver.expect_ordered_request("/api").respond_with_data("ok")

    assert client_for(fake_time, backoff=2.0).get(httpserver.url_for("/api")) == b"ok"
    assert fake_time.sleeps == [2.0, 4.0, 8.0]


def test_persistent_503_raises_feed_error_naming_the_url(httpserver: HTTPServer, fake_time):
    httpserver.expect_request("/api").respond_with_data("down", status=503)
    url = httpserver.url_for("/api")

    with pytest.raises(FeedError) as raised:
        client_for(fake_time).get(url, {"start": "0"})

    assert raised.value.origin == f"{url}?start=0"
    assert raised.value.reason == "HTTP 503 after 4 tries"
    assert len(httpserver.log) == 4
    assert fake_time.sleeps == [2.0, 4.0, 8.0]


def test_404_fails_at_once_with_the_start_of_the_body(httpserver: HTTPServer, fake_time):
    httpserver.expect_request("/missing").respond_with_data("No such page here", status=404)

    with pytest.raises(FeedError) as raised:
        client_for(fake_time).get(httpserver.url_for("/missing"))

    assert raised.value.reason == "HTTP 404: No such page here"
    assert len(httpserver.log) == 1
    assert fake_time.sleeps == []


def test_timeout_is_retried(threaded_server: HTTPServer, fake_time):
    calls = []
    release = threading.Event()

    def handler(request: Request) -> Response:
        calls.append(request.path)
        if len(calls) == 1:
            release.wait(5)  # hang past the client's timeout; freed when the test ends
        return Response("late but fine")

    threaded_server.expect_request("/slow").respond_with_handler(handler)
    try:
        body = client_for(fake_time, timeout=0.2).get(threaded_server.url_for("/slow"))
    finally:
        release.set()

    assert body == b"late but fine"
    assert len(calls) == 2
    assert fake_time.sleeps == [2.0]


def test_persistent_timeouts_raise_feed_error(threaded_server: HTTPServer, fake_time):
    release = threading.Event()

    def handler(request: Request) -> Response:
        release.wait(5)
        return Response("never in time")

    threaded_server.expect_request("/slow").respond_with_handler(handler)
    url = threaded_server.url_for("/slow")
    try:
        with pytest.raises(FeedError) as raised:
            client_for(fake_time, timeout=0.2, retries=2).get(url)
    finally:
        release.set()

    assert raised.value.reason == "timed out after 2 tries"


def test_connection_refused_is_retried_then_raises(fake_time):
    with socket.socket() as listener:  # a port nobody listens on once this closes
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]

    with pytest.raises(FeedError) as raised:
        client_for(fake_time, retries=3).get(f"http://127.0.0.1:{port}/")

    assert raised.value.reason.startswith("connection failed")
    assert raised.value.reason.endswith("after 3 tries")
    assert fake_time.sleeps == [2.0, 4.0]


def test_min_interval_spaces_calls(httpserver: HTTPServer, fake_time):
    httpserver.expect_request("/api").respond_with_data("ok")
    client = client_for(fake_time, min_interval=3.0)

    for _ in range(3):
        client.get(httpserver.url_for("/api"))

    assert fake_time.sleeps == [3.0, 3.0]


def test_min_interval_does_not_wait_when_enough_time_has_passed(httpserver: HTTPServer, fake_time):
    httpserver.expect_request("/api").respond_with_data("ok")
    client = client_for(fake_time, min_interval=3.0)

    client.get(httpserver.url_for("/api"))
    fake_time.now += 10.0
    client.get(httpserver.url_for("/api"))

    assert fake_time.sleeps == []


def test_defaults_use_the_real_clock_and_sleep():
    client = HttpClient()

    assert client.sleep is time.sleep
    assert client.clock is time.monotonic
    assert (client.retries, client.backoff, client.timeout) == (4, 2.0, 30.0)


def test_a_server_that_drips_bytes_is_cut_off_at_the_deadline(threaded_server: HTTPServer):
    def drip(request: Request) -> Response:
        def body():
            for _ in range(12):
                time.sleep(0.25)
                yield b"x" * 70_000  # more than one read's chunk each time

        return Response(body(), direct_passthrough=True)

    threaded_server.expect_request("/slow").respond_with_handler(drip)
    client = HttpClient(retries=1, deadline=0.5)

    with pytest.raises(FeedError, match="took more than 0.5 s after 1 tries"):
        client.get(threaded_server.url_for("/slow"))


def test_a_body_over_the_size_limit_is_refused(httpserver: HTTPServer, fake_time):
    httpserver.expect_request("/big").respond_with_data(b"x" * 200_000)

    with pytest.raises(FeedError, match="larger than 100,000 bytes"):
        client_for(fake_time, max_bytes=100_000).get(httpserver.url_for("/big"))
    assert len(httpserver.log) == 1  # not tried again


def test_a_malformed_url_fails_at_once(fake_time):
    with pytest.raises(FeedError, match="not a URL that can be fetched"):
        client_for(fake_time).get("http://exa mple.org/api")
    assert fake_time.sleeps == []
