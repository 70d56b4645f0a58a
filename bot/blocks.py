"""Block Kit messages as plain data: pure functions, checked against golden JSON in the tests.

Limits (https://docs.slack.dev/reference/block-kit): at most 50 blocks a message, 3,000
characters in a section's text, 75 in a button's label and 2,000 in its value. Feed text is
cut before it is escaped, so the escaped text (up to five times longer) still fits.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date

from bot.bibtex import bibtex
from bot.mrkdwn import escape, link, mention, short_authors, truncate
from bot.search import PAGE_SIZE, Page, SearchRequest
from bot.targets import is_channel_target
from recommender.digest import Digest, Pick
from recommender.models import Paper
from recommender.profiles import POSITIVE_ACTIONS
from recommender.store.profiles import Press

MORE_LIKE_THIS = "paper_more_like_this"
SAVE = "paper_save"
NOT_INTERESTED = "paper_not_interested"
NEXT_PAGE = "results_next_page"
SHARE = "paper_share"
UNDO = "paper_undo"

TITLE_CHARS = 300
SNIPPET_CHARS = 200
AUTHORS_CHARS = 200
QUERY_CHARS = 100
CATEGORIES_SHOWN = 3
# Slack's limit for a button's accessibility_label.
ACCESSIBILITY_CHARS = 75

# The end of an abstract's first sentence: a stop, then a space and a capital or a digit,
# unless the stop ends an abbreviation that abstracts often put before a name or acronym.
_SENTENCE_END = re.compile(
    r"(?<=[.!?])(?<!e\.g\.)(?<!i\.e\.)(?<! al\.)(?<! vs\.)(?<! cf\.)\s+(?=[A-Z0-9])"
)


def results_message(
    page: Page,
    *,
    search_id: str,
    pressed: Mapping[str, Press] | None = None,
    revision: str = "",
) -> dict:
    """The reply to a search, "More like this" or "Next 5": up to five papers, each with its
    buttons, or the note of what the reader pressed on it (`pressed`, by paper id) and Undo.

    `search_id` names the stored search, which the buttons carry (in their block ids, and
    in *Next 5*'s value) so that the card is rebuilt from the store; `revision` (the press
    that rebuilt it) gives the blocks fresh ids, as Slack asks of an updated message.
    """
    if not page.papers:
        return _no_results(page.request)
    blocks = [section_block(_heading(page))]
    for number, paper in enumerate(page.papers):
        block_id = card_block_id(search_id, page.request.offset, revision, number)
        press = (pressed or {}).get(paper.id)
        blocks += [{"type": "divider"}, *paper_blocks(paper, block_id, press)]
    if page.has_more:
        blocks += _next_button(search_id, page.request.next_page().offset)
    return {"text": _fallback(page), "blocks": blocks}


def card_block_id(search_id: str, offset: int, revision: str, number: int) -> str:
    """The block id of a result's buttons or note: the stored search and the page it is on."""
    return f"results:{search_id}:{offset}:{revision}:{number}"


def card_of(block_id: str) -> tuple[str, int] | None:
    """(search id, offset) of a `card_block_id`; None for a block id that is not one."""
    kind, _, rest = block_id.partition(":")
    search_id, _, rest = rest.partition(":")
    offset = rest.partition(":")[0]
    if kind != "results" or not search_id or not offset.isdigit():
        return None
    return search_id, int(offset)


def paper_blocks(paper: Paper, block_id: str, press: Press | None = None) -> list[dict]:
    """One paper: its linked title (marked if withdrawn) and snippet, a context line, and the
    feedback buttons, or the note of the reader's press with Undo."""
    lines = [f"*{paper_title(paper)}*{withdrawn_mark(paper)}"]
    line = snippet(paper)
    if line:
        lines.append(escape(line))
    blocks = [section_block("\n".join(lines)), *_translated(paper)]
    about = byline(paper)
    if about:
        blocks.append({"type": "context", "elements": [mrkdwn_text(about)]})
    if press is not None:
        return [*blocks, note_block(press_note(press), paper, UNDO, block_id)]
    buttons = feedback_buttons(paper, (MORE_LIKE_THIS, SAVE, NOT_INTERESTED))
    buttons.append(share_button(paper))
    return [*blocks, {"type": "actions", "block_id": block_id, "elements": buttons}]


def press_note(press: Press, *, channel: bool = False) -> str:
    """What a press did, in words: the person's own, or (`channel`) who did it for the channel."""
    if press.action == "save":
        return "🔖 Saved: `/papers saved` lists your saved papers."
    wanted = press.action in POSITIVE_ACTIONS
    if channel and press.presser is not None:
        who = mention(press.presser)
        if wanted:
            return f"👍 {who} asked for more papers like this one for this channel."
        return f"👎 {who} marked this not interesting for this channel."
    whose = "this channel's" if channel else "your"
    more = "more" if wanted else "fewer"
    return f"{'👍' if wanted else '👎'} Noted: {more} papers like this one in {whose} next digests."


def note_block(note: str, paper: Paper, undo: str, block_id: str) -> dict:
    """The note that replaces a paper's buttons once pressed (`note`: escaped mrkdwn), with
    an Undo button of action id `undo` that brings them back."""
    button = {
        **button_element("Undo", undo, paper.id),
        "accessibility_label": truncate(f"Undo: {paper.title}", ACCESSIBILITY_CHARS),
    }
    return {**section_block(note), "block_id": block_id, "accessory": button}


def feedback_buttons(paper: Paper, action_ids: tuple[str, str, str]) -> list[dict]:
    """*More like this*, *Save* and *Not interested*, each with these action ids, labelled
    for screen readers with the paper's title: a message holds 20 buttons of four names."""
    labels = ("More like this", "Save", "Not interested")
    return [
        {
            **button_element(label, action_id, paper.id),
            "accessibility_label": truncate(f"{label}: {paper.title}", ACCESSIBILITY_CHARS),
        }
        for label, action_id in zip(labels, action_ids, strict=True)
    ]


def share_button(paper: Paper) -> dict:
    """*Share*: post the paper in a channel the presser picks (bot/listeners/actions/share.py)."""
    return {
        **button_element("Share", SHARE, paper.id),
        "accessibility_label": truncate(f"Share: {paper.title}", ACCESSIBILITY_CHARS),
    }


def snippet(paper: Paper) -> str:
    """One line about the paper in English: the source's English TL;DR if it gave one, else
    the abstract's first sentence (a Chinese TL;DR is `_translated`'s, never this line)."""
    summary = paper.extras.get("ai_summary")
    if isinstance(summary, str) and summary.strip():
        return truncate(f"TL;DR: {summary}", SNIPPET_CHARS)
    first = _SENTENCE_END.split(paper.abstract.strip(), maxsplit=1)[0]
    return truncate(first, SNIPPET_CHARS)


def _translated(paper: Paper) -> list[dict]:
    """The Chinese TL;DR a digest gave, as small print under the English snippet: there for
    whoever reads Chinese, out of the way of whoever does not."""
    tldr = paper.extras.get("tldr_zh")
    if not isinstance(tldr, str) or not tldr.strip():
        return []
    return [context_block(escape(truncate(f"TL;DR (中文): {tldr}", SNIPPET_CHARS)))]


def help_message() -> dict:
    """What `/papers` and `/papers help` answer."""
    search = "\n".join(
        [
            "*/papers* searches the paper archive (words and meaning, fused). Only you see the "
            "answers.",
            "• `/papers speculative decoding`: the five best matches, then *Next 5*",
            "• `--since 7d`, `--since 2w` or `--since 2025-07-01`: published since then",
            "• `--cat cs.CL`: only papers in that arXiv category",
            '• `--author "Ada Lovelace"`: only papers with an author whose name contains that',
            "• `/papers search like …`: a search that starts with a command's name",
        ]
    )
    digests = "\n".join(
        [
            "*Digests* of new papers, picked for you and explained:",
            "• `/papers subscribe what you want to read [at 08:30]`: a daily direct message",
            "• `/papers unsubscribe`: no more digests (your settings are kept)",
            '• `/papers follow "Ada Lovelace"`, `/papers mute term`, `/papers seed 2507.07186` '
            "(or a DOI); `unfollow`, `unmute`, `unseed` (or `unlike`) and `unsave` take them back",
            "• `/papers import`: your library (BibTeX, arXiv ids, DOIs or titles) as seed papers",
            "• `/papers settings`: everything, including days, time and pauses",
            "• `/papers saved`: your saved papers, with BibTeX",
            "• `/papers visibility off`: cards no longer name you among those who saved a paper",
            "• `/papers channel subscribe what [at 09:00]`, `/papers channel unsubscribe`, "
            "`/papers channel settings`: a digest for the channel you type it in",
        ]
    )
    example = "Example: `/papers retrieval augmented generation --since 2w --cat cs.CL`"
    return {
        "text": "How to use /papers",
        "blocks": [section_block(search), section_block(digests), context_block(example)],
    }


def notice(text: str) -> dict:
    """A one-line message; `text` is mrkdwn the caller has escaped."""
    return {"text": text, "blocks": [section_block(text)]}


def _heading(page: Page) -> str:
    request = page.request
    first = request.offset + 1
    shown = f"{first}–{first + len(page.papers) - 1}"
    if page.total is not None:
        shown += f" of {page.total}{'' if page.complete else '+'}"
    if page.seed is not None:
        return f"Papers like *{paper_title(page.seed)}* · {shown}"
    return f"Papers for *“{_query(request)}”*{_filters(request)} · {shown}"


def _no_results(request: SearchRequest) -> dict:
    if request.offset:
        return notice("No more papers for this search.")
    if request.like:
        return notice("No similar papers found in the archive.")
    text = f"No papers match *“{_query(request)}”*{_filters(request)}."
    hint = "Try fewer or broader words"
    if request.filters.active:
        hint += ", or drop `--since`, `--cat` or `--author`"
    blocks = [section_block(text), {"type": "context", "elements": [mrkdwn_text(hint + ".")]}]
    return {"text": text, "blocks": blocks}


def _next_button(search_id: str, offset: int) -> list[dict]:
    """*Next 5*: its value names the stored search and the page, so a query of any length
    pages on (a button's value holds at most 2,000 characters)."""
    button = button_element(f"Next {PAGE_SIZE}", NEXT_PAGE, f"{search_id}:{offset}")
    return [{"type": "divider"}, {"type": "actions", "elements": [button]}]


def _fallback(page: Page) -> str:
    """The notification text, shown where blocks cannot be."""
    if page.seed is not None:
        return f"Papers like {escape(truncate(page.seed.title, TITLE_CHARS))}"
    return f"Papers for “{_query(page.request)}”"


def paper_title(paper: Paper) -> str:
    """The paper's title, cut and escaped, linked to its page (or an arXiv title search)."""
    return link(paper.link, truncate(paper.title, TITLE_CHARS))


def withdrawn_mark(paper: Paper) -> str:
    """` · ⚠️ _withdrawn_` after a withdrawn paper's title, so no one cites it unawares."""
    return " · ⚠️ _withdrawn_" if paper.withdrawn else ""


def byline(paper: Paper) -> str:
    """Authors · date · categories · arXiv id, as far as they are known ("" if none is)."""
    parts = [escape(truncate(short_authors(paper.authors), AUTHORS_CHARS))]
    if paper.published:
        parts.append(paper.published.date().isoformat())
    parts.append(escape(", ".join(paper.categories[:CATEGORIES_SHOWN])))
    if paper.arxiv_id:
        parts.append(f"arXiv:{paper.arxiv_id}")
    return " · ".join(part for part in parts if part)


def _query(request: SearchRequest) -> str:
    return escape(truncate(request.query or "", QUERY_CHARS))


def _filters(request: SearchRequest) -> str:
    parts, filters = [], request.filters
    if filters.category:
        parts.append(f"in {escape(truncate(filters.category, QUERY_CHARS))}")
    if filters.since:
        parts.append(f"since {filters.since.date().isoformat()}")
    if filters.author:
        parts.append(f"by “{escape(truncate(filters.author, QUERY_CHARS))}”")
    return "".join(f" · {part}" for part in parts)


def section_block(text: str) -> dict:
    """A section of mrkdwn text (escaped by the caller)."""
    return {"type": "section", "text": mrkdwn_text(text)}


def mrkdwn_text(text: str) -> dict:
    """A mrkdwn text object (escaped by the caller) that Slack shows as written."""
    # verbatim: Slack must not turn bare URLs, #channels or @here in feed text into links.
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def button_element(label: str, action_id: str, value: str) -> dict:
    """A button; `label` is plain text."""
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": label, "emoji": True},
        "action_id": action_id,
        "value": value,
    }


# Digests -------------------------------------------------------------------------------

DIGEST_MORE = "digest_more_like_this"
DIGEST_SAVE = "digest_save"
DIGEST_NOT_INTERESTED = "digest_not_interested"
DIGEST_UNDO = "digest_undo"
# A title in the digest's list of picks: the list is an overview, the pick's card has it all.
LISTED_TITLE_CHARS = 120


def digest_sizes(digest: Digest) -> list[int]:
    """How many pick cards each message of the digest holds: none in the first, the header
    that lists them, then one a message, in the header's thread.

    One pick a message is what lets a reaction, a button or a reply name one paper; the
    header keeps a busy channel to one line and one notification a day.
    """
    return [0, *([1] * len(digest.picks))]


def digest_messages(
    digest: Digest,
    sizes: list[int],
    *,
    day: date,
    channel: bool = False,
    pressed: Mapping[str, Press] | None = None,
    revision: str = "",
) -> list[dict]:
    """The digest as messages of `sizes` pick cards each (see `digest_sizes`), the first
    after the header with the list of every pick.

    A pick pressed on (`pressed`, by paper id) shows the note of that press with Undo in
    place of its buttons; `revision` (the press that rebuilt the message) gives the blocks
    fresh ids, as Slack asks of an updated message.
    """
    messages, start = [], 0
    for number, size in enumerate(sizes, 1):
        blocks = _digest_head(digest, day, channel) if number == 1 else []
        for pick in digest.picks[start : start + size]:
            press = (pressed or {}).get(pick.paper.id)
            blocks += [{"type": "divider"}] if blocks else []
            blocks += _pick_blocks(pick, channel, press, revision)
        text = _digest_text(digest, day) if number == 1 else _pick_text(digest, day, start)
        messages.append({"text": text, "blocks": blocks})
        start += size
    return messages


class BlockKitDigests:
    """An outlet's `sizes` and `render` (`recommender.delivery.Outlet`): the digest as the
    Block Kit messages above, worded for a channel when the target is one."""

    def sizes(self, digest: Digest, day: date, target: str) -> list[int]:
        return digest_sizes(digest)

    def render(self, digest: Digest, sizes: list[int], day: date, target: str) -> list[dict]:
        return digest_messages(digest, sizes, day=day, channel=is_channel_target(target))


def digest_block_id(paper_id: str, revision: str = "") -> str:
    """The block id of a paper's buttons (or note) in a digest, fresh for each `revision`."""
    return f"digest:{paper_id}" + (f":{revision}" if revision else "")


def _digest_head(digest: Digest, day: date, channel: bool) -> list[dict]:
    """The header: the date and count, the headline, the picks' titles numbered (each pick
    has its card in the thread), and how to change the digest."""
    count = len(digest.picks)
    title = f"📚 {_papers(count) if count else 'Papers'} for {_day(day)} {day.year}"
    lines = [escape(digest.headline()), *(f"ℹ️ {escape(n)}" for n in digest.notices)]
    # With no picks the headline is the news itself, so it is a section, not small print.
    block = context_block if count else section_block
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": title, "emoji": True}},
        block("\n".join(lines)),
    ]
    if count:
        listed = [f"{number}. {_listed(pick.paper)}" for number, pick in enumerate(digest.picks, 1)]
        blocks += [section_block(text) for text, _ in _chunks(listed, SECTION_CHARS)]
        blocks.append(context_block("Why each was picked, and its buttons, in the thread 🧵"))
    return [*blocks, *_digest_foot(channel)]


def _listed(paper: Paper) -> str:
    """A pick in the header's list: its title, shorter than on its card, linked."""
    return link(paper.link, truncate(paper.title, LISTED_TITLE_CHARS)) + withdrawn_mark(paper)


def _pick_blocks(
    pick: Pick, channel: bool, press: Press | None = None, revision: str = ""
) -> list[dict]:
    paper = pick.paper
    why = escape(pick.explanation.text(channel=channel))
    lines = [f"*{paper_title(paper)}*", escape(snippet(paper)), f"↳ {why}"]
    blocks = [section_block("\n".join(line for line in lines if line)), *_translated(paper)]
    about = byline(paper)
    if about:
        blocks.append(context_block(about))
    block_id = digest_block_id(paper.id, revision)
    if press is not None:
        note = press_note(press, channel=channel)
        return [*blocks, note_block(note, paper, DIGEST_UNDO, block_id)]
    buttons = feedback_buttons(paper, (DIGEST_MORE, DIGEST_SAVE, DIGEST_NOT_INTERESTED))
    if not channel:  # a channel's digest is already where its members are
        buttons.append(share_button(paper))
    return [*blocks, {"type": "actions", "block_id": block_id, "elements": buttons}]


def _digest_foot(channel: bool) -> list[dict]:
    if channel:
        text = (
            "Change this channel's digest: `/papers channel settings` · "
            "stop it: `/papers channel unsubscribe` · the buttons teach the next one"
        )
    else:
        text = (
            "Change what you get: `/papers settings` or the app's *Home* tab · "
            "stop: `/papers unsubscribe` · the buttons teach your next digest"
        )
    return [{"type": "divider"}, context_block(text)]


def _digest_text(digest: Digest, day: date) -> str:
    """The notification text: short, and with nothing from a feed in it."""
    count = len(digest.picks)
    if not count:
        return f"Papers for {_day(day)}: nothing new to pick"
    return f"{_papers(count)} for {_day(day)}"


def _pick_text(digest: Digest, day: date, start: int) -> str:
    """The notification text of the message whose first pick is the `start`-th (from 0)."""
    return f"Paper {start + 1} of {len(digest.picks)} for {_day(day)}"


def _papers(count: int) -> str:
    return f"{count} paper{'s' if count != 1 else ''}"


def _day(day: date) -> str:
    """`Wed 10 Dec`, the same on every platform (strftime's `%-d` is not)."""
    return f"{day:%a} {day.day} {day:%b}"


def context_block(text: str) -> dict:
    """A context line of mrkdwn text (escaped by the caller)."""
    return {"type": "context", "elements": [mrkdwn_text(text)]}


# Saved papers ----------------------------------------------------------------------------

# BibTeX is split into messages rather than go past Slack's 50 blocks, or past about 12,000
# characters of blocks: far below where Slack truncates, and still a screenful or two.
MESSAGE_BLOCKS = 50
MESSAGE_CHARS = 12_000

SAVED_SHOWN = 30
SAVED_NEXT = "saved_next_page"
SAVED_BIB = "saved_bib_file"
# A response URL takes five replies: one lists the papers, the others carry BibTeX.
BIBTEX_REPLIES = 4
# A section's text holds at most 3,000 characters; code blocks are cut a little below.
SECTION_CHARS = 2900


def saved_messages(papers: list[Paper], total: int, *, offset: int = 0) -> list[dict]:
    """A page of the saved papers (`offset` more recent ones before it), the most recent
    first, then their BibTeX in code blocks; buttons for the next page and for all of them
    as one .bib file."""
    if not papers:
        text = "You have no saved papers yet. Press *Save* under a paper in a search or a digest."
        return [notice(text)]
    lines = [f"• *{paper_title(paper)}*{withdrawn_mark(paper)}{_arxiv(paper)}" for paper in papers]
    head = f"*Your saved papers* ({total})"
    blocks = [section_block(text) for text, _ in _chunks([head, *lines], SECTION_CHARS)]
    # A title with ``` would end the code block early.
    entries = [escape(bibtex(paper)).replace("```", "`\u200b``") for paper in papers]
    bibtex_messages, with_bibtex = _bibtex_messages(entries)
    notes = []
    if total > len(papers):
        notes.append(
            f"Papers {offset + 1}–{offset + len(papers)} of {total}, the most recent first."
        )
    if with_bibtex < len(papers):
        notes.append(f"BibTeX of the first {with_bibtex}: Slack takes no more replies.")
    if notes:
        blocks.append(context_block(" ".join(notes)))
    buttons = [button_element(f"All {total} as a .bib file", SAVED_BIB, "all")]
    if offset + len(papers) < total:
        buttons.insert(
            0, button_element(f"Next {SAVED_SHOWN}", SAVED_NEXT, str(offset + len(papers)))
        )
    blocks.append({"type": "actions", "elements": buttons})
    return [{"text": f"Your saved papers ({total})", "blocks": blocks}, *bibtex_messages]


def _chars(blocks: list[dict]) -> int:
    """The size of `blocks` as JSON, as a reader scrolls through it."""
    return len(json.dumps(blocks, ensure_ascii=False))


def _arxiv(paper: Paper) -> str:
    return f" · arXiv:{paper.arxiv_id}" if paper.arxiv_id else ""


def _chunks(pieces: list[str], limit: int, *, sep: str = "\n") -> list[tuple[str, int]]:
    """`pieces` joined with `sep` into texts of at most `limit` characters, each with the
    number of pieces it holds (a piece is never split; one too long is cut)."""
    chunks: list[tuple[str, int]] = []
    for piece in pieces:
        piece = piece[:limit]
        if chunks and len(chunks[-1][0]) + len(sep) + len(piece) <= limit:
            chunks[-1] = (chunks[-1][0] + sep + piece, chunks[-1][1] + 1)
        else:
            chunks.append((piece, 1))
    return chunks


def _bibtex_messages(entries: list[str]) -> tuple[list[dict], int]:
    """Messages of BibTeX code blocks, as many as a command's replies allow, and how many
    entries they hold."""
    messages: list[dict] = []
    shown = 0
    for text, count in _chunks(entries, SECTION_CHARS - 6, sep="\n\n"):
        block = section_block(f"```{text}```")
        last = messages[-1]["blocks"] if messages else None
        if last and len(last) < MESSAGE_BLOCKS and _chars([*last, block]) <= MESSAGE_CHARS:
            last.append(block)
        elif len(messages) < BIBTEX_REPLIES:
            messages.append({"text": "BibTeX of your saved papers", "blocks": [block]})
        else:
            break
        shown += count
    return messages, shown
