from datetime import UTC, date, datetime, timedelta

import pytest

from recommender.schedule import Schedule, ScheduleError, time_zone, zone_name

GRACE = timedelta(hours=12)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("tz", "day", "expected"),
    [
        # New York: EST (UTC-5) before 2025-03-09, EDT (UTC-4) after.
        ("America/New_York", date(2025, 3, 7), utc(2025, 3, 7, 14)),
        ("America/New_York", date(2025, 3, 10), utc(2025, 3, 10, 13)),
        # Berlin: CEST (UTC+2) until 2025-10-26, CET (UTC+1) after.
        ("Europe/Berlin", date(2025, 10, 24), utc(2025, 10, 24, 7)),
        ("Europe/Berlin", date(2025, 10, 27), utc(2025, 10, 27, 8)),
    ],
)
def test_nine_am_local_across_daylight_saving(tz, day, expected):
    assert Schedule(tz=tz).slot(day) == expected


def test_a_time_skipped_by_spring_forward_is_delivered_once():
    schedule = Schedule(at="02:30", tz="America/New_York")
    assert schedule.slot(date(2025, 3, 9)) == utc(2025, 3, 9, 7, 30)  # 03:30 EDT


def test_due_within_grace_only():
    schedule = Schedule(tz="Europe/Paris")  # 09:00 CEST = 07:00 UTC in July
    assert schedule.due(utc(2025, 7, 24, 6, 59), grace=GRACE) == []
    assert schedule.due(utc(2025, 7, 24, 7, 0), grace=GRACE) == [date(2025, 7, 24)]
    assert schedule.due(utc(2025, 7, 24, 19, 0), grace=GRACE) == [date(2025, 7, 24)]
    assert schedule.due(utc(2025, 7, 24, 19, 1), grace=GRACE) == []


def test_after_a_30_hour_outage_each_missed_day_within_grace_is_due():
    schedule = Schedule(tz="UTC")
    now = utc(2025, 7, 25, 15)  # down since 2025-07-24 09:00
    assert schedule.due(now, grace=timedelta(hours=36)) == [date(2025, 7, 24), date(2025, 7, 25)]
    assert schedule.due(now, grace=GRACE) == [date(2025, 7, 25)]


@pytest.mark.parametrize(
    ("schedule", "days"),
    [
        (Schedule(frequency="weekdays"), [21, 22, 23, 24, 25]),
        (Schedule(frequency="weekly", weekday="wednesday"), [23]),
        (Schedule(paused_until=date(2025, 7, 24)), [25, 26, 27]),
        (Schedule(), [21, 22, 23, 24, 25, 26, 27]),
    ],
)
def test_which_days_deliver(schedule, days):
    week = [date(2025, 7, 21) + timedelta(days=i) for i in range(7)]  # Monday to Sunday
    assert [d.day for d in week if schedule.delivers_on(d)] == days


def test_next_slot_skips_weekends_and_pauses():
    friday_evening = utc(2025, 7, 25, 20)
    assert Schedule(frequency="weekdays").next_slot(friday_evening) == utc(2025, 7, 28, 9)
    paused = Schedule(paused_until=date(2025, 7, 30))
    assert paused.next_slot(friday_evening) == utc(2025, 7, 31, 9)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tz": "Mars/Olympus"}, "time zone 'Mars/Olympus'"),
        ({"tz": "../etc/passwd"}, "time zone"),
        ({"tz": "Europe"}, "time zone 'Europe'"),  # a folder of the zone database
        ({"tz": "A" * 300}, "time zone"),  # longer than a file name may be
        ({"at": "9am"}, "time '9am'"),
        ({"at": "24:00"}, "time '24:00'"),
        ({"frequency": "hourly"}, "frequency 'hourly'"),
        ({"weekday": "someday"}, "weekday 'someday'"),
    ],
)
def test_bad_settings_are_named(kwargs, message):
    with pytest.raises(ScheduleError, match=message):
        Schedule(**kwargs)


@pytest.mark.parametrize("name", ["Mars/Olympus", "Europe", "", None, 42])
def test_time_zone_names_the_bad_value(name):
    with pytest.raises(ScheduleError, match=f"time zone {name!r}"):
        time_zone(name)


def test_time_zone_gives_the_zone():
    assert time_zone("Europe/Paris").key == "Europe/Paris"


def test_round_trip_through_a_dict():
    schedule = Schedule("weekly", "07:45", "Asia/Tokyo", "friday", date(2025, 8, 1))
    assert Schedule.from_dict(schedule.as_dict()) == schedule


@pytest.mark.parametrize(
    ("typed", "name"),
    [("europe/paris", "Europe/Paris"), ("AMERICA/NEW_YORK", "America/New_York"), ("utc", "UTC")],
)
def test_a_zone_is_named_as_the_zone_database_does_whatever_the_case(typed, name):
    assert zone_name(typed) == name
    assert Schedule(tz=typed).tz == name
