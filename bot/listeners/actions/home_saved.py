"""The Home tab's saved papers: Previous / Next show another page, *Remove* takes a paper off
the presser's list; either publishes the Home tab again."""

from __future__ import annotations

from logging import Logger

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.errors import StaleButton
from bot.listeners.replies import acknowledge, caller, errors_messaged
from bot.services import Services
from bot.settings_blocks import HOME_SAVED_PAGE, HOME_UNSAVE
from bot.show_settings import publish_home
from bot.targets import user_target

_OLD_BUTTON = "this button is from an older Home tab; open the Home tab again"


def page(
    services: Services, action: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    """Publish the presser's Home tab with their saved papers at the button's offset."""
    team, user = caller(context)
    with errors_messaged(client, user, logger):
        offset = _offset(action["value"])
        publish_home(services, client, team=team, user=user, saved_offset=offset)


def remove(
    services: Services, action: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    """Take the paper the button names off the presser's own saved list (whoever's list the
    button was drawn for: the list is the verified presser's), then show the same page."""
    team, user = caller(context)
    with errors_messaged(client, user, logger):
        offset, _, paper_id = action["value"].partition(":")
        if not paper_id:
            raise StaleButton(_OLD_BUTTON)
        offset = _offset(offset)
        # Pressed twice, the second finds nothing to remove: the page is shown all the same.
        services.store.profiles.unsave_paper(user_target(team, user), paper_id)
        publish_home(services, client, team=team, user=user, saved_offset=offset)


def _offset(value: str) -> int:
    if not (value.isdigit() and value.isascii()):
        raise StaleButton(_OLD_BUTTON)
    return int(value)


def register(app: App, services: Services) -> None:
    def saved_page(action: dict, context: BoltContext, client: WebClient, logger: Logger) -> None:
        page(services, action, context, client, logger)

    def unsave(action: dict, context: BoltContext, client: WebClient, logger: Logger) -> None:
        remove(services, action, context, client, logger)

    app.action(HOME_SAVED_PAGE)(ack=acknowledge, lazy=[saved_page])
    app.action(HOME_UNSAVE)(ack=acknowledge, lazy=[unsave])
