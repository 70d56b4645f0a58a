"""The Slack app manifest, the Procfile and the README's Slack setup agree with the code."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.listeners.commands.papers import COMMAND
from bot.web import EVENTS_PATH

ROOT = Path(__file__).parents[2]


def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def test_every_request_url_is_the_events_path() -> None:
    app = manifest()
    [command] = app["features"]["slash_commands"]
    assert command["command"] == COMMAND
    settings = app["settings"]
    urls = [
        command["url"],
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
    ]
    assert all(url == f"https://papers.example.com{EVENTS_PATH}" for url in urls)
    assert settings["interactivity"]["is_enabled"] is True
    assert app["features"]["app_home"]["home_tab_enabled"] is True
    assert settings["event_subscriptions"]["bot_events"] == ["app_home_opened"]


def test_the_readme_lists_exactly_the_scopes_the_manifest_asks_for() -> None:
    readme = (ROOT / "README.md").read_text()
    setup = readme.split("## Slack setup", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\s*\| `([a-z:.]+)` \|", setup, flags=re.MULTILINE)
    assert listed == manifest()["oauth_config"]["scopes"]["bot"]


def test_the_readme_documents_every_slack_variable() -> None:
    readme = (ROOT / "README.md").read_text()
    for variable in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        assert f"| `{variable}` |" in readme
    assert "| `SLACK_API_URL` |" in readme and "| `PORT` |" in readme


def test_the_procfile_runs_the_app_as_the_web_process() -> None:
    lines = (ROOT / "Procfile").read_text().splitlines()
    assert "web: papers serve" in lines


def test_the_procfile_has_a_delivery_worker_process() -> None:
    # Heroku gives a process type other than `web` no dynos until it is scaled.
    lines = (ROOT / "Procfile").read_text().splitlines()
    assert "worker: papers worker --threads 4" in lines


def test_people_can_type_in_the_apps_direct_message() -> None:
    # The DM with the app is the natural place for `/papers` and a pasted link.
    app_home = manifest()["features"]["app_home"]
    assert app_home["messages_tab_enabled"] is True
    assert app_home["messages_tab_read_only_enabled"] is False
