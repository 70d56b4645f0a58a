"""Button listeners: under search results and digests (and their Undo), "Next 5", under
`/papers saved`, under unfurled paper cards (the same buttons), *Share*, and the Home tab's
"Edit"."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners.actions import (
    digest_feedback,
    digest_undo,
    edit_settings,
    more_like_this,
    next_page,
    not_interested,
    save,
    saved,
    share,
    undo,
)
from bot.services import Services


def register(app: App, services: Services) -> None:
    modules = (next_page, more_like_this, save, not_interested, undo, digest_feedback, digest_undo)
    for module in (*modules, saved, edit_settings, share):
        module.register(app, services)
