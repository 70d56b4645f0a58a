import pytest

from recommender.errors import InvalidArxivId
from recommender.ids import (
    References,
    find_arxiv_id,
    find_arxiv_ids,
    is_title_id,
    linked_arxiv_id,
    normalize_title,
    parse_arxiv_id,
    title_id,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2507.07186", ("2507.07186", None)),
        ("2507.07186v2", ("2507.07186", 2)),
        ("arXiv:2507.07186v1", ("2507.07186", 1)),
        ("https://arxiv.org/abs/2507.07186v3", ("2507.07186", 3)),
        ("http://arxiv.org/pdf/2507.07186v3.pdf", ("2507.07186", 3)),
        ("0704.0007", ("0704.0007", None)),
        ("hep-th/9901001", ("hep-th/9901001", None)),
        ("hep-th/9901001v3", ("hep-th/9901001", 3)),
        ("math.GT/0309136", ("math/0309136", None)),
        ("oai:arXiv.org:cs/0006008", ("cs/0006008", None)),
        (" 1501.05201 ", ("1501.05201", None)),
        ("https://arxiv.org/html/2507.07186v2", ("2507.07186", 2)),
        ("https://arxiv.org/html/2507.07186v2/#S3", ("2507.07186", 2)),
        ("https://arxiv.org/abs/2507.07186?context=cs", ("2507.07186", None)),
        ("https://www.arxiv.org/abs/hep-th/9901001v2", ("hep-th/9901001", 2)),
        ("https://www.alphaxiv.org/abs/2507.07186", ("2507.07186", None)),
        ("https://alphaxiv.org/overview/2507.07186v1", ("2507.07186", 1)),
        ("https://huggingface.co/papers/2507.07186", ("2507.07186", None)),
    ],
)
def test_parse_arxiv_id(text, expected):
    assert parse_arxiv_id(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abc",
        "2507.071",
        "12345.6789",
        "hep-th/99",
        "v2",
        "0808.05394",  # five-digit numbers began in 2015
        "1501.0001",  # and four-digit ones ended in 2014
        "2513.00001",  # no 13th month
        "0612.1234",  # before the scheme began (2007-04)
        "arXiv:2500.12345v2",
        "https://arxiv.org/abs/2513.00001",
        "https://arxiv.org/list/cs.CL/recent",
        "https://huggingface.co/papers/trending",
        "https://example.com/abs/2507.07186",
        "https://arxiv.org/abs/2507.071860",
    ],
)
def test_parse_arxiv_id_rejects(text):
    with pytest.raises(InvalidArxivId, match="not an arXiv id"):
        parse_arxiv_id(text)


def test_an_impossible_id_says_why():
    with pytest.raises(InvalidArxivId, match=r"'0808.05394' \(ids of 2008 have 4-digit numbers\)"):
        parse_arxiv_id("0808.05394")


def test_find_arxiv_id_in_text():
    assert find_arxiv_id("see [x](https://arxiv.org/abs/2507.07186v2) now") == ("2507.07186", 2)
    assert find_arxiv_id("Arxiv: arXiv:hep-th/9901001") == ("hep-th/9901001", None)
    assert find_arxiv_id("no id here") is None
    # A link with a typo (no 13th month) is no id: the text has none, nothing raises.
    assert find_arxiv_id("> http://arxiv.org/abs/2513.18607v1") is None


def test_find_arxiv_ids_in_a_slack_message():
    text = (
        "two: <https://arxiv.org/abs/2507.07186v2|arxiv.org/abs/2507.07186v2> and "
        "<https://huggingface.co/papers/1501.05201>, again <https://www.alphaxiv.org/abs/2507.07186>"
        ", old arXiv:hep-th/9901001, a typo https://arxiv.org/abs/2513.00001, too long "
        "https://arxiv.org/abs/2507.071860, not one https://example.com/abs/2507.07187"
    )
    assert find_arxiv_ids(text) == References(
        ids=("2507.07186", "1501.05201", "hep-th/9901001"),
        malformed=("2513.00001", "2507.071860"),
    )
    assert find_arxiv_ids("nothing here") == References()


def test_normalize_title_ignores_case_punctuation_and_spacing():
    a = normalize_title("Prune&Comp: Free Lunch for Layer-Pruned LLMs")
    b = normalize_title("prune&comp  free lunch for layer pruned llms")
    assert a == b == "prune comp free lunch for layer pruned llms"


def test_title_id_is_stable_and_marked():
    tid = title_id("RISER: Orchestrating Latent Reasoning Skills")
    assert tid == title_id("riser orchestrating latent reasoning skills")
    assert tid.startswith("title:") and len(tid) == len("title:") + 16
    assert is_title_id(tid) and not is_title_id("2507.07186")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://arxiv.org/abs/2507.07186v2", "2507.07186"),
        ("https://arxiv.org/pdf/hep-th/9901001v1", "hep-th/9901001"),
        ("https://www.alphaxiv.org/overview/2507.07186", "2507.07186"),
        ("https://huggingface.co/papers/2507.07186", "2507.07186"),
        ("2507.07186", None),  # an id, not a link
        ("arXiv:2507.07186", None),
        ("https://huggingface.co/models/bert-base", None),
        ("https://arxiv.org/list/cs.CL/recent", None),
        ("https://arxiv.org/abs/2513.00001", None),
        ("https://example.com/abs/2507.07186", None),
    ],
)
def test_linked_arxiv_id(url, expected):
    assert linked_arxiv_id(url) == expected
