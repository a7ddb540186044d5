"""What a load reports: the one-line LoadError, a checked file, a loaded file, the whole load."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from customer_intel.errors import first_line
from customer_intel.olist_files import OlistFile


class LoadError(Exception):
    """An expected problem (bad input, unreachable warehouse); the message is one line for the user."""


@dataclass
class CheckedFile:
    """A file that passed the checks, with what the streaming pass measured."""

    spec: OlistFile
    path: Path
    header: list[str]
    records: int
    sha256: str
    size_bytes: int
    line_shifts: list[tuple[int, int]]
    """(record number, first physical line of that record minus its record number), from each change on;
    record 1 is the header, as in DuckDB's rejects table."""
    blank_records: list[int]
    """The record numbers of blank lines (not records, but numbered by DuckDB and ``line_shifts``)."""
    mixes_line_endings: bool
    seconds: float

    def parse_error(self, exc: Exception) -> LoadError:
        hint = " (the file mixes CRLF and LF line endings)" if self.mixes_line_endings else ""
        return LoadError(f"{self.spec.file_name}: DuckDB: {first_line(exc)}{hint}")


@dataclass
class LoadedFile:
    checked: CheckedFile
    rows_loaded: int
    rows_rejected: int
    seconds: float


@dataclass
class LoadResult:
    load_id: str
    files: list[LoadedFile]
