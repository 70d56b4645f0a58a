"""What reaches Bolt over HTTP: signed by Slack, well formed, and not seen before.

Bolt parses a body before it checks the signature, so a malformed unsigned request (a
timestamp that is not a number, invalid UTF-8, a JSON list) used to end in a 500 and a
traceback. The gate checks the signature on the raw bytes first, then that Bolt can parse
the body into an object, and answers 401 or 400 itself; Bolt checks the signature again.

A signed request is acted on once: its signature (or, for an event, its `event_id`, which
Slack keeps across its retries) is remembered for `RECORD_TTL`, so a replay or a retry
within Slack's five-minute signature window is acknowledged and does nothing. The record is
the process's memory and, for an event, the store's too (`store.handled`), which every web
process reads: Slack's retry of an event that reaches another web process than the first
try does nothing either. Slack never retries a command or a click, so a replay of one sent
to another process is stopped only by the signature window. In Socket Mode, where nothing
is signed and the gate is not in the way, `once_per_event` does the same for events.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from slack_bolt import BoltResponse
from slack_bolt.request.internals import parse_body

from recommender.store.handled import Handled

log = logging.getLogger(__name__)

# Slack refuses requests older than five minutes (https://api.slack.com/authentication/
# verifying-requests-from-slack); Bolt and the gate do too.
SIGNATURE_WINDOW = 5 * 60
# Slack retries an event three times within about five minutes; the record outlives both.
RECORD_TTL = 10 * 60
# Only requests signed with the app's secret are recorded: this bounds memory under a burst.
RECORD_LIMIT = 10_000


@dataclass(frozen=True)
class Refusal:
    """Why a request does not reach Bolt: the HTTP status and a short reason."""

    status: str
    reason: str


UNSIGNED = Refusal("401 Unauthorized", "not signed by Slack")
MALFORMED = Refusal("400 Bad Request", "malformed request")


@dataclass(frozen=True)
class SignedRequest:
    """A request whose signature is Slack's: the key it is remembered by; `event` if it is
    an Events API callback, which Slack retries, perhaps to another web process."""

    key: str
    event: bool = False


class Seen:
    """Requests already handled, each for `ttl` seconds: at most `limit` in this process's
    memory, and an event's in `shared` as well, the record every web process reads."""

    def __init__(
        self,
        shared: Handled | None = None,
        *,
        ttl: float = RECORD_TTL,
        limit: int = RECORD_LIMIT,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._shared = shared
        self._ttl = ttl
        self._limit = limit
        self._clock = clock
        self._wall = wall
        self._expiry: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, request: SignedRequest) -> bool:
        """Record `request`; False if it was recorded (and not expired) already."""
        if not self._first_here(request.key):
            return False
        if not request.event or self._shared is None:
            return True
        now = self._wall()
        try:
            return self._shared.first_time(request.key, now=now, until=now + self._ttl)
        except Exception:
            self._forget_here(request.key)  # not recorded: Slack's retry must be able to act
            raise

    def forget(self, request: SignedRequest) -> None:
        """Let `request` be handled again (its handling failed, so Slack's retry must act)."""
        self._forget_here(request.key)
        if request.event and self._shared is not None:
            self._shared.forget(request.key)

    def _first_here(self, key: str) -> bool:
        now = self._clock()
        with self._lock:
            while self._expiry and next(iter(self._expiry.values())) <= now:
                self._expiry.popitem(last=False)
            if key in self._expiry:
                return False
            self._expiry[key] = now + self._ttl
            if len(self._expiry) > self._limit:
                self._expiry.popitem(last=False)
            return True

    def _forget_here(self, key: str) -> None:
        with self._lock:
            self._expiry.pop(key, None)


class Gate:
    """Checks a request's signature and form before Bolt sees it."""

    def __init__(self, signing_secret: str, *, clock: Callable[[], float] = time.time) -> None:
        self._secret = signing_secret.encode()
        self._clock = clock

    def check(self, headers: dict[str, str], body: bytes) -> SignedRequest | Refusal:
        """A signed, well-formed request, or why it is refused. `headers` are lower-case."""
        timestamp = headers.get("x-slack-request-timestamp", "")
        signature = headers.get("x-slack-signature", "")
        if not self._signed(timestamp, signature, body):
            return UNSIGNED
        parsed = _parsed(body, headers.get("content-type"))
        if parsed is None:
            return MALFORMED
        return _event(parsed) or SignedRequest(signature)

    def _signed(self, timestamp: str, signature: str, body: bytes) -> bool:
        if not (timestamp.isascii() and timestamp.isdigit()):
            return False
        if abs(self._clock() - int(timestamp)) > SIGNATURE_WINDOW:
            return False
        base = b"v0:" + timestamp.encode() + b":" + body
        expected = "v0=" + hmac.new(self._secret, base, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, signature)


def once_per_event(seen: Seen) -> Callable[..., BoltResponse | None]:
    """Bolt middleware for Socket Mode, where no gate stands before Bolt: an event handled
    already, by this process or another (`seen`'s shared record), is acknowledged and does
    nothing. Each process opens its own connection and Slack may send a retry down another."""

    def middleware(body: dict, next_: Callable[[], None]) -> BoltResponse | None:
        event = _event(body)
        if event is not None and not seen.first_time(event):
            log.info("an event handled already (Slack's retry) was acknowledged")
            return BoltResponse(status=200, body="")
        next_()
        return None

    return middleware


def _event(body: dict) -> SignedRequest | None:
    """An Events API callback, remembered by its `event_id` (Slack's retries keep it)."""
    event_id = body.get("event_id") if body.get("type") == "event_callback" else None
    return SignedRequest(f"event:{event_id}", event=True) if isinstance(event_id, str) else None


def _parsed(body: bytes, content_type: str | None) -> dict | None:
    """The body as Bolt will parse it, if that is an object; else None."""
    try:
        # Bolt's own parser, so that what passes here is what Bolt reads.
        parsed = parse_body(body.decode("utf-8"), content_type)
    except ValueError:  # invalid UTF-8 and invalid JSON alike
        return None
    return parsed if isinstance(parsed, dict) else None
