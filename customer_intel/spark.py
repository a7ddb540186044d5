"""Spark from Python for the dbt profile's spark target: the SparkSession dbt-spark builds, and the raw tables.

dbt-spark's ``method: session`` runs Spark inside the dbt process, as ``SparkSession.builder.enableHiveSupport()``
configured with the target's ``server_side_parameters``. The loader and roi.py build exactly that session from the
same profile (``customer_intel.profile``; no second copy of any setting), so the three of them, run one after the
other, share one catalog: with the profile's defaults an embedded Derby metastore and Parquet table files under
``SPARK_WAREHOUSE_DIR``. Embedded Derby admits one process at a time, so a loader, dbt and roi.py on the same
warehouse must run one after another (as ``make demo`` and the tests do), never at the same time.

Relative paths in the profile are relative to the project root, as for DuckDB's file: the Spark JVM is started
there (dbt runs there too).

Only ``method: session`` can be driven from Python. A ``thrift``/``http`` target points dbt at a cluster (Spark
Thrift Server, Databricks) whose raw tables are loaded by that platform's tools; see the README.

PySpark is an optional dependency (``pip install -e ".[spark]"``): it is imported only when a session is built.
"""
from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Sequence

from customer_intel.errors import first_line
from customer_intel.olist_files import DOUBLE, RAW_SCHEMA, TEXT, TIMESTAMP
from customer_intel.profile import PROJECT_ROOT, Target

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import SparkSession

SPARK_TYPES = {TEXT: "string", DOUBLE: "double", TIMESTAMP: "timestamp_ntz", "bigint": "bigint"}
INCOMING_SUFFIX = "__incoming"
"""New raw tables are written as ``raw.<table>__incoming`` and renamed into place once every one is written."""


class SparkError(Exception):
    """Spark cannot be used for this target; the message is one line for the user."""


@contextlib.contextmanager
def _working_directory(folder: Path) -> Iterator[None]:
    previous = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(previous)


def session(target: Target) -> "SparkSession":
    """The SparkSession dbt-spark's session method builds for ``target`` (created, or the one already running)."""
    if target.type != "spark":
        raise SparkError(f"target '{target.name}' has type '{target.type}', not spark")
    if target.spark_method != "session":
        raise SparkError(
            f"target '{target.name}' uses method '{target.spark_method}'; from Python only method: session works "
            "(point its spark.master and metastore settings at the cluster instead)")
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SparkError(
            f"target '{target.name}' needs PySpark: pip install -e '.[spark]' (and Java 17)") from None
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in target.spark_conf.items():
        builder = builder.config(key, value)
    # The JVM starts here and keeps this working directory: relative paths resolve against the project root.
    with _working_directory(PROJECT_ROOT):
        try:
            spark = builder.getOrCreate()
        except Exception as exc:  # Py4J and JVM start-up errors share no useful base class
            raise SparkError(f"cannot start Spark for target '{target.name}': {first_line(exc)}") from None
        try:
            spark.sql("show databases").collect()  # opens the metastore now, for a clear message if it cannot
        except Exception as exc:
            raise SparkError(
                f"cannot open the Spark catalog of target '{target.name}' ({first_line(exc)}); an embedded Derby "
                "metastore admits one process at a time: is dbt, load_data.py or roi.py running on it?") from None
    return spark


describe_error = first_line
"""One line describing an error raised by Spark or Py4J, for messages to the user."""


def ddl_schema(columns: Sequence[tuple[str, str]]) -> str:
    """Columns of the file contract as a Spark DDL schema: ``a string, b double, c timestamp_ntz``."""
    return ", ".join(f"`{name}` {SPARK_TYPES.get(kind, kind)}" for name, kind in columns)


@dataclass(frozen=True)
class StagedTable:
    """A raw table's rows, parsed and typed by the loader, in a Parquet file Spark can read."""

    table_name: str
    columns: tuple[tuple[str, str], ...]
    parquet: Path
    rows: int


def _read_parquet(spark: "SparkSession", staged: StagedTable):
    """The staged rows with the contract's column types. The staged files are on the driver's disk: right for
    local[...] masters; a cluster's executors need the staging folder on a file system they share (see README)."""
    columns = [f"cast(`{name}` as {SPARK_TYPES.get(kind, kind)}) as `{name}`" for name, kind in staged.columns]
    return spark.read.parquet(staged.parquet.resolve().as_uri()).selectExpr(*columns)


def _with_history(spark: "SparkSession", table: str, new_rows):
    """The rows already in ``table`` (none if it does not exist yet) followed by ``new_rows``."""
    if spark.catalog.tableExists(table):
        return spark.table(table).unionByName(new_rows)
    return new_rows


def write_raw_tables(
    spark: "SparkSession",
    tables: Sequence[StagedTable],
    rejects: Sequence[StagedTable],
    audit_columns: Sequence[tuple[str, str]],
    audit_rows: Callable[[], list[tuple]],
    report: Callable[[StagedTable], None],
) -> None:
    """Replace the raw tables with ``tables``, and add ``rejects`` and the audit rows to raw.load_rejects and
    raw.load_audit (which keep every load's rows).

    Spark has no transaction spanning tables, so the load is made as safe as Spark allows:
    1. every new table is written in full as ``raw.<table>__incoming`` and its row count checked; so are
       load_rejects and load_audit (their previous rows plus this load's). A failure here drops the incoming tables
       and leaves the previous load untouched;
    2. then each old table is dropped and its incoming table renamed into place, one after the other (metastore
       operations, well under a second each): a reader querying during these moments can find a table missing,
       or new tables next to old ones.
    A load killed during step 2 leaves ``__incoming`` tables behind; the next load drops them first.
    """
    history = ("load_rejects", "load_audit")
    names = [staged.table_name for staged in tables] + list(history)
    spark.sql(f"create database if not exists {RAW_SCHEMA}")
    for name in names:
        spark.sql(f"drop table if exists {RAW_SCHEMA}.{name}{INCOMING_SUFFIX}")
    try:
        for staged in tables:
            incoming = f"{RAW_SCHEMA}.{staged.table_name}{INCOMING_SUFFIX}"
            _read_parquet(spark, staged).write.format("parquet").saveAsTable(incoming)
            copied = spark.table(incoming).count()
            if copied != staged.rows:
                raise SparkError(f"{incoming}: Spark wrote {copied} rows, the loader parsed {staged.rows}")
            report(staged)
        rejects_columns = rejects[0].columns if rejects else ()
        new_rejects = spark.createDataFrame([], ddl_schema(rejects_columns))
        for staged in rejects:
            if staged.rows:
                new_rejects = new_rejects.unionByName(_read_parquet(spark, staged))
        new_audit = spark.createDataFrame(audit_rows(), ddl_schema(audit_columns))
        for name, new_rows in zip(history, (new_rejects, new_audit)):
            table = f"{RAW_SCHEMA}.{name}"
            _with_history(spark, table, new_rows).write.format("parquet").saveAsTable(f"{table}{INCOMING_SUFFIX}")
    except BaseException:
        for name in names:
            spark.sql(f"drop table if exists {RAW_SCHEMA}.{name}{INCOMING_SUFFIX}")
        raise
    for name in names:
        table = f"{RAW_SCHEMA}.{name}"
        spark.sql(f"drop table if exists {table}")
        spark.sql(f"alter table {table}{INCOMING_SUFFIX} rename to {table}")
