"""Settings, read once from the environment at an entry point and passed down as one value."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from recommender.delivery import GRACE
from recommender.embed import DEFAULT_MODEL, PRECISIONS
from recommender.pipeline import Endpoints
from recommender.store import sqlite_url


class SettingsError(ValueError):
    """An environment variable holds a value the setting cannot take."""


@dataclass(frozen=True)
class Settings:
    """Everything configurable. Secrets are kept out of repr so they never reach a log."""

    data_dir: Path
    database_url: str
    embedding_model: str = DEFAULT_MODEL
    embedding_precision: str = "auto"
    arxiv_api_url: str = Endpoints.arxiv_api
    arxiv_rss_url: str = Endpoints.arxiv_rss
    oai_url: str = Endpoints.oai
    hf_url: str = Endpoints.hf
    # arXiv asks API and OAI-PMH clients to wait 3 seconds between calls.
    arxiv_interval: float = 3.0
    http_retries: int = 4
    # What the scheduled ingest reads (recommender.pipeline.parse_sources).
    sources: str = "arxiv-rss:cs.CL+cs.LG+cs.AI+stat.ML,hf"
    delivery_grace_hours: float = GRACE / timedelta(hours=1)
    slack_bot_token: str | None = field(default=None, repr=False)
    slack_signing_secret: str | None = field(default=None, repr=False)
    slack_app_token: str | None = field(default=None, repr=False)
    slack_client_id: str | None = None
    slack_client_secret: str | None = field(default=None, repr=False)
    slack_api_url: str = "https://slack.com/api/"
    port: int = 3000

    def endpoints(self) -> Endpoints:
        return Endpoints(self.arxiv_api_url, self.arxiv_rss_url, self.oai_url, self.hf_url)

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        data_dir = Path(env.get("PAPERS_DATA_DIR", "data"))
        defaults = cls(data_dir=data_dir, database_url="")
        return cls(
            data_dir=data_dir,
            database_url=env.get("DATABASE_URL") or sqlite_url(data_dir),
            embedding_model=env.get("PAPERS_EMBEDDING_MODEL", defaults.embedding_model),
            embedding_precision=_choice(
                env, "PAPERS_EMBEDDING_PRECISION", defaults.embedding_precision, PRECISIONS
            ),
            arxiv_api_url=env.get("PAPERS_ARXIV_API_URL", defaults.arxiv_api_url),
            arxiv_rss_url=env.get("PAPERS_ARXIV_RSS_URL", defaults.arxiv_rss_url),
            oai_url=env.get("PAPERS_OAI_URL", defaults.oai_url),
            hf_url=env.get("PAPERS_HF_URL", defaults.hf_url),
            arxiv_interval=_number(env, "PAPERS_ARXIV_INTERVAL", defaults.arxiv_interval),
            http_retries=_number(env, "PAPERS_HTTP_RETRIES", defaults.http_retries),
            sources=env.get("PAPERS_SOURCES", defaults.sources),
            delivery_grace_hours=_number(
                env, "PAPERS_DELIVERY_GRACE_HOURS", defaults.delivery_grace_hours
            ),
            slack_bot_token=env.get("SLACK_BOT_TOKEN") or None,
            slack_signing_secret=env.get("SLACK_SIGNING_SECRET") or None,
            slack_app_token=env.get("SLACK_APP_TOKEN") or None,
            slack_client_id=env.get("SLACK_CLIENT_ID") or None,
            slack_client_secret=env.get("SLACK_CLIENT_SECRET") or None,
            slack_api_url=env.get("SLACK_API_URL", defaults.slack_api_url),
            port=_number(env, "PORT", defaults.port),
        )


def _number(env: Mapping[str, str], name: str, default: int | float) -> int | float:
    """The variable as a number of the default's type (int or float), at least 0."""
    value = env.get(name)
    if value is None:
        return default
    kind = type(default)
    try:
        number = kind(value)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise SettingsError(f"{name}={value!r} is not {what} (default {default})") from None
    if number < 0:
        raise SettingsError(f"{name}={value!r} must not be negative (default {default})")
    return number


def _choice(env: Mapping[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env.get(name, default)
    if value not in choices:
        raise SettingsError(f"{name}={value!r} is not one of {', '.join(choices)}")
    return value
