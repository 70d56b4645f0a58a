"""Where each long OAI-PMH harvest has got to: the listing it asked for and the token to
continue it with, saved in the transaction that stores a page's papers (`Store.upsert`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Engine, Row, select, update
from sqlalchemy.engine import Connection

from recommender.store.schema import harvests


@dataclass(frozen=True)
class Harvest:
    """One ListRecords listing (by server, set and dates) and how far it has got.

    `token` is the resumption token of the next page (None before the first page and after
    the last); `latest` the newest record datestamp stored; `restart_from` where the listing
    was asked for again once the server forgot the token (`latest` then); `total` the
    records the whole harvest will have seen, from the server's completeListSize, if it says;
    `finished` that the last page is stored (the next harvest of the request starts anew);
    `updated` when a page was last stored.
    """

    base_url: str
    set_spec: str = ""
    from_date: date | None = None
    until_date: date | None = None
    token: str | None = None
    latest: date | None = None
    restart_from: date | None = None
    pages: int = 0
    records: int = 0
    total: int | None = None
    finished: bool = False
    updated: datetime | None = field(default=None, compare=False)

    @property
    def request(self) -> str:
        """The listing's name, under which its progress is kept."""
        dates = f"{self.from_date or ''}..{self.until_date or ''}"
        return f"{self.base_url} set={self.set_spec or '*'} {dates}"[:500]


class Harvests:
    """The harvests' progress, on the store's database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, request: str) -> Harvest | None:
        """The saved progress of the listing named `request`, if it was ever started."""
        with self.engine.connect() as conn:
            row = conn.execute(select(harvests).where(harvests.c.request == request)).first()
        return None if row is None else _harvest(row)

    def unfinished(self) -> list[Harvest]:
        """The harvests started and not finished (running, or stopped and resumable), the one
        that stored a page last first."""
        query = select(harvests).where(harvests.c.finished.is_(None))
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(harvests.c.updated.desc())).all()
        return [_harvest(row) for row in rows]


def _harvest(row: Row) -> Harvest:
    return Harvest(
        base_url=row.base_url,
        set_spec=row.set_spec,
        from_date=row.from_date,
        until_date=row.until_date,
        token=row.token,
        latest=row.latest,
        restart_from=row.restart_from,
        pages=row.pages,
        records=row.records,
        total=row.total,
        finished=row.finished is not None,
        updated=row.updated,
    )


def save_harvest(conn: Connection, harvest: Harvest, *, now: datetime) -> None:
    """Record `harvest`'s progress inside the caller's transaction."""
    values = {
        "base_url": harvest.base_url,
        "set_spec": harvest.set_spec,
        "from_date": harvest.from_date,
        "until_date": harvest.until_date,
        "token": harvest.token,
        "latest": harvest.latest,
        "restart_from": harvest.restart_from,
        "pages": harvest.pages,
        "records": harvest.records,
        "total": harvest.total,
        "updated": now,
        "finished": now if harvest.finished else None,
    }
    done = conn.execute(
        update(harvests).where(harvests.c.request == harvest.request).values(**values)
    )
    if done.rowcount == 0:
        conn.execute(harvests.insert().values(request=harvest.request, **values))
