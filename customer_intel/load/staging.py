"""Files parsed by DuckDB into clean CSV (for COPY) or Parquet (for Spark), in a per-process temporary folder."""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from customer_intel.load.campaign_contacts import parse_sql
from customer_intel.load.duckdb_parsing import check_accounting, sql_text
from customer_intel.load.results import CheckedFile

STAGING_PREFIX = "olist_load_pid"


@dataclass
class StagedFile:
    """A file parsed by DuckDB into clean files: CSV ready for COPY, or Parquet for Spark."""

    checked: CheckedFile
    rows_csv: Path
    rejects_csv: Path
    rows_loaded: int
    rows_rejected: int
    seconds: float


def stage_file(parser: duckdb.DuckDBPyConnection, checked: CheckedFile, folder: Path, load_id: str,
               loaded_at: datetime, known_people_sql: str, file_format: str = "csv") -> StagedFile:
    """The file's clean typed rows and its rejects as files in ``folder``: CSV (for COPY) or Parquet (for Spark).
    ``known_people_sql``: the customer_unique_ids of this load, for the campaign file's check."""
    started = time.perf_counter()
    rows_csv = folder / f"{checked.spec.table_name}.{file_format}"
    rejects_csv = folder / f"{checked.spec.table_name}.rejects.{file_format}"
    options = "format csv, header false" if file_format == "csv" else f"format {file_format}"
    rows_sql, rejects_sql = parse_sql(parser, checked, known_people_sql, load_id, loaded_at)
    try:
        rows_loaded = parser.execute(f"copy ({rows_sql}) to {sql_text(str(rows_csv))} ({options})").fetchone()[0]
    except duckdb.Error as exc:
        raise checked.parse_error(exc) from None
    rows_rejected = parser.execute(f"copy ({rejects_sql}) to {sql_text(str(rejects_csv))} ({options})").fetchone()[0]
    check_accounting(checked, rows_loaded, rows_rejected)
    return StagedFile(checked, rows_csv, rejects_csv, rows_loaded, rows_rejected,
                      checked.seconds + time.perf_counter() - started)


def _process_is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def staging_folder() -> tempfile.TemporaryDirectory:
    """A temporary folder named after this process. A killed load cannot remove its own: the next one does."""
    for folder in Path(tempfile.gettempdir()).glob(f"{STAGING_PREFIX}*_*"):
        owner = re.fullmatch(rf"{STAGING_PREFIX}(\d+)_\w+", folder.name)
        if owner and not _process_is_alive(int(owner[1])):
            shutil.rmtree(folder, ignore_errors=True)
    return tempfile.TemporaryDirectory(prefix=f"{STAGING_PREFIX}{os.getpid()}_")
