"""The `papers` command, run through click with real settings, store and loopback feeds."""

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Response

from bot.cli import cli
from recommender.store import Store, sqlite_url
from tests.support import recorded_body


@pytest.fixture
def env(tmp_path: Path, httpserver: HTTPServer) -> dict[str, str]:
    """Settings for a throwaway data dir and feeds on loopback, without arXiv's 3 s pace."""
    base = httpserver.url_for("")
    return {
        "PAPERS_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": "",
        "PAPERS_ARXIV_API_URL": f"{base}api/query",
        "PAPERS_ARXIV_RSS_URL": f"{base}rss",
        "PAPERS_OAI_URL": f"{base}oai",
        "PAPERS_HF_URL": f"{base}api/daily_papers",
        "PAPERS_ARXIV_INTERVAL": "0",
        "PAPERS_HTTP_RETRIES": "1",
    }


def run(env: dict[str, str], *args: str):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_ingest_files_reports_and_stats_count(env, samples_dir):
    result = run(env, "ingest", "file", *map(str, sorted(samples_dir.glob("*.txt"))))
    assert result.exit_code == 0, result.output
    assert "5 file(s): added 364, updated 0, unchanged 0, rejected 0" in result.output
    again = run(env, "ingest", "file", "--json", str(samples_dir / "000_aa4dc63787281bb6.txt"))
    assert json.loads(again.output) == {"added": 0, "updated": 0, "unchanged": 10, "rejected": []}
    stats = run(env, "stats", "--json")
    assert json.loads(stats.output)["papers"] == 364


def test_ingest_file_with_bad_input_names_it_and_exits_nonzero(env, samples_dir, tmp_path):
    junk = tmp_path / "junk.txt"
    junk.write_text("nothing like a paper feed")
    result = run(env, "ingest", "file", str(samples_dir / "000_aa4dc63787281bb6.txt"), str(junk))
    assert result.exit_code == 1
    assert re.search(r"rejected: .*junk\.txt: file: .*not a format papers can read", result.output)
    assert "added 10" in result.output


def test_ingest_file_with_a_named_format(env, fixtures_dir):
    path = fixtures_dir / "beir" / "corpus.jsonl"
    result = run(env, "ingest", "file", "--format", "beir-corpus", "--json", str(path))
    assert result.exit_code == 0 and json.loads(result.output)["added"] > 0
    wrong = run(env, "ingest", "file", "--format", "nope", str(path))
    assert wrong.exit_code == 2 and "Invalid value for '--format'" in wrong.output


def _api_page(fixtures_dir: Path, name: str, total: int) -> bytes:
    body = recorded_body(fixtures_dir / "arxiv-api" / name).decode("utf-8")
    return re.sub(
        r"<opensearch:totalResults>\d+", f"<opensearch:totalResults>{total}", body
    ).encode()


def test_ingest_arxiv_pages_through_the_api(env, fixtures_dir, httpserver: HTTPServer):
    first = _api_page(fixtures_dir, "q_testing_s0_m10_bc5a6c384fe9.json", 110)
    second = _api_page(fixtures_dir, "q_testing_s10_m10_34e56e15aaac.json", 110)
    pages = {"0": first, "100": second}
    httpserver.expect_request("/api/query").respond_with_handler(
        lambda request: Response(pages[request.args["start"]])
    )
    result = run(env, "ingest", "arxiv", "--category", "cs.SE", "--days", "2", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["added"] == 20
    query = httpserver.log[0][0].args
    assert query["search_query"].startswith("cat:cs.SE AND submittedDate:[")


def test_ingest_arxiv_server_error_keeps_earlier_pages(env, fixtures_dir, httpserver: HTTPServer):
    first = _api_page(fixtures_dir, "q_testing_s0_m10_bc5a6c384fe9.json", 110)

    def first_page_only(request):
        if request.args["start"] == "0":
            return Response(first)
        return Response("oops", status=500)

    httpserver.expect_request("/api/query").respond_with_handler(first_page_only)
    result = run(env, "ingest", "arxiv", "--category", "cs.SE")
    assert result.exit_code == 1
    assert "HTTP 500" in result.output and "added 10" in result.output
    assert json.loads(run(env, "stats", "--json").output)["papers"] == 10


def test_ingest_rss_and_an_empty_weekend_feed(env, fixtures_dir, httpserver: HTTPServer):
    feed = (fixtures_dir / "rss" / "cs.CL.rss.xml").read_bytes()
    httpserver.expect_oneshot_request("/rss/cs.CL+cs.LG").respond_with_data(feed)
    result = run(env, "ingest", "rss", "cs.CL+cs.LG", "--json")
    assert result.exit_code == 0 and json.loads(result.output)["added"] == 4
    empty = (fixtures_dir / "rss" / "empty.rss.xml").read_bytes()
    httpserver.expect_oneshot_request("/rss/cs.CL+cs.LG").respond_with_data(empty)
    weekend = run(env, "ingest", "rss", "cs.CL+cs.LG")
    assert weekend.exit_code == 0 and "added 0" in weekend.output


def test_ingest_hf_day(env, fixtures_dir, httpserver: HTTPServer):
    day = (fixtures_dir / "hf" / "daily_papers_2025-07-10.json").read_bytes()
    httpserver.expect_request(
        "/api/daily_papers", query_string="date=2025-07-10"
    ).respond_with_data(day)
    result = run(env, "ingest", "hf", "--date", "2025-07-10", "--json")
    assert result.exit_code == 0 and json.loads(result.output)["added"] > 0


def test_ingest_hf_unreachable_names_the_url(env, httpserver: HTTPServer):
    httpserver.expect_request("/api/daily_papers").respond_with_data("down", status=503)
    result = run(env, "ingest", "hf", "--date", "2025-07-10")
    assert result.exit_code == 1
    assert "api/daily_papers" in result.output and "HTTP 503" in result.output


def test_ingest_oai_follows_the_resumption_token(env, fixtures_dir, httpserver: HTTPServer):
    listing = (fixtures_dir / "oai-pmh" / "ListRecordsResponse.xml").read_bytes()
    last = (fixtures_dir / "oai-pmh" / "ErrorResponseNoRecordsMatch.xml").read_bytes()
    httpserver.expect_request("/oai").respond_with_handler(
        lambda request: Response(last if "resumptionToken" in request.args else listing)
    )
    result = run(
        env, "ingest", "oai", "--from", "2014-10-01", "--set", "physics", "--no-embed", "--json"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["added"] == 6
    assert httpserver.log[1][0].args["resumptionToken"] == "726959|1001"


def test_a_worker_on_sqlite_says_it_needs_postgresql(env):
    result = run({**env, "SLACK_BOT_TOKEN": "xoxb-test"}, "worker")
    assert result.exit_code == 1
    assert "claim digests through PostgreSQL (DATABASE_URL)" in result.output


def test_every_command_is_documented_in_the_readme():
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    commands = []
    for name, command in cli.commands.items():
        subcommands = getattr(command, "commands", None)
        commands += (
            [f"papers {name} {sub}" for sub in subcommands] if subcommands else [f"papers {name}"]
        )
    missing = [command for command in commands if command not in readme]
    assert missing == []


@pytest.mark.model
def test_demo_then_run_once_and_status(env, tmp_path, samples_dir):
    """The main job on the embedded default (the real bundled model), then the pipeline."""
    profiles = Path(__file__).parent.parent / "profiles"
    demo = run(env, "demo", "--profiles", str(profiles))
    assert demo.exit_code == 0, demo.output
    assert "ingested the bundled sample feeds: added 364" in demo.output
    assert "── #efficient-llm" in demo.output and "matched: quantization" in demo.output
    assert "── /papers speculative decoding" in demo.output
    sources = {**env, "PAPERS_SOURCES": f"files:{samples_dir}/000_*.txt"}
    once = run(sources, "run-once", "--dry-run", "--profiles", str(profiles))
    assert once.exit_code == 0, once.output
    assert "unchanged 10" in once.output and "delivered: due 0" in once.output
    assert "── #speech" in once.output
    status = run(env, "status", "--json")
    report = json.loads(status.output)
    assert report["papers"] == 364 and report["index"] == "current"
    assert [r["job"] for r in report["runs"]][:3] == ["deliver", "index", "ingest"]


def test_a_bad_setting_is_a_usage_error_naming_it(env):
    result = CliRunner().invoke(cli, ["stats"], env={**env, "PAPERS_HTTP_RETRIES": "lots"})

    assert result.exit_code == 2
    assert "PAPERS_HTTP_RETRIES='lots' is not a whole number" in result.output
    assert "Traceback" not in result.output


def test_run_once_does_not_deliver_beside_a_running_scheduler(env, samples_dir):
    sources = {**env, "PAPERS_SOURCES": f"files:{samples_dir}/000_*.txt"}
    store = Store.open(sqlite_url(Path(env["PAPERS_DATA_DIR"])))
    now = datetime.now(UTC)
    assert store.jobs.acquire(
        "scheduler", "scheduler:elsewhere:1", ttl=timedelta(minutes=10), now=now
    )

    refused = run(sources, "run-once", "--profiles", str(samples_dir / "none"))

    assert refused.exit_code == 1
    assert "a scheduler is running (scheduler:elsewhere:1), holding the delivery lease since" in (
        refused.output
    )
    assert "`papers run-once --force`" in refused.output
    assert "--dry-run" in refused.output
    assert store.count() == 0 and store.jobs.recent() == []  # nothing ran
    store.jobs.release("scheduler", "scheduler:elsewhere:1")
    done = run(sources, "run-once", "--profiles", str(samples_dir / "none"))
    assert done.exit_code == 0, done.output
    assert store.count() == 10
    assert store.jobs.holder("scheduler", now=datetime.now(UTC)) is None  # released


def test_a_bad_since_fails_before_the_index_is_brought_up_to_date(env, samples_dir):
    run(env, "ingest", "file", str(samples_dir / "000_aa4dc63787281bb6.txt"))
    result = run(env, "search", "llm", "--since", "yesterday")
    assert result.exit_code == 1
    assert "`--since yesterday`: use a number of days" in result.output
    assert not (Path(env["PAPERS_DATA_DIR"]) / "index").exists()  # nothing was indexed


@pytest.mark.parametrize(
    ("setting", "named"),
    [
        ({"SLACK_CLIENT_ID": "1.2"}, "SLACK_CLIENT_SECRET is not set"),
        ({"PAPERS_SOURCES": "files"}, "PAPERS_SOURCES='files': source 'files': say which"),
    ],
)
def test_run_once_with_a_bad_setting_stops_before_any_ingest(env, samples_dir, setting, named):
    result = run({**env, **setting}, "run-once", "--profiles", str(samples_dir / "none"))

    assert result.exit_code == 2
    assert named in result.output and "Traceback" not in result.output
    assert not Path(env["PAPERS_DATA_DIR"]).exists()  # no store opened, nothing ingested


def test_search_names_a_bad_category_before_any_work(env):
    result = run(env, "search", "llm", "--category", "CS/CL")
    assert result.exit_code == 1
    assert "'CS/CL' is not an arXiv category" in result.output
    assert not (Path(env["PAPERS_DATA_DIR"]) / "index").exists()


def test_arxivs_error_feed_fails_the_ingest_and_shows_in_status(env, httpserver, fixtures_dir):
    error_feed = (fixtures_dir / "rss" / "error.rss.xml").read_bytes()
    httpserver.expect_request("/rss/astroph").respond_with_data(error_feed)
    result = run(env, "ingest", "rss", "astroph")
    assert result.exit_code == 1
    assert "arXiv RSS astroph: request: arXiv refused the feed: Bad archive 'astroph'" in (
        result.output
    )
    saved = run(env, "ingest", "file", str(fixtures_dir / "rss" / "error.rss.xml"))
    assert saved.exit_code == 1 and "Bad archive 'astroph'" in saved.output
    once = run({**env, "PAPERS_SOURCES": "arxiv-rss:astroph"}, "run-once", "--dry-run")
    assert "Bad archive 'astroph'" in once.output
    status = run({**env, "PAPERS_SOURCES": "arxiv-rss:astroph"}, "status")
    assert "source: arxiv-rss:astroph failed: arXiv refused the feed: Bad archive" in status.output


def test_ingest_file_on_a_directory_of_mixed_files_says_how_each_went(env, tmp_path, fixtures_dir):
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    for folder, name in [
        ("rss", "cs.CL.rdf.xml"), ("rss", "error.rss.xml"),
        ("oai-pmh", "ListRecordsOaiDc.xml"), ("arxiv-abs", "cs-0006008.abs"),
    ]:  # fmt: skip
        (mixed / name).write_bytes((fixtures_dir / folder / name).read_bytes())
    (mixed / "notes.txt").write_bytes(b"\x00\x01 not a feed")
    (mixed / ".hidden").write_bytes(b"skipped")

    result = run(env, "ingest", "file", str(mixed))

    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert f"{mixed}/ListRecordsOaiDc.xml: added 2, updated 0, unchanged 0, rejected 0" in lines
    assert f"{mixed}/cs-0006008.abs: added 1, updated 0, unchanged 0, rejected 0" in lines
    assert f"{mixed}/cs.CL.rdf.xml: added 3, updated 0, unchanged 0, rejected 0" in lines
    assert f"{mixed}/error.rss.xml: added 0, updated 0, unchanged 0, rejected 1" in lines
    assert any(
        line.startswith(f"rejected: {mixed}/notes.txt: file: not a format papers can read")
        for line in lines
    )
    assert "5 file(s): added 6, updated 0, unchanged 0, rejected 2" in lines


def test_profile_import_says_what_it_did_and_refuses_bad_files(env, samples_dir, tmp_path):
    run(env, "ingest", "file", str(samples_dir / "000_aa4dc63787281bb6.txt"))
    store = Store.open(sqlite_url(tmp_path / "data"))
    [known] = [paper for _, paper in store.iter_keyed()][:1]
    library = tmp_path / "library.bib"
    library.write_text(
        f"@misc{{a, title = {{{known.title}}}}}\n"
        "@article{b, title = {My own paper}, abstract = {About things.}}\n"
        "@misc{c, year = {2020}}\n",
        encoding="utf-8",
    )
    target = "user:T1:U1"
    result = run(env, "profile", "import", "--target", target, str(library))
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"{library}: imported 2 papers: 1 found in the archive, 1 kept as text; "
        "1 line not understood (line 3: '@misc{c' (no title, arXiv id or DOI))\n"
    )
    profile = store.profiles.get(target)
    assert profile.seeds == (known.id,) and profile.text_seeds[0].title == "My own paper"
    empty = tmp_path / "empty.txt"
    empty.write_text("---\n", encoding="utf-8")
    refused = run(env, "profile", "import", "--target", target, str(empty))
    assert refused.exit_code == 1
    assert refused.output == (
        f"Error: {empty}: no paper found in it: line 1: '---' (no words to read); "
        "nothing was imported\n"
    )
    bad = run(env, "profile", "import", "--target", "someone", str(library))
    assert bad.exit_code == 1 and "'someone' is not a target" in bad.output
    assert store.profiles.get(target) == profile
    store.close()
