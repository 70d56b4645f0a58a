"""`papers eval`: measure retrieval (and learning from feedback) on a BEIR collection, or
the digest's picks on users' libraries."""

from __future__ import annotations

import json
from pathlib import Path

import click

from bot.cli.context import Context, bars, friendly_errors
from recommender.eval_collection import (
    Collection,
    evaluate_collection,
    evaluate_library_collection,
)
from recommender.feedback_eval import FeedbackEvaluation
from recommender.fusion import Fusion


@click.command("eval")
@click.option("--corpus", type=click.Path(exists=True, path_type=Path), required=True)
@click.option("--queries", type=click.Path(exists=True, path_type=Path))
@click.option("--qrels", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--libraries",
    type=click.Path(exists=True, path_type=Path),
    help="Instead of queries: users' libraries (user<TAB>doc<TAB>role, role seed or heldout).",
)
@click.option(
    "--work-dir",
    type=click.Path(path_type=Path),
    help="Keep the collection's store and indexes here to rerun without re-embedding.",
)
@click.option("--fusion", type=click.Choice(["convex", "rrf"]), default=Fusion.method)
@click.option("--dense-weight", type=click.FloatRange(0, 1), default=Fusion.dense_weight)
@click.option(
    "--feedback-rounds",
    type=click.IntRange(0, 20),
    default=0,
    help="Also measure learning from N rounds of simulated feedback (residual nDCG@10).",
)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@friendly_errors
def eval_command(
    context: Context,
    corpus,
    queries,
    qrels,
    libraries,
    work_dir,
    fusion,
    dense_weight,
    feedback_rounds,
    as_json,
):
    """Measure nDCG@10, Recall@100 and MRR@10 of bm25, dense and hybrid on a BEIR collection.

    With --libraries, measure instead the digest's ranking for each user from their seed
    papers alone: nDCG@10, Recall@10 and Recall@50 of their held-out papers.
    """
    if libraries is not None:
        if queries or qrels or feedback_rounds:
            raise click.UsageError("--libraries goes without --queries, --qrels, --feedback-rounds")
        _eval_libraries(context, corpus, libraries, work_dir, Fusion(fusion, dense_weight), as_json)
        return
    if queries is None or qrels is None:
        raise click.UsageError("give --queries and --qrels, or --libraries")
    result = evaluate_collection(
        Collection(corpus, queries, qrels),
        context.embedder(archived=False),
        Fusion(fusion, dense_weight),
        now=context.now(),
        work_dir=work_dir,
        feedback_rounds=feedback_rounds,
        bars=bars(quiet=as_json),
    )
    if result.indexed:
        click.echo(result.indexed, err=True)
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=2))
        return
    retrieval = result.retrieval
    click.echo(f"{'':8}{'nDCG@10':>9}{'R@100':>9}{'MRR@10':>9}")
    for name in ("bm25", "dense", "hybrid"):
        row = getattr(retrieval, name)
        click.echo(f"{name:8}{row['ndcg@10']:>9.4f}{row['recall@100']:>9.4f}{row['mrr@10']:>9.4f}")
    click.echo(
        f"hybrid search latency: p50 {retrieval.latency_ms['p50']} ms, "
        f"p95 {retrieval.latency_ms['p95']} ms"
    )
    if result.feedback:
        _echo_feedback(result.feedback)


def _echo_feedback(learning: FeedbackEvaluation) -> None:
    click.echo("residual nDCG@10 after each feedback round:")
    click.echo(f"{'round':>5}{'feedback':>10}{'no_feedback':>13}{'ratio':>7}{'queries':>9}")
    rows = zip(
        learning.feedback, learning.no_feedback, learning.gains(), learning.queries, strict=True
    )
    for number, (with_it, without, gain, queries) in enumerate(rows):
        click.echo(f"{number:>5}{with_it:>10.4f}{without:>13.4f}{gain:>7.2f}{queries:>9}")


def _eval_libraries(
    context: Context, corpus: Path, libraries: Path, work_dir, fusion: Fusion, as_json: bool
) -> None:
    result = evaluate_library_collection(
        corpus,
        libraries,
        context.embedder(archived=False),
        fusion,
        now=context.now(),
        work_dir=work_dir,
        bars=bars(quiet=as_json),
    )
    if result.indexed:
        click.echo(result.indexed, err=True)
    found = result.libraries
    if as_json:
        click.echo(json.dumps(found.as_dict(), indent=2))
        return
    click.echo(f"{'':8}{'nDCG@10':>9}{'R@10':>9}{'R@50':>9}")
    for name, row in (("ranked", found.ranked), ("mmr", found.diversified)):
        click.echo(
            f"{name:8}{row['ndcg@10']:>9.4f}{row['recall@10']:>9.4f}{row['recall@50']:>9.4f}"
        )
    skipped = f"; {found.skipped} skipped (no seed or no held-out paper)" if found.skipped else ""
    click.echo(f"{found.users} users, {found.ms_per_user} ms a user to rank{skipped}")
