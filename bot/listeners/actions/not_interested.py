"""The "Not interested" button under a search result: the person's verdict, learned at once."""

from __future__ import annotations

from logging import Logger

from slack_bolt import App, BoltContext, Respond

from bot.blocks import NOT_INTERESTED
from bot.listeners.replies import acknowledge, caller, errors_replied, pressed_paper, reply
from bot.redraw import after_press
from bot.services import Services
from bot.targets import user_target
from recommender.matching import record_feedback


def answer(
    services: Services, action: dict, context: BoltContext, respond: Respond, logger: Logger
) -> None:
    """Record the verdict on the paper whose button was pressed, and show it on the card."""
    with errors_replied(respond, logger):
        paper = pressed_paper(services.store, action, respond)
        if paper is None:
            return
        team, user = caller(context)
        reader = user_target(team, user)
        now = services.clock()
        record_feedback(services.store, reader, paper.id, "not_interested", now=now, presser=user)
        message, in_place = after_press(services, action, reader, paper)
        reply(respond, message, replace_original=in_place)


def register(app: App, services: Services) -> None:
    def not_interested(
        action: dict, context: BoltContext, respond: Respond, logger: Logger
    ) -> None:
        answer(services, action, context, respond, logger)

    app.action(NOT_INTERESTED)(ack=acknowledge, lazy=[not_interested])
