"""Who a profile, a subscription and a digest belong to, as the store names them.

The one home of target strings in the app: `user:TEAM:USER` for a person (digest by direct
message), `channel:TEAM:CHANNEL` for a channel. Both are checked by the library's
`recommender.profiles.check_target`, so the store and the app agree on every name. The ids
always come from Slack's signed payload, never from text a person typed.
"""

from __future__ import annotations

from dataclasses import dataclass

from recommender.errors import InvalidTarget
from recommender.profiles import check_target


def user_target(team_id: str, user_id: str) -> str:
    """The target of one person of a workspace."""
    return check_target(f"user:{team_id}:{user_id}")


def channel_target(team_id: str, channel_id: str) -> str:
    """The target of one channel of a workspace."""
    return check_target(f"channel:{team_id}:{channel_id}")


def people_prefix(team_id: str) -> str:
    """What the targets of every person of a workspace start with (see `user_target`)."""
    return f"user:{team_id}:"


def is_direct_message(channel_id: str) -> bool:
    """Whether a Slack channel id is a direct message with the app, which is no channel target."""
    # Slack's ids say the kind of conversation: D for a direct message, C or G for channels.
    return channel_id.startswith("D")


@dataclass(frozen=True)
class Target:
    """A target taken apart: `kind` is "user" or "channel", `id` the user or channel id."""

    kind: str
    team: str
    id: str

    @property
    def is_channel(self) -> bool:
        return self.kind == "channel"


def parse_target(target: str) -> Target:
    """The parts of a user or channel target (InvalidTarget for anything else)."""
    parts = check_target(target).split(":")
    if len(parts) != 3:  # a team profile file (`file:NAME`) is no one in Slack
        raise InvalidTarget(f"{target!r} is not a Slack user or channel")
    return Target(*parts)


def is_channel_target(target: str) -> bool:
    """Whether a digest for `target` goes to a channel (else to one person, or a file)."""
    return target.startswith("channel:")


def is_slack_target(target: str) -> bool:
    """Whether `target` is a person or a channel of a workspace (not a team profile file)."""
    return target.startswith(("user:", "channel:"))
