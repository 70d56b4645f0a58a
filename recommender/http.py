"""The HTTP client every remote source fetches through: polite pacing, retries, named errors.

Built on urllib so the library needs no HTTP dependency. Sleeping and the clock are passed
in, so tests check the waits the client asks for without waiting.
"""

from __future__ import annotations

import http.client
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from typing import Protocol
from urllib.parse import urlencode

from recommender.errors import FeedError
from recommender.ids import clean_text

logger = logging.getLogger(__name__)

USER_AGENT = "papers/0.1 (+https://github.com/)"
_CHUNK = 1 << 16


class Fetcher(Protocol):
    """Anything that GETs a URL and returns the body: HttpClient, or a fake in tests."""

    def get(self, url: str, params: Mapping[str, str] | None = None) -> bytes: ...


class _Retry(Exception):
    """A failure worth trying again: 429, 5xx, a timeout, a dropped connection."""

    def __init__(self, reason: str, after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.after = after


class HttpClient:
    """GET with a minimum interval between calls and exponential backoff on transient errors.

    `retries` is the number of tries in all. A 429 or 5xx, a timeout or a connection error is
    tried again after `backoff * 2**(try - 1)` seconds, or after the server's Retry-After
    when it gives one in seconds. Other 4xx fail at once. Both end in FeedError.
    `timeout` bounds each wait for the server; `deadline` a whole response, so a server that
    sends a byte now and then cannot hold a call forever (it counts as a timeout); a body
    larger than `max_bytes` is refused.
    """

    def __init__(
        self,
        *,
        min_interval: float = 0.0,
        retries: int = 4,
        backoff: float = 2.0,
        timeout: float = 30.0,
        deadline: float = 300.0,
        max_bytes: int = 256 * 2**20,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        user_agent: str = USER_AGENT,
    ) -> None:
        self.min_interval = min_interval
        self.retries = max(1, retries)
        self.backoff = backoff
        self.timeout = timeout
        self.deadline = deadline
        self.max_bytes = max_bytes
        self.sleep = sleep
        self.clock = clock
        self.user_agent = user_agent
        self._last_call: float | None = None

    def get(self, url: str, params: Mapping[str, str] | None = None) -> bytes:
        """The body of a successful GET of `url` with query `params`."""
        full_url = f"{url}?{urlencode(params)}" if params else url
        failure = ""
        for attempt in range(1, self.retries + 1):
            self._wait_turn()
            try:
                return self._get_once(full_url)
            except _Retry as retry:
                failure = retry.reason
                if attempt < self.retries:
                    delay = retry.after if retry.after is not None else self._backoff(attempt)
                    logger.warning(
                        "%s: %s; try %d in %.1f s", full_url, failure, attempt + 1, delay
                    )
                    self.sleep(delay)
        raise FeedError(full_url, f"{failure} after {self.retries} tries")

    def _backoff(self, attempt: int) -> float:
        return self.backoff * 2 ** (attempt - 1)

    def _wait_turn(self) -> None:
        """Sleep until `min_interval` has passed since the previous call started."""
        if self._last_call is not None:
            wait = self._last_call + self.min_interval - self.clock()
            if wait > 0:
                self.sleep(wait)
        self._last_call = self.clock()

    def _get_once(self, url: str) -> bytes:
        request = urllib.request.Request(url, headers={"User-Agent": self.user_agent})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return self._read(response, url)
        except urllib.error.HTTPError as error:
            raise _http_failure(url, error) from error
        except (http.client.InvalidURL, ValueError) as error:
            raise FeedError(url, f"not a URL that can be fetched ({error})") from error
        except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
            raise _Retry(_describe(error)) from error

    def _read(self, response, url: str) -> bytes:
        """The body, in chunks, within `deadline` seconds and `max_bytes` bytes."""
        started, chunks, size = time.monotonic(), [], 0
        while chunk := response.read(_CHUNK):
            size += len(chunk)
            if size > self.max_bytes:
                raise FeedError(url, f"the response is larger than {self.max_bytes:,} bytes")
            if time.monotonic() - started > self.deadline:
                raise _Retry(f"timed out: the response took more than {self.deadline:g} s")
            chunks.append(chunk)
        return b"".join(chunks)


def _http_failure(url: str, error: urllib.error.HTTPError) -> Exception:
    """A _Retry for 429 and 5xx; a FeedError with the start of the body for any other status."""
    if error.code == 429 or error.code >= 500:
        return _Retry(f"HTTP {error.code}", _retry_after(error.headers.get("Retry-After")))
    try:
        body = clean_text(error.read(300).decode("utf-8", errors="replace"))
    except OSError:
        body = ""
    return FeedError(url, f"HTTP {error.code}: {body}" if body else f"HTTP {error.code}")


# The longest Retry-After obeyed: a server asking for a day (or "inf") would otherwise hold
# the scheduler's only worker that long; after this wait the retry finds out again.
MAX_RETRY_AFTER = 300.0


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds, at most MAX_RETRY_AFTER; the HTTP-date form is not used by
    the servers we call."""
    try:
        seconds = float(value) if value else None
    except ValueError:
        return None
    if seconds is None or seconds != seconds:  # absent, or NaN
        return None
    return min(max(0.0, seconds), MAX_RETRY_AFTER)


def _describe(error: Exception) -> str:
    reason = getattr(error, "reason", error)
    if isinstance(error, TimeoutError) or isinstance(reason, TimeoutError):
        return "timed out"
    return f"connection failed ({reason})"
