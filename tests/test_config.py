"""Settings from the environment: defaults, parsing, and clear errors for bad values."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.cli.context import Context
from bot.config import Settings, SettingsError, SlackMode
from bot.errors import MissingSetting
from recommender import embed
from recommender.delivery import GRACE
from recommender.embed import SentenceTransformerEmbedder, native_int8
from recommender.models import Paper
from recommender.onnx_embed import OnnxEmbedder
from recommender.pipeline import Source

NOW = datetime(2026, 12, 3, tzinfo=UTC)


def test_defaults_need_no_environment() -> None:
    settings = Settings.from_env({})

    assert (settings.embedding_precision, settings.http_retries, settings.port) == ("auto", 4, 3000)
    assert settings.arxiv_interval == 3.0


def test_the_delivery_grace_default_is_the_librarys() -> None:
    hours = Settings.from_env({}).delivery_grace_hours
    assert hours == 12.0 and timedelta(hours=hours) == GRACE


def test_numbers_and_choices_are_read() -> None:
    settings = Settings.from_env(
        {
            "PAPERS_ARXIV_INTERVAL": "0.5",
            "PAPERS_HTTP_RETRIES": "2",
            "PORT": "8080",
            "PAPERS_EMBEDDING_PRECISION": "float32",
            "PAPERS_EMBEDDING_WORD_PIECES": "128",
        }
    )

    assert (settings.arxiv_interval, settings.http_retries, settings.port) == (0.5, 2, 8080)
    assert (settings.embedding_precision, settings.embedding_word_pieces) == ("float32", 128)
    assert Settings.from_env({}).embedding_word_pieces == 0  # the model's own window


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PAPERS_HTTP_RETRIES", "three", "PAPERS_HTTP_RETRIES='three' is not a whole number"),
        ("PAPERS_HTTP_RETRIES", "2.5", "is not a whole number (default 4)"),
        ("PORT", "-1", "PORT='-1' must not be negative"),
        ("PAPERS_ARXIV_INTERVAL", "fast", "PAPERS_ARXIV_INTERVAL='fast' is not a number"),
        ("PAPERS_DELIVERY_GRACE_HOURS", "", "PAPERS_DELIVERY_GRACE_HOURS='' is not a number"),
        ("PAPERS_EMBEDDING_PRECISION", "fp16", "is not one of auto, float32, bfloat16, int8"),
        ("PAPERS_EMBEDDING_WORD_PIECES", "-128", "must not be negative (default 0)"),
        ("PAPERS_EMBEDDING_WORD_PIECES", "short", "is not a whole number (default 0)"),
    ],
)
def test_a_bad_value_names_the_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Settings.from_env({name: value})


def test_sources_are_parsed_at_start() -> None:
    settings = Settings.from_env({"PAPERS_SOURCES": "arxiv-api:cs.CL, hf"})

    assert settings.sources == (Source("arxiv-api", "cs.CL"), Source("hf"))
    assert Settings.from_env({}).sources == (
        Source("arxiv-rss", "cs.CL+cs.LG+cs.AI+stat.ML"),
        Source("hf"),
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [("rss:cs.CL", "kind must be one of"), ("arxiv-rss", "say which, e.g. arxiv-rss:cs.CL")],
)
def test_a_bad_source_names_the_variable(value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=f"PAPERS_SOURCES='{value}': source .*{message}"):
        Settings.from_env({"PAPERS_SOURCES": value})


@pytest.mark.parametrize(
    ("env", "mode"),
    [
        ({}, SlackMode.NONE),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, SlackMode.TOKEN),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}, SlackMode.TOKEN),
        ({"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s"}, SlackMode.OAUTH),
        (
            {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s", "SLACK_BOT_TOKEN": ""},
            SlackMode.OAUTH,
        ),
    ],
)
def test_the_slack_mode_is_worked_out_at_start(env: dict[str, str], mode: SlackMode) -> None:
    assert Settings.from_env(env).slack_mode is mode


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"SLACK_CLIENT_ID": "1.2"}, "SLACK_CLIENT_SECRET"),
        ({"SLACK_CLIENT_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_CLIENT_ID"),
        ({"SLACK_APP_TOKEN": "xapp-1"}, "SLACK_BOT_TOKEN"),
    ],
)
def test_a_half_set_slack_config_names_what_is_missing(env: dict[str, str], variable: str) -> None:
    with pytest.raises(MissingSetting, match=f"{variable} is not set"):
        Settings.from_env(env)


def test_delivery_threads_other_than_one_need_postgresql() -> None:
    postgres = "postgresql+psycopg://papers@db/papers"
    assert Settings.from_env({}).delivery_threads == 1
    assert (
        Settings.from_env(
            {"DATABASE_URL": postgres, "PAPERS_DELIVERY_THREADS": "0"}
        ).delivery_threads
        == 0
    )
    with pytest.raises(
        SettingsError, match="PAPERS_DELIVERY_THREADS=4: .* SQLite keeps one sender"
    ):
        Settings.from_env({"PAPERS_DELIVERY_THREADS": "4"})


def test_the_web_catches_its_index_up_every_thirty_seconds_unless_told() -> None:
    assert Settings.from_env({}).index_refresh_seconds == 30.0
    assert Settings.from_env({"PAPERS_INDEX_REFRESH_SECONDS": "0"}).index_refresh_seconds == 0
    with pytest.raises(SettingsError, match="PAPERS_INDEX_REFRESH_SECONDS='soon' is not a number"):
        Settings.from_env({"PAPERS_INDEX_REFRESH_SECONDS": "soon"})


def test_reactions_are_read_and_default_to_the_six_emoji() -> None:
    assert dict(Settings.from_env({}).reactions) == {
        "+1": "more", "heart": "more", "fire": "more", "star": "more",
        "-1": "not_interested", "bookmark": "save",
    }  # fmt: skip
    settings = Settings.from_env({"PAPERS_REACTIONS": ":tada:=more, eyes = save"})
    assert dict(settings.reactions) == {"tada": "more", "eyes": "save"}
    assert dict(Settings.from_env({"PAPERS_REACTIONS": ""}).reactions) == {}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("tada", "'tada' is not emoji=verdict"),
        ("tada=love", "'tada=love': the verdict must be one of more, not_interested, save"),
        ("tada=more,tada=save", "'tada=save': :tada: is given twice"),
        ("<!here>=more", "is not emoji=verdict"),
    ],
)
def test_a_bad_reaction_names_the_variable_and_the_pair(value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=f"PAPERS_REACTIONS=.*{message}"):
        Settings.from_env({"PAPERS_REACTIONS": value})


def test_the_commands_embed_with_the_configured_window_and_precision(tmp_path) -> None:
    def named(**env: str) -> str:
        return Context(Settings.from_env({"PAPERS_DATA_DIR": str(tmp_path), **env})).embedder().name

    assert named(PAPERS_EMBEDDING_WORD_PIECES="128", PAPERS_EMBEDDING_PRECISION="float32") == (
        "all-MiniLM-L6-v2@128"
    )
    assert named(PAPERS_EMBEDDING_PRECISION="bfloat16") == "all-MiniLM-L6-v2"
    assert named(PAPERS_EMBEDDING_PRECISION="int8") == "all-MiniLM-L6-v2+int8"
    # An empty store: this CPU's choice.
    assert named() == ("all-MiniLM-L6-v2+int8" if native_int8() else "all-MiniLM-L6-v2")


def test_the_models_folder_is_the_data_dirs_unless_set(tmp_path) -> None:
    assert Settings.from_env({"PAPERS_DATA_DIR": str(tmp_path)}).models == tmp_path / "models"
    shared = {"PAPERS_DATA_DIR": str(tmp_path), "PAPERS_MODELS_DIR": str(tmp_path / "shared")}
    assert Settings.from_env(shared).models == tmp_path / "shared"


@pytest.mark.parametrize("archived", ["all-MiniLM-L6-v2", "all-MiniLM-L6-v2+int8"])
def test_auto_keeps_the_recipe_the_store_is_embedded_in(tmp_path, archived: str) -> None:
    context = Context(Settings.from_env({"PAPERS_DATA_DIR": str(tmp_path)}))
    context.store.upsert([Paper(id="2501.00001", title="One", abstract="A.")], now=NOW)
    context.store.save_embeddings(archived, [(context.store.keys()[0], "h", b"\0" * 4)])

    assert context.embedder().name == archived
    assert context.embedder(threads=1).name == context.query_embedder().name == archived
    # An evaluation's own work dir is not the store's: there the CPU chooses.
    assert context.embedder(archived=False).name == (
        "all-MiniLM-L6-v2+int8" if native_int8() else "all-MiniLM-L6-v2"
    )


def test_papers_are_embedded_on_onnx_runtime_unless_torch_runs_them_in_bfloat16(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def embedder(**env: str):
        return Context(Settings.from_env({"PAPERS_DATA_DIR": str(tmp_path), **env})).embedder()

    assert isinstance(embedder(PAPERS_EMBEDDING_PRECISION="float32"), OnnxEmbedder)
    assert isinstance(embedder(PAPERS_EMBEDDING_PRECISION="int8"), OnnxEmbedder)
    assert isinstance(embedder(PAPERS_EMBEDDING_PRECISION="bfloat16"), SentenceTransformerEmbedder)
    # `auto` on a store of float vectors: bfloat16 where the CPU has it, else the graph.
    context = Context(Settings.from_env({"PAPERS_DATA_DIR": str(tmp_path)}))
    context.store.upsert([Paper(id="2501.00001", title="One", abstract="A.")], now=NOW)
    context.store.save_embeddings("all-MiniLM-L6-v2", [(context.store.keys()[0], "h", b"\0" * 4)])
    monkeypatch.setattr(embed, "native_bfloat16", lambda: True)
    assert isinstance(embedder(), SentenceTransformerEmbedder)
    monkeypatch.setattr(embed, "native_bfloat16", lambda: False)
    assert isinstance(embedder(), OnnxEmbedder)
