"""Helpers shared by the parsers of saved text digests: decoding, ids, messages."""

from __future__ import annotations

from urllib.parse import urlsplit

from charset_normalizer import from_bytes

from recommender.errors import InvalidArxivId
from recommender.ids import find_arxiv_id, is_title_id, parse_arxiv_id, title_id

# Where a digest's link to a paper may point when the paper has no arXiv id.
PAPER_SITES = frozenset(
    {"huggingface.co", "alphaxiv.org", "openreview.net", "aclanthology.org", "doi.org"}
    | {"dl.acm.org", "ieeexplore.ieee.org", "proceedings.neurips.cc", "proceedings.mlr.press"}
    | {"semanticscholar.org", "paperswithcode.com", "github.com"}
)

# Sniffers look at the start of a file only: every digest shows its layout in its first lines.
SNIFF_BYTES = 65536


def decode(data: bytes) -> str:
    """The text of a saved digest: UTF-8 with bad bytes replaced, no BOM, `\\n` line ends."""
    text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode_any(data: bytes) -> str:
    """The text of a file that may predate UTF-8 (older arXiv `.abs` files are Latin-1):
    UTF-8 when it is valid, else the encoding charset-normalizer finds, else UTF-8 with
    bad bytes replaced. Never U+FFFD from a file that has a sensible encoding."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        best = from_bytes(data).best()
    return str(best) if best is not None else data.decode("utf-8", errors="replace")


def head(data: bytes) -> str:
    """The decoded start of a file, for sniffing."""
    return decode(data[:SNIFF_BYTES])


def paper_key(title: str, *refs: str | None) -> tuple[str, int | None]:
    """The arXiv id and version in the first of `refs` that has one, else the title's id.

    A ref is a link, an `arXiv:` reference or a bare id such as `2510.13832v2`.
    """
    for ref in refs:
        if not ref:
            continue
        found = find_arxiv_id(ref)
        if found:
            return found
        try:
            return parse_arxiv_id(ref)
        except InvalidArxivId:
            continue
    return title_id(title), None


def page_url(paper_id: str, url: str | None) -> str | None:
    """The web page a digest links a paper to when it gives no arXiv id (kept as the `url`
    extra, so the paper has a link to follow), else None.

    Only an https page of a known paper site: the link comes from a feed, and a message must
    never carry a feed's link to anywhere else (a paper without one links to arXiv's search).
    """
    if not (is_title_id(paper_id) and url):
        return None
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    if parts.scheme == "https" and host in PAPER_SITES and not parts.username:
        return url
    return None


def snippet(text: str, width: int = 60) -> str:
    """`text` quoted and cut to `width` characters, to name an entry in a rejection."""
    text = " ".join(text.split())
    return repr(text if len(text) <= width else text[: width - 3] + "...")
