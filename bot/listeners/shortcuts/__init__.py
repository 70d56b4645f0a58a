"""Shortcuts: *Find related papers* and *Save paper* on any message, *Search papers* anywhere."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners.shortcuts import related, save_links, search
from bot.services import Services


def register(app: App, services: Services) -> None:
    for module in (related, save_links, search):
        module.register(app, services)
