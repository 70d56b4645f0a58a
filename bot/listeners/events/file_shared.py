"""`file_shared`: a library file dropped in the app's direct message is imported as seeds.

Only files shared in a direct message with the app count (in a channel they are the
channel's business). The file is read from Slack's file server with the bot token
(`files:read`), never from another host and never past a redirect, so the token goes to
Slack alone; what it holds is imported as `/papers import` would, and the reply in the
direct message says what was done or what is wrong.
"""

from __future__ import annotations

import urllib.request
from logging import Logger
from pathlib import PurePosixPath
from urllib.parse import urlparse

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.blocks import notice
from bot.listeners.replies import acknowledge, caller, errors_messaged
from bot.mrkdwn import escape, truncate
from bot.services import Services
from bot.targets import is_direct_message, user_target
from recommender.errors import ImportFailed
from recommender.importing import import_library
from recommender.limits import IMPORT_LIMITS

# BibTeX (Zotero, Mendeley, Google Scholar), Zotero's CSV export, a list of ids or titles.
SUFFIXES = (".bib", ".csv", ".txt")
SLACK_FILES = "files.slack.com"
# A library of IMPORT_LIMITS.chars characters is at least that many bytes.
MAX_BYTES = IMPORT_LIMITS.chars
_DOWNLOAD_SECONDS = 30


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect would carry the bot token elsewhere: refuse it."""

    def redirect_request(self, *args, **kwargs) -> None:
        return None


def answer(
    services: Services, event: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    """Import a library file shared in the app's direct message, and say what was done."""
    channel, user = event.get("channel_id", ""), event.get("user_id", "")
    if not is_direct_message(channel) or not user or user == context.bot_user_id:
        return
    with errors_messaged(client, channel, logger):
        file = client.files_info(file=event.get("file_id", ""))["file"]
        name = str(file.get("name") or "the file")
        text = library_text(client, file)
        team, _ = caller(context)
        target = user_target(team, user)
        try:
            report = import_library(services.store, target, text, now=services.clock())
        except ImportFailed as error:
            raise ImportFailed(f"{name}: {error}; nothing was imported") from None
        done = f":white_check_mark: {escape(truncate(f'{name}: {report.summary()}', 2500))}."
        client.chat_postMessage(channel=channel, **notice(done))


def library_text(client: WebClient, file: dict) -> str:
    """The text of a shared library file (ImportFailed when it is not one or too large)."""
    name = str(file.get("name") or "")
    if not name.lower().endswith(SUFFIXES):
        raise ImportFailed(
            f"{name or 'that file'}: I import libraries from .bib (BibTeX), .csv (Zotero) and "
            ".txt files (one arXiv id, DOI or title a line)"
        )
    if int(file.get("size") or 0) > MAX_BYTES:
        raise ImportFailed(f"{name}: {file['size']:,} bytes; at most {MAX_BYTES:,} at once")
    data = _download(client, str(file.get("url_private_download") or ""))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportFailed(f"{name}: line {line}: not UTF-8 text; save it as UTF-8") from None


def _download(client: WebClient, url: str) -> bytes:
    """The file at `url` on Slack's file server (or the API's own host, as in tests)."""
    parsed = urlparse(url)
    allowed = {SLACK_FILES, urlparse(client.base_url).hostname}
    if parsed.scheme not in ("https", "http") or parsed.hostname not in allowed:
        raise ImportFailed(f"{PurePosixPath(parsed.path).name or 'the file'}: not on Slack")
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {client.token}"})
    opener = urllib.request.build_opener(_NoRedirects)
    with opener.open(request, timeout=_DOWNLOAD_SECONDS) as response:
        data = response.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ImportFailed(f"the file is over {MAX_BYTES:,} bytes; at most that at once")
    return data


def register(app: App, services: Services) -> None:
    def file_shared(event: dict, context: BoltContext, client: WebClient, logger: Logger) -> None:
        answer(services, event, context, client, logger)

    app.event("file_shared")(ack=acknowledge, lazy=[file_shared])
