"""The `/papers` subcommands that manage digests: subscribe, follow, mute, seed, settings,
import, and the removals (unseed, unsave, unfollow, unmute)...

Whose settings change is decided by Slack's signed payload alone: the caller's own, or the
channel the command was typed in. The command's text only says what to change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from slack_bolt import BoltContext, Respond
from slack_sdk import WebClient

from bot import subscriptions
from bot.blocks import notice, paper_title
from bot.control_blocks import change_notice, describe_change
from bot.errors import UsageError
from bot.listeners.replies import caller, reply
from bot.mrkdwn import escape, truncate
from bot.people import FALLBACK_TZ, slack_time_zone
from bot.redraw import saved_page
from bot.services import Services
from bot.settings_blocks import when
from bot.show_settings import open_import, open_settings
from bot.subcommands import (
    AddSeed,
    Follow,
    ImportLibrary,
    Mute,
    OpenSettings,
    RemoveSeed,
    SetVisibility,
    ShowSaved,
    Subcommand,
    Subscribe,
    Unfollow,
    Unmute,
    Unsave,
    Unsubscribe,
)
from bot.targets import channel_target, is_direct_message, user_target
from recommender.errors import ProfileError
from recommender.models import Paper
from recommender.profiles import mutes_own_topic

DESCRIPTION_CHARS = 300


@dataclass(frozen=True)
class Caller:
    """Who typed the command, where, and how to answer them."""

    team: str
    user: str
    channel: str
    trigger_id: str
    client: WebClient
    respond: Respond

    @classmethod
    def of(cls, command: dict, context: BoltContext, client: WebClient, respond: Respond) -> Caller:
        team, user = caller(context)
        channel, trigger = command.get("channel_id", ""), command.get("trigger_id", "")
        return cls(team, user, channel, trigger, client, respond)

    def target(self, channel: bool = False) -> str:
        """The caller's own target, or that of the channel the command was typed in."""
        if not channel:
            return user_target(self.team, self.user)
        if not self.channel or is_direct_message(self.channel):
            raise UsageError("type `/papers channel ...` in the channel itself")
        return channel_target(self.team, self.channel)

    def say(self, text: str) -> None:
        reply(self.respond, notice(text))


def answer(services: Services, command: Subcommand, call: Caller) -> None:
    """Carry out one subcommand for `call`'s caller and tell them what changed."""
    try:
        _HANDLERS[type(command)](services, command, call)
    except ProfileError as error:
        # The library's message names the stored target and field; the reason is enough here.
        raise UsageError(error.reason) from None


def _subscribe(services: Services, command: Subscribe, call: Caller) -> None:
    target = call.target(command.channel)
    before, snapshot = _before(services, target)
    # A renewal keeps its zone unless one is given: only a new subscription asks Slack.
    new = before.schedule is None
    slack_tz = slack_time_zone(call.client, call.user) if new and not command.tz else None
    done = subscriptions.subscribe(
        services.store,
        target,
        description=command.description,
        tz=command.tz,
        default_tz=slack_tz or FALLBACK_TZ,
        at=command.at,
        now=services.clock(),
        owner=call.target(),
    )
    upcoming = services.next_digest(target, done.schedule)
    guessed = new and not (command.tz or slack_tz)
    call.say(
        _subscribed(done, command, services.clock(), upcoming, guessed=guessed, yours=slack_tz)
    )
    if command.channel:
        summary = describe_change(before, done, services.clock())
        if (snapshot["subscription"] or {}).get("paused"):
            summary += "; resumed it"
        _announce(services, call, target, snapshot, summary)


def _subscribed(
    done: subscriptions.Subscription,
    command: Subscribe,
    now: datetime,
    upcoming: datetime | None,
    *,
    guessed: bool,
    yours: str | None,
) -> str:
    """What a subscription is about and when it comes, and how to change it.

    `yours` is the caller's zone in Slack when the subscription took it."""
    about = escape(truncate(done.profile.description, DESCRIPTION_CHARS)) or "your interests"
    who = "This channel gets" if command.channel else "You get"
    settings = "`/papers channel settings`" if command.channel else "`/papers settings`"
    schedule = escape(when(done.schedule, now, upcoming))
    lines = [f":white_check_mark: {who} new papers about *{about}* {schedule}."]
    if guessed:
        lines.append(
            f"Slack gave no time zone for you, so it is {FALLBACK_TZ}; {settings} changes it."
        )
    elif command.channel and yours:
        lines.append(f"The time zone is yours, {escape(done.schedule.tz)}; {settings} changes it.")
    if command.channel:
        lines.append("Invite me to the channel (`/invite @papers`) so that I can post here.")
    else:
        lines.append(f"{settings} changes what and when; `/papers unsubscribe` stops it.")
    return "\n".join(lines)


def _unsubscribe(services: Services, command: Unsubscribe, call: Caller) -> None:
    subject = "This channel" if command.channel else "You"
    target = call.target(command.channel)
    before, snapshot = _before(services, target)
    if subscriptions.unsubscribe(services.store, target):
        call.say(
            f"{subject} will get no more digests. The settings are kept: "
            "subscribing again picks them up."
        )
        if command.channel:
            _announce(
                services, call, target, snapshot, describe_change(before, None, services.clock())
            )
    else:
        call.say(f"{subject} had no digest subscription.")


def _before(services: Services, target: str) -> tuple[subscriptions.Subscription, dict]:
    """A target's settings before a change: as shown, and as an undo puts them back."""
    store = services.store
    return subscriptions.current(store, target), subscriptions.snapshot(store, target)


def _announce(services: Services, call: Caller, target: str, before: dict, summary: str) -> None:
    """Keep a change to a channel's digest, and tell the channel who made it, with Undo."""
    changer = call.target()
    change = subscriptions.log_change(
        services.store, target, changer, before, summary, now=services.clock()
    )
    call.respond(**change_notice(change), response_type="in_channel", replace_original=False)


def _settings(services: Services, command: OpenSettings, call: Caller) -> None:
    target = call.target(command.channel)
    # The modal's submission tells the channel through this command's response URL.
    announce = call.respond.response_url if command.channel else None
    open_settings(
        services,
        call.client,
        trigger_id=call.trigger_id,
        target=target,
        opener=call.user,
        announce=announce,
    )


def _follow(services: Services, command: Follow, call: Caller) -> None:
    target = call.target()
    subscriptions.follow(services.store, target, command.author, now=services.clock())
    author = escape(truncate(command.author, DESCRIPTION_CHARS))
    call.say(f"Following *{author}*: their papers rank higher." + _hint(services, target))


def _mute(services: Services, command: Mute, call: Caller) -> None:
    target = call.target()
    profile = subscriptions.mute(services.store, target, command.term, now=services.clock())
    term = escape(truncate(command.term, DESCRIPTION_CHARS))
    text = f"Muted *{term}*: papers that mention it are left out."
    if mutes_own_topic(profile, command.term):
        text += (
            f"\n:warning: Your description is about *{term}* too: from now on every paper "
            "whose title or abstract mentions it is left out, the ones your description asks "
            "for included. `/papers settings` takes the muted term back."
        )
    call.say(text + _hint(services, target))


def _add_seed(services: Services, command: AddSeed, call: Caller) -> None:
    target = call.target()
    paper = subscriptions.add_seed(services.store, target, command.paper_id, now=services.clock())
    call.say(
        f"Added *{paper_title(paper)}* as a seed: your digests look for papers close to it."
        + _hint(services, target)
    )


def _remove_seed(services: Services, command: RemoveSeed, call: Caller) -> None:
    removed = subscriptions.remove_seed(
        services.store, call.target(), command.paper, now=services.clock()
    )
    paper = escape(truncate(command.paper.removeprefix("doi:"), DESCRIPTION_CHARS))
    if removed is None:
        call.say(
            f"*{paper}* was not one of your seeds or liked papers: nothing changed. "
            "`/papers settings` lists your seeds."
        )
        return
    title = escape(truncate(removed, DESCRIPTION_CHARS))
    call.say(f"*{title}* is no longer a seed or a liked paper of yours.")


def _unsave(services: Services, command: Unsave, call: Caller) -> None:
    target = call.target()
    removed = subscriptions.unsave(services.store, target, command.paper_id)
    if removed is None:
        paper = escape(truncate(command.paper_id.removeprefix("doi:"), DESCRIPTION_CHARS))
        call.say(
            f"*{paper}* was not on your saved list: nothing changed. `/papers saved` shows it."
        )
        return
    paper_id = removed.id if isinstance(removed, Paper) else removed
    shown = paper_title(removed) if isinstance(removed, Paper) else f"*{escape(removed)}*"
    text = f"Took {shown} off your saved list."
    profile = services.store.profiles.get(target)
    if profile is not None and paper_id in profile.liked:
        text += (
            f" Saving it also counted as liking it; `/papers unlike {escape(paper_id)}` "
            "takes that back."
        )
    call.say(text)


def _unfollow(services: Services, command: Unfollow, call: Caller) -> None:
    removed = subscriptions.unfollow(
        services.store, call.target(), command.author, now=services.clock()
    )
    author = escape(truncate(removed or command.author, DESCRIPTION_CHARS))
    if removed is None:
        call.say(f"You were not following *{author}*: nothing changed.")
    else:
        call.say(f"No longer following *{author}*.")


def _unmute(services: Services, command: Unmute, call: Caller) -> None:
    removed = subscriptions.unmute(
        services.store, call.target(), command.term, now=services.clock()
    )
    term = escape(truncate(removed or command.term, DESCRIPTION_CHARS))
    if removed is None:
        call.say(f"*{term}* was not muted: nothing changed.")
    else:
        call.say(f"*{term}* is no longer muted: papers that mention it can be picked again.")


def _import(services: Services, command: ImportLibrary, call: Caller) -> None:
    open_import(
        services, call.client, trigger_id=call.trigger_id, target=call.target(), opener=call.user
    )


def _saved(services: Services, command: ShowSaved, call: Caller) -> None:
    for message in saved_page(services, call.target()):
        reply(call.respond, message)


def _visibility(services: Services, command: SetVisibility, call: Caller) -> None:
    target = call.target()
    changed = services.store.profiles.set_visible(target, command.visible, now=services.clock())
    if command.visible:
        text = ("Your name is shown on paper cards in this workspace among those who saved or "
                "liked the paper (`/papers visibility off` hides it).")  # fmt: skip
    else:
        text = ("Your name is hidden on paper cards: you are still counted in \"saved by 3 "
                "people here\", never named (`/papers visibility on` shows it again).")  # fmt: skip
    call.say(text if changed else f"Nothing changed. {text}")


def _hint(services: Services, target: str) -> str:
    if services.store.subscriptions.get(target) is not None:
        return ""
    return "\nYou have no digests yet: `/papers subscribe` starts them."


_HANDLERS: dict[type, Callable[[Services, Subcommand, Caller], None]] = {
    Subscribe: _subscribe,
    Unsubscribe: _unsubscribe,
    OpenSettings: _settings,
    Follow: _follow,
    Mute: _mute,
    AddSeed: _add_seed,
    ShowSaved: _saved,
    RemoveSeed: _remove_seed,
    Unsave: _unsave,
    Unfollow: _unfollow,
    Unmute: _unmute,
    ImportLibrary: _import,
    SetVisibility: _visibility,
}
