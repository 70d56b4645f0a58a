"""Changing a target's profile, subscription and saved papers: what the slash commands, the
modal and the Save buttons do.

Each operation checks everything first (the library's `Profile` and `Schedule` validate
themselves on construction) and writes only when all is well, so bad input changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from bot.errors import UsageError
from recommender.errors import EmptyProfile
from recommender.matching import record_feedback
from recommender.models import Paper
from recommender.profiles import Profile, require_interests
from recommender.schedule import Schedule
from recommender.store import Store


class UnknownPaper(UsageError):
    """An arXiv id the archive does not hold (yet)."""


@dataclass(frozen=True)
class Subscription:
    """What a target gets: its profile, and its schedule (None when not subscribed)."""

    profile: Profile
    schedule: Schedule | None


def current(store: Store, target: str) -> Subscription:
    """The target's stored profile (an empty one if it has none) and schedule."""
    return Subscription(store.profiles.get(target) or Profile(), store.subscriptions.get(target))


def subscribe(
    store: Store,
    target: str,
    *,
    description: str,
    tz: str | None = None,
    default_tz: str,
    at: str | None = None,
    now: datetime,
) -> Subscription:
    """Start or renew `target`'s digests; a new description replaces the old one.

    A renewed subscription keeps its days, time and zone, except what is given again (`at`,
    `tz`); a new one takes `tz`, else `default_tz` (the caller's zone in Slack).
    """
    old = current(store, target)
    profile = replace(old.profile, description=description) if description else old.profile
    try:
        require_interests(profile, target)
    except EmptyProfile:
        raise UsageError(
            "say what you want to read, e.g. "
            "`/papers subscribe speculative decoding and quantization for LLM inference`"
        ) from None
    schedule = old.schedule or Schedule(tz=default_tz)
    if tz:
        schedule = replace(schedule, tz=tz)
    if at:
        schedule = replace(schedule, at=at)
    return save(store, target, Subscription(profile, schedule), now=now)


def save(store: Store, target: str, subscription: Subscription, *, now: datetime) -> Subscription:
    """Store a checked profile and, if it has one, its schedule."""
    store.profiles.save(target, subscription.profile, now=now)
    if subscription.schedule is not None:
        store.subscriptions.save(target, subscription.schedule, now=now)
    return subscription


def unsubscribe(store: Store, target: str) -> bool:
    """Stop the digests; the profile stays, so subscribing again picks up where it was."""
    return store.subscriptions.remove(target)


def follow(store: Store, target: str, author: str, *, now: datetime) -> Profile:
    """Add an author to follow (a name already followed, in any case, is kept once)."""

    def add(profile: Profile) -> Profile:
        if author.casefold() in {name.casefold() for name in profile.authors}:
            return profile
        return replace(profile, authors=(*profile.authors, author))

    return store.profiles.update(target, add, now=now, create=True)


def mute(store: Store, target: str, term: str, *, now: datetime) -> Profile:
    """Leave out papers with `term` (ProfileError if a keyword contains it)."""

    def add(profile: Profile) -> Profile:
        if term.casefold() in {muted.casefold() for muted in profile.muted}:
            return profile
        return replace(profile, muted=(*profile.muted, term))

    return store.profiles.update(target, add, now=now, create=True)


def add_seed(store: Store, target: str, paper_id: str, *, now: datetime) -> Paper:
    """Make a paper of the archive a seed: digests look for papers close to it."""
    paper = store.get(paper_id)
    if paper is None:
        raise UnknownPaper(
            f"{paper_id} is not in the archive (yet); "
            "try again after the next ingest, or seed a paper that a search finds"
        )

    def seed(profile: Profile) -> Profile:
        # Seeding a paper takes back an earlier "not interested" in it.
        disliked = tuple(i for i in profile.disliked if i != paper.id)
        return replace(profile, seeds=(*profile.seeds, paper.id), disliked=disliked)

    store.profiles.update(target, seed, now=now, create=True)
    return paper


def save_paper(store: Store, target: str, paper_id: str, *, presser: str, now: datetime) -> bool:
    """Keep a paper on a person's saved list and teach their own profile; True if new.

    Saving is personal wherever the button is: under a channel's digest too, the list and
    the profile that learns are the presser's (`target`, the verified `presser`'s own).
    """
    added = store.profiles.save_paper(target, paper_id, now=now)
    record_feedback(store, target, paper_id, "save", now=now, presser=presser, saved=added)
    return added
