"""Block Kit for keeping digests in hand: the direct message to whoever set a digest up when
it cannot be posted, Pause and Resume buttons (there and in the Home tab), and the notice
in a channel that someone changed its digest, with Undo. Plain data, as in `bot/blocks.py`.

Channel and user ids come from Slack's signed payloads, never from typed text, so `<#C…>`
and `<@U…>` are safe to build; summaries are mrkdwn their makers escaped.
"""

from __future__ import annotations

from datetime import datetime

from bot.blocks import button_element, context_block, section_block
from bot.mrkdwn import escape, truncate
from bot.settings_blocks import when
from bot.subscriptions import ACCESS_LOST_ERRORS, PAUSED_BY_HAND, Subscription
from bot.targets import parse_target
from recommender.delivery import PAUSE_AFTER
from recommender.store.subscriptions import Change, Subscribed

PAUSE = "digest_pause"
RESUME = "digest_resume"
UNDO_CHANGE = "digest_change_undo"
# How much of a description a change's summary quotes.
SUMMARY_CHARS = 120
# The profile's settings a change's summary names when they changed.
_FIELDS = (
    ("the keywords", "keywords"),
    ("the muted terms", "muted"),
    ("the followed authors", "authors"),
    ("the categories", "categories"),
    ("the papers per digest", "digest_size"),
)
# How many channels the Home tab lists (each takes two blocks of Slack's 100 a view).
CHANNELS_SHOWN = 20

_REVOKED = (
    "my access to this workspace was revoked: reinstall the app (its digests then go on by "
    "themselves)"
)
# What the owner can do about each permanent failure (bot.delivery.PERMANENT).
_FIXES = {
    "not_in_channel": "invite me with `/invite @papers` in the channel",
    "channel_not_found": (
        "if the channel is private, invite me with `/invite @papers` in it; "
        "if it was deleted, pause its digest"
    ),
    "is_archived": "the channel is archived: unarchive it",
    **dict.fromkeys(ACCESS_LOST_ERRORS, _REVOKED),
}


def where(target: str) -> str:
    """How a message names the target: `<#C…>` for a channel, "your own digest" for a person."""
    parsed = parse_target(target)
    return f"<#{parsed.id}>" if parsed.is_channel else "your own digest"


def unreachable_message(target: str, reason: str) -> dict:
    """The owner's direct message: why the digest of `target` cannot be posted, what to do."""
    code = reason.removeprefix("slack: ")
    fix = _FIXES.get(code, "check that I am still installed and in the channel")
    text = (
        f":warning: I can't post the paper digest in {where(target)} "
        f"(Slack says `{escape(truncate(code, 100))}`): {fix}, or pause it. "
        f"After {PAUSE_AFTER} failed tries in a row I pause it myself; *Resume* starts it again."
    )
    buttons = [button_element("Pause", PAUSE, target), button_element("Resume", RESUME, target)]
    return {"text": text, "blocks": [section_block(text), _actions(buttons)]}


def state_message(state: Subscribed) -> dict:
    """The owner's direct message after a Pause or Resume: the state now, and the button
    that turns it back."""
    if state.paused:
        text = (
            f":double_vertical_bar: The digest of {where(state.target)} is paused: "
            "*Resume* starts it again."
        )
        button = button_element("Resume", RESUME, state.target)
    else:
        text = f":arrow_forward: The digest of {where(state.target)} goes again from its next time."
        button = button_element("Pause", PAUSE, state.target)
    return {"text": text, "blocks": [section_block(text), _actions([button])]}


def pause_button(state: Subscribed) -> dict:
    """Pause for a digest that goes, Resume for a paused one."""
    if state.paused:
        return button_element("Resume", RESUME, state.target)
    return button_element("Pause", PAUSE, state.target)


def paused_text(state: Subscribed) -> str:
    """ " · paused (why)" for a paused digest, else ""."""
    if not state.paused:
        return ""
    if state.paused == PAUSED_BY_HAND:
        return " · *paused*"
    return f" · *paused* ({escape(truncate(state.paused, 200))})"


def own_digest_blocks(state: Subscribed) -> list[dict]:
    """The Home tab's Pause or Resume of the person's own digest (and, paused, a word why)."""
    label = "Resume my digest" if state.paused else "Pause my digest"
    button = {**pause_button(state), "text": {"type": "plain_text", "text": label}}
    blocks = [_actions([button])]
    if state.paused:
        blocks.insert(
            0, context_block(f"Your digest{paused_text(state)}: none goes until you resume it.")
        )
    return blocks


def channel_blocks(channels: list[tuple[Subscribed, Change | None]]) -> list[dict]:
    """The Home tab's list of the channel digests a person set up: each with Pause or
    Resume, and the last change to it."""
    if not channels:
        return []
    blocks = [{"type": "divider"}, section_block("*Channel digests you set up*")]
    for state, change in channels[:CHANNELS_SHOWN]:
        text = f"{where(state.target)}{paused_text(state)}"
        blocks.append({**section_block(text), "accessory": pause_button(state)})
        if change is not None:
            blocks.append(context_block(f"Last change: {change_text(change)}"))
    if len(channels) > CHANNELS_SHOWN:
        blocks.append(context_block(f"…and {len(channels) - CHANNELS_SHOWN} more channels."))
    return blocks


def describe_change(before: Subscription, after: Subscription | None, now: datetime) -> str:
    """What a change did to a digest, short: `started it: *LLM inference*, daily at 09:00
    (UTC)`, `stopped it`, `changed the keywords and the schedule (…)`. `after` None: stopped."""
    if after is None or after.schedule is None:
        return "stopped it"
    about = escape(truncate(after.profile.description, SUMMARY_CHARS)) or "its interests"
    schedule = escape(when(after.schedule, now, None))
    if before.schedule is None:
        return f"started it: *{about}*, {schedule}"
    old, new = before.profile, after.profile
    changed = [name for name, field in _FIELDS if getattr(old, field) != getattr(new, field)]
    if old.description != new.description:
        changed.insert(0, f"the description to *{about}*")
    if before.schedule != after.schedule:
        changed.append(f"the schedule to {schedule}")
    if not changed:
        return "saved it unchanged"
    head = ", ".join(changed[:-1]) + " and " if len(changed) > 1 else ""
    return f"changed {head}{changed[-1]}"


def change_text(change: Change) -> str:
    """`<@U…> stopped it, Wed 10 Dec`: who changed a digest, how and when (UTC date)."""
    who = parse_target(change.changer).id
    return f"<@{who}> {change.summary}, {_day(change.at)}"


def change_notice(change: Change) -> dict:
    """What the channel sees of a change to its digest: who, what, and Undo."""
    who = parse_target(change.changer).id
    text = f"<@{who}> changed this channel's paper digest: {change.summary}"
    undo = button_element("Undo", UNDO_CHANGE, str(change.id))
    return {"text": text, "blocks": [{**section_block(text), "accessory": undo}]}


def undone_notice(undo: Change, undone: Change) -> dict:
    """What the channel sees when a change to its digest was undone."""
    who, whose = parse_target(undo.changer).id, parse_target(undone.changer).id
    text = f"<@{who}> undid <@{whose}>'s change to this channel's paper digest ({undone.summary})."
    return {"text": text, "blocks": [section_block(text)]}


def _actions(elements: list[dict]) -> dict:
    return {"type": "actions", "block_id": "digest_controls", "elements": elements}


def _day(at: datetime) -> str:
    return f"{at:%a} {at.day} {at:%b}"
