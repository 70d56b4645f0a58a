"""Block Kit for a digest's settings: the modal that edits them, the App Home tab that shows
them (with the latest picks and the person's saved papers), as plain data; and reading the
submitted modal back.

Showing them in Slack is `bot/show_settings.py`'s; the submission's listener is in
`bot/listeners/views/`. Messages' Block Kit is in `bot/blocks.py`.

Each input block's `block_id` (and its element's `action_id`) is the name of the setting it
holds, so that `read_settings` finds the values and maps the library's errors (ProfileError
names a profile field, ScheduleError a schedule setting) to the block that shows them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime

from bot.blocks import (
    button_element,
    context_block,
    mrkdwn_text,
    paper_title,
    section_block,
    withdrawn_mark,
)
from bot.errors import UsageError
from bot.mrkdwn import escape, truncate
from bot.subscriptions import Subscription
from recommender.errors import EmptyProfile, ProfileError
from recommender.models import Paper
from recommender.profiles import MAX_DIGEST_SIZE, MIN_DIGEST_SIZE, Profile, require_interests
from recommender.schedule import FREQUENCIES, WEEKDAYS, Schedule, ScheduleError

SETTINGS_VIEW = "papers_settings"
IMPORT_VIEW = "papers_import"
EDIT_SETTINGS = "home_edit_settings"
LIBRARY = "library"

DESCRIPTION, KEYWORDS, MUTED, AUTHORS = "description", "keywords", "muted", "authors"
CATEGORIES, DIGEST_SIZE, REMOVE_SEEDS = "categories", "digest_size", "remove_seeds"
FREQUENCY, WEEKDAY, AT, TZ, PAUSED_UNTIL = "frequency", "weekday", "at", "tz", "paused_until"
# Settings written one per line, whose errors say which line.
_LINES = (KEYWORDS, MUTED, AUTHORS)
_PROFILE_BLOCKS = (DESCRIPTION, *_LINES, CATEGORIES, DIGEST_SIZE)
_ITEM = re.compile(r"\b(keywords|muted|authors)\[(\d+)\]")
# ScheduleError messages begin with the setting they are about (recommender/schedule.py).
_SCHEDULE_BLOCKS = (("time zone", TZ), ("time", AT), ("weekday", WEEKDAY), ("frequency", FREQUENCY))
_FREQUENCY_LABELS = {"daily": "Every day", "weekdays": "Monday to Friday", "weekly": "Once a week"}
TEXT_CHARS = 3000  # Slack's limit for a plain_text_input
# Slack's limits for a multi_static_select: 100 options, each text 75 characters.
MAX_OPTIONS, OPTION_CHARS = 100, 75
SEEDS_LISTED, SEED_TITLE_CHARS = 10, 120
HOME_SAVED_PAGE = "home_saved_page"
HOME_UNSAVE = "home_unsave"
# Saved papers a page of the Home tab shows. A Home view holds at most 100 blocks: the rest
# of it takes at most 51 (6, Pause or Resume's 2, the channel digests' 43, the help line),
# and a page of saved papers its count plus 4 (divider, heading, note, Previous / Next).
HOME_SAVED_SHOWN = 10
HOME_TITLE_CHARS = 150


class FormErrors(UsageError):
    """Settings a person entered that cannot be used: a message per block id."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{block}: {message}" for block, message in errors.items()))
        self.errors = errors


# The modal ------------------------------------------------------------------------------


def settings_modal(
    current: Subscription,
    *,
    tz: str,
    channel: bool,
    metadata: str,
    seed_titles: Mapping[str, str] | None = None,
) -> dict:
    """The settings modal for a person's or a channel's digest, filled with what is set.

    `seed_titles`: the titles of the seeds the archive holds, by id (others show their id).
    """
    profile, schedule = current.profile, current.schedule or Schedule(tz=tz)
    whose = "this channel's" if channel else "your"
    intro = f"What {whose} digest looks for, and when it comes."
    if current.schedule is None:
        intro += " Saving subscribes " + ("this channel." if channel else "you.")
    blocks = [
        section_block(intro),
        _text(DESCRIPTION, "Description", profile.description, multiline=True,
              hint="A few sentences about what you want to read."),
        _text(KEYWORDS, "Keywords", "\n".join(k.phrase for k in profile.keywords), multiline=True,
              hint="One per line: papers that contain them rank higher."),
        _text(MUTED, "Muted terms", "\n".join(profile.muted), multiline=True,
              hint="One per line: papers that contain any of them are left out."),
        _text(AUTHORS, "Followed authors", "\n".join(profile.authors), multiline=True,
              hint="One per line: their papers rank higher."),
        _text(CATEGORIES, "arXiv categories", ", ".join(profile.categories),
              hint="e.g. cs.CL, cs.LG; empty for every category."),
        _number(DIGEST_SIZE, f"Papers per digest ({MIN_DIGEST_SIZE}–{MAX_DIGEST_SIZE})",
                profile.digest_size),
        *_schedule_blocks(schedule),
        *_seed_blocks(seeds_by_title(profile, seed_titles or {})),
    ]  # fmt: skip
    learned = _learned(profile)
    if learned:
        blocks.append({"type": "context", "elements": [mrkdwn_text(learned)]})
    return {
        "type": "modal",
        "callback_id": SETTINGS_VIEW,
        "private_metadata": metadata,
        "title": _plain("Channel digest" if channel else "Your digest"),
        "submit": _plain("Save"),
        "close": _plain("Cancel"),
        "blocks": blocks,
    }


def _schedule_blocks(schedule: Schedule) -> list[dict]:
    frequencies = {f: _FREQUENCY_LABELS[f] for f in FREQUENCIES}
    weekdays = {day: day.capitalize() for day in WEEKDAYS}
    paused = schedule.paused_until.isoformat() if schedule.paused_until else None
    return [
        _select(FREQUENCY, "How often", frequencies, schedule.frequency),
        _select(WEEKDAY, "Day of a weekly digest", weekdays, schedule.weekday, optional=True,
                hint="Only for a weekly digest."),
        _input(AT, "Delivery time", {"type": "timepicker", "initial_time": schedule.at}),
        _text(TZ, "Time zone", schedule.tz, hint="An IANA name, e.g. Europe/Paris."),
        _input(PAUSED_UNTIL, "Pause until", _datepicker(paused), optional=True,
               hint="No digests up to and including this day; a past day resumes them."),
    ]  # fmt: skip


def seeds_by_title(profile: Profile, titles: Mapping[str, str]) -> list[tuple[str, str]]:
    """(id, title) of every seed: those of the archive, then those kept as text."""
    return [(i, titles.get(i, i)) for i in profile.seeds] + [
        (seed.id, seed.title) for seed in profile.text_seeds
    ]


def _seed_blocks(seeds: list[tuple[str, str]]) -> list[dict]:
    """The seeds by title, and a select that removes any of them on Save."""
    if not seeds:
        return []
    listed = "\n".join(
        f"• {escape(truncate(title, SEED_TITLE_CHARS))}" for _, title in seeds[:SEEDS_LISTED]
    )
    more = len(seeds) - SEEDS_LISTED
    if more > 0:
        listed += f"\n…and {more:,} more"
    text = f"*Seed papers* ({len(seeds):,}): new papers close to these rank higher.\n{listed}"
    options = [
        {"text": _plain(truncate(title, OPTION_CHARS)), "value": seed_id}
        for seed_id, title in seeds[:MAX_OPTIONS]
    ]
    hint = "The seeds picked here are removed when you save."
    if len(seeds) > MAX_OPTIONS:
        hint += (
            f" Only the first {MAX_OPTIONS} are here; `/papers unseed <id or title>` removes any."
        )
    element = {"type": "multi_static_select", "options": options,
               "placeholder": _plain("Pick seeds to remove")}  # fmt: skip
    return [
        section_block(text),
        _input(REMOVE_SEEDS, "Remove seed papers", element, optional=True, hint=hint),
    ]


def _learned(profile: Profile) -> str:
    if not (profile.liked or profile.disliked):
        return ""
    return f"Learned from {len(profile.liked) + len(profile.disliked)} button presses."


def _input(block: str, label: str, element: dict, *, optional=False, hint: str = "") -> dict:
    data = {"type": "input", "block_id": block, "label": _plain(label), "optional": optional,
            "element": {**element, "action_id": block}}  # fmt: skip
    if hint:
        data["hint"] = _plain(hint)
    return data


def _text(block: str, label: str, value: str, *, multiline=False, hint: str = "") -> dict:
    element = {"type": "plain_text_input", "multiline": multiline, "max_length": TEXT_CHARS}
    if value:
        element["initial_value"] = value[:TEXT_CHARS]
    return _input(block, label, element, optional=block != TZ, hint=hint)


def _number(block: str, label: str, value: int) -> dict:
    element = {"type": "number_input", "is_decimal_allowed": False, "initial_value": str(value),
               "min_value": str(MIN_DIGEST_SIZE), "max_value": str(MAX_DIGEST_SIZE)}  # fmt: skip
    return _input(block, label, element)


def _select(
    block: str, label: str, options: dict[str, str], value: str, *, optional=False, hint=""
) -> dict:
    choices = [{"text": _plain(text), "value": key} for key, text in options.items()]
    element = {"type": "static_select", "options": choices,
               "initial_option": next(c for c in choices if c["value"] == value)}  # fmt: skip
    return _input(block, label, element, optional=optional, hint=hint)


def _datepicker(initial: str | None) -> dict:
    return {"type": "datepicker", **({"initial_date": initial} if initial else {})}


def _plain(text: str) -> dict:
    return {"type": "plain_text", "text": text, "emoji": True}


# The import modal -----------------------------------------------------------------------


def import_modal(*, metadata: str) -> dict:
    """A modal that takes a pasted library: BibTeX, or one arXiv id, DOI or title a line."""
    intro = (
        "Paste your papers: BibTeX entries (as Zotero, Mendeley or Google Scholar export "
        "them), or one arXiv id, arXiv link, DOI or title a line. Papers in the archive "
        "become seeds; the others are kept by their title and abstract. "
        f"Up to {TEXT_CHARS:,} characters at a time; for a whole library, drop its .bib "
        "file in my direct message."
    )
    example = _plain("@article{...}, or 2507.07186, or 10.1145/..., or a title")
    element = {"type": "plain_text_input", "multiline": True, "max_length": TEXT_CHARS,
               "placeholder": example}  # fmt: skip
    return {
        "type": "modal",
        "callback_id": IMPORT_VIEW,
        "private_metadata": metadata,
        "title": _plain("Import papers"),
        "submit": _plain("Import"),
        "close": _plain("Cancel"),
        "blocks": [section_block(intro), _input(LIBRARY, "Your papers", element)],
    }


def import_done(summary: str) -> dict:
    """What the import modal shows once the papers are in: what was done."""
    text = f":white_check_mark: {escape(truncate(summary, 2500))}."
    text += "\n`/papers settings` lists your seeds and removes any of them."
    return {
        "type": "modal",
        "title": _plain("Import papers"),
        "close": _plain("Done"),
        "blocks": [section_block(text)],
    }


# Reading it back ------------------------------------------------------------------------


def read_settings(values: dict, current: Subscription, *, today: date) -> Subscription:
    """The subscription a submitted modal asks for (FormErrors naming each bad block)."""
    errors: dict[str, str] = {}
    profile = schedule = None
    try:
        profile = _read_profile(values, current.profile)
        require_interests(profile, "profile")
    except EmptyProfile:
        errors[DESCRIPTION] = "Say what you want to read: a description, keywords or authors."
    except ProfileError as error:
        errors.update(_profile_error(error))
    try:
        schedule = _read_schedule(values, today=today)
    except ScheduleError as error:
        message = str(error)
        errors[next(b for prefix, b in _SCHEDULE_BLOCKS if message.startswith(prefix))] = message
    if errors:
        raise FormErrors(errors)
    return Subscription(profile, schedule)


def _read_profile(values: dict, old: Profile) -> Profile:
    known = {keyword.phrase: keyword for keyword in old.keywords}  # keeps weights and flags
    size = _value(values, DIGEST_SIZE)
    if not re.fullmatch(r"\d{1,3}", size):
        raise ProfileError("profile", DIGEST_SIZE, f"must be a whole number, not {size!r}")
    removed = {option["value"] for option in _selected_all(values, REMOVE_SEEDS)}
    return replace(
        old,
        seeds=[i for i in old.seeds if i not in removed],
        text_seeds=[seed for seed in old.text_seeds if seed.id not in removed],
        description=_value(values, DESCRIPTION).strip(),
        keywords=[known.get(line, line) for line in _lines(values, KEYWORDS)],
        muted=_lines(values, MUTED),
        authors=_lines(values, AUTHORS),
        categories=[c for c in re.split(r"[,\s]+", _value(values, CATEGORIES)) if c],
        digest_size=int(size),
    )


def _read_schedule(values: dict, *, today: date) -> Schedule:
    element = values[PAUSED_UNTIL][PAUSED_UNTIL]
    paused = date.fromisoformat(element["selected_date"]) if element.get("selected_date") else None
    frequency, weekday = _selected(values, FREQUENCY), _selected(values, WEEKDAY)
    if not weekday:
        # The day matters to a weekly digest only; the others keep the default.
        if frequency == "weekly":
            raise ScheduleError("weekday: pick the day of a weekly digest")
        weekday = Schedule.weekday
    return Schedule(
        frequency=frequency,
        at=values[AT][AT].get("selected_time") or "",
        tz=_value(values, TZ).strip(),
        weekday=weekday,
        paused_until=paused if paused and paused >= today else None,
    )


def _profile_error(error: ProfileError) -> dict[str, str]:
    """The block and message for a profile field's error, e.g. `keywords[2]` is line 3."""
    name, _, index = error.field.partition("[")
    name = name.partition(".")[0]
    # Reasons may name another list's item, e.g. `keywords[0]`: in the modal, a line.
    reason = _ITEM.sub(lambda item: f"{item[1]} line {int(item[2]) + 1}", error.reason)
    if name not in _PROFILE_BLOCKS:
        return {DESCRIPTION: reason}
    line = f"line {int(index.partition(']')[0]) + 1}: " if index and name in _LINES else ""
    return {name: line + reason}


def _value(values: dict, block: str) -> str:
    return values[block][block].get("value") or ""


def _lines(values: dict, block: str) -> list[str]:
    return [line.strip() for line in _value(values, block).splitlines() if line.strip()]


def _selected_all(values: dict, block: str) -> list[dict]:
    """The options picked in a multi-select (none when the modal had no such block)."""
    return (values.get(block, {}).get(block) or {}).get("selected_options") or []


def _selected(values: dict, block: str) -> str:
    option = values[block][block].get("selected_option") or {}
    return option.get("value", "")


# App Home -------------------------------------------------------------------------------


def home_view(
    current: Subscription,
    *,
    now: datetime,
    upcoming: datetime | None,
    recent: list[Paper],
    controls: tuple[list[dict], list[dict]] = ([], []),
    saved: Sequence[dict] = (),
) -> dict:
    """The App Home tab: the schedule, the profile, the latest picks, and "Edit settings".

    `upcoming` is when the next digest goes (`Services.next_digest`); `controls` are the
    blocks of `bot/control_blocks.py` shown under the schedule (Pause or Resume) and under
    the picks (the channel digests the person set up); `saved` (`saved_blocks`) under the
    picks, before the channel digests."""
    edit = {**button_element("Edit settings", EDIT_SETTINGS, "edit"), "style": "primary"}
    blocks = [
        {"type": "header", "text": _plain("Your paper digest")},
        {**section_block(_schedule_text(current.schedule, now, upcoming)), "accessory": edit},
        *controls[0],
        section_block(_profile_text(current.profile)),
        {"type": "divider"},
        section_block("*Latest picks*\n" + _recent_text(recent)),
        *saved,
        *controls[1],
        {"type": "context", "elements": [mrkdwn_text("`/papers help` lists every command.")]},
    ]
    return {"type": "home", "blocks": blocks}


def when(schedule: Schedule, now: datetime, upcoming: datetime | None) -> str:
    """`daily at 09:00 (Europe/Paris); next: Thu 11 Dec 09:00`, in the schedule's zone.

    `upcoming` is when the next digest goes (`Services.next_digest`); one already past is
    a digest due and not sent yet, which the scheduler sends within minutes.
    """
    how = {"daily": "daily", "weekdays": "on weekdays", "weekly": f"every {schedule.weekday}"}
    text = f"{how[schedule.frequency]} at {schedule.at} ({schedule.tz})"
    if schedule.paused_until and schedule.paused_until >= now.astimezone(schedule.zone).date():
        text += f", paused until {schedule.paused_until:%a} {schedule.paused_until.day} "
        text += f"{schedule.paused_until:%b}"
    if upcoming is not None:
        local = upcoming.astimezone(schedule.zone)
        slot = f"{local:%a} {local.day} {local:%b} {local:%H:%M}"
        due = upcoming <= now  # the scheduler's next tick sends it
        text += f"; next: in a few minutes (the {slot} one)" if due else f"; next: {slot}"
    return text


def _schedule_text(schedule: Schedule | None, now: datetime, upcoming: datetime | None) -> str:
    if schedule is None:
        return (
            "You are not subscribed. Subscribe with *Edit settings*, or type "
            "`/papers subscribe` and what you want to read."
        )
    return f"*Digest:* {escape(when(schedule, now, upcoming))}"


def _profile_text(profile: Profile) -> str:
    rows = [
        ("Description", profile.description or "—"),
        ("Keywords", ", ".join(k.phrase for k in profile.keywords) or "—"),
        ("Muted", ", ".join(profile.muted) or "—"),
        ("Authors", ", ".join(profile.authors) or "—"),
        ("Categories", ", ".join(profile.categories) or "all"),
        ("Papers per digest", str(profile.digest_size)),
    ]
    if profile.seeds or profile.text_seeds:
        seeds = [*profile.seeds, *(f"“{seed.title}”" for seed in profile.text_seeds)]
        rows.append(("Seed papers", ", ".join(seeds)))
    return "\n".join(f"*{name}:* {escape(truncate(value, 400))}" for name, value in rows)


def _recent_text(recent: list[Paper]) -> str:
    if not recent:
        return "None yet: they show here after your first digest."
    return "\n".join(f"• {paper_title(replace(p, title=truncate(p.title, 150)))}" for p in recent)


def saved_blocks(papers: list[Paper], total: int, *, offset: int) -> list[dict]:
    """The Home tab's page of the person's saved papers (`offset` more recent ones before
    it, `total` in all), each with *Remove*, and Previous / Next.

    A page holds the papers of the ids at `offset`, up to HOME_SAVED_SHOWN of them, that
    the archive still has (`bot/redraw.py` `saved_papers`): fewer than that on a page that
    is not the last is no reason to page differently."""
    if not total:
        empty = "None yet: press *Save* under a paper in a search or a digest."
        return [{"type": "divider"}, section_block(f"*Your saved papers*\n{empty}")]
    blocks = [{"type": "divider"}, section_block(f"*Your saved papers* ({total})")]
    for paper in papers:
        title = paper_title(replace(paper, title=truncate(paper.title, HOME_TITLE_CHARS)))
        text = f"{title}{withdrawn_mark(paper)}"
        blocks.append({**section_block(text), "accessory": _remove_button(paper, offset)})
    end = min(offset + HOME_SAVED_SHOWN, total)
    if offset > 0 or end < total:
        blocks.append(
            context_block(f"Papers {offset + 1}–{end} of {total}, the most recent first.")
        )
    pages = []
    if offset > 0:
        previous = max(offset - HOME_SAVED_SHOWN, 0)
        pages.append(button_element(f"Previous {HOME_SAVED_SHOWN}", HOME_SAVED_PAGE, str(previous)))
    if end < total:
        pages.append(button_element(f"Next {HOME_SAVED_SHOWN}", HOME_SAVED_PAGE, str(end)))
    if pages:
        blocks.append({"type": "actions", "block_id": "home_saved_pages", "elements": pages})
    return blocks


def _remove_button(paper: Paper, offset: int) -> dict:
    """*Remove*, which takes the paper off the presser's list and shows the same page again;
    there is no Undo, so Slack asks first."""
    confirm = {
        "title": _plain("Remove this paper?"),
        "text": _plain("It comes off your saved list. Save it again to get it back."),
        "confirm": _plain("Remove"),
        "deny": _plain("Keep it"),
    }
    return {**button_element("Remove", HOME_UNSAVE, f"{offset}:{paper.id}"), "confirm": confirm}
