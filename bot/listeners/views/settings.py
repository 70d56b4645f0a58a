"""The settings modal's submission: checked, saved, and the Home tab brought up to date;
a change to a channel's digest is kept (for Undo) and announced in the channel.

Unlike other listeners, the ack function does the checking: Slack shows per-field errors
only when they come in the ack itself (`response_action: errors`), within 3 seconds.
Checking and saving are a few milliseconds of local work; the Home tab is updated lazily.
"""

from __future__ import annotations

from logging import Logger

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot import subscriptions
from bot.control_blocks import change_notice, describe_change
from bot.errors import NotAllowed
from bot.listeners.replies import APOLOGY, caller, errors_logged
from bot.sealed import settings_target, unseal
from bot.services import Services
from bot.settings_blocks import DESCRIPTION, SETTINGS_VIEW, FormErrors, read_settings
from bot.show_settings import publish_home
from bot.targets import is_channel_target, user_target

# The context key by which the ack function tells the lazy one that the settings were saved.
SAVED = "papers_settings_saved"
# The context key of a change to a channel's digest to announce: its id and response URL.
ANNOUNCE = "papers_settings_announce"


def check_and_save(
    services: Services, ack: Ack, view: dict, context: BoltContext, logger: Logger
) -> None:
    """Save the submitted settings, or keep the modal open with a message on each bad field."""
    team, user = caller(context)
    try:
        target = settings_target(view["private_metadata"], services.views_key, team=team, user=user)
        current = subscriptions.current(services.store, target)
        wanted = read_settings(view["state"]["values"], current, today=services.today())
        owner = user_target(team, user)
        before = subscriptions.snapshot(services.store, target)
        subscriptions.save(services.store, target, wanted, now=services.clock(), owner=owner)
        announce = _change(services, view, target, owner, before, current, wanted)
    except FormErrors as error:
        ack(response_action="errors", errors=error.errors)
        return
    except NotAllowed as error:
        logger.warning("refused settings of %s submitted by %s", view.get("private_metadata"), user)
        ack(response_action="errors", errors={DESCRIPTION: str(error)})
        return
    except Exception:  # the listener boundary: the person sees an apology, the log the cause
        logger.exception("saving settings failed")
        ack(response_action="errors", errors={DESCRIPTION: APOLOGY})
        return
    # Bolt copies the context to the lazy listener after this function returns.
    context[SAVED] = True
    context[ANNOUNCE] = announce
    ack()


def _change(
    services: Services,
    view: dict,
    target: str,
    changer: str,
    before: dict,
    current: subscriptions.Subscription,
    wanted: subscriptions.Subscription,
) -> dict | None:
    """Keep a change to a channel's digest; what announcing it needs (None: a person's)."""
    if not is_channel_target(target):
        return None
    url = unseal(view["private_metadata"], services.views_key).get("announce")
    summary = describe_change(current, wanted, services.clock())
    change = subscriptions.log_change(
        services.store, target, changer, before, summary, now=services.clock()
    )
    return {"change": change.id, "url": url} if url else None


def announce_change(services: Services, context: BoltContext, logger: Logger) -> None:
    """Tell the channel who changed its digest, with Undo (through the command's URL)."""
    announce = context.get(ANNOUNCE)
    if not announce:
        return
    with errors_logged(logger):
        change = services.store.subscriptions.change(announce["change"])
        response = WebhookClient(announce["url"]).send(
            **change_notice(change), response_type="in_channel", replace_original=False
        )
        if response.status_code != 200:
            logger.warning("could not announce a change in the channel: %s", response.body)


def refresh_home(
    services: Services, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    """Show the new settings in the submitter's Home tab (nothing when they were refused)."""
    if not context.get(SAVED):
        return
    with errors_logged(logger):
        team, user = caller(context)
        publish_home(services, client, team=team, user=user)


def register(app: App, services: Services) -> None:
    def ack_settings(ack: Ack, view: dict, context: BoltContext, logger: Logger) -> None:
        check_and_save(services, ack, view, context, logger)

    def settings_saved(context: BoltContext, client: WebClient, logger: Logger) -> None:
        refresh_home(services, context, client, logger)

    def settings_announced(context: BoltContext, logger: Logger) -> None:
        announce_change(services, context, logger)

    app.view(SETTINGS_VIEW)(ack=ack_settings, lazy=[settings_saved, settings_announced])
