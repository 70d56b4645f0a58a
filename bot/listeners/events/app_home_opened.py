"""`app_home_opened`: show the person their digest settings and latest picks in the Home tab."""

from __future__ import annotations

from logging import Logger

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.listeners.replies import acknowledge, caller, errors_logged
from bot.services import Services
from bot.show_settings import publish_home


def answer(
    services: Services, event: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    """Publish the Home tab (the event also comes for the Messages tab, which needs nothing)."""
    if event.get("tab") != "home":
        return
    with errors_logged(logger):
        team, user = caller(context)
        publish_home(services, client, team=team, user=user)


def register(app: App, services: Services) -> None:
    def home_opened(event: dict, context: BoltContext, client: WebClient, logger: Logger) -> None:
        answer(services, event, context, client, logger)

    app.event("app_home_opened")(ack=acknowledge, lazy=[home_opened])
