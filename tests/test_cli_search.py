"""`papers search`, through click, with the hashing embedder."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import Context, cli
from recommender.embed import HashEmbedder
from recommender.models import Paper
from recommender.store import Store, sqlite_url

NOW = datetime(2025, 7, 21, 6, tzinfo=UTC)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setattr(Context, "embedder", lambda self, threads=None: HashEmbedder(256))
    env = {"PAPERS_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": ""}
    store = Store.open(sqlite_url(Path(env["PAPERS_DATA_DIR"])))
    store.upsert(
        [
            Paper(id="2507.10001", title="Quantization of weights", abstract="Four bits."),
            Paper(
                id="0704.0644",
                title="Quantization that did not hold",
                abstract="This paper has been withdrawn due to an error in Lemma 8.",
                extras={"withdrawn": True},
            ),
            Paper(id="2507.20001", title="Speech recognition", abstract="Audio."),
            Paper(id="2507.20002", title="Robot control", abstract="Arms."),
        ],
        now=NOW,
    )
    store.close()
    return env


def run(env: dict[str, str], *args: str):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_a_withdrawn_paper_is_found_and_marked(env):
    result = run(env, "search", "quantization", "-k", "2", "--json")
    assert result.exit_code == 0, result.output
    withdrawn = {hit["id"]: hit["withdrawn"] for hit in json.loads(result.stdout)}
    assert withdrawn == {"0704.0644": True, "2507.10001": False}
    text = run(env, "search", "quantization", "-k", "2").output
    assert "[0704.0644] Quantization that did not hold [withdrawn]" in text
