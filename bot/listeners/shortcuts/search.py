"""*Search papers* (a global shortcut): open the search modal."""

from __future__ import annotations

from logging import Logger

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.listeners.replies import acknowledge, caller, errors_messaged
from bot.search_modal import search_modal
from bot.services import Services

SEARCH = "papers_search"


def answer(shortcut: dict, context: BoltContext, client: WebClient, logger: Logger) -> None:
    """Open the empty search form (a global shortcut has no response URL: errors go by DM)."""
    with errors_messaged(client, caller(context)[1], logger):
        client.views_open(trigger_id=shortcut["trigger_id"], view=search_modal())


def register(app: App, services: Services) -> None:
    def search(shortcut: dict, context: BoltContext, client: WebClient, logger: Logger) -> None:
        answer(shortcut, context, client, logger)

    app.global_shortcut(SEARCH)(ack=acknowledge, lazy=[search])
