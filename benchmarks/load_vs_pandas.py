#!/usr/bin/env python
"""Benchmark the loader against the naive pandas way, on the same files and the same PostgreSQL server.

    python benchmarks/load_vs_pandas.py [--data-dir DIR] [--orders 99441] [--target postgres]

- ours, PostgreSQL: customer_intel.load (checks, DuckDB parse, COPY) into schema raw;
- ours, DuckDB: the same loader into a fresh DuckDB file;
- pandas: ``pd.read_csv`` + ``DataFrame.to_sql`` with default settings (SQLAlchemy + psycopg2) into schema raw_pandas.

PostgreSQL settings come from the dbt profile's target (default ``postgres``). Both loads go into a scratch database
created on that server for the run and dropped afterwards, so the user's raw data is never touched.
Without --data-dir, ~99k orders are generated into a temporary folder with scripts/generate_data.py.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Callable

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

import pandas as pd  # noqa: E402
import psycopg2  # noqa: E402
import sqlalchemy  # noqa: E402

from customer_intel.load import LoadError, load_into  # noqa: E402
from customer_intel.olist_files import OLIST_FILES  # noqa: E402
from customer_intel.profile import ProfileError, Target, load_target  # noqa: E402

PANDAS_SCHEMA = "raw_pandas"


def generate(orders: int, folder: Path) -> Path:
    print(f"generating {orders:,} orders into {folder} …", flush=True)
    proc = subprocess.run([sys.executable, str(PROJECT_ROOT / "scripts" / "generate_data.py"), "--orders",
                           str(orders), "--seed", "42", "--out", str(folder)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise LoadError(f"generate_data.py failed: {proc.stderr.strip()}")
    return folder


def scratch_database(server: Target) -> tuple[Target, Callable[[], None]]:
    """A new empty database on the target's server, and a function that drops it."""
    dsn = server.postgres_dsn()
    name = f"olist_benchmark_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(**dsn)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'create database "{name}"')

    def drop() -> None:
        with admin.cursor() as cur:
            cur.execute(f'drop database if exists "{name}" with (force)')
        admin.close()

    return replace(server, settings={**server.settings, "dbname": name}), drop


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def load_with_pandas(data_dir: Path, target: Target) -> None:
    dsn = target.postgres_dsn()
    url = sqlalchemy.URL.create("postgresql+psycopg2", username=dsn["user"], password=dsn["password"],
                                host=dsn["host"], port=dsn["port"], database=dsn["dbname"])
    engine = sqlalchemy.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(f"create schema if not exists {PANDAS_SCHEMA}")
    for spec in OLIST_FILES:
        frame = pd.read_csv(data_dir / spec.file_name)
        frame.to_sql(spec.table_name, engine, schema=PANDAS_SCHEMA, if_exists="replace", index=False)
    engine.dispose()


def row_counts(target: Target, schema: str) -> dict[str, int]:
    with psycopg2.connect(**target.postgres_dsn()) as conn, conn.cursor() as cur:
        counts = {}
        for spec in OLIST_FILES:
            cur.execute(f"select count(*) from {schema}.{spec.table_name}")
            counts[spec.table_name] = cur.fetchone()[0]
    return counts


def run(data_dir: Path, target_name: str) -> None:
    server = load_target(target_name)
    if server.type != "postgres":
        raise LoadError(f"target '{target_name}' is {server.type}, not postgres")
    size_mb = sum((data_dir / spec.file_name).stat().st_size for spec in OLIST_FILES) / 1e6
    print(f"data: {data_dir} ({size_mb:.0f} MB in {len(OLIST_FILES)} files)", flush=True)
    quiet = lambda line: None  # noqa: E731
    with tempfile.TemporaryDirectory(prefix="olist_benchmark_") as folder:
        duckdb_target = Target("benchmark", "duckdb", "main", {"type": "duckdb", "path": f"{folder}/bench.duckdb"})
        duckdb_seconds = timed(lambda: load_into(duckdb_target, data_dir, out=quiet))
    postgres, drop = scratch_database(server)
    try:
        ours_seconds = timed(lambda: load_into(postgres, data_dir, out=quiet))
        pandas_seconds = timed(lambda: load_with_pandas(data_dir, postgres))
        ours, theirs = row_counts(postgres, "raw"), row_counts(postgres, PANDAS_SCHEMA)
    finally:
        drop()
    rows = sum(ours.values())
    print(f"rows: {rows:,} (pandas loaded {sum(theirs.values()):,})")
    if ours != theirs:
        print(f"warning: row counts differ: loader {ours} vs pandas {theirs}")
    print(f"loader -> DuckDB file          {duckdb_seconds:8.1f} s")
    print(f"loader -> PostgreSQL (COPY)    {ours_seconds:8.1f} s")
    print(f"pandas read_csv + to_sql       {pandas_seconds:8.1f} s")
    print(f"speed-up on PostgreSQL         {pandas_seconds / ours_seconds:8.1f} x")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time the loader against pandas read_csv + to_sql.")
    parser.add_argument("--data-dir", type=Path, help="folder with the nine Olist files (default: generate them)")
    parser.add_argument("--orders", type=int, default=99_441, help="orders to generate without --data-dir")
    parser.add_argument("--target", default="postgres", help="dbt target of the PostgreSQL server to use")
    args = parser.parse_args(argv)
    try:
        if args.data_dir:
            run(args.data_dir, args.target)
        else:
            with tempfile.TemporaryDirectory(prefix="olist_generated_") as folder:
                run(generate(args.orders, Path(folder)), args.target)
    except (LoadError, ProfileError, psycopg2.Error) as exc:
        print(f"load_vs_pandas: {str(exc).strip().splitlines()[0]}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
