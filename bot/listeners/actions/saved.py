"""The buttons under `/papers saved`: the next page in place, and all as one .bib file.

The file goes to the person's direct message with the app (`files.uploadV2`, which needs
the `files:write` scope): a file holds any number of entries, where a command's replies
hold at most four messages of code blocks, and it is what a reference manager imports.
"""

from __future__ import annotations

from logging import Logger

from slack_bolt import App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.bibtex import bibtex_file
from bot.blocks import SAVED_BIB, SAVED_NEXT, notice
from bot.errors import StaleButton
from bot.listeners.replies import acknowledge, caller, errors_replied, reply
from bot.redraw import saved_page, saved_papers
from bot.services import Services
from bot.targets import user_target

BIB_NAME = "saved-papers.bib"
NO_FILES = (
    "I cannot send files in this workspace: whoever installed the app must reinstall it so "
    "that it may (the `files:write` permission). Until then, the BibTeX is in the code blocks "
    "of `/papers saved`."
)


def next_page(
    services: Services, action: dict, context: BoltContext, respond: Respond, logger: Logger
) -> None:
    """Replace the list with its next page (the presser's own list, whatever the value)."""
    with errors_replied(respond, logger):
        if not action["value"].isdigit():
            raise StaleButton("this button is from an older message; type `/papers saved` again")
        target = user_target(*caller(context))
        first, *bibtex = saved_page(services, target, int(action["value"]))
        reply(respond, first, replace_original=True)
        for message in bibtex:
            reply(respond, message)


def bib_file(
    services: Services,
    context: BoltContext,
    client: WebClient,
    respond: Respond,
    logger: Logger,
) -> None:
    """Send all of the presser's saved papers as one .bib file to their direct message."""
    with errors_replied(respond, logger):
        team, user = caller(context)
        papers = saved_papers(services, services.store.profiles.saved(user_target(team, user)))
        if not papers:
            reply(respond, notice("You have no saved papers yet."))
            return
        direct = client.conversations_open(users=user)["channel"]["id"]
        try:
            client.files_upload_v2(
                channel=direct, filename=BIB_NAME, content=bibtex_file(papers),
                title=f"Your saved papers ({len(papers)})",
            )  # fmt: skip
        except SlackApiError as error:
            if error.response.get("error") not in ("missing_scope", "not_allowed_token_type"):
                raise
            reply(respond, notice(NO_FILES))
            return
        text = f"Sent: your {len(papers)} saved papers as `{BIB_NAME}` in our direct messages."
        reply(respond, notice(text))


def register(app: App, services: Services) -> None:
    def saved_next_page(
        action: dict, context: BoltContext, respond: Respond, logger: Logger
    ) -> None:
        next_page(services, action, context, respond, logger)

    def saved_bib_file(
        context: BoltContext, client: WebClient, respond: Respond, logger: Logger
    ) -> None:
        bib_file(services, context, client, respond, logger)

    app.action(SAVED_NEXT)(ack=acknowledge, lazy=[saved_next_page])
    app.action(SAVED_BIB)(ack=acknowledge, lazy=[saved_bib_file])
