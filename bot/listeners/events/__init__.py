"""Event listeners."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners.events import (
    app_home_opened,
    file_shared,
    link_shared,
    reactions,
    uninstalled,
)
from bot.services import Services


def register(app: App, services: Services) -> None:
    app_home_opened.register(app, services)
    link_shared.register(app, services)
    file_shared.register(app, services)
    uninstalled.register(app, services)
    reactions.register(app, services)
