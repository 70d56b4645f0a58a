"""*Share* under search results and on paper cards: open the modal that asks where to post it."""

from __future__ import annotations

from logging import Logger

from slack_bolt import App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks import SHARE
from bot.listeners.replies import acknowledge, caller, errors_replied, pressed_paper
from bot.services import Services
from bot.share_modal import share_modal


def open_share(
    services: Services, body: dict, action: dict, context: BoltContext, client: WebClient,
    respond: Respond,
) -> None:  # fmt: skip
    """The share modal for the pressed paper, on the conversation the button is in."""
    paper = pressed_paper(services.store, action, respond)
    if paper is None:
        return
    channel = (body.get("container") or {}).get("channel_id") or (body.get("channel") or {}).get(
        "id"
    )
    view = share_modal(paper, opener=caller(context)[1], channel=channel, key=services.views_key)
    client.views_open(trigger_id=body["trigger_id"], view=view)


def register(app: App, services: Services) -> None:
    def share(
        body: dict, action: dict, context: BoltContext, client: WebClient, respond: Respond,
        logger: Logger,
    ) -> None:  # fmt: skip
        with errors_replied(respond, logger):
            open_share(services, body, action, context, client, respond)

    app.action(SHARE)(ack=acknowledge, lazy=[share])
