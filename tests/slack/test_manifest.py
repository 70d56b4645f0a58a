"""The Slack app manifest, the Procfile and the README's Slack setup agree with the code."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.listeners.commands.papers import COMMAND
from bot.listeners.shortcuts.related import RELATED
from bot.listeners.shortcuts.save_links import SAVE
from bot.listeners.shortcuts.search import SEARCH
from bot.web import EVENTS_PATH
from recommender.ids import linked_arxiv_id

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
    assert settings["event_subscriptions"]["bot_events"] == [
        "app_home_opened",
        "link_shared",
        "file_shared",
        "app_uninstalled",
        "tokens_revoked",
        "reaction_added",
        "reaction_removed",
    ]


# The keys Slack's manifest schema knows under `features` and in a shortcut
# (https://docs.slack.dev/reference/app-manifest): anything else makes the paste fail.
FEATURES = {"app_home", "assistant_view", "bot_user", "rich_previews", "shortcuts",
            "slash_commands", "unfurl_domains", "workflow_steps"}  # fmt: skip
SHORTCUT_KEYS = {"name", "type", "callback_id", "description"}


def test_the_shortcuts_and_unfurl_domains_are_the_apps() -> None:
    features = manifest()["features"]
    assert set(features) <= FEATURES
    shortcuts = {s["callback_id"]: s for s in features["shortcuts"]}
    assert all(set(shortcut) == SHORTCUT_KEYS for shortcut in shortcuts.values())
    # Slack's limits: a name of at most 24 characters, a description of at most 150.
    assert all(len(s["name"]) <= 24 and len(s["description"]) <= 150 for s in shortcuts.values())
    assert {key: s["type"] for key, s in shortcuts.items()} == {
        RELATED: "message",
        SAVE: "message",
        SEARCH: "global",
    }
    domains = features["unfurl_domains"]
    assert domains == ["arxiv.org", "alphaxiv.org", "huggingface.co"]
    for domain in domains:  # each unfurls a paper page
        assert linked_arxiv_id(f"https://{domain}/{'papers' if 'hugging' in domain else 'abs'}/"
                               "2507.07186") == "2507.07186"  # fmt: skip
    assert {"links:read", "links:write"} <= set(manifest()["oauth_config"]["scopes"]["bot"])


def test_the_readme_says_what_each_event_is_for() -> None:
    readme = (ROOT / "README.md").read_text()
    setup = readme.split("## Slack setup", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\s*\| `([a-z_]+)` event \|", setup, flags=re.MULTILINE)
    assert listed == manifest()["settings"]["event_subscriptions"]["bot_events"]


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
