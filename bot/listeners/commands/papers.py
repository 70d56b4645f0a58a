"""`/papers`: a search (with `--since`, `--cat`, `--author`), `help`, or a subcommand."""

from __future__ import annotations

from logging import Logger

from slack_bolt import App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks import help_message
from bot.listeners.commands import manage
from bot.listeners.replies import acknowledge, caller, errors_replied, reply
from bot.redraw import new_search
from bot.search import SearchRequest, ShowHelp
from bot.services import Services
from bot.subcommands import parse
from bot.targets import user_target

COMMAND = "/papers"


def answer(
    services: Services,
    command: dict,
    context: BoltContext,
    client: WebClient,
    respond: Respond,
    logger: Logger,
) -> None:
    """Parse the command's text and reply with the help, one page of results, or the change."""
    with errors_replied(respond, logger):
        request = parse(command.get("text", ""), today=services.today())
        if isinstance(request, ShowHelp):
            reply(respond, help_message())
        elif isinstance(request, SearchRequest):
            reader = user_target(*caller(context))
            reply(respond, new_search(services, request, reader=reader))
        else:
            manage.answer(services, request, manage.Caller.of(command, context, client, respond))


def register(app: App, services: Services) -> None:
    def papers_command(
        command: dict, context: BoltContext, client: WebClient, respond: Respond, logger: Logger
    ) -> None:
        answer(services, command, context, client, respond, logger)

    app.command(COMMAND)(ack=acknowledge, lazy=[papers_command])
