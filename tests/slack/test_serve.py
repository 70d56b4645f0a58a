"""`papers serve`: start-up errors at the CLI's edge, and the whole thing end to end."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

import bot.serve
from bot.cli import cli
from bot.config import Settings
from bot.services import Services
from recommender.embed import HashEmbedder
from recommender.engine import Engine
from tests.fake_arxiv import FakeArxiv
from tests.slack.conftest import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET
from tests.slack.harness import PATIENCE, FakeSlack, Reply, SlackSender


def env_for(tmp_path: Path, fake_slack: FakeSlack, **overrides: str) -> dict[str, str]:
    """The environment of `papers serve`, pointed at the fake Slack and a fresh data dir."""
    return {
        "PAPERS_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": "",
        "SLACK_API_URL": fake_slack.api_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_APP_TOKEN": "",
        **overrides,
    }


@pytest.mark.parametrize("variable", ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"])
def test_serve_without_a_secret_is_a_clear_error(
    tmp_path: Path, fake_slack: FakeSlack, variable: str
) -> None:
    env = env_for(tmp_path, fake_slack, **{variable: ""})
    result = CliRunner().invoke(cli, ["serve"], env=env)
    assert result.exit_code == 1
    assert f"Error: {variable} is not set" in result.output
    assert "Traceback" not in result.output


def test_serve_with_a_rejected_token_says_slack_refused(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    fake_slack.script("auth.test", Reply(body={"ok": False, "error": "invalid_auth"}))
    result = CliRunner().invoke(cli, ["serve"], env=env_for(tmp_path, fake_slack))
    assert result.exit_code == 1
    assert "Error: Slack refused to start the app" in result.output
    assert "invalid_auth" in result.output
    assert BOT_TOKEN not in result.output


def test_socket_mode_connects_with_the_app_token(tmp_path: Path, fake_slack: FakeSlack) -> None:
    # The fake cannot speak WebSocket; refusing the connection ends the command right there.
    fake_slack.script("apps.connections.open", Reply(body={"ok": False, "error": "invalid_auth"}))
    env = env_for(tmp_path, fake_slack, SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET="")
    result = CliRunner().invoke(cli, ["serve"], env=env)
    assert "connecting to Slack in Socket Mode" in result.output
    assert "Error: Slack refused to start the app" in result.output
    [opened] = fake_slack.calls_to("apps.connections.open")
    assert opened.headers["authorization"] == f"Bearer {APP_TOKEN}"
    assert APP_TOKEN not in result.output


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def papers(*args: str, env: dict[str, str]) -> None:
    """Run the `papers` command of this environment, as a user would."""
    command = [str(Path(sys.executable).with_name("papers")), *args]
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=600)


@pytest.fixture
def served(tmp_path: Path, fake_slack: FakeSlack, fake_arxiv: FakeArxiv) -> Iterator[str]:
    """`papers serve` in its own process over the demo data, indexed with the real model,
    looking up shared papers on the fake arXiv."""
    port = free_port()
    overrides = {"PORT": str(port), "PAPERS_ARXIV_API_URL": fake_arxiv.url}
    env = {**os.environ, **env_for(tmp_path, fake_slack, **overrides), "HF_HUB_OFFLINE": "1"}
    papers("demo", env=env)
    papers("index", env=env)
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("papers")), "serve", "--host", "127.0.0.1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(PATIENCE)
        log.close()


def wait_until_healthy(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, "papers serve exited"
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=5) as response:
                if json.loads(response.read())["ok"]:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("papers serve did not become healthy")


@pytest.mark.model
def test_papers_serve_answers_a_signed_search_from_the_bundled_samples(
    served: str, fake_slack: FakeSlack
) -> None:
    slack = SlackSender(served, SIGNING_SECRET, fake_slack)
    answer = slack.command("transformers")
    assert answer.status == 200
    [reply] = fake_slack.wait_for_reply(answer.response_url)
    texts = [block["text"]["text"] for block in reply["blocks"] if block["type"] == "section"]
    assert texts[0] == "Papers for *“transformers”* · 1–5 of 86"
    assert sum("ransformer" in text for text in texts[1:]) >= 3
    assert reply["response_type"] == "ephemeral"


@pytest.mark.model
def test_papers_serve_unfurls_a_link_to_a_paper_it_looks_up_on_arxiv(
    served: str, fake_slack: FakeSlack, fake_arxiv: FakeArxiv
) -> None:
    slack = SlackSender(served, SIGNING_SECRET, fake_slack)
    url = "https://arxiv.org/abs/1605.08386v1"
    event = {"type": "link_shared", "channel": "C0GENERAL", "user": "U0BOB",
             "message_ts": "1700000000.000300", "source": "conversations_history",
             "links": [{"domain": "arxiv.org", "url": url}]}  # fmt: skip
    assert slack.event(event).status == 200
    fake_slack.wait_until(lambda: fake_slack.calls_to("chat.unfurl"))
    [unfurl] = fake_slack.calls_to("chat.unfurl")
    title = unfurl.body["unfurls"][url]["blocks"][0]["text"]["text"]
    assert title.startswith("*<https://arxiv.org/abs/1605.08386|Heat-bath random walks")
    assert fake_arxiv.asked == ["1605.08386"]


class CountingEngine:
    """The engine, counting the searches made through it."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.searches = 0

    def search(self, *args, **kwargs):
        self.searches += 1
        return self.engine.search(*args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self.engine, name)


def test_the_model_and_indexes_load_before_the_app_listens(
    settings: Settings, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = CountingEngine(services.engine)
    said: list[str] = []

    def listen(*args) -> None:  # in place of waitress: note what had happened by then
        said.append(f"listening after {engine.searches} search")

    monkeypatch.setattr(bot.serve, "_http", listen)
    bot.serve.serve(
        settings, replace(services, engine=engine), socket=False, host="", announce=said.append
    )
    assert said[0].startswith("model and indexes loaded in ")
    assert said[1] == "listening after 1 search"


def test_without_indexes_the_app_still_starts_and_says_why(
    settings: Settings, services: Services, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    said: list[str] = []
    monkeypatch.setattr(bot.serve, "_http", lambda *args: said.append("listening"))
    empty = Engine(services.store, tmp_path / "no-index", HashEmbedder())
    bot.serve.serve(
        settings, replace(services, engine=empty), socket=False, host="", announce=said.append
    )
    assert said[0].startswith("cannot search yet: ") and said[1] == "listening"


def health(url: str) -> dict:
    with urllib.request.urlopen(f"{url}/healthz", timeout=PATIENCE) as response:
        return json.loads(response.read())


def answering(url: str, count: int, process: subprocess.Popen) -> set[int]:
    """The web processes that answer on `url`, once `count` of them do (a new connection
    goes to any of them)."""
    seen: set[int] = set()
    deadline = time.monotonic() + 180
    while len(seen) < count and time.monotonic() < deadline:
        assert process.poll() is None, "papers serve exited"
        try:
            if (body := health(url))["ok"]:
                seen.add(body["process"])
        except OSError:
            time.sleep(0.2)
    assert len(seen) == count, f"only {seen} answered"
    return seen


def gone(pid: int) -> bool:
    """Whether process `pid` has ended (a zombie nobody reaped yet counts as ended)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")
    except FileNotFoundError:
        return True


def wait_until_gone(pids: set[int]) -> None:
    deadline = time.monotonic() + PATIENCE
    while not all(gone(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert all(gone(pid) for pid in pids), f"still running: {[p for p in pids if not gone(p)]}"


@pytest.fixture
def two_processes(tmp_path: Path, fake_slack: FakeSlack) -> Iterator[tuple[str, subprocess.Popen]]:
    """`papers serve` with PAPERS_WEB_PROCESSES=2 over the demo data, and its log."""
    port = free_port()
    overrides = {"PORT": str(port), "PAPERS_WEB_PROCESSES": "2"}
    env = {**os.environ, **env_for(tmp_path, fake_slack, **overrides), "HF_HUB_OFFLINE": "1"}
    papers("demo", env=env)
    papers("index", env=env)
    # A folder of no graphs yet: the web processes export the model's graph themselves.
    fresh = {**env, "PAPERS_MODELS_DIR": str(tmp_path / "graphs")}
    with (tmp_path / "serve.log").open("w") as log:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("papers")), "serve", "--host", "127.0.0.1"],
            env=fresh,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield f"http://127.0.0.1:{port}", process
        finally:
            process.kill()
            process.wait(PATIENCE)


@pytest.mark.model
def test_web_processes_share_the_port_and_one_that_dies_is_replaced(
    two_processes: tuple[str, subprocess.Popen], fake_slack: FakeSlack, tmp_path: Path
) -> None:
    url, parent = two_processes
    first = answering(url, 2, parent)
    slack = SlackSender(url, SIGNING_SECRET, fake_slack)
    answers = [slack.command("transformers") for _ in range(6)]  # each on a new connection
    assert [answer.status for answer in answers] == [200] * 6
    for answer in answers:
        [reply] = fake_slack.wait_for_reply(answer.response_url)
        assert reply["blocks"][0]["text"]["text"] == "Papers for *“transformers”* · 1–5 of 86"
    # The web processes made the graph they embed queries with, not torch in its place.
    [graph] = [path for path in (tmp_path / "graphs").iterdir() if path.is_dir()]
    assert (graph / "model.onnx").is_file()
    assert "torch embeds instead" not in (tmp_path / "serve.log").read_text()

    killed = min(first)
    os.kill(killed, signal.SIGKILL)
    wait_until_gone({killed})
    now = answering(url, 2, parent)
    assert killed not in now and len(now - first) == 1
    assert (
        f"web process {killed} stopped (exit code -9); starting another"
        in (tmp_path / "serve.log").read_text()
    )

    parent.terminate()
    assert parent.wait(PATIENCE) == 0
    wait_until_gone(now)


@pytest.mark.model
def test_web_processes_end_by_themselves_when_theirs_is_killed(
    two_processes: tuple[str, subprocess.Popen],
) -> None:
    url, parent = two_processes
    children = answering(url, 2, parent)
    parent.kill()
    parent.wait(PATIENCE)
    wait_until_gone(children)
    with pytest.raises(OSError):
        health(url)


def test_a_web_process_that_cannot_start_stops_them_all(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    fake_slack.script("auth.test", Reply(body={"ok": False, "error": "invalid_auth"}))
    env = env_for(tmp_path, fake_slack, PORT="0", PAPERS_WEB_PROCESSES="2")
    result = subprocess.run(
        [str(Path(sys.executable).with_name("papers")), "serve", "--host", "127.0.0.1"],
        env={**os.environ, **env, "HF_HUB_OFFLINE": "1"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 1
    assert "Error: Slack refused to start the app" in result.stderr
    assert "Error: a web process stopped before it could serve (exit code 1)" in result.stderr
    assert BOT_TOKEN not in result.stdout + result.stderr


@pytest.mark.parametrize("value", ["0", "two"])
def test_a_number_of_web_processes_that_is_not_one_or_more_is_refused(
    tmp_path: Path, fake_slack: FakeSlack, value: str
) -> None:
    env = env_for(tmp_path, fake_slack, PAPERS_WEB_PROCESSES=value)
    result = CliRunner().invoke(cli, ["serve"], env=env)
    assert result.exit_code == 2
    assert "PAPERS_WEB_PROCESSES" in result.output
    assert "Traceback" not in result.output
