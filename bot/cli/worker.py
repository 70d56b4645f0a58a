"""`papers worker`: a delivery process that posts the digests the clock queued.

Run as many as the deliveries need, on any machine that reaches the database and Slack:
each claims one queued delivery at a time (recommender/delivery.py `DeliveryWorker`), so
no digest goes out twice, and one that dies is taken over when its claim runs out.
"""

from __future__ import annotations

import signal
import threading
from collections import Counter

import click

from bot.cli.context import Context, friendly_errors


@click.command()
@click.option("--threads", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Deliveries posted at once by this process.")  # fmt: skip
@click.pass_obj
@friendly_errors
def worker(context: Context, threads: int) -> None:
    """Post the digests the clock queued (PostgreSQL; PAPERS_DELIVERY_THREADS) until stopped."""
    if context.store.engine.dialect.name == "sqlite":
        raise click.ClickException(
            "delivery workers claim digests through PostgreSQL (DATABASE_URL); on SQLite "
            "the clock (`papers scheduler`) posts them itself"
        )
    if not context.uses_slack:
        raise click.ClickException("a worker posts to Slack: set SLACK_BOT_TOKEN or OAuth")
    stop = threading.Event()
    for stopping in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stopping, lambda *_: stop.set())
    workers = context.workers(context.deliverer(), "worker", threads)
    totals: list[Counter] = []
    running = [
        threading.Thread(target=lambda w=w: totals.append(w.run(stop)), name=w.name)
        for w in workers
    ]
    for thread in running:
        thread.start()
    click.echo(f"worker {workers[0].name} and {threads - 1} more thread(s) running; Ctrl-C stops")
    for thread in running:
        thread.join()
    counts = sum(totals, Counter())
    click.echo(
        f"worker stopped: {counts['delivered']} digests in {counts['messages']} messages, "
        f"{counts['failed']} failed"
    )
