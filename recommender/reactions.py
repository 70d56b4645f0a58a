"""Reactions as feedback: an emoji on a message that names one paper teaches the reactor.

It teaches the reactor's own profile and saved list, never a channel's: a reaction is one
person's, and a channel's profile changes only through its settings. Each reaction that
taught is stored (`store.messages`), which makes both directions idempotent: a retried
event, or one delivered again after a restart, finds its row and changes nothing; a second
emoji of the same verdict on the same message teaches nothing more; removing an emoji puts
back what it changed, once the last emoji of that verdict on the message is gone.

A reaction is logged as a press of its verdict's button (`record_feedback`), so that it
counts among "saved by 3 people here"; taking it off marks that press undone. It is not
`undo_feedback`'s: that takes back the person's latest press on the paper, which may be a
button pressed since, while an emoji taken off takes back what that emoji did.
"""

from __future__ import annotations

from datetime import datetime

from recommender.matching import record_feedback
from recommender.profiles import POSITIVE_ACTIONS, Profile, placement, restore_placement
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
    prior = _before(store, reactor, message.paper_id, now)
    earlier = store.messages.add_reaction(Reaction(message, reactor, name, action, prior, now))
    if earlier is None or earlier:
        return False
    added = action == "save" and store.profiles.save_paper(reactor, message.paper_id, now=now)
    user = reactor.rsplit(":", 1)[-1]
    record_feedback(store, reactor, message.paper_id, action, now=now, presser=user, saved=added)
    return True


def unreact(store: Store, message: PaperMessage, reactor: str, name: str, *, now: datetime) -> bool:
    """`reactor` took emoji `name` off `message`: undo what it taught, unless another of
    their emoji on it still says the same; False if nothing was undone."""
    removed = store.messages.remove_reaction(message, reactor, name)
    if removed is None:
        return False
    paper_id, prior = message.paper_id, removed.prior
    press = store.profiles.presses(reactor, [paper_id]).get(paper_id)
    taught = datetime.fromisoformat(prior["taught"])
    if press is not None and press.action == removed.action and press.at == taught:
        store.profiles.mark_undone(press, now=now)
    if removed.action == "save" and not prior["saved"]:
        store.profiles.unsave_paper(reactor, paper_id)
    made = {"liked", "seed"} if removed.action in POSITIVE_ACTIONS else {"disliked"}

    def restore(profile: Profile) -> Profile:
        # A later, other verdict on the paper (another emoji, a button) moved it: it stands.
        if placement(profile, paper_id) not in made:
            return profile
        return restore_placement(profile, paper_id, prior["place"])

    store.profiles.update(reactor, restore, now=now)
    return True


def _before(store: Store, target: str, paper_id: str, now: datetime) -> dict:
    """Where `paper_id` stands for `target` before a reaction taught at `now`: its place in
    the profile, whether it was saved, and when the reaction taught (its press's time)."""
    profile = store.profiles.get(target) or Profile()
    saved = paper_id in store.profiles.saved(target)
    return {"place": placement(profile, paper_id), "saved": saved, "taught": now.isoformat()}
