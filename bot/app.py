"""The Bolt app: a Web API client pointed at SLACK_API_URL, and every listener registered."""

from __future__ import annotations

import hashlib
from dataclasses import replace

from slack_bolt import App

from bot import listeners
from bot.client import web_client
from bot.config import Settings, SlackMode
from bot.errors import MissingSetting
from bot.oauth import oauth_settings
from bot.services import Services


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
    app = App(
        client=web_client(settings),
        signing_secret=settings.slack_signing_secret,
        # Socket Mode messages come over the app's own authenticated connection, unsigned.
        request_verification_enabled=not socket_mode,
        # Each listener only acks in its ack function and works in a lazy one, so the answer
        # to Slack never waits for the work nor for a free thread in Bolt's worker pool.
        process_before_response=True,
        oauth_settings=oauth_settings(settings, services.store.engine) if multi else None,
    )
    listeners.register(app, replace(services, views_key=views_key(settings)))
    return app


def views_key(settings: Settings) -> bytes:
    """The key that seals modal metadata, the same in every process of one deployment."""
    secret = settings.slack_signing_secret or settings.slack_app_token or ""
    return hashlib.sha256(b"papers: modal metadata\0" + secret.encode()).digest()
