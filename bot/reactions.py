"""Which emoji stand for which verdict when someone reacts to a message that names a paper.

Read from PAPERS_REACTIONS at the entry point (bot/config.py) as `emoji=verdict` pairs; the
verdicts are the buttons' (`more`: More like this, `not_interested`, `save`).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from bot.errors import SettingsError

VERDICTS = ("more", "not_interested", "save")
# 👍 ❤️ 🔥 ⭐ as More like this, 👎 as Not interested, 🔖 as Save.
DEFAULT = "+1=more,heart=more,fire=more,star=more,-1=not_interested,bookmark=save"
# A Slack emoji name, as events give it: lower-case letters, digits and `_+-'`.
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_+-'")


def parse_reactions(text: str) -> Mapping[str, str]:
    """`emoji=verdict` pairs, comma-separated (colons around a name allowed), as a mapping;
    SettingsError naming the first bad pair. An empty text: reactions teach nothing."""
    mapping: dict[str, str] = {}
    for pair in filter(None, (part.strip() for part in text.split(","))):
        name, equals, verdict = (piece.strip() for piece in pair.partition("="))
        name = name.strip(":").lower()
        if not equals or not name or not set(name) <= _NAME_CHARS:
            raise SettingsError(f"{pair!r} is not emoji=verdict, e.g. `heart=more`")
        if verdict not in VERDICTS:
            raise SettingsError(f"{pair!r}: the verdict must be one of {', '.join(VERDICTS)}")
        if name in mapping:
            raise SettingsError(f"{pair!r}: :{name}: is given twice")
        mapping[name] = verdict
    return MappingProxyType(mapping)


DEFAULT_REACTIONS = parse_reactions(DEFAULT)


def verdict(reactions: Mapping[str, str], emoji: str) -> str | None:
    """The verdict `emoji` stands for (a skin tone counts as the plain emoji), or None."""
    return reactions.get(emoji.split("::")[0])
