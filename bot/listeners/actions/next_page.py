"""The "Next 5" button: the next page of the same search, in place of the current one."""

from __future__ import annotations

from logging import Logger

from slack_bolt import App, BoltContext, Respond

from bot.blocks import NEXT_PAGE
from bot.errors import StaleButton
from bot.listeners.replies import acknowledge, caller, errors_replied, reply
from bot.redraw import results_card
from bot.services import Services
from bot.targets import user_target


def answer(
    services: Services, action: dict, context: BoltContext, respond: Respond, logger: Logger
) -> None:
    """Replace the message with the page the button names of its stored search."""
    with errors_replied(respond, logger):
        search_id, _, offset = action["value"].partition(":")
        if not search_id or not offset.isdigit():
            raise StaleButton("this button is from an older message; run the search again")
        reader = user_target(*caller(context))
        revision = action["action_ts"]
        card = results_card(services, search_id, int(offset), reader=reader, revision=revision)
        reply(respond, card, replace_original=True)


def register(app: App, services: Services) -> None:
    def next_page(action: dict, context: BoltContext, respond: Respond, logger: Logger) -> None:
        answer(services, action, context, respond, logger)

    app.action(NEXT_PAGE)(ack=acknowledge, lazy=[next_page])
