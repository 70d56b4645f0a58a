"""The settings modal through the real app: open, fill, submit, stored, shown on the Home tab."""

from __future__ import annotations

import json
import time
from datetime import date

import pytest

from bot.app import views_key
from bot.config import Settings
from bot.sealed import NOT_YOURS, seal
from bot.services import Services
from bot.settings_blocks import SETTINGS_VIEW
from bot.targets import channel_target, user_target
from recommender.profiles import Keyword, Profile, TextSeed
from recommender.schedule import Schedule
from tests.slack.blockkit import check_view
from tests.slack.conftest import NINE_UTC, subscribe
from tests.slack.harness import TEAM_ID, FakeSlack, Reply, SlackSender

ALICE = user_target(TEAM_ID, "U0ALICE")
BOB = user_target(TEAM_ID, "U0BOB")
GENERAL = channel_target(TEAM_ID, "C0GENERAL")
_STATE = {
    "plain_text_input": lambda element, value: {"value": value},
    "number_input": lambda element, value: {"value": value},
    "timepicker": lambda element, value: {"selected_time": value},
    "datepicker": lambda element, value: {"selected_date": value},
    "static_select": lambda element, value: {
        "selected_option": next(o for o in element["options"] if o["value"] == value)
    },
    "multi_static_select": lambda element, value: {
        "selected_options": [o for o in element["options"] if o["value"] in value]
    },
}
_INITIAL = {
    "plain_text_input": lambda element: element.get("initial_value"),
    "number_input": lambda element: element.get("initial_value"),
    "timepicker": lambda element: element.get("initial_time"),
    "datepicker": lambda element: element.get("initial_date"),
    "static_select": lambda element: element["initial_option"]["value"],
    "multi_static_select": lambda element: [o["value"] for o in element.get("initial_options", [])],
}


def opened_view(fake_slack: FakeSlack, count: int = 1) -> dict:
    """The modal the app opened last, once it has opened `count` of them."""
    fake_slack.wait_until(lambda: len(fake_slack.calls_to("views.open")) >= count)
    call = fake_slack.calls_to("views.open")[-1]
    assert call.body["trigger_id"] in ("1.2.3", "1.2.4")
    return call.body["view"]


def filled(view: dict, **changes: str | None) -> dict:
    """The modal's state as Slack sends it on submit: what it showed, with `changes` typed in."""
    values = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element, name = block["element"], block["block_id"]
        value = changes[name] if name in changes else _INITIAL[element["type"]](element)
        state = _STATE[element["type"]](element, value) if value is not None else {}
        values[name] = {element["action_id"]: {"type": element["type"], **state}}
    return values


def published_home(fake_slack: FakeSlack, count: int = 1) -> str:
    """The text of the Home tab the app published last."""
    fake_slack.wait_until(lambda: len(fake_slack.calls_to("views.publish")) >= count)
    publish = fake_slack.calls_to("views.publish")[-1]
    return json.dumps(publish.body["view"]["blocks"], ensure_ascii=False)


def test_settings_round_trip(slack: SlackSender, fake_slack: FakeSlack, services: Services) -> None:
    slack.command("settings")
    view = opened_view(fake_slack)
    assert view["callback_id"] == SETTINGS_VIEW
    assert view["title"]["text"] == "Your digest"
    assert "Saving subscribes you." in view["blocks"][0]["text"]["text"]
    values = filled(
        view,
        description="Efficient inference for large language models",
        keywords="speculative decoding\nquantization",
        muted="reinforcement learning",
        authors="Yonatan Belinkov",
        categories="cs.CL, cs.LG",
        digest_size="8",
        frequency="weekly",
        weekday="friday",
        at="07:15",
        paused_until="2025-12-24",
    )
    assert values["tz"]["tz"]["value"] == "Europe/Paris"  # from Slack, for a first subscription
    answer = slack.submit(view, values)
    assert (answer.status, answer.body) == (200, "")
    assert services.store.profiles.get(ALICE) == Profile(
        description="Efficient inference for large language models",
        keywords=("speculative decoding", "quantization"),
        muted=("reinforcement learning",),
        authors=("Yonatan Belinkov",),
        categories=("cs.CL", "cs.LG"),
        digest_size=8,
    )
    assert services.store.subscriptions.get(ALICE) == Schedule(
        "weekly", "07:15", "Europe/Paris", "friday", date(2025, 12, 24)
    )
    home = published_home(fake_slack)
    assert (
        "every friday at 07:15 (Europe/Paris), paused until Wed 24 Dec; next: Fri 26 Dec 07:15"
        in home
    )
    assert "*Keywords:* speculative decoding, quantization" in home


def test_the_modal_shows_what_is_set_and_keeps_keyword_weights(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    weighted = Keyword("speculative decoding", weight=2.0, required=True)
    subscribe(services, ALICE, "LLM inference", keywords=[weighted, "quantization"])
    slack.command("settings")
    view = opened_view(fake_slack)
    values = filled(view)
    assert values["keywords"]["keywords"]["value"] == "speculative decoding\nquantization"
    assert values["at"]["at"]["selected_time"] == "09:00"
    assert values["tz"]["tz"]["value"] == "UTC"  # the subscription's own zone
    slack.submit(view, filled(view, muted="robotics"))
    profile = services.store.profiles.get(ALICE)
    assert profile.keywords == (weighted, Keyword("quantization"))
    assert profile.muted == ("robotics",)


def test_a_past_pause_date_resumes_the_digests(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    subscribe(services, ALICE, schedule=Schedule(paused_until=date(2025, 12, 31)))
    slack.command("settings")
    view = opened_view(fake_slack)
    slack.submit(view, filled(view, paused_until="2025-12-01"))
    assert services.store.subscriptions.get(ALICE).paused_until is None


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        (
            {"keywords": "LLM\nthe"},
            {"keywords": "line 2: must be a phrase with a word that is not a common word"},
        ),
        (
            {"categories": "cs.xyz"},
            {"categories": "'cs.xyz' is not an arXiv category: cs subject classes are two "
                           "letters, as in cs.CL"},
        ),
        ({"digest_size": "50"}, {"digest_size": "must be a whole number from 3 to 20"}),
        ({"digest_size": "2.5"}, {"digest_size": "must be a whole number, not '2.5'"}),
        (
            {"keywords": "LLM inference", "muted": "inference"},
            {"muted": "line 1: 'inference' is muted but keywords line 1 ('LLM inference') "
                      "contains it; remove it from one of the two lists"},
        ),
        (
            {"description": None},
            {"description": "Say what you want to read: a description, keywords or authors."},
        ),
        (
            {"tz": "Mars/Olympus"},
            {"tz": "time zone 'Mars/Olympus': use an IANA name such as Europe/Paris"},
        ),
        (
            {"frequency": "weekly", "weekday": None},
            {"weekday": "weekday: pick the day of a weekly digest"},
        ),
        (
            {"at": None, "digest_size": "1"},
            {"at": "time '': use 24-hour HH:MM, e.g. 09:00",
             "digest_size": "must be a whole number from 3 to 20"},
        ),
    ],
)  # fmt: skip
def test_bad_settings_are_shown_on_their_fields_and_change_nothing(
    slack: SlackSender, fake_slack: FakeSlack, services: Services, changes: dict, errors: dict
) -> None:
    subscribe(services, ALICE, "LLM inference")
    slack.command("settings")
    view = opened_view(fake_slack)
    answer = slack.submit(view, filled(view, **changes))
    assert answer.status == 200
    assert json.loads(answer.body) == {"response_action": "errors", "errors": errors}
    assert services.store.profiles.get(ALICE) == Profile(description="LLM inference")
    assert services.store.subscriptions.get(ALICE) == NINE_UTC


def forged(view: dict, metadata: str) -> dict:
    return {**view, "private_metadata": metadata}


def test_user_a_cannot_change_user_b_settings(
    slack: SlackSender, fake_slack: FakeSlack, services: Services, settings: Settings
) -> None:
    subscribe(services, BOB, "Bob's interests")
    slack.command("settings", user="U0ALICE")
    alices = opened_view(fake_slack)
    sealed = json.loads(alices["private_metadata"])
    renamed = {**sealed, "data": {**sealed["data"], "target": BOB}}
    attempts = [
        # Bob submits the modal Alice opened.
        (alices, "U0BOB"),
        # Alice edits the target in her modal's metadata.
        (forged(alices, json.dumps(renamed)), "U0ALICE"),
        # Metadata properly sealed, but naming Bob's settings, submitted by Alice.
        (
            forged(alices, seal({"target": BOB, "opener": "U0ALICE"}, views_key(settings))),
            "U0ALICE",
        ),
        # Metadata sealed with another key.
        (forged(alices, seal({"target": BOB, "opener": "U0ALICE"}, b"guessed")), "U0ALICE"),
        (forged(alices, "{}"), "U0ALICE"),
        (forged(alices, ""), "U0ALICE"),
    ]
    for view, user in attempts:
        answer = slack.submit(
            view, filled(view, description="hijacked", digest_size="3"), user=user
        )
        assert json.loads(answer.body) == {
            "response_action": "errors",
            "errors": {"description": NOT_YOURS},
        }
    assert services.store.profiles.get(BOB) == Profile(description="Bob's interests")
    assert services.store.profiles.get(ALICE) is None


def test_channel_settings_only_from_whoever_opened_them_in_the_channel(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    slack.command("channel settings", user="U0BOB")
    view = opened_view(fake_slack)
    assert view["title"]["text"] == "Channel digest"
    values = filled(view, description="LLM inference for the team")
    assert values["tz"]["tz"]["value"] == "America/Los_Angeles"  # Bob's, for a new subscription
    refused = slack.submit(view, values, user="U0ALICE")
    assert json.loads(refused.body)["errors"] == {"description": NOT_YOURS}
    assert services.store.profiles.get(GENERAL) is None
    assert slack.submit(view, values, user="U0BOB").body == ""
    assert services.store.profiles.get(GENERAL).description == "LLM inference for the team"
    assert services.store.subscriptions.get(GENERAL).tz == "America/Los_Angeles"
    assert services.store.profiles.get(BOB) is None


def test_an_expired_trigger_says_to_try_again(slack: SlackSender, fake_slack: FakeSlack) -> None:
    fake_slack.script("views.open", Reply(body={"ok": False, "error": "expired_trigger_id"}))
    [reply] = fake_slack.wait_for_reply(slack.command("settings").response_url)
    assert reply["text"] == (
        "Slack did not let me open the window in time (it allows 3 seconds). "
        "Please do it again: it usually works at once."
    )
    assert reply["response_type"] == "ephemeral"


def test_a_refused_submission_leaves_the_home_tab_alone(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    subscribe(services, ALICE, "LLM inference")
    slack.command("settings")
    view = opened_view(fake_slack)
    refused = slack.submit(view, filled(view, digest_size="1"))
    assert json.loads(refused.body)["response_action"] == "errors"
    assert slack.submit(view, filled(view, digest_size="7")).body == ""
    fake_slack.wait_until(lambda: fake_slack.calls_to("views.publish"))
    time.sleep(0.5)  # the refused submission's lazy listener started first
    [published] = fake_slack.calls_to("views.publish")
    assert published.body["user_id"] == "U0ALICE"


def test_a_daily_digest_needs_no_weekday(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    subscribe(services, ALICE, "LLM inference")
    slack.command("settings")
    view = opened_view(fake_slack)
    weekday = next(block for block in view["blocks"] if block.get("block_id") == "weekday")
    assert weekday["optional"] is True
    assert slack.submit(view, filled(view, frequency="daily", weekday=None)).body == ""
    assert services.store.subscriptions.get(ALICE) == NINE_UTC


def test_the_modal_lists_seeds_by_title_and_removes_those_picked(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    own = TextSeed("My own paper on sparse routing")
    seeds = ("2507.07186", "2507.99999")
    subscribe(services, ALICE, "LLM inference", seeds=seeds, text_seeds=(own,))
    slack.command("settings")
    view = opened_view(fake_slack)
    check_view(view)
    listed = next(b for b in view["blocks"] if "*Seed papers*" in b.get("text", {}).get("text", ""))
    assert listed["text"]["text"] == (
        "*Seed papers* (3): new papers close to these rank higher.\n"
        "• Planted in Pretraining, Swayed by Finetuning: A Case Study on the Origins of "
        "Cognitive Biases in LLMs\n• 2507.99999\n• My own paper on sparse routing"
    )
    answer = slack.submit(view, filled(view, remove_seeds=["2507.07186", own.id]))
    assert (answer.status, answer.body) == (200, "")
    profile = services.store.profiles.get(ALICE)
    assert (profile.seeds, profile.text_seeds) == (("2507.99999",), ())
    assert profile.description == "LLM inference"
    # Bob submitting Alice's modal removes nothing.
    slack.command("settings")
    again = opened_view(fake_slack, 2)
    refused = slack.submit(again, filled(again, remove_seeds=["2507.99999"]), user="U0BOB")
    assert json.loads(refused.body)["errors"] == {"description": NOT_YOURS}
    assert services.store.profiles.get(ALICE).seeds == ("2507.99999",)
