"""Messages drawn again from the store after a press: a search's result card, a digest's
message, or the presser's own note.

A press changes the store; the message is then rebuilt from what the store knows (the
stored search or the delivery's plan, and each paper's latest press), never from the
payload's blocks: two quick presses on one message, each payload carrying the original,
both show, whichever update lands last.
"""

from __future__ import annotations

from dataclasses import replace

from bot.blocks import (
    SAVED_SHOWN,
    UNDO,
    card_of,
    digest_messages,
    note_block,
    paper_title,
    press_note,
    results_message,
    saved_messages,
)
from bot.errors import StaleButton, UnknownDigest
from bot.search import SearchRequest, run
from bot.services import Services
from bot.targets import is_channel_target
from recommender.delivery import planned_digest
from recommender.models import Paper
from recommender.store.profiles import Press


def new_search(services: Services, request: SearchRequest, *, reader: str) -> dict:
    """A search's first card: the search is kept in the store, which its buttons name."""
    stored = replace(request, offset=0).encode()
    search_id = services.store.searches.add(stored, now=services.clock())
    # Drawn from the stored form, as its pages will be, without reading it back.
    return _card(services, search_id, SearchRequest.decode(stored), request.offset, reader=reader)


def results_card(
    services: Services, search_id: str, offset: int, *, reader: str, revision: str = ""
) -> dict:
    """The page at `offset` of a stored search, each paper as `reader` left it (their
    latest press on it, or its buttons); StaleButton once the search is forgotten."""
    stored = services.store.searches.get(search_id)
    if stored is None:
        raise StaleButton("this search is too old to page or change; run it again")
    request = SearchRequest.decode(stored)
    return _card(services, search_id, request, offset, reader=reader, revision=revision)


def _card(
    services: Services,
    search_id: str,
    request: SearchRequest,
    offset: int,
    *,
    reader: str,
    revision: str = "",
) -> dict:
    page = run(services.engine, services.store, replace(request, offset=offset))
    pressed = services.store.profiles.presses(reader, [paper.id for paper in page.papers])
    return results_message(page, search_id=search_id, pressed=pressed, revision=revision)


def digest_card(services: Services, target: str, post: dict, *, revision: str) -> dict:
    """The digest message `post` ({channel, ts}) of `target`, drawn from its delivery's plan
    with each pick's latest press."""
    found = services.store.deliveries.find_post(target, post)
    if found is None:
        raise UnknownDigest(
            "I can no longer redraw this digest message, but what you pressed is done"
        )
    delivery, part = found
    plan = delivery.plan
    digest = planned_digest(services.store, target, plan)
    pressed = services.store.profiles.presses(target, [pick.paper.id for pick in digest.picks])
    messages = digest_messages(
        digest,
        plan["sizes"],
        day=delivery.day,
        channel=is_channel_target(target),
        pressed=pressed,
        revision=revision,
    )
    return messages[part]


def own_note(paper: Paper, press: Press) -> dict:
    """The presser's own note of a press where no card shows it (a Save under a channel's
    digest, whose buttons stay for the others), with Undo."""
    note = f"*{paper_title(paper)}*\n{press_note(press)}"
    return {
        "text": press_note(press),
        "blocks": [note_block(note, paper, UNDO, f"note:{press.id}")],
    }


def after_press(services: Services, action: dict, reader: str, paper: Paper) -> tuple[dict, bool]:
    """What `reader` sees after pressing a button under a search result, and whether it
    replaces the message pressed: the card rebuilt in place, or, where the button was on
    no stored card, their own note of the press."""
    card = card_of(action["block_id"])
    if card is not None:
        search_id, offset = card
        rebuilt = results_card(
            services, search_id, offset, reader=reader, revision=action["action_ts"]
        )
        return rebuilt, True
    press = services.store.profiles.presses(reader, [paper.id])[paper.id]
    return own_note(paper, press), False


def saved_page(services: Services, target: str, offset: int = 0) -> list[dict]:
    """The messages of a page of `target`'s saved papers, from the `offset`-th most recent."""
    ids = services.store.profiles.saved(target)
    return saved_messages(saved_papers(services, ids[offset : offset + SAVED_SHOWN]), len(ids),
                          offset=offset)  # fmt: skip


def saved_papers(services: Services, ids: list[str]) -> list[Paper]:
    """The papers of `ids` the archive holds, in that order."""
    keys = services.store.keys_of(ids)
    papers = services.store.by_keys(keys.values())
    return [papers[keys[i]] for i in ids if i in keys and keys[i] in papers]
