"""*Find related papers* on a message: papers like what it says and links to, for the
person who asked alone."""

from __future__ import annotations

from logging import Logger

from slack_bolt import App, BoltContext, Respond
from slack_sdk import WebClient

from bot.linked import nothing_to_relate, read_message, related_request
from bot.listeners.replies import acknowledge, caller, errors_replied, reply_or_message
from bot.redraw import new_search
from bot.services import Services
from bot.targets import user_target

RELATED = "papers_related"


def answer(
    services: Services,
    shortcut: dict,
    context: BoltContext,
    client: WebClient,
    respond: Respond,
    logger: Logger,
) -> None:
    """The first page of papers related to the message, ephemeral in its channel."""
    with errors_replied(respond, logger):
        message = read_message(services, shortcut.get("message", {}).get("text") or "")
        request = related_request(message)
        if request is None:
            answer = nothing_to_relate(message)
        else:
            answer = new_search(services, request, reader=user_target(*caller(context)))
        reply_or_message(respond, client, caller(context)[1], answer, logger)


def register(app: App, services: Services) -> None:
    def related(
        shortcut: dict, context: BoltContext, client: WebClient, respond: Respond, logger: Logger
    ) -> None:
        answer(services, shortcut, context, client, respond, logger)

    app.message_shortcut(RELATED)(ack=acknowledge, lazy=[related])
