"""Author names: one folding of case and accents for followed authors and the search filter."""

import pytest

from recommender.names import author_key, fold_name, name_contains


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Jürgen Schmidhuber", "jurgen schmidhuber"),
        ("Schmidhuber, Jürgen", "jurgen schmidhuber"),
        ("J. Schmidhuber", "j schmidhuber"),
        ("王伟", "王伟"),
        ("...", ""),
    ],
)
def test_author_keys(name: str, key: str):
    assert author_key(name) == key


def test_folding_drops_accents_and_case_but_keeps_letters_and_punctuation():
    assert fold_name("Élodie ØRSTED-Smith") == "elodie ørsted-smith"
    assert fold_name("王伟") == "王伟"


@pytest.mark.parametrize(
    ("part", "found"),
    [
        ("jürgen", True),
        ("jurgen", True),
        ("JÜRGEN SCHMID", True),
        ("schmidhuber, jürgen", False),  # part of the name as written, not its key
        ("Jürgen  Schmidhuber", False),
    ],
)
def test_part_of_a_name(part: str, found: bool):
    assert name_contains("Jürgen Schmidhuber", part) is found
