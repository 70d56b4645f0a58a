"""Withdrawn papers are marked in every arXiv format: the `.abs` size flag `(0kb,I)`,
arXivRaw's `<source_type>I</source_type>`, and arXiv's withdrawal wording in an abstract or
comment (the author's "This paper has been withdrawn ..." or the administrators' note).

The `.abs` cases are real recorded files; the others are written from the formats' public
documentation (arXiv API user manual, arXiv RSS/Atom, OAI-PMH arXivRaw and arXiv, Kaggle's
snapshot), each around a real withdrawal text.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from recommender.sources import arxiv_abs, arxiv_api, arxiv_rss, fields, kaggle, oai_pmh

ABS_DIR = Path(__file__).parent.parent / "fixtures" / "arxiv-abs"
AUTHOR_NOTE = "This paper has been withdrawn by the author due to a crucial error in eq. 3."


@pytest.mark.parametrize(
    ("name", "withdrawn"),
    [
        ("arxiv-0704.0525.abs", True),  # (0kb,I), and "withdrawn by arXiv administrators"
        ("arxiv-0704.0644.abs", True),  # (0kb,I), "This paper has been withdrawn due to ..."
        ("arxiv-0704.0840.abs", True),  # v3 (0kb,I)
        ("arxiv-0704.0063.abs", False),  # v3 was withdrawn, then v4 replaced it
        ("arxiv-0704.0007.abs", False),
    ],
)
def test_abs_files_whose_last_version_is_withdrawn(name, withdrawn):
    (paper,) = arxiv_abs.parse((ABS_DIR / name).read_bytes(), name).papers

    assert paper.withdrawn is withdrawn
    assert ("withdrawn" in paper.extras) is withdrawn


def test_an_abs_whose_abstract_says_withdrawn_without_the_size_flag():
    data = f"""------------------------------------------------------------------------------
\\\\
arXiv:0801.0001
From: A. Author <a@example.org>
Date: Tue, 1 Jan 2008 00:00:01 GMT   (12kb)
Date (revised v2): Wed, 2 Jan 2008 10:00:00 GMT   (1kb)

Title: A result that did not hold
Authors: A. Author
Categories: math.CO
\\\\
  {AUTHOR_NOTE}
\\\\
""".encode()

    (paper,) = arxiv_abs.parse(data, "x.abs").papers

    assert (paper.version, paper.withdrawn) == (2, True)


API_ENTRY = f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"
      xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"
      xmlns:arxiv="http://arxiv.org/schemas/atom">
  <opensearch:totalResults>1</opensearch:totalResults>
  <entry>
    <id>http://arxiv.org/abs/0801.0001v2</id>
    <updated>2008-01-02T10:00:00Z</updated>
    <published>2008-01-01T00:00:01Z</published>
    <title>A result that did not hold</title>
    <summary>  {AUTHOR_NOTE}
</summary>
    <author><name>A. Author</name></author>
    <arxiv:comment>This paper has been withdrawn</arxiv:comment>
    <arxiv:primary_category term="math.CO"/>
    <category term="math.CO"/>
  </entry>
</feed>""".encode()

RSS_ITEM = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/"
     version="2.0">
  <channel>
    <title>math.CO updates on arXiv.org</title>
    <link>http://rss.arxiv.org/rss/math.CO</link>
    <description>math.CO updates on the arXiv.org e-print archive.</description>
    <pubDate>Thu, 03 Jan 2008 00:00:00 -0500</pubDate>
    <item>
      <title>A result that did not hold</title>
      <link>https://arxiv.org/abs/0801.0001</link>
      <description>arXiv:0801.0001v2 Announce Type: replace
Abstract: {AUTHOR_NOTE}</description>
      <guid isPermaLink="false">oai:arXiv.org:0801.0001v2</guid>
      <category>math.CO</category>
      <pubDate>Thu, 03 Jan 2008 00:00:00 -0500</pubDate>
      <arxiv:announce_type>replace</arxiv:announce_type>
      <dc:creator>A. Author</dc:creator>
    </item>
  </channel>
</rss>""".encode()


def _oai(metadata: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
<responseDate>2008-01-05T00:00:00Z</responseDate>
<request verb="GetRecord">http://export.arxiv.org/oai2</request>
<GetRecord><record>
<header><identifier>oai:arXiv.org:0801.0001</identifier><datestamp>2008-01-03</datestamp>
</header>
<metadata>{metadata}</metadata>
</record></GetRecord>
</OAI-PMH>""".encode()


OAI_RAW = _oai(
    """<arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/"><id>0801.0001</id>
<version version="v1"><date>Tue, 1 Jan 2008 00:00:01 GMT</date><size>12kb</size>
<source_type>D</source_type></version>
<version version="v2"><date>Wed, 2 Jan 2008 10:00:00 GMT</date><size>0kb</size>
<source_type>I</source_type></version>
<title>A result that did not hold</title><authors>A. Author</authors>
<categories>math.CO</categories>
<abstract>  We prove a bound on the chromatic number of sparse graphs.</abstract>
</arXivRaw>"""
)
OAI_ARXIV = _oai(
    f"""<arXiv xmlns="http://arxiv.org/OAI/arXiv/"><id>0801.0001</id>
<created>2008-01-01</created><updated>2008-01-02</updated>
<authors><author><keyname>Author</keyname><forenames>A.</forenames></author></authors>
<title>A result that did not hold</title><categories>math.CO</categories>
<comments>This paper has been withdrawn by the author</comments>
<abstract>  {AUTHOR_NOTE}</abstract>
</arXiv>"""
)
KAGGLE_LINE = (
    '{"id": "0801.0001", "title": "A result that did not hold", "authors": "A. Author", '
    '"categories": "math.CO", "comments": "This paper has been withdrawn", '
    f'"abstract": "  {AUTHOR_NOTE}\\n", "versions": ['
    '{"version": "v1", "created": "Tue, 1 Jan 2008 00:00:01 GMT"}, '
    '{"version": "v2", "created": "Wed, 2 Jan 2008 10:00:00 GMT"}]}'
).encode()


@pytest.mark.parametrize(
    ("parse", "data"),
    [
        (arxiv_api.parse, API_ENTRY),
        (arxiv_rss.parse, RSS_ITEM),
        (oai_pmh.parse, OAI_RAW),
        (oai_pmh.parse, OAI_ARXIV),
        (kaggle.parse, KAGGLE_LINE),
    ],
    ids=["arxiv-api", "arxiv-rss", "oai-arXivRaw", "oai-arXiv", "kaggle"],
)
def test_a_withdrawn_entry_is_marked_in_every_arxiv_format(parse, data):
    parsed = parse(data, "x")

    assert parsed.rejected == ()
    (paper,) = parsed.papers
    assert paper.id == "0801.0001"
    assert paper.withdrawn is True


@pytest.mark.parametrize(
    ("texts", "withdrawn"),
    [
        ((AUTHOR_NOTE,), True),
        (("", "withdrawn by arXiv administrators due to plagiarism"), True),
        (("This submission has been withdrawn by arXiv administrators.",), True),
        (("Withdrawn.",), True),
        (("The article was withdrawn; see the erratum",), True),
        (("We study why retracted and withdrawn papers keep being cited.",), None),
        (("18 pages, 6 figures; v2: References added",), None),
        ((None, ""), None),
    ],
)
def test_withdrawal_wording(texts, withdrawn):
    assert fields.withdrawn(*texts) is withdrawn
