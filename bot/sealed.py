"""Private metadata of modals, sealed with an HMAC so that a submission proves where it came from.

The settings modal carries its target (whose settings) and its opener (who opened it) in
`private_metadata`. Slack hands it back on submit; the seal makes sure it is what this app
wrote, and `settings_target` that the person submitting is allowed to change that target.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from bot.errors import NotAllowed
from bot.targets import parse_target
from recommender.errors import InvalidTarget

NOT_YOURS = "You can change only your own settings (or those of a channel you opened them in)."


def seal(data: dict, key: bytes) -> str:
    """`data` as JSON with its HMAC-SHA256 under `key`."""
    body = json.dumps(data, separators=(",", ":"), sort_keys=True)
    return json.dumps({"data": data, "mac": _mac(body, key)}, separators=(",", ":"))


def unseal(text: str, key: bytes) -> dict:
    """The data `seal` wrote; NotAllowed if the text is not that or was changed."""
    try:
        sealed = json.loads(text)
        data, mac = sealed["data"], sealed["mac"]
        body = json.dumps(data, separators=(",", ":"), sort_keys=True)
    except (ValueError, TypeError, KeyError):
        raise NotAllowed(NOT_YOURS) from None
    if not isinstance(mac, str) or not hmac.compare_digest(mac, _mac(body, key)):
        raise NotAllowed(NOT_YOURS)
    return data


def settings_target(metadata: str, key: bytes, *, team: str, user: str) -> str:
    """The target a settings modal edits, if `user` of `team` may change it (else NotAllowed).

    A person's own target only; a channel's only by the person who opened the modal from
    inside that channel (Slack runs `/papers channel settings` only for its members).
    """
    data = unseal(metadata, key)
    try:
        where = parse_target(data.get("target"))
    except InvalidTarget:
        raise NotAllowed(NOT_YOURS) from None
    own = where.is_channel or where.id == user
    if data.get("opener") != user or where.team != team or not own:
        raise NotAllowed(NOT_YOURS)
    return data["target"]


def _mac(body: str, key: bytes) -> str:
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()
