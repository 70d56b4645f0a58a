"""Undo on the note of a press in a digest: the press taken back, the buttons back.

In a channel only whoever pressed can undo it (`recommender.matching.undo_feedback`).
"""

from __future__ import annotations

from logging import Logger

from slack_bolt import App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks import DIGEST_UNDO
from bot.listeners.actions.digest_feedback import digest_target, update_digest
from bot.listeners.replies import acknowledge, caller, errors_replied
from bot.services import Services
from recommender.matching import undo_feedback


def answer(
    services: Services,
    body: dict,
    action: dict,
    context: BoltContext,
    client: WebClient,
    respond: Respond,
    logger: Logger,
) -> None:
    """Take back the latest press on the paper, then redraw the message from the store."""
    with errors_replied(respond, logger):
        team, user = caller(context)
        target = digest_target(body, team, user)
        now = services.clock()
        undo_feedback(services.store, target, action["value"], presser=user, now=now)
        update_digest(services, client, body, action, target)


def register(app: App, services: Services) -> None:
    def digest_undo(
        body: dict,
        action: dict,
        context: BoltContext,
        client: WebClient,
        respond: Respond,
        logger: Logger,
    ) -> None:
        answer(services, body, action, context, client, respond, logger)

    app.action(DIGEST_UNDO)(ack=acknowledge, lazy=[digest_undo])
