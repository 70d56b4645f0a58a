"""papers' library: sources, store, indexes and matching. It never reads the environment."""

from pathlib import Path

SAMPLES_DIR = Path(__file__).parent / "samples"
"""The bundled sample feeds: five real daily digests, used by `papers demo` and the tests."""
