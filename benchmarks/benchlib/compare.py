"""Another revision of the project run beside this one (--compare-with), and point lookups on PostgreSQL marts."""
from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from .config import LOOKUP_KEYS, LOOKUP_MARTS, PROJECT_ROOT
from .measure import Measurement
from .ratios import lookup_stats
from .postgres_admin import postgres_target, recreate_database
from .runner import Context, orders_for, step

BEFORE = "before_"          # prefix of the steps measured on the --compare-with revision


def export_revision(rev: str, results_dir: Path, profiles_dir: Path) -> tuple[Path, str]:
    """``git archive REV`` unpacked into a scratch folder with a copy of the profile; (folder, short sha)."""
    sha = subprocess.run(["git", "-C", str(PROJECT_ROOT), "rev-parse", "--short", rev], check=True,
                         capture_output=True, text=True).stdout.strip()
    folder = results_dir / f"revision_{sha}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    archive = subprocess.Popen(["git", "-C", str(PROJECT_ROOT), "archive", sha], stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", str(folder)], stdin=archive.stdout, check=True)
    if archive.wait() != 0:
        raise RuntimeError(f"git archive {rev} failed")
    shutil.copy(profiles_dir / "profiles.yml", folder / "profiles.yml")
    return folder, sha


def run_before(ctx: Context, scale: float, engine: str, data_dir: Path, folder: Path, sha: str) -> None:
    """The revision's own load_data.py and dbt build, on a fresh warehouse of its own, with the same files."""
    database = f"{ctx.settings.pg_database}_before"
    env = ctx.env(engine, scale, database)
    env.update({"PYTHONPATH": str(folder), "DBT_PROFILES_DIR": str(folder),
                "DUCKDB_PATH": str(ctx.settings.results_dir / "warehouses" / f"before_{scale:g}x.duckdb")})
    databases: tuple[str, ...] = ()
    if engine == "duckdb":
        Path(env["DUCKDB_PATH"]).unlink(missing_ok=True)
    else:
        recreate_database(database)
        databases = (database,)
    paths = ["--target-path", str(ctx.settings.results_dir / f"dbt_target_before_{engine}"),
             "--log-path", str(ctx.settings.results_dir / f"dbt_logs_before_{engine}")]
    if (BEFORE + engine) not in ctx.parsed:
        step(ctx, scale, engine, BEFORE + "parse", [ctx.dbt, "parse", "--target", engine, *paths], env, cwd=folder)
        ctx.results.measurements.pop()          # warm-up, untimed like this commit's
        ctx.parsed.add(BEFORE + engine)
    for name, command in (("load", [ctx.python, "scripts/load_data.py", "--data-dir", data_dir, "--target", engine]),
                          ("dbt_build", [ctx.dbt, "build", "--target", engine, *paths])):
        m = step(ctx, scale, engine, BEFORE + name, command, env, databases, cwd=folder)
        m.detail = f"before {sha}"
    if engine == "postgres":
        point_lookups(ctx, scale, database, BEFORE)
    if not ctx.settings.keep:
        Path(env["DUCKDB_PATH"]).unlink(missing_ok=True)


def point_lookups(ctx: Context, scale: float, database: str, prefix: str = "") -> None:
    """Per mart: LOOKUP_KEYS single-customer selects on one warm connection; median and p95 client time, plan.
    Recorded as rows with step ``lookup <mart>``: wall_s = median seconds, detail = median and p95 in ms (the CSV
    rounds wall_s to the millisecond) and the plan node."""
    import psycopg2

    target = postgres_target(database)
    schema = target.settings.get("schema", "analytics")
    conn = psycopg2.connect(**target.postgres_dsn())
    try:
        with conn.cursor() as cur:
            for mart in LOOKUP_MARTS:
                cur.execute("select 1 from information_schema.tables where table_schema = %s and table_name = %s",
                            (schema, mart))
                if cur.fetchone() is None:
                    continue
                cur.execute(f"select customer_unique_id from {schema}.{mart} "
                            f"order by md5(customer_unique_id) limit {LOOKUP_KEYS}")
                keys = [row[0] for row in cur.fetchall()]
                query = f"select * from {schema}.{mart} where customer_unique_id = %s"
                times = []
                for key in keys:
                    started = time.perf_counter()
                    cur.execute(query, (key,))
                    cur.fetchall()
                    times.append((time.perf_counter() - started) * 1000)
                cur.execute("explain (format json) " + query, (keys[0],))
                plan = cur.fetchone()[0]
                node = (plan[0] if isinstance(plan, list) else plan)["Plan"]["Node Type"]
                median_ms, p95_ms = lookup_stats(times)
                m = Measurement(scale, orders_for(scale), "postgres", f"{prefix}lookup {mart}", median_ms / 1000,
                                0.0, 0.0,
                                detail=f"median_ms={median_ms:.3f}; p95_ms={p95_ms:.3f}; plan={node}; n={len(times)}")
                ctx.results.add(m)
                print(f"  {'':>6} {'postgres':<8} {prefix + 'lookup ' + mart:<16} median {median_ms:.2f} ms, "
                      f"p95 {p95_ms:.2f} ms, {node}", flush=True)
    finally:
        conn.close()
