"""Listeners of submitted views (Bolt's `app.view`): the settings modal's Save, the search
modal's Search, the import modal's Import, the share modal's Share."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners.views import library_import, search, settings, share
from bot.services import Services


def register(app: App, services: Services) -> None:
    settings.register(app, services)
    search.register(app, services)
    library_import.register(app, services)
    share.register(app, services)
