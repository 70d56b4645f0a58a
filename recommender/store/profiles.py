"""What each target wants and did: its profile, the log of its button presses, its saved papers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, func, select, union, update
from sqlalchemy.exc import IntegrityError

from recommender.profiles import (
    POSITIVE_ACTIONS,
    Profile,
    check_action,
    check_target,
    profile_from_dict,
)
from recommender.store.db import serialized
from recommender.store.schema import feedback, hidden_people, profiles, saved


@dataclass(frozen=True)
class Press:
    """One logged button press that was not undone: what, on which paper, by whom (the
    Slack user; None for presses logged before presses named one), and what it changed
    (`prior`: the paper's place in the profile before, and whether it was newly saved)."""

    id: int
    target: str
    paper_id: str
    action: str
    at: datetime
    presser: str | None = None
    prior: dict[str, Any] | None = None


class Profiles:
    """Profiles, feedback and saved papers, on the store's database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, target: str) -> Profile | None:
        """The stored profile of `target`, or None if it has none."""
        query = select(profiles.c.settings).where(profiles.c.target == target)
        with self.engine.connect() as conn:
            settings = conn.scalar(query)
        return None if settings is None else profile_from_dict(settings, f"profile of {target}")

    def save(self, target: str, profile: Profile, *, now: datetime) -> None:
        """Create or replace the profile of `target` (see `recommender.profiles.check_target`)."""
        check_target(target)
        settings = profile.to_dict()
        with self.engine.begin() as conn:
            changed = conn.execute(
                profiles.update()
                .where(profiles.c.target == target)
                .values(settings=settings, updated=now)
            ).rowcount
            if not changed:
                row = {"target": target, "settings": settings, "created": now, "updated": now}
                conn.execute(profiles.insert().values(**row))

    def update(
        self,
        target: str,
        change: Callable[[Profile], Profile],
        *,
        now: datetime,
        create: bool = False,
    ) -> Profile | None:
        """Read `target`'s profile, `change` it and store the result, as one step.

        Two people pressing buttons on one channel's digest at once each change the
        profile the other's change left; read and written separately, one press was lost.
        Without a stored profile: None, or with `create` the change of an empty Profile().
        """
        check_target(target)
        query = select(profiles.c.settings).where(profiles.c.target == target).with_for_update()
        with serialized(self.engine) as conn:
            settings = conn.scalar(query)
            if settings is None and not create:
                return None
            old = (
                Profile()
                if settings is None
                else profile_from_dict(settings, f"profile of {target}")
            )
            updated = change(old)
            values = {"settings": updated.to_dict(), "updated": now}
            if settings is None:
                conn.execute(profiles.insert().values(target=target, created=now, **values))
            else:
                conn.execute(profiles.update().where(profiles.c.target == target).values(**values))
        return updated

    def log_feedback(
        self,
        target: str,
        paper_id: str,
        action: str,
        *,
        now: datetime,
        presser: str | None = None,
        prior: dict[str, Any] | None = None,
    ) -> None:
        """Log one button press (`recommender.profiles.ACTIONS`) of `target` on a paper,
        with who pressed and what it changed (see `Press`)."""
        check_action(action)
        row = {"target": target, "paper_id": paper_id, "action": action, "at": now,
               "presser": presser, "prior": prior}  # fmt: skip
        with self.engine.begin() as conn:
            conn.execute(feedback.insert().values(**row))

    def presses(self, target: str, paper_ids: Iterable[str]) -> dict[str, Press]:
        """The latest press of `target` on each of `paper_ids` that was not undone (papers
        without one are left out)."""
        ids = list(dict.fromkeys(paper_ids))
        query = (
            select(feedback)
            .where(
                feedback.c.target == target,
                feedback.c.paper_id.in_(ids),
                feedback.c.undone.is_(None),
            )
            .order_by(feedback.c.id)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return {row["paper_id"]: _press(row) for row in rows}

    def mark_undone(self, press: Press, *, now: datetime) -> bool:
        """Mark `press` undone; False if it already was (someone undid it just before)."""
        with self.engine.begin() as conn:
            return bool(
                conn.execute(
                    update(feedback)
                    .where(feedback.c.id == press.id, feedback.c.undone.is_(None))
                    .values(undone=now)
                ).rowcount
            )

    def save_paper(self, target: str, paper_id: str, *, now: datetime) -> bool:
        """Remember that `target` saved `paper_id`; False when it had saved it before."""
        row = {"target": target, "paper_id": paper_id, "saved_at": now}
        try:
            with self.engine.begin() as conn:
                conn.execute(saved.insert().values(**row))
        except IntegrityError:
            return False
        return True

    def unsave_paper(self, target: str, paper_id: str) -> bool:
        """Take `paper_id` off `target`'s saved list; False if it was not on it."""
        query = delete(saved).where(saved.c.target == target, saved.c.paper_id == paper_id)
        with self.engine.begin() as conn:
            return bool(conn.execute(query).rowcount)

    def saved(self, target: str) -> list[str]:
        """The ids of the papers `target` saved, the most recent first."""
        query = (
            select(saved.c.paper_id)
            .where(saved.c.target == target)
            .order_by(saved.c.saved_at.desc(), saved.c.paper_id)
        )
        with self.engine.connect() as conn:
            return list(conn.scalars(query))

    def fans(self, paper_id: str, *, prefix: str) -> int:
        """How many targets whose names start with `prefix` (the people of one workspace)
        saved `paper_id` or liked it (a positive press), each counted once."""
        people = self._fans(paper_id, prefix).subquery()
        with self.engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(people)) or 0

    def visible_fans(self, paper_id: str, *, prefix: str, limit: int) -> list[str]:
        """Up to `limit` of the `fans` who let the workspace see what they read, by name."""
        people = self._fans(paper_id, prefix).subquery()
        hidden = select(hidden_people.c.target)
        query = (
            select(people.c.target)
            .where(people.c.target.not_in(hidden))
            .order_by(people.c.target)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return list(conn.scalars(query))

    def set_visible(self, target: str, visible: bool, *, now: datetime) -> bool:
        """Let the people of `target`'s workspace see what it saved and liked, or not;
        False if that was the setting already."""
        check_target(target)
        if visible:
            query = delete(hidden_people).where(hidden_people.c.target == target)
            with self.engine.begin() as conn:
                return bool(conn.execute(query).rowcount)
        try:
            with self.engine.begin() as conn:
                conn.execute(hidden_people.insert().values(target=target, since=now))
        except IntegrityError:
            return False
        return True

    def visible(self, target: str) -> bool:
        """Whether `target` is named among those who saved or liked a paper (the default)."""
        query = select(hidden_people.c.target).where(hidden_people.c.target == target)
        with self.engine.connect() as conn:
            return conn.scalar(query) is None

    def _fans(self, paper_id: str, prefix: str):
        savers = select(saved.c.target).where(
            saved.c.paper_id == paper_id, saved.c.target.startswith(prefix, autoescape=True)
        )
        likers = select(feedback.c.target).where(
            feedback.c.paper_id == paper_id,
            feedback.c.action.in_(sorted(POSITIVE_ACTIONS)),
            feedback.c.target.startswith(prefix, autoescape=True),
            feedback.c.undone.is_(None),
        )
        return union(savers, likers)


def _press(row) -> Press:
    return Press(
        id=row["id"],
        target=row["target"],
        paper_id=row["paper_id"],
        action=row["action"],
        at=row["at"],
        presser=row["presser"],
        prior=row["prior"],
    )
