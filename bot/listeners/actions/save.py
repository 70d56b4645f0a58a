"""The "Save" button under a search result: keep the paper in the presser's list, and learn."""

from __future__ import annotations

from logging import Logger

from slack_bolt import App, BoltContext, Respond

from bot.blocks import SAVE
from bot.listeners.replies import acknowledge, caller, errors_replied, pressed_paper, reply
from bot.redraw import after_press
from bot.services import Services
from bot.subscriptions import save_paper
from bot.targets import user_target


def answer(
    services: Services, action: dict, context: BoltContext, respond: Respond, logger: Logger
) -> None:
    """Save the paper for the person in the verified payload, and show it on the card."""
    with errors_replied(respond, logger):
        paper = pressed_paper(services.store, action, respond)
        if paper is None:
            return
        # Whose list it is comes from Slack's signed payload, never from the button's value.
        team, user = caller(context)
        reader = user_target(team, user)
        save_paper(services.store, reader, paper.id, presser=user, now=services.clock())
        message, in_place = after_press(services, action, reader, paper)
        reply(respond, message, replace_original=in_place)


def register(app: App, services: Services) -> None:
    def save_paper(action: dict, context: BoltContext, respond: Respond, logger: Logger) -> None:
        answer(services, action, context, respond, logger)

    app.action(SAVE)(ack=acknowledge, lazy=[save_paper])
