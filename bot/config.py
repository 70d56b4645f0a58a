"""Settings, read once from the environment at an entry point and passed down as one value."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import Enum
from pathlib import Path

from bot.errors import MissingSetting, SettingsError
from bot.reactions import DEFAULT, DEFAULT_REACTIONS, parse_reactions
from recommender.delivery import GRACE
from recommender.embed import DEFAULT_MODEL, PRECISIONS
from recommender.lease import LEASE_TTL
from recommender.pipeline import Endpoints, Source, SourceError, parse_sources
from recommender.store import sqlite_url

DEFAULT_SOURCES = "arxiv-rss:cs.CL+cs.LG+cs.AI+stat.ML,hf"


class SlackMode(Enum):
    """Whom the app acts for in Slack, worked out once from the SLACK_* variables."""

    NONE = "none"  # no Slack: digests are printed
    TOKEN = "token"  # the one workspace of SLACK_BOT_TOKEN
    OAUTH = "oauth"  # every workspace that installed the app (bot/oauth.py)


# How `papers` logs (with -v), in each of its processes.
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@dataclass(frozen=True)
class Settings:
    """Everything configurable, checked whole when made, so that a bad or half-set value
    stops a command at start rather than minutes into it. Secrets stay out of repr."""

    data_dir: Path
    database_url: str
    embedding_model: str = DEFAULT_MODEL
    embedding_precision: str = "auto"
    # Word pieces of each text the model reads; 0: the model's own window.
    embedding_word_pieces: int = 0
    # Where the model's ONNX graphs are made and kept; None: $PAPERS_DATA_DIR/models.
    models_dir: Path | None = None
    arxiv_api_url: str = Endpoints.arxiv_api
    arxiv_rss_url: str = Endpoints.arxiv_rss
    oai_url: str = Endpoints.oai
    hf_url: str = Endpoints.hf
    # arXiv asks API and OAI-PMH clients to wait 3 seconds between calls.
    arxiv_interval: float = 3.0
    http_retries: int = 4
    # What the scheduled ingest reads.
    sources: tuple[Source, ...] = tuple(parse_sources(DEFAULT_SOURCES))
    delivery_grace_hours: float = GRACE / timedelta(hours=1)
    lease_seconds: float = LEASE_TTL.total_seconds()
    # Threads of the clock that post digests; other than 1 (PostgreSQL), it queues them.
    delivery_threads: int = 1
    # How often `papers serve` catches its own copy of the indexes up with the store (0: never).
    index_refresh_seconds: float = 30.0
    # Processes `papers serve` runs on its port (bot/serve.py `serve_together`).
    web_processes: int = 1
    slack_bot_token: str | None = field(default=None, repr=False)
    slack_signing_secret: str | None = field(default=None, repr=False)
    slack_app_token: str | None = field(default=None, repr=False)
    slack_client_id: str | None = None
    slack_client_secret: str | None = field(default=None, repr=False)
    slack_api_url: str = "https://slack.com/api/"
    port: int = 3000
    # Which emoji on a message naming one paper stand for which verdict (bot/reactions.py).
    reactions: Mapping[str, str] = field(default_factory=lambda: DEFAULT_REACTIONS)
    slack_mode: SlackMode = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "slack_mode", self._slack_mode())
        if self.web_processes < 1:
            raise SettingsError(f"PAPERS_WEB_PROCESSES={self.web_processes}: at least 1")
        if self.delivery_threads != 1 and self.database_url.startswith("sqlite"):
            raise SettingsError(
                f"PAPERS_DELIVERY_THREADS={self.delivery_threads}: delivery workers claim "
                "digests through PostgreSQL (DATABASE_URL); SQLite keeps one sender (1)"
            )

    def _slack_mode(self) -> SlackMode:
        """The mode the SLACK_* values set (MissingSetting for a half-set one)."""
        given = {
            "SLACK_CLIENT_ID": self.slack_client_id,
            "SLACK_CLIENT_SECRET": self.slack_client_secret,
        }
        missing = [name for name, value in given.items() if not value]
        if len(missing) == 1:
            raise MissingSetting(
                missing[0], "multi-workspace installs need both the client id and secret"
            )
        if not missing:
            return SlackMode.OAUTH
        if self.slack_bot_token:
            return SlackMode.TOKEN
        if self.slack_app_token:
            raise MissingSetting(
                "SLACK_BOT_TOKEN", "Socket Mode (SLACK_APP_TOKEN) acts with the app's bot token"
            )
        return SlackMode.NONE

    @property
    def models(self) -> Path:
        """Where the model's ONNX graphs are made and kept (recommender/onnx_embed.py):
        processes of one machine with data dirs of their own may share one."""
        return self.models_dir or self.data_dir / "models"

    @property
    def socket_mode(self) -> bool:
        """Whether `papers serve` connects out to Slack rather than serving HTTP."""
        return bool(self.slack_app_token)

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
            embedding_word_pieces=_number(
                env, "PAPERS_EMBEDDING_WORD_PIECES", defaults.embedding_word_pieces
            ),
            models_dir=Path(env["PAPERS_MODELS_DIR"]) if env.get("PAPERS_MODELS_DIR") else None,
            arxiv_api_url=env.get("PAPERS_ARXIV_API_URL", defaults.arxiv_api_url),
            arxiv_rss_url=env.get("PAPERS_ARXIV_RSS_URL", defaults.arxiv_rss_url),
            oai_url=env.get("PAPERS_OAI_URL", defaults.oai_url),
            hf_url=env.get("PAPERS_HF_URL", defaults.hf_url),
            arxiv_interval=_number(env, "PAPERS_ARXIV_INTERVAL", defaults.arxiv_interval),
            http_retries=_number(env, "PAPERS_HTTP_RETRIES", defaults.http_retries),
            sources=_sources(env, "PAPERS_SOURCES", DEFAULT_SOURCES),
            delivery_grace_hours=_number(
                env, "PAPERS_DELIVERY_GRACE_HOURS", defaults.delivery_grace_hours
            ),
            lease_seconds=_number(env, "PAPERS_LEASE_SECONDS", defaults.lease_seconds),
            delivery_threads=_number(env, "PAPERS_DELIVERY_THREADS", defaults.delivery_threads),
            index_refresh_seconds=_number(
                env, "PAPERS_INDEX_REFRESH_SECONDS", defaults.index_refresh_seconds
            ),
            web_processes=_number(env, "PAPERS_WEB_PROCESSES", defaults.web_processes),
            slack_bot_token=env.get("SLACK_BOT_TOKEN") or None,
            slack_signing_secret=env.get("SLACK_SIGNING_SECRET") or None,
            slack_app_token=env.get("SLACK_APP_TOKEN") or None,
            slack_client_id=env.get("SLACK_CLIENT_ID") or None,
            slack_client_secret=env.get("SLACK_CLIENT_SECRET") or None,
            slack_api_url=env.get("SLACK_API_URL", defaults.slack_api_url),
            port=_number(env, "PORT", defaults.port),
            reactions=_reactions(env, "PAPERS_REACTIONS", DEFAULT),
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


def _sources(env: Mapping[str, str], name: str, default: str) -> tuple[Source, ...]:
    value = env.get(name, default)
    try:
        return tuple(parse_sources(value))
    except SourceError as error:
        raise SettingsError(f"{name}={value!r}: {error}") from None


def _reactions(env: Mapping[str, str], name: str, default: str) -> Mapping[str, str]:
    value = env.get(name, default)
    try:
        return parse_reactions(value)
    except SettingsError as error:
        raise SettingsError(f"{name}={value!r}: {error}") from None
