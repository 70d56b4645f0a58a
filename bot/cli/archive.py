"""`papers stats`, `papers index` and `papers search`: what the archive holds, and finding in it."""

from __future__ import annotations

import json

import click

from bot.cli.context import Context, current_engine, friendly_errors, update_index
from recommender.categories import parse_category
from recommender.engine import Filters, Hit


@click.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@friendly_errors
def stats(context: Context, as_json: bool) -> None:
    """How many papers the store holds, by source and primary category."""
    result = context.store.stats()
    if as_json:
        click.echo(json.dumps(result.__dict__, default=str, indent=2))
        return
    click.echo(f"papers: {result.papers}")
    click.echo(f"newest published: {result.newest_published or '-'}")
    click.echo(f"last ingested: {result.last_ingested or '-'}")
    click.echo("by source: " + ", ".join(f"{k} {v}" for k, v in result.by_source.items()))
    top = list(result.by_category.items())[:10]
    click.echo("top categories: " + (", ".join(f"{k} {v}" for k, v in top) or "-"))


@click.command()
@click.option("--rebuild", is_flag=True, help="Start over (after changing the model).")
@click.pass_obj
@friendly_errors
def index(context: Context, rebuild: bool) -> None:
    """Build or update the BM25 and dense indexes from the store."""
    click.echo(update_index(context, rebuild=rebuild))


def _hit_dict(hit: Hit) -> dict:
    return {
        **hit.paper.summary(),
        "score": round(hit.score, 6),
        "bm25": {"score": hit.bm25_score, "rank": hit.bm25_rank},
        "dense": {"score": hit.dense_score, "rank": hit.dense_rank},
    }


@click.command()
@click.argument("query")
@click.option("-k", "--k", default=10, show_default=True, type=click.IntRange(1, 200))
@click.option("--since", help="Published since: 2025-07-01, 7d or 2w.")
@click.option("--category", help="Only papers in this arXiv category, e.g. cs.CL.")
@click.option("--author", help="Only papers with an author whose name contains this.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@friendly_errors
def search(context: Context, query: str, k: int, since, category, author, as_json: bool) -> None:
    """Hybrid search over the archive (BM25 + dense, fused)."""
    category = parse_category(category) if category else None
    filters = Filters(category=category, since=context.since(since), author=author)
    hits = current_engine(context).search(query, k=k, filters=filters)
    if as_json:
        click.echo(json.dumps([_hit_dict(hit) for hit in hits], indent=2))
        return
    if not hits:
        click.echo("No papers match; try fewer filters or broader words.")
    for rank, hit in enumerate(hits, 1):
        paper = hit.paper
        when = paper.published.date().isoformat() if paper.published else "????-??-??"
        mark = " [withdrawn]" if paper.withdrawn else ""
        click.echo(f"{rank:>2}. [{paper.id}] {paper.title}{mark}")
        click.echo(f"    {when}  {', '.join(paper.authors[:3])}  score {hit.score:.3f}")
    if hits:
        total = f"{hits.total}{'' if hits.complete else '+'}"
        click.echo(f"{len(hits)} of the {total} papers that match.")
