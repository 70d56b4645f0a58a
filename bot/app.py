"""The Bolt app: a Web API client pointed at SLACK_API_URL, and every listener registered."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import replace
from functools import partial

from slack_bolt import App
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped

from bot import listeners
from bot.client import web_client
from bot.config import Settings, SlackMode
from bot.errors import MissingSetting
from bot.gate import Seen, once_per_event
from bot.listeners.replies import errors_logged
from bot.oauth import oauth_settings
from bot.services import Services
from bot.subscriptions import resume_team

log = logging.getLogger(__name__)


def create_app(settings: Settings, services: Services, *, socket_mode: bool = False) -> App:
    """The app for HTTP mode (requests signed with the signing secret) or Socket Mode.

    One workspace with SLACK_BOT_TOKEN, or any number through OAuth installs when
    SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are set (bot/oauth.py).
    """
    multi = settings.slack_mode is SlackMode.OAUTH
    if settings.slack_mode is SlackMode.NONE:
        raise MissingSetting("SLACK_BOT_TOKEN", "set it to the app's Bot User OAuth Token (xoxb-)")
    if not socket_mode and not settings.slack_signing_secret:
        raise MissingSetting("SLACK_SIGNING_SECRET", "set it to the app's Signing Secret")
    _quiet_token_warning()
    app = App(
        client=web_client(settings),
        signing_secret=settings.slack_signing_secret,
        # Socket Mode messages come over the app's own authenticated connection, unsigned.
        request_verification_enabled=not socket_mode,
        # Each listener only acks in its ack function and works in a lazy one, so the answer
        # to Slack never waits for the work nor for a free thread in Bolt's worker pool.
        process_before_response=True,
        oauth_settings=(
            oauth_settings(settings, services.store.engine, partial(_installed, services))
            if multi
            else None
        ),
    )
    if socket_mode:
        app.middleware(once_per_event(Seen(services.store.handled)))
    listeners.register(app, replace(services, views_key=views_key(settings)))
    if not multi:
        # Bolt checked the token at start: the app is installed in its workspace (again,
        # after an uninstall, with the new token the operator set).
        _installed(services, app.client.auth_test()["team_id"])
    return app


def _installed(services: Services, team: str) -> None:
    """The app is installed in `team`: its digests paused for the app's lost access go on."""
    with errors_logged(log):
        resumed = resume_team(services.store, team, now=services.clock())
        if resumed:
            log.info("installed in %s: resumed %d digests", team, len(resumed))


class _TokenFromClient(logging.Filter):
    """Drops Bolt's warning that the client's token wins over SLACK_BOT_TOKEN: Bolt reads
    the variable itself, and the client holds the very token read from it (or, with OAuth,
    none on purpose: bot/client.py), so the warning only alarms whoever starts the app."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


def _quiet_token_warning() -> None:
    bolt = logging.getLogger("slack_bolt.App")
    if not any(isinstance(f, _TokenFromClient) for f in bolt.filters):
        bolt.addFilter(_TokenFromClient())


def views_key(settings: Settings) -> bytes:
    """The key that seals modal metadata, the same in every process of one deployment."""
    secret = settings.slack_signing_secret or settings.slack_app_token or ""
    return hashlib.sha256(b"papers: modal metadata\0" + secret.encode()).digest()
