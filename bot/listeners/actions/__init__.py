"""Button listeners: under search results, digests and unfurled paper cards, "Next 5", *Share*,
and the Home tab's "Edit"."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners.actions import (
    cards,
    digest_feedback,
    edit_settings,
    more_like_this,
    next_page,
    not_interested,
    save,
    share,
)
from bot.services import Services


def register(app: App, services: Services) -> None:
    modules = (next_page, more_like_this, save, not_interested, digest_feedback, edit_settings)
    for module in (*modules, cards, share):
        module.register(app, services)
