"""Fixtures shared by the whole suite."""

from __future__ import annotations

from pathlib import Path

import pytest

import recommender

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLES = Path(recommender.__file__).parent / "samples"


@pytest.fixture
def fixtures_dir() -> Path:
    """Recorded responses: arxiv-api/, oai-pmh/, arxiv-abs/ and hand-written files."""
    return FIXTURES


@pytest.fixture
def samples_dir() -> Path:
    """The five bundled seed digests."""
    return SAMPLES
