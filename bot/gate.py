"""What reaches Bolt over HTTP: signed by Slack and well formed.

Bolt parses a body before it checks the signature, so a malformed unsigned request (a
timestamp that is not a number, invalid UTF-8, a JSON list) used to end in a 500 and a
traceback. The gate checks the signature on the raw bytes first, then that Bolt can parse
the body into an object, and answers 401 or 400 itself; Bolt checks the signature again.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass

from slack_bolt.request.internals import parse_body

# Slack refuses requests older than five minutes (https://api.slack.com/authentication/
# verifying-requests-from-slack); Bolt and the gate do too.
SIGNATURE_WINDOW = 5 * 60


@dataclass(frozen=True)
class Refusal:
    """Why a request does not reach Bolt: the HTTP status and a short reason."""

    status: str
    reason: str


UNSIGNED = Refusal("401 Unauthorized", "not signed by Slack")
MALFORMED = Refusal("400 Bad Request", "malformed request")


@dataclass(frozen=True)
class SignedRequest:
    """A request whose signature is Slack's: the key it is remembered by."""

    key: str


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
        event_id = parsed.get("event_id") if parsed.get("type") == "event_callback" else None
        return SignedRequest(f"event:{event_id}" if isinstance(event_id, str) else signature)

    def _signed(self, timestamp: str, signature: str, body: bytes) -> bool:
        if not (timestamp.isascii() and timestamp.isdigit()):
            return False
        if abs(self._clock() - int(timestamp)) > SIGNATURE_WINDOW:
            return False
        base = b"v0:" + timestamp.encode() + b":" + body
        expected = "v0=" + hmac.new(self._secret, base, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, signature)


def _parsed(body: bytes, content_type: str | None) -> dict | None:
    """The body as Bolt will parse it, if that is an object; else None."""
    try:
        # Bolt's own parser, so that what passes here is what Bolt reads.
        parsed = parse_body(body.decode("utf-8"), content_type)
    except ValueError:  # invalid UTF-8 and invalid JSON alike
        return None
    return parsed if isinstance(parsed, dict) else None
