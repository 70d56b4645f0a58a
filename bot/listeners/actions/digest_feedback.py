"""The buttons under each paper of a digest: learned at once, acknowledged in the message.

Whose profile learns comes from where the digest is, as Slack's signed payload says: the
presser's own in a direct message, the channel's in a channel. "Save" always goes to the
presser's own saved list; in a channel only the presser hears about it, so that the
buttons stay for the others.
"""

from __future__ import annotations

from logging import Logger

from slack_bolt import App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks import DIGEST_MORE, DIGEST_NOT_INTERESTED, DIGEST_SAVE, noted, notice, paper_title
from bot.listeners.replies import acknowledge, caller, errors_replied, pressed_paper, reply
from bot.services import Services
from bot.subscriptions import save_paper
from bot.targets import channel_target, is_direct_message, user_target
from recommender.matching import record_feedback

FEEDBACK = {DIGEST_MORE: "more", DIGEST_SAVE: "save", DIGEST_NOT_INTERESTED: "not_interested"}
NOTES = {
    "more": "👍 Noted: more papers like this one in {whose} next digests.",
    "not_interested": "👎 Noted: fewer papers like this one in {whose} next digests.",
    "save": "🔖 Saved: `/papers saved` lists your saved papers.",
}


def answer(
    services: Services,
    body: dict,
    action: dict,
    context: BoltContext,
    client: WebClient,
    respond: Respond,
    logger: Logger,
) -> None:
    """Learn from the press, then replace the paper's buttons with a note (or tell the presser)."""
    with errors_replied(respond, logger):
        paper = pressed_paper(services.store, action, respond)
        if paper is None:
            return
        team, user = caller(context)
        channel = body["container"]["channel_id"]
        in_channel = not is_direct_message(channel)
        target = channel_target(team, channel) if in_channel else user_target(team, user)
        feedback, now = FEEDBACK[action["action_id"]], services.clock()
        if feedback == "save":
            save_paper(services.store, user_target(team, user), paper.id, learner=target, now=now)
        else:
            record_feedback(services.store, target, paper.id, feedback, now=now)
        if in_channel and feedback == "save":
            reply(respond, notice(f"Saved *{paper_title(paper)}*: `/papers saved` lists them."))
            return
        note = NOTES[feedback].format(whose="this channel's" if in_channel else "your")
        message = body["message"]
        blocks = noted(message["blocks"], action["value"], note)
        client.chat_update(channel=channel, ts=message["ts"], text=message["text"], blocks=blocks)


def register(app: App, services: Services) -> None:
    def digest_feedback(
        body: dict,
        action: dict,
        context: BoltContext,
        client: WebClient,
        respond: Respond,
        logger: Logger,
    ) -> None:
        answer(services, body, action, context, client, respond, logger)

    for action_id in FEEDBACK:
        app.action(action_id)(ack=acknowledge, lazy=[digest_feedback])
