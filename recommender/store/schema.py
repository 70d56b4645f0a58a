"""Tables of the store. Alembic migrations in `migrations/` create and change them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData()


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC in Python, naive UTC in the database (SQLite keeps no zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the store takes UTC-aware datetimes")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


papers = Table(
    "papers",
    metadata,
    # A dense integer key: FAISS and BM25 index papers by it.
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False, unique=True),
    Column("norm_title", Text, nullable=False, index=True),
    # The DOI of `extras["doi"]`, case-folded: `Papers.ids_by_doi` finds it by index.
    Column("doi", Text, index=True),
    Column("title", Text, nullable=False),
    Column("abstract", Text, nullable=False, default=""),
    Column("authors", JSON, nullable=False),
    Column("categories", JSON, nullable=False),
    Column("version", Integer),
    Column("published", UTCDateTime),
    Column("updated", UTCDateTime),
    Column("sources", JSON, nullable=False),
    Column("extras", JSON, nullable=False),
    Column("first_seen", UTCDateTime, nullable=False, index=True),
    Column("changed", UTCDateTime, nullable=False),
)

# A title-only paper that later merged into its arXiv record leaves its old id here, so
# anything that remembered the old id still finds the paper.
paper_aliases = Table(
    "paper_aliases",
    metadata,
    Column("alias", String(64), primary_key=True),
    Column("paper_id", String(64), nullable=False, index=True),
)

# One vector per paper and embedding model, computed once; `text_hash` tells when the paper's
# text changed (a new version) so that the vector must be computed again.
embeddings = Table(
    "embeddings",
    metadata,
    Column("paper_pk", Integer, primary_key=True),
    Column("model", String(200), primary_key=True),
    Column("text_hash", String(40), nullable=False),
    Column("vector", LargeBinary, nullable=False),
)

# Vectors of texts that are no paper of the store (a profile's text seeds), by model and a
# hash of the text: embedded once, however often the profile is prepared.
text_embeddings = Table(
    "text_embeddings",
    metadata,
    Column("model", String(200), primary_key=True),
    Column("text_hash", String(40), primary_key=True),
    Column("vector", LargeBinary, nullable=False),
)

# Interest profiles. `target` names who gets the digest: `user:TEAM:USER`, `channel:TEAM:CHANNEL`
# or `file:NAME` for a team profile kept in git. `settings` is the profile as JSON.
profiles = Table(
    "profiles",
    metadata,
    Column("target", String(200), primary_key=True),
    Column("settings", JSON, nullable=False),
    Column("created", UTCDateTime, nullable=False),
    Column("updated", UTCDateTime, nullable=False),
)

# Every button press and explicit like: what the profile learns from.
feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("target", String(200), nullable=False, index=True),
    # Indexed for `Profiles.fans`: who liked a paper, asked on every unfurl of it.
    Column("paper_id", String(64), nullable=False, index=True),
    Column("action", String(20), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    # Who pressed (in a channel, one person for the channel), what the press changed, and
    # when it was undone: an undone press is history, not feedback.
    Column("presser", String(200)),
    Column("prior", JSON),
    Column("undone", UTCDateTime),
)

# What each target was sent: a paper is never recommended twice to the same target.
sent = Table(
    "sent",
    metadata,
    Column("target", String(200), primary_key=True),
    Column("paper_id", String(64), primary_key=True),
    Column("digest_date", Date, nullable=False),
    Column("sent_at", UTCDateTime, nullable=False),
)

# When each target's last digest was matched: where its next digest's window starts, also
# after a digest that had nothing to send (and so left no row in `sent`).
digest_windows = Table(
    "digest_windows",
    metadata,
    Column("target", String(200), primary_key=True),
    Column("until", UTCDateTime, nullable=False),
)

# Each search of `/papers`, "More like this" and "Next 5": its result card is rebuilt from
# here after a press, and its "Next 5" button names it, however long the query.
searches = Table(
    "searches",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("request", Text, nullable=False),
    Column("created", UTCDateTime, nullable=False, index=True),
)

saved = Table(
    "saved",
    metadata,
    Column("target", String(200), primary_key=True),
    Column("paper_id", String(64), primary_key=True, index=True),
    Column("saved_at", UTCDateTime, nullable=False),
)

# One row per digest that is due: written before posting and completed after, so that a
# crash and restart neither posts a digest twice nor drops it. `plan` is the digest's content
# (NULL when a try failed before it had one), `posted` the messages of it that went out.
deliveries = Table(
    "deliveries",
    metadata,
    Column("target", String(200), primary_key=True),
    Column("digest_date", Date, primary_key=True),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("plan", JSON(none_as_null=True)),
    Column("posted", JSON, nullable=False),
    Column("claimed", Integer, nullable=False, server_default="0"),
    Column("error", Text),
    Column("updated", UTCDateTime, nullable=False),
    # Queued for the workers by the clock; held by one of them (store/deliveries.py).
    Column("queued", UTCDateTime, index=True),
    Column("worker", String(200)),
    Column("claim_token", Integer, nullable=False, server_default="0"),
    Column("claim_expires", UTCDateTime),
)

# Each scheduled job run, for `papers status` and /healthz.
job_runs = Table(
    "job_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job", String(50), nullable=False, index=True),
    Column("started", UTCDateTime, nullable=False),
    Column("finished", UTCDateTime),
    Column("status", String(20), nullable=False),
    Column("counts", JSON, nullable=False),
    Column("error", Text),
)

# A named lease with expiry: only its holder acts (one scheduler at a time).
leases = Table(
    "leases",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("expires", UTCDateTime, nullable=False),
    Column("token", Integer, nullable=False, server_default="0"),
    Column("since", UTCDateTime),
)

# Who gets digests, and when: a target's schedule (see recommender.schedule.Schedule). The
# profile says what a target wants; a subscription says that it wants it delivered.
# `owner` is the target of whoever set it up (a channel's digest: a person); `paused` says
# why its digests stopped until someone resumes them (NULL: they go), and `failures` counts
# its deliveries in a row that failed for good (a channel the app is not in, say).
subscriptions = Table(
    "subscriptions",
    metadata,
    Column("target", String(200), primary_key=True),
    Column("schedule", JSON, nullable=False),
    Column("created", UTCDateTime, nullable=False),
    Column("updated", UTCDateTime, nullable=False),
    Column("owner", String(200)),
    Column("paused", Text),
    Column("failures", Integer, nullable=False, server_default="0"),
)

# Each change someone made to a target's digest, with what it was before, so that it can be
# undone and its owner can see it. `before` holds the profile and the subscription (NULL
# in it: there was none); `undoes` names the change an undo took back.
subscription_changes = Table(
    "subscription_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("target", String(200), nullable=False, index=True),
    Column("changer", String(200), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("summary", Text, nullable=False),
    Column("before", JSON, nullable=False),
    Column("undoes", Integer),
)

# Messages that name one paper (an unfurled link, a shared card, a digest pick): a reaction
# on one teaches. `kind` says what posted it; `owner`, when set, is the one person whose
# reactions on it teach (a personal digest's), else whoever reacts teaches their own profile.
paper_messages = Table(
    "paper_messages",
    metadata,
    Column("team", String(50), primary_key=True),
    Column("channel", String(50), primary_key=True),
    Column("ts", String(50), primary_key=True),
    Column("paper_id", String(64), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("owner", String(200)),
    Column("posted", UTCDateTime, nullable=False),
)

# Each reaction that taught, one row per person and emoji on a message: a retried event finds
# its row and does nothing; `prior` is where the paper stood before (what removing it restores).
reactions = Table(
    "reactions",
    metadata,
    Column("team", String(50), primary_key=True),
    Column("channel", String(50), primary_key=True),
    Column("ts", String(50), primary_key=True),
    Column("target", String(200), primary_key=True),
    Column("reaction", String(100), primary_key=True),
    Column("paper_id", String(64), nullable=False),
    Column("action", String(20), nullable=False),
    Column("prior", JSON, nullable=False),
    Column("at", UTCDateTime, nullable=False),
)

# People who turned their visibility off: they still count in "saved by 3 people here", but
# are never named. Everyone else of the workspace is named (the default is on).
hidden_people = Table(
    "hidden_people",
    metadata,
    Column("target", String(200), primary_key=True),
    Column("since", UTCDateTime, nullable=False),
)

# Slack's rate limits as buckets shared by every process that posts (the clock's threads and
# each `papers worker`): per bucket (a channel, a workspace), the wall-clock time in seconds
# at which its next message is due (bot/delivery.py's `Pacer`).
rate_buckets = Table(
    "rate_buckets",
    metadata,
    Column("bucket", String(120), primary_key=True),
    Column("due", Float, nullable=False),
)

# Slack's requests already acted on (bot/gate.py's `Seen`): an event's id, kept until
# `expires` (wall-clock seconds) so that Slack's retry reaching another web process does
# nothing; `recommender/store/handled.py`.
handled_requests = Table(
    "handled_requests",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("expires", Float, nullable=False, index=True),
)

# Where a long OAI-PMH harvest has got to, written in the transaction that stores each page's
# papers: a restart continues from `token` (or, once the server forgot it, from `latest`).
harvests = Table(
    "harvests",
    metadata,
    Column("request", String(500), primary_key=True),
    Column("base_url", Text, nullable=False),
    Column("set_spec", String(100), nullable=False),
    Column("from_date", Date),
    Column("until_date", Date),
    Column("token", Text),
    Column("latest", Date),
    Column("restart_from", Date),
    Column("pages", Integer, nullable=False),
    Column("records", Integer, nullable=False),
    Column("total", Integer),
    Column("updated", UTCDateTime, nullable=False),
    Column("finished", UTCDateTime),
)
