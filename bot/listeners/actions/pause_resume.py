"""Pause and Resume: in the Home tab (the person's own digest, and the channel digests they
set up), and in the direct message that tells the owner a channel digest cannot be posted."""

from __future__ import annotations

from logging import Logger

from slack_bolt import App, BoltContext, Respond
from slack_sdk import WebClient

from bot import subscriptions
from bot.control_blocks import PAUSE, RESUME, state_message
from bot.listeners.replies import acknowledge, caller, errors_messaged, errors_replied
from bot.services import Services
from bot.show_settings import publish_home
from bot.targets import user_target


def answer(
    services: Services,
    body: dict,
    action: dict,
    context: BoltContext,
    client: WebClient,
    respond: Respond,
    logger: Logger,
) -> None:
    """Pause or resume the digest the button names, if it is the presser's to control; then
    show the new state where the button was (the Home tab, or the message in place)."""
    team, user = caller(context)
    in_home = (body.get("container") or {}).get("type") == "view"
    boundary = errors_messaged(client, user, logger) if in_home else errors_replied(respond, logger)
    with boundary:
        state = subscriptions.set_paused(
            services.store,
            action["value"],
            user_target(team, user),
            paused=action["action_id"] == PAUSE,
            now=services.clock(),
        )
        if in_home:
            publish_home(services, client, team=team, user=user)
        else:
            respond(**state_message(state), replace_original=True)


def register(app: App, services: Services) -> None:
    def pause_or_resume(
        body: dict,
        action: dict,
        context: BoltContext,
        client: WebClient,
        respond: Respond,
        logger: Logger,
    ) -> None:
        answer(services, body, action, context, client, respond, logger)

    for action_id in (PAUSE, RESUME):
        app.action(action_id)(ack=acknowledge, lazy=[pause_or_resume])
