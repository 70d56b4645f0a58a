"""Multi-workspace installs: Bolt's OAuth flow, with installs kept in the app's own database.

On when SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are set; otherwise the app runs for the one
workspace of SLACK_BOT_TOKEN. `GET /slack/install` starts an install and
`GET /slack/oauth_redirect` completes it (Bolt's default paths, served by bot/web.py).

The install and OAuth-state tables are slack_sdk's own (`slack_bots`, `slack_installations`,
`slack_oauth_states`), created at start-up if missing rather than by an Alembic migration:
their shape belongs to slack_sdk, which changes it between versions, and the library's
schema (recommender/store) stays free of Slack. The cost: a new slack_sdk column would need
a manual ALTER TABLE, as slack_sdk's own SQLAlchemy stores expect.

A completed install tells `installed` the workspace (the app resumes there the digests that
its uninstall, or a revoked token, paused) before Bolt's own page says it worked.
"""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import BoltResponse
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine

from bot.config import Settings, SlackMode

# The bot scopes an install asks for; manifest.yml asks for the same (a test checks).
SCOPES = (
    "commands",
    "chat:write",
    "im:write",
    "users:read",
    "channels:history",
    "groups:history",
    "im:history",
    "links:read",
    "links:write",
    "files:write",
    "files:read",
    "reactions:read",
)
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# How long an install link stays valid, in seconds.
STATE_EXPIRATION = 600


def oauth_enabled(settings: Settings) -> bool:
    """Whether the app runs for many workspaces (a half-set pair fails in `Settings`)."""
    return settings.slack_mode is SlackMode.OAUTH


def installation_store(settings: Settings, engine: Engine) -> SQLAlchemyInstallationStore:
    """The installs (bot token per workspace) in the app's database; tables made if missing."""
    store = SQLAlchemyInstallationStore(client_id=settings.slack_client_id, engine=engine)
    store.create_tables()
    return store


def oauth_settings(
    settings: Settings, engine: Engine, installed: Callable[[str], None]
) -> OAuthSettings:
    """Bolt's OAuth flow over the installation and state stores of the app's database;
    `installed` is told the workspace of each completed install of the bot."""
    state_store = SQLAlchemyOAuthStateStore(expiration_seconds=STATE_EXPIRATION, engine=engine)
    state_store.create_tables()

    def success(args: SuccessArgs) -> BoltResponse:
        install = args.installation
        if install.bot_token and install.team_id:
            installed(install.team_id)
        return args.default.success(args)

    def failure(args: FailureArgs) -> BoltResponse:
        return args.default.failure(args)

    return OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=list(SCOPES),
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=installation_store(settings, engine),
        state_store=state_store,
        state_expiration_seconds=STATE_EXPIRATION,
        callback_options=CallbackOptions(success=success, failure=failure),
    )
