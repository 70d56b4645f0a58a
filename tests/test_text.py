"""The one tokenizer: folding, splitting, stopwords, stemming, and text it must survive;
and cutting text to a length."""

from __future__ import annotations

import pytest

from recommender.text import STOPWORDS, tokenize, truncate


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("running", ["run"]),
        ("Running runners ran", ["run", "runner", "ran"]),
        ("Transformers for retrieval", ["transform", "retriev"]),
        ("the cat and the hat", ["cat", "hat"]),
        ("GPT-4 beats BERT", ["gpt", "4", "beat", "bert"]),
        ("ResNet50 on ImageNet", ["resnet50", "imagenet"]),
        ('"speculative decoding" AND -draft: models', ["specul", "decod", "draft", "model"]),
        ("snake_case x²", ["snake", "case", "x2"]),
        ("ＬＬＭ ﬁne-tuning", ["llm", "fine", "tune"]),
        ("Straße café", ["strass", "café"]),
        ("深度学习 🔥 rocks", ["深度学习", "rock"]),
        ("quanti\u00adzation", ["quantiz"]),  # a soft hyphen does not split a word
        ("lone \ud800 surrogate", ["lone", "surrog"]),
        # Plurals the stemmer keeps because no vowel precedes the "s"; "ss" and two letters stay.
        ("LLMs, GNNs and the 1990s", ["llm", "gnn", "1990"]),
        ("CSS ms GPTs", ["css", "ms", "gpt"]),
    ],
)
def test_tokenize(text: str, terms: list[str]) -> None:
    assert tokenize(text) == terms


@pytest.mark.parametrize(
    "text", ["", "   \n\t", "the of and AND a", "don't we've", "🔥🚀", '"" - : ( ) *']
)
def test_texts_without_terms_give_an_empty_list(text: str) -> None:
    assert tokenize(text) == []


def test_stopwords_are_nltks_english_list_without_apostrophe_forms() -> None:
    assert len(STOPWORDS) == 179 - 26
    assert {"we", "our", "which", "the", "don", "t"} <= STOPWORDS
    assert not any("'" in word for word in STOPWORDS)


def test_ten_kilobytes_of_text() -> None:
    text = "Speculative decoding accelerates inference. " * 250

    terms = tokenize(text)

    assert len(text) > 10_000
    assert terms[:4] == ["specul", "decod", "acceler", "infer"]
    assert len(terms) == 4 * 250


def test_case_and_width_do_not_change_terms() -> None:
    assert tokenize("BERT") == tokenize("bert") == tokenize("ＢＥＲＴ")


@pytest.mark.parametrize(
    ("text", "limit", "cut"),
    [
        ("short", 10, "short"),
        ("  spread\n over  lines ", 30, "spread over lines"),
        ("one two three four", 12, "one two…"),
        ("abcdefghijklmnop", 8, "abcdefg…"),
    ],
)
def test_truncate(text: str, limit: int, cut: str) -> None:
    assert truncate(text, limit) == cut
    assert len(truncate(text, limit)) <= limit
