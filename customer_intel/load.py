"""Load the nine Olist CSV files into schema ``raw`` of the dbt target: validated, bulk, atomic, audited.

Design, in the order a load runs:

1. **Check every file before touching the warehouse.** One streaming pass per file computes the sha256 and byte
   size, decodes it as strict UTF-8 (a byte-order mark is allowed; a NUL byte is not), checks the header against
   the contract in ``olist_files`` (names, quoted or not; the order may differ) and counts the records with
   ``RecordScanner``, a byte-level CSV record counter that follows the csv module's rules (the tests hold it to
   that) at a fraction of its cost. That count is independent of the parser below and is what ``rows_read``
   reports. The pass also notes where multi-line records shift physical line numbers, so that a rejected record is
   reported at the line an editor shows. A missing file, a bad header, invalid UTF-8 (reported with line and byte
   offset) or an empty file (no header line) stops the load: ``LoadError("<file name>: <problem>")``.
   A header-only file is valid and loads an empty table.
2. **Parse with DuckDB, whatever the target**: ``read_csv`` with the contract's columns and types, no sniffing,
   ``"`` as quote and escape, the contract's timestamp format, strict mode and ``store_rejects``. A record that
   does not parse (wrong number of columns, unterminated quote, a value that does not cast) lands in DuckDB's
   rejects table, becomes one row of ``raw.load_rejects`` (physical line, raw text cut at 10,000 characters,
   reasons) and is counted. Both targets therefore keep and reject exactly the same rows. Empty values, quoted or
   not, are NULL. Numbers are doubles (``44.0`` is fine) and zip prefixes text as written (``1529`` stays ``1529``).
3. **Account for every record**: records counted in step 1 = rows loaded + records rejected, else the load stops.
   The two parsers agree on every well-formed file; they can disagree only on stray quote characters, where
   refusing is safer than guessing.
4. **Write everything in one transaction**: the nine tables, the rejects and ``raw.load_audit`` commit together or
   not at all, so a load that fails or is killed leaves the previous load intact. Rejects and audit keep history.

   - DuckDB target: after all checks, the warehouse connection parses straight into
     ``create or replace table raw.<table>`` inside BEGIN … COMMIT (DuckDB views bind by name when queried, so
     dbt's views survive the replacement).
   - PostgreSQL target: after all checks, one transaction creates missing tables (recreating a table only when its
     columns differ from the contract), TRUNCATEs the nine tables (never DROP: dbt's views depend on them) and
     streams each file with ``COPY … FROM STDIN (FORMAT csv, FREEZE)``, then its rejects. The rows come from an
     in-memory DuckDB that writes each file's clean typed rows to a temporary CSV file, one file ahead of COPY.
     TRUNCATE's lock keeps readers waiting until the commit, so FREEZE shows nobody a half-loaded table.
   - Spark target (``customer_intel.spark``): Spark has no transaction spanning tables, so this one is weaker. An
     in-memory DuckDB stages every file's clean typed rows and rejects as Parquet files first (any parse problem
     stops the load before Spark starts); Spark then writes each new table in full beside the old one
     (``raw.<table>__incoming``; for load_rejects and load_audit, their previous rows plus this load's), and only
     when all eleven are written swaps them in (drop old, rename new: a few metastore operations during which a
     reader can see a table missing or a mix of old and new tables). A failure before the swap leaves the
     previous load intact.

A line per table goes to ``out`` as it is written (before the commit) and a final ``committed …`` line after it;
files over 20 MB get a byte progress bar on stderr when stderr is a terminal.
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import os
import re
import shutil
import sys
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import duckdb
import psycopg2
from psycopg2.extras import execute_values
from tqdm import tqdm

from customer_intel.errors import first_line as _first_line
from customer_intel.olist_files import DOUBLE, OLIST_FILES, RAW_SCHEMA, TEXT, TIMESTAMP, TIMESTAMP_FORMAT, OlistFile
from customer_intel.profile import PROJECT_ROOT, Target, load_target

DUCKDB_TYPES = {TEXT: "varchar", DOUBLE: "double", TIMESTAMP: "timestamp"}
POSTGRES_TYPES = {TEXT: "text", DOUBLE: "double precision", TIMESTAMP: "timestamp without time zone"}
PROGRESS_MIN_BYTES = 20 * 1024 * 1024
RAW_TEXT_MAX_CHARS = 10_000
READ_CHUNK_BYTES = 1024 * 1024
UTF8_BOM = codecs.BOM_UTF8
STAGING_PREFIX = "olist_load_pid"

REJECTS_TABLE = f"{RAW_SCHEMA}.load_rejects"
AUDIT_TABLE = f"{RAW_SCHEMA}.load_audit"
REJECTS_COLUMNS = (
    ("load_id", TEXT), ("file_name", TEXT), ("line_number", "bigint"), ("raw_text", TEXT), ("reason", TEXT),
    ("loaded_at", TIMESTAMP),
)
AUDIT_COLUMNS = (
    ("load_id", TEXT), ("file_name", TEXT), ("table_name", TEXT), ("rows_read", "bigint"), ("rows_loaded", "bigint"),
    ("rows_rejected", "bigint"), ("sha256", TEXT), ("size_bytes", "bigint"), ("loaded_at", TIMESTAMP),
    ("seconds", DOUBLE),
)


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
    mixes_line_endings: bool
    seconds: float

    def parse_error(self, exc: Exception) -> LoadError:
        hint = " (the file mixes CRLF and LF line endings)" if self.mixes_line_endings else ""
        return LoadError(f"{self.spec.file_name}: DuckDB: {_first_line(exc)}{hint}")


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


# ---------------------------------------------------------------------------------------------------------------
# 1. Checks
# ---------------------------------------------------------------------------------------------------------------

_LINE_BREAK = re.compile(rb"\r\n|\r|\n")
_QUOTE = ord('"')
_FIELD_STARTS_AFTER = (None, ord(","), ord("\n"), ord("\r"))


class RecordScanner:
    """Counts the records of a CSV file fed as bytes, chunk by chunk, the RFC 4180 way and independently of DuckDB.

    A line break (``\n``, ``\r\n`` or a lone ``\r``) ends a record unless it is inside a quoted value. As in
    Python's csv module, a quote opens a quoted value only at the start of a field, ``""`` inside one is an escaped
    quote, and any other quote is a literal character. Blank lines are not records (DuckDB skips them). It also
    notes where line breaks inside quotes shift physical line numbers.
    """

    def __init__(self) -> None:
        self.line_breaks = 0  # outside quotes: records ended so far, header and blank lines included
        self.blank_lines = 0
        self.line_shifts = [(1, 0)]
        self._shift = 0
        self.line_feeds = 0
        self.crlf_line_feeds = 0
        self._in_quotes = False
        self._just_closed_quotes = False
        self._last_byte = None  # None: start of file, where a field starts
        self._line_has_content = False
        self._held_cr = b""  # a chunk's final \r waits for the next chunk: it may be half of \r\n
        self._has_cr = True
        self._chunk_may_hold_blank_lines = True

    @property
    def mixes_line_endings(self) -> bool:
        return 0 < self.crlf_line_feeds < self.line_feeds

    def feed(self, chunk: bytes) -> None:
        chunk = self._held_cr + chunk
        self._held_cr = b""
        if chunk.endswith(b"\r"):
            chunk, self._held_cr = chunk[:-1], b"\r"
        self.line_feeds += chunk.count(b"\n")
        self._has_cr = b"\r" in chunk  # most files have none: then only \n needs counting
        self.crlf_line_feeds += chunk.count(b"\r\n") if self._has_cr else 0
        self._chunk_may_hold_blank_lines = self._may_hold_blank_lines(chunk)
        for index, part in enumerate(chunk.split(b'"')):
            if index:
                self._quote()
            if part:
                self._scan_inside_quotes(part) if self._in_quotes else self._scan_outside_quotes(part)
                self._last_byte = part[-1]
                self._just_closed_quotes = False

    def _quote(self) -> None:
        if self._in_quotes:  # closes the value, or is the first half of an escaped ""
            self._in_quotes = False
            self._just_closed_quotes = True
        elif self._just_closed_quotes or self._last_byte in _FIELD_STARTS_AFTER:
            self._in_quotes = True
            self._just_closed_quotes = False
        self._line_has_content = True
        self._last_byte = _QUOTE

    def finish(self) -> int:
        """The number of data records (header excluded)."""
        if self._held_cr:
            self._has_cr = self._chunk_may_hold_blank_lines = True
            self._scan_inside_quotes(b"\r") if self._in_quotes else self._scan_outside_quotes(b"\r")
        lines = self.line_breaks + (1 if self._line_has_content else 0)
        return max(lines - self.blank_lines - 1, 0)

    def _line_breaks(self, part: bytes) -> int:
        if not self._has_cr:
            return part.count(b"\n")
        return part.count(b"\n") + part.count(b"\r") - part.count(b"\r\n")

    def _may_hold_blank_lines(self, part: bytes) -> bool:
        if not self._has_cr:
            return b"\n\n" in part
        return b"\n\n" in part or b"\r\r" in part or b"\n\r" in part

    def _scan_inside_quotes(self, part: bytes) -> None:
        breaks = self._line_breaks(part)
        if breaks:
            self._shift += breaks
            next_record = self.line_breaks + 2
            if self.line_shifts[-1][0] == next_record:
                self.line_shifts[-1] = (next_record, self._shift)
            else:
                self.line_shifts.append((next_record, self._shift))

    def _scan_outside_quotes(self, part: bytes) -> None:
        starts_a_line = not self._line_has_content and part[:1] in (b"\n", b"\r")
        if starts_a_line or (self._chunk_may_hold_blank_lines and self._may_hold_blank_lines(part)):
            lines = _LINE_BREAK.split(part)  # slow path, only where blank lines may be
            self.line_breaks += len(lines) - 1
            self.blank_lines += sum(1 for line in lines[1:-1] if not line) + (len(lines) > 1 and starts_a_line)
            self._line_has_content = bool(lines[-1])
            return
        breaks = self._line_breaks(part)
        self.line_breaks += breaks
        self._line_has_content = not breaks or not part.endswith((b"\n", b"\r"))


class _FileProblem(Exception):
    """A reason the file cannot be loaded at all; check_file adds the file name."""


@dataclass
class _FileMeasures:
    sha256: str
    size_bytes: int
    header: list[str] | None
    records: int
    line_shifts: list[tuple[int, int]]
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
                         scanner.mixes_line_endings)


def _progress_bar(total_bytes: int, description: str) -> tqdm:
    """A byte progress bar on stderr, shown only for large files on a terminal."""
    hidden = total_bytes < PROGRESS_MIN_BYTES or not sys.stderr.isatty()
    return tqdm(total=total_bytes, desc=description, unit="B", unit_scale=True, leave=False, file=sys.stderr,
                disable=hidden)


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
        with _progress_bar(size, f"check {spec.file_name}") as progress:
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
                       measures.line_shifts, measures.mixes_line_endings, time.perf_counter() - started)


def check_files(data_dir: Path) -> list[CheckedFile]:
    """All nine files checked, or LoadError for the first one that cannot be loaded."""
    if not data_dir.is_dir():
        raise LoadError(f"data directory {data_dir} does not exist")
    return [check_file(spec, data_dir) for spec in OLIST_FILES]


# ---------------------------------------------------------------------------------------------------------------
# 2./3. Parsing with DuckDB, rejects, accounting
# ---------------------------------------------------------------------------------------------------------------

def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _parsed_rows_sql(checked: CheckedFile) -> str:
    """The file's rows in contract column order and types; unparseable records go to rejects_<table>."""
    types = dict(checked.spec.columns)
    columns = ", ".join(f"{_sql_text(name)}: '{DUCKDB_TYPES[types[name]]}'" for name in checked.header)
    select_list = ", ".join(f'"{name}"' for name in checked.spec.header)
    table = checked.spec.table_name
    return (
        f"select {select_list} from read_csv({_sql_text(str(checked.path))}, columns = {{{columns}}}, "
        "header = true, auto_detect = false, delim = ',', quote = '\"', escape = '\"', "
        f"timestampformat = {_sql_text(TIMESTAMP_FORMAT)}, strict_mode = true, null_padding = false, "
        f"store_rejects = true, rejects_table = 'rejects_{table}', rejects_scan = 'rejects_scan_{table}')"
    )


def _rejects_sql(checked: CheckedFile, load_id: str, loaded_at: datetime) -> str:
    """One row per rejected record of the last parse, in the layout of raw.load_rejects."""
    shift_records = ", ".join(str(record) for record, _ in checked.line_shifts)
    shifts = ", ".join(str(shift) for _, shift in checked.line_shifts)
    return f"""
        with errors_by_type as (
            select
                line as record_number,
                error_type::varchar || ': ' || arg_min(error_message, column_idx) as reason,
                any_value(csv_line) as raw_text
            from rejects_{checked.spec.table_name}
            -- a cast error per column; a wrong column count once per record (DuckDB repeats it per column)
            group by line, error_type, case when error_type = 'CAST' then column_idx end
        ),
        rejected_records as (
            select
                record_number,
                string_agg(reason, '; ' order by reason) as reason,
                any_value(raw_text) as raw_text
            from errors_by_type
            group by record_number
        ),
        line_shifts as (
            select unnest([{shift_records}]) as record_number, unnest([{shifts}]) as shift
        )
        select
            {_sql_text(load_id)} as load_id,
            {_sql_text(checked.spec.file_name)} as file_name,
            rejected_records.record_number + line_shifts.shift as line_number,
            left(ltrim(rejected_records.raw_text, chr(13) || chr(10)), {RAW_TEXT_MAX_CHARS}) as raw_text,
            rejected_records.reason,
            {_sql_text(loaded_at.isoformat(sep=' '))}::timestamp as loaded_at
        from rejected_records
        asof join line_shifts on rejected_records.record_number >= line_shifts.record_number
        order by line_number
    """


def _check_accounting(checked: CheckedFile, rows_loaded: int, rows_rejected: int) -> None:
    if rows_loaded + rows_rejected != checked.records:
        raise LoadError(
            f"{checked.spec.file_name}: record count {checked.records} but DuckDB loaded {rows_loaded} and rejected "
            f"{rows_rejected}; not loading: the two parsers disagree on where records end (a stray quote?)"
        )


def _audit_row(loaded: LoadedFile, load_id: str, loaded_at: datetime) -> tuple:
    checked = loaded.checked
    return (load_id, checked.spec.file_name, checked.spec.table_name, checked.records, loaded.rows_loaded,
            loaded.rows_rejected, checked.sha256, checked.size_bytes, loaded_at, round(loaded.seconds, 3))


def _ddl(table: str, columns, types: dict) -> str:
    column_list = ", ".join(f'"{name}" {types.get(kind, kind)}' for name, kind in columns)
    return f"create table if not exists {table} ({column_list})"


# ---------------------------------------------------------------------------------------------------------------
# 4. Writing: DuckDB target
# ---------------------------------------------------------------------------------------------------------------

def _load_duckdb(target: Target, checked_files: list[CheckedFile], load_id: str, loaded_at: datetime,
                 report: Callable[[LoadedFile], None]) -> list[LoadedFile]:
    path = Path(target.duckdb_path)
    if target.duckdb_path != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path))
    except duckdb.Error as exc:
        raise LoadError(f"cannot open DuckDB warehouse {path}: {_first_line(exc)}") from None
    loaded_files = []
    try:
        con.execute("begin transaction")
        con.execute(f"create schema if not exists {RAW_SCHEMA}")
        con.execute(_ddl(REJECTS_TABLE, REJECTS_COLUMNS, DUCKDB_TYPES))
        con.execute(_ddl(AUDIT_TABLE, AUDIT_COLUMNS, DUCKDB_TYPES))
        for checked in checked_files:
            started = time.perf_counter()
            table = f"{RAW_SCHEMA}.{checked.spec.table_name}"
            try:
                con.execute(f"create or replace table {table} as {_parsed_rows_sql(checked)}")
            except duckdb.Error as exc:
                raise checked.parse_error(exc) from None
            rows_loaded = con.execute(f"select count(*) from {table}").fetchone()[0]
            rows_rejected = con.execute(
                f"insert into {REJECTS_TABLE} {_rejects_sql(checked, load_id, loaded_at)}").fetchone()[0]
            _check_accounting(checked, rows_loaded, rows_rejected)
            loaded = LoadedFile(checked, rows_loaded, rows_rejected,
                                checked.seconds + time.perf_counter() - started)
            loaded_files.append(loaded)
            report(loaded)
        placeholders = ", ".join("?" * len(AUDIT_COLUMNS))
        con.executemany(f"insert into {AUDIT_TABLE} values ({placeholders})",
                        [_audit_row(loaded, load_id, loaded_at) for loaded in loaded_files])
        con.execute("commit")
    except duckdb.Error as exc:
        raise LoadError(f"DuckDB warehouse {path}: {_first_line(exc)}") from None
    finally:
        con.close()
    return loaded_files


# ---------------------------------------------------------------------------------------------------------------
# 4. Writing: PostgreSQL target
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class _StagedFile:
    """A file parsed by DuckDB into clean files: CSV ready for COPY, or Parquet for Spark."""

    checked: CheckedFile
    rows_csv: Path
    rejects_csv: Path
    rows_loaded: int
    rows_rejected: int
    seconds: float


class _ProgressFile:
    """A file object for copy_expert that advances a progress bar."""

    def __init__(self, fh, progress):
        self._fh = fh
        self._progress = progress

    def read(self, size: int = -1):
        data = self._fh.read(size)
        self._progress.update(len(data))
        return data


def _stage_file(parser: duckdb.DuckDBPyConnection, checked: CheckedFile, folder: Path, load_id: str,
                loaded_at: datetime, file_format: str = "csv") -> _StagedFile:
    """The file's clean typed rows and its rejects as files in ``folder``: CSV (for COPY) or Parquet (for Spark)."""
    started = time.perf_counter()
    rows_csv = folder / f"{checked.spec.table_name}.{file_format}"
    rejects_csv = folder / f"{checked.spec.table_name}.rejects.{file_format}"
    options = "format csv, header false" if file_format == "csv" else f"format {file_format}"
    try:
        rows_loaded = parser.execute(
            f"copy ({_parsed_rows_sql(checked)}) to {_sql_text(str(rows_csv))} ({options})"
        ).fetchone()[0]
    except duckdb.Error as exc:
        raise checked.parse_error(exc) from None
    rows_rejected = parser.execute(
        f"copy ({_rejects_sql(checked, load_id, loaded_at)}) to {_sql_text(str(rejects_csv))} ({options})"
    ).fetchone()[0]
    _check_accounting(checked, rows_loaded, rows_rejected)
    return _StagedFile(checked, rows_csv, rejects_csv, rows_loaded, rows_rejected,
                       checked.seconds + time.perf_counter() - started)


def _existing_postgres_columns(cur) -> dict[str, list[tuple[str, str]]]:
    cur.execute(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = %s order by table_name, ordinal_position", (RAW_SCHEMA,))
    columns: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in cur.fetchall():
        columns.setdefault(table, []).append((column, data_type))
    return columns


def _prepare_postgres_tables(cur, notices: list[str]) -> None:
    """Create what is missing; recreate a raw table only when its columns differ from the contract."""
    cur.execute(f"create schema if not exists {RAW_SCHEMA}")
    existing = _existing_postgres_columns(cur)
    for spec in OLIST_FILES:
        expected = [(name, POSTGRES_TYPES[kind]) for name, kind in spec.columns]
        current = existing.get(spec.table_name)
        if current is not None and current != expected:
            cur.execute(f"drop table {RAW_SCHEMA}.{spec.table_name} cascade")
            notices.append(f"{RAW_SCHEMA}.{spec.table_name}: columns differed from the contract; table recreated "
                           "(dependent views dropped: run dbt build)")
        cur.execute(_ddl(f"{RAW_SCHEMA}.{spec.table_name}", spec.columns, POSTGRES_TYPES))
    cur.execute(_ddl(REJECTS_TABLE, REJECTS_COLUMNS, POSTGRES_TYPES))
    cur.execute(_ddl(AUDIT_TABLE, AUDIT_COLUMNS, POSTGRES_TYPES))


def _copy_into_postgres(cur, table: str, columns: list[str], csv_path: Path, freeze: bool) -> int:
    column_list = ", ".join(f'"{name}"' for name in columns)
    options = "format csv, freeze" if freeze else "format csv"
    size = csv_path.stat().st_size
    with open(csv_path, "rb") as fh, _progress_bar(size, f"copy {table}") as progress:
        cur.copy_expert(f"copy {table} ({column_list}) from stdin with ({options})", _ProgressFile(fh, progress),
                        size=READ_CHUNK_BYTES)
    return cur.rowcount


def _process_is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _staging_folder() -> tempfile.TemporaryDirectory:
    """A temporary folder named after this process. A killed load cannot remove its own: the next one does."""
    for folder in Path(tempfile.gettempdir()).glob(f"{STAGING_PREFIX}*_*"):
        owner = re.fullmatch(rf"{STAGING_PREFIX}(\d+)_\w+", folder.name)
        if owner and not _process_is_alive(int(owner[1])):
            shutil.rmtree(folder, ignore_errors=True)
    return tempfile.TemporaryDirectory(prefix=f"{STAGING_PREFIX}{os.getpid()}_")


def _load_postgres(target: Target, checked_files: list[CheckedFile], load_id: str, loaded_at: datetime,
                   report: Callable[[LoadedFile], None], warn: Callable[[str], None]) -> list[LoadedFile]:
    with _staging_folder() as folder, duckdb.connect() as parser, \
            ThreadPoolExecutor(max_workers=1) as stager:
        # DuckDB stages file n+1 (native threads) while PostgreSQL copies file n
        staging = [stager.submit(_stage_file, parser, checked, Path(folder), load_id, loaded_at)
                   for checked in checked_files]
        try:
            return _copy_staged_files(target, staging, load_id, loaded_at, report, warn)
        finally:
            stager.shutdown(cancel_futures=True)


def _copy_staged_files(target: Target, staging: list[Future], load_id: str, loaded_at: datetime,
                       report: Callable[[LoadedFile], None], warn: Callable[[str], None]) -> list[LoadedFile]:
    dsn = target.postgres_dsn()
    try:
        conn = psycopg2.connect(connect_timeout=10, application_name="olist_load_data", **dsn)
    except psycopg2.Error as exc:
        where = f"{dsn['user']}@{dsn['host']}:{dsn['port']}/{dsn['dbname']}"
        raise LoadError(f"cannot connect to PostgreSQL {where}: {_first_line(exc)}") from None
    loaded_files = []
    notices: list[str] = []
    context = "PostgreSQL"
    try:
        with conn, conn.cursor() as cur:
            _prepare_postgres_tables(cur, notices)
            tables = ", ".join(f"{RAW_SCHEMA}.{spec.table_name}" for spec in OLIST_FILES)
            cur.execute(f"truncate {tables}")
            for future in staging:
                staged = future.result()  # a parse problem raises here: the transaction rolls back
                started = time.perf_counter()
                spec = staged.checked.spec
                context = f"{spec.file_name}: PostgreSQL"
                copied = _copy_into_postgres(cur, f"{RAW_SCHEMA}.{spec.table_name}", spec.header, staged.rows_csv,
                                             freeze=True)
                if copied != staged.rows_loaded:
                    raise LoadError(f"{spec.file_name}: PostgreSQL copied {copied} rows, "
                                    f"DuckDB parsed {staged.rows_loaded}")
                if staged.rows_rejected:
                    _copy_into_postgres(cur, REJECTS_TABLE, [name for name, _ in REJECTS_COLUMNS],
                                        staged.rejects_csv, freeze=False)
                staged.rows_csv.unlink()
                loaded = LoadedFile(staged.checked, staged.rows_loaded, staged.rows_rejected,
                                    staged.seconds + time.perf_counter() - started)
                loaded_files.append(loaded)
                report(loaded)
            context = "PostgreSQL"
            execute_values(cur, f"insert into {AUDIT_TABLE} values %s",
                           [_audit_row(loaded, load_id, loaded_at) for loaded in loaded_files])
    except psycopg2.Error as exc:
        raise LoadError(f"{context}: {_first_line(exc)}") from None
    finally:
        conn.close()
    for notice in notices:
        warn(f"load_data: warning: {notice}")
    return loaded_files


# ---------------------------------------------------------------------------------------------------------------
# 4. Writing: Spark target (the Spark side is in customer_intel.spark)
# ---------------------------------------------------------------------------------------------------------------

def _load_spark(target: Target, checked_files: list[CheckedFile], load_id: str, loaded_at: datetime,
                report: Callable[[LoadedFile], None]) -> list[LoadedFile]:
    from customer_intel import spark

    warehouse_dir = target.spark_conf.get("spark.sql.warehouse.dir", "")
    if warehouse_dir and "://" not in warehouse_dir:  # a local folder: create it, as for DuckDB's file
        (PROJECT_ROOT / warehouse_dir).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="olist_load_") as folder, duckdb.connect() as parser:
        staged_files = [_stage_file(parser, checked, Path(folder), load_id, loaded_at, "parquet")
                        for checked in checked_files]
        by_table = {staged.checked.spec.table_name: staged for staged in staged_files}
        loaded_files: list[LoadedFile] = []
        started = time.perf_counter()

        def table_written(table: spark.StagedTable) -> None:
            nonlocal started
            staged = by_table[table.table_name]
            loaded = LoadedFile(staged.checked, staged.rows_loaded, staged.rows_rejected,
                                staged.seconds + time.perf_counter() - started)
            started = time.perf_counter()
            loaded_files.append(loaded)
            report(loaded)

        tables = [spark.StagedTable(staged.checked.spec.table_name, staged.checked.spec.columns, staged.rows_csv,
                                    staged.rows_loaded) for staged in staged_files]
        rejects = [spark.StagedTable(REJECTS_TABLE.split(".")[1], REJECTS_COLUMNS, staged.rejects_csv,
                                     staged.rows_rejected) for staged in staged_files]
        try:
            session = spark.session(target)
            started = time.perf_counter()
            spark.write_raw_tables(session, tables, rejects, AUDIT_COLUMNS,
                                   lambda: [_audit_row(loaded, load_id, loaded_at) for loaded in loaded_files],
                                   table_written)
        except spark.SparkError as exc:
            raise LoadError(str(exc)) from None
        except Exception as exc:  # errors raised inside the JVM (Py4J, AnalysisException) share no base class
            raise LoadError(f"Spark: {spark.describe_error(exc)}") from None
    return loaded_files


# ---------------------------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------------------------

def new_load_id(now: datetime) -> str:
    """The UTC start time to the microsecond: unique per warehouse (loads are serialised) and sortable."""
    return f"{now:%Y%m%dT%H%M%S.%fZ}"


def _print_now(line: str) -> None:
    print(line, flush=True)


def _warn(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def load(data_dir: Path, target_name: str | None = None, out: Callable[[str], None] = _print_now,
         warn: Callable[[str], None] = _warn) -> LoadResult:
    """Check the nine files in ``data_dir`` and load them into schema raw of the dbt target in one transaction.

    Progress lines go to ``out`` as each table is written (before the commit), the final line after it.
    Raises LoadError (or ProfileError) with a one-line message for expected problems; the warehouse is then unchanged.
    """
    return load_into(load_target(target_name), data_dir, out, warn)


def load_into(target: Target, data_dir: Path, out: Callable[[str], None] = _print_now,
              warn: Callable[[str], None] = _warn) -> LoadResult:
    """``load`` into an explicit target (the benchmark uses scratch warehouses)."""
    started = time.perf_counter()
    data_dir = Path(data_dir)
    if target.type not in ("duckdb", "postgres", "spark"):
        raise LoadError(
            f"target '{target.name}' has type '{target.type}'; the loader supports duckdb, postgres and spark")
    loaded_at = datetime.now(timezone.utc).replace(tzinfo=None)
    load_id = new_load_id(loaded_at)

    def report(loaded: LoadedFile) -> None:
        out(f"  {loaded.checked.spec.file_name:<42} {loaded.checked.records:>10,} {loaded.rows_loaded:>10,} "
            f"{loaded.rows_rejected:>9,} {loaded.seconds:>8.2f}")

    checked_files = check_files(data_dir)
    if target.type == "duckdb":
        where = target.duckdb_path
    elif target.type == "spark":
        where = target.spark_conf.get("spark.sql.warehouse.dir", f"method {target.spark_method}")
    else:
        where = "{host}:{port}/{dbname}".format(**target.postgres_dsn())
    out(f"load {load_id}: {data_dir} -> {target.type} target '{target.name}' ({where}), schema {RAW_SCHEMA}")
    out(f"  {'file':<42} {'read':>10} {'loaded':>10} {'rejected':>9} {'seconds':>8}")
    if target.type == "duckdb":
        loaded_files = _load_duckdb(target, checked_files, load_id, loaded_at, report)
    elif target.type == "spark":
        loaded_files = _load_spark(target, checked_files, load_id, loaded_at, report)
    else:
        loaded_files = _load_postgres(target, checked_files, load_id, loaded_at, report, warn)
    rows_loaded = sum(loaded.rows_loaded for loaded in loaded_files)
    rows_rejected = sum(loaded.rows_rejected for loaded in loaded_files)
    out(f"committed load {load_id}: {rows_loaded:,} rows loaded, {rows_rejected:,} rejected, "
        f"{len(loaded_files)} files in {time.perf_counter() - started:.1f} s")
    if rows_rejected:
        warn(f"load_data: warning: {rows_rejected:,} rows rejected; see {REJECTS_TABLE} where load_id = '{load_id}'")
    return LoadResult(load_id, loaded_files)
