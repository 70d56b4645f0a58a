"""The "More like this" button under a search result: learn from it, and show similar papers."""

from __future__ import annotations

from logging import Logger

from slack_bolt import App, BoltContext, Respond

from bot.blocks import MORE_LIKE_THIS, results_message
from bot.listeners.replies import acknowledge, caller, errors_replied, reply
from bot.search import SearchRequest, run
from bot.services import Services
from bot.targets import user_target
from recommender.matching import record_feedback


def answer(
    services: Services, action: dict, context: BoltContext, respond: Respond, logger: Logger
) -> None:
    """Reply with the first page of papers like the one whose button was pressed."""
    with errors_replied(respond, logger):
        page = run(services.engine, services.store, SearchRequest(like=action["value"]))
        if page.seed is not None:
            # Search results are the presser's alone (ephemeral): their profile learns.
            target = user_target(*caller(context))
            record_feedback(services.store, target, page.seed.id, "more", now=services.clock())
        reply(respond, results_message(page))


def register(app: App, services: Services) -> None:
    def more_like_this(
        action: dict, context: BoltContext, respond: Respond, logger: Logger
    ) -> None:
        answer(services, action, context, respond, logger)

    app.action(MORE_LIKE_THIS)(ack=acknowledge, lazy=[more_like_this])
