"""GET /healthz through the real server: 200 only when a search can be answered, and the
freshness of what is served (the index's age, the last ingest's) for operators."""

from __future__ import annotations

import json
import os
import shutil
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import create_app
from bot.config import Settings
from bot.services import Services
from bot.web import wsgi_app
from recommender.models import Paper
from recommender.store import Store
from tests.slack.conftest import NOW, SIGNING_SECRET, SOURCES, add_papers
from tests.slack.harness import PATIENCE, FakeSlack, SlackSender, serving


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=PATIENCE) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_healthz_reports_papers_and_index_age(slack: SlackSender, services: Services) -> None:
    built = NOW.timestamp() - 3600
    os.utime(services.index_dir / "state.json", (built, built))
    status, body = get(f"{slack.url}/healthz")
    assert status == 200
    assert body == {
        "ok": True,
        "process": os.getpid(),  # the app runs in this process's threads
        "papers": 364,
        "last_ingest": {"at": None, "age_seconds": None},  # no ingest job has run
        "sources": [
            {"source": str(source), "state": "never run", "last_papers": None, "error": None}
            for source in SOURCES
        ],
        "index": {
            "papers": 364,
            "current": True,
            "at": "2025-12-10T11:00:00+00:00",
            "age_seconds": 3600,
        },
    }


def test_healthz_reports_the_last_successful_ingest(slack: SlackSender, services: Services) -> None:
    jobs = services.store.jobs
    done = jobs.start("ingest", now=NOW - timedelta(hours=5))
    jobs.finish(done, now=NOW - timedelta(hours=4), status="ok")
    failed = jobs.start("ingest", now=NOW - timedelta(hours=1))
    jobs.finish(failed, now=NOW - timedelta(minutes=50), status="failed", error="boom")
    status, body = get(f"{slack.url}/healthz")
    assert status == 200
    assert body["last_ingest"] == {"at": "2025-12-10T08:00:00+00:00", "age_seconds": 4 * 3600}


def test_healthz_names_a_failed_source_and_a_stale_one(
    slack: SlackSender, services: Services
) -> None:
    typo, hf = SOURCES
    refused = "arXiv refused the feed: Bad archive 'astroph' (check the category name)"
    jobs = services.store.jobs
    old = jobs.start("ingest", now=NOW - timedelta(days=6))
    jobs.finish(old, now=NOW - timedelta(days=6), status="ok", counts={str(hf): {"added": 3}})
    run = jobs.start("ingest", now=NOW - timedelta(hours=2))
    counts = {str(typo): {"added": 0, "failed": refused}, str(hf): {"added": 0}}
    jobs.finish(run, now=NOW - timedelta(hours=2), status="ok", counts=counts)

    status, body = get(f"{slack.url}/healthz")

    assert status == 200  # searches are still answered
    assert body["sources"] == [
        {"source": str(typo), "state": "failed", "last_papers": None, "error": refused},
        {
            "source": str(hf),
            "state": "stale",
            "last_papers": (NOW - timedelta(days=6)).isoformat(),
            "error": f"no new papers since {(NOW - timedelta(days=6)).isoformat()}",
        },
    ]


def test_healthz_says_when_the_index_is_behind_the_store(
    slack: SlackSender, services: Services
) -> None:
    paper = Paper(id="2512.00001", title="A paper stored after the index", abstract="Words.")
    services.store.upsert([paper], now=NOW)
    status, body = get(f"{slack.url}/healthz")
    assert (status, body["papers"], body["index"]["papers"]) == (200, 365, 364)
    assert body["index"]["current"] is False
    add_papers(services, [])  # `papers index` catches up
    assert get(f"{slack.url}/healthz")[1]["index"]["current"] is True


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


DAMAGE: dict[str, Callable[[Path], None]] = {
    "truncated dense.faiss": lambda index: _truncate(index / "dense" / "dense.faiss"),
    "deleted bm25/": lambda index: shutil.rmtree(index / "bm25"),
    "half-size keys.npy": lambda index: _truncate(index / "bm25" / "keys.npy"),
    "deleted index folder": shutil.rmtree,
    "deleted state.json": lambda index: (index / "state.json").unlink(),
}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_healthz_is_503_with_the_reason_when_the_index_cannot_serve(
    slack: SlackSender, services: Services, fake_slack: FakeSlack, damage: Callable
) -> None:
    damage(services.index_dir)
    status, body = get(f"{slack.url}/healthz")
    assert status == 503
    assert body["ok"] is False
    assert body["error"].startswith("index unavailable: ")
    assert "run `papers index`" in body["error"]
    assert body["papers"] == 364  # what still works is still reported
    # And health tells the truth: a search fails the same way.
    [reply] = fake_slack.wait_for_reply(slack.command("transformers").response_url)
    assert "papers index" in json.dumps(reply)


def test_healthz_when_the_database_is_gone(
    settings: Settings, services: Services, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    gone = Store.open(f"sqlite:///{tmp_path / 'gone.db'}")
    with gone.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE papers")
    services = replace(services, store=gone)
    app = create_app(settings, services)
    with serving(wsgi_app(app, services, signing_secret=SIGNING_SECRET)) as url:
        assert get(f"{url}/healthz") == (503, {"ok": False, "error": "database unavailable"})
