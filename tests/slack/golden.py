"""Golden Block Kit snapshots: layout changes show up as JSON diffs in review.

To accept a deliberate change, rewrite the snapshots and review the diff:

    PAPERS_UPDATE_GOLDEN=1 pytest tests/slack -p no:cacheprovider
    git diff tests/slack/golden/

Paste a snapshot's `blocks` into Block Kit Builder (app.slack.com/block-kit-builder) to see it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

GOLDEN_DIR = Path(__file__).parent / "golden"


def assert_golden(name: str, message: dict) -> None:
    """`message` equals the snapshot golden/NAME.json (or rewrites it, when asked to)."""
    path = GOLDEN_DIR / f"{name}.json"
    text = json.dumps(message, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if os.environ.get("PAPERS_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no snapshot {path}; create it with PAPERS_UPDATE_GOLDEN=1"
    assert json.loads(text) == json.loads(path.read_text(encoding="utf-8")), (
        f"{name} differs from {path}; if the change is deliberate, see tests/slack/golden.py"
    )
