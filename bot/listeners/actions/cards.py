"""The buttons of an unfurled paper card: the presser's own verdict, answered to them alone.

An unfurl is in a channel for everyone to see, but what a press teaches and saves is the
presser's (from Slack's signed payload), and the answer is ephemeral: the card stays as it is.
"""

from __future__ import annotations

from logging import Logger

from slack_bolt import App, BoltContext, Respond

from bot.blocks import notice, paper_title, results_message
from bot.cards import CARD_MORE, CARD_NOT_INTERESTED, CARD_SAVE
from bot.listeners.replies import acknowledge, caller, errors_replied, pressed_paper, reply
from bot.search import SearchRequest, run
from bot.services import Services
from bot.subscriptions import save_paper
from bot.targets import user_target
from recommender.matching import record_feedback


def save(services: Services, action: dict, context: BoltContext, respond: Respond) -> None:
    """Keep the paper on the presser's saved list (their profile learns from it)."""
    paper = pressed_paper(services.store, action, respond)
    if paper is None:
        return
    target = user_target(*caller(context))
    added = save_paper(services.store, target, paper.id, learner=target, now=services.clock())
    title = paper_title(paper)
    text = f"🔖 Saved *{title}*: `/papers saved` lists your saved papers."
    reply(respond, notice(text if added else f"*{title}* was already saved."))


def more_like_this(
    services: Services, action: dict, context: BoltContext, respond: Respond
) -> None:
    """Papers like this one, as a search's first page; the presser's profile learns."""
    paper = pressed_paper(services.store, action, respond)
    if paper is None:
        return
    page = run(services.engine, services.store, SearchRequest(like=paper.id))
    record_feedback(
        services.store, user_target(*caller(context)), paper.id, "more", now=services.clock()
    )
    reply(respond, results_message(page))


def not_interested(
    services: Services, action: dict, context: BoltContext, respond: Respond
) -> None:
    """The presser's "not for me", learned at once."""
    paper = pressed_paper(services.store, action, respond)
    if paper is None:
        return
    target = user_target(*caller(context))
    record_feedback(services.store, target, paper.id, "not_interested", now=services.clock())
    reply(respond, notice(f"👎 Noted: fewer papers like *{paper_title(paper)}* for you."))


ANSWERS = {CARD_SAVE: save, CARD_MORE: more_like_this, CARD_NOT_INTERESTED: not_interested}


def register(app: App, services: Services) -> None:
    def card_button(action: dict, context: BoltContext, respond: Respond, logger: Logger) -> None:
        with errors_replied(respond, logger):
            ANSWERS[action["action_id"]](services, action, context, respond)

    for action_id in ANSWERS:
        app.action(action_id)(ack=acknowledge, lazy=[card_button])
