"""The two reference points: the machine limit (one DuckDB statement) and the pandas + plain SQL baseline."""
from __future__ import annotations

import time
from pathlib import Path

from .config import BASELINE_SQL_DIR, MACHINE_LIMIT_SQL


def machine_limit_sql(data_dir: Path) -> str:
    return MACHINE_LIMIT_SQL.read_text(encoding="utf-8").format(data_dir=str(data_dir).replace("'", "''"))


def run_machine_limit(data_dir: Path, database: Path) -> int:
    """The single hand-written DuckDB statement over the raw CSV files; returns the rows it stored."""
    import duckdb

    database.unlink(missing_ok=True)
    with duckdb.connect(str(database)) as con:
        con.execute(machine_limit_sql(data_dir))
        return con.execute("select count(*) from machine_limit").fetchone()[0]


def _pandas_engine(target):
    import sqlalchemy

    dsn = target.postgres_dsn()
    if dsn["host"].startswith("/"):  # a Unix socket folder (the embedded server): libpq takes it as a parameter
        url = sqlalchemy.URL.create("postgresql+psycopg2", username=dsn["user"], password=dsn["password"] or None,
                                    database=dsn["dbname"], query={"host": dsn["host"], "port": str(dsn["port"])})
    else:
        url = sqlalchemy.URL.create("postgresql+psycopg2", username=dsn["user"], password=dsn["password"],
                                    host=dsn["host"], port=dsn["port"], database=dsn["dbname"])
    return sqlalchemy.create_engine(url)


def run_pandas_load(data_dir: Path, target_name: str = "postgres") -> int:
    """What a naive project does: pandas.read_csv + DataFrame.to_sql, default settings, one table per file."""
    import pandas as pd

    from customer_intel.olist_files import OLIST_FILES
    from customer_intel.profile import load_target

    engine = _pandas_engine(load_target(target_name))
    rows = 0
    try:
        for spec in OLIST_FILES:
            frame = pd.read_csv(data_dir / spec.file_name)
            frame.to_sql(spec.table_name, engine, if_exists="replace", index=False)
            rows += len(frame)
            print(f"{spec.table_name}: {len(frame):,} rows", flush=True)
    finally:
        engine.dispose()
    return rows


def run_baseline_sql(target_name: str = "postgres") -> None:
    """The plain SQL scripts of baseline_sql/, in name order, on the tables run_pandas_load wrote."""
    import psycopg2

    from customer_intel.profile import load_target

    conn = psycopg2.connect(**load_target(target_name).postgres_dsn())
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            for script in sorted(BASELINE_SQL_DIR.glob("*.sql")):
                started = time.perf_counter()
                cur.execute(script.read_text(encoding="utf-8"))
                print(f"{script.name}: {time.perf_counter() - started:.2f} s", flush=True)
    finally:
        conn.close()
