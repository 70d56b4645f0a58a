"""The app as Slack and its operators see it: signatures, start-up, rate limits, logs, health."""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import replace
from urllib.parse import urlencode

import pytest
from slack_bolt.request import BoltRequest

from bot.app import create_app
from bot.blocks import SAVE
from bot.config import Settings
from bot.errors import MissingSetting
from bot.services import Services
from bot.web import wsgi_app
from tests.slack.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.slack.harness import PATIENCE, FakeSlack, Reply, SlackSender, serving, signature

COMMAND = urlencode({"command": "/papers", "text": "transformers", "team_id": "T0TEAM"})


@pytest.mark.parametrize(
    "signing",
    [
        {"secret": "not-the-signing-secret"},
        {"skew": -6 * 60},  # Slack's window is five minutes
        {"skew": 6 * 60},
    ],
    ids=["wrong secret", "stale", "from the future"],
)
def test_requests_not_signed_by_slack_are_refused(
    slack: SlackSender, fake_slack: FakeSlack, signing: dict
) -> None:
    # The time is taken when the test runs, not when the tests are collected: in a long run
    # a timestamp made at collection drifts back inside the window.
    if "skew" in signing:
        signing = {"timestamp": int(time.time()) + signing["skew"]}
    answer = slack.post(COMMAND, **signing)
    assert answer.status == 401
    assert fake_slack.calls_to("") == []  # nothing was posted to any response URL


def test_a_tampered_body_is_refused(slack: SlackSender) -> None:
    timestamp = int(time.time())
    assert slack.post(COMMAND, timestamp=timestamp).status == 200
    # The original's signature on another body: as if someone changed the request on the way.
    body = COMMAND.replace("transformers", "anything")
    request = urllib.request.Request(
        f"{slack.url}/slack/events",
        data=body.encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": str(timestamp),
            "X-Slack-Signature": signature(SIGNING_SECRET, timestamp, COMMAND),
        },
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=PATIENCE)
    assert refused.value.code == 401


@pytest.mark.parametrize(
    ("field", "variable"),
    [("slack_bot_token", "SLACK_BOT_TOKEN"), ("slack_signing_secret", "SLACK_SIGNING_SECRET")],
)
def test_a_missing_secret_stops_the_start_naming_the_variable(
    settings: Settings, services: Services, field: str, variable: str
) -> None:
    with pytest.raises(MissingSetting, match=f"^{variable} is not set"):
        create_app(replace(settings, **{field: None}), services)


def test_socket_mode_needs_no_signing_secret(
    settings: Settings, services: Services, fake_slack: FakeSlack
) -> None:
    app = create_app(replace(settings, slack_signing_secret=None), services, socket_mode=True)
    # Socket Mode hands Bolt each payload unsigned, as a dict; the app must still answer it.
    response_url = fake_slack.new_response_url()
    payload = {"command": "/papers", "text": "help", "team_id": "T0TEAM", "user_id": "U0ALICE"}
    payload |= {"channel_id": "C0GENERAL", "response_url": response_url}
    response = app.dispatch(BoltRequest(body=payload, mode="socket_mode"))
    assert response.status == 200
    [reply] = fake_slack.wait_for_reply(response_url)
    assert "/papers" in json.dumps(reply)


def test_the_client_calls_slack_api_url_with_the_bot_token(
    settings: Settings, services: Services, fake_slack: FakeSlack
) -> None:
    app = create_app(settings, services)
    app.client.chat_postMessage(channel="C0GENERAL", text="hello")
    [post] = fake_slack.calls_to("chat.postMessage")
    assert post.headers["authorization"] == f"Bearer {BOT_TOKEN}"
    assert post.body == {"channel": "C0GENERAL", "text": "hello"}


def test_a_rate_limited_call_waits_retry_after_and_tries_again(
    settings: Settings, services: Services, fake_slack: FakeSlack
) -> None:
    fake_slack.script(
        "auth.test", Reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"})
    )
    # Bolt checks the token with auth.test as it starts: that call meets the 429.
    create_app(settings, services)
    first, second, *_ = fake_slack.calls_to("auth.test")
    assert first.body == second.body


def test_tokens_never_reach_the_logs(
    settings: Settings,
    services: Services,
    fake_slack: FakeSlack,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    app = create_app(settings, services)
    with serving(wsgi_app(app, services, signing_secret=SIGNING_SECRET)) as url:
        slack = SlackSender(url, SIGNING_SECRET, fake_slack)
        fake_slack.wait_for_reply(slack.command("transformers").response_url)
        fake_slack.wait_for_reply(slack.click(SAVE, "2507.07186").response_url)
        app.client.chat_postMessage(channel="C0GENERAL", text="hello")
    assert "Sending a request" in caplog.text  # the Web API client logged its calls
    assert fake_slack.calls_to("auth.test")[0].headers["authorization"] == f"Bearer {BOT_TOKEN}"
    assert BOT_TOKEN not in caplog.text
    assert SIGNING_SECRET not in caplog.text
    assert BOT_TOKEN not in repr(settings) and SIGNING_SECRET not in repr(settings)


def test_other_paths_are_not_found(slack: SlackSender) -> None:
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{slack.url}/admin", timeout=PATIENCE)
    assert missing.value.code == 404


def test_the_start_gives_no_warning_about_the_token(
    settings: Settings,
    services: Services,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Bolt reads SLACK_BOT_TOKEN itself, as `papers serve` finds it in the environment.
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    caplog.set_level(logging.WARNING)
    create_app(settings, services)
    assert "will be unused" not in caplog.text
