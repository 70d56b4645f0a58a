"""The search bench's report says what a run left out, and why."""

from __future__ import annotations

import os

from bench import report

CORES = os.cpu_count()


def results(**extra) -> dict:
    embed = {
        "texts": 32,
        "native_bfloat16": False,
        "skipped": {"bfloat16": "no native bfloat16 on this CPU (AVX512-BF16 or AMX)"},
        "batch_size": 16,
        "mean_wordpieces": 298.0,
        "papers_per_s@1xfloat32": 10.0,
        f"papers_per_s@{CORES}xfloat32": 18.0,
    }
    return {
        "sizes": {},
        "started": "2026-12-03T11:20:10+00:00",
        "load_before": (0.5, 0.5, 0.5),
        "load_after": (0.7, 0.5, 0.5),
        "torch_threads": CORES,
        "embed": embed,
        **extra,
    }


def test_a_precision_the_cpu_lacks_is_said_to_be_skipped_and_why() -> None:
    text = report.section(results(), "python bench/search_bench.py --sizes 10000")

    assert "bfloat16 not measured: no native bfloat16 on this CPU (AVX512-BF16 or AMX)." in text
    assert "This CPU has no native bfloat16 and has no native int8 products" in text
    assert "in bfloat16" not in text  # no speed for what was not timed


def test_int8_where_the_cpu_has_it_is_what_auto_runs_on_a_fresh_store() -> None:
    run = results()
    run["embed"].update({"native_int8": True, "auto": "int8", "papers_per_s@1xint8": 21.0})
    run["embed"][f"papers_per_s@{CORES}xint8"] = 40.0

    text = report.section(run, "command")

    assert "40.0 / 21.0 in int8" in text
    assert (
        "has native int8 products, so `PAPERS_EMBEDDING_PRECISION=auto` (the default) runs "
        "int8 on a fresh store; search and add here ran torch's float32"
    ) in text


def test_a_shortened_run_says_what_it_measured_less_of() -> None:
    shortened = "30 queries instead of 100; 32 abstracts embedded instead of 256"

    assert f"Shortened (fewer samples than a full run, so noisier): {shortened}." in (
        report.section(results(shortened=shortened), "command")
    )
    assert "Shortened" not in report.section(results(shortened=""), "command")
