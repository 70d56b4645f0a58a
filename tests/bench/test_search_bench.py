"""The search bench's entry, as a new user runs it: a fresh clone, a cache folder not there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BENCHMARKS = REPO / "docs" / "BENCHMARKS.md"


def test_the_quick_look_runs_into_a_cache_folder_nothing_created(tmp_path: Path) -> None:
    cache = tmp_path / "not" / "there"
    before = BENCHMARKS.read_text(encoding="utf-8")
    command = [sys.executable, "bench/search_bench.py", "--sizes", "300", "--no-write"]
    command += ["--cache", str(cache), "--queries", "3", "--embed-sample", "4"]
    done = subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, env=os.environ, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "| 300 | " in done.stdout
    assert (
        "Shortened (fewer samples than a full run, so noisier): 3 queries instead of 100; "
        "4 abstracts embedded instead of 256" in done.stdout
    )
    phases = [
        json.loads(line)["phase"] for line in (cache / "phases.jsonl").read_text().splitlines()
    ]
    assert phases == ["embed", "prepare", "build", "search", "baseline"]
    assert BENCHMARKS.read_text(encoding="utf-8") == before  # --no-write
