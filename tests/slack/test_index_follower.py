"""Web processes need only the database: a `papers serve` with a data dir of its own keeps
its own copy of the indexes current from a PostgreSQL that another process ingests into
and indexes, and answers a signed `/papers` search for a paper that came in after it started."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from recommender import SAMPLES_DIR
from tests.slack.conftest import SIGNING_SECRET
from tests.slack.harness import PATIENCE, FakeSlack, SlackSender
from tests.slack.test_serve import env_for, free_port, papers, wait_until_healthy

pytestmark = [pytest.mark.postgres, pytest.mark.model]

QUERY = "RISER latent reasoning skills activation steering"


def titles(fake_slack: FakeSlack, slack: SlackSender) -> list[str]:
    """The result texts of one signed `/papers` search (after the header, which repeats the
    query)."""
    answer = slack.command(QUERY)
    assert answer.status == 200
    [reply] = fake_slack.wait_for_reply(answer.response_url)
    texts = [block["text"]["text"] for block in reply["blocks"] if block["type"] == "section"]
    assert texts[0].startswith("Papers for ")
    return texts[1:]


def test_a_web_process_with_its_own_data_dir_finds_a_paper_indexed_elsewhere(
    postgres_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    [first] = SAMPLES_DIR.glob("000_*.txt")
    [later] = SAMPLES_DIR.glob("001_*.txt")
    base = {**os.environ, "DATABASE_URL": postgres_url, "HF_HUB_OFFLINE": "1"}
    clock = {**base, "PAPERS_DATA_DIR": str(tmp_path / "clock-data")}
    papers("ingest", "file", str(first), env=clock)
    papers("index", env=clock)
    port = free_port()
    web = {
        **base,
        **env_for(tmp_path, fake_slack, PORT=str(port)),
        "DATABASE_URL": postgres_url,
        "PAPERS_DATA_DIR": str(tmp_path / "web-data"),
        "PAPERS_INDEX_REFRESH_SECONDS": "1",
    }
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("papers")), "-v", "serve", "--host", "127.0.0.1"],
            env=web, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_healthy(url, process)
            slack = SlackSender(url, SIGNING_SECRET, fake_slack)
            assert not any("RISER" in text for text in titles(fake_slack, slack))
            papers("ingest", "file", str(later), env=clock)
            papers("index", env=clock)
            deadline = time.monotonic() + PATIENCE
            while not any("RISER" in text for text in titles(fake_slack, slack)):
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.5)
        finally:
            process.terminate()
            process.wait(PATIENCE)
    served = log_path.read_text()
    # Built from the store at start, then caught up: the model never ran for a paper,
    # since the other process had stored every embedding.
    assert "indexes current with the store in" in served and "0 embedded" in served
    assert "index caught up: " in served and "0 embedded" in served.split("index caught up: ")[1]
    assert not (tmp_path / "clock-data" / "index").samefile(tmp_path / "web-data" / "index")
