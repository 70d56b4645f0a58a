"""The Block Kit builders, against golden snapshots (see golden.py) and Slack's limits."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from slack_sdk.models.blocks import Block

from bot.blocks import (
    MESSAGE_CHARS,
    NEXT_PAGE,
    SAVED_SHOWN,
    digest_messages,
    digest_sizes,
    help_message,
    noted,
    results_message,
    saved_messages,
    snippet,
)
from bot.search import Page, SearchRequest
from recommender.digest import Digest, Explanation, Pick
from recommender.engine import Filters
from recommender.models import Paper
from recommender.sources import digest_tldr
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


def test_search_results() -> None:
    message = results_message(Page(SEARCH, PAPERS, has_more=True, total=12))
    assert_golden("search_results", message)
    check_limits(message)
    check_inert(message)


def test_second_page_of_papers_like_one() -> None:
    request = SearchRequest(like="2507.07186", offset=5)
    message = results_message(Page(request, PAPERS[1:3], has_more=False, seed=PAPERS[0]))
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
    message = results_message(Page(request_, (), has_more=False))
    assert_golden(name, message)
    check_limits(message)
    check_inert(message)


def test_help() -> None:
    message = help_message()
    assert_golden("help", message)
    check_limits(message)


def test_next_button_carries_the_next_page() -> None:
    message = results_message(Page(SEARCH, PAPERS, has_more=True))
    [button] = [
        element
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == NEXT_PAGE
    ]
    assert SearchRequest.decode(button["value"]) == replace(SEARCH, offset=5)


def test_no_next_button_without_a_next_page() -> None:
    message = results_message(Page(SEARCH, PAPERS, has_more=False))
    assert NEXT_PAGE not in str(message)


def test_a_query_too_long_for_a_button_still_shows_its_first_page() -> None:
    request = SearchRequest(query="word " * 600)
    message = results_message(Page(request, PAPERS, has_more=True))
    assert NEXT_PAGE not in str(message)
    check_limits(message)


def test_worst_case_feed_text_stays_within_limits_and_inert() -> None:
    # Escaping makes `<` five characters long: the builders cut before escaping.
    huge = Paper(
        id="2511.99999",
        title="<" * 5000,
        abstract="&" * 5000,
        authors=("<" * 500,) * 50,
        categories=("<!channel>",) * 20,
    )
    message = results_message(Page(SearchRequest(query="<" * 5000), (huge,) * 5, has_more=True))
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
    return digest_messages(
        digest, digest_sizes(digest, day=DAY, channel=channel), day=DAY, channel=channel
    )


def test_digest() -> None:
    [message] = messages(
        digest_of(PAPERS, notices=("seed 2501.00001 is not in the archive (yet)",))
    )
    assert_golden("digest", message)
    check_limits(message)
    check_inert(message)


def test_digest_with_nothing_new() -> None:
    [message] = messages(Digest("channel:T1:C1", SINCE, UNTIL, 0), channel=True)
    assert_golden("digest_nothing_new", message)
    check_limits(message)
    check_inert(message)


def test_a_long_digest_is_split_into_messages_within_limits() -> None:
    huge = Paper(id="2511.99999", title="<" * 5000, abstract="&" * 5000, authors=("<" * 500,) * 50)
    many = [replace(huge, id=f"2511.{n:05d}") for n in range(20)]
    whys = [Explanation(keywords=("<kw>",) * 10, authors=("<a>",) * 10)] * 20
    digest = digest_of(many, whys)
    parts = messages(digest)
    assert len(parts) > 1
    assert sum(len([b for b in m["blocks"] if b["type"] == "actions"]) for m in parts) == 20
    assert [m["text"] for m in parts][-1] == f"20 papers for Wed 10 Dec ({len(parts)}/{len(parts)})"
    for message in parts:
        check_limits(message)
        check_inert(message)
        assert len(json.dumps(message["blocks"])) <= MESSAGE_CHARS + 300


def test_twenty_short_picks_split_by_blocks() -> None:
    short = [Paper(id=f"2511.{n:05d}", title=f"Paper {n}") for n in range(20)]
    sizes = digest_sizes(digest_of(short, [Explanation()] * 20), day=DAY)
    assert sizes == [11, 9]  # 4 blocks a pick; the first message also has the header


def test_noted_replaces_only_that_papers_buttons() -> None:
    [message] = messages(digest_of(PAPERS[:2]))
    blocks = noted(message["blocks"], "2507.07186", "👍 Noted")
    changed = [i for i, (a, b) in enumerate(zip(message["blocks"], blocks, strict=True)) if a != b]
    assert len(changed) == 1
    assert blocks[changed[0]] == {
        "type": "context",
        "block_id": "digest:2507.07186",
        "elements": [{"type": "mrkdwn", "text": "👍 Noted", "verbatim": True}],
    }


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
    message = results_message(Page(SEARCH, (withdrawn, PAPERS[2]), has_more=False))
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
    message = results_message(Page(SEARCH, (page, PAPERS[1]), has_more=False))
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
    search = results_message(Page(SEARCH, (paper,), has_more=False))
    digest = messages(digest_of((paper,), WHYS[:1]))[0]
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
