"""A Slack message as the message shortcuts read it: its own words and the papers it links.

*Find related papers* searches for what the message is about; *Save paper* saves what it
links to. Both take the links from the message's text, where Slack writes them as
`<https://arxiv.org/abs/...|label>`; the text is untrusted, so what goes back is escaped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.blocks import notice, paper_title
from bot.mrkdwn import escape, truncate
from bot.search import SearchRequest
from bot.services import Services
from recommender.ids import References, find_arxiv_ids
from recommender.models import Paper

# Slack's markup: links, mentions (`<@U1>`, `<#C1|name>`, `<!here>`) are no words to search.
_MARKUP = re.compile(r"<[^<>]*>")
# The words of a message a search reads; a long message is cut there (as `/papers` is).
QUERY_CHARS = 500
IDS_SHOWN = 10
# Which pages are read for links, as the explanations say.
SITES = "arxiv.org, alphaxiv.org or huggingface.co/papers"


@dataclass(frozen=True)
class Message:
    """What a message says in its own words, the ids it links to, and the linked papers the
    archive holds or arXiv gave in time."""

    words: str
    references: References = References()
    papers: dict[str, Paper] = field(default_factory=dict)

    @property
    def missing(self) -> tuple[str, ...]:
        """Linked ids whose papers could not be found."""
        return tuple(pid for pid in self.references.ids if pid not in self.papers)


def read_message(services: Services, text: str) -> Message:
    """The message `text` (Slack's markup) with its linked papers looked up."""
    references = find_arxiv_ids(text)
    words = " ".join(_MARKUP.sub(" ", text).split())
    return Message(words, references, services.linked_papers(references.ids))


def related_request(message: Message) -> SearchRequest | None:
    """The search for papers related to the message: papers like the one paper it links
    to (as *More like this*), else its words with the titles of what it links; None when
    it has neither words nor a known linked paper."""
    papers = list(message.papers.values())
    if len(papers) == 1:
        return SearchRequest(like=papers[0].id)
    query = " ".join([message.words, *(paper.title for paper in papers)]).strip()
    return SearchRequest(query=truncate(query, QUERY_CHARS)) if query else None


def nothing_to_relate(message: Message) -> dict:
    """Why *Find related papers* found nothing to search for."""
    text = f"This message has no words to search for and no paper link I could look up ({SITES})."
    return notice(_with_problems(text, message))


def saved_notice(message: Message, added: list[Paper], kept: list[Paper]) -> dict:
    """What *Save paper* did: the papers saved, those saved before, and what it could not."""
    lines = []
    if added:
        lines.append("🔖 Saved to your list: " + _titles(added))
    if kept:
        lines.append("Already on your list: " + _titles(kept))
    if not message.references.ids and not message.references.malformed:
        lines.append(f"This message links to no paper ({SITES}): there is nothing to save.")
    text = _with_problems("\n".join(lines), message)
    if added or kept:
        text += "\n`/papers saved` lists your saved papers."
    return notice(text.strip())


def _titles(papers: list[Paper]) -> str:
    return "; ".join(f"*{paper_title(paper)}*" for paper in papers)


def _with_problems(text: str, message: Message) -> str:
    """`text` and a line for each kind of link that led to no paper."""
    lines = [text]
    if message.missing:
        lines.append(f"Not found on arXiv (yet): {_ids(message.missing)}")
    if message.references.malformed:
        lines.append(f"Not arXiv ids (a typo in the link?): {_ids(message.references.malformed)}")
    return "\n".join(line for line in lines if line)


def _ids(ids: tuple[str, ...]) -> str:
    shown = ", ".join(f"`{escape(paper_id)}`" for paper_id in ids[:IDS_SHOWN])
    return shown + (f" and {len(ids) - IDS_SHOWN} more" if len(ids) > IDS_SHOWN else "")
