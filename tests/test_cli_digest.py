"""`papers digest` and `papers eval --feedback-rounds`, through click, with the hashing embedder."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import Context, cli
from recommender.embed import HashEmbedder
from recommender.models import Paper
from recommender.profiles import Keyword, Profile
from recommender.store import Store, sqlite_url

MON = datetime(2025, 7, 21, 6, tzinfo=UTC)
BEIR = Path(__file__).parent / "fixtures" / "feedback-beir"
PROFILE = """
name: Quantization
keywords: [quantization]
digest_size: 3
"""


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A throwaway data dir, a fixed clock, and the hashing embedder instead of the model."""
    monkeypatch.setattr(Context, "embedder", lambda self, *_, **__: HashEmbedder(256))
    monkeypatch.setattr(Context, "now", lambda self: MON + timedelta(hours=1))
    return {"PAPERS_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": ""}


@pytest.fixture
def store(env: dict[str, str]) -> Store:
    opened = Store.open(sqlite_url(Path(env["PAPERS_DATA_DIR"])))
    papers = [
        Paper(id=f"2507.1000{i}", title=f"Quantization method {i}", abstract=f"Low-bit {i}.")
        for i in range(1, 5)
    ]
    papers.append(Paper(id="2507.20001", title="Speech recognition", abstract="Audio."))
    opened.upsert(papers, now=MON)
    yield opened
    opened.close()


def run(env: dict[str, str], *args: str):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def profile_file(tmp_path: Path, text: str = PROFILE) -> Path:
    path = tmp_path / "quant.yaml"
    path.write_text(text)
    return path


def test_a_dry_run_prints_the_picks_and_records_nothing(env, store, tmp_path):
    result = run(env, "digest", "--profile", str(profile_file(tmp_path)), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Quantization: 3 picks from 5 new papers since 2025-07-20 06:00 UTC" in result.stdout
    assert result.stdout.count("why: matched: quantization") == 3
    assert "https://arxiv.org/abs/2507.1000" in result.stdout
    assert "(dry run: not recorded as sent" in result.stdout
    assert store.sent.last(["file:quant"]) == {}


def test_a_digest_is_recorded_and_not_sent_again(env, store, tmp_path):
    path = str(profile_file(tmp_path))
    first = json.loads(run(env, "digest", "--profile", path, "--json").stdout)
    sent = {pick["id"] for pick in first["picks"]}
    assert len(sent) == 3 and store.sent.papers(["file:quant"], sent)["file:quant"] == sent
    again = run(env, "digest", "--profile", path)
    assert "Nothing new since 2025-07-21 07:00 UTC" in again.stdout
    back = run(env, "digest", "--profile", path, "--since", "2025-07-01", "--json")
    back = json.loads(back.stdout)
    assert [pick["id"] for pick in back["picks"]] == ["2507.10004"]


def test_a_bad_profile_is_a_one_line_error_naming_file_and_field(env, store, tmp_path):
    path = profile_file(tmp_path, "keywords: [{phrase: quantization, weight: 0}]\n")
    result = run(env, "digest", "--profile", str(path))
    assert result.exit_code == 1
    assert f"Error: {path}: keywords[0].weight: must be a number > 0" in result.output


def test_feedback_rounds_add_two_series_to_the_json(env, tmp_path):
    result = run(
        env,
        "eval",
        "--corpus", str(BEIR / "corpus.jsonl"),
        "--queries", str(BEIR / "queries.jsonl"),
        "--qrels", str(BEIR / "qrels.tsv"),
        "--work-dir", str(tmp_path / "work"),
        "--feedback-rounds", "2",
        "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"bm25", "dense", "hybrid", "feedback", "no_feedback"} <= set(data)
    assert len(data["feedback"]) == len(data["no_feedback"]) == 3
    assert data["feedback"][0] == data["no_feedback"][0]


def test_feedback_rounds_print_a_table(env, tmp_path):
    result = run(
        env,
        "eval",
        "--corpus", str(BEIR / "corpus.jsonl"),
        "--queries", str(BEIR / "queries.jsonl"),
        "--qrels", str(BEIR / "qrels.tsv"),
        "--feedback-rounds", "1",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "round  feedback  no_feedback  ratio  queries" in result.stdout
    assert result.stdout.rstrip().splitlines()[-2].split()[-2:] == ["1.00", "3"]


def test_libraries_print_a_table_and_json_ending_with_libraries(env, tmp_path):
    libraries = Path(__file__).parent / "fixtures" / "libraries" / "libraries.tsv"
    args = ["eval", "--corpus", str(BEIR / "corpus.jsonl"), "--libraries", str(libraries)]
    args += ["--work-dir", str(tmp_path / "work")]
    result = run(env, *args)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].split() == ["nDCG@10", "R@10", "R@50"]
    assert [line.split()[0] for line in result.stdout.splitlines()[1:3]] == ["ranked", "mmr"]
    assert (
        "3 users" in result.stdout and "1 skipped (no seed or no held-out paper)" in result.stdout
    )
    data = json.loads(run(env, *args, "--json").stdout)
    assert list(data)[-1] == "libraries"
    assert data["libraries"]["users"] == 3


@pytest.mark.parametrize(
    "extra",
    [
        ["--libraries", "LIBS", "--queries", "Q"],
        ["--libraries", "LIBS", "--feedback-rounds", "1"],
        [],
    ],
)
def test_libraries_and_queries_do_not_mix(env, extra):
    paths = {"LIBS": str(Path(__file__).parent / "fixtures" / "libraries" / "libraries.tsv")}
    paths["Q"] = str(BEIR / "queries.jsonl")
    result = run(
        env, "eval", "--corpus", str(BEIR / "corpus.jsonl"), *[paths.get(a, a) for a in extra]
    )
    assert result.exit_code == 2
    assert "--libraries" in result.output


def test_a_libraries_file_without_its_header_is_named(env, tmp_path):
    bad = tmp_path / "libraries.tsv"
    bad.write_text("u1\td1\tseed\n")
    result = run(env, "eval", "--corpus", str(BEIR / "corpus.jsonl"), "--libraries", str(bad))
    assert result.exit_code == 1
    assert f"Error: {bad}: line 1: expected the header user<TAB>doc<TAB>role" in result.output


def test_a_subscribers_next_digest_is_shown_and_not_recorded(env, store):
    profile = Profile(keywords=(Keyword("quantization"),), digest_size=3)
    store.profiles.save("user:T1:U1", profile, now=MON)
    result = run(env, "digest", "--target", "user:T1:U1", "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("user:T1:U1: 3 picks from 5 new papers")
    assert "(dry run: not recorded as sent" in result.stdout
    assert store.sent.last(["user:T1:U1"]) == {}
    assert json.loads(run(env, "digest", "--target", "user:T1:U1", "--dry-run", "--json").stdout)[
        "picks"
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target", "user:T1:U1"], "add --dry-run"),
        (["--target", "user:T1:U1", "--dry-run", "--since", "7d"], "go with --profile"),
        ([], "say whose digest"),
        (["--target", "user:T1:U9", "--dry-run"], "user:T1:U9 has no profile yet"),
    ],
)
def test_a_target_digest_says_what_is_wrong(env, store, args, message):
    result = run(env, "digest", *args)
    assert result.exit_code in (1, 2) and message in result.output
