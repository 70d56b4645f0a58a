"""Undo under the notice of a change to a channel's digest: the settings before it come
back, and the notice says who undid it (in place, so Undo is not pressed twice)."""

from __future__ import annotations

from logging import Logger

from slack_bolt import App, BoltContext, Respond

from bot import subscriptions
from bot.control_blocks import UNDO_CHANGE, undone_notice
from bot.errors import StaleButton
from bot.listeners.replies import acknowledge, caller, errors_replied
from bot.services import Services
from bot.targets import user_target


def answer(
    services: Services, action: dict, context: BoltContext, respond: Respond, logger: Logger
) -> None:
    """Undo the change the button names, if the presser may (its changer, or the owner)."""
    with errors_replied(respond, logger):
        if not action["value"].isdigit():
            raise StaleButton("This Undo button is not one I made.")
        presser = user_target(*caller(context))
        change, undo = subscriptions.undo(
            services.store, int(action["value"]), presser, now=services.clock()
        )
        respond(**undone_notice(undo, change), response_type="in_channel", replace_original=True)


def register(app: App, services: Services) -> None:
    def undo_change(action: dict, context: BoltContext, respond: Respond, logger: Logger) -> None:
        answer(services, action, context, respond, logger)

    app.action(UNDO_CHANGE)(ack=acknowledge, lazy=[undo_change])
