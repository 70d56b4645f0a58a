"""Undo on the note of a press under a search result (or the presser's own note): the
press taken back, and the buttons back on the card."""

from __future__ import annotations

from logging import Logger

from slack_bolt import App, BoltContext, Respond

from bot.blocks import UNDO, card_of, notice, paper_title
from bot.listeners.replies import acknowledge, caller, errors_replied, pressed_paper, reply
from bot.redraw import results_card
from bot.services import Services
from bot.targets import user_target
from recommender.matching import undo_feedback


def answer(
    services: Services, action: dict, context: BoltContext, respond: Respond, logger: Logger
) -> None:
    """Take back the presser's own latest press on the paper; redraw the card in place."""
    with errors_replied(respond, logger):
        paper = pressed_paper(services.store, action, respond)
        if paper is None:
            return
        team, user = caller(context)
        reader = user_target(team, user)
        undo_feedback(services.store, reader, paper.id, presser=user, now=services.clock())
        card = card_of(action["block_id"])
        if card is None:
            message = notice(f"Undone: *{paper_title(paper)}* is as it was before you pressed.")
        else:
            search_id, offset = card
            revision = action["action_ts"]
            message = results_card(services, search_id, offset, reader=reader, revision=revision)
        reply(respond, message, replace_original=True)


def register(app: App, services: Services) -> None:
    def undo(action: dict, context: BoltContext, respond: Respond, logger: Logger) -> None:
        answer(services, action, context, respond, logger)

    app.action(UNDO)(ack=acknowledge, lazy=[undo])
