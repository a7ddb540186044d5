"""Step 1: every file checked in one streaming pass (sha256, size, UTF-8, header, records) before any writing."""
from __future__ import annotations

import codecs
import csv
import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

from customer_intel.load.progress import progress_bar
from customer_intel.load.record_scanner import RecordScanner
from customer_intel.load.results import CheckedFile, LoadError
from customer_intel.olist_files import CAMPAIGN_CONTACTS_FILE, OLIST_FILES, OlistFile

READ_CHUNK_BYTES = 1024 * 1024
UTF8_BOM = codecs.BOM_UTF8


class _FileProblem(Exception):
    """A reason the file cannot be loaded at all; check_file adds the file name."""


@dataclass
class _FileMeasures:
    sha256: str
    size_bytes: int
    header: list[str] | None
    records: int
    line_shifts: list[tuple[int, int]]
    blank_records: list[int]
    mixes_line_endings: bool


def _measure(path: Path, progress) -> _FileMeasures:
    """One streaming pass: sha256, size, strict UTF-8, no NUL byte, the header, the records."""
    sha256 = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    scanner = RecordScanner()
    size = line_feeds = 0
    first_text = None
    with open(path, "rb") as fh:
        while chunk := fh.read(READ_CHUNK_BYTES):
            nul = chunk.find(b"\x00")
            if nul >= 0:
                line = line_feeds + chunk.count(b"\n", 0, nul) + 1
                raise _FileProblem(f"NUL byte at line {line}, byte offset {size + nul} (UTF-16? save as UTF-8)")
            pending = decoder.getstate()[0]  # the start of a character cut by the previous chunk
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                data = pending + chunk
                line = line_feeds + data[:exc.start].count(b"\n") + 1
                offset = size - len(pending) + exc.start
                raise _FileProblem(f"not UTF-8 at line {line}, byte offset {offset} (0x{data[exc.start]:02x})")
            if first_text is None:
                first_text = text.lstrip("\ufeff")
            sha256.update(chunk)
            scanner.feed(chunk[len(UTF8_BOM):] if size == 0 and chunk.startswith(UTF8_BOM) else chunk)
            line_feeds += chunk.count(b"\n")
            size += len(chunk)
            progress.update(len(chunk))
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise _FileProblem(f"not UTF-8: truncated character at the end (byte offset {size})") from None
    header = next(csv.reader([first_text.splitlines()[0]]), []) if first_text else None
    return _FileMeasures(sha256.hexdigest(), size, header, scanner.finish(), scanner.line_shifts,
                         scanner.blank_records, scanner.mixes_line_endings)


def _column_list(names) -> str:
    return ", ".join(f"'{name}'" if name else '""' for name in names)


def _header_problem(header: list[str], spec: OlistFile) -> str | None:
    expected = spec.header
    problems = []
    duplicates = sorted({name for name in header if header.count(name) > 1})
    missing = [name for name in expected if name not in header]
    unexpected = [name for name in header if name not in expected]
    if missing:
        problems.append(f"missing column{'s' if len(missing) > 1 else ''} {_column_list(missing)}")
    if unexpected:
        problems.append(f"unexpected column{'s' if len(unexpected) > 1 else ''} {_column_list(unexpected)}")
    if duplicates:
        problems.append(f"duplicate column{'s' if len(duplicates) > 1 else ''} {_column_list(duplicates)}")
    return "header: " + "; ".join(problems) if problems else None


def check_file(spec: OlistFile, data_dir: Path) -> CheckedFile:
    """Measure one file in a single streaming pass; raise LoadError if it cannot be loaded at all."""
    started = time.perf_counter()
    path = data_dir / spec.file_name
    if not path.is_file():
        raise LoadError(f"{spec.file_name}: file not found in {data_dir}")
    size = path.stat().st_size
    try:
        with progress_bar(size, f"check {spec.file_name}") as progress:
            measures = _measure(path, progress)
        if measures.header is None:
            raise _FileProblem("empty file (no header line)")
        if not measures.header:
            raise _FileProblem("the first line is blank (expected the header)")
        problem = _header_problem(measures.header, spec)
        if problem:
            raise _FileProblem(problem)
    except _FileProblem as exc:
        raise LoadError(f"{spec.file_name}: {exc}") from None
    return CheckedFile(spec, path, measures.header, measures.records, measures.sha256, measures.size_bytes,
                       measures.line_shifts, measures.blank_records, measures.mixes_line_endings,
                       time.perf_counter() - started)


def check_files(data_dir: Path) -> list[CheckedFile]:
    """All nine files checked, then the optional campaign file when it is there (always last), or LoadError for the
    first one that cannot be loaded."""
    if not data_dir.is_dir():
        raise LoadError(f"data directory {data_dir} does not exist")
    optional = [CAMPAIGN_CONTACTS_FILE] if (data_dir / CAMPAIGN_CONTACTS_FILE.file_name).exists() else []
    return [check_file(spec, data_dir) for spec in (*OLIST_FILES, *optional)]
