"""`app_uninstalled` and `tokens_revoked` through the real app: the workspace's install is
removed and its digests stop, in single-workspace and in multi-workspace (OAuth) mode; and
installed again, the digests that stopped for it go on (those paused for another reason
stay paused)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime

import pytest
from slack_sdk.oauth.installation_store import Installation

from bot.app import create_app
from bot.config import Settings
from bot.oauth import INSTALL_PATH, REDIRECT_PATH, SCOPES, installation_store
from bot.services import Services
from bot.subscriptions import PAUSED_BY_HAND, REVOKED, UNINSTALLED, lost_access
from bot.targets import channel_target, user_target
from bot.web import wsgi_app
from recommender.delivery import Deliverer
from tests.slack.conftest import NOW, SIGNING_SECRET, subscribe
from tests.slack.harness import TEAM_ID, FakeSlack, Reply, SlackSender, serving
from tests.slack.test_oauth import access, get

ALICE = user_target(TEAM_ID, "U0ALICE")
CHANNEL = channel_target(TEAM_ID, "C0PAPERS")
ELSEWHERE = user_target("T0OTHER", "U0CAROL")


def subscribed(services: Services) -> None:
    for target in (ALICE, CHANNEL, ELSEWHERE):
        subscribe(services, target)


def paused(services: Services) -> dict[str, str | None]:
    return {t: services.store.subscriptions.state(t).paused for t in (ALICE, CHANNEL, ELSEWHERE)}


def stopped(services: Services) -> bool:
    """Whether both digests of the team are paused (the listener pauses one after the other)."""
    return None not in (paused(services)[ALICE], paused(services)[CHANNEL])


def uninstall(slack: SlackSender, **retry) -> None:
    event = {"type": "app_uninstalled", "event_ts": "1700000000.000100"}
    assert slack.event(event, **retry).status == 200


def revoke(slack: SlackSender, tokens: dict) -> None:
    event = {"type": "tokens_revoked", "tokens": tokens, "event_ts": "1700000000.000100"}
    assert slack.event(event).status == 200


def test_an_uninstall_stops_that_workspaces_digests_only(
    slack: SlackSender, fake_slack: FakeSlack, services: Services, deliverer: Deliverer
) -> None:
    subscribed(services)
    uninstall(slack)
    fake_slack.wait_until(lambda: stopped(services))
    assert paused(services) == {ALICE: UNINSTALLED, CHANNEL: UNINSTALLED, ELSEWHERE: None}
    # Slack's retry of the same event changes nothing more.
    uninstall(slack, event_id="Ev0UNINSTALL", retry=1)
    assert list(services.store.subscriptions.active()) == [ELSEWHERE]
    assert deliverer.deliver_due(NOW)["due"] == 1  # the other workspace's digest only


def test_a_revoked_user_token_stops_nothing_and_a_revoked_bot_token_stops_all(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    subscribed(services)
    revoke(slack, {"oauth": ["U0ALICE"]})
    revoke(slack, {"oauth": [], "bot": ["U0BOT"]})
    fake_slack.wait_until(lambda: stopped(services))
    assert paused(services) == {ALICE: REVOKED, CHANNEL: REVOKED, ELSEWHERE: None}


@pytest.fixture
def multi(settings: Settings) -> Settings:
    return replace(settings, slack_bot_token=None, slack_client_id="111.222",
                   slack_client_secret="clientsecretNEVERLOGGED")  # fmt: skip


@pytest.fixture
def oauth_slack(
    multi: Settings, services: Services, fake_slack: FakeSlack
) -> Iterator[SlackSender]:
    app = create_app(multi, services)
    with serving(wsgi_app(app, services, signing_secret=SIGNING_SECRET)) as url:
        yield SlackSender(url, SIGNING_SECRET, fake_slack)


def install(multi: Settings, services: Services, team: str, user: str = "U0ADMIN") -> None:
    installation_store(multi, services.store.engine).save(
        Installation(app_id="A0PAPERS", team_id=team, user_id=user, bot_token=f"xoxb-{team}",
                     bot_id=f"B{team}", bot_user_id="U0BOT", bot_scopes=list(SCOPES),
                     user_token=f"xoxp-{user}", installed_at=datetime(2025, 12, 1).timestamp())
    )  # fmt: skip


def bot_of(multi: Settings, services: Services, team: str):
    return installation_store(multi, services.store.engine).find_bot(
        enterprise_id=None, team_id=team
    )


def test_an_uninstall_removes_the_workspaces_install(
    oauth_slack: SlackSender, multi: Settings, services: Services, fake_slack: FakeSlack
) -> None:
    subscribed(services)
    install(multi, services, TEAM_ID)
    install(multi, services, "T0OTHER")
    uninstall(oauth_slack)
    fake_slack.wait_until(lambda: stopped(services))
    assert bot_of(multi, services, TEAM_ID) is None
    assert bot_of(multi, services, "T0OTHER").bot_token == "xoxb-T0OTHER"
    assert paused(services) == {ALICE: UNINSTALLED, CHANNEL: UNINSTALLED, ELSEWHERE: None}


def test_a_revoked_bot_token_removes_the_bot_of_the_workspace(
    oauth_slack: SlackSender, multi: Settings, services: Services, fake_slack: FakeSlack
) -> None:
    subscribed(services)
    install(multi, services, TEAM_ID)
    store = installation_store(multi, services.store.engine)
    revoke(oauth_slack, {"oauth": ["U0ADMIN"]})
    fake_slack.wait_until(
        lambda: (
            store.find_installation(enterprise_id=None, team_id=TEAM_ID, user_id="U0ADMIN") is None
        )
    )
    assert bot_of(multi, services, TEAM_ID) is not None  # a person's token: the bot stays
    assert paused(services)[ALICE] is None
    revoke(oauth_slack, {"bot": ["U0BOT"]})
    fake_slack.wait_until(lambda: bot_of(multi, services, TEAM_ID) is None)
    fake_slack.wait_until(lambda: stopped(services))
    assert paused(services) == {ALICE: REVOKED, CHANNEL: REVOKED, ELSEWHERE: None}


HAND_PAUSED = user_target(TEAM_ID, "U0BOB")
GONE = channel_target(TEAM_ID, "C0DELETED")


def also_paused(services: Services) -> None:
    """A digest its owner paused, and one paused after its channel was deleted."""
    for target in (HAND_PAUSED, GONE):
        subscribe(services, target)
    services.store.subscriptions.pause(HAND_PAUSED, PAUSED_BY_HAND, now=NOW)
    services.store.subscriptions.pause(GONE, "slack: channel_not_found", now=NOW)


def reinstall(url: str, fake_slack: FakeSlack, team: str) -> None:
    """An admin goes through the install page and Slack's consent screen again."""
    _, headers, body = get(url + INSTALL_PATH)
    state = re.search(r"state=([\w-]+)", body)[1]
    cookie = headers["Set-Cookie"].split(";")[0]
    fake_slack.script("oauth.v2.access", Reply(body=access(team)))
    status, _, page = get(f"{url}{REDIRECT_PATH}?code=a-code&state={state}", cookie)
    assert status == 200, page


def test_installed_again_the_workspaces_digests_go_on_and_only_those_it_stopped(
    multi: Settings, services: Services, fake_slack: FakeSlack
) -> None:
    subscribed(services)
    also_paused(services)
    install(multi, services, TEAM_ID)
    app = create_app(multi, services)
    with serving(wsgi_app(app, services, signing_secret=SIGNING_SECRET)) as url:
        uninstall(SlackSender(url, SIGNING_SECRET, fake_slack))
        fake_slack.wait_until(lambda: stopped(services))
        # A digest paused already keeps its own reason through the uninstall.
        assert services.store.subscriptions.state(HAND_PAUSED).paused == PAUSED_BY_HAND
        reinstall(url, fake_slack, TEAM_ID)
    assert bot_of(multi, services, TEAM_ID) is not None
    assert paused(services) == {ALICE: None, CHANNEL: None, ELSEWHERE: None}
    assert services.store.subscriptions.state(HAND_PAUSED).paused == PAUSED_BY_HAND
    assert services.store.subscriptions.state(GONE).paused == "slack: channel_not_found"


def test_an_install_in_another_workspace_resumes_nothing_here(
    multi: Settings, services: Services, fake_slack: FakeSlack
) -> None:
    subscribed(services)
    for target in (ALICE, CHANNEL):
        services.store.subscriptions.pause(target, "slack: token_revoked", now=NOW)
    app = create_app(multi, services)
    with serving(wsgi_app(app, services, signing_secret=SIGNING_SECRET)) as url:
        reinstall(url, fake_slack, "T0OTHER")
        assert paused(services)[ALICE] == "slack: token_revoked"
        reinstall(url, fake_slack, TEAM_ID)
    assert paused(services) == {ALICE: None, CHANNEL: None, ELSEWHERE: None}


def test_with_one_workspace_starting_on_a_working_token_resumes_what_the_uninstall_stopped(
    settings: Settings, slack: SlackSender, services: Services, fake_slack: FakeSlack
) -> None:
    subscribed(services)
    also_paused(services)
    uninstall(slack)
    fake_slack.wait_until(lambda: stopped(services))
    # The operator installs the app again and restarts it with the new token; Bolt checks
    # the token with auth.test as it starts, and the workspace is the one auth.test names.
    create_app(settings, services)
    assert paused(services) == {ALICE: None, CHANNEL: None, ELSEWHERE: None}
    assert services.store.subscriptions.state(HAND_PAUSED).paused == PAUSED_BY_HAND
    assert services.store.subscriptions.state(GONE).paused == "slack: channel_not_found"


@pytest.mark.parametrize(
    ("reason", "lost"),
    [(UNINSTALLED, True), (REVOKED, True), ("slack: token_revoked", True),
     ("slack: invalid_auth", True), ("slack: account_inactive", True),
     ("NotInstalled: the app is not installed in team T0X", True), (PAUSED_BY_HAND, False),
     ("slack: not_in_channel", False), ("slack: is_archived", False)],
)  # fmt: skip
def test_which_pauses_a_new_install_takes_away(reason: str, lost: bool) -> None:
    assert lost_access(reason) is lost
