"""Showing the settings in Slack: the modal (views.open) and the App Home tab (views.publish);
and the modal that imports a library into them.

What they look like is `bot/settings_blocks.py`'s; this gathers what they show and sends it.
"""

from __future__ import annotations

from datetime import UTC

from slack_sdk import WebClient

from bot import subscriptions
from bot.control_blocks import channel_blocks, own_digest_blocks
from bot.people import FALLBACK_TZ, slack_time_zone
from bot.redraw import saved_papers
from bot.sealed import seal
from bot.services import Services
from bot.settings_blocks import (
    HOME_SAVED_SHOWN,
    home_view,
    import_modal,
    saved_blocks,
    settings_modal,
)
from bot.targets import is_channel_target, user_target
from recommender.delivery import recent_picks


def open_settings(
    services: Services,
    client: WebClient,
    *,
    trigger_id: str,
    target: str,
    opener: str,
    announce: str | None = None,
) -> None:
    """Open the settings of `target` for `opener`, who alone may submit them; a change is
    announced through the response URL `announce` (a channel's digest)."""
    current = subscriptions.current(services.store, target)
    # A first subscription starts in the opener's own zone; later ones keep theirs.
    tz = current.schedule.tz if current.schedule else None
    tz = tz or slack_time_zone(client, opener) or FALLBACK_TZ
    sealed = {"target": target, "opener": opener}
    if announce:
        sealed["announce"] = announce
    metadata = seal(sealed, services.views_key)
    view = settings_modal(
        current,
        tz=tz,
        channel=is_channel_target(target),
        metadata=metadata,
        seed_titles=_titles(services, current.profile.seeds),
    )
    client.views_open(trigger_id=trigger_id, view=view)


def _titles(services: Services, paper_ids: tuple[str, ...]) -> dict[str, str]:
    """The titles of the papers of `paper_ids` that the archive holds, by id."""
    keys = services.store.keys_of(paper_ids)
    papers = services.store.by_keys(keys.values())
    return {i: papers[key].title for i, key in keys.items() if key in papers}


def open_import(
    services: Services, client: WebClient, *, trigger_id: str, target: str, opener: str
) -> None:
    """Open the modal that imports a library into `target`'s seeds, for `opener` alone."""
    metadata = seal({"target": target, "opener": opener}, services.views_key)
    client.views_open(trigger_id=trigger_id, view=import_modal(metadata=metadata))


def publish_home(
    services: Services, client: WebClient, *, team: str, user: str, saved_offset: int = 0
) -> None:
    """Show `user` their schedule, profile and latest picks in the app's Home tab, with
    Pause or Resume, their saved papers from the `saved_offset`-th most recent, and the
    channel digests they set up."""
    store, target = services.store, user_target(team, user)
    now = services.clock()
    current = subscriptions.current(store, target)
    zone = current.schedule.zone if current.schedule else UTC
    recent = recent_picks(store, target, zone, now=now)
    state = store.subscriptions.state(target)
    going = state is not None and not state.paused
    upcoming = services.next_digest(target, current.schedule) if going else None
    own = own_digest_blocks(state) if state is not None else []
    channels = [
        (owned, store.subscriptions.last_change(owned.target))
        for owned in store.subscriptions.owned_by(target)
        if is_channel_target(owned.target)
    ]
    controls = (own, channel_blocks(channels))
    saved = _saved_page(services, target, saved_offset)
    view = home_view(
        current, now=now, upcoming=upcoming, recent=recent, controls=controls, saved=saved
    )
    client.views_publish(user_id=user, view=view)


def _saved_page(services: Services, target: str, offset: int) -> list[dict]:
    """The Home tab's page of `target`'s saved papers at `offset`; past the end (the list
    shrank since the button was drawn), its last page."""
    ids = services.store.profiles.saved(target)
    last = (len(ids) - 1) // HOME_SAVED_SHOWN * HOME_SAVED_SHOWN if ids else 0
    offset = min(offset, last)
    papers = saved_papers(services, ids[offset : offset + HOME_SAVED_SHOWN])
    return saved_blocks(papers, len(ids), offset=offset)
