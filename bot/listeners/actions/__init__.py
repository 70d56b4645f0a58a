"""Button listeners: under search results and digests, "Next 5", the Home tab's "Edit",
Pause and Resume, and Undo under a change to a channel's digest."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners.actions import (
    digest_feedback,
    edit_settings,
    more_like_this,
    next_page,
    not_interested,
    pause_resume,
    save,
    undo_change,
)
from bot.services import Services


def register(app: App, services: Services) -> None:
    for module in (
        next_page,
        more_like_this,
        save,
        not_interested,
        digest_feedback,
        edit_settings,
        pause_resume,
        undo_change,
    ):
        module.register(app, services)
