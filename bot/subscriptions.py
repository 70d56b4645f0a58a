"""Changing a target's profile, subscription and saved papers: what the slash commands, the
modal and the Save buttons do.

Each operation checks everything first (the library's `Profile` and `Schedule` validate
themselves on construction) and writes only when all is well, so bad input changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from bot.errors import NotAllowed, NotInstalled, UsageError
from bot.targets import is_slack_target, parse_target
from recommender.errors import EmptyProfile
from recommender.matching import record_feedback
from recommender.models import Paper
from recommender.profiles import (
    TEXT_SEED_PREFIX,
    Profile,
    TextSeed,
    profile_from_dict,
    require_interests,
)
from recommender.schedule import Schedule
from recommender.store import Store
from recommender.store.subscriptions import Change, Subscribed

# Why a digest was paused, when no delivery failure paused it.
PAUSED_BY_HAND = "paused by hand"
UNINSTALLED = "the app was uninstalled from the workspace"
REVOKED = "the app's token for the workspace was revoked"
# Slack's errors that say the app lost its access to the workspace (its token is dead).
ACCESS_LOST_ERRORS = frozenset({"account_inactive", "invalid_auth", "token_revoked"})


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
    owner: str | None = None,
) -> Subscription:
    """Start or renew `target`'s digests; a new description replaces the old one.

    A renewed subscription keeps its days, time and zone, except what is given again (`at`,
    `tz`); a new one takes `tz`, else `default_tz` (the caller's zone in Slack), and is
    `owner`'s (whoever set it up). A paused one goes again: subscribing asks for digests.
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
    done = save(store, target, Subscription(profile, schedule), now=now, owner=owner)
    store.subscriptions.resume(target, now=now)
    return done


def save(
    store: Store,
    target: str,
    subscription: Subscription,
    *,
    now: datetime,
    owner: str | None = None,
) -> Subscription:
    """Store a checked profile and, if it has one, its schedule (a new one `owner`'s)."""
    store.profiles.save(target, subscription.profile, now=now)
    if subscription.schedule is not None:
        store.subscriptions.save(target, subscription.schedule, now=now, owner=owner)
    return subscription


def set_paused(
    store: Store, target: str, presser: str, *, paused: bool, now: datetime
) -> Subscribed:
    """Pause or resume `target`'s digests for `presser`, who must be the target or the one
    who set it up (NotAllowed); UsageError if it is no longer subscribed."""
    state = store.subscriptions.state(target)
    if state is None:
        raise UsageError(
            "That digest is no longer subscribed: `/papers subscribe` starts it again."
        )
    if presser not in (state.target, state.owner):
        raise NotAllowed("Only whoever set this digest up can pause or resume it.")
    if paused and not state.paused:
        store.subscriptions.pause(target, PAUSED_BY_HAND, now=now)
    elif not paused:
        store.subscriptions.resume(target, now=now)
    return store.subscriptions.state(target)


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


def find_paper(store: Store, paper: str) -> Paper | None:
    """The archive's paper by id (arXiv, `title:...`, an alias) or `doi:` and its DOI."""
    if paper.startswith("doi:"):
        doi = paper.removeprefix("doi:")
        paper = store.ids_by_doi([doi]).get(doi, paper)
    return store.get(paper)


def add_seed(store: Store, target: str, paper_ref: str, *, now: datetime) -> Paper:
    """Make a paper of the archive a seed: digests look for papers close to it."""
    paper = find_paper(store, paper_ref)
    if paper is None:
        raise UnknownPaper(
            f"{paper_ref.removeprefix('doi:')} is not in the archive (yet); try again after "
            "the next ingest, seed a paper that a search finds, or `/papers import` its title"
        )

    def seed(profile: Profile) -> Profile:
        # Seeding a paper takes back an earlier "not interested" in it.
        disliked = tuple(i for i in profile.disliked if i != paper.id)
        return replace(profile, seeds=(*profile.seeds, paper.id), disliked=disliked)

    store.profiles.update(target, seed, now=now, create=True)
    return paper


def remove_seed(store: Store, target: str, paper: str, *, now: datetime) -> str | None:
    """Take back a seed or a like: `paper` is an id as `find_paper` takes it, or a text
    seed's title or id. What was removed (a title, else an id), or None if nothing was."""
    is_text = paper.startswith(TEXT_SEED_PREFIX)
    found = None if is_text else find_paper(store, paper)
    ids = {paper, *([found.id] if found else [])}
    text_id = paper if is_text else TextSeed(paper).id
    removed: list[str] = []

    def drop(profile: Profile) -> Profile:
        removed.extend(seed.title for seed in profile.text_seeds if seed.id == text_id)
        if ids & {*profile.seeds, *profile.liked}:
            removed.append(found.title if found else paper)
        return replace(
            profile,
            seeds=tuple(i for i in profile.seeds if i not in ids),
            liked=tuple(i for i in profile.liked if i not in ids),
            text_seeds=tuple(seed for seed in profile.text_seeds if seed.id != text_id),
        )

    store.profiles.update(target, drop, now=now)
    return removed[0] if removed else None


def unfollow(store: Store, target: str, author: str, *, now: datetime) -> str | None:
    """Stop following an author (in any case); the name as it was followed, or None."""
    return _remove_from(store, target, "authors", author, now=now)


def unmute(store: Store, target: str, term: str, *, now: datetime) -> str | None:
    """Take back a muted term (in any case); the term as it was muted, or None."""
    return _remove_from(store, target, "muted", term, now=now)


def _remove_from(store: Store, target: str, field: str, text: str, *, now: datetime) -> str | None:
    removed: list[str] = []

    def drop(profile: Profile) -> Profile:
        items = getattr(profile, field)
        removed.extend(item for item in items if item.casefold() == text.casefold())
        return replace(profile, **{field: tuple(i for i in items if i not in removed)})

    store.profiles.update(target, drop, now=now)
    return removed[0] if removed else None


def unsave(store: Store, target: str, paper: str) -> Paper | str | None:
    """Take a paper off `target`'s saved list: the paper (or its id, if the archive lost it),
    or None if it was not saved."""
    found = find_paper(store, paper)
    for paper_id in dict.fromkeys([*([found.id] if found else []), paper]):
        if store.profiles.unsave_paper(target, paper_id):
            return found or paper_id
    return None


def save_paper(store: Store, target: str, paper_id: str, *, presser: str, now: datetime) -> bool:
    """Keep a paper on a person's saved list and teach their own profile; True if new.

    Saving is personal wherever the button is: under a channel's digest too, the list and
    the profile that learns are the presser's (`target`, the verified `presser`'s own).
    """
    added = store.profiles.save_paper(target, paper_id, now=now)
    record_feedback(store, target, paper_id, "save", now=now, presser=presser, saved=added)
    return added


def stop_team(store: Store, team: str, reason: str, *, now: datetime) -> list[str]:
    """Pause the digests that go out in workspace `team` (the app was uninstalled there, or
    its token revoked); the targets paused. A digest paused already keeps its reason."""
    stopped = [target for target in store.subscriptions.active() if _in_team(target, team)]
    for target in stopped:
        store.subscriptions.pause(target, reason, now=now)
    return stopped


def resume_team(store: Store, team: str, *, now: datetime) -> list[str]:
    """Resume the digests of workspace `team` that were paused because the app lost its
    access there (uninstalled, its token revoked or dead): it was installed again. Digests
    paused by hand, or for another failure, stay paused. The targets resumed."""
    resumed = [
        state.target
        for state in map(store.subscriptions.state, store.subscriptions.all())
        if state is not None
        and state.paused is not None
        and _in_team(state.target, team)
        and lost_access(state.paused)
    ]
    for target in resumed:
        store.subscriptions.resume(target, now=now)
    return resumed


def lost_access(reason: str) -> bool:
    """Whether a digest was paused for `reason` because the app lost its access."""
    return (
        reason in (UNINSTALLED, REVOKED)
        or reason.removeprefix("slack: ") in ACCESS_LOST_ERRORS
        or reason.startswith(f"{NotInstalled.__name__}:")
    )


def _in_team(target: str, team: str) -> bool:
    return is_slack_target(target) and parse_target(target).team == team


def snapshot(store: Store, target: str) -> dict:
    """What an undo puts back: `target`'s stored profile and subscription (None: none)."""
    profile, state = store.profiles.get(target), store.subscriptions.state(target)
    return {
        "profile": None if profile is None else profile.to_dict(),
        "subscription": None if state is None else state.to_dict(),
    }


def log_change(
    store: Store, target: str, changer: str, before: dict, summary: str, *, now: datetime
) -> Change:
    """Keep a change `changer` made to `target`'s digest (`before` is its `snapshot`)."""
    return store.subscriptions.log_change(target, changer, summary, before, now=now)


def undo(store: Store, change_id: int, presser: str, *, now: datetime) -> tuple[Change, Change]:
    """Put back the settings from before a change to a digest: (the change, the undo).

    Only its changer or whoever set the digest up may (NotAllowed), and only while it is
    the digest's latest change (UsageError): an older one would overwrite newer changes.
    """
    change = store.subscriptions.change(change_id)
    if change is None or parse_target(change.target).team != parse_target(presser).team:
        raise UsageError("That change is not known here.")
    if presser not in (change.changer, *_owners(store, change)):
        raise NotAllowed("Only whoever made this change, or set the digest up, can undo it.")
    latest = store.subscriptions.last_change(change.target)
    if latest.undoes == change.id:
        raise UsageError("That change was undone already.")
    if latest.id != change.id:
        raise UsageError("The digest was changed again since: undo the latest change first.")
    now_before = snapshot(store, change.target)
    _restore(store, change.target, change.before, now=now)
    whose = parse_target(change.changer).id
    summary = f"undid <@{whose}>'s change ({change.summary})"
    taken_back = store.subscriptions.log_change(
        change.target, presser, summary, now_before, now=now, undoes=change.id
    )
    return change, taken_back


def _owners(store: Store, change: Change) -> set[str]:
    """Whoever set the digest up, before the change and now."""
    before = change.before.get("subscription") or {}
    state = store.subscriptions.state(change.target)
    return {owner for owner in (before.get("owner"), state and state.owner) if owner}


def _restore(store: Store, target: str, before: dict, *, now: datetime) -> None:
    if before.get("profile") is not None:
        profile = profile_from_dict(before["profile"], f"the earlier profile of {target}")
        store.profiles.save(target, profile, now=now)
    store.subscriptions.restore(target, before.get("subscription"), now=now)
