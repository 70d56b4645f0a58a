"""The "Save" button under a search result: keep the paper in the presser's list, and learn."""

from __future__ import annotations

from logging import Logger

from slack_bolt import App, BoltContext, Respond

from bot.blocks import SAVE, notice
from bot.listeners.replies import acknowledge, caller, errors_replied, pressed_paper, reply
from bot.mrkdwn import escape, truncate
from bot.services import Services
from bot.subscriptions import save_paper
from bot.targets import user_target


def answer(
    services: Services, action: dict, context: BoltContext, respond: Respond, logger: Logger
) -> None:
    """Save the paper for the person in the verified payload, and say so."""
    with errors_replied(respond, logger):
        paper = pressed_paper(services.store, action, respond)
        if paper is None:
            return
        # Whose list it is comes from Slack's signed payload, never from the button's value.
        target = user_target(*caller(context))
        added = save_paper(services.store, target, paper.id, learner=target, now=services.clock())
        title = escape(truncate(paper.title, 150))
        reply(respond, notice(f"Saved *{title}*." if added else f"*{title}* was already saved."))


def register(app: App, services: Services) -> None:
    def save_paper(action: dict, context: BoltContext, respond: Respond, logger: Logger) -> None:
        answer(services, action, context, respond, logger)

    app.action(SAVE)(ack=acknowledge, lazy=[save_paper])
