"""Step 4 on a DuckDB target: parse straight into raw.<table> inside one transaction."""
from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Callable

import duckdb

from customer_intel.errors import first_line
from customer_intel.load.campaign_contacts import is_campaign_file, parse_sql
from customer_intel.load.duckdb_parsing import check_accounting
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
from customer_intel.olist_files import CAMPAIGN_CONTACTS_FILE, RAW_SCHEMA
from customer_intel.profile import Target

# The people of this load (raw.customers is written first, in the same transaction), for the campaign file's check.
KNOWN_PEOPLE_SQL = f"select customer_unique_id from {RAW_SCHEMA}.customers"


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
        if not any(is_campaign_file(checked) for checked in checked_files):  # an empty table, not a missing one
            con.execute(ddl(f"{RAW_SCHEMA}.{CAMPAIGN_CONTACTS_FILE.table_name}", CAMPAIGN_CONTACTS_FILE.columns,
                            DUCKDB_TYPES, replace=True))
        for checked in checked_files:
            started = time.perf_counter()
            table = f"{RAW_SCHEMA}.{checked.spec.table_name}"
            rows_sql, file_rejects_sql = parse_sql(con, checked, KNOWN_PEOPLE_SQL, load_id, loaded_at)
            try:
                con.execute(f"create or replace table {table} as {rows_sql}")
            except duckdb.Error as exc:
                raise checked.parse_error(exc) from None
            rows_loaded = con.execute(f"select count(*) from {table}").fetchone()[0]
            rows_rejected = con.execute(f"insert into {REJECTS_TABLE} {file_rejects_sql}").fetchone()[0]
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
