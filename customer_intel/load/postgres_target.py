"""Step 4 on a PostgreSQL target: one transaction that TRUNCATEs the ten tables and COPYs staged files in."""
from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Callable

import duckdb
import psycopg2
from psycopg2.extras import execute_values

from customer_intel.errors import first_line
from customer_intel.load.campaign_contacts import known_people_from_file
from customer_intel.load.file_checks import READ_CHUNK_BYTES
from customer_intel.load.progress import ProgressFile, progress_bar
from customer_intel.load.raw_tables import (
    AUDIT_COLUMNS,
    AUDIT_TABLE,
    POSTGRES_TYPES,
    REJECTS_COLUMNS,
    REJECTS_TABLE,
    audit_row,
    ddl,
)
from customer_intel.load.results import CheckedFile, LoadedFile, LoadError
from customer_intel.load.staging import stage_file, staging_folder
from customer_intel.olist_files import CAMPAIGN_CONTACTS_FILE, OLIST_FILES, RAW_SCHEMA
from customer_intel.profile import Target


def _existing_postgres_columns(cur) -> dict[str, list[tuple[str, str]]]:
    cur.execute(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = %s order by table_name, ordinal_position", (RAW_SCHEMA,))
    columns: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in cur.fetchall():
        columns.setdefault(table, []).append((column, data_type))
    return columns


# The nine tables and raw.campaign_contacts, which is emptied when a load has no campaign file.
RAW_TABLE_SPECS = (*OLIST_FILES, CAMPAIGN_CONTACTS_FILE)


def _prepare_postgres_tables(cur, notices: list[str]) -> None:
    """Create what is missing; recreate a raw table only when its columns differ from the contract."""
    cur.execute(f"create schema if not exists {RAW_SCHEMA}")
    existing = _existing_postgres_columns(cur)
    for spec in RAW_TABLE_SPECS:
        expected = [(name, POSTGRES_TYPES[kind]) for name, kind in spec.columns]
        current = existing.get(spec.table_name)
        if current is not None and current != expected:
            cur.execute(f"drop table {RAW_SCHEMA}.{spec.table_name} cascade")
            notices.append(f"{RAW_SCHEMA}.{spec.table_name}: columns differed from the contract; table recreated "
                           "(dependent views dropped: run dbt build)")
        cur.execute(ddl(f"{RAW_SCHEMA}.{spec.table_name}", spec.columns, POSTGRES_TYPES))
    cur.execute(ddl(REJECTS_TABLE, REJECTS_COLUMNS, POSTGRES_TYPES))
    cur.execute(ddl(AUDIT_TABLE, AUDIT_COLUMNS, POSTGRES_TYPES))


def _copy_into_postgres(cur, table: str, columns: list[str], csv_path: Path, freeze: bool) -> int:
    column_list = ", ".join(f'"{name}"' for name in columns)
    options = "format csv, freeze" if freeze else "format csv"
    size = csv_path.stat().st_size
    with open(csv_path, "rb") as fh, progress_bar(size, f"copy {table}") as progress:
        cur.copy_expert(f"copy {table} ({column_list}) from stdin with ({options})", ProgressFile(fh, progress),
                        size=READ_CHUNK_BYTES)
    return cur.rowcount


def load_postgres(target: Target, checked_files: list[CheckedFile], load_id: str, loaded_at: datetime,
                  report: Callable[[LoadedFile], None], warn: Callable[[str], None]) -> list[LoadedFile]:
    with staging_folder() as folder, duckdb.connect() as parser, \
            ThreadPoolExecutor(max_workers=1) as stager:
        # DuckDB stages file n+1 (native threads) while PostgreSQL copies file n
        known_people = known_people_from_file(checked_files)
        staging = [stager.submit(stage_file, parser, checked, Path(folder), load_id, loaded_at, known_people)
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
        raise LoadError(f"cannot connect to PostgreSQL {where}: {first_line(exc)}") from None
    loaded_files = []
    notices: list[str] = []
    context = "PostgreSQL"
    try:
        with conn, conn.cursor() as cur:
            _prepare_postgres_tables(cur, notices)
            tables = ", ".join(f"{RAW_SCHEMA}.{spec.table_name}" for spec in RAW_TABLE_SPECS)
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
            # Planner statistics now: autovacuum analyses the new rows only a while after the commit, and the
            # dbt build that follows would plan its first views and tests over the raw tables on guesses.
            cur.execute(f"analyze {tables}")
            execute_values(cur, f"insert into {AUDIT_TABLE} values %s",
                           [audit_row(loaded, load_id, loaded_at) for loaded in loaded_files])
    except psycopg2.Error as exc:
        raise LoadError(f"{context}: {first_line(exc)}") from None
    finally:
        conn.close()
    for notice in notices:
        warn(f"load_data: warning: {notice}")
    return loaded_files
