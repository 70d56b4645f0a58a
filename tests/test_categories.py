"""arXiv categories: how a wanted one is read, and which papers are in it."""

import pytest

from recommender.categories import in_category, parse_category
from recommender.errors import InvalidCategory


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("cs", "cs"),
        ("CS", "cs"),
        ("cs.CL", "cs.CL"),
        ("cs.cl", "cs.CL"),
        ("CS.Cl", "cs.CL"),
        (" cs.LG ", "cs.LG"),
        ("hep-th", "hep-th"),
        ("HEP-TH", "hep-th"),
        ("astro-ph.co", "astro-ph.CO"),
        ("nlin.cd", "nlin.CD"),
        ("physics.optics", "physics.optics"),
        ("Physics.Optics", "physics.optics"),
        ("cond-mat.mes-hall", "cond-mat.mes-hall"),
        ("cmp-lg", "cmp-lg"),  # an archive merged away, which old papers still carry
    ],
)
def test_a_category_is_read_in_arxivs_case(text: str, category: str):
    assert parse_category(text) == category


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("CS/CL", "use one like cs.CL"),
        ("cs.", "use one like cs.CL"),
        ("", "use one like cs.CL"),
        (None, "use one like cs.CL"),
        ("CS-CL", "arXiv has no archive 'cs-cl'"),
        ("sc.CL", "arXiv has no archive 'sc'"),
        ("cs.C", "cs subject classes are two letters"),
        ("cs.xyz", "cs subject classes are two letters"),
        ("hep-th.XX", "hep-th has no subject classes"),
    ],
)
def test_a_bad_category_says_what_is_wrong(text, reason: str):
    with pytest.raises(InvalidCategory, match=f"{text!r} is not an arXiv category: {reason}"):
        parse_category(text)


@pytest.mark.parametrize(
    ("categories", "wanted", "expected"),
    [
        (("cs.CL", "cs.LG"), "cs.CL", True),
        (("cs.CV",), "cs.CL", False),
        (("cs.CV",), "cs", True),
        (("csx.CV",), "cs", False),
        (("cs",), "cs.CL", False),
        (("astro-ph.CO",), "astro-ph", True),
        ((), "cs.CL", False),  # the source gave no categories
    ],
)
def test_in_category(categories, wanted: str, expected: bool):
    assert in_category(categories, wanted) is expected
