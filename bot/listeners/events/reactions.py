"""`reaction_added` / `reaction_removed`: an emoji on a message that names one paper teaches
the person who reacted, as the button it stands for would; taking it off undoes that.

Only messages the app recorded count (an unfurl of one paper, a shared card, a digest pick:
`store.messages`); a reaction anywhere else does nothing. It always teaches the reactor's own
profile and saved list, even in a channel with a digest: a reaction is one person's verdict,
and a channel's profile changes only through its settings. Slack's retries are dropped at the
gate (bot/gate.py); a retry that comes after a restart finds the reaction already stored and
changes nothing (recommender/reactions.py).
"""

from __future__ import annotations

from logging import Logger

from slack_bolt import App, BoltContext

from bot.listeners.replies import acknowledge, errors_logged
from bot.reactions import verdict
from bot.services import Services
from bot.targets import user_target
from recommender.reactions import react, unreact
from recommender.store.messages import PaperMessage


def reacted(services: Services, event: dict, context: BoltContext, logger: Logger) -> None:
    """Teach the reactor the verdict of their emoji, if it is on a recorded paper message."""
    with errors_logged(logger):
        found = _reacted_on(services, event, context)
        action = verdict(services.reactions, event.get("reaction", ""))
        if found is None or action is None:
            return
        message, reactor = found
        react(services.store, message, reactor, event["reaction"], action, now=services.clock())


def unreacted(services: Services, event: dict, context: BoltContext, logger: Logger) -> None:
    """Undo what the removed emoji taught, if it taught anything."""
    with errors_logged(logger):
        found = _reacted_on(services, event, context)
        if found is None:
            return
        message, reactor = found
        unreact(services.store, message, reactor, event.get("reaction", ""), now=services.clock())


def _reacted_on(
    services: Services, event: dict, context: BoltContext
) -> tuple[PaperMessage, str] | None:
    """The recorded message reacted on and the reactor's target, or None."""
    item, team = event.get("item") or {}, context.team_id or context.enterprise_id
    if item.get("type") != "message" or not context.user_id:
        return None
    message = services.store.messages.find(team, item.get("channel", ""), item.get("ts", ""))
    return None if message is None else (message, user_target(team, context.user_id))


def register(app: App, services: Services) -> None:
    def reaction_added(event: dict, context: BoltContext, logger: Logger) -> None:
        reacted(services, event, context, logger)

    def reaction_removed(event: dict, context: BoltContext, logger: Logger) -> None:
        unreacted(services, event, context, logger)

    app.event("reaction_added")(ack=acknowledge, lazy=[reaction_added])
    app.event("reaction_removed")(ack=acknowledge, lazy=[reaction_removed])
