"""Messages that name one paper, and the reactions on them that taught someone's profile.

A message is keyed as Slack keys it: (team, channel, ts). Recording one is the only way a
reaction on it can teach; a reaction on any other message is none of the app's business.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import IntegrityError

from recommender.errors import InvalidFeedback
from recommender.profiles import check_action, check_target
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

    def add_reaction(self, reaction: Reaction) -> bool:
        """Remember that `reaction` taught; False (and nothing changes) if it was already."""
        check_action(reaction.action)
        message = reaction.message
        row = {"team": message.team, "channel": message.channel, "ts": message.ts,
               "target": reaction.target, "reaction": reaction.name,
               "paper_id": message.paper_id, "action": reaction.action,
               "prior": reaction.prior, "at": reaction.at}  # fmt: skip
        try:
            with self.engine.begin() as conn:
                conn.execute(reactions.insert().values(**row))
        except IntegrityError:
            return False
        return True

    def remove_reaction(self, message: PaperMessage, target: str, name: str) -> Reaction | None:
        """Forget `target`'s `name` reaction on `message`: what it was, or None if none was."""
        key = (*_key(reactions, message.team, message.channel, message.ts),
               reactions.c.target == target, reactions.c.reaction == name)  # fmt: skip
        with self.engine.begin() as conn:
            row = conn.execute(select(reactions).where(*key)).mappings().first()
            if row is None or not conn.execute(delete(reactions).where(*key)).rowcount:
                return None
        return Reaction(message, target, name, row["action"], row["prior"], row["at"])

    def verdicts(self, message: PaperMessage, target: str, action: str) -> list[dict]:
        """The `prior` of each of `target`'s reactions on `message` that stand for `action`,
        the earliest first."""
        query = (
            select(reactions.c.prior)
            .where(
                *_key(reactions, message.team, message.channel, message.ts),
                reactions.c.target == target,
                reactions.c.action == action,
            )
            .order_by(reactions.c.at, reactions.c.reaction)
        )
        with self.engine.connect() as conn:
            return list(conn.scalars(query))


def _key(table, team: str, channel: str, ts: str) -> tuple:
    return (table.c.team == team, table.c.channel == channel, table.c.ts == ts)
