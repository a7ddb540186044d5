"""Step 4 on a Spark target: files staged as Parquet, then written and swapped in by customer_intel.spark."""
from __future__ import annotations

import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Callable

import duckdb

from customer_intel.load.campaign_contacts import is_campaign_file, known_people_from_file
from customer_intel.load.duckdb_parsing import sql_text
from customer_intel.load.raw_tables import AUDIT_COLUMNS, DUCKDB_TYPES, REJECTS_COLUMNS, REJECTS_TABLE, audit_row
from customer_intel.load.results import CheckedFile, LoadedFile, LoadError
from customer_intel.load.staging import stage_file
from customer_intel.olist_files import CAMPAIGN_CONTACTS_FILE
from customer_intel.profile import PROJECT_ROOT, Target


def _empty_campaign_table(parser: duckdb.DuckDBPyConnection, folder: Path):
    """raw.campaign_contacts for a load without the campaign file: an empty table with the contract's columns."""
    from customer_intel import spark

    parquet = folder / f"{CAMPAIGN_CONTACTS_FILE.table_name}.parquet"
    columns = ", ".join(f'null::{DUCKDB_TYPES[kind]} as "{name}"' for name, kind in CAMPAIGN_CONTACTS_FILE.columns)
    parser.execute(f"copy (select {columns} limit 0) to {sql_text(str(parquet))} (format parquet)")
    return spark.StagedTable(CAMPAIGN_CONTACTS_FILE.table_name, CAMPAIGN_CONTACTS_FILE.columns, parquet, 0)


def load_spark(target: Target, checked_files: list[CheckedFile], load_id: str, loaded_at: datetime,
               report: Callable[[LoadedFile], None]) -> list[LoadedFile]:
    from customer_intel import spark

    warehouse_dir = target.spark_conf.get("spark.sql.warehouse.dir", "")
    if warehouse_dir and "://" not in warehouse_dir:  # a local folder: create it, as for DuckDB's file
        (PROJECT_ROOT / warehouse_dir).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="olist_load_") as folder, duckdb.connect() as parser:
        known_people = known_people_from_file(checked_files)
        staged_files = [stage_file(parser, checked, Path(folder), load_id, loaded_at, known_people, "parquet")
                        for checked in checked_files]
        by_table = {staged.checked.spec.table_name: staged for staged in staged_files}
        loaded_files: list[LoadedFile] = []
        started = time.perf_counter()

        def table_written(table: spark.StagedTable) -> None:
            nonlocal started
            staged = by_table.get(table.table_name)
            if staged is None:  # the empty raw.campaign_contacts: no file, no line
                return
            loaded = LoadedFile(staged.checked, staged.rows_loaded, staged.rows_rejected,
                                staged.seconds + time.perf_counter() - started)
            started = time.perf_counter()
            loaded_files.append(loaded)
            report(loaded)

        tables = [spark.StagedTable(staged.checked.spec.table_name, staged.checked.spec.columns, staged.rows_csv,
                                    staged.rows_loaded) for staged in staged_files]
        if not any(is_campaign_file(checked) for checked in checked_files):
            tables.append(_empty_campaign_table(parser, Path(folder)))
        rejects = [spark.StagedTable(REJECTS_TABLE.split(".")[1], REJECTS_COLUMNS, staged.rejects_csv,
                                     staged.rows_rejected) for staged in staged_files]
        try:
            session = spark.session(target)
            started = time.perf_counter()
            spark.write_raw_tables(session, tables, rejects, AUDIT_COLUMNS,
                                   lambda: [audit_row(loaded, load_id, loaded_at) for loaded in loaded_files],
                                   table_written)
        except spark.SparkError as exc:
            raise LoadError(str(exc)) from None
        except Exception as exc:  # errors raised inside the JVM (Py4J, AnalysisException) share no base class
            raise LoadError(f"Spark: {spark.describe_error(exc)}") from None
    return loaded_files
