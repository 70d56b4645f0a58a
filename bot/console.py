"""Digests on the console: the Slack messages as plain text, for `papers run-once` without Slack.

`ConsoleDeliverer` keeps the same delivery ledger as `SlackDeliverer` (a digest printed is
a digest delivered, so running twice prints once); only the outlet differs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bot.delivery import GRACE, Clock, LedgerDeliverer
from recommender.matching import Matcher
from recommender.store import Store

RULE = "─" * 60
_LINK = re.compile(r"<([^|<>]+)\|([^<>]*)>")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")


def render_text(blocks: list[dict]) -> str:
    """Block Kit blocks as they read in Slack, in plain text: links as `label <url>`."""
    lines: list[str] = []
    for block in blocks:
        kind = block["type"]
        if kind == "header":
            title = block["text"]["text"]
            lines += [title, "═" * len(title)]
        elif kind == "section":
            lines.append(plain(block["text"]["text"]))
        elif kind == "context":
            for element in block["elements"]:
                lines += ["  " + line for line in plain(element["text"]).splitlines()]
        elif kind == "actions":
            lines.append("  " + "  ".join(f"[{e['text']['text']}]" for e in block["elements"]))
        elif kind == "divider":
            lines.append(RULE)
    return "\n".join(lines)


def plain(mrkdwn: str) -> str:
    """Slack mrkdwn as plain text: links spelled out, bold marks dropped, entities undone."""
    text = _LINK.sub(lambda match: f"{match[2]} <{match[1]}>", mrkdwn)
    text = _BOLD.sub(r"\1", text)
    # `&amp;` last, so that an escaped `&lt;` in the source stays `&lt;` in the output.
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


class ConsoleOutlet:
    """Prints each message, under a line naming whom it is for."""

    def __init__(self, out: Callable[[str], None]) -> None:
        self.out = out

    def post(self, target: str, message: dict) -> dict:
        self.out(f"── to {target} " + "─" * max(0, 56 - len(target)))
        self.out(render_text(message["blocks"]) + "\n")
        return {"console": True}


class ConsoleDeliverer(LedgerDeliverer):
    """Prints due digests with `out` (e.g. `click.echo`) instead of posting them.

    With `record=False` (a dry run) it prints what is due and writes nothing: no ledger
    row, no sent record, so the real delivery still happens later.
    """

    def __init__(
        self,
        store: Store,
        matcher: Matcher,
        clock: Clock,
        out: Callable[[str], None],
        *,
        grace: timedelta = GRACE,
        record: bool = True,
    ) -> None:
        super().__init__(store, matcher, clock, grace=grace)
        self.out = out
        self.record = record

    def outlet(self) -> ConsoleOutlet:
        return ConsoleOutlet(self.out)

    def deliver_due(self, now: datetime) -> dict[str, Any]:
        if self.record:
            return super().deliver_due(now)
        due = self.store.deliveries.due(now, grace=self.grace)
        fresh = self.fresh_digests(due, now)
        outlet = self.outlet()
        for target, day in due:
            plan = self.plan(target, day, fresh.pop(target, None), now)
            _, messages = self.render(target, day, plan)
            for message in messages:
                outlet.post(target, message)
        return {"due": len(due), "previewed": len(due)}
