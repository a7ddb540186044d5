"""Running the benchmark: every step of one size, then every size, then the report."""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import signal
import sys
from pathlib import Path

from .compare import export_revision, point_lookups, run_before
from .agreement import (
    BASELINE_TOTALS_SQL, LIMIT_TOTALS_SQL, _mart_totals_sql, disagreements, duckdb_history_totals, duckdb_totals,
    postgres_history_totals, postgres_totals, refresh_differences,
)
from .config import BENCH_DIR, END_TO_END_STEPS, MB, PROJECT_ROOT, README, SEED
from .machine import describe_machine
from .measure import _read_text, measure
from .postgres_admin import _admin_connection, drop_database, postgres_target, recreate_database
from .ratios import Results, end_to_end, label
from .report import machine_line, report, update_readme
from .runner import (
    Context, Interrupted, Settings, StepFailed, _interrupt, dbt_breakdown, orders_for, shown, step, write_csv,
)


def run_engine(ctx: Context, scale: float, engine: str, data_dir: Path, cut_dir: Path) -> None:
    """On a fresh warehouse: the files of one month earlier loaded and built, then today's files loaded and built
    (the incremental refresh), then the same files built with --full-refresh; the refresh checked against it."""
    env = ctx.env(engine, scale)
    databases: tuple[str, ...] = ()
    if engine == "duckdb":
        ctx.warehouse(scale).parent.mkdir(parents=True, exist_ok=True)
        ctx.warehouse(scale).unlink(missing_ok=True)
    else:
        recreate_database(ctx.settings.pg_database)
        databases = (ctx.settings.pg_database,)
    target_path = ctx.settings.results_dir / f"dbt_target_{engine}"
    if engine not in ctx.parsed:
        # Warm dbt's partial-parse cache once per engine (untimed), as a user's repeated builds have it.
        log = ctx.log_path(scale, engine, "dbt_parse_warmup")
        warm = measure([ctx.dbt, "parse", "--target", engine, *ctx.dbt_paths(engine)], env, log)
        if warm.returncode != 0:
            raise StepFailed(f"dbt parse on {engine} failed; see {log}")
        ctx.parsed.add(engine)

    def load(name: str, folder: Path) -> None:
        step(ctx, scale, engine, name,
             [ctx.python, "scripts/load_data.py", "--data-dir", folder, "--target", engine], env, databases)

    def dbt(name: str, command: str, *flags: str) -> None:
        log = ctx.log_path(scale, engine, name)
        keep_as = log.with_suffix(".run_results.json")
        step(ctx, scale, engine, name, [ctx.dbt, command, "--target", engine, *flags, *ctx.dbt_paths(engine)], env,
             databases, detail=lambda wall_s: history_plan(log) + dbt_breakdown(target_path, wall_s, keep_as))

    load("load_cut", cut_dir)
    dbt("build_cut", "build")
    load("load", data_dir)                 # a reload: the warehouse holds the cut files' tables
    dbt("dbt_refresh", "build")            # segment_history: the new snapshot and the lookback only
    refreshed = history_totals(ctx, scale, engine)
    dbt("dbt_build", "build", "--full-refresh")
    check_refresh(ctx, scale, engine, refreshed, history_totals(ctx, scale, engine))
    if ctx.settings.dbt_run:
        # The models alone, fully (seeds exist after the build): what the tests cost is the difference.
        dbt("dbt_run", "run", "--full-refresh")
    if engine == "postgres":
        point_lookups(ctx, scale, ctx.settings.pg_database)
    out_dir = ctx.settings.results_dir / "roi" / f"{scale:g}x_{engine}"
    step(ctx, scale, engine, "roi",
         [ctx.python, "scripts/roi.py", "--target", engine, "--out", out_dir], env, databases)
    e2e = end_to_end(ctx.results, engine, scale, END_TO_END_STEPS, "end_to_end")
    ctx.results.add(e2e)
    write_csv(ctx)


HISTORY_PLAN = re.compile(r"segment_history: (\d+ of \d+ snapshots|inputs changed)")


def history_plan(log: Path) -> str:
    """What an incremental run of segment_history computed, from dbt's output ('' on a full build)."""
    found = HISTORY_PLAN.search(_read_text(log))
    return f"segment_history {found[1]}; " if found else ""


def history_totals(ctx: Context, scale: float, engine: str) -> dict[str, float] | None:
    """The history marts' totals in the warehouse; None (and a failure) when they cannot be read."""
    try:
        if engine == "duckdb":
            return duckdb_history_totals(ctx.warehouse(scale))
        return postgres_history_totals(postgres_target(ctx.settings.pg_database))
    except Exception as exc:  # noqa: BLE001 - reported as a failure of the run, like a disagreement
        ctx.failures.append(f"{label(scale)} {engine}: history marts not readable for the refresh check: "
                            f"{str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__}")
        return None


def check_refresh(ctx: Context, scale: float, engine: str, refreshed: dict[str, float] | None,
                  full: dict[str, float] | None) -> None:
    """The incremental refresh must have left the history marts a --full-refresh build leaves (their totals)."""
    if refreshed is None or full is None:
        return
    problems = refresh_differences(refreshed, full)
    if problems:
        ctx.failures.append(f"{label(scale)} {engine}: refresh differs from full refresh: " + "; ".join(problems))
        print(f"  refresh DIFFERS from full refresh: {'; '.join(problems)}", flush=True)
    else:
        print(f"  refresh equals full refresh: segment_history {full['segment_history rows']:,.0f} rows, "
              f"{full['segment_history snapshots']:,.0f} snapshots; segment_transitions "
              f"{full['segment_transitions people']:,.0f} people; segment_reactivation "
              f"{full['segment_reactivation people']:,.0f} people", flush=True)


def run_scale(ctx: Context, scale: float) -> None:
    s = ctx.settings
    orders = orders_for(scale)
    data_dir = ctx.data_dir(orders)
    print(f"\n== {label(scale)}: {orders:,} orders ==", flush=True)
    if data_dir.exists():
        shutil.rmtree(data_dir)
    step(ctx, scale, "-", "generate",
         [ctx.python, "scripts/generate_data.py", "--orders", orders, "--seed", SEED, "--out", data_dir],
         ctx.env("duckdb", scale))
    size_mb = sum(p.stat().st_size for p in data_dir.glob("*.csv")) / MB
    print(f"  {'':>6} {'':<8} {'(files)':<16} {size_mb:8,.0f} MB of CSV", flush=True)
    # The same files one month earlier (the 16th of the month before the newest monthly snapshot).
    cut_dir = ctx.cut_dir(orders)
    shutil.rmtree(cut_dir, ignore_errors=True)
    step(ctx, scale, "-", "cut",
         [ctx.python, "-m", "customer_intel.generate.cut", "--data-dir", data_dir, "--out", cut_dir],
         ctx.env("duckdb", scale))
    for engine in s.engines:
        run_engine(ctx, scale, engine, data_dir, cut_dir)
        if ctx.revision is not None:       # before and after alternate, so machine noise hits both
            run_before(ctx, scale, engine, data_dir, *ctx.revision)
            write_csv(ctx)
    me = BENCH_DIR / "bench.py"  # its internal sub-commands (pandas-load, baseline-sql) run as processes
    limit_db = s.results_dir / "warehouses" / f"machine_limit_{scale:g}x.duckdb"
    limit_db.parent.mkdir(parents=True, exist_ok=True)
    step(ctx, scale, "duckdb", "machine_limit",
         [ctx.python, me, "machine-limit", "--data-dir", data_dir, "--database", limit_db], ctx.env("duckdb", scale))
    totals: dict[str, dict[str, float]] = {
        "machine limit": duckdb_totals(limit_db, *LIMIT_TOTALS_SQL)}
    if "duckdb" in s.engines:
        totals["dbt on DuckDB"] = duckdb_totals(ctx.warehouse(scale), *_mart_totals_sql("analytics"))
    if "postgres" in s.engines:
        totals["dbt on PostgreSQL"] = postgres_totals(postgres_target(s.pg_database), *_mart_totals_sql("analytics"))
    if scale in s.baseline_scales:
        recreate_database(s.pg_baseline_database)
        env = ctx.env("postgres", scale, s.pg_baseline_database)
        databases = (s.pg_baseline_database,)
        step(ctx, scale, "postgres", "pandas_load", [ctx.python, me, "pandas-load", "--data-dir", data_dir], env,
             databases)
        step(ctx, scale, "postgres", "baseline_sql", [ctx.python, me, "baseline-sql"], env, databases)
        ctx.results.add(end_to_end(ctx.results, "postgres", scale, ("pandas_load", "baseline_sql"),
                                   "baseline_end_to_end"))
        write_csv(ctx)
        totals["baseline"] = postgres_totals(postgres_target(s.pg_baseline_database), *BASELINE_TOTALS_SQL)
    problems = disagreements(totals)
    if problems:
        ctx.failures.append(f"{label(scale)}: results disagree: " + "; ".join(problems))
        print(f"  results DISAGREE: {'; '.join(problems)}", flush=True)
    else:
        first = next(iter(totals.values()))
        print(f"  results agree ({', '.join(totals)}): {first['customers']:,.0f} customers, "
              f"revenue {first['monetary']:,.2f}, {first['cohort_cells']:,.0f} cohort cells", flush=True)
    if not s.keep:
        shutil.rmtree(data_dir, ignore_errors=True)
        shutil.rmtree(cut_dir, ignore_errors=True)
        ctx.warehouse(scale).unlink(missing_ok=True)
        limit_db.unlink(missing_ok=True)


def run(settings: Settings) -> int:
    """The whole benchmark. PostgreSQL is the profile's postgres target when it answers; otherwise an embedded
    PostgreSQL (customer_intel.embedded_pg) started for this run and stopped at its end."""
    from customer_intel import embedded_pg

    server = None
    try:
        if "postgres" in settings.engines:
            server = _embedded_server_if_needed(embedded_pg)
        return _run(settings)
    except embedded_pg.Unavailable as exc:
        print(f"bench: PostgreSQL not reachable through the profile's postgres target: {exc}", file=sys.stderr)
        return 2
    finally:
        if server is not None:
            server.stop()


def _embedded_server_if_needed(embedded_pg):
    """None when the configured server answers (on a maintenance database: the benchmark's own ones may not exist
    yet); else a started embedded server, which os.environ then points at."""
    reason = "EMBEDDED_POSTGRES=yes" if embedded_pg.mode() == "yes" else None
    if reason is None:
        for maintenance_db in ("postgres", "template1"):
            reason = embedded_pg.answers({**os.environ, "POSTGRES_DB": maintenance_db})
            if reason is None:
                return None
    if embedded_pg.mode() == "no":
        raise embedded_pg.Unavailable(f"{embedded_pg.describe()}: {reason} (and EMBEDDED_POSTGRES=no)")
    server = embedded_pg.start_temporary()
    print(f"bench: PostgreSQL at {embedded_pg.describe()} does not answer ({reason}): using an embedded PostgreSQL "
          f"{server.version} in {server.folder}, stopped at the end", flush=True)
    os.environ.update(server.env)
    return server


def _run(settings: Settings) -> int:
    run_id = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    settings.results_dir.mkdir(parents=True, exist_ok=True)
    base_env = os.environ.copy()
    base_env.update({"DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "PYTHONUNBUFFERED": "1"})
    if not base_env.get("DBT_PROFILES_DIR") and not (PROJECT_ROOT / "profiles.yml").exists():
        profiles = settings.results_dir / "profiles"
        profiles.mkdir(exist_ok=True)
        shutil.copy(PROJECT_ROOT / "profiles.yml.example", profiles / "profiles.yml")
        base_env["DBT_PROFILES_DIR"] = str(profiles)
        os.environ["DBT_PROFILES_DIR"] = str(profiles)
    os.environ["POSTGRES_DB"] = base_env["POSTGRES_DB"] = settings.pg_database
    ctx = Context(settings, Results(), run_id, settings.results_dir / f"bench_{settings.preset_name}_{run_id}.csv",
                  base_env=base_env)
    if settings.compare_with:
        profiles_dir = Path(base_env.get("DBT_PROFILES_DIR") or PROJECT_ROOT)
        ctx.revision = export_revision(settings.compare_with, settings.results_dir, profiles_dir)
        print(f"comparing with {settings.compare_with} (before {ctx.revision[1]}) in {shown(ctx.revision[0])}")
    pg = None
    if "postgres" in settings.engines:
        try:
            pg = postgres_target(settings.pg_database)
            _admin_connection(pg).close()
        except Exception as exc:  # noqa: BLE001
            print(f"bench: PostgreSQL not reachable through the profile's postgres target: "
                  f"{str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__}",
                  file=sys.stderr)
            return 2
    machine = describe_machine(pg, settings.results_dir)
    print(f"bench {settings.preset_name} {run_id}: sizes {', '.join(label(s) for s in settings.scales)}, engines "
          f"{', '.join(settings.engines)}, baseline at {', '.join(label(s) for s in settings.baseline_scales) or '-'}")
    print("machine: " + machine_line(machine), flush=True)
    status = 0
    previous_handler = signal.signal(signal.SIGTERM, _interrupt)
    try:
        for scale in settings.scales:
            run_scale(ctx, scale)
    except (StepFailed, Interrupted, KeyboardInterrupt) as exc:
        ctx.failures.append(str(exc) or exc.__class__.__name__)
    finally:
        signal.signal(signal.SIGTERM, previous_handler)
        if not settings.keep:
            if ctx.revision is not None:
                shutil.rmtree(ctx.revision[0], ignore_errors=True)
            shutil.rmtree(settings.results_dir / "data", ignore_errors=True)
            for warehouse in (settings.results_dir / "warehouses").glob("*.duckdb*"):
                warehouse.unlink(missing_ok=True)
        if "postgres" in settings.engines and not settings.keep:
            for name in (settings.pg_database, settings.pg_baseline_database, f"{settings.pg_database}_before"):
                try:
                    drop_database(name)
                except Exception:  # noqa: BLE001
                    pass
    machine["load_average"] = f"{machine['load_average']} at start, " + " ".join(
        _read_text("/proc/loadavg").split()[:3]) + " at end"
    text = report(ctx.results, settings.preset, machine, run_id)
    if ctx.failures:
        text += "\n**Failures**: " + "; ".join(ctx.failures) + "\n"
        status = 1
    print("\n" + text)
    report_path = settings.results_dir / f"report_{settings.preset_name}_{run_id}.md"
    report_path.write_text(text, encoding="utf-8")
    shutil.copy(ctx.csv_path, settings.results_dir / f"latest_{settings.preset_name}.csv")
    shutil.copy(report_path, settings.results_dir / f"latest_{settings.preset_name}.md")
    (settings.results_dir / f"machine_{run_id}.json").write_text(json.dumps(machine, indent=2), encoding="utf-8")
    print(f"results: {shown(ctx.csv_path)} and {shown(report_path)}")
    if settings.update_readme and status == 0:
        if update_readme(text):
            print(f"updated {shown(README)}")
    if status:
        print("bench: FAILED: " + "; ".join(ctx.failures), file=sys.stderr)
    return status
