"""The share modal's submission: checked in the ack, the card posted in the channel lazily.

The card goes out `in_channel` with the sharer's name, unfurling no link (its own title link
would unfurl into a second card), and is recorded so that reactions on it teach. Slack lets
the app post only where it is a member: if it is not, the sharer is told by direct message
how to invite it, and nothing is posted.
"""

from __future__ import annotations

from logging import Logger

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import notice, paper_title
from bot.cards import shared_card
from bot.errors import NotAllowed
from bot.listeners.replies import caller, errors_messaged
from bot.services import Services
from bot.settings_blocks import FormErrors
from bot.share_modal import SHARE_VIEW, ShareRequest, read_share
from bot.targets import people_prefix
from recommender.store.messages import PaperMessage

# The context key by which the ack function hands the checked request to the lazy one.
REQUEST = "papers_share_request"
# What chat.postMessage answers when the app may not post in the picked conversation.
GONE = "That paper is no longer in the archive."
_OUTSIDE = ("not_in_channel", "channel_not_found", "is_archived", "restricted_action")


def check(services: Services, ack: Ack, view: dict, context: BoltContext) -> None:
    """Close the modal with a share to post, or keep it open saying what is missing."""
    try:
        request = read_share(view, services.views_key, user=caller(context)[1])
    except FormErrors as error:
        ack(response_action="errors", errors=error.errors)
        return
    except NotAllowed as error:
        ack(response_action="errors", errors={"share_where": str(error)})
        return
    context[REQUEST] = request
    ack()


def post_share(services: Services, context: BoltContext, client: WebClient, logger: Logger) -> None:
    """Post the card in the picked channel and record it; tell the sharer if Slack refuses."""
    request: ShareRequest | None = context.get(REQUEST)
    if request is None:
        return
    team, user = caller(context)
    with errors_messaged(client, user, logger):
        paper = services.store.get(request.paper_id)
        if paper is None:
            client.chat_postMessage(channel=user, **notice(GONE))
            return
        fans = services.store.profiles.fans(paper.id, prefix=people_prefix(team))
        card = shared_card(paper, fans, user)
        try:
            posted = client.chat_postMessage(
                channel=request.channel, **card, unfurl_links=False, unfurl_media=False
            )
        except SlackApiError as error:
            if error.response.get("error") not in _OUTSIDE:
                raise
            text = (f"I could not share *{paper_title(paper)}* in <#{request.channel}>: I am not "
                    "a member there. Invite me with `/invite @papers` in that channel, then "
                    "press *Share* again.")  # fmt: skip
            client.chat_postMessage(channel=user, **notice(text))
            return
        message = PaperMessage(team, posted["channel"], posted["ts"], paper.id, "share")
        services.store.messages.record(message, now=services.clock())


def register(app: App, services: Services) -> None:
    def ack_share(ack: Ack, view: dict, context: BoltContext) -> None:
        check(services, ack, view, context)

    def share_submitted(context: BoltContext, client: WebClient, logger: Logger) -> None:
        post_share(services, context, client, logger)

    app.view(SHARE_VIEW)(ack=ack_share, lazy=[share_submitted])
