"""The Web API client, the same for the listeners and for digest delivery."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.config import Settings, SlackMode

# A rate-limited call waits Retry-After seconds and tries again, up to this many times.
RATE_LIMIT_RETRIES = 3


def web_client(settings: Settings) -> WebClient:
    """A client for SLACK_API_URL that honours Retry-After when Slack rate-limits a call.

    It holds the bot token in single-workspace mode; with OAuth installs, none (each
    request and each delivery uses the token of its workspace's install).
    """
    token = None if settings.slack_mode is SlackMode.OAUTH else settings.slack_bot_token
    client = WebClient(token=token, base_url=settings.slack_api_url)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES))
    return client
