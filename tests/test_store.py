import json
import multiprocessing
import sqlite3
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import alembic.command
import alembic.config
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, func, inspect, select
from sqlalchemy.exc import IntegrityError

from recommender.errors import InvalidCategory
from recommender.ids import title_id
from recommender.models import Paper
from recommender.schedule import Schedule
from recommender.sources import arxiv_api, hf_papers_text
from recommender.store import _MIGRATIONS, Store
from recommender.store.db import connect
from recommender.store.schema import deliveries, feedback, metadata, papers, saved, sent

NOW = datetime(2025, 7, 25, 12, tzinfo=UTC)
LATER = datetime(2025, 7, 26, 12, tzinfo=UTC)


def paper(pid="2507.07186", version=1, title="Planted in Pretraining", **kw) -> Paper:
    kw.setdefault("sources", ("arxiv-api",))
    return Paper(
        id=pid, title=title, abstract=kw.pop("abstract", "An abstract."), version=version, **kw
    )


def test_schema_is_created_by_migrations(store: Store):
    tables = set(inspect(store.engine).get_table_names())
    assert {"papers", "paper_aliases", "alembic_version"} <= tables


def test_migrations_match_the_schema_module(store: Store):
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn)
        assert compare_metadata(context, metadata) == []


def test_round_trip_keeps_every_field(store: Store):
    original = paper(
        authors=("A. Author", "B. Author"),
        categories=("cs.CL", "cs.LG"),
        published=datetime(2025, 7, 9, 17, 59, 1, tzinfo=UTC),
        updated=datetime(2025, 7, 10, 8, 0, tzinfo=UTC),
        extras={"doi": "10.1/x", "hf_upvotes": 12, "ai_keywords": ["LLM", "bias"]},
    )
    assert store.upsert([original], now=NOW).added == ["2507.07186"]
    assert store.get("2507.07186") == original


def test_reingesting_the_same_batch_changes_nothing(store: Store):
    batch = [paper(), paper("2507.07188", title="Prompt Perturbations")]
    store.upsert(batch, now=NOW)
    result = store.upsert(batch, now=LATER)
    assert result.added == [] and result.updated == []
    assert sorted(result.unchanged) == ["2507.07186", "2507.07188"]
    assert store.count() == 2
    assert store.stats().last_ingested == NOW


def test_insert_new_stores_a_batch_as_upsert_would(store: Store):
    batch = [
        paper(authors=("A. Author",), categories=("cs.CL",), extras={"doi": "10.1/x"}),
        paper("2507.07188", title="Prompt Perturbations"),
    ]
    store.insert_new(batch, now=NOW)
    assert [store.get(p.id) for p in batch] == batch
    assert store.stats().last_ingested == NOW
    # Stored rows merge as upsert's own: a v2 updates the bulk-loaded row.
    assert store.upsert([paper(version=2)], now=LATER).updated == ["2507.07186"]


def test_insert_new_of_a_stored_paper_stores_none_of_the_batch(store: Store):
    store.insert_new([paper()], now=NOW)
    with pytest.raises(IntegrityError):
        store.insert_new([paper("2507.07188", title="Prompt Perturbations"), paper()], now=LATER)
    assert store.count() == 1


def test_unembedded_counts_the_papers_without_a_vector_of_the_model(store: Store):
    store.upsert([paper(), paper("2507.07188", title="Prompt Perturbations")], now=NOW)
    assert store.unembedded("m") == 2
    store.save_embeddings("m", [(store.keys()[0], "hash", b"\0" * 4)])
    assert (store.unembedded("m"), store.unembedded("other")) == (1, 2)


def test_v2_updates_the_v1_row(store: Store):
    store.upsert([paper(version=1)], now=NOW)
    result = store.upsert([paper(version=2, title="Planted, revised", abstract="New.")], now=LATER)
    assert result.updated == ["2507.07186"]
    stored = store.get("2507.07186")
    assert (stored.version, stored.title, stored.abstract) == (2, "Planted, revised", "New.")
    assert store.count() == 1


def test_v1_and_v2_in_one_batch_make_one_row(store: Store):
    result = store.upsert([paper(version=2, title="New title"), paper(version=1)], now=NOW)
    assert result.added == ["2507.07186"] and result.unchanged == []
    assert store.get("2507.07186").title == "New title"


def test_title_only_record_merges_into_the_arxiv_record(store: Store):
    store.upsert([paper(title="Planted in Pretraining: A Case Study")], now=NOW)
    hf = Paper(
        id=title_id("planted in pretraining a case study"),
        title="Planted in Pretraining - a case study",
        abstract="Other text.",
        sources=("hf-papers-text",),
        extras={"hf_upvotes": 5},
    )
    result = store.upsert([hf], now=LATER)
    assert result.updated == ["2507.07186"] and store.count() == 1
    merged = store.get(hf.id)
    assert merged.id == "2507.07186" and merged.title == "Planted in Pretraining: A Case Study"
    assert merged.extras["hf_upvotes"] == 5
    assert merged.sources == ("arxiv-api", "hf-papers-text")
    assert store.upsert([hf], now=LATER).unchanged == ["2507.07186"]


def test_arxiv_record_takes_over_an_earlier_title_only_row(store: Store):
    hf = Paper(
        id=title_id("Grove MoE"),
        title="Grove MoE",
        abstract="HF text.",
        sources=("hf-papers-text",),
    )
    store.upsert([hf], now=NOW)
    result = store.upsert(
        [paper("2508.07785", title="Grove MoE", abstract="arXiv text.")], now=LATER
    )
    assert result.updated == ["2508.07785"] and store.count() == 1
    assert store.get(hf.id).id == "2508.07785"
    assert store.get("2508.07785").abstract == "arXiv text."


RISER = "RISER: Orchestrating Latent Reasoning Skills for Adaptive Activation Steering"
# An arXiv API entry (https://info.arxiv.org/help/api/user-manual.html) for the first paper of
# the bundled Hugging Face page 001; the id and the names are made up.
RISER_ENTRY = f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom"
      xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">
  <opensearch:totalResults>1</opensearch:totalResults>
  <entry>
    <id>http://arxiv.org/abs/2510.10001v1</id>
    <updated>2025-10-11T09:00:00Z</updated>
    <published>2025-10-11T09:00:00Z</published>
    <title>{RISER}</title>
    <summary>Activation steering without training.</summary>
    <author><name>Wen Li</name></author>
    <author><name>Ana Lima</name></author>
    <arxiv:primary_category term="cs.CL"/>
    <category term="cs.CL"/>
  </entry>
</feed>""".encode()


def test_a_paper_from_a_saved_page_joins_its_arxiv_record_which_wins(store: Store, samples_dir):
    page = hf_papers_text.parse((samples_dir / "001_67aa88f9a95c7108.txt").read_bytes(), "001")
    riser = page.papers[0]
    assert (
        riser.title == RISER
        and riser.authors == ()
        and riser.link.startswith("https://arxiv.org/search/?query=%22RISER%3A+Orchestrating")
    )
    store.upsert(list(page.papers), now=NOW)
    (arxiv,) = arxiv_api.parse(RISER_ENTRY, "api").papers
    assert store.upsert([arxiv], now=LATER).updated == ["2510.10001"]
    merged = store.get(riser.id)
    assert (merged.id, merged.authors, merged.categories) == (
        "2510.10001",
        ("Wen Li", "Ana Lima"),
        ("cs.CL",),
    )
    assert merged.abstract == "Activation steering without training."
    assert merged.link == "https://arxiv.org/abs/2510.10001"
    assert store.count() == len(page.papers)


def test_one_title_by_another_first_author_is_another_paper(store: Store):
    digest = Paper(
        id=title_id("Scaling Laws"),
        title="Scaling Laws",
        abstract="From a digest.",
        authors=("A. Lovelace", "G. Hopper"),
        sources=("digest-tldr",),
    )
    store.upsert([digest], now=NOW)
    other = paper("2501.00001", title="Scaling laws", authors=("Grace Hopper",))
    assert store.upsert([other], now=NOW).added == ["2501.00001"]
    same = paper("2501.00002", title="Scaling Laws", authors=("Ada Lovelace", "Grace Hopper"))
    assert store.upsert([same], now=LATER).updated == ["2501.00002"]
    assert store.get(digest.id).id == "2501.00002" and store.count() == 2


def test_two_arxiv_papers_with_one_title_stay_apart(store: Store):
    store.upsert(
        [paper("2501.00001", title="Introduction"), paper("2501.00002", title="Introduction")],
        now=NOW,
    )
    orphan = Paper(id=title_id("Introduction"), title="Introduction", sources=("hf-daily-text",))
    assert store.upsert([orphan], now=NOW).added == [orphan.id]
    assert store.count() == 3


def test_failed_batch_changes_nothing(store: Store):
    store.upsert([paper()], now=NOW)
    naive = paper("2507.07188", published=datetime(2025, 7, 9))  # no time zone: refused
    with pytest.raises(Exception, match="naive datetime"):
        store.upsert([paper(version=2, title="Changed"), naive], now=LATER)
    assert store.get("2507.07186").title == "Planted in Pretraining"
    assert store.get("2507.07188") is None and store.count() == 1


def test_stats_counts_sources_and_primary_categories(store: Store):
    store.upsert(
        [
            paper(categories=("cs.CL", "cs.AI")),
            paper(
                "2507.07188",
                categories=("cs.LG",),
                sources=("hf-daily",),
                published=datetime(2025, 7, 10, tzinfo=UTC),
            ),
        ],
        now=NOW,
    )
    stats = store.stats()
    assert stats.papers == 2
    assert stats.by_source == {"arxiv-api": 1, "hf-daily": 1}
    assert stats.by_category == {"cs.CL": 1, "cs.LG": 1}
    assert stats.newest_published == datetime(2025, 7, 10, tzinfo=UTC)


def test_reopening_an_existing_database_keeps_papers(database_url: str):
    first = Store.open(database_url)
    first.upsert([paper()], now=NOW)
    first.close()
    again = Store.open(database_url)
    assert again.get("2507.07186").title == "Planted in Pretraining"
    again.close()


def _migrate(database_url: str, command, revision: str) -> None:
    """Run Alembic's `command` (upgrade, downgrade) to `revision` on a database."""
    config = alembic.config.Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    engine = create_engine(database_url)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command(config, revision)
    engine.dispose()


def _before(revision: str) -> str:
    """The revision that `revision` migrates from."""
    config = alembic.config.Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return ScriptDirectory.from_config(config).get_revision(revision).down_revision


def test_upgrading_to_digest_windows_starts_them_at_the_last_sent_paper(database_url: str):
    # A database of the previous revision, whose windows were the last sent papers.
    _migrate(database_url, alembic.command.upgrade, "0004")
    engine = create_engine(database_url)
    with engine.begin() as conn:
        for sent_at in (NOW, LATER):
            conn.execute(
                sent.insert().values(
                    target="user:T1:U1", paper_id=f"p{sent_at.day}",
                    digest_date=sent_at.date(), sent_at=sent_at,
                )
            )  # fmt: skip
    engine.dispose()
    store = Store.open(database_url)
    assert store.sent.last(["user:T1:U1", "user:T1:U2"]) == {"user:T1:U1": LATER}
    store.close()


def test_upgrading_splits_a_deliverys_plan_from_what_was_posted_and_back(database_url: str):
    _migrate(database_url, alembic.command.upgrade, "0005")
    old = [
        {"plan": {"picks": ["a"]}, "parts": [{"ts": "1.0"}]},
        {"plan": None, "parts": []},  # a try that failed before it had a plan
    ]
    days = [date(2025, 7, 1), date(2025, 7, 2)]
    engine = create_engine(database_url)
    with engine.begin() as conn:
        for day, posted in zip(days, old, strict=True):
            conn.execute(
                deliveries.insert().values(
                    target="user:T1:U1", digest_date=day, status="pending", attempts=1,
                    posted=posted, updated=NOW,
                )
            )  # fmt: skip
    store = Store.open(database_url)
    first, second = (store.deliveries.get("user:T1:U1", day) for day in days)
    assert (first.plan, first.posted) == ({"picks": ["a"]}, ({"ts": "1.0"},))
    assert (second.plan, second.posted) == (None, ())
    store.close()
    _migrate(database_url, alembic.command.downgrade, "0005")
    with engine.connect() as conn:
        query = select(deliveries.c.posted).order_by(deliveries.c.digest_date)
        assert list(conn.scalars(query)) == old
    engine.dispose()


def test_upgrading_keeps_subscriptions_going_with_no_owner_and_back(database_url: str):
    _migrate(database_url, alembic.command.upgrade, _before("0009"))
    engine = create_engine(database_url)
    schedule = Schedule(at="07:30", tz="UTC")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO subscriptions (target, schedule, created, updated) "
            f"VALUES ('channel:T1:C1', '{json.dumps(schedule.as_dict())}', "
            "'2025-07-25 12:00:00', '2025-07-25 12:00:00')"
        )
    store = Store.open(database_url)
    state = store.subscriptions.state("channel:T1:C1")
    assert (state.schedule, state.owner, state.paused, state.failures) == (schedule, None, None, 0)
    assert store.subscriptions.active() == {"channel:T1:C1": schedule}
    store.subscriptions.log_change("channel:T1:C1", "user:T1:U1", "stopped it", {}, now=NOW)
    store.close()
    _migrate(database_url, alembic.command.downgrade, _before("0009"))
    assert "subscription_changes" not in inspect(engine).get_table_names()
    assert "owner" not in {c["name"] for c in inspect(engine).get_columns("subscriptions")}
    engine.dispose()


def _open_when_told(url: str, ready, start, results) -> None:
    ready.put(True)
    start.wait()
    try:
        Store.open(url).close()
        results.put("ok")
    except Exception as error:  # sent to the test, which shows it
        results.put(f"{type(error).__name__}: {error}")


def test_processes_opening_a_fresh_database_at_once_all_migrate_it(database_url: str):
    # As `papers serve` and `papers scheduler` do when both start on a new database.
    context = multiprocessing.get_context("spawn")
    ready, start, results = context.Queue(), context.Event(), context.Queue()
    openers = [
        context.Process(target=_open_when_told, args=(database_url, ready, start, results))
        for _ in range(4)
    ]
    for opener in openers:
        opener.start()
    for _ in openers:
        ready.get(timeout=60)
    start.set()
    outcomes = [results.get(timeout=120) for _ in openers]
    for opener in openers:
        opener.join(timeout=60)
    assert outcomes == ["ok"] * 4
    store = Store.open(database_url)
    assert {"papers", "alembic_version"} <= set(inspect(store.engine).get_table_names())
    store.close()


def test_a_fresh_sqlite_file_held_by_a_migrating_writer_is_switched_to_wal_once_it_commits(
    tmp_path: Path,
):
    # Another process's migration holds the write lock on a file still in rollback mode;
    # SQLite then refuses the switch to WAL at once, without waiting through busy_timeout.
    path = tmp_path / "papers.db"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("CREATE TABLE alembic_version (version_num VARCHAR(32))")
    holder.execute("BEGIN IMMEDIATE")
    commit = threading.Timer(0.5, holder.execute, ["COMMIT"])
    commit.start()
    engine = connect(f"sqlite:///{path}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    commit.join()
    assert not holder.in_transaction
    engine.dispose()
    holder.close()


def _three(store: Store) -> None:
    store.upsert(
        [
            paper(
                "2501.00001",
                title="One",
                authors=("Jürgen Schmidhuber", "Élodie Ørsted"),
                categories=("cs.LG", "cs.CL"),
                published=datetime(2025, 1, 1, tzinfo=UTC),
            ),
            paper(
                "2501.00002",
                title="Two",
                authors=("Yann LeCun",),
                categories=("cs.CV",),
                published=datetime(2025, 2, 1, tzinfo=UTC),
            ),
            paper(
                "2501.00003",
                title="Three",
                authors=("A_B 100%",),
                categories=("cs.CL",),
                published=datetime(2025, 3, 1, tzinfo=UTC),
            ),
        ],
        now=NOW,
    )


def test_keys_and_lookup_by_key(store: Store):
    _three(store)
    keys = store.keys()
    assert len(keys) == 3 and keys == sorted(keys)
    found = store.by_keys([keys[2], keys[0], 10**9])
    assert {p.title for p in found.values()} == {"One", "Three"}
    assert [pk for pk, _ in store.iter_keyed(after=keys[0])] == keys[1:]


@pytest.mark.parametrize(
    ("filters", "titles"),
    [
        ({"category": "cs.CL"}, {"One", "Three"}),
        ({"category": "cs.cl"}, {"One", "Three"}),
        ({"category": "cs"}, {"One", "Two", "Three"}),
        ({"category": "CS"}, {"One", "Two", "Three"}),
        ({"category": "cs.CV"}, {"Two"}),
        ({"since": datetime(2025, 2, 1, tzinfo=UTC)}, {"Two", "Three"}),
        ({"author": "jürgen"}, {"One"}),
        ({"author": "JÜRGEN"}, {"One"}),
        ({"author": "élodie ørsted"}, {"One"}),  # capitals beyond ASCII fold too
        ({"author": "jurgen"}, {"One"}),  # accents fold as for followed authors
        ({"author": "ELODIE"}, {"One"}),
        ({"author": "lecun"}, {"Two"}),
        ({"author": "%"}, {"Three"}),
        ({"author": "a_b"}, {"Three"}),
        ({"author": "a%b"}, set()),
        ({"category": "cs.CL", "author": "schmid"}, {"One"}),
    ],
)
def test_filter_keys(store: Store, filters, titles):
    _three(store)
    keys = store.filter_keys(store.keys(), **filters)
    assert {p.title for p in store.by_keys(keys).values()} == titles


@pytest.mark.parametrize(
    ("category", "titles"),
    [
        ("cs", {"One", "Two", "Three"}),
        ("CS", {"One", "Two", "Three"}),
        ("cs.cl", {"One", "Three"}),
        ("cs.CL", {"One", "Three"}),
        ("hep-th", set()),
    ],
)
def test_a_search_filter_leaves_out_papers_without_categories(store: Store, category, titles):
    _three(store)
    store.upsert([paper("2501.00004", title="No categories", categories=())], now=NOW)
    keys = store.filter_keys(store.keys(), category=category)
    assert {p.title for p in store.by_keys(keys).values()} == titles


def test_a_bad_category_is_named(store: Store):
    _three(store)
    with pytest.raises(InvalidCategory, match="'cs.C' is not an arXiv category"):
        store.filter_keys(store.keys(), category="cs.C")


def test_embeddings_are_stored_per_model_and_replaced(store: Store):
    _three(store)
    first, second, _ = store.keys()
    store.save_embeddings("m1", [(first, "h1", b"\x00\x01"), (second, "h2", b"\x02")])
    store.save_embeddings("m2", [(first, "h1", b"\x09")])
    store.save_embeddings("m1", [(first, "h3", b"\x03")])
    assert store.embeddings("m1", [first, second]) == {
        first: ("h3", b"\x03"),
        second: ("h2", b"\x02"),
    }
    assert store.embeddings("m2", [first, second]) == {first: ("h1", b"\x09")}


def test_the_archive_models_are_those_of_the_oldest_paper(store: Store):
    assert store.archive_models() == set()
    _three(store)
    first, second, _ = store.keys()
    store.save_embeddings("m1", [(second, "h", b"\x01")])
    assert store.archive_models() == set()  # the oldest paper is not embedded yet
    store.save_embeddings("m1", [(first, "h", b"\x01")])
    store.save_embeddings("m2", [(first, "h", b"\x02")])
    assert store.archive_models() == {"m1", "m2"}


def test_watermark_and_changes_since(store: Store):
    assert store.watermark().papers == 0 and store.watermark().max_key == 0
    _three(store)
    mark = store.watermark()
    assert mark.papers == 3 and mark.max_key == max(store.keys()) and mark.changed == NOW
    store.upsert([paper("2501.00002", version=2, title="Two, revised")], now=LATER)
    changed = store.changed_since(NOW, up_to=mark.max_key)
    assert [p.title for _, p in changed] == ["Two, revised"]
    assert store.watermark().changed == LATER


def test_the_fans_indexes_come_and_go_with_their_migration_and_keep_every_row(database_url: str):
    _migrate(database_url, alembic.command.upgrade, _before("0012"))
    before = Store(create_engine(database_url))  # the previous revision, not migrated
    before.profiles.save_paper("user:T1:U1", "2507.07186", now=NOW)
    before.profiles.log_feedback("user:T1:U2", "2507.07186", "like", now=NOW)
    before.close()
    store = Store.open(database_url)
    assert store.profiles.fans("2507.07186", prefix="user:T1:") == 2
    store.close()
    indexes = {"ix_feedback_paper_id", "ix_saved_paper_id"}
    engine = create_engine(database_url)
    assert indexes <= _index_names(engine)
    _migrate(database_url, alembic.command.downgrade, _before("0012"))
    assert not indexes & _index_names(engine)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(feedback)) == 1
        assert conn.scalar(select(func.count()).select_from(saved)) == 1
    engine.dispose()


def test_papers_are_found_by_doi_in_any_case_and_a_merge_keeps_the_doi(store: Store):
    title_only = Paper(
        title_id("Planted in Pretraining"),
        "Planted in Pretraining",
        authors=("A. Author",),
        extras={"doi": " 10.1000/XYZ.1 "},
    )
    store.upsert([title_only, paper("2507.10001", title="Other", extras={"doi": 7})], now=NOW)
    found = store.ids_by_doi(["10.1000/xyz.1", "10.1000/Xyz.1", "10.9/none", ""])
    assert found == {"10.1000/xyz.1": title_only.id, "10.1000/Xyz.1": title_only.id}
    # The arXiv record of the same title and author takes the title-only one in.
    store.upsert([paper(authors=("A. Author",))], now=LATER)
    assert store.ids_by_doi(["10.1000/XYZ.1"]) == {"10.1000/XYZ.1": "2507.07186"}


def test_the_doi_column_is_filled_from_the_extras_by_its_migration(database_url: str):
    _migrate(database_url, alembic.command.upgrade, _before("0017"))
    engine = create_engine(database_url)
    row = {
        "norm_title": "t",
        "abstract": "",
        "authors": [],
        "categories": [],
        "sources": [],
        "first_seen": NOW,
        "changed": NOW,
    }
    with engine.begin() as conn:
        conn.execute(
            papers.insert(),
            [
                {**row, "id": "2507.00001", "title": "One", "extras": {"doi": "10.1/ABC"}},
                {**row, "id": "2507.00002", "title": "Two", "extras": {"doi": None}},
                {**row, "id": "2507.00003", "title": "Three", "extras": {}},
            ],
        )
    store = Store.open(database_url)
    assert store.ids_by_doi(["10.1/abc", "10.1/none"]) == {"10.1/abc": "2507.00001"}
    assert store.count() == 3
    store.close()
    assert "ix_papers_doi" in {index["name"] for index in inspect(engine).get_indexes("papers")}
    _migrate(database_url, alembic.command.downgrade, _before("0017"))
    assert "doi" not in {column["name"] for column in inspect(engine).get_columns("papers")}
    engine.dispose()


def _index_names(engine) -> set[str]:
    found = inspect(engine)
    return {index["name"] for table in ("feedback", "saved") for index in found.get_indexes(table)}


def test_text_vectors_are_kept_by_model_and_text_hash(store: Store):
    store.save_text_embeddings("m1", [("h1", b"\x00\x01"), ("h2", b"\x02\x03")])
    # Another process saved h2 meanwhile: the batch still lands, each vector once.
    store.save_text_embeddings("m1", [("h2", b"\x02\x03"), ("h3", b"\x04\x05")])
    store.save_text_embeddings("m2", [("h1", b"\x09\x09")])
    assert store.text_embeddings("m1", ["h1", "h3", "h4"]) == {"h1": b"\x00\x01", "h3": b"\x04\x05"}
    assert store.text_embeddings("m2", ["h1", "h2"]) == {"h1": b"\x09\x09"}


def test_the_text_vectors_migration_goes_up_and_down(database_url: str):
    _migrate(database_url, alembic.command.upgrade, "0007")
    store = Store.open(database_url)
    store.save_text_embeddings("m1", [("h1", b"\x00\x01")])
    store.close()
    _migrate(database_url, alembic.command.downgrade, "0007")
    engine = create_engine(database_url)
    assert "text_embeddings" not in inspect(engine).get_table_names()
    engine.dispose()


def test_the_delivery_worker_columns_come_and_go_with_their_migration(database_url: str):
    store = Store.open(database_url)
    store.deliveries.begin("user:T1:U1", NOW.date(), {"picks": []}, now=NOW)
    store.deliveries.queue("user:T1:U1", NOW.date(), now=NOW)
    store.close()
    _migrate(database_url, alembic.command.downgrade, "0007")
    engine = create_engine(database_url)
    columns = {column["name"] for column in inspect(engine).get_columns("deliveries")}
    assert not columns & {"queued", "worker", "claim_token", "claim_expires"}
    engine.dispose()
    _migrate(database_url, alembic.command.upgrade, "0011")
    again = Store.open(database_url)
    delivery = again.deliveries.get("user:T1:U1", NOW.date())
    assert (delivery.plan, delivery.queued) == ({"picks": []}, None)
    again.close()
