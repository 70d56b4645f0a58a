"""Button listeners: under search results, digests and unfurled paper cards (and their
Undo), "Next 5", under `/papers saved`, *Share*, the Home tab's "Edit", Pause and Resume,
saved papers (pages, *Remove*), and Undo under a change to a channel's digest."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners.actions import (
    digest_feedback,
    digest_undo,
    edit_settings,
    home_saved,
    more_like_this,
    next_page,
    not_interested,
    pause_resume,
    save,
    saved,
    share,
    undo,
    undo_change,
)
from bot.services import Services


def register(app: App, services: Services) -> None:
    presses = (next_page, more_like_this, save, not_interested, undo, digest_feedback, digest_undo)
    for module in (*presses, saved, share, edit_settings, home_saved, pause_resume, undo_change):
        module.register(app, services)
