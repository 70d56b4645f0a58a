"""The "Not interested" button under a search result: the person's verdict, learned at once."""

from __future__ import annotations

from logging import Logger

from slack_bolt import App, BoltContext, Respond

from bot.blocks import NOT_INTERESTED, notice
from bot.listeners.replies import acknowledge, caller, errors_replied, pressed_paper, reply
from bot.mrkdwn import escape, truncate
from bot.services import Services
from bot.targets import user_target
from recommender.matching import record_feedback


def answer(
    services: Services, action: dict, context: BoltContext, respond: Respond, logger: Logger
) -> None:
    """Record the verdict on the paper whose button was pressed, and confirm it."""
    with errors_replied(respond, logger):
        paper = pressed_paper(services.store, action, respond)
        if paper is None:
            return
        target = user_target(*caller(context))
        now = services.clock()
        record_feedback(services.store, target, paper.id, "not_interested", now=now)
        reply(respond, notice(f"Noted: *{escape(truncate(paper.title, 150))}* is not for you."))


def register(app: App, services: Services) -> None:
    def not_interested(
        action: dict, context: BoltContext, respond: Respond, logger: Logger
    ) -> None:
        answer(services, action, context, respond, logger)

    app.action(NOT_INTERESTED)(ack=acknowledge, lazy=[not_interested])
