"""Named errors of the Slack app, turned into an ephemeral reply or a CLI message at the edge."""

from __future__ import annotations

from recommender.errors import PapersError


class SettingsError(PapersError):
    """An environment variable holds a value the setting cannot take; the message names it."""


class MissingSetting(SettingsError):
    """A setting the command needs is not in the environment; the message names the variable."""

    def __init__(self, variable: str, why: str) -> None:
        super().__init__(f"{variable} is not set: {why}")
        self.variable = variable


class UsageError(PapersError):
    """The text of a slash command cannot be understood; the message says how to fix it."""


class StaleButton(PapersError):
    """A button's value is not one this version of the app made (or it was tampered with)."""


class SlackRefused(PapersError):
    """Slack answered the app's start-up calls with an error (a wrong token, most often)."""


class WebProcessFailed(PapersError):
    """One of `papers serve`'s web processes stopped before it could serve (its error is above)."""


class NotInstalled(PapersError):
    """A digest is due in a workspace where the app has no install (multi-workspace mode)."""


class NotAllowed(PapersError):
    """Someone tried to change settings that are not theirs (or a view was tampered with)."""


class UnknownDigest(PapersError):
    """A button of a digest message the delivery ledger does not hold (not one it posted)."""
