"""The "More like this" button under a search result: learn from it, and show similar papers."""

from __future__ import annotations

from logging import Logger

from slack_bolt import App, BoltContext, Respond

from bot.blocks import MORE_LIKE_THIS
from bot.listeners.replies import acknowledge, caller, errors_replied, pressed_paper, reply
from bot.redraw import after_press, new_search
from bot.search import SearchRequest
from bot.services import Services
from bot.targets import user_target
from recommender.matching import record_feedback


def answer(
    services: Services, action: dict, context: BoltContext, respond: Respond, logger: Logger
) -> None:
    """Learn the press and show it on the card, then reply with papers like the pressed one."""
    with errors_replied(respond, logger):
        paper = pressed_paper(services.store, action, respond)
        if paper is None:
            return
        # Search results are the presser's alone (ephemeral): their profile learns.
        team, user = caller(context)
        reader = user_target(team, user)
        now = services.clock()
        record_feedback(services.store, reader, paper.id, "more", now=now, presser=user)
        message, in_place = after_press(services, action, reader, paper)
        reply(respond, message, replace_original=in_place)
        reply(respond, new_search(services, SearchRequest(like=paper.id), reader=reader))


def register(app: App, services: Services) -> None:
    def more_like_this(
        action: dict, context: BoltContext, respond: Respond, logger: Logger
    ) -> None:
        answer(services, action, context, respond, logger)

    app.action(MORE_LIKE_THIS)(ack=acknowledge, lazy=[more_like_this])
