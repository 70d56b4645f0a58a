"""The sent ledger: which papers each target was sent, and when its last digest was matched.

A paper is never recommended twice to one target; the next digest's window starts where the
last one ended, also when that one had nothing to send (and so left no paper in `sent`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime

from sqlalchemy import Engine, select

from recommender.store.schema import digest_windows, sent


class Sent:
    """What was sent to whom, on the store's database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(
        self, target: str, paper_ids: Iterable[str], *, digest_date: date, now: datetime
    ) -> None:
        """Record that `target` was sent a digest at `now` with these papers (maybe none);
        papers sent before keep their record. The next digest's window starts at `now`."""
        wanted = list(dict.fromkeys(paper_ids))
        with self.engine.begin() as conn:
            known = {i for _, i in conn.execute(_sent_query([target], wanted))}
            rows = [
                {"target": target, "paper_id": i, "digest_date": digest_date, "sent_at": now}
                for i in wanted
                if i not in known
            ]
            if rows:
                conn.execute(sent.insert(), rows)
            window = digest_windows.c.target == target
            last = conn.scalar(select(digest_windows.c.until).where(window))
            if last is None:
                conn.execute(digest_windows.insert().values(target=target, until=now))
            elif now > last:
                conn.execute(digest_windows.update().where(window).values(until=now))

    def papers(self, targets: Iterable[str], paper_ids: Iterable[str]) -> dict[str, set[str]]:
        """Which of `paper_ids` each of `targets` was sent before (targets sent none are left out).

        One query for a whole batch of digests over the same new papers.
        """
        sent_before: dict[str, set[str]] = {}
        ids = list(dict.fromkeys(paper_ids))
        with self.engine.connect() as conn:
            for some in _chunks(list(dict.fromkeys(targets)), 1000):
                for chunk in _chunks(ids, 10_000):
                    for target, paper_id in conn.execute(_sent_query(some, chunk)):
                        sent_before.setdefault(target, set()).add(paper_id)
        return sent_before

    def last(self, targets: Iterable[str]) -> dict[str, datetime]:
        """When each of `targets` was last sent a digest, with papers or without (targets
        never sent one are left out)."""
        last: dict[str, datetime] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(list(dict.fromkeys(targets)), 1000):
                query = select(digest_windows.c.target, digest_windows.c.until).where(
                    digest_windows.c.target.in_(chunk)
                )
                last.update(conn.execute(query).all())
        return last


def _chunks(items: list, size: int) -> Iterator[list]:
    # Bounded IN lists: SQLite takes at most 32,766 parameters a statement.
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _sent_query(targets: list[str], paper_ids: list[str]):
    return select(sent.c.target, sent.c.paper_id).where(
        sent.c.target.in_(targets), sent.c.paper_id.in_(paper_ids)
    )
