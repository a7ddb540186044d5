"""Step 4 on a DuckDB target: parse straight into raw.<table> inside one transaction."""
from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Callable

import duckdb

from customer_intel.errors import first_line
from customer_intel.load.duckdb_parsing import check_accounting, parsed_rows_sql, rejects_sql
from customer_intel.load.raw_tables import (
    AUDIT_COLUMNS,
    AUDIT_TABLE,
    DUCKDB_TYPES,
    REJECTS_COLUMNS,
    REJECTS_TABLE,
    audit_row,
    ddl,
)
from customer_intel.load.results import CheckedFile, LoadedFile, LoadError
from customer_intel.olist_files import RAW_SCHEMA
from customer_intel.profile import Target


def load_duckdb(target: Target, checked_files: list[CheckedFile], load_id: str, loaded_at: datetime,
                report: Callable[[LoadedFile], None]) -> list[LoadedFile]:
    path = Path(target.duckdb_path)
    if target.duckdb_path != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path))
    except duckdb.Error as exc:
        raise LoadError(f"cannot open DuckDB warehouse {path}: {first_line(exc)}") from None
    loaded_files = []
    try:
        con.execute("begin transaction")
        con.execute(f"create schema if not exists {RAW_SCHEMA}")
        con.execute(ddl(REJECTS_TABLE, REJECTS_COLUMNS, DUCKDB_TYPES))
        con.execute(ddl(AUDIT_TABLE, AUDIT_COLUMNS, DUCKDB_TYPES))
        for checked in checked_files:
            started = time.perf_counter()
            table = f"{RAW_SCHEMA}.{checked.spec.table_name}"
            try:
                con.execute(f"create or replace table {table} as {parsed_rows_sql(checked)}")
            except duckdb.Error as exc:
                raise checked.parse_error(exc) from None
            rows_loaded = con.execute(f"select count(*) from {table}").fetchone()[0]
            rows_rejected = con.execute(
                f"insert into {REJECTS_TABLE} {rejects_sql(checked, load_id, loaded_at)}").fetchone()[0]
            check_accounting(checked, rows_loaded, rows_rejected)
            loaded = LoadedFile(checked, rows_loaded, rows_rejected,
                                checked.seconds + time.perf_counter() - started)
            loaded_files.append(loaded)
            report(loaded)
        placeholders = ", ".join("?" * len(AUDIT_COLUMNS))
        con.executemany(f"insert into {AUDIT_TABLE} values ({placeholders})",
                        [audit_row(loaded, load_id, loaded_at) for loaded in loaded_files])
        con.execute("commit")
    except duckdb.Error as exc:
        raise LoadError(f"DuckDB warehouse {path}: {first_line(exc)}") from None
    finally:
        con.close()
    return loaded_files
