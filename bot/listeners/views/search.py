"""The search modal's submission: checked in the ack, the results sent by direct message.

As for the settings modal, the ack function checks the fields, so that Slack can show an
error under each bad one (`response_action: errors`); the search itself runs lazily.
Why the results go to a direct message: bot/search_modal.py.
"""

from __future__ import annotations

from logging import Logger

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.listeners.replies import caller, errors_messaged
from bot.redraw import new_search
from bot.search import SearchRequest
from bot.search_modal import SEARCH_VIEW, read_search
from bot.services import Services
from bot.settings_blocks import FormErrors
from bot.targets import user_target

# The context key by which the ack function hands the checked search to the lazy one.
REQUEST = "papers_search_request"


def check(services: Services, ack: Ack, view: dict, context: BoltContext) -> None:
    """Close the modal with a search to run, or keep it open with a message on each bad field."""
    try:
        request = read_search(view["state"]["values"], today=services.today())
    except FormErrors as error:
        ack(response_action="errors", errors=error.errors)
        return
    context[REQUEST] = request.encode()
    ack()


def send_results(
    services: Services, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    """The first page of results, in the submitter's direct message with the app."""
    if not context.get(REQUEST):
        return
    team, user = caller(context)
    with errors_messaged(client, user, logger):
        request = SearchRequest.decode(context[REQUEST])
        results = new_search(services, request, reader=user_target(team, user))
        client.chat_postMessage(channel=user, **results)


def register(app: App, services: Services) -> None:
    def ack_search(ack: Ack, view: dict, context: BoltContext) -> None:
        check(services, ack, view, context)

    def search_submitted(context: BoltContext, client: WebClient, logger: Logger) -> None:
        send_results(services, context, client, logger)

    app.view(SEARCH_VIEW)(ack=ack_search, lazy=[search_submitted])
