"""The text of `/papers`: a subcommand (`subscribe`, `follow`, `channel settings`...) or a search.

A first word that names a subcommand makes the text that subcommand; anything else is a
search (`bot.search.parse_command`). `/papers search <words>` searches for words that
begin with a subcommand's name. Parsing only reads the text: who runs the command comes
from Slack's signed payload, never from here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.errors import UsageError
from bot.search import SearchRequest, ShowHelp, parse_command
from recommender.ids import find_doi
from recommender.profiles import seed_id

# A trailing `at 09:00` (and maybe a time zone) sets the delivery time of a subscription;
# only something shaped like a time counts, so "attention at scale" stays a description.
_AT = re.compile(r"(?:^|\s)at\s+(\d{1,2}:\d{2})(?:\s+([A-Za-z][\w+-]*(?:/[\w+-]+)*))?\s*$")
_QUOTES = "\"'“”"
_EXAMPLE_DESCRIPTION = "speculative decoding and quantization for LLM inference"


@dataclass(frozen=True)
class Subscribe:
    """`subscribe [description] [at HH:MM [zone]]`: a digest for the caller or the channel."""

    description: str = ""
    at: str | None = None
    tz: str | None = None
    channel: bool = False


@dataclass(frozen=True)
class Unsubscribe:
    channel: bool = False


@dataclass(frozen=True)
class OpenSettings:
    channel: bool = False


@dataclass(frozen=True)
class Follow:
    author: str


@dataclass(frozen=True)
class Mute:
    term: str


@dataclass(frozen=True)
class AddSeed:
    """`seed <paper>` (or `like`): a seed paper of the archive; `paper_id` is an arXiv id made
    canonical (no version, no URL), a store id (`title:...`), or `doi:` and a DOI."""

    paper_id: str


@dataclass(frozen=True)
class RemoveSeed:
    """`unseed <paper or title>` (or `unlike`): a paper as in AddSeed, or a text seed's title."""

    paper: str


@dataclass(frozen=True)
class Unsave:
    """`unsave <paper>`: off the saved list; `paper_id` as in AddSeed."""

    paper_id: str


@dataclass(frozen=True)
class Unfollow:
    author: str


@dataclass(frozen=True)
class Unmute:
    term: str


@dataclass(frozen=True)
class ShowSaved:
    """`saved`: the caller's saved papers with their BibTeX."""


@dataclass(frozen=True)
class SetVisibility:
    """`visibility on|off`: whether the caller is named on cards among those who saved or
    liked a paper (they are counted either way)."""

    visible: bool


@dataclass(frozen=True)
class ImportLibrary:
    """`import`: the modal that takes a library (BibTeX, a list of ids or titles)."""


Subcommand = (
    Subscribe
    | Unsubscribe
    | OpenSettings
    | Follow
    | Mute
    | AddSeed
    | ShowSaved
    | RemoveSeed
    | Unsave
    | Unfollow
    | Unmute
    | ImportLibrary
    | SetVisibility
)
Parsed = Subcommand | SearchRequest | ShowHelp


def parse(text: str, *, today: date) -> Parsed:
    """What `/papers text` asks for (UsageError, saying how to fix it, if it cannot tell)."""
    first, _, rest = text.strip().partition(" ")
    rest = rest.strip()
    name = first.lower()
    if name == "search":
        return parse_command(rest, today=today) if rest else ShowHelp()
    if name == "channel":
        return _channel(rest)
    if name in _PERSONAL:
        return _PERSONAL[name](rest)
    return parse_command(text, today=today)


def _subscribe(rest: str, *, channel: bool = False) -> Subscribe:
    at = tz = None
    match = _AT.search(rest)
    if match:
        at, tz = match[1].zfill(5), match[2]
        rest = rest[: match.start()].strip()
    return Subscribe(_unquote(rest), at, tz, channel)


def _nothing_after(name: str, command: Subcommand):
    def parse_rest(rest: str) -> Subcommand:
        if rest:
            raise UsageError(f"`/papers {name}` takes nothing after it")
        return command

    return parse_rest


def _follow(rest: str) -> Follow:
    author = _unquote(rest)
    if not author:
        raise UsageError('say whom to follow, e.g. `/papers follow "Yonatan Belinkov"`')
    return Follow(author)


def _mute(rest: str) -> Mute:
    term = _unquote(rest)
    if not term:
        raise UsageError("say what to leave out, e.g. `/papers mute reinforcement learning`")
    return Mute(term)


def _add_seed(rest: str) -> AddSeed:
    if not rest or " " in rest:
        raise UsageError(
            "`/papers seed` takes one arXiv id, DOI or paper id, e.g. `/papers seed 2507.07186`"
        )
    paper_id = paper_reference(rest)
    if paper_id is None:
        raise UsageError(
            f"`{rest}` is not an arXiv id, DOI or paper id; use one like `2507.07186` "
            "(to search for words, use `/papers search ...`)"
        )
    return AddSeed(paper_id)


def paper_reference(text: str) -> str | None:
    """An arXiv id made canonical, `doi:` and a DOI, or a store id (`title:...`); else None.

    Slack may send a pasted link as `<https://arxiv.org/abs/...|label>`."""
    text = text.strip().strip("<>").split("|")[0].strip()
    if re.match(r"(?:doi:|https?://(?:dx\.)?doi\.org/|10\.)", text, re.IGNORECASE):
        doi = find_doi(text)
        return f"doi:{doi}" if doi else None
    return seed_id(text)


def _remove_seed(rest: str) -> RemoveSeed:
    paper = _unquote(rest)
    if not paper:
        raise UsageError(
            "say which seed, e.g. `/papers unseed 2507.07186` or `/papers unseed <its title>`"
        )
    return RemoveSeed(paper_reference(paper) or paper)


def _unsave(rest: str) -> Unsave:
    paper_id = paper_reference(rest) if rest and " " not in rest else None
    if paper_id is None:
        raise UsageError(
            "say which paper, e.g. `/papers unsave 2507.07186` (`/papers saved` lists them)"
        )
    return Unsave(paper_id)


def _unfollow(rest: str) -> Unfollow:
    author = _unquote(rest)
    if not author:
        raise UsageError('say whom to stop following, e.g. `/papers unfollow "Yonatan Belinkov"`')
    return Unfollow(author)


def _unmute(rest: str) -> Unmute:
    term = _unquote(rest)
    if not term:
        raise UsageError("say which muted term to take back, e.g. `/papers unmute robotics`")
    return Unmute(term)


def _visibility(rest: str) -> SetVisibility:
    word = rest.lower()
    if word not in ("on", "off"):
        raise UsageError(
            "use `/papers visibility off` to be counted but not named on paper cards "
            "as someone who saved or liked a paper, `/papers visibility on` to be named again"
        )
    return SetVisibility(word == "on")


def _channel(rest: str) -> Subcommand:
    name, _, more = rest.partition(" ")
    name, more = name.lower(), more.strip()
    if name == "subscribe":
        command = _subscribe(more, channel=True)
        if not command.description:
            raise UsageError(
                "say what this channel wants to read, e.g. "
                f"`/papers channel subscribe {_EXAMPLE_DESCRIPTION} at 09:00`"
            )
        return command
    if name in ("unsubscribe", "settings"):
        return _nothing_after(f"channel {name}", _CHANNEL[name])(more)
    raise UsageError(
        "use `/papers channel subscribe ...`, `channel unsubscribe` or `channel settings`"
    )


def _unquote(text: str) -> str:
    return " ".join(text.strip(_QUOTES + " ").split())


_CHANNEL: dict[str, Subcommand] = {
    "unsubscribe": Unsubscribe(channel=True),
    "settings": OpenSettings(channel=True),
}
_PERSONAL = {
    "subscribe": _subscribe,
    "unsubscribe": _nothing_after("unsubscribe", Unsubscribe()),
    "settings": _nothing_after("settings", OpenSettings()),
    "saved": _nothing_after("saved", ShowSaved()),
    "follow": _follow,
    "mute": _mute,
    "seed": _add_seed,
    "visibility": _visibility,
    # The old name of `seed`, kept for those who learned it; "like" is what the buttons do.
    "like": _add_seed,
    # `unlike` takes back a seed or a like: both say "I want this".
    "unseed": _remove_seed,
    "unlike": _remove_seed,
    "unsave": _unsave,
    "unfollow": _unfollow,
    "unmute": _unmute,
    "import": _nothing_after("import", ImportLibrary()),
}
