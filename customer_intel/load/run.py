"""The entry points: ``load`` (the dbt profile's target) and ``load_into`` (an explicit target), progress lines."""
from __future__ import annotations

import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from customer_intel.load.duckdb_target import load_duckdb
from customer_intel.load.file_checks import check_files
from customer_intel.load.postgres_target import load_postgres
from customer_intel.load.raw_tables import REJECTS_TABLE
from customer_intel.load.results import LoadedFile, LoadError, LoadResult
from customer_intel.load.spark_target import load_spark
from customer_intel.olist_files import RAW_SCHEMA
from customer_intel.profile import Target, load_target


def new_load_id(now: datetime) -> str:
    """The UTC start time to the microsecond: unique per warehouse (loads are serialised) and sortable."""
    return f"{now:%Y%m%dT%H%M%S.%fZ}"


def _print_now(line: str) -> None:
    print(line, flush=True)


def _warn(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def load(data_dir: Path, target_name: str | None = None, out: Callable[[str], None] = _print_now,
         warn: Callable[[str], None] = _warn) -> LoadResult:
    """Check the nine files in ``data_dir`` (and campaign_contacts.csv when it is there) and load them into schema
    raw of the dbt target in one transaction.

    Progress lines go to ``out`` as each table is written (before the commit), the final line after it.
    Raises LoadError (or ProfileError) with a one-line message for expected problems; the warehouse is then unchanged.
    """
    return load_into(load_target(target_name), data_dir, out, warn)


def load_into(target: Target, data_dir: Path, out: Callable[[str], None] = _print_now,
              warn: Callable[[str], None] = _warn) -> LoadResult:
    """``load`` into an explicit target (the benchmark uses scratch warehouses)."""
    started = time.perf_counter()
    data_dir = Path(data_dir)
    if target.type not in ("duckdb", "postgres", "spark"):
        raise LoadError(
            f"target '{target.name}' has type '{target.type}'; the loader supports duckdb, postgres and spark")
    loaded_at = datetime.now(timezone.utc).replace(tzinfo=None)
    load_id = new_load_id(loaded_at)

    def report(loaded: LoadedFile) -> None:
        out(f"  {loaded.checked.spec.file_name:<42} {loaded.checked.records:>10,} {loaded.rows_loaded:>10,} "
            f"{loaded.rows_rejected:>9,} {loaded.seconds:>8.2f}")

    checked_files = check_files(data_dir)
    if target.type == "duckdb":
        where = target.duckdb_path
    elif target.type == "spark":
        where = target.spark_conf.get("spark.sql.warehouse.dir", f"method {target.spark_method}")
    else:
        where = "{host}:{port}/{dbname}".format(**target.postgres_dsn())
    out(f"load {load_id}: {data_dir} -> {target.type} target '{target.name}' ({where}), schema {RAW_SCHEMA}")
    out(f"  {'file':<42} {'read':>10} {'loaded':>10} {'rejected':>9} {'seconds':>8}")
    if target.type == "duckdb":
        loaded_files = load_duckdb(target, checked_files, load_id, loaded_at, report)
    elif target.type == "spark":
        loaded_files = load_spark(target, checked_files, load_id, loaded_at, report)
    else:
        loaded_files = load_postgres(target, checked_files, load_id, loaded_at, report, warn)
    rows_loaded = sum(loaded.rows_loaded for loaded in loaded_files)
    rows_rejected = sum(loaded.rows_rejected for loaded in loaded_files)
    out(f"committed load {load_id}: {rows_loaded:,} rows loaded, {rows_rejected:,} rejected, "
        f"{len(loaded_files)} files in {time.perf_counter() - started:.1f} s")
    if rows_rejected:
        warn(f"load_data: warning: {rows_rejected:,} rows rejected; see {REJECTS_TABLE} where load_id = '{load_id}'")
    return LoadResult(load_id, loaded_files)
