"""Settings from the environment: defaults, parsing, and clear errors for bad values."""

from datetime import timedelta

import pytest

from bot.config import Settings, SettingsError
from recommender.delivery import GRACE


def test_defaults_need_no_environment() -> None:
    settings = Settings.from_env({})

    assert (settings.embedding_precision, settings.http_retries, settings.port) == ("auto", 4, 3000)
    assert settings.arxiv_interval == 3.0


def test_the_delivery_grace_default_is_the_librarys() -> None:
    hours = Settings.from_env({}).delivery_grace_hours
    assert hours == 12.0 and timedelta(hours=hours) == GRACE


def test_numbers_and_choices_are_read() -> None:
    settings = Settings.from_env(
        {
            "PAPERS_ARXIV_INTERVAL": "0.5",
            "PAPERS_HTTP_RETRIES": "2",
            "PORT": "8080",
            "PAPERS_EMBEDDING_PRECISION": "float32",
        }
    )

    assert (settings.arxiv_interval, settings.http_retries, settings.port) == (0.5, 2, 8080)
    assert settings.embedding_precision == "float32"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PAPERS_HTTP_RETRIES", "three", "PAPERS_HTTP_RETRIES='three' is not a whole number"),
        ("PAPERS_HTTP_RETRIES", "2.5", "is not a whole number (default 4)"),
        ("PORT", "-1", "PORT='-1' must not be negative"),
        ("PAPERS_ARXIV_INTERVAL", "fast", "PAPERS_ARXIV_INTERVAL='fast' is not a number"),
        ("PAPERS_DELIVERY_GRACE_HOURS", "", "PAPERS_DELIVERY_GRACE_HOURS='' is not a number"),
        ("PAPERS_EMBEDDING_PRECISION", "fp16", "is not one of auto, float32, bfloat16"),
    ],
)
def test_a_bad_value_names_the_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Settings.from_env({name: value})
