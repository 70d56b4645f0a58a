"""The Block Kit builders, against golden snapshots (see golden.py) and Slack's limits."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from slack_sdk.models.blocks import Block

from bot.blocks import (
    DIGEST_UNDO,
    LISTED_TITLE_CHARS,
    MESSAGE_CHARS,
    NEXT_PAGE,
    SAVED_SHOWN,
    UNDO,
    card_of,
    digest_messages,
    digest_sizes,
    help_message,
    results_message,
    saved_messages,
    snippet,
)
from bot.mrkdwn import link, truncate
from bot.search import Page, SearchRequest
from recommender.digest import Digest, Explanation, Pick
from recommender.engine import Filters
from recommender.models import Paper
from recommender.sources import digest_tldr
from recommender.store.profiles import Press
from tests.slack.blockkit import check_inert, check_limits
from tests.slack.golden import assert_golden
from tests.support import SINCE, UNTIL, WHYS

INJECTION = "<!channel> ping <@U123> <!here> <https://evil.example|click> & <!subteam^S1>"

PAPERS = (
    Paper(
        id="2507.07186",
        title="Planted in Pretraining, Swayed by Finetuning",
        abstract="LLMs exhibit cognitive biases. We trace them to pretraining.",
        authors=("Itay Itzhak", "Yonatan Belinkov", "Gabriel Stanovsky", "A. Four", "B. Five"),
        categories=("cs.CL", "cs.AI", "cs.LG", "stat.ML"),
        published=datetime(2025, 7, 9, tzinfo=UTC),
    ),
    Paper(
        id="title:0e40252543b34be0",
        title="WUSH: Near-Optimal Adaptive Transforms for LLM Quantization",
        abstract="Quantization of weights and activations.",
        extras={"tldr_zh": "提出了一种近似最优的自适应变换。"},
    ),
    Paper(
        id="2510.13832",
        title="Q&A for <b>Transformers</b>",
        abstract="A long abstract. With sentences.",
        authors=("Ada Lovelace",),
        categories=("cs.LG",),
        published=datetime(2025, 10, 17, tzinfo=UTC),
        extras={"ai_summary": "Prunes heads by importance & entropy."},
    ),
    Paper(
        id="2511.00001",
        title=INJECTION,
        abstract=f"{INJECTION}. Second sentence.",
        authors=("<!everyone>", "Bob & Alice"),
        categories=("cs.CR",),
    ),
    Paper(
        id="2511.00002",
        title="A very long title " * 30,
        abstract="An opening sentence that goes on " * 20 + ". Then more.",
        authors=tuple(f"Author Number{i}" for i in range(40)),
    ),
)
SEARCH = SearchRequest(
    query="llm quantization",
    filters=Filters(category="cs.CL", since=datetime(2025, 7, 1, tzinfo=UTC)),
)

WHEN = datetime(2025, 12, 10, 9, 30, tzinfo=UTC)


def press(paper: Paper, action: str, presser: str | None = "U0ANN") -> Press:
    return Press(1, "user:T1:U0ANN", paper.id, action, WHEN, presser)


def card(page: Page, **pressed) -> dict:
    """The result card of `page` as the stored search "s1" shows it."""
    return results_message(page, search_id="s1", **pressed)


def test_search_results() -> None:
    message = card(Page(SEARCH, PAPERS, has_more=True, total=12))
    assert_golden("search_results", message)
    check_limits(message)
    check_inert(message)


def test_second_page_of_papers_like_one() -> None:
    request = SearchRequest(like="2507.07186", offset=5)
    message = card(Page(request, PAPERS[1:3], has_more=False, seed=PAPERS[0]))
    assert_golden("similar_results_page_2", message)
    check_limits(message)
    check_inert(message)


@pytest.mark.parametrize(
    ("name", "request_"),
    [
        ("no_results", SearchRequest(query="nothing <!here> matches")),
        ("no_results_with_filters", SEARCH),
        ("no_more_results", SearchRequest(query="llm", offset=5)),
        ("no_similar_results", SearchRequest(like="2507.07186")),
    ],
)
def test_no_results(name: str, request_: SearchRequest) -> None:
    message = card(Page(request_, (), has_more=False))
    assert_golden(name, message)
    check_limits(message)
    check_inert(message)


def test_help() -> None:
    message = help_message()
    assert_golden("help", message)
    check_limits(message)


def next_button(message: dict) -> dict:
    [button] = [
        element
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == NEXT_PAGE
    ]
    return button


def test_next_button_names_the_stored_search_and_the_next_page() -> None:
    message = card(Page(replace(SEARCH, offset=5), PAPERS, has_more=True))
    assert next_button(message)["value"] == "s1:10"
    assert {card_of(b["block_id"]) for b in message["blocks"] if "block_id" in b} == {("s1", 5)}


def test_no_next_button_without_a_next_page() -> None:
    message = card(Page(SEARCH, PAPERS, has_more=False))
    assert NEXT_PAGE not in str(message)


def test_a_query_too_long_for_a_button_still_pages() -> None:
    request = SearchRequest(query="word " * 600)
    message = card(Page(request, PAPERS, has_more=True))
    assert next_button(message)["value"] == "s1:5"
    check_limits(message)


def test_a_pressed_result_shows_its_note_and_undo_in_place_of_its_buttons() -> None:
    pressed = {PAPERS[0].id: press(PAPERS[0], "save"), PAPERS[2].id: press(PAPERS[2], "more")}
    message = card(Page(SEARCH, PAPERS[:3], has_more=True), pressed=pressed, revision="7.1")
    assert_golden("search_results_pressed", message)
    notes = [b for b in message["blocks"] if b.get("accessory", {}).get("action_id") == UNDO]
    assert [b["accessory"]["value"] for b in notes] == [PAPERS[0].id, PAPERS[2].id]
    ids = [b["block_id"] for b in message["blocks"] if "block_id" in b]
    assert len(set(ids)) == 3 and all(":7.1:" in block_id for block_id in ids)
    check_limits(message)
    check_inert(message)


def test_worst_case_feed_text_stays_within_limits_and_inert() -> None:
    # Escaping makes `<` five characters long: the builders cut before escaping.
    huge = Paper(
        id="2511.99999",
        title="<" * 5000,
        abstract="&" * 5000,
        authors=("<" * 500,) * 50,
        categories=("<!channel>",) * 20,
    )
    message = card(Page(SearchRequest(query="<" * 5000), (huge,) * 5, has_more=True))
    check_limits(message)
    check_inert(message)


@pytest.mark.parametrize(
    ("extras", "abstract", "line"),
    [
        ({"ai_summary": "Short.", "tldr_zh": "短。"}, "Abstract.", "TL;DR: Short."),
        ({"tldr_zh": "短。"}, "An English abstract. More.", "An English abstract."),
        ({"ai_summary": "  "}, "First one. Second one.", "First one."),
        ({}, "We study e.g. LLMs. Then more.", "We study e.g. LLMs."),
        ({}, "Ends at 3.5 percent. Then.", "Ends at 3.5 percent."),
        ({}, "", ""),
    ],
)
def test_snippet(extras: dict, abstract: str, line: str) -> None:
    assert snippet(Paper(id="2501.00001", title="T", abstract=abstract, extras=extras)) == line


# Digests -------------------------------------------------------------------------------

DAY = date(2025, 12, 10)


def digest_of(papers, whys=WHYS, *, new: int = 120, notices: tuple[str, ...] = ()) -> Digest:
    picks = tuple(
        Pick(p, i, 1.0 - i / 10, w) for i, (p, w) in enumerate(zip(papers, whys, strict=False))
    )
    return Digest("user:T1:U1", SINCE, UNTIL, new, picks, notices)


def messages(digest: Digest, *, channel: bool = False) -> list[dict]:
    return digest_messages(digest, digest_sizes(digest), day=DAY, channel=channel)


def test_digest() -> None:
    digest = digest_of(PAPERS, notices=("seed 2501.00001 is not in the archive (yet)",))
    header, *picks = messages(digest)
    assert_golden("digest", {"messages": [header, *picks]})
    listed = [b["text"]["text"] for b in header["blocks"] if b["type"] == "section"]
    assert listed == [
        "\n".join(
            f"{n}. {link(p.link, truncate(p.title, LISTED_TITLE_CHARS))}"
            for n, p in enumerate(PAPERS, 1)
        )
    ]
    assert [b["type"] for b in header["blocks"]].count("actions") == 0  # the picks have them
    assert [buttons_of(pick) for pick in picks] == [[p.id] * 4 for p in PAPERS]
    assert [pick["text"] for pick in picks] == [
        f"Paper {n} of 5 for Wed 10 Dec" for n in range(1, 6)
    ]
    for message in (header, *picks):
        check_limits(message)
        check_inert(message)


def buttons_of(message: dict) -> list[str]:
    """The values (paper ids) of a message's buttons."""
    actions = [b for b in message["blocks"] if b["type"] == "actions"]
    return [element["value"] for block in actions for element in block["elements"]]


def test_digest_with_nothing_new() -> None:
    [message] = messages(Digest("channel:T1:C1", SINCE, UNTIL, 0), channel=True)
    assert_golden("digest_nothing_new", message)
    check_limits(message)
    check_inert(message)


def test_a_long_digest_has_its_header_and_each_pick_within_limits() -> None:
    huge = Paper(id="2511.99999", title="<" * 5000, abstract="&" * 5000, authors=("<" * 500,) * 50)
    many = [replace(huge, id=f"2511.{n:05d}") for n in range(20)]
    whys = [Explanation(keywords=("<kw>",) * 10, authors=("<a>",) * 10)] * 20
    digest = digest_of(many, whys)
    header, *picks = messages(digest)
    assert len(picks) == 20 and all(len(set(buttons_of(pick))) == 1 for pick in picks)
    assert (header["text"], picks[-1]["text"]) == (
        "20 papers for Wed 10 Dec", "Paper 20 of 20 for Wed 10 Dec",
    )  # fmt: skip
    listed = "".join(b["text"]["text"] for b in header["blocks"] if b["type"] == "section")
    assert listed.count("&lt;" * LISTED_TITLE_CHARS) == 0  # each title cut shorter in the list
    assert listed.count("&lt;" * (LISTED_TITLE_CHARS - 1)) == 20
    for message in (header, *picks):
        check_limits(message)
        check_inert(message)
        assert len(json.dumps(message["blocks"])) <= MESSAGE_CHARS + 300


def test_a_digest_is_a_header_then_one_message_a_pick() -> None:
    short = [Paper(id=f"2511.{n:05d}", title=f"Paper {n}") for n in range(20)]
    assert digest_sizes(digest_of(short, [Explanation()] * 20)) == [0] + [1] * 20
    assert digest_sizes(Digest("user:T1:U1", SINCE, UNTIL, 0)) == [0]


@pytest.mark.parametrize(
    ("action", "presser", "note"),
    [
        ("not_interested", "U0ANN", "👎 <@U0ANN> marked this not interesting for this channel."),
        ("more", "U0ANN", "👍 <@U0ANN> asked for more papers like this one for this channel."),
        ("more", None, "👍 Noted: more papers like this one in this channel's next digests."),
        ("not_interested", "<!channel>", "👎 &lt;!channel&gt; marked this not interesting"),
    ],
)
def test_a_channel_digest_names_who_pressed(action: str, presser: str | None, note: str) -> None:
    digest = digest_of(PAPERS[:2])
    pressed = {PAPERS[0].id: press(PAPERS[0], action, presser)}
    _, message, _ = digest_messages(
        digest, [0, 1, 1], day=DAY, channel=True, pressed=pressed, revision="9"
    )
    [block] = [b for b in message["blocks"] if "accessory" in b]
    assert block["text"]["text"].startswith(note)
    assert block["accessory"]["action_id"] == DIGEST_UNDO
    assert block["block_id"] == "digest:2507.07186:9"
    check_limits(message)
    check_inert(message, mentions=("U0ANN",))


def test_a_pressed_digest_pick_shows_its_note_with_fresh_block_ids() -> None:
    digest = digest_of(PAPERS)
    pressed = {PAPERS[1].id: press(PAPERS[1], "not_interested")}
    sizes = digest_sizes(digest)
    before = digest_messages(digest, sizes, day=DAY)
    after = digest_messages(digest, sizes, day=DAY, pressed=pressed, revision="1700000000.2")
    assert_golden("digest_pressed", after[2])  # the pressed pick's message, as redrawn
    assert after[0] == before[0]  # the header has no buttons, nothing to redraw
    changed = [i for i, (a, b) in enumerate(zip(before[2]["blocks"], after[2]["blocks"],
                                                 strict=True)) if a != b]  # fmt: skip
    assert [after[2]["blocks"][i]["type"] for i in changed] == ["section"]
    ids_before = {b["block_id"] for m in before for b in m["blocks"] if "block_id" in b}
    ids_after = {b["block_id"] for m in after for b in m["blocks"] if "block_id" in b}
    assert len(ids_after) == 5 and not ids_before & ids_after
    for message in after:
        check_limits(message)
        check_inert(message)


def test_saved_papers_with_bibtex() -> None:
    listing, bibtex = saved_messages(list(PAPERS[:4]), total=42)
    assert_golden("saved", {"messages": [listing, bibtex]})
    for message in (listing, bibtex):
        check_limits(message)
        check_inert(message)


def test_a_collaboration_papers_bibtex_is_whole() -> None:
    authors = tuple(f"Author Number{i}" for i in range(300))
    paper = Paper(id="2511.99998", title="A detector paper", authors=authors)
    _, bibtex = saved_messages([paper], total=1)
    text = json.dumps(bibtex)
    assert "Author Number9 and others" in text and "Author Number10" not in text
    assert "arxiv.org/abs/2511.99998" in text  # the entry is not cut before its end
    check_limits(bibtex)


def test_many_saved_papers_split_into_messages() -> None:
    huge = Paper(id="2511.99999", title="<" * 400, authors=("&" * 100,) * 30)
    parts = saved_messages([huge] * SAVED_SHOWN, total=100)
    assert len(parts) <= 5  # a response URL takes five replies
    for message in parts:
        check_limits(message)
        check_inert(message)


def test_a_withdrawn_paper_is_marked_in_search_results_and_saved_papers() -> None:
    withdrawn = replace(PAPERS[0], extras={"withdrawn": True})
    message = card(Page(SEARCH, (withdrawn, PAPERS[2]), has_more=False))
    first, second = [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"][1:]
    assert first.startswith("*<https://arxiv.org/abs/2507.07186|Planted") and "_withdrawn_" in first
    assert "withdrawn" not in second
    listing, bibtex = saved_messages([withdrawn], total=1)
    assert "_withdrawn_" in json.dumps(listing, ensure_ascii=False)
    assert "note = {Withdrawn}" in json.dumps(bibtex)
    for part in (message, listing, bibtex):
        check_limits(part)
        check_inert(part)


def test_a_paper_known_by_title_links_to_its_source_page_or_an_arxiv_search() -> None:
    page = replace(PAPERS[1], extras={"url": "https://openreview.net/forum?id=x1|<!here>"})
    message = card(Page(SEARCH, (page, PAPERS[1]), has_more=False))
    first, second = [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"][1:]
    assert first.startswith("*<https://openreview.net/forum?id=x1%7C%3C!here%3E|WUSH: Near")
    assert second.startswith("*<https://arxiv.org/search/?query=%22WUSH%3A+Near-Optimal")
    check_limits(message)


def test_a_chinese_tldr_digest_paper_shows_its_english_abstract_and_the_tldr_as_small_print(
    samples_dir,
) -> None:
    parsed = digest_tldr.parse((samples_dir / "000_aa4dc63787281bb6.txt").read_bytes(), "000")
    paper = parsed.papers[0]
    first_sentence = snippet(paper)
    assert first_sentence and paper.abstract.startswith(first_sentence)
    assert not re.search(r"[\u4e00-\u9fff]", first_sentence)  # no Chinese in the snippet
    search = card(Page(SEARCH, (paper,), has_more=False))
    digest = messages(digest_of((paper,), WHYS[:1]))[1]  # the pick's message
    for message in (search, digest):
        section = next(b for b in message["blocks"] if first_sentence[:40] in json.dumps(b))
        small = message["blocks"][message["blocks"].index(section) + 1]
        assert small["type"] == "context"
        assert small["elements"][0]["text"].startswith("TL;DR (中文): ")
        assert paper.extras["tldr_zh"][:20] in small["elements"][0]["text"]
        for block in message["blocks"]:  # Slack's own models accept every block
            Block.parse(block).validate_json()
        check_limits(message)
        check_inert(message)
