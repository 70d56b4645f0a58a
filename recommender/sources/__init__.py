"""Every source of papers: a fetch step that returns bytes and a pure parse step.

Each format module has `FORMAT` (its name for `--format`), `sniff(data)` (does this
look like mine?) and `parse(data, origin) -> Parsed`. Detection asks them in the order of
`FORMATS`, most specific first.
"""

from __future__ import annotations

import logging
from types import ModuleType

from recommender.errors import FeedError, PapersError, UnknownFormat
from recommender.models import Parsed
from recommender.sources import (
    arxiv_abs,
    arxiv_api,
    arxiv_daily_md,
    arxiv_rss,
    beir,
    digest_tldr,
    enriched_md,
    hf_daily,
    hf_daily_text,
    hf_papers_text,
    http_record,
    jsonutil,
    kaggle,
    oai_pmh,
)

log = logging.getLogger(__name__)

FORMATS: dict[str, ModuleType] = {
    module.FORMAT: module
    for module in (
        http_record,
        hf_daily,
        kaggle,
        beir,
        oai_pmh,
        arxiv_api,
        arxiv_rss,
        arxiv_abs,
        digest_tldr,
        arxiv_daily_md,
        enriched_md,
        hf_daily_text,
        hf_papers_text,
    )
}


def detect_format(data: bytes, name: str) -> str:
    """The name of the format `data` (read from file `name`) is in."""
    for fmt, module in FORMATS.items():
        if module.sniff(data):
            return fmt
    known = ", ".join(FORMATS)
    hint = _json_hint(data)
    raise UnknownFormat(f"{name}: not a format papers can read{hint} (known formats: {known})")


def _json_hint(data: bytes) -> str:
    """What is wrong with JSON that no format claims, or "" for anything else."""
    start = data.lstrip()[:1]
    if start == b"[":
        return ": one JSON array, but not of BEIR documents ({_id, title, text}) nor HF papers"
    if start == b"{" and jsonutil.first_line_object(data) is None:
        return ": JSON, but its first line is not a whole JSON object (JSON lines need one a line)"
    return ""


def parse_file(data: bytes, name: str, fmt: str | None = None) -> Parsed:
    """Parse a saved file, detecting its format unless `fmt` names it."""
    if fmt is None:
        fmt = detect_format(data, name)
    elif fmt not in FORMATS:
        raise UnknownFormat(f"unknown format {fmt!r} (known formats: {', '.join(FORMATS)})")
    try:
        return FORMATS[fmt].parse(data, name)
    except PapersError:
        raise
    except Exception as error:  # a parser met input it did not expect: the file, not the run
        log.exception("the %s parser failed on %s", fmt, name)
        reason = f"could not be read as {fmt} ({type(error).__name__}: {error})"
        raise FeedError(name, reason) from error
