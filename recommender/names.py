"""Author names as compared: one folding of case and accents for profiles and for search.

A followed author (`author_key`) and the search filter "part of a name" (`name_contains`)
fold names the same way, so "jurgen" finds "Jürgen Schmidhuber" in both.
"""

from __future__ import annotations

import re
import unicodedata


def fold_name(name: str) -> str:
    """`name` without accents and in one case: "Jürgen" and "JURGEN" both become "jurgen".

    Names in other scripts keep their letters, only accents go; punctuation stays.
    """
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def author_key(name: str) -> str:
    """A followed author's name as matched: accents, case, punctuation and order ignored.

    So "Jürgen Schmidhuber", "jurgen schmidhuber" and "Schmidhuber, Jürgen" are the same
    person; initials are not expanded ("J. Schmidhuber" is another key).
    """
    return " ".join(sorted(re.findall(r"[^\W_]+", fold_name(name))))


def share_a_name(first: str, second: str) -> bool:
    """Whether two spellings of an author's name share a word of two letters or more, as
    "Itay Itzhak" and "I. Itzhak", or "Wang Wei" and "Wei Wang", do (accents and case
    ignored)."""
    words = [set(re.findall(r"[^\W\d_]{2,}", fold_name(name))) for name in (first, second)]
    return bool(words[0] & words[1])


def name_contains(name: str, part: str) -> bool:
    """Whether `part` is part of the author `name`, ignoring accents and case."""
    return fold_name(part) in fold_name(name)
