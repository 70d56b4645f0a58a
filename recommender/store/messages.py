"""Messages that name one paper, and the reactions on them that taught someone's profile.

A message is keyed as Slack keys it: (team, channel, ts). Recording one is the only way a
reaction on it can teach; a reaction on any other message is none of the app's business.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, delete, select, text, update

from recommender.errors import InvalidFeedback
from recommender.profiles import check_action, check_target
from recommender.store.db import serialized
from recommender.store.schema import paper_messages, reactions

# What posted a message that names one paper.
KINDS = ("unfurl", "share", "digest")


@dataclass(frozen=True)
class PaperMessage:
    """A message naming one paper. `owner`: the one person (a user target) whose reactions
    on it teach, as on a personal digest; None: whoever reacts teaches their own profile."""

    team: str
    channel: str
    ts: str
    paper_id: str
    kind: str
    owner: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InvalidFeedback(f"unknown message kind {self.kind!r}; expected one of {KINDS}")
        if self.owner is not None:
            check_target(self.owner)


@dataclass(frozen=True)
class Reaction:
    """One person's emoji on a recorded message, as the verdict (`action`) it stands for.
    `prior` is what the first reaction of this verdict found and did (`recommender.reactions`):
    the paper's place in the profile before, whether it was saved, and when it taught."""

    message: PaperMessage
    target: str
    name: str
    action: str
    prior: dict
    at: datetime


class Messages:
    """Paper messages and the reactions that taught, on the store's database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(self, message: PaperMessage, *, now: datetime) -> None:
        """Remember that `message` names its paper (a message recorded again names the new one)."""
        key = _key(paper_messages, message.team, message.channel, message.ts)
        values = {"paper_id": message.paper_id, "kind": message.kind, "owner": message.owner}
        with self.engine.begin() as conn:
            if not conn.execute(update(paper_messages).where(*key).values(**values)).rowcount:
                row = {"team": message.team, "channel": message.channel, "ts": message.ts}
                conn.execute(paper_messages.insert().values(**row, **values, posted=now))

    def find(self, team: str, channel: str, ts: str) -> PaperMessage | None:
        """The recorded message at (team, channel, ts), or None."""
        query = select(paper_messages).where(*_key(paper_messages, team, channel, ts))
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        if row is None:
            return None
        return PaperMessage(row["team"], row["channel"], row["ts"], row["paper_id"],
                            row["kind"], row["owner"])  # fmt: skip

    def add_reaction(self, reaction: Reaction) -> list[dict] | None:
        """Remember that `reaction` was put on: None if it was already (nothing changes),
        else the `prior` of the same person's earlier reactions of the same verdict on the
        message (the first of them is stored as this one's too)."""
        check_action(reaction.action)
        message = reaction.message
        with _locked(self.engine, message, reaction.target) as conn:
            own = _own(message, reaction.target, reaction.name)
            if conn.execute(select(reactions.c.action).where(*own)).first():
                return None
            earlier = _verdicts(conn, message, reaction.target, reaction.action)
            row = {"team": message.team, "channel": message.channel, "ts": message.ts,
                   "target": reaction.target, "reaction": reaction.name,
                   "paper_id": message.paper_id, "action": reaction.action,
                   "prior": earlier[0] if earlier else reaction.prior,
                   "at": reaction.at}  # fmt: skip
            conn.execute(reactions.insert().values(**row))
        return earlier

    def remove_reaction(self, message: PaperMessage, target: str, name: str) -> Reaction | None:
        """Forget `target`'s `name` reaction on `message`: what it was if that leaves none
        of theirs of its verdict on the message (what to undo), else None."""
        with _locked(self.engine, message, target) as conn:
            key = _own(message, target, name)
            row = conn.execute(select(reactions).where(*key)).mappings().first()
            if row is None:
                return None
            conn.execute(delete(reactions).where(*key))
            if _verdicts(conn, message, target, row["action"]):
                return None
        return Reaction(message, target, name, row["action"], row["prior"], row["at"])


@contextmanager
def _locked(engine: Engine, message: PaperMessage, target: str) -> Iterator[Connection]:
    """A transaction in which no other changes `target`'s reactions on `message`: two emoji
    of one verdict put on at once must not both count as the first."""
    with serialized(engine) as conn:
        if conn.dialect.name == "postgresql":
            name = f"{message.team}:{message.channel}:{message.ts}:{target}".encode()
            key = int.from_bytes(hashlib.sha256(name).digest()[:8], "big", signed=True)
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
        yield conn


def _verdicts(conn: Connection, message: PaperMessage, target: str, action: str) -> list[dict]:
    """The `prior` of each of `target`'s reactions on `message` that stand for `action`."""
    query = (
        select(reactions.c.prior)
        .where(
            *_key(reactions, message.team, message.channel, message.ts),
            reactions.c.target == target,
            reactions.c.action == action,
        )
        .order_by(reactions.c.at, reactions.c.reaction)
    )
    return list(conn.scalars(query))


def _own(message: PaperMessage, target: str, name: str) -> tuple:
    """Where `target`'s reaction `name` on `message` is."""
    return (*_key(reactions, message.team, message.channel, message.ts),
            reactions.c.target == target, reactions.c.reaction == name)  # fmt: skip


def _key(table, team: str, channel: str, ts: str) -> tuple:
    return (table.c.team == team, table.c.channel == channel, table.c.ts == ts)
