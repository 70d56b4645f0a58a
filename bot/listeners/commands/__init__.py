"""Slash command listeners."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners.commands import papers
from bot.services import Services


def register(app: App, services: Services) -> None:
    papers.register(app, services)
