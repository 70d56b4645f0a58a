"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from recommender import SAMPLES_DIR
from recommender.embed import DEFAULT_MODEL, Recipe, SentenceTransformerEmbedder
from recommender.onnx_embed import OnnxEmbedder
from recommender.store import Store, sqlite_url
from tests.fake_arxiv import FakeArxiv
from tests.postgres import postgres_server

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixtures_dir() -> Path:
    """Recorded responses: arxiv-api/, oai-pmh/, arxiv-abs/ and hand-written files."""
    return FIXTURES


@pytest.fixture
def samples_dir() -> Path:
    """The five bundled seed digests."""
    return SAMPLES_DIR


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """The admin URL of a real PostgreSQL server (see tests/postgres.py)."""
    given = os.environ.get("PAPERS_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    with postgres_server() as url:
        yield url


def _fresh_postgres_database(admin_url: str) -> Iterator[str]:
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: SQLite in tmp_path, then a new database on the real server."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    yield from _fresh_postgres_database(request.getfixturevalue("postgres_admin_url"))


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    """A fresh, empty database on the real PostgreSQL server, for what only it can do."""
    yield from _fresh_postgres_database(postgres_admin_url)


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """The real store on each database the product supports."""
    opened = Store.open(database_url)
    yield opened
    opened.close()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    """The real store on SQLite only, for tests whose subject is not the database."""
    opened = Store.open(sqlite_url(tmp_path))
    yield opened
    opened.close()


@pytest.fixture
def fake_arxiv() -> Iterator[FakeArxiv]:
    """The arXiv API's id look-ups on a loopback port, answered from recordings."""
    with FakeArxiv().running() as fake:
        yield fake


@pytest.fixture(scope="session")
def session_graphs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder of the model's ONNX graphs for the session (recommender/onnx_embed.py)."""
    return tmp_path_factory.mktemp("graphs")


@pytest.fixture(scope="session")
def exported_graphs(session_graphs: Path) -> Path:
    """The session's folder with the bundled model's graphs in it, float32 and int8."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_OFFLINE", "1")
        patch.setenv("TRANSFORMERS_OFFLINE", "1")
        for recipe in (Recipe(DEFAULT_MODEL), Recipe(DEFAULT_MODEL, int8=True)):
            OnnxEmbedder(session_graphs, recipe).encode(["export the graph now, offline"])
    return session_graphs


@pytest.fixture(autouse=True)
def _the_sessions_graphs(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """`papers` commands and processes share the session's graphs (PAPERS_MODELS_DIR) rather
    than each exporting them into a fresh data dir. For the real model's tests they are
    exported before the test starts: an export takes 10 to 40 s, longer than a fake Slack
    waits for a digest."""
    real = request.node.get_closest_marker("model") is not None
    graphs = request.getfixturevalue("exported_graphs" if real else "session_graphs")
    monkeypatch.setenv("PAPERS_MODELS_DIR", str(graphs))


@pytest.fixture(scope="session")
def minilm() -> Iterator[SentenceTransformerEmbedder]:
    """The real bundled model, loaded once for the session, with the hub out of reach."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_OFFLINE", "1")
        patch.setenv("TRANSFORMERS_OFFLINE", "1")
        embedder = SentenceTransformerEmbedder()
        embedder.encode(["load the model now, offline"])
        yield embedder
