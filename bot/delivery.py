"""Digests on Slack: the outlet through which `recommender.delivery.Deliverer` posts them.

A digest becomes Block Kit messages (`bot.blocks`), each posted to the target's channel or
to the direct message with the person, at most one a second per channel. With OAuth
installs, each team's messages go with that team's bot token.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store import InstallationStore

from bot.blocks import BlockKitDigests
from bot.client import web_client
from bot.config import Settings
from bot.errors import NotInstalled
from bot.oauth import installation_store, oauth_enabled
from bot.targets import parse_target
from recommender.delivery import failure_reason
from recommender.store import Store

# Slack allows about one message a second per channel (docs.slack.dev/apis/web-api/rate-limits).
PACE_SECONDS = 1.0


class Pacer:
    """At most one message every `interval` seconds to each channel."""

    def __init__(
        self,
        sleep: Callable[[float], None],
        interval: float = PACE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sleep = sleep
        self.interval = interval
        self.monotonic = monotonic
        self._last: dict[str, float] = {}

    def wait(self, channel: str) -> None:
        """Sleep until `channel` may get its next message."""
        last = self._last.get(channel)
        if last is not None:
            left = self.interval - (self.monotonic() - last)
            if left > 0:
                self.sleep(left)
        self._last[channel] = self.monotonic()


class SlackOutlet(BlockKitDigests):
    """Posts to the channel of a channel target, or the direct message with a person.

    `client` is the app's Web API client (base URL, RateLimitErrorRetryHandler); with
    `installations` (multi-workspace installs), each team's bot token comes from there.
    `sleep` paces the posts to one a second per channel; tests pass a no-op.
    """

    def __init__(
        self,
        client: WebClient,
        *,
        installations: InstallationStore | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.installations = installations
        self.pacer = Pacer(sleep)

    def post(self, target: str, message: dict) -> dict:
        where = parse_target(target)
        client = self.client_for(where.team)
        channel = where.id if where.is_channel else self._direct(client, where.id)
        self.pacer.wait(channel)
        # No unfurls: a digest of five links would otherwise grow five previews.
        posted = client.chat_postMessage(
            channel=channel, **message, unfurl_links=False, unfurl_media=False
        )
        return {"channel": posted["channel"], "ts": posted["ts"]}

    def reason(self, error: Exception) -> str:
        """Slack's error code, or the error's class and message."""
        if isinstance(error, SlackApiError):
            return f"slack: {error.response.get('error', 'error')}"
        return failure_reason(error)

    def client_for(self, team: str) -> WebClient:
        """The client with the bot token of `team`'s install."""
        if self.installations is None:
            return self.client
        bot = self.installations.find_bot(enterprise_id=None, team_id=team)
        if bot is None:
            raise NotInstalled(f"the app is not installed in team {team}")
        template = self.client
        return WebClient(
            token=bot.bot_token,
            base_url=template.base_url,
            retry_handlers=list(template.retry_handlers),
        )

    @staticmethod
    def _direct(client: WebClient, user: str) -> str:
        """The direct message channel with `user` (the same one each time)."""
        return client.conversations_open(users=user)["channel"]["id"]


def slack_outlet(settings: Settings, store: Store) -> SlackOutlet:
    """The outlet of `settings`: the bot token's workspace, or every OAuth install."""
    installs = installation_store(settings, store.engine) if oauth_enabled(settings) else None
    return SlackOutlet(web_client(settings), installations=installs)
