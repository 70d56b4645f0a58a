"""How listeners answer: ephemeral replies, and the boundary that turns errors into one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from logging import Logger

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import notice
from bot.mrkdwn import escape, truncate
from recommender.errors import IndexMissing, ModelMismatch, PapersError
from recommender.models import Paper
from recommender.store import Store

APOLOGY = "Sorry, something went wrong on our side. It is logged; please try again in a while."
NOT_INDEXED = (
    "The paper archive is not searchable right now (its index is missing or out of date). "
    "Whoever runs the app can fix it with `papers index`."
)
TRIGGER_EXPIRED = (
    "Slack did not let me open the window in time (it allows 3 seconds). "
    "Please do it again: it usually works at once."
)
_TRIGGER_ERRORS = ("expired_trigger_id", "exchanged_trigger_id")
# Errors about the server's state: the person in Slack cannot fix them, and their messages
# name files on the server, so they get a plain sentence and the details go to the log.
_SERVER_SIDE = (IndexMissing, ModelMismatch)
# An error message may quote what was typed; escaped, a character can grow to five, and a
# section holds 3,000. Cut here, Slack would refuse the reply and the person see nothing.
ERROR_CHARS = 500


def acknowledge(ack: Ack) -> None:
    """The ack function of every listener: answer Slack at once, before any work."""
    ack()


def caller(context: BoltContext) -> tuple[str, str]:
    """(team, user) of whoever acted, from Slack's signed payload (never from typed text)."""
    return context.team_id or context.enterprise_id, context.user_id


def pressed_paper(store: Store, action: dict, respond: Respond) -> Paper | None:
    """The paper a button names, or None after telling the presser it is gone."""
    paper = store.get(action["value"])
    if paper is None:
        reply(respond, notice("That paper is no longer in the archive."))
    return paper


def reply(respond: Respond, message: dict, *, replace_original: bool = False) -> None:
    """Send `message` to the person who acted, visible to them only."""
    respond(**message, response_type="ephemeral", replace_original=replace_original)


def reply_or_message(
    respond: Respond, client: WebClient, user: str, message: dict, logger: Logger
) -> None:
    """Send `message` to `user` alone where they acted (a shortcut's response URL), or to
    their direct message with the app when Slack refuses it there."""
    answer = respond(**message, response_type="ephemeral", replace_original=False)
    if answer.status_code == 200:
        return
    logger.warning("the response URL refused a reply (HTTP %s); sent by DM", answer.status_code)
    client.chat_postMessage(channel=user, **message)


@contextmanager
def errors_replied(respond: Respond, logger: Logger) -> Iterator[None]:
    """The listener boundary: named errors become a friendly reply, anything else an apology."""
    try:
        yield
    except Exception as error:
        reply(respond, notice(explained(error, logger)))


@contextmanager
def errors_messaged(client: WebClient, user: str, logger: Logger) -> Iterator[None]:
    """The boundary of a Home tab button, which has no response URL: the explanation goes to
    the person's direct message with the app (its Messages tab)."""
    try:
        yield
    except Exception as error:
        text = explained(error, logger)
        try:
            client.chat_postMessage(channel=user, **notice(text))
        except SlackApiError:
            logger.exception("could not tell %s what went wrong", user)


def explained(error: Exception, logger: Logger) -> str:
    """What to tell the person whose action failed with `error` (logged when it is ours)."""
    if isinstance(error, _SERVER_SIDE):
        logger.error("cannot search: %s", error)
        return NOT_INDEXED
    if isinstance(error, PapersError):
        return f":warning: {escape(truncate(str(error), ERROR_CHARS))}"
    if isinstance(error, SlackApiError) and error.response.get("error") in _TRIGGER_ERRORS:
        # Slack lets a window open only within 3 seconds of the click; a retry gets a new one.
        logger.warning("views.open: %s", error.response.get("error"))
        return TRIGGER_EXPIRED
    logger.exception("listener failed", exc_info=error)
    return APOLOGY


@contextmanager
def errors_logged(logger: Logger) -> Iterator[None]:
    """The boundary of a listener that has no one to reply to (an event, a Home button)."""
    try:
        yield
    except PapersError as error:
        logger.warning("%s", error)
    except Exception:
        logger.exception("listener failed")
