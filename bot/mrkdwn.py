"""Text for Slack's mrkdwn: escaping, safe links and short author lists.

Everything that comes from a feed (titles, authors, abstracts) goes through `escape` before
it reaches a message: Slack reads `<...>` as a mention or a link, so a title containing
`<!channel>` would ping a whole channel. Builders also set `verbatim: true` on such text so
that Slack does not auto-link bare URLs or `@here` either.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import quote

# Re-exported: text is cut the same way wherever it is shown (the library cuts it too).
from recommender.text import truncate as truncate

# Characters a URL keeps as they are; `|`, `<`, `>` and spaces are percent-encoded because
# they would end the `<url|label>` control sequence early.
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~"
# A Slack user id: U or W, then capitals and digits.
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")


def escape(text: str) -> str:
    """Replace the three characters Slack treats as control characters by their entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str, label: str) -> str:
    """A mrkdwn link showing `label` (escaped); the URL cannot break out of the sequence."""
    safe_url = escape(quote(url, safe=_URL_SAFE))
    # A `|` in the label could be taken for the separator; a fullwidth bar looks the same.
    return f"<{safe_url}|{escape(label).replace('|', '｜')}>"


def short_authors(authors: Sequence[str], *, keep: int = 3) -> str:
    """`A, B, C et al.` for long author lists; the names are not escaped here."""
    names = [" ".join(name.split()) for name in authors if name.strip()]
    if len(names) <= keep + 1:
        return ", ".join(names)
    return ", ".join(names[:keep]) + " et al."


def mention(user_id: str) -> str:
    """`<@U…>`, which Slack shows as the person's name; anything not a user id is escaped
    text, so that no id can smuggle in a link or a `<!channel>`."""
    return f"<@{user_id}>" if _USER_ID.fullmatch(user_id) else escape(user_id)
