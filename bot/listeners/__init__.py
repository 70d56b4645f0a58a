"""Bolt listeners, one callback per file under `<kind>/`, each added by its `register(app, ...)`.

Every listener acks in a tiny ack function and does its work in a lazy function, which Bolt
runs after the HTTP response has gone back to Slack.
"""

from __future__ import annotations

from slack_bolt import App

from bot.listeners import actions, commands, events, shortcuts, views
from bot.services import Services


def register(app: App, services: Services) -> None:
    """Add every listener of the app."""
    commands.register(app, services)
    actions.register(app, services)
    views.register(app, services)
    events.register(app, services)
    shortcuts.register(app, services)
