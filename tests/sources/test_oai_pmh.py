"""OAI-PMH arXivRaw: parsed from the recorded responses (2015), harvested from a loopback server."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from recommender.errors import FeedError
from recommender.http import HttpClient
from recommender.sources import oai_pmh


def read(fixtures_dir: Path, name: str) -> bytes:
    return (fixtures_dir / "oai-pmh" / name).read_bytes()


def test_list_records(fixtures_dir):
    parsed = oai_pmh.parse(read(fixtures_dir, "ListRecordsResponse.xml"), "list")

    assert [(p.id, p.version) for p in parsed.papers] == [
        ("0704.0471", 1), ("0704.0716", 4), ("0704.0874", 3),
        ("0704.1109", 2), ("0704.1114", 1), ("0704.1586", 1),
    ]  # fmt: skip
    assert parsed.cursor == "726959|1001"
    assert parsed.total == 58011
    assert parsed.rejected == ()


def test_record_with_four_versions(fixtures_dir):
    paper = oai_pmh.parse(read(fixtures_dir, "ListRecordsResponse.xml"), "list").papers[1]

    assert paper.id == "0704.0716"
    assert paper.title == "Limit distributions and scaling functions"
    assert paper.authors == ("Christoph Richard",)
    assert paper.categories == ("math-ph", "math.MP")
    assert paper.published == datetime(2007, 4, 5, 12, 45, 3, tzinfo=UTC)  # v1
    assert paper.updated == datetime(2008, 11, 14, 9, 7, 25, tzinfo=UTC)  # v4
    assert paper.abstract.startswith("We discuss the asymptotic behaviour of models of lattice")
    assert dict(paper.extras) == {
        "comments": "54 pages, 2 figures; v2 updated and slightly expanded; v3 changes in "
        "some proofs; v4 slightly expanded",
        "journal_ref": "Polygons, polyominoes and polycubes, 247-299, Lecture Notes in Phys., "
        "775, Springer, Dordrecht, 2009",
    }


def test_authors_with_oxford_comma_and_two_dois(fixtures_dir):
    paper = oai_pmh.parse(read(fixtures_dir, "ListRecordsResponse.xml"), "list").papers[0]

    assert paper.authors == ("D.V. Shetty", "S.J. Yennello", "G.A. Souliotis")
    assert paper.categories == ("nucl-ex", "nucl-th")
    assert paper.extras["doi"] == "10.1103/PhysRevC.76.024606 10.1103/PhysRevC.76.039902"
    assert paper.title == (
        "Density dependence of the symmetry energy and the nuclear equation of state: "
        "A Dynamical and Statistical model perspective"
    )
    assert 'extremely " stiff " and " soft " form' in paper.abstract


def test_get_record(fixtures_dir):
    parsed = oai_pmh.parse(read(fixtures_dir, "GetRecordResponse.xml"), "get")

    (paper,) = parsed.papers
    assert (paper.id, paper.version) == ("1302.2146", 2)
    assert paper.title == "The Same-Sign Dilepton Signature of RPV/MFV SUSY"
    assert paper.authors == ("Joshua Berger", "Maxim Perelstein", "Michael Saelim", "Philip Tanedo")
    assert paper.categories == ("hep-ph", "hep-ex")
    assert paper.published == datetime(2013, 2, 8, 21, 0, 1, tzinfo=UTC)
    assert paper.updated == datetime(2013, 4, 2, 1, 50, 8, tzinfo=UTC)
    assert paper.extras == {"comments": "18 pages, 6 figures; v2: References added"}
    assert parsed.cursor is None


def test_no_records_match_is_an_empty_result(fixtures_dir):
    parsed = oai_pmh.parse(read(fixtures_dir, "ErrorResponseNoRecordsMatch.xml"), "none")

    assert (parsed.papers, parsed.rejected, parsed.cursor) == ((), (), None)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("ErrorResponseBadArgument.xml",
         "OAI-PMH error badArgument: Verb 'ListRecords', illegal argument 'identifier'."),
        ("ErrorResponseBadResumptionToken.xml",
         "OAI-PMH error badResumptionToken: The resumptionToken supplied is illegal for this "
         "repository"),
        ("ErrorResponseBadVerb.xml",
         "OAI-PMH error badVerb: Bad verb. Verb 'wah' not implemented."),
        ("ErrorResponseIdDoesNotExist.xml",
         "OAI-PMH error idDoesNotExist: Identifier 'oai:arXiv.org:0813.2274' has correct form but "
         "does not correspond to an item in this repository"),
    ],
)  # fmt: skip
def test_oai_errors_raise_feed_error(fixtures_dir, name, reason):
    with pytest.raises(FeedError) as raised:
        oai_pmh.parse(read(fixtures_dir, name), name)

    assert (raised.value.origin, raised.value.reason) == (name, reason)


def test_truncated_listing_has_no_resumption_token(fixtures_dir):
    """What a cut-off listing keeps is the contract's (test_contract.py); not its token."""
    data = read(fixtures_dir, "ListRecordsResponse.xml")

    assert oai_pmh.parse(data[: len(data) // 2], "list").cursor is None  # in the lost half


def test_record_without_title_is_rejected(fixtures_dir):
    data = read(fixtures_dir, "ListRecordsResponse.xml").replace(
        b"<title>Limit distributions and scaling functions</title>", b""
    )

    parsed = oai_pmh.parse(data, "list")

    assert len(parsed.papers) == 5
    assert [(r.entry, r.reason) for r in parsed.rejected] == [("0704.0716", "no title")]


def test_records_in_a_format_we_do_not_read_are_one_rejection_for_the_file():
    record = b"""<record><header><identifier>oai:arXiv.org:0704.000%d</identifier></header>
      <metadata><mods xmlns="http://www.loc.gov/mods/v3"/></metadata></record>"""
    records = b"".join(record % n for n in range(1, 4))
    data = (
        b"""<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords>%s
      </ListRecords></OAI-PMH>"""
        % records
    )

    (rejection,) = oai_pmh.parse(data, "mods").rejected

    assert rejection.entry == "file"
    assert rejection.reason == (
        "3 record(s) in metadata format http://www.loc.gov/mods/v3, which papers does not "
        "read: harvest with metadataPrefix=arXivRaw or arXiv or oai_dc"
    )


def test_the_arxiv_metadata_format(fixtures_dir):
    parsed = oai_pmh.parse(read(fixtures_dir, "ListRecordsArXiv.xml"), "arXiv")

    graphs, diphoton = parsed.papers
    assert [(r.entry, r.reason) for r in parsed.rejected] == [
        ("oai:arXiv.org:0704.0003", "record deleted")
    ]
    assert (graphs.id, graphs.title, graphs.authors, graphs.categories) == (
        "0704.0002", "Sparsity-certifying Graph Decompositions",
        ("Ileana Streinu", "Louis Theran"), ("math.CO", "cs.CG"),
    )  # fmt: skip
    assert graphs.abstract.startswith("We describe a new algorithm, the $(k,\\ell)$-pebble")
    assert graphs.extras["license"] == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert diphoton.title == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert diphoton.authors == ("C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan Jr")
    assert (diphoton.published, diphoton.updated) == (
        datetime(2007, 4, 2, tzinfo=UTC), datetime(2008, 11, 13, tzinfo=UTC)
    )  # fmt: skip
    assert dict(diphoton.extras) == {
        "comments": "37 pages, 15 figures; published version",
        "journal_ref": "Phys.Rev.D76:013009,2007",
        "doi": "10.1103/PhysRevD.76.013009",
    }
    assert parsed.cursor == "6960524|1001" and parsed.total == 3


def test_the_oai_dc_metadata_format_gives_what_it_has(fixtures_dir):
    parsed = oai_pmh.parse(read(fixtures_dir, "ListRecordsOaiDc.xml"), "dc")

    diphoton, graphs = parsed.papers
    assert parsed.rejected == ()
    assert diphoton.id == "0704.0001"
    assert diphoton.authors == ("C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan")
    assert diphoton.abstract.startswith("A fully differential calculation")
    assert (diphoton.published, diphoton.updated) == (
        datetime(2007, 4, 2, tzinfo=UTC), datetime(2007, 7, 24, tzinfo=UTC)
    )  # fmt: skip
    assert diphoton.categories == ()  # Dublin Core names subjects, not category codes
    assert dict(diphoton.extras) == {
        "comments": "37 pages, 15 figures; published version",
        "doi": "10.1103/PhysRevD.76.013009",
        "subjects": ("High Energy Physics - Phenomenology",),
    }
    assert graphs.extras["subjects"] == (
        "Mathematics - Combinatorics", "Computer Science - Computational Geometry",
    )  # fmt: skip
    assert parsed.cursor is None


@pytest.mark.parametrize(
    ("kwargs", "params"),
    [
        ({}, {"verb": "ListRecords", "metadataPrefix": "arXivRaw"}),
        ({"from_date": date(2024, 5, 1), "set_spec": "cs"},
         {"verb": "ListRecords", "metadataPrefix": "arXivRaw", "from": "2024-05-01", "set": "cs"}),
        ({"from_date": date(2024, 5, 1), "set_spec": "cs", "token": "726959|1001"},
         {"verb": "ListRecords", "resumptionToken": "726959|1001"}),
    ],
)  # fmt: skip
def test_request_params(kwargs, params):
    assert oai_pmh.request_params(**kwargs) == params


def test_fetch_sends_the_token_alone(httpserver: HTTPServer, fixtures_dir):
    listing = read(fixtures_dir, "ListRecordsResponse.xml")
    httpserver.expect_ordered_request(
        "/oai", query_string={"verb": "ListRecords", "resumptionToken": "726959|1001"}
    ).respond_with_data(listing, content_type="text/xml")

    data = oai_pmh.fetch(
        HttpClient(), from_date=date(2014, 10, 1), set_spec="physics", token="726959|1001",
        base_url=httpserver.url_for("/oai"),
    )  # fmt: skip

    assert data == listing


def test_harvest_follows_resumption_tokens(httpserver: HTTPServer, fixtures_dir):
    first = read(fixtures_dir, "ListRecordsResponse.xml")
    # The last page of a listing carries an empty token (OAI-PMH 2.0, 3.5); made from page one.
    last = re.sub(
        rb"<resumptionToken[^>]*>[^<]*</resumptionToken>",
        b'<resumptionToken cursor="1001"/>',
        first,
    )
    httpserver.expect_ordered_request(
        "/oai",
        query_string={"verb": "ListRecords", "metadataPrefix": "arXivRaw", "from": "2014-10-01"},
    ).respond_with_data(first, content_type="text/xml")
    httpserver.expect_ordered_request(
        "/oai", query_string={"verb": "ListRecords", "resumptionToken": "726959|1001"}
    ).respond_with_data(last, content_type="text/xml")

    pages = list(
        oai_pmh.harvest(
            HttpClient(), from_date=date(2014, 10, 1), base_url=httpserver.url_for("/oai")
        )
    )

    assert [(len(p.papers), p.cursor) for p in pages] == [(6, "726959|1001"), (6, None)]
    httpserver.check_assertions()


def test_harvest_stops_when_the_listing_has_no_records(httpserver: HTTPServer, fixtures_dir):
    httpserver.expect_request("/oai").respond_with_data(
        read(fixtures_dir, "ErrorResponseNoRecordsMatch.xml"), content_type="text/xml"
    )

    pages = list(oai_pmh.harvest(HttpClient(), set_spec="moo", base_url=httpserver.url_for("/oai")))

    assert [p.papers for p in pages] == [()]
