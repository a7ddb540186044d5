"""Byte progress bars on stderr for large files, shown only on a terminal."""
from __future__ import annotations

import sys

from tqdm import tqdm

PROGRESS_MIN_BYTES = 20 * 1024 * 1024


def progress_bar(total_bytes: int, description: str) -> tqdm:
    """A byte progress bar on stderr, shown only for large files on a terminal."""
    hidden = total_bytes < PROGRESS_MIN_BYTES or not sys.stderr.isatty()
    return tqdm(total=total_bytes, desc=description, unit="B", unit_scale=True, leave=False, file=sys.stderr,
                disable=hidden)


class ProgressFile:
    """A file object for copy_expert that advances a progress bar."""

    def __init__(self, fh, progress):
        self._fh = fh
        self._progress = progress

    def read(self, size: int = -1):
        data = self._fh.read(size)
        self._progress.update(len(data))
        return data
