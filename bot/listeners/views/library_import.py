"""The import modal's submission: the pasted library read, its papers added to the seeds.

As for the settings, the ack function does the work: Slack shows a field's error, or the
modal's next view, only when they come in the ack itself, within 3 seconds. An import is
parsing and a few store queries (text seeds are embedded later, when the profile is
prepared), so it fits; the modal then says what was done.
"""

from __future__ import annotations

from logging import Logger

from slack_bolt import Ack, App, BoltContext

from bot.errors import NotAllowed
from bot.listeners.replies import APOLOGY, caller
from bot.sealed import settings_target
from bot.services import Services
from bot.settings_blocks import IMPORT_VIEW, LIBRARY, import_done
from recommender.errors import PapersError
from recommender.importing import import_library


def import_submitted(
    services: Services, ack: Ack, view: dict, context: BoltContext, logger: Logger
) -> None:
    """Import the pasted library, or keep the modal open with what is wrong."""
    team, user = caller(context)
    try:
        target = settings_target(view["private_metadata"], services.views_key, team=team, user=user)
        text = view["state"]["values"][LIBRARY][LIBRARY].get("value") or ""
        report = import_library(services.store, target, text, now=services.clock())
    except NotAllowed as error:
        logger.warning("refused import into %s by %s", view.get("private_metadata"), user)
        ack(response_action="errors", errors={LIBRARY: str(error)})
        return
    except PapersError as error:
        ack(response_action="errors", errors={LIBRARY: f"{error}; nothing was imported."})
        return
    except Exception:  # the listener boundary: the person sees an apology, the log the cause
        logger.exception("importing a library failed")
        ack(response_action="errors", errors={LIBRARY: APOLOGY})
        return
    ack(response_action="update", view=import_done(report.summary()))


def register(app: App, services: Services) -> None:
    def ack_import(ack: Ack, view: dict, context: BoltContext, logger: Logger) -> None:
        import_submitted(services, ack, view, context, logger)

    app.view(IMPORT_VIEW)(ack=ack_import, lazy=[])
