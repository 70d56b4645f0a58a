"""*Save paper* on a message: the papers it links to go on the person's saved list."""

from __future__ import annotations

from logging import Logger

from slack_bolt import App, BoltContext, Respond
from slack_sdk import WebClient

from bot.linked import read_message, saved_notice
from bot.listeners.replies import acknowledge, caller, errors_replied, reply_or_message
from bot.services import Services
from bot.subscriptions import save_paper
from bot.targets import user_target

SAVE = "papers_save"


def answer(
    services: Services,
    shortcut: dict,
    context: BoltContext,
    client: WebClient,
    respond: Respond,
    logger: Logger,
) -> None:
    """Save each linked paper found for the person (their profile learns), and say which."""
    with errors_replied(respond, logger):
        message = read_message(services, shortcut.get("message", {}).get("text") or "")
        team, user = caller(context)
        target, now = user_target(team, user), services.clock()
        added, kept = [], []
        for paper in message.papers.values():
            new = save_paper(services.store, target, paper.id, presser=user, now=now)
            (added if new else kept).append(paper)
        reply_or_message(respond, client, user, saved_notice(message, added, kept), logger)


def register(app: App, services: Services) -> None:
    def save(
        shortcut: dict, context: BoltContext, client: WebClient, respond: Respond, logger: Logger
    ) -> None:
        answer(services, shortcut, context, client, respond, logger)

    app.message_shortcut(SAVE)(ack=acknowledge, lazy=[save])
