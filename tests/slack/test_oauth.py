"""Multi-workspace installs: the OAuth paths, installs kept in the app's database, and digests
posted with each workspace's own token. Slack's side is the fake; the database is real."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime

import pytest
import yaml
from slack_sdk.oauth.installation_store import Installation

from bot.app import create_app
from bot.config import Settings
from bot.delivery import slack_outlet
from bot.errors import MissingSetting
from bot.oauth import INSTALL_PATH, REDIRECT_PATH, SCOPES, installation_store, oauth_enabled
from bot.services import Services
from bot.targets import user_target
from bot.web import wsgi_app
from recommender.delivery import Deliverer
from recommender.matching import Matcher
from recommender.store import Store
from tests.slack.conftest import NOW, SIGNING_SECRET, subscribe
from tests.slack.harness import PATIENCE, FakeSlack, Reply, serving
from tests.slack.test_manifest import manifest

CLIENT_ID = "111.222"
CLIENT_SECRET = "clientsecretNEVERLOGGED"
OTHER_TOKEN = "xoxb-other-team-token"


@pytest.fixture
def multi(settings: Settings) -> Settings:
    """The settings of a multi-workspace deployment: a client id and secret, no bot token."""
    return replace(
        settings, slack_bot_token=None, slack_client_id=CLIENT_ID, slack_client_secret=CLIENT_SECRET
    )


@pytest.fixture
def served(multi: Settings, services: Services) -> Iterator[str]:
    app = create_app(multi, services)
    with serving(wsgi_app(app, services, signing_secret=SIGNING_SECRET)) as url:
        yield url


def get(url: str, cookie: str = "") -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=PATIENCE) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def test_the_install_page_asks_for_the_manifests_scopes(served: str) -> None:
    status, headers, body = get(served + INSTALL_PATH)
    assert status == 200
    url = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', body)[1]
    assert f"client_id={CLIENT_ID}" in url
    assert f"&amp;scope={','.join(SCOPES)}&amp;" in url
    assert "slack-app-oauth-state=" in headers["Set-Cookie"]
    assert list(SCOPES) == manifest()["oauth_config"]["scopes"]["bot"]


def test_an_install_is_stored_and_its_token_posts_that_teams_digests(
    served: str,
    multi: Settings,
    services: Services,
    fake_slack: FakeSlack,
    matcher: Matcher,
) -> None:
    _, headers, body = get(served + INSTALL_PATH)
    state = re.search(r"state=([\w-]+)", body)[1]
    cookie = headers["Set-Cookie"].split(";")[0]
    fake_slack.script("oauth.v2.access", Reply(body=access("T0OTHER")))
    status, _, _ = get(f"{served}{REDIRECT_PATH}?code=a-code&state={state}", cookie)
    assert status == 200
    [exchange] = fake_slack.calls_to("oauth.v2.access")
    assert exchange.body["code"] == "a-code"
    bot = installation_store(multi, services.store.engine).find_bot(
        enterprise_id=None, team_id="T0OTHER"
    )
    assert bot.bot_token == OTHER_TOKEN
    # The scheduler's deliverer finds the install in the same database.
    subscribe(services, user_target("T0OTHER", "U0CAROL"))
    outlet = slack_outlet(multi, services.store)
    deliverer = Deliverer(services.store, matcher, outlet, services.clock)
    assert deliverer.deliver_due(NOW)["delivered"] == 1
    posts = fake_slack.calls_to("chat.postMessage")  # the header, and the picks in its thread
    assert len(posts) > 1
    assert {post.headers["authorization"] for post in posts} == {f"Bearer {OTHER_TOKEN}"}


def test_a_digest_for_a_team_without_an_install_fails_alone(
    multi: Settings, services: Services, fake_slack: FakeSlack, matcher: Matcher
) -> None:
    subscribe(services, user_target("T0NOWHERE", "U0DAN"))
    outlet = slack_outlet(multi, services.store)
    counts = Deliverer(services.store, matcher, outlet, services.clock).deliver_due(NOW)
    assert (counts["delivered"], counts["failed"]) == (0, 1)
    assert fake_slack.calls_to("chat.postMessage") == []


def access(team: str) -> dict:
    """Slack's oauth.v2.access answer for a bot install in `team`."""
    return {
        "ok": True,
        "app_id": "A0PAPERS",
        "authed_user": {"id": "U0ADMIN"},
        "scope": ",".join(SCOPES),
        "token_type": "bot",
        "access_token": OTHER_TOKEN,
        "bot_user_id": "U0BOT2",
        "team": {"id": team, "name": "Other team"},
        "enterprise": None,
        "is_enterprise_install": False,
    }


def test_the_installation_store_keeps_installs_in_the_apps_database(
    database_url: str, settings: Settings
) -> None:
    store = Store.open(database_url)
    multi = replace(settings, slack_client_id=CLIENT_ID, slack_client_secret=CLIENT_SECRET)
    installs = installation_store(multi, store.engine)
    installs.save(
        Installation(
            app_id="A0PAPERS",
            team_id="T0ONE",
            user_id="U0ADMIN",
            bot_token="xoxb-one",
            bot_id="B0ONE",
            bot_user_id="U0BOT1",
            bot_scopes=list(SCOPES),
            installed_at=datetime(2025, 12, 1).timestamp(),
        )
    )
    # A second start finds the tables there and the install in them.
    again = installation_store(multi, store.engine)
    assert again.find_bot(enterprise_id=None, team_id="T0ONE").bot_token == "xoxb-one"
    assert again.find_bot(enterprise_id=None, team_id="T0TWO") is None
    assert store.count() == 0  # the papers' tables are untouched
    store.close()


def test_token_mode_serves_no_install_path(slack) -> None:
    status, _, _ = get(slack.url + INSTALL_PATH)
    assert status == 404


@pytest.mark.parametrize("missing", ["slack_client_id", "slack_client_secret"])
def test_half_an_oauth_setup_is_a_clear_error(multi: Settings, missing: str) -> None:
    with pytest.raises(MissingSetting, match=missing.upper()):
        oauth_enabled(replace(multi, **{missing: None}))


def test_the_manifest_has_the_redirect_url() -> None:
    urls = manifest()["oauth_config"]["redirect_urls"]
    assert urls == [f"https://papers.example.com{REDIRECT_PATH}"]
    assert yaml.safe_dump(manifest())  # still valid YAML
