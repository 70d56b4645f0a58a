"""When a digest is due: a local time of day in an IANA time zone, on chosen days.

Times are wall-clock times in the target's own zone (`zoneinfo`, not a fixed offset), so a
09:00 digest stays at 09:00 across daylight-saving changes. A local time that a spring-forward
skips (02:30 on the night clocks jump from 02:00 to 03:00) is delivered at the same offset
as before the jump, i.e. at 03:30 local; a time a fall-back repeats is delivered once, the
first time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from recommender.errors import PapersError

FREQUENCIES = ("daily", "weekdays", "weekly")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class ScheduleError(PapersError):
    """A schedule setting that cannot be used (unknown zone, bad time, unknown frequency)."""


def time_zone(name: str) -> ZoneInfo:
    """The IANA time zone `name` (e.g. Europe/Paris); ScheduleError if there is none such."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError) as error:
        # OSError: a name that is a folder of the zone database ("Europe"), or too long;
        # TypeError: not a string at all (Slack's `tz` may be missing or null).
        raise ScheduleError(f"time zone {name!r}: use an IANA name such as Europe/Paris") from error


def zone_name(name: str) -> str:
    """The IANA name of the zone `name` spells in any case (`europe/paris`: Europe/Paris);
    ScheduleError if there is none such."""
    if isinstance(name, str):
        name = _zone_names().get(name.casefold(), name)
    time_zone(name)
    return name


@cache
def _zone_names() -> dict[str, str]:
    # The zone files' names are case-sensitive on most systems; people type them as they like.
    return {zone.casefold(): zone for zone in available_timezones()}


@dataclass(frozen=True)
class Schedule:
    """Deliver at `at` local time in `tz`: daily, on weekdays, or weekly on `weekday`."""

    frequency: str = "daily"
    at: str = "09:00"
    tz: str = "UTC"
    weekday: str = "monday"
    paused_until: date | None = None

    def __post_init__(self) -> None:
        if self.frequency not in FREQUENCIES:
            raise ScheduleError(
                f"frequency {self.frequency!r}: use one of {', '.join(FREQUENCIES)}"
            )
        if self.weekday not in WEEKDAYS:
            raise ScheduleError(f"weekday {self.weekday!r}: use a day name such as monday")
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", self.at):
            raise ScheduleError(f"time {self.at!r}: use 24-hour HH:MM, e.g. 09:00")
        object.__setattr__(self, "tz", zone_name(self.tz))

    @property
    def zone(self) -> ZoneInfo:
        return time_zone(self.tz)

    def delivers_on(self, day: date) -> bool:
        """Whether a digest is due on this local date (frequency and pause)."""
        if self.paused_until and day <= self.paused_until:
            return False
        if self.frequency == "weekdays":
            return day.weekday() < 5
        if self.frequency == "weekly":
            return day.weekday() == WEEKDAYS.index(self.weekday)
        return True

    def slot(self, day: date) -> datetime:
        """The UTC instant of this local date's delivery time."""
        hour, minute = map(int, self.at.split(":"))
        local = datetime.combine(day, time(hour, minute), tzinfo=self.zone)
        return local.astimezone(UTC)

    def due(self, now: datetime, *, grace: timedelta) -> list[date]:
        """Local dates whose delivery time has come, at most `grace` ago, oldest first."""
        today = now.astimezone(self.zone).date()
        days = [today - timedelta(days=back) for back in range(grace.days + 2, -1, -1)]
        return [
            day
            for day in days
            if self.delivers_on(day) and self.slot(day) <= now <= self.slot(day) + grace
        ]

    def next_slot(self, now: datetime) -> datetime | None:
        """The next delivery time after `now` (None when no day in the coming year is due)."""
        today = now.astimezone(self.zone).date()
        for ahead in range(0, 367):
            day = today + timedelta(days=ahead)
            if self.delivers_on(day) and self.slot(day) > now:
                return self.slot(day)
        return None

    def as_dict(self) -> dict:
        return {
            "frequency": self.frequency,
            "at": self.at,
            "tz": self.tz,
            "weekday": self.weekday,
            "paused_until": self.paused_until.isoformat() if self.paused_until else None,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Schedule:
        paused = data.get("paused_until")
        return cls(
            frequency=data.get("frequency", "daily"),
            at=data.get("at", "09:00"),
            tz=data.get("tz", "UTC"),
            weekday=data.get("weekday", "monday"),
            paused_until=date.fromisoformat(paused) if paused else None,
        )
