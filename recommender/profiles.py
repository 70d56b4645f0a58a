"""Interest profiles: what a person or channel wants to read, and what it learned from feedback.

A profile says what to look for (a description, keywords, seed papers, followed authors),
what never to show (muted keywords; papers outside the allowed categories), how many picks a
digest holds, and the papers its owner liked or disliked. It is a plain, validated value:
`recommender.matching` scores papers against it, the store keeps it as JSON (`to_dict` and
`profile_from_dict`), and team profiles are YAML files in `profiles/` (`load_profile`;
`profiles/README.md` documents the schema). Every bad value is a `ProfileError` naming the
source and the field, e.g. `profiles/x.yaml: keywords[2].weight: must be a number > 0`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from recommender.categories import parse_category
from recommender.errors import (
    EmptyProfile,
    InvalidArxivId,
    InvalidCategory,
    InvalidFeedback,
    InvalidTarget,
    ProfileError,
)
from recommender.ids import parse_arxiv_id
from recommender.text import tokenize

# What a feedback button can say. "save" and "more" (more like this) say "I want this" as
# much as "like" does; "not_interested" says "not this" as "dislike" does.
ACTIONS = ("like", "dislike", "save", "more", "not_interested")
POSITIVE_ACTIONS = frozenset({"like", "save", "more"})

MIN_DIGEST_SIZE, MAX_DIGEST_SIZE, DEFAULT_DIGEST_SIZE = 3, 20, 5
# A keyword 100 times another already decides every ranking; far larger weights overflow
# the scores to infinity, which would drop the very papers they were meant to lift.
MAX_KEYWORD_WEIGHT = 100
# Slack's settings modal holds at most 3,000 characters in a text field: a longer
# description would come back cut from the modal the first time it is saved there.
MAX_DESCRIPTION = 3000
# The learned lists keep the most recent ratings only: they are scored on every digest.
MAX_LEARNED = 500

# The fields that hold lists; YAML and JSON give them as lists, the dataclass as tuples.
_LISTS = ("keywords", "muted", "seeds", "authors", "categories", "liked", "disliked")
_TARGET = re.compile(r"(?:user|channel):[^:\s]+:[^:\s]+|file:[^:\s]+")


@dataclass(frozen=True)
class Keyword:
    """A word or phrase to look for; `required` ones must all appear in a pick."""

    phrase: str
    weight: float = 1.0
    required: bool = False

    @cached_property
    def terms(self) -> tuple[str, ...]:
        """The phrase as the index sees it (`recommender.text.tokenize`)."""
        return tuple(tokenize(self.phrase))


@dataclass(frozen=True)
class Profile:
    """One person's or channel's interests. Constructing one validates it (`ProfileError`).

    `keywords` may be given as plain strings (weight 1, not required). `seeds` are arXiv
    ids (URLs and versions are accepted and made canonical); `liked` and `disliked` are
    store paper ids (any kind), the most recent last. No `categories` means all of them.
    """

    name: str = ""
    description: str = ""
    keywords: tuple[Keyword, ...] = ()
    muted: tuple[str, ...] = ()
    seeds: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    digest_size: int = DEFAULT_DIGEST_SIZE
    liked: tuple[str, ...] = ()
    disliked: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in _LISTS:
            object.__setattr__(self, name, tuple(getattr(self, name)))
        # A plain string is a keyword of weight 1, as in the YAML files.
        keywords = tuple(Keyword(k) if isinstance(k, str) else k for k in self.keywords)
        object.__setattr__(self, "keywords", keywords)
        object.__setattr__(self, "seeds", _canonical_seeds(self.seeds))
        _check_text(self)
        _check_keywords(self.keywords)
        _check_muted(self.muted, self.keywords)
        object.__setattr__(self, "categories", _parsed_categories(self.categories))
        _check_digest_size(self.digest_size)
        _check_learned(self)

    @property
    def has_interests(self) -> bool:
        """Whether anything says what to look for (muted keywords and categories only narrow)."""
        return bool(
            tokenize(self.description) or self.keywords or self.seeds or self.authors or self.liked
        )

    @property
    def query_text(self) -> str:
        """The text that stands for the profile in the embedding space: description, keywords."""
        phrases = ", ".join(keyword.phrase for keyword in self.keywords)
        return ". ".join(part for part in (self.description.strip(), phrases) if part)

    def to_dict(self) -> dict[str, Any]:
        """The profile as plain JSON-able data, which `profile_from_dict` reads back."""
        data = {field.name: getattr(self, field.name) for field in fields(self)}
        data["keywords"] = [
            {"phrase": k.phrase, "weight": k.weight, "required": k.required} for k in self.keywords
        ]
        return {
            name: list(value) if isinstance(value, tuple) else value for name, value in data.items()
        }


def profile_from_dict(data: Any, source: str) -> Profile:
    """A profile from parsed YAML or stored JSON; errors name `source` and the field."""
    if data is None:
        data = {}  # an empty YAML file
    if not isinstance(data, Mapping):
        raise ProfileError(source, "", "a profile is a mapping of fields (description:, ...)")
    names = [field.name for field in fields(Profile)]
    for name in data:
        if name not in names:
            raise ProfileError(
                source, str(name), f"unknown field; the fields are {', '.join(names)}"
            )
    # A field written but left blank (`description:`) is YAML's null: the field's default.
    values = {name: value for name, value in data.items() if value is not None}
    for name in _LISTS:
        if name in values:
            values[name] = _sequence(values[name], name, source)
    if "keywords" in values:
        values["keywords"] = [
            _keyword(item, f"keywords[{i}]", source) for i, item in enumerate(values["keywords"])
        ]
    try:
        return Profile(**values)
    except ProfileError as error:
        raise error.at(source) from None


def load_profile(path: Path) -> Profile:
    """Read a YAML profile file; a malformed or empty one is a ProfileError naming it."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ProfileError(source, "", f"cannot read it ({error.strerror or error})") from error
    except UnicodeDecodeError as error:
        line = Path(path).read_bytes()[: error.start].count(b"\n") + 1
        raise ProfileError(
            source, f"line {line}", "not UTF-8 text; save the file as UTF-8"
        ) from error
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or "unreadable"
        raise ProfileError(source, where, f"not valid YAML ({problem})") from error
    profile = profile_from_dict(data, source)
    require_interests(profile, source)
    return profile


def require_interests(profile: Profile, source: str) -> None:
    """Raise EmptyProfile, saying what to add, unless the profile says what it wants."""
    if profile.has_interests:
        return
    add = (
        "add a description of your interests, a few keywords, seed papers (arXiv ids of "
        "papers you liked) or authors to follow"
    )
    if profile.muted:
        raise EmptyProfile(
            source,
            "",
            f"only muted keywords: they remove papers but do not say what to find; {add}",
        )
    raise EmptyProfile(source, "", f"the profile is empty: {add}")


def apply_feedback(profile: Profile, paper_id: str, action: str) -> Profile:
    """The profile after one button press: the paper joins `liked` or `disliked`.

    The latest verdict on a paper wins (a like after a dislike moves it). A disliked seed
    stops being a seed; a liked one stays a seed only (counted once among the wanted
    papers). This is all a rating changes in the profile; the matching derives its Rocchio
    query and classifier from these lists each time it scores.
    """
    check_action(action)
    liked = [i for i in profile.liked if i != paper_id]
    disliked = [i for i in profile.disliked if i != paper_id]
    seeds = profile.seeds
    if action in POSITIVE_ACTIONS:
        if paper_id not in seeds:
            liked.append(paper_id)
    else:
        disliked.append(paper_id)
        seeds = tuple(seed for seed in seeds if seed != paper_id)
    return replace(
        profile, liked=liked[-MAX_LEARNED:], disliked=disliked[-MAX_LEARNED:], seeds=seeds
    )


def placement(profile: Profile, paper_id: str) -> str | None:
    """Where `paper_id` is in the profile: "seed", "liked", "disliked", or None."""
    for place in ("seeds", "liked", "disliked"):
        if paper_id in getattr(profile, place):
            return "seed" if place == "seeds" else place
    return None


def restore_placement(profile: Profile, paper_id: str, place: str | None) -> Profile:
    """The profile with `paper_id` back where `placement` found it before a press.

    Only what a press changes is put back (`apply_feedback` adds to liked or disliked and
    may drop a seed); a restored rating goes to the end of its list.
    """
    liked = [i for i in profile.liked if i != paper_id]
    disliked = [i for i in profile.disliked if i != paper_id]
    seeds = profile.seeds
    if place == "liked":
        liked.append(paper_id)
    elif place == "disliked":
        disliked.append(paper_id)
    elif place == "seed" and paper_id not in seeds:
        seeds = (*seeds, paper_id)
    return replace(profile, liked=liked, disliked=disliked, seeds=seeds)


def check_action(action: str) -> str:
    """`action` if it is one of ACTIONS, else InvalidFeedback."""
    if action not in ACTIONS:
        raise InvalidFeedback(f"unknown feedback {action!r}; expected one of {', '.join(ACTIONS)}")
    return action


def check_target(target: str) -> str:
    """`target` if it names who gets a digest, else InvalidTarget."""
    if not isinstance(target, str) or not _TARGET.fullmatch(target):
        raise InvalidTarget(
            f"{target!r} is not a target: use user:TEAM:USER, channel:TEAM:CHANNEL or file:NAME"
        )
    return target


def file_target(path: Path) -> str:
    """The target of a team profile file: `file:` and its name without `.yaml`."""
    return check_target(f"file:{Path(path).stem}")


# Validation --------------------------------------------------------------------------


def _sequence(value: Any, name: str, source: str) -> list:
    if value is None:
        return []
    if isinstance(value, str | bytes) or not isinstance(value, list | tuple):
        raise ProfileError(source, name, "must be a list (one `- item` a line)")
    return list(value)


def _keyword(item: Any, where: str, source: str) -> Any:
    if isinstance(item, Mapping):
        unknown = [str(key) for key in item if key not in ("phrase", "weight", "required")]
        if unknown:
            raise ProfileError(
                source, f"{where}.{unknown[0]}", "unknown; use phrase, weight, required"
            )
        if "phrase" not in item:
            raise ProfileError(source, f"{where}.phrase", "missing: the word or phrase to look for")
        return Keyword(**item)
    return item  # a phrase, or something Profile's checks will name


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _has_terms(value: Any) -> bool:
    return isinstance(value, str) and bool(tokenize(value))


def _check_text(profile: Profile) -> None:
    for name in ("name", "description"):
        if not isinstance(getattr(profile, name), str):
            raise ProfileError("profile", name, "must be text")
    if len(profile.description) > MAX_DESCRIPTION:
        raise ProfileError(
            "profile",
            "description",
            f"{len(profile.description):,} characters; at most {MAX_DESCRIPTION:,}",
        )
    for i, author in enumerate(profile.authors):
        if not isinstance(author, str) or not author.strip():
            raise ProfileError("profile", f"authors[{i}]", "must be an author's name")


def _check_keywords(keywords: tuple[Keyword, ...]) -> None:
    seen: dict[tuple[str, ...], int] = {}
    for i, keyword in enumerate(keywords):
        where = f"keywords[{i}]"
        if not isinstance(keyword, Keyword):
            raise ProfileError("profile", where, "must be a phrase or {phrase, weight, required}")
        if not _has_terms(keyword.phrase):
            raise ProfileError(
                "profile", where, "must be a phrase with a word that is not a common word"
            )
        if not _is_number(keyword.weight) or not 0 < keyword.weight <= MAX_KEYWORD_WEIGHT:
            raise ProfileError(
                "profile", f"{where}.weight", f"must be a number > 0 and <= {MAX_KEYWORD_WEIGHT}"
            )
        if not isinstance(keyword.required, bool):
            raise ProfileError("profile", f"{where}.required", "must be true or false")
        if keyword.terms in seen:
            raise ProfileError("profile", where, f"repeats keywords[{seen[keyword.terms]}]")
        seen[keyword.terms] = i


def _check_muted(muted: tuple[str, ...], keywords: tuple[Keyword, ...]) -> None:
    for i, phrase in enumerate(muted):
        if not _has_terms(phrase):
            raise ProfileError(
                "profile", f"muted[{i}]", "must be a phrase with a word that is not a common word"
            )
        terms = tuple(tokenize(phrase))
        for j, keyword in enumerate(keywords):
            # A paper matching the keyword always contains the muted phrase too, so the
            # keyword could never find anything: a contradiction, not a preference.
            if _contains_phrase(keyword.terms, terms):
                raise ProfileError(
                    "profile",
                    f"muted[{i}]",
                    f"{phrase!r} is muted but keywords[{j}] ({keyword.phrase!r}) contains it; "
                    "remove it from one of the two lists",
                )


def mutes_own_topic(profile: Profile, term: str) -> bool:
    """Whether `term` occurs in the profile's description (both read as the index reads
    them): muting it leaves out papers on the very topic the description asks for."""
    return _contains_phrase(tuple(tokenize(profile.description)), tuple(tokenize(term)))


def _contains_phrase(terms: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    """Whether `phrase` occurs in `terms` as consecutive terms (both tokenized)."""
    if not phrase:
        return False
    return f" {' '.join(phrase)} " in f" {' '.join(terms)} "


def _canonical_seeds(seeds: tuple) -> tuple[str, ...]:
    canonical = []
    for i, seed in enumerate(seeds):
        if not isinstance(seed, str):
            # YAML reads 2507.10010 as the number 2507.1001: the id is lost before we see it.
            raise ProfileError(
                "profile", f"seeds[{i}]", "write arXiv ids in quotes, e.g. '2507.10010'"
            )
        try:
            paper_id = parse_arxiv_id(seed)[0]
        except InvalidArxivId:
            raise ProfileError("profile", f"seeds[{i}]", f"{seed!r} is not an arXiv id") from None
        if paper_id not in canonical:
            canonical.append(paper_id)
    return tuple(canonical)


def _parsed_categories(categories: tuple) -> tuple[str, ...]:
    """The categories in arXiv's case (`recommender.categories`), each once."""
    parsed: list[str] = []
    for i, category in enumerate(categories):
        try:
            category = parse_category(category)
        except InvalidCategory as error:
            raise ProfileError("profile", f"categories[{i}]", str(error)) from None
        if category not in parsed:
            parsed.append(category)
    return tuple(parsed)


def _check_digest_size(size: Any) -> None:
    if (
        not isinstance(size, int)
        or isinstance(size, bool)
        or not MIN_DIGEST_SIZE <= size <= MAX_DIGEST_SIZE
    ):
        raise ProfileError(
            "profile",
            "digest_size",
            f"must be a whole number from {MIN_DIGEST_SIZE} to {MAX_DIGEST_SIZE}",
        )


def _check_learned(profile: Profile) -> None:
    for name in ("liked", "disliked"):
        for i, paper_id in enumerate(getattr(profile, name)):
            if not isinstance(paper_id, str) or not paper_id.strip():
                raise ProfileError("profile", f"{name}[{i}]", "must be a paper id")
    both = set(profile.liked) & set(profile.disliked)
    if both:
        raise ProfileError("profile", "disliked", f"{sorted(both)[0]} is both liked and disliked")
    seeded = set(profile.seeds) & set(profile.disliked)
    if seeded:
        raise ProfileError(
            "profile", "disliked", f"{sorted(seeded)[0]} is both a seed and disliked"
        )
