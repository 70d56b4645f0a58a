"""The buttons under each paper of a digest: learned at once, shown in the message.

Whose profile learns comes from where the digest is, as Slack's signed payload says: the
presser's own in a direct message, the channel's in a channel, with the presser named.
"Save" is personal wherever it is pressed: the presser's saved list and profile; in a
channel only the presser sees the note, so that the buttons stay for the others. "More
like this" also shows the presser papers like the pressed one, as under a search.

The message is then drawn again from the store (`bot.redraw.digest_card`), so that
presses in quick succession all show.
"""

from __future__ import annotations

from logging import Logger

from slack_bolt import App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks import DIGEST_MORE, DIGEST_NOT_INTERESTED, DIGEST_SAVE
from bot.listeners.replies import acknowledge, caller, errors_replied, pressed_paper, reply
from bot.redraw import digest_card, new_search, own_note
from bot.search import SearchRequest
from bot.services import Services
from bot.subscriptions import save_paper
from bot.targets import channel_target, is_direct_message, user_target
from recommender.matching import record_feedback

FEEDBACK = {DIGEST_MORE: "more", DIGEST_SAVE: "save", DIGEST_NOT_INTERESTED: "not_interested"}


def answer(
    services: Services,
    body: dict,
    action: dict,
    context: BoltContext,
    client: WebClient,
    respond: Respond,
    logger: Logger,
) -> None:
    """Learn from the press, then redraw the message with its note (or tell the presser)."""
    with errors_replied(respond, logger):
        paper = pressed_paper(services.store, action, respond)
        if paper is None:
            return
        team, user = caller(context)
        own = user_target(team, user)
        target = digest_target(body, team, user)
        feedback, now = FEEDBACK[action["action_id"]], services.clock()
        if feedback == "save":
            save_paper(services.store, own, paper.id, presser=user, now=now)
        else:
            record_feedback(services.store, target, paper.id, feedback, now=now, presser=user)
        if feedback == "save" and target != own:
            press = services.store.profiles.presses(own, [paper.id])[paper.id]
            reply(respond, own_note(paper, press))
        else:
            update_digest(services, client, body, action, target)
        if feedback == "more":
            reply(respond, new_search(services, SearchRequest(like=paper.id), reader=own))


def digest_target(body: dict, team: str, user: str) -> str:
    """Whose digest the pressed message is: the channel's, or in a direct message the
    presser's own."""
    channel = body["container"]["channel_id"]
    return user_target(team, user) if is_direct_message(channel) else channel_target(team, channel)


def update_digest(
    services: Services, client: WebClient, body: dict, action: dict, target: str
) -> None:
    """Replace the pressed digest message with itself drawn again from the store."""
    channel, ts = body["container"]["channel_id"], body["message"]["ts"]
    post = {"channel": channel, "ts": ts}
    message = digest_card(services, target, post, revision=action["action_ts"])
    client.chat_update(channel=channel, ts=ts, **message)


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
