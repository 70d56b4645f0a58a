"""What the app asks Slack about a person: their time zone (`users.info`, scope users:read)."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from recommender.schedule import ScheduleError, time_zone

log = logging.getLogger(__name__)

# Where digests go when Slack gives no usable zone; replies say so, and settings change it.
FALLBACK_TZ = "UTC"


def slack_time_zone(client: WebClient, user_id: str) -> str | None:
    """The person's IANA time zone as set in Slack, or None when Slack gives none usable."""
    try:
        tz = client.users_info(user=user_id)["user"].get("tz")
    except (SlackApiError, KeyError, TypeError):
        log.warning("users.info gave no time zone for %s", user_id, exc_info=True)
        return None
    try:
        time_zone(tz)
    except ScheduleError:
        return None
    return tz
