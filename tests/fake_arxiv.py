"""A fake arXiv API on loopback that answers id look-ups with recorded responses.

It records the `id_list` of every request, and can be held: a held fake answers nothing
until released, which is arXiv not answering in time, with no clock in the test.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.loopback import LoopbackFake
from tests.support import recorded_body

FIXTURES = Path(__file__).parent / "fixtures" / "arxiv-api"
# Recorded answers by the id asked for; other ids are left out, as arXiv leaves out ids it
# does not have (the recorded empty result).
RECORDED = {
    "1605.08386": "id_1605.08386_s0_m100_199195aa31ad.json",
    "astro-ph/0601001": "id_astro-ph_0601001_s0_m100_3150dca9dc76.json",
}
EMPTY = "id_0000.0000_s0_m100_8b51d9633a68.json"


def _feed(paper_ids: list[str]) -> bytes:
    """The recorded entries of `paper_ids` in one feed, as arXiv answers an `id_list`."""
    entries = [
        re.search(rb"<entry>.*</entry>", recorded_body(FIXTURES / RECORDED[pid]), re.DOTALL)[0]
        for pid in paper_ids
        if pid in RECORDED
    ]
    return recorded_body(FIXTURES / EMPTY).replace(b"</feed>", b"\n".join([*entries, b"</feed>"]))


class FakeArxiv(LoopbackFake):
    """`url` is the API's query URL; `asked` the `id_list` of each request, in order."""

    content_type = "application/atom+xml"

    def __init__(self) -> None:
        super().__init__("/api/query")

    @property
    def asked(self) -> list[str]:
        return [query.get("id_list", "") for query in self.queries]

    def respond(self, query: dict[str, str]) -> bytes:
        return _feed(query.get("id_list", "").split(","))
