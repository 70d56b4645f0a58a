"""`link_shared`: a posted arXiv, alphaXiv or Hugging Face paper link unfurls into a card.

Slack sends the event for links to the manifest's `unfurl_domains`. Links that carry no
arXiv id, and papers that neither the archive holds nor arXiv gives in time, are left as
Slack shows them: nothing is ever posted in the channel about them. A retry of the event
is dropped at the gate (bot/gate.py); unfurling again would only show the same card.

A posted message that links exactly one paper is recorded (`store.messages`), so that a
reaction on it teaches the reactor (bot/listeners/events/reactions.py); with several papers
an emoji could not say which one it is about.
"""

from __future__ import annotations

from logging import Logger

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.cards import fans_of, paper_card
from bot.listeners.replies import acknowledge, errors_logged
from bot.services import Services
from recommender.ids import linked_arxiv_id
from recommender.store.messages import PaperMessage


def answer(
    services: Services, event: dict, context: BoltContext, client: WebClient, logger: Logger
) -> None:
    """Unfurl each paper link of the message whose paper is known (or arrives in time)."""
    with errors_logged(logger):
        links = {link.get("url", ""): linked_arxiv_id(link.get("url", ""))
                 for link in event.get("links", [])}  # fmt: skip
        wanted = {url: paper_id for url, paper_id in links.items() if paper_id}
        papers = services.linked_papers(list(dict.fromkeys(wanted.values())))
        team = context.team_id or context.enterprise_id
        unfurls = {
            url: paper_card(papers[paper_id], fans_of(services.store, team, paper_id))
            for url, paper_id in wanted.items()
            if paper_id in papers
        }
        if not unfurls:
            return
        if event.get("unfurl_id"):  # a link typed in the message composer, not yet posted
            where = {"unfurl_id": event["unfurl_id"], "source": event.get("source", "composer")}
        else:
            where = {"channel": event["channel"], "ts": event["message_ts"]}
        named = set(wanted.values())
        if "ts" in where and len(named) == 1:
            message = PaperMessage(team, where["channel"], where["ts"], named.pop(), "unfurl")
            services.store.messages.record(message, now=services.clock())
        client.chat_unfurl(**where, unfurls=unfurls)


def register(app: App, services: Services) -> None:
    def link_shared(event: dict, context: BoltContext, client: WebClient, logger: Logger) -> None:
        answer(services, event, context, client, logger)

    app.event("link_shared")(ack=acknowledge, lazy=[link_shared])
