"""Write the per-person predictions back into the warehouse: ``<schema>.customer_predictions``.

roi.py computes one row per person (the columns of ``COLUMNS``, in any order) and calls
``write_customer_predictions(target, frame)``; BI tools and reverse ETL read the table, and dbt declares it as the
source ``predictions`` (``models/marts/marketing/_predictions__sources.yml``) whose tests ``dbt test --select
source:predictions`` runs. The schema is dbt var ``predictions_schema`` (``dbt_project.yml``, default
``predictions``), read from that file so that dbt and roi.py agree; connection settings come only from the dbt
profile, as for the marts (``customer_intel.roi.marts``).

The frame is checked before anything touches the warehouse: exactly the contract's columns, a value in every column
but the three nullable ones, one row per ``customer_unique_id``. Values are cast to the contract's types (text, date,
double) by DuckDB, the same casts on every engine; a value that does not fit its type stops the write with one line.
Rows are written in ``customer_unique_id`` order.

The table is replaced in full, never appended to, and never left half-written:

- DuckDB: the file opened read-write (after roi.py has closed its read-only connection), one transaction that
  creates the schema if needed, replaces the table and inserts the typed rows; any failure rolls back to the old
  table.
- PostgreSQL: one transaction. When the table exists with the contract's columns it is truncated and the rows are
  COPYed in (grants, indexes, comments and views on it survive; readers wait for the commit, i.e. for the length of
  the COPY, then see the new rows);
  otherwise the rows are COPYed into ``customer_predictions__new``, which then replaces the old table (drop, rename,
  primary key). Then ANALYZE, and commit: a failure anywhere rolls back to the old table. Statements wait at most
  ``LOCK_TIMEOUT`` for a reader's lock.
- Spark has no transaction spanning tables: the rows are written in full as ``customer_predictions__incoming`` and
  then swapped in (drop the old table, rename), as the loader does for the raw tables (``customer_intel.spark``). A
  failure before the swap leaves the previous table as it was (and drops the incoming one); between the drop and the
  rename, well under a second, a reader can find the table missing. The SparkSession is the one dbt-spark's session
  method builds (``customer_intel.spark.session``); roi.py has stopped its own by then, so a new one starts in the
  same process, and it is stopped again after the write unless it was already running.

Problems with the warehouse (cannot connect, permission denied, a file locked by dbt) become one line, ``warehouse:
cannot write <schema>.customer_predictions (...); run roi.py with --no-write-back to skip the write``; problems with
the frame one line starting ``predictions:``. Both are ``RoiError``.
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import duckdb
import numpy as np
import pandas as pd

from customer_intel.errors import first_line
from customer_intel.load.duckdb_parsing import sql_text
from customer_intel.profile import ProfileError, Target, project_var
from customer_intel.roi.errors import RoiError
from customer_intel.roi.marts import quote
from customer_intel.roi.warehouses import duckdb_file

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import SparkSession

TABLE = "customer_predictions"
KEY = "customer_unique_id"
STRING, DATE, DOUBLE = "string", "date", "double"
COLUMNS: tuple[tuple[str, str], ...] = (
    ("customer_unique_id", STRING),
    ("rfm_segment", STRING),
    ("as_of_date", DATE),
    ("model", STRING),
    ("spend_model", STRING),
    ("p_alive", DOUBLE),
    ("p_purchase_30d", DOUBLE),
    ("p_purchase_90d", DOUBLE),
    ("p_purchase_365d", DOUBLE),
    ("expected_purchases_12m", DOUBLE),
    ("expected_spend_per_purchase", DOUBLE),
    ("predicted_clv_12m", DOUBLE),
    ("churn_risk", STRING),
    ("expected_next_purchase_date", DATE),
    ("avg_days_between_purchases", DOUBLE),
)
"""The column contract, in table order: (name, kind)."""
COLUMN_NAMES = tuple(name for name, _ in COLUMNS)
NULLABLE = frozenset({"p_alive", "expected_next_purchase_date", "avg_days_between_purchases"})
"""The only columns that may hold nulls (no P(alive) in the segment-rates model; one-time buyers have no gaps)."""
ENGINE_TYPES: dict[str, dict[str, str]] = {
    "duckdb": {STRING: "varchar", DATE: "date", DOUBLE: "double"},
    "postgres": {STRING: "text", DATE: "date", DOUBLE: "double precision"},
    "spark": {STRING: "string", DATE: "date", DOUBLE: "double"},
}
NEW_SUFFIX = "__new"  # PostgreSQL: the replacement table, before it is renamed into place
INCOMING_SUFFIX = "__incoming"  # Spark: the replacement table, as the loader names its raw ones
LOCK_TIMEOUT = "60s"  # PostgreSQL: how long the write waits for readers' locks before giving up with one line
SKIP_HINT = "run roi.py with --no-write-back to skip the write"
FRAME_VIEW = "customer_predictions_frame"


def column_names() -> tuple[str, ...]:
    """The table's column names, in order."""
    return COLUMN_NAMES


def qualified_name(schema: str | None = None) -> str:
    """``<schema>.customer_predictions`` (schema: var ``predictions_schema`` unless given), for messages."""
    return f"{schema or predictions_schema()}.{TABLE}"


def predictions_schema() -> str:
    """The schema of ``customer_predictions``: dbt var ``predictions_schema`` as ``dbt_project.yml`` sets it."""
    try:
        schema = project_var("predictions_schema")
    except ProfileError as exc:
        raise RoiError(str(exc)) from None
    if not isinstance(schema, str) or not schema.strip():
        raise RoiError(f"dbt_project.yml: var 'predictions_schema' must be a schema name, got {schema!r}")
    return schema


def check_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame``'s columns in contract order, after checking columns, required values and the key; else RoiError."""
    if not isinstance(frame, pd.DataFrame):
        raise RoiError(f"predictions: expected a pandas DataFrame, got {type(frame).__name__}")
    present = [str(column) for column in frame.columns]
    missing = [name for name in COLUMN_NAMES if name not in present]
    unexpected = [name for name in dict.fromkeys(present) if name not in COLUMN_NAMES or present.count(name) > 1]
    if missing or unexpected:
        parts = [f"missing: {', '.join(missing)}"] if missing else []
        parts += [f"unexpected or repeated: {', '.join(unexpected)}"] if unexpected else []
        raise RoiError(f"predictions: the frame's columns differ from the {TABLE} contract ({'; '.join(parts)})")
    rows = _contiguous(frame.loc[:, list(COLUMN_NAMES)].reset_index(drop=True))
    nulls = {name: int(rows[name].isna().sum()) for name in COLUMN_NAMES if name not in NULLABLE}
    nulls = {name: count for name, count in nulls.items() if count}
    if nulls:
        listed = ", ".join(f"{name} ({count:,} rows)" for name, count in nulls.items())
        raise RoiError(f"predictions: nulls in columns that must always have a value: {listed}")
    if not rows[KEY].is_monotonic_increasing:  # roi.py's predictions come sorted; a copy only for other frames
        rows = rows.sort_values(KEY, ignore_index=True)
    # Sorted, a repeated key sits next to itself: found without a hash table over millions of ids.
    keys = rows[KEY].to_numpy()
    repeated = keys[1:][keys[1:] == keys[:-1]]
    if len(repeated):
        raise RoiError(f"predictions: {KEY} must be unique; {len(repeated):,} repeated "
                       f"row{'' if len(repeated) == 1 else 's'} (first: {repeated[0]!r})")
    return rows


def _contiguous(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` with every column in contiguous memory. DuckDB 1.5 cannot scan a pandas 3 column that is a view
    with a negative stride (as ``frame[::-1]`` gives); only such columns are copied."""
    rows = rows.copy(deep=False)
    for name in rows.columns:
        values = np.asarray(rows[name].array)
        if not values.flags["C_CONTIGUOUS"]:
            rows[name] = np.ascontiguousarray(values)
    return rows


def write_customer_predictions(target: Target, frame: pd.DataFrame, schema: str | None = None) -> int:
    """Replace ``<schema>.customer_predictions`` (schema: var ``predictions_schema``) in ``target``'s warehouse
    with ``frame``'s rows, atomically where the engine allows (see the module's docstring); the rows written."""
    rows = check_frame(frame)
    schema = schema or predictions_schema()
    writers: dict[str, Callable[[Target, pd.DataFrame, str], int]] = {
        "duckdb": _write_duckdb, "postgres": _write_postgres, "spark": _write_spark,
    }
    if target.type not in writers:
        raise RoiError(f"profile: target '{target.name}' has type '{target.type}'; the predictions table is written "
                       "to duckdb, postgres or spark")
    return writers[target.type](target, rows, schema)


def cannot_write(schema: str, reason: str) -> RoiError:
    """The one-line error for a warehouse that does not take the write."""
    return RoiError(f"warehouse: cannot write {schema}.{TABLE} ({reason}); {SKIP_HINT}")


def type_error(exc: BaseException) -> RoiError:
    """The one-line error for a value that does not fit its column's type."""
    return RoiError(f"predictions: a value does not fit its column's type ({first_line(exc)})")


def ddl_columns(engine: str) -> str:
    """``"name" type [not null], ...`` for a CREATE TABLE on DuckDB or PostgreSQL (Spark: casts, no DDL)."""
    types = ENGINE_TYPES[engine]
    return ", ".join(f"{quote(name)} {types[kind]}{'' if name in NULLABLE else ' not null'}" for name, kind in COLUMNS)


def typed_rows_sql(relation: str) -> str:
    """DuckDB: ``relation``'s rows cast to the contract's types, in contract column order, in the order of the
    rows (check_frame's: key order; DuckDB preserves it without an ORDER BY, which would hold every row at once)."""
    casts = ",\n    ".join(f"cast({quote(name)} as {ENGINE_TYPES['duckdb'][kind]}) as {quote(name)}"
                           for name, kind in COLUMNS)
    return f"select\n    {casts}\nfrom {relation}"


def stage(rows: pd.DataFrame, folder: Path, file_format: str) -> Path:
    """The typed rows as a CSV file (for COPY: NULL unquoted empty, empty text quoted) or a Parquet file (Spark)."""
    path = folder / f"{TABLE}.{file_format}"
    options = "format csv, header false" if file_format == "csv" else f"format {file_format}"
    with duckdb.connect() as con:
        try:
            con.register(FRAME_VIEW, rows)
            con.execute(f"copy ({typed_rows_sql(FRAME_VIEW)}) to {sql_text(str(path))} ({options})")
        except duckdb.ConversionException as exc:
            raise type_error(exc) from None
        except duckdb.Error as exc:
            raise RoiError(f"predictions: cannot convert the frame's rows ({first_line(exc)})") from None
    return path


# --- DuckDB --------------------------------------------------------------------------------------------------------

def _write_duckdb(target: Target, rows: pd.DataFrame, schema: str) -> int:
    path = duckdb_file(target)
    if not path.is_file():
        raise cannot_write(schema, f"DuckDB file {path} not found: run dbt build first")
    try:
        con = duckdb.connect(str(path))
    except duckdb.Error as exc:
        raise cannot_write(schema, f"{first_line(exc)}; is dbt running on it?") from None
    relation = f"{quote(schema)}.{quote(TABLE)}"
    try:
        con.register(FRAME_VIEW, rows)
        con.execute("begin transaction")
        con.execute(f"create schema if not exists {quote(schema)}")
        con.execute(f"create or replace table {relation} ({ddl_columns('duckdb')})")
        con.execute(f"insert into {relation} {typed_rows_sql(FRAME_VIEW)}")
        written = con.execute(f"select count(*) from {relation}").fetchone()[0]
        if written != len(rows):
            raise cannot_write(schema, f"DuckDB wrote {written:,} rows of {len(rows):,}")
        con.execute("commit")
    except (duckdb.Error, RoiError) as exc:
        _rollback(con)
        if isinstance(exc, RoiError):
            raise
        if isinstance(exc, duckdb.ConversionException):
            raise type_error(exc) from None
        raise cannot_write(schema, first_line(exc)) from None
    finally:
        con.close()
    return written


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.execute("rollback")
    except duckdb.Error:
        pass  # no transaction open (it failed before begin): nothing to undo


# --- PostgreSQL ----------------------------------------------------------------------------------------------------

def _postgres_columns(cur, schema: str, table: str) -> list[tuple[str, str]]:
    cur.execute("select column_name, data_type from information_schema.columns "
                "where table_schema = %s and table_name = %s order by ordinal_position", (schema, table))
    return [(name, data_type) for name, data_type in cur.fetchall()]


def _write_postgres(target: Target, rows: pd.DataFrame, schema: str) -> int:
    import psycopg2

    with tempfile.TemporaryDirectory(prefix="olist_predictions_") as folder:
        csv_path = stage(rows, Path(folder), "csv")
        try:
            conn = psycopg2.connect(connect_timeout=10, application_name="olist_roi_predictions",
                                    **target.postgres_dsn())
        except psycopg2.Error as exc:
            raise cannot_write(schema, f"cannot connect to PostgreSQL of target '{target.name}': "
                                       f"{first_line(exc)}") from None
        try:
            conn.set_client_encoding("UTF8")
            with conn, conn.cursor() as cur:
                return _replace_postgres_table(cur, schema, csv_path, len(rows))
        except psycopg2.Error as exc:
            raise cannot_write(schema, first_line(exc)) from None
        finally:
            conn.close()


def _replace_postgres_table(cur, schema: str, csv_path: Path, expected: int) -> int:
    """Inside the caller's transaction: the schema if missing, the rows in place of the old ones, statistics."""
    types = ENGINE_TYPES["postgres"]
    table = f"{quote(schema)}.{quote(TABLE)}"
    cur.execute(f"set local lock_timeout = '{LOCK_TIMEOUT}'")
    cur.execute("select count(*) from pg_namespace where nspname = %s", (schema,))
    if cur.fetchone()[0] == 0:  # CREATE SCHEMA IF NOT EXISTS would need the right to create schemas even so
        cur.execute(f"create schema {quote(schema)}")
    in_place = _postgres_columns(cur, schema, TABLE) == [(name, types[kind]) for name, kind in COLUMNS]
    if in_place:
        cur.execute(f"truncate {table}")
        written = _copy(cur, table, csv_path)
    else:
        new = f"{quote(schema)}.{quote(TABLE + NEW_SUFFIX)}"
        cur.execute(f"drop table if exists {new}")
        cur.execute(f"create table {new} ({ddl_columns('postgres')})")
        written = _copy(cur, new, csv_path)
        cur.execute(f"drop table if exists {table}")
        cur.execute(f"alter table {new} rename to {quote(TABLE)}")
        cur.execute(f"alter table {table} add constraint {quote(TABLE + '_pkey')} primary key ({quote(KEY)})")
    if written != expected:
        raise cannot_write(schema, f"PostgreSQL copied {written:,} rows of {expected:,}")
    cur.execute(f"analyze {table}")
    return written


def _copy(cur, table: str, csv_path: Path) -> int:
    columns = ", ".join(quote(name) for name in COLUMN_NAMES)
    with open(csv_path, "rb") as fh:
        cur.copy_expert(f"copy {table} ({columns}) from stdin with (format csv)", fh)
    return cur.rowcount


# --- Spark ---------------------------------------------------------------------------------------------------------

def _spark_name(*parts: str) -> str:
    return ".".join("`" + part.replace("`", "``") + "`" for part in parts)


def _write_spark(target: Target, rows: pd.DataFrame, schema: str) -> int:
    from customer_intel.spark import SparkError, describe_error, session

    with tempfile.TemporaryDirectory(prefix="olist_predictions_") as folder:
        parquet = stage(rows, Path(folder), "parquet")
        try:
            from pyspark.sql import SparkSession

            already_running = SparkSession.getActiveSession() is not None
        except ImportError:
            already_running = False
        try:
            spark = session(target)
        except SparkError as exc:
            raise cannot_write(schema, str(exc)) from None
        try:
            return _replace_spark_table(spark, schema, parquet, len(rows))
        except RoiError:
            raise
        except Exception as exc:  # Py4J and AnalysisException share no useful base class
            raise cannot_write(schema, describe_error(exc)) from None
        finally:
            if not already_running:
                spark.stop()


def _replace_spark_table(spark: "SparkSession", schema: str, parquet: Path, expected: int) -> int:
    table, incoming = _spark_name(schema, TABLE), _spark_name(schema, TABLE + INCOMING_SUFFIX)
    types = ENGINE_TYPES["spark"]
    spark.sql(f"create database if not exists {_spark_name(schema)}")
    spark.sql(f"drop table if exists {incoming}")
    try:
        typed = spark.read.parquet(parquet.resolve().as_uri()).selectExpr(
            *(f"cast(`{name}` as {types[kind]}) as `{name}`" for name, kind in COLUMNS))
        # One file, in key order (coalesce keeps the sort's order; the table is small next to the marts).
        typed.orderBy(KEY).coalesce(1).write.format("parquet").saveAsTable(incoming)
        written = spark.table(incoming).count()
        if written != expected:
            raise cannot_write(schema, f"Spark wrote {written:,} rows of {expected:,}")
    except BaseException:
        spark.sql(f"drop table if exists {incoming}")
        raise
    spark.sql(f"drop table if exists {table}")
    spark.sql(f"alter table {incoming} rename to {table}")
    return written
