"""The App Home's "Edit settings" button: the settings modal of the person who pressed it."""

from __future__ import annotations

from logging import Logger

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.listeners.replies import acknowledge, caller, errors_messaged
from bot.services import Services
from bot.settings_blocks import EDIT_SETTINGS
from bot.show_settings import open_settings
from bot.targets import user_target


def answer(
    services: Services, body: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    """Open the presser's own settings (the Home tab is theirs alone)."""
    team, user = caller(context)
    with errors_messaged(client, user, logger):
        target = user_target(team, user)
        open_settings(services, client, trigger_id=body["trigger_id"], target=target, opener=user)


def register(app: App, services: Services) -> None:
    def edit_settings(body: dict, context: BoltContext, client: WebClient, logger: Logger) -> None:
        answer(services, body, context, client, logger)

    app.action(EDIT_SETTINGS)(ack=acknowledge, lazy=[edit_settings])
