"""The `/papers` subcommands that manage digests: subscribe, follow, mute, seed, settings...

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
from bot.errors import UsageError
from bot.listeners.replies import caller, reply
from bot.mrkdwn import escape, truncate
from bot.people import FALLBACK_TZ, slack_time_zone
from bot.redraw import saved_page
from bot.services import Services
from bot.settings_blocks import when
from bot.show_settings import open_settings
from bot.subcommands import (
    AddSeed,
    Follow,
    Mute,
    OpenSettings,
    SetVisibility,
    ShowSaved,
    Subcommand,
    Subscribe,
    Unsubscribe,
)
from bot.targets import channel_target, is_direct_message, user_target
from recommender.errors import ProfileError
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
    # A renewal keeps its zone unless one is given: only a new subscription asks Slack.
    new = services.store.subscriptions.get(target) is None
    slack_tz = slack_time_zone(call.client, call.user) if new and not command.tz else None
    done = subscriptions.subscribe(
        services.store,
        target,
        description=command.description,
        tz=command.tz,
        default_tz=slack_tz or FALLBACK_TZ,
        at=command.at,
        now=services.clock(),
    )
    upcoming = services.next_digest(target, done.schedule)
    guessed = new and not (command.tz or slack_tz)
    call.say(
        _subscribed(done, command, services.clock(), upcoming, guessed=guessed, yours=slack_tz)
    )


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
    if subscriptions.unsubscribe(services.store, call.target(command.channel)):
        call.say(
            f"{subject} will get no more digests. The settings are kept: "
            "subscribing again picks them up."
        )
    else:
        call.say(f"{subject} had no digest subscription.")


def _settings(services: Services, command: OpenSettings, call: Caller) -> None:
    target = call.target(command.channel)
    open_settings(
        services, call.client, trigger_id=call.trigger_id, target=target, opener=call.user
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
    SetVisibility: _visibility,
}
