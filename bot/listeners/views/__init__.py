"""Modal listeners."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners.views import settings
from bot.services import Services


def register(app: App, services: Services) -> None:
    settings.register(app, services)
