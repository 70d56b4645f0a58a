"""`papers eval`: measure retrieval (and learning from feedback) on a BEIR collection."""

from __future__ import annotations

import json
from pathlib import Path

import click

from bot.cli.context import Context, bars, friendly_errors
from recommender.eval_collection import Collection, evaluate_collection
from recommender.feedback_eval import FeedbackEvaluation
from recommender.fusion import Fusion


@click.command("eval")
@click.option("--corpus", type=click.Path(exists=True, path_type=Path), required=True)
@click.option("--queries", type=click.Path(exists=True, path_type=Path), required=True)
@click.option("--qrels", type=click.Path(exists=True, path_type=Path), required=True)
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
    work_dir,
    fusion,
    dense_weight,
    feedback_rounds,
    as_json,
):
    """Measure nDCG@10, Recall@100 and MRR@10 of bm25, dense and hybrid on a BEIR collection."""
    result = evaluate_collection(
        Collection(corpus, queries, qrels),
        context.embedder(),
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
