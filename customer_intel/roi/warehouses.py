"""Read-only connections to the warehouse of the dbt target the user selected: a DuckDB file, a PostgreSQL
database or a Spark session (``open_warehouse``). Connection settings come only from the dbt profile
(``customer_intel.profile``); ``customer_intel.roi.marts`` says what is read through them."""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import IO, Any, Protocol

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

    A query's rows travel as CSV (``COPY (query) TO STDOUT``) into a temporary file that pandas' C parser reads
    with a type per column taken from PostgreSQL's own types (``read_postgres_csv``): numbers go straight into
    arrays, never one Python object per value. Reading the per-person rows row by row through the driver kept
    ~1.2 GB more resident at 50× Olist than the frame they end up in (roi.py peaked at 4.3 GB on PostgreSQL).
    """

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

    def has_relation(self, schema: str, name: str) -> bool:
        sql = "select count(*) from information_schema.tables where table_schema = %s and table_name = %s"
        with self.connection.cursor() as cursor:
            cursor.execute(sql, (schema, name))
            return cursor.fetchone()[0] > 0

    def query(self, sql: str) -> pd.DataFrame:
        with self.connection.cursor() as cursor:
            cursor.execute(f"select * from ({sql}) as query limit 0")
            columns = [(description.name, description.type_code) for description in cursor.description]
            with tempfile.TemporaryFile() as rows:
                cursor.copy_expert(f"copy ({sql}) to stdout with (format csv, null '{CSV_NULL}')", rows)
                rows.seek(0)
                return read_postgres_csv(rows, columns)

    def close(self) -> None:
        self.connection.close()


# PostgreSQL type oids (pg_type) and how their CSV text is read.
POSTGRES_BOOLEAN_TYPES = {16}
POSTGRES_INTEGER_TYPES = {20, 21, 23}
POSTGRES_FLOAT_TYPES = {700, 701, 1700}
POSTGRES_DATE_TYPES = {1082, 1114, 1184}
CSV_NULL = r"\N"


def read_postgres_csv(rows: IO[bytes], columns: list[tuple[str, int]]) -> pd.DataFrame:
    """The rows of ``COPY ... TO STDOUT (FORMAT csv, NULL '\\N')`` as a frame, typed by PostgreSQL type oid:
    booleans (nullable), integers (floats when a column has nulls, as pandas does), floats for numeric (a money
    column stays float whatever its values), timestamps for dates, strings for the rest; ``\\N`` is null."""
    names = [name for name, _ in columns]
    kinds = dict(columns)
    dtypes = {name: ("float64" if kinds[name] in POSTGRES_FLOAT_TYPES else "str") for name in names
              if kinds[name] not in POSTGRES_INTEGER_TYPES | POSTGRES_BOOLEAN_TYPES}
    if not rows.read(1):  # no rows: the columns, typed as a row would have typed them
        empty = {**{name: "int64" for name in names if kinds[name] in POSTGRES_INTEGER_TYPES},
                 **{name: "bool" for name in names if kinds[name] in POSTGRES_BOOLEAN_TYPES}, **dtypes}
        frame = pd.DataFrame({name: pd.Series(dtype=empty[name]) for name in names})
    else:
        rows.seek(0)
        frame = pd.read_csv(rows, names=names, header=None, dtype=dtypes, na_values=[CSV_NULL],
                            keep_default_na=False, true_values=["t"], false_values=["f"], encoding="utf-8")
    for name in names:
        if kinds[name] in POSTGRES_DATE_TYPES:
            frame[name] = pd.to_datetime(frame[name])
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
