"""`app_uninstalled` and `tokens_revoked`: the workspace's install is removed and its digests
stop (paused, so that a new install resumes them with their settings: bot/app.py). Before,
an uninstalled workspace's digests were tried every tick."""

from __future__ import annotations

from logging import Logger

from slack_bolt import App, BoltContext
from slack_sdk.oauth.installation_store import InstallationStore

from bot.listeners.replies import acknowledge, errors_logged
from bot.services import Services
from bot.subscriptions import REVOKED, UNINSTALLED, stop_team


def uninstalled(
    services: Services,
    installations: InstallationStore | None,
    context: BoltContext,
    logger: Logger,
) -> None:
    """Forget every install of the workspace (with OAuth installs) and stop its digests."""
    with errors_logged(logger):
        team, enterprise = context.team_id, context.enterprise_id
        if installations is not None:
            installations.delete_all(enterprise_id=enterprise, team_id=team)
        stopped = stop_team(services.store, team, UNINSTALLED, now=services.clock())
        logger.info("uninstalled from %s: paused %d digests", team, len(stopped))


def revoked(
    services: Services,
    installations: InstallationStore | None,
    event: dict,
    context: BoltContext,
    logger: Logger,
) -> None:
    """Forget the revoked tokens; when the bot's is among them, stop the workspace's digests
    (the app posts only with the bot token: a person's revoked token stops nothing)."""
    with errors_logged(logger):
        team, enterprise = context.team_id, context.enterprise_id
        tokens = event.get("tokens") or {}
        if installations is not None:
            for user in tokens.get("oauth") or []:
                installations.delete_installation(
                    enterprise_id=enterprise, team_id=team, user_id=user
                )
        if not tokens.get("bot"):
            return
        if installations is not None:
            installations.delete_bot(enterprise_id=enterprise, team_id=team)
        stopped = stop_team(services.store, team, REVOKED, now=services.clock())
        logger.info("bot token revoked in %s: paused %d digests", team, len(stopped))


def register(app: App, services: Services) -> None:
    installations = app.installation_store if app.oauth_flow is not None else None

    def on_uninstall(context: BoltContext, logger: Logger) -> None:
        uninstalled(services, installations, context, logger)

    def on_revoke(event: dict, context: BoltContext, logger: Logger) -> None:
        revoked(services, installations, event, context, logger)

    app.event("app_uninstalled")(ack=acknowledge, lazy=[on_uninstall])
    app.event("tokens_revoked")(ack=acknowledge, lazy=[on_revoke])
