"""The two bookkeeping tables beside the nine (raw.load_rejects, raw.load_audit), column types per engine, DDL."""
from __future__ import annotations

from datetime import datetime

from customer_intel.load.results import LoadedFile
from customer_intel.olist_files import DOUBLE, RAW_SCHEMA, TEXT, TIMESTAMP

DUCKDB_TYPES = {TEXT: "varchar", DOUBLE: "double", TIMESTAMP: "timestamp"}
POSTGRES_TYPES = {TEXT: "text", DOUBLE: "double precision", TIMESTAMP: "timestamp without time zone"}

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


def audit_row(loaded: LoadedFile, load_id: str, loaded_at: datetime) -> tuple:
    checked = loaded.checked
    return (load_id, checked.spec.file_name, checked.spec.table_name, checked.records, loaded.rows_loaded,
            loaded.rows_rejected, checked.sha256, checked.size_bytes, loaded_at, round(loaded.seconds, 3))


def ddl(table: str, columns, types: dict, replace: bool = False) -> str:
    column_list = ", ".join(f'"{name}" {types.get(kind, kind)}' for name, kind in columns)
    return f"create {'or replace table' if replace else 'table if not exists'} {table} ({column_list})"
