"""The `## Search speed` section of docs/BENCHMARKS.md, from one run's measurements."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

HEADING = "## Search speed"


# The CPU features that change the model's speed: AVX-512's bfloat16 and VNNI, and AMX.
FEATURES = ("avx2", "avx512f", "avx512_bf16", "avx512_vnni", "amx_bf16", "amx_int8")


def machine() -> str:
    """CPU model, the `FEATURES` it has, cores and RAM, as lscpu and /proc/meminfo say."""
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    model = re.search(r"Model name:\s*(.+)", lscpu)
    listed = re.search(r"Flags:\s*(.+)", lscpu)
    flags = set(listed.group(1).split()) if listed else set()
    has = ", ".join(feature for feature in FEATURES if feature in flags) or "none"
    lacks = ", ".join(feature for feature in FEATURES if feature not in flags)
    mem_kb = int(re.search(r"MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text()).group(1))
    name = model.group(1).strip() if model else "unknown CPU"
    cpu = f"{name} ({has}; no {lacks})" if lacks else f"{name} ({has})"
    return f"{cpu}, {os.cpu_count()} cores, {mem_kb / 2**20:.1f} GiB RAM"


def _ms(latency: dict) -> str:
    return f"{latency['p50']:.1f} / {latency['p95']:.1f}"


def _row(size: int, row: dict) -> str:
    cells = [f"{size:,}"]
    build, add, search, naive = (row.get(name) for name in ("build", "add", "search", "baseline"))
    cells += [f"{build['seconds']:.1f}", f"{build['rss_mb']:,.0f}"] if build else ["-", "-"]
    if add:
        cells += [f"{add['seconds']:.1f} ({add['embed_seconds']:.1f} embedding)"]
        cells += [f"{add['rss_mb']:,.0f}"]
    else:
        cells += ["not run", "-"]
    cells += [_ms(search["latency_ms"]), f"{search['rss_mb']:,.0f}"] if search else ["-", "-"]
    if naive:
        speedup = naive["latency_ms"]["p50"] / search["latency_ms"]["p50"] if search else 0
        recall = naive["recall"]
        cells += [f"{_ms(naive['latency_ms'])} (n={naive['latency_ms']['n']})", f"{speedup:.0f}x"]
        cells += [f"{recall['recall@10']:.3f} / {recall['recall@100']:.3f}"]
    else:
        cells += ["not run", "-", "-"]
    return "| " + " | ".join(cells) + " |"


def _parts(size: int, row: dict) -> str:
    search, naive, build = row.get("search"), row.get("baseline"), row.get("build")
    cells = [f"{size:,}"]
    names = ("embed", "bm25", "dense", "fuse", "by_keys")
    cells += [f"{search['parts_ms'][n]:.1f}" for n in names] if search else ["-"] * 5
    if naive:
        cells += [f"{naive['recall']['hnsw_ms']:.1f}", f"{naive['recall']['exact_ms']:.1f}"]
    else:
        cells += ["-", "-"]
    cells += [f"{search['load_s']:.1f}" if search else "-"]
    cells += [f"{build['index_mb']:,.0f}" if build else "-"]
    return "| " + " | ".join(cells) + " |"


def _embedding(results: dict) -> str:
    embed = results.get("embed")
    if not embed:
        return "Embedding throughput: not measured in this run."
    searches = [(size, row["search"]) for size, row in results["sizes"].items() if "search" in row]
    one_thread = ", ".join(
        f"{search['query_embed_one_thread_ms']:.0f} ms ({int(size):,})" for size, search in searches
    )
    onnx = ", ".join(
        f"{search['query_embed_onnx_ms']:.1f} ms ({int(size):,})"
        for size, search in searches
        if "query_embed_onnx_ms" in search
    )
    cores = os.cpu_count()
    native = "has" if embed["native_bfloat16"] else "has no"
    integer = "has" if embed.get("native_int8") else "has no"
    auto = embed.get("auto", "bfloat16" if embed["native_bfloat16"] else "float32")
    torch_auto = "bfloat16" if embed["native_bfloat16"] else "float32"
    labels = ("int8", "bfloat16", "float32", "bfloat16@128", "float32@128")
    measured = [p for p in labels if f"papers_per_s@1x{p}" in embed]
    speeds = ", ".join(
        f"{embed[f'papers_per_s@{cores}x{p}']:.1f} / {embed[f'papers_per_s@1x{p}']:.1f} in {p}"
        for p in measured
    )
    skipped = "".join(f" {p} not measured: {why}." for p, why in embed.get("skipped", {}).items())
    return (
        f"Embedding throughput, real model ({embed['texts']} SciFact abstracts of "
        f"{embed['mean_wordpieces']:.0f} word pieces on average, batch {embed['batch_size']}; "
        f"256 word pieces read unless @128 says 128), papers/s on {cores} threads / 1: "
        f"{speeds}.{skipped} This CPU {native} native bfloat16 and {integer} native int8 "
        f"products, so `PAPERS_EMBEDDING_PRECISION=auto` (the default) runs {auto} on a "
        f"fresh store; search and add here ran torch's {torch_auto}. Search and add ran the model "
        f"on {results['torch_threads']} thread(s); one query's embedding on 1 thread took "
        f"{one_thread or '-'} (mean of 10), on ONNX Runtime as `papers serve` embeds queries "
        f"{onnx or '-'}."
    )


TARGETS = {100_000: 50.0, 1_000_000: 150.0}  # issue 3: search p95, ms


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _targets(sizes: dict) -> list[str]:
    """Each issue-3 target beside what this run measured."""
    lines = []
    for size, row in sizes.items():
        size = int(size)
        if size in TARGETS and "search" in row:
            p95 = row["search"]["latency_ms"]["p95"]
            lines.append(
                f"- search p95 at {size:,}: {p95:.0f} ms against {TARGETS[size]:.0f} ms: "
                f"{_verdict(p95 <= TARGETS[size])}"
            )
        if "add" in row:
            add = row["add"]
            lines.append(
                f"- adding 1,000 papers at {size:,}: {add['seconds']:.0f} s against 60 s: "
                f"{_verdict(add['seconds'] <= 60)}; without embedding "
                f"{add['seconds'] - add['embed_seconds']:.1f} s"
            )
        if size == 1_000_000:
            peak = max(row[p]["rss_mb"] for p in ("build", "add", "search") if p in row)
            lines.append(
                f"- peak RSS at 1M: {peak:,.0f} MB against 3,072: {_verdict(peak <= 3072)}"
            )
    return lines


def _shortened(results: dict) -> list[str]:
    if not results.get("shortened"):
        return []
    return [f"Shortened (fewer samples than a full run, so noisier): {results['shortened']}.", ""]


def _reruns(results: dict) -> list[str]:
    if not results.get("rerun"):
        return []
    return [
        "Phases run again after that run (the code changed, or the machine was busier), each "
        "with `--phase NAME --size N`, their results replacing the first ones: "
        + "; ".join(results["rerun"])
        + ".",
        "",
    ]


def section(results: dict, command: str) -> str:
    """The markdown section: machine, date, command, the tables, and how to read them."""
    sizes = results["sizes"]
    lines = [
        HEADING,
        "",
        f"Machine: {machine()}. Date: {results['started']}. Load average before/after: "
        f"{results['load_before'][0]:.1f} / {results['load_after'][0]:.1f} "
        "(other work shares these two cores).",
        "",
        f"Command: `{command}` (bench/README.md says what each column measures).",
        "",
        *_shortened(results),
        *_reruns(results),
        "| papers | build s | build RSS MB | add 1,000 s | add RSS MB | search p50 / p95 ms "
        "| search RSS MB | naive p50 / p95 ms | speed-up (p50) | HNSW recall@10 / @100 |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *(_row(int(size), row) for size, row in sizes.items()),
        "",
        "Against the targets of issue 3:",
        "",
        *_targets(sizes),
        "",
        "With a category filter (`--category cs.CL`: each index asked for 1,000 candidates, "
        "then `Store.filter_keys`), p50 / p95 ms: "
        + "; ".join(
            f"{int(size):,}: {_ms(row['search']['filtered_ms'])}"
            for size, row in sizes.items()
            if "filtered_ms" in row.get("search", {})
        )
        + ".",
        "",
        "Where a search's time goes (median ms), and the dense index alone at depth 100:",
        "",
        "| papers | embed query | bm25 | dense | fuse | by_keys | HNSW | exact | load s "
        "| index MB |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *(_parts(int(size), row) for size, row in sizes.items()),
        "",
        _embedding(results),
        "",
        "Build steps (from the indexer's log): "
        + "; ".join(
            f"{int(size):,}: "
            + ", ".join(step for step in row["build"].get("steps", []) if "built in" in step)
            for size, row in sizes.items()
            if row.get("build", {}).get("steps")
        )
        + ".",
        "",
        "Dense vectors: the bulk of every index is synthetic (bench/vectors.py: a random "
        "projection of tf-idf to 384 dimensions), because the real model cannot embed a "
        "million papers in the time of a run here. The real model still runs, and is timed, "
        "for every query and for the 1,000 added papers. HNSW recall is measured on these "
        "synthetic vectors.",
        "",
        "",
    ]
    return "\n".join(lines)


def write(path: Path, text: str, heading: str = HEADING) -> None:
    """Replace the section `heading` of `path` (or append it), leaving the others as they are."""
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    new = pattern.sub(lambda _: text, old) if pattern.search(old) else old.rstrip() + "\n\n" + text
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new, encoding="utf-8")
