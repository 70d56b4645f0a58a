"""A fake OAI-PMH server on loopback that lists copies of the recorded arXivRaw records.

`copies(n)` makes `n` records from the six of the recorded ListRecords response, each with
its own arXiv id (`2401.00001`, ...), a title word of its own (`paperno1`, ...) and a
datestamp (`per_day` records a day from `FIRST_DAY`). The fake answers ListRecords as
arXiv does: `from`/`until` select by datestamp, pages of `page_size` records continue
through resumption tokens with completeListSize, the last page has an empty token, and a
token in `expired` (or any, once `forget_tokens` is set) is OAI's badResumptionToken. It
records the query of every request, and can be held at the n-th request, which is the
server not answering yet, with no clock in the test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from tests.loopback import LoopbackFake

RECORDED = Path(__file__).parent / "fixtures" / "oai-pmh" / "ListRecordsResponse.xml"
FIRST_DAY = date(2024, 1, 1)
HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
    "<responseDate>2024-06-01T00:00:00Z</responseDate>"
)


@dataclass(frozen=True)
class Record:
    """One listed record: its datestamp and its `<record>` XML."""

    day: date
    xml: str


def recorded_records() -> list[str]:
    """The six `<record>` elements of the recorded response, as text."""
    return re.findall(r"<record>.*?</record>", RECORDED.read_text(), re.DOTALL)


def paper_id(number: int) -> str:
    return f"2401.{number:05d}"


def copies(n: int, *, per_day: int = 4, start: int = 1) -> list[Record]:
    """`n` distinct records (numbers `start`...), made from the recorded ones."""
    templates = recorded_records()
    out = []
    for number in range(start, start + n):
        xml = templates[number % len(templates)]
        old = re.search(r"<id>(.*?)</id>", xml)[1]
        day = FIRST_DAY + timedelta(days=(number - 1) // per_day)
        xml = xml.replace(old, paper_id(number))
        xml = re.sub(r"<datestamp>.*?</datestamp>", f"<datestamp>{day}</datestamp>", xml)
        xml = xml.replace("<title>", f"<title>paperno{number} ", 1)
        out.append(Record(day, xml))
    return out


class FakeOai(LoopbackFake):
    """`url` is the OAI base URL; `asked` the query of each request, in order."""

    content_type = "text/xml"
    patience = 60.0

    def __init__(self, records: list[Record], *, page_size: int = 4) -> None:
        super().__init__("/oai")
        self.records = records
        self.page_size = page_size
        self.expired: set[str] = set()
        self.forget_tokens = False

    @property
    def asked(self) -> list[dict[str, str]]:
        return self.queries

    def respond(self, query: dict[str, str]) -> bytes:
        return self.answer(query).encode("utf-8")

    def answer(self, query: dict[str, str]) -> str:
        """The response to one ListRecords request."""
        token = query.get("resumptionToken")
        if token is not None:
            if self.forget_tokens or token in self.expired:
                return _error("badResumptionToken", "The resumptionToken supplied is illegal")
            start, _, offset = token.partition("|")
            since, until, cursor = start or None, None, int(offset)
        else:
            since, until, cursor = query.get("from"), query.get("until"), 0
        listed = [r for r in self.records if _within(r.day, since, until)]
        if not listed:
            return _error("noRecordsMatch", "The combination of the values results in nothing")
        page = listed[cursor : cursor + self.page_size]
        after = cursor + len(page)
        next_token = f"{since or ''}|{after}" if after < len(listed) else ""
        resumption = (
            f'<resumptionToken cursor="{cursor}" completeListSize="{len(listed)}">'
            f"{next_token}</resumptionToken>"
        )
        body = "".join(r.xml for r in page)
        return f"{HEAD}<ListRecords>{body}{resumption}</ListRecords></OAI-PMH>"


def _within(day: date, since: str | None, until: str | None) -> bool:
    return (since is None or day.isoformat() >= since) and (
        until is None or day.isoformat() <= until
    )


def _error(code: str, text: str) -> str:
    return f'{HEAD}<error code="{code}">{text}</error></OAI-PMH>'
