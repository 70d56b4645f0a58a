"""Parsing `/papers` text into subcommands (bot/subcommands.py): pure, no Slack."""

from __future__ import annotations

from datetime import date

import pytest

from bot.errors import UsageError
from bot.search import SearchRequest, ShowHelp
from bot.subcommands import (
    AddSeed,
    Follow,
    ImportLibrary,
    Mute,
    OpenSettings,
    RemoveSeed,
    SetVisibility,
    ShowSaved,
    Subscribe,
    Unfollow,
    Unmute,
    Unsave,
    Unsubscribe,
    parse,
)

TODAY = date(2025, 12, 10)


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("subscribe", Subscribe()),
        ("subscribe speculative decoding", Subscribe("speculative decoding")),
        ("Subscribe  “LLM   inference” ", Subscribe("LLM inference")),
        ("subscribe llm at 8:30", Subscribe("llm", at="08:30")),
        ("subscribe llm at 07:00 Europe/Paris", Subscribe("llm", at="07:00", tz="Europe/Paris")),
        ("subscribe attention at scale", Subscribe("attention at scale")),
        ("subscribe at 25:00", Subscribe(at="25:00")),
        ("unsubscribe", Unsubscribe()),
        ("settings", OpenSettings()),
        ("saved", ShowSaved()),
        ("visibility off", SetVisibility(False)),
        ("Visibility ON", SetVisibility(True)),
        ('follow "Yonatan Belinkov"', Follow("Yonatan Belinkov")),
        ("follow Ada Lovelace", Follow("Ada Lovelace")),
        ("mute reinforcement learning", Mute("reinforcement learning")),
        ("seed 2507.07186v2", AddSeed("2507.07186")),
        ("seed https://arxiv.org/abs/2507.07186", AddSeed("2507.07186")),
        ("seed <https://arxiv.org/abs/2507.07186|arxiv>", AddSeed("2507.07186")),
        ("seed hep-th/9901001", AddSeed("hep-th/9901001")),
        ("like 2507.07186v2", AddSeed("2507.07186")),
        ("like https://arxiv.org/abs/2507.07186", AddSeed("2507.07186")),
        ("like <https://arxiv.org/abs/2507.07186|arxiv>", AddSeed("2507.07186")),
        ("like hep-th/9901001", AddSeed("hep-th/9901001")),
        ("seed 10.1145/3295222.3295349", AddSeed("doi:10.1145/3295222.3295349")),
        ("seed <https://doi.org/10.1145/329|doi>", AddSeed("doi:10.1145/329")),
        ("seed DOI:10.1145/329.", AddSeed("doi:10.1145/329")),
        ("seed title:0e40252543b34be0", AddSeed("title:0e40252543b34be0")),
        ("unseed 2507.07186v2", RemoveSeed("2507.07186")),
        ("unlike https://arxiv.org/abs/2507.07186", RemoveSeed("2507.07186")),
        ("unseed doi:10.1145/329", RemoveSeed("doi:10.1145/329")),
        ('unseed "My own paper on routing"', RemoveSeed("My own paper on routing")),
        ("unseed text:a534daa742ec", RemoveSeed("text:a534daa742ec")),
        ("unsave 2507.07186", Unsave("2507.07186")),
        ('unfollow "Yonatan Belinkov"', Unfollow("Yonatan Belinkov")),
        ("unmute reinforcement learning", Unmute("reinforcement learning")),
        ("import", ImportLibrary()),
        ("channel subscribe llm at 09:00", Subscribe("llm", at="09:00", channel=True)),
        ("channel unsubscribe", Unsubscribe(channel=True)),
        ("CHANNEL settings", OpenSettings(channel=True)),
        ("search like a transformer", SearchRequest(query="like a transformer")),
        ("search seed selection", SearchRequest(query="seed selection")),
        ("search", ShowHelp()),
        ("help", ShowHelp()),
        ("liked papers", SearchRequest(query="liked papers")),
    ],
)
def test_subcommands(text: str, wanted: object) -> None:
    assert parse(text, today=TODAY) == wanted


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("follow", "say whom to follow"),
        ("mute  ", "say what to leave out"),
        ("seed", "`/papers seed` takes one arXiv id"),
        ("seed two words", "takes one arXiv id"),
        ("seed transformers", "`transformers` is not an arXiv id"),
        ("like", "takes one arXiv id"),
        ("like two words", "takes one arXiv id"),
        ("like transformers", "`transformers` is not an arXiv id"),
        ("seed https://example.com/x", "is not an arXiv id, DOI or paper id"),
        ("seed 10.1/x", "`10.1/x` is not an arXiv id, DOI or paper id"),
        ("unsave transformers", "say which paper"),
        ("unseed", "say which seed"),
        ("unfollow", "say whom to stop following"),
        ("unmute", "say which muted term"),
        ("import my.bib", "`/papers import` takes nothing after it"),
        ("unsubscribe now", "`/papers unsubscribe` takes nothing after it"),
        ("settings please", "`/papers settings` takes nothing after it"),
        ("channel subscribe", "say what this channel wants to read"),
        ("channel subscribe at 09:00", "say what this channel wants to read"),
        ("channel follow Ada", "use `/papers channel subscribe"),
        ("channel", "use `/papers channel subscribe"),
        ("visibility", "use `/papers visibility off`"),
        ("visibility maybe", "use `/papers visibility off`"),
    ],
)
def test_bad_subcommands_say_what_to_do(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message.replace("[", r"\[")):
        parse(text, today=TODAY)
