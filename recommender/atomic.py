"""Atomic replacement of a directory of index files, shared by the BM25 and dense indexes.

`link_or_copy` carries an unchanged file from the old directory into the new one;
`taking_turns` lets the processes that share a disk replace a directory one at a time.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replace_directory(directory: Path) -> Iterator[Path]:
    """Yield an empty temp sibling of `directory`; when the block succeeds, swap it into place.

    If the block raises (or the process dies) the previous `directory` is untouched, so a
    failed save never leaves a half-written index where readers look. The temp directory
    lives beside the target because a rename is only atomic within one file system.
    """
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{directory.name}."
    staging = Path(tempfile.mkdtemp(prefix=prefix, suffix=".tmp", dir=directory.parent))
    try:
        yield staging
        _sync_tree(staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _swap(staging, directory)


@contextmanager
def taking_turns(directory: Path) -> Iterator[None]:
    """Hold the lock file beside `directory` (processes on one disk update it in turn)."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    with (directory.parent / f".{directory.name}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def link_or_copy(source: Path, target: Path) -> None:
    """Hard-link `source` as `target` (an unchanged file costs no disk), or copy across devices."""
    try:
        os.link(source, target)
    except OSError:  # another file system
        shutil.copy2(source, target)


def _swap(staging: Path, directory: Path) -> None:
    # POSIX cannot rename a directory over a non-empty one, so the old one steps aside first;
    # between the two renames (microseconds) `directory` is absent and a reader gets
    # IndexMissing rather than a mix of old and new files.
    retired = None
    if directory.exists():
        retired = directory.with_name(f".{directory.name}.{uuid.uuid4().hex}.old")
        os.rename(directory, retired)
    os.rename(staging, directory)
    _fsync(directory.parent)
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)


def _sync_tree(root: Path) -> None:
    # Flush file contents before the rename publishes them, so a power cut cannot leave a
    # renamed directory of empty files.
    for path in root.rglob("*"):
        if path.is_file():
            _fsync(path)
    _fsync(root)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
