"""The settings modal and Home tab as data (bot/settings_blocks.py); sealed metadata (sealed.py)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from bot.errors import NotAllowed
from bot.sealed import seal, settings_target, unseal
from bot.settings_blocks import (
    HOME_SAVED_PAGE,
    HOME_SAVED_SHOWN,
    HOME_UNSAVE,
    FormErrors,
    home_view,
    import_done,
    import_modal,
    read_settings,
    saved_blocks,
    settings_modal,
    when,
)
from bot.subscriptions import Subscription
from recommender.models import Paper
from recommender.profiles import Keyword, Profile
from recommender.schedule import Schedule
from tests.slack.blockkit import check_inert, check_limits, check_view
from tests.slack.golden import assert_golden

NOW = datetime(2025, 12, 10, 12, 0, tzinfo=UTC)
KEY = b"k" * 32
PROFILE = Profile(
    description="Efficient <b>inference</b> & serving of LLMs",
    keywords=(Keyword("speculative decoding", weight=2.0), Keyword("quantization")),
    muted=("robotics",),
    authors=("Yonatan Belinkov",),
    categories=("cs.CL", "cs.LG"),
    seeds=("2507.07186", "2507.99999"),
    text_seeds=("My own paper on *serving* <!here>",),
    liked=("2510.13832",),
    digest_size=8,
)
SCHEDULE = Schedule("weekly", "07:15", "Europe/Paris", "friday", date(2025, 12, 24))


def test_settings_modal() -> None:
    view = settings_modal(
        Subscription(PROFILE, SCHEDULE),
        tz="UTC",
        channel=False,
        metadata="m",
        seed_titles={"2507.07186": "Planted in <Pretraining> & Swayed"},
    )
    assert_golden("settings_modal", view)
    check_inert({"text": "", **view})
    check_limits(view)


def test_import_modal_and_its_answer() -> None:
    view = import_modal(metadata="m")
    assert_golden("import_modal", view)
    check_view(view)
    done = import_done("imported 1 paper: 0 found in the archive, 1 kept as text <!here>")
    check_view(done)
    check_inert({"text": "", **done})
    assert "kept as text &lt;!here&gt;." in done["blocks"][0]["text"]["text"]


def test_a_first_settings_modal_starts_from_the_given_zone() -> None:
    view = settings_modal(Subscription(Profile(), None), tz="Asia/Tokyo", channel=True, metadata="")
    tz = next(block for block in view["blocks"] if block.get("block_id") == "tz")
    assert tz["element"]["initial_value"] == "Asia/Tokyo"
    assert view["blocks"][0]["text"]["text"].endswith("Saving subscribes this channel.")


def test_home() -> None:
    recent = [
        Paper(id="2507.07186", title="Planted in Pretraining"),
        Paper(id="title:0e40252543b34be0", title="<!channel> WUSH"),
    ]
    upcoming = SCHEDULE.next_slot(NOW)
    # The last page of 13 saved papers: ten more recent before it.
    saved = saved_blocks([*recent, SAVED[0]], 13, offset=10)
    view = home_view(
        Subscription(PROFILE, SCHEDULE), now=NOW, upcoming=upcoming, recent=recent, saved=saved
    )
    assert_golden("home", view)
    check_view(view)
    check_inert({"text": "", **view})


SAVED = [Paper(id=f"2507.{n:05d}", title=f"Saved paper {n}") for n in range(HOME_SAVED_SHOWN)]


def page_buttons(blocks: list[dict]) -> list[tuple[str, str]]:
    """(label, value) of the Home tab's Previous / Next under the saved papers."""
    return [
        (button["text"]["text"], button["value"])
        for block in blocks
        if block["type"] == "actions"
        for button in block["elements"]
        if button["action_id"] == HOME_SAVED_PAGE
    ]


@pytest.mark.parametrize(
    ("shown", "total", "offset", "buttons", "note"),
    [
        (3, 3, 0, [], None),
        (10, 23, 0, [("Next 10", "10")], "Papers 1–10 of 23"),
        (10, 23, 10, [("Previous 10", "0"), ("Next 10", "20")], "Papers 11–20 of 23"),
        (3, 23, 20, [("Previous 10", "10")], "Papers 21–23 of 23"),
        # A paper the archive lost leaves the page short, not the paging off by one.
        (9, 23, 0, [("Next 10", "10")], "Papers 1–10 of 23"),
        (0, 12, 10, [("Previous 10", "0")], "Papers 11–12 of 12"),
    ],
)
def test_saved_papers_on_the_home_tab_page_by_ten(
    shown: int, total: int, offset: int, buttons: list, note: str | None
) -> None:
    blocks = saved_blocks(SAVED[:shown], total, offset=offset)
    assert page_buttons(blocks) == buttons
    notes = [b["elements"][0]["text"] for b in blocks if b["type"] == "context"]
    assert notes == ([] if note is None else [f"{note}, the most recent first."])
    removes = [b["accessory"] for b in blocks if "accessory" in b]
    assert [(r["action_id"], r["value"]) for r in removes] == [
        (HOME_UNSAVE, f"{offset}:{paper.id}") for paper in SAVED[:shown]
    ]
    assert all(r["confirm"]["confirm"]["text"] == "Remove" for r in removes)
    assert blocks[1]["text"]["text"] == f"*Your saved papers* ({total})"


def test_no_saved_papers_says_how_to_save_one() -> None:
    blocks = saved_blocks([], 0, offset=0)
    assert [b["type"] for b in blocks] == ["divider", "section"]
    assert blocks[1]["text"]["text"] == (
        "*Your saved papers*\nNone yet: press *Save* under a paper in a search or a digest."
    )
    assert page_buttons(blocks) == []


def test_a_saved_title_is_escaped_and_cut() -> None:
    evil = Paper(
        id="2507.00001", title="<!channel> *bold* & " + "long " * 100, extras={"withdrawn": True}
    )
    [_, _, section] = saved_blocks([evil], 1, offset=0)
    text = section["text"]["text"]
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text
    assert text.endswith(" · ⚠️ _withdrawn_")
    assert "long " * 20 in text and "long " * 30 not in text  # cut to 150 characters
    check_inert({"text": "", "blocks": [section]})


@pytest.mark.parametrize(
    ("schedule", "text"),
    [
        (Schedule(), "daily at 09:00 (UTC); next: Thu 11 Dec 09:00"),
        (Schedule(at="13:00"), "daily at 13:00 (UTC); next: Wed 10 Dec 13:00"),
        (Schedule("weekdays", "08:00", "America/New_York"),
         "on weekdays at 08:00 (America/New_York); next: Wed 10 Dec 08:00"),
        (SCHEDULE, "every friday at 07:15 (Europe/Paris), paused until Wed 24 Dec; "
                   "next: Fri 26 Dec 07:15"),
        (Schedule(paused_until=date(2025, 12, 1)), "daily at 09:00 (UTC); next: Thu 11 Dec 09:00"),
    ],
)  # fmt: skip
def test_when(schedule: Schedule, text: str) -> None:
    assert when(schedule, NOW, schedule.next_slot(NOW)) == text


def test_when_a_digest_is_due_and_not_sent_yet() -> None:
    schedule = Schedule(at="11:30")
    assert when(schedule, NOW, schedule.slot(NOW.date())) == (
        "daily at 11:30 (UTC); next: in a few minutes (the Wed 10 Dec 11:30 one)"
    )


def values(**fields: str | None) -> dict:
    """A submitted settings form: every field empty or default unless given."""
    defaults = {"digest_size": "5", "frequency": "daily", "weekday": "monday", "at": "09:00",
                "tz": "UTC", "description": "llm"}  # fmt: skip
    merged = defaults | fields
    texts = ("description", "keywords", "muted", "authors", "categories", "tz")
    form = {name: {"type": "plain_text_input", "value": merged.get(name)} for name in texts}
    form["digest_size"] = {"type": "number_input", "value": merged["digest_size"]}
    for name in ("frequency", "weekday"):
        form[name] = {"type": "static_select", "selected_option": {"value": merged[name]}}
    form["at"] = {"type": "timepicker", "selected_time": merged["at"]}
    form["paused_until"] = {"type": "datepicker", "selected_date": merged.get("paused_until")}
    return {name: {name: state} for name, state in form.items()}


def test_read_settings_keeps_what_the_form_does_not_show() -> None:
    old = Subscription(PROFILE, SCHEDULE)
    new = read_settings(values(keywords="quantization\n\n  pruning  "), old, today=NOW.date())
    assert new.profile.keywords == (Keyword("quantization"), Keyword("pruning"))
    assert (new.profile.seeds, new.profile.liked) == (PROFILE.seeds, PROFILE.liked)
    assert new.schedule == Schedule()


def test_several_bad_fields_are_reported_together() -> None:
    with pytest.raises(FormErrors) as raised:
        read_settings(values(authors="  ", categories="CS/CL", weekday="someday"),
                      Subscription(Profile(), None), today=NOW.date())  # fmt: skip
    assert raised.value.errors == {
        "categories": "'CS/CL' is not an arXiv category: use one like cs.CL, stat.ML, hep-th or cs",
        "weekday": "weekday 'someday': use a day name such as monday",
    }


def test_sealed_metadata_round_trips_and_detects_changes() -> None:
    sealed = seal({"target": "user:T1:U1", "opener": "U1"}, KEY)
    assert unseal(sealed, KEY) == {"target": "user:T1:U1", "opener": "U1"}
    changed = json.loads(sealed)
    changed["data"]["target"] = "user:T1:U2"
    for bad in (json.dumps(changed), sealed.replace("U1", "U2"), "", "[]", "null"):
        with pytest.raises(NotAllowed):
            unseal(bad, KEY)
    with pytest.raises(NotAllowed):
        unseal(sealed, b"another key")


@pytest.mark.parametrize(
    ("data", "team", "user", "allowed"),
    [
        ({"target": "user:T1:U1", "opener": "U1"}, "T1", "U1", True),
        ({"target": "channel:T1:C1", "opener": "U1"}, "T1", "U1", True),
        ({"target": "user:T1:U1", "opener": "U1"}, "T1", "U2", False),
        ({"target": "user:T1:U2", "opener": "U1"}, "T1", "U1", False),
        ({"target": "channel:T1:C1", "opener": "U1"}, "T1", "U2", False),
        ({"target": "channel:T1:C1", "opener": "U1"}, "T2", "U1", False),
        ({"target": "file:team", "opener": "U1"}, "T1", "U1", False),
        ({"target": 42, "opener": "U1"}, "T1", "U1", False),
        ({"opener": "U1"}, "T1", "U1", False),
    ],
)
def test_who_may_submit_which_settings(data: dict, team: str, user: str, allowed: bool) -> None:
    sealed = seal(data, KEY)
    if allowed:
        assert settings_target(sealed, KEY, team=team, user=user) == data["target"]
    else:
        with pytest.raises(NotAllowed):
            settings_target(sealed, KEY, team=team, user=user)
