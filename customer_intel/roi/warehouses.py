"""Read-only connections to the warehouse of the dbt target the user selected: a DuckDB file, a PostgreSQL
database or a Spark session (``open_warehouse``). Connection settings come only from the dbt profile
(``customer_intel.profile``); ``customer_intel.roi.marts`` says what is read through them."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from customer_intel.errors import first_line
from customer_intel.profile import PROJECT_ROOT, Target
from customer_intel.roi.errors import RoiError

DBT_HINT = "run dbt build first"


class Warehouse(Protocol):
    """What the reader needs from a database connection."""

    def has_relation(self, schema: str, name: str) -> bool: ...

    def query(self, sql: str) -> pd.DataFrame: ...

    def close(self) -> None: ...


class DuckDBWarehouse:
    """A DuckDB file opened read-only (so it never competes with dbt for the write lock)."""

    def __init__(self, path: Path):
        import duckdb

        if not path.is_file():
            raise RoiError(f"marts: DuckDB file {path} not found: {DBT_HINT}")
        try:
            self.connection = duckdb.connect(str(path), read_only=True)
        except duckdb.Error as exc:
            raise RoiError(f"marts: cannot open DuckDB file {path} ({first_line(exc)}); is dbt still running?") from exc

    def has_relation(self, schema: str, name: str) -> bool:
        sql = "select count(*) from information_schema.tables where table_schema = ? and table_name = ?"
        return self.connection.execute(sql, [schema, name]).fetchone()[0] > 0

    def query(self, sql: str) -> pd.DataFrame:
        return self.connection.execute(sql).df()

    def close(self) -> None:
        self.connection.close()


class PostgresWarehouse:
    """A PostgreSQL database reached with the profile's settings, in one read-only transaction (every mart is read
    from the same snapshot of the database, even while a ``dbt build`` replaces tables).

    Rows travel in chunks of FETCH_ROWS through a server-side cursor and become typed columns chunk by chunk:
    numeric values arrive as floats and dates as pandas timestamps, so the millions of per-person rows never exist
    as Python objects all at once (they would take several times the memory of the frame they end up in).
    """

    FETCH_ROWS = 100_000

    def __init__(self, dsn: dict[str, Any], target_name: str):
        import psycopg2
        import psycopg2.extensions

        try:
            self.connection = psycopg2.connect(connect_timeout=10, **dsn)
        except psycopg2.Error as exc:
            reason = first_line(exc)
            raise RoiError(f"marts: cannot connect to PostgreSQL of target '{target_name}' ({reason})") from exc
        self.connection.set_session(readonly=True, autocommit=False)
        as_float = psycopg2.extensions.new_type(
            psycopg2.extensions.DECIMAL.values, "NUMERIC_AS_FLOAT", lambda value, _cursor: (
                None if value is None else float(value)))
        psycopg2.extensions.register_type(as_float, self.connection)
        self._cursors = 0

    def has_relation(self, schema: str, name: str) -> bool:
        sql = "select count(*) from information_schema.tables where table_schema = %s and table_name = %s"
        with self.connection.cursor() as cursor:
            cursor.execute(sql, (schema, name))
            return cursor.fetchone()[0] > 0

    def query(self, sql: str) -> pd.DataFrame:
        self._cursors += 1
        chunks = []
        with self.connection.cursor(name=f"roi_read_{self._cursors}") as cursor:
            cursor.itersize = self.FETCH_ROWS
            cursor.execute(sql)
            rows = cursor.fetchmany(self.FETCH_ROWS)
            columns = [(description.name, description.type_code) for description in cursor.description]
            while True:
                chunks.append(typed_chunk(rows, columns))
                if len(rows) < self.FETCH_ROWS:
                    break
                rows = cursor.fetchmany(self.FETCH_ROWS)
        return chunks[0] if len(chunks) == 1 else pd.concat(chunks, ignore_index=True)

    def close(self) -> None:
        self.connection.close()


# PostgreSQL type oids (pg_type): dates and timestamps, and the numbers and text that may arrive as None-only object
# columns.
POSTGRES_DATE_TYPES = {1082, 1114, 1184}
POSTGRES_NUMBER_TYPES = {20, 21, 23, 700, 701, 1700}
POSTGRES_TEXT_TYPES = {19, 25, 1042, 1043}


def typed_chunk(rows: list[tuple], columns: list[tuple[str, int]]) -> pd.DataFrame:
    """Rows of a PostgreSQL cursor as a frame whose column types do not depend on the chunk: dates → timestamps,
    numbers and text → numeric and string columns even when a chunk holds only nulls (pandas would leave objects)."""
    frame = pd.DataFrame(rows, columns=[name for name, _ in columns])
    for name, type_code in columns:
        if type_code in POSTGRES_DATE_TYPES:
            frame[name] = pd.to_datetime(frame[name])
        elif type_code in POSTGRES_NUMBER_TYPES and frame[name].dtype == object:
            frame[name] = pd.to_numeric(frame[name])
        elif type_code in POSTGRES_TEXT_TYPES and frame[name].dtype == object:
            frame[name] = frame[name].astype("str")
    return frame


class SparkWarehouse:
    """The profile's spark target (method: session): the SparkSession dbt-spark builds, read-only use.

    Identifiers are double-quoted in this module's SQL, as in standard SQL; Spark reads them so with ANSI mode and
    ``spark.sql.ansi.doubleQuotedIdentifiers`` on, set for this session only.
    """

    def __init__(self, target: Target):
        from customer_intel.spark import SparkError, session

        try:
            self.spark = session(target)
        except SparkError as exc:
            raise RoiError(f"marts: {exc}") from exc
        self.spark.conf.set("spark.sql.ansi.enabled", "true")
        self.spark.conf.set("spark.sql.ansi.doubleQuotedIdentifiers", "true")

    def has_relation(self, schema: str, name: str) -> bool:
        return bool(self.spark.catalog.tableExists(f"`{schema}`.`{name}`"))

    def query(self, sql: str) -> pd.DataFrame:
        frame = self.spark.sql(sql)
        return pd.DataFrame([tuple(row) for row in frame.collect()], columns=frame.columns)

    def close(self) -> None:
        self.spark.stop()


def duckdb_file(target: Target) -> Path:
    """The DuckDB file of ``target``; a relative path is relative to the dbt project, where dbt created it."""
    path = Path(target.duckdb_path)
    return path if path.is_absolute() else PROJECT_ROOT / path


def open_warehouse(target: Target) -> Warehouse:
    """A read-only connection to the target's warehouse."""
    if target.type == "duckdb":
        return DuckDBWarehouse(duckdb_file(target))
    if target.type == "postgres":
        return PostgresWarehouse(target.postgres_dsn(), target.name)
    if target.type == "spark":
        return SparkWarehouse(target)
    raise RoiError(f"profile: target '{target.name}' has type '{target.type}'; roi.py reads duckdb, postgres or spark")
