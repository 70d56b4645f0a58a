"""arXiv categories: one rule for reading a wanted category and one for matching papers.

A category is an archive (`cs`, `hep-th`, `astro-ph`), optionally with a subject class
(`cs.CL`, `astro-ph.CO`, `physics.optics`, `cond-mat.mes-hall`); an archive alone means all
of its subject classes. `parse_category` reads one as typed and gives it arXiv's case;
`in_category` says whether a paper belongs. Search filters (slash command, CLI, store) and
profiles both use these two, so `cs` and `cs.cl` mean the same everywhere. A paper whose
source gave no categories is in none: a search filter leaves it out, and only a profile's
allowed categories let it through (`candidates.Pool.category_mask` says why).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from recommender.errors import InvalidCategory

_SHAPE = re.compile(r"(?P<archive>[a-z]+(?:-[a-z]+)?)(?:\.(?P<subject>[a-z]+(?:-[a-z]+)*))?")
# arXiv's archives (https://arxiv.org/category_taxonomy) by the case of their subject classes:
# two capital letters (cs.CL), lower-case words (physics.optics), or none (hep-th). The
# last row are archives merged into others since, which old papers still carry.
_UPPER = frozenset({"astro-ph", "cs", "econ", "eess", "math", "nlin", "q-bio", "q-fin", "stat"})
_LOWER = frozenset({"cond-mat", "physics"})
_WHOLE = frozenset(
    {"gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th", "math-ph", "nucl-ex", "nucl-th", "quant-ph"}
    | {"acc-phys", "adap-org", "alg-geom", "ao-sci", "atom-ph", "bayes-an", "chao-dyn", "chem-ph"}
    | {"cmp-lg", "comp-gas", "dg-ga", "funct-an", "mtrl-th", "patt-sol", "plasm-ph", "q-alg"}
    | {"solv-int", "supr-con"}
)
_EXAMPLES = "use one like cs.CL, stat.ML, hep-th or cs"


def parse_category(text: str) -> str:
    """`text` as an arXiv category in arXiv's case (`CS` -> `cs`, `cs.cl` -> `cs.CL`).

    InvalidCategory if it is none, saying what is wrong.
    """
    match = _SHAPE.fullmatch(text.strip().lower()) if isinstance(text, str) else None
    if match is None:
        raise InvalidCategory(text, _EXAMPLES)
    archive, subject = match["archive"], match["subject"]
    if archive not in _UPPER | _LOWER | _WHOLE:
        raise InvalidCategory(text, f"arXiv has no archive {archive!r}; {_EXAMPLES}")
    if subject is None:
        return archive
    if archive in _WHOLE:
        raise InvalidCategory(text, f"{archive} has no subject classes; use {archive} alone")
    if archive in _UPPER:
        if not re.fullmatch(r"[a-z]{2}", subject):
            raise InvalidCategory(text, f"{archive} subject classes are two letters, as in cs.CL")
        subject = subject.upper()
    return f"{archive}.{subject}"


def in_category(categories: Iterable[str], wanted: str) -> bool:
    """Whether a paper in `categories` is in the `wanted` category (as `parse_category` gives).

    An archive (`cs`) holds its subject classes (`cs.CL`); a paper with no categories is
    in none of them.
    """
    return any(c == wanted or c.startswith(wanted + ".") for c in categories)
