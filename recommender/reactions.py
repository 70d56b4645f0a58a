"""Reactions as feedback: an emoji on a message that names one paper teaches the reactor.

It teaches the reactor's own profile and saved list, never a channel's: a reaction is one
person's, and a channel's profile changes only through its settings. Each reaction that
taught is stored (`store.messages`), which makes both directions idempotent: a retried
event, or one delivered again after a restart, finds its row and changes nothing; a second
emoji of the same verdict on the same message teaches nothing more; removing an emoji puts
back what it changed, once the last emoji of that verdict on the message is gone.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from recommender.matching import record_feedback
from recommender.profiles import POSITIVE_ACTIONS, Profile
from recommender.store import Store
from recommender.store.messages import PaperMessage, Reaction


def react(
    store: Store, message: PaperMessage, reactor: str, name: str, action: str, *, now: datetime
) -> bool:
    """`reactor` (a user target) put emoji `name`, standing for `action`, on `message`:
    teach them; False if this taught nothing (a retry, the same verdict given already, or
    a message whose reactions only its owner's count)."""
    if message.owner is not None and message.owner != reactor:
        return False
    prior = _placement(store, reactor, message.paper_id, now)
    earlier = store.messages.add_reaction(Reaction(message, reactor, name, action, prior, now))
    if earlier is None or earlier:
        return False
    if action == "save":
        store.profiles.save_paper(reactor, message.paper_id, now=now)
    record_feedback(store, reactor, message.paper_id, action, now=now)
    return True


def unreact(store: Store, message: PaperMessage, reactor: str, name: str, *, now: datetime) -> bool:
    """`reactor` took emoji `name` off `message`: undo what it taught, unless another of
    their emoji on it still says the same; False if nothing was undone."""
    removed = store.messages.remove_reaction(message, reactor, name)
    if removed is None:
        return False
    paper_id, prior = message.paper_id, removed.prior
    taught = datetime.fromisoformat(prior["taught"])
    store.profiles.unlog_feedback(reactor, paper_id, removed.action, at=taught)
    if removed.action == "save" and not prior["saved"]:
        store.profiles.unsave_paper(reactor, paper_id)
    made = {"liked", "seed"} if removed.action in POSITIVE_ACTIONS else {"disliked"}

    def restore(profile: Profile) -> Profile:
        # A later, other verdict on the paper (another emoji, a button) moved it: it stands.
        if _place(profile, paper_id) not in made:
            return profile
        return _restored(profile, paper_id, prior["place"])

    store.profiles.update(reactor, restore, now=now)
    return True


def _placement(store: Store, target: str, paper_id: str, now: datetime) -> dict:
    """Where `paper_id` stands for `target` before a reaction taught at `now`: its place in
    the profile, whether it was saved, and when the reaction taught (what its log says)."""
    profile = store.profiles.get(target) or Profile()
    saved = paper_id in store.profiles.saved(target)
    return {"place": _place(profile, paper_id), "saved": saved, "taught": now.isoformat()}


def _place(profile: Profile, paper_id: str) -> str | None:
    for place in ("seeds", "liked", "disliked"):
        if paper_id in getattr(profile, place):
            return "seed" if place == "seeds" else place
    return None


def _restored(profile: Profile, paper_id: str, place: str | None) -> Profile:
    """The profile with `paper_id` back in `place` (None: in none of its lists)."""
    liked = [i for i in profile.liked if i != paper_id]
    disliked = [i for i in profile.disliked if i != paper_id]
    seeds = tuple(i for i in profile.seeds if i != paper_id)
    if place == "liked":
        liked.append(paper_id)
    elif place == "disliked":
        disliked.append(paper_id)
    elif place == "seed":
        seeds = (*seeds, paper_id)
    return replace(profile, liked=liked, disliked=disliked, seeds=seeds)
