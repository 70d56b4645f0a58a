"""The "Next 5" button: the next page of the same search, in place of the current one."""

from __future__ import annotations

from logging import Logger

from slack_bolt import App, Respond

from bot.blocks import NEXT_PAGE, results_message
from bot.listeners.replies import acknowledge, errors_replied, reply
from bot.search import SearchRequest, run
from bot.services import Services


def answer(services: Services, action: dict, respond: Respond, logger: Logger) -> None:
    """Decode the search the button carries and replace the message with its next page."""
    with errors_replied(respond, logger):
        request = SearchRequest.decode(action["value"])
        page = run(services.engine, services.store, request)
        reply(respond, results_message(page), replace_original=True)


def register(app: App, services: Services) -> None:
    def next_page(action: dict, respond: Respond, logger: Logger) -> None:
        answer(services, action, respond, logger)

    app.action(NEXT_PAGE)(ack=acknowledge, lazy=[next_page])
