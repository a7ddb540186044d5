#!/usr/bin/env python
"""The pipeline's cost as data grows, beside the approach it replaces and the machine's limit.

    python benchmarks/bench.py [--preset full|smoke] [--scales 1,10,50] [--engines duckdb,postgres] ...
    make bench          # full: 1×, 10×, 50× Olist's 99,441 orders, both engines, both reference points
    make bench-smoke    # small: 0.05× and 0.1×, same steps, a few minutes

For each size: the project's generator writes the nine Olist files, and ``customer_intel.generate.cut`` the same
files one month before the end; then, per engine (DuckDB, PostgreSQL), the user's commands run one after the other,
each as its own process: ``scripts/load_data.py`` and ``dbt build`` of the cut files, then of the full files (the
monthly refresh), ``dbt build --full-refresh``, ``dbt run --full-refresh``, ``scripts/roi.py``. In the same run,
two reference points on the same files:

- *machine limit*: one hand-written DuckDB statement (``machine_limit.sql``) that reads the raw CSV files once and
  computes the RFM table and the cohort matrix;
- *baseline* (the approach this project replaces): ``pandas.read_csv`` + ``DataFrame.to_sql`` with default
  settings into PostgreSQL, then the plain SQL scripts in ``baseline_sql/`` (RFM with NTILE, CLV, cohorts).

Every step records wall time and peak memory: the peak of the summed proportional resident memory (PSS) of the
step's process tree, sampled every 0.2 s from /proc, and, exactly, the largest single process's RSS (``wait4``
rusage); the larger of the two is reported. PostgreSQL's server processes are not children of the client:
for PostgreSQL steps the peak summed
private memory (RssAnon) of the server backends serving the benchmark's databases is reported separately
(shared_buffers excluded). Results go to ``benchmarks/results/`` (CSV, a Markdown report); ``--update-readme``
copies the report into ``benchmarks/README.md``.

Exit status: 0 when every step succeeded, the engines, the machine limit and the baseline agree on the RFM and
cohort totals and the refresh left the history marts a full refresh leaves (a missed ratio target prints MISSED
but does not fail); 1 when a step failed, results disagree or the refresh differs;
2 for bad arguments or an unreachable PostgreSQL.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Sequence

# Every part's names, so that `bench.X` reaches them (benchmarks/test_bench.py, interactive use).
from benchlib.config import *  # noqa: F401,F403
from benchlib.measure import *  # noqa: F401,F403
from benchlib.reference_points import *  # noqa: F401,F403
from benchlib.agreement import *  # noqa: F401,F403
from benchlib.ratios import *  # noqa: F401,F403
from benchlib.report import *  # noqa: F401,F403
from benchlib.machine import *  # noqa: F401,F403
from benchlib.runner import *  # noqa: F401,F403
from benchlib.postgres_admin import *  # noqa: F401,F403
from benchlib.compare import *  # noqa: F401,F403
from benchlib.sizes import *  # noqa: F401,F403
from benchlib.config import ENGINES, PRESETS, RESULTS_DIR
from benchlib.reference_points import run_baseline_sql, run_machine_limit, run_pandas_load
from benchlib.runner import Settings, fit_preset, rerender
from benchlib.sizes import run


def number_list(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(item) for item in text.split(",") if item.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None


def name_list(text: str) -> tuple[str, ...]:
    names = tuple(item.strip() for item in text.split(",") if item.strip())
    unknown = [n for n in names if n not in ENGINES]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown engine(s) {', '.join(unknown)}; known: {', '.join(ENGINES)}")
    return names


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    limit = sub.add_parser("machine-limit", help="(internal) run machine_limit.sql once")
    limit.add_argument("--data-dir", type=Path, required=True)
    limit.add_argument("--database", type=Path, required=True)
    pandas = sub.add_parser("pandas-load", help="(internal) pandas read_csv + to_sql into POSTGRES_DB")
    pandas.add_argument("--data-dir", type=Path, required=True)
    sub.add_parser("baseline-sql", help="(internal) run baseline_sql/*.sql on POSTGRES_DB")
    again = sub.add_parser("report", help="print the report of an earlier run from its CSV")
    again.add_argument("csv", type=Path)
    again.add_argument("--update-readme", action="store_true", dest="report_update_readme")
    parser.add_argument("--preset", choices=sorted(PRESETS), default="full")
    parser.add_argument("--scales", type=number_list, help="sizes as multiples of Olist's orders (default: preset)")
    parser.add_argument("--baseline-scales", type=number_list,
                        help="sizes at which to run the pandas baseline (default: preset)")
    parser.add_argument("--engines", type=name_list, default=ENGINES, help="duckdb,postgres (default both)")
    parser.add_argument("--pg-database", default=os.environ.get("BENCH_POSTGRES_DB", "olist_bench"),
                        help="PostgreSQL database the benchmark creates and drops (default olist_bench; "
                             "<name>_pandas for the baseline); must contain 'bench'")
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    parser.add_argument("--no-dbt-run", action="store_true", help="skip the separate `dbt run` measurement")
    parser.add_argument("--keep", action="store_true", help="keep data, warehouses and databases afterwards")
    parser.add_argument("--compare-with", metavar="REV",
                        help="also run this git revision's load_data.py and dbt build beside this commit's")
    parser.add_argument("--timeout", type=float, help="seconds after which a step is stopped and fails")
    parser.add_argument("--update-readme", action="store_true",
                        help="copy the report into benchmarks/README.md when the run succeeds")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.command == "machine-limit":
        rows = run_machine_limit(args.data_dir, args.database)
        print(f"machine_limit: {rows:,} rows")
        return 0
    if args.command == "pandas-load":
        rows = run_pandas_load(args.data_dir)
        print(f"pandas: {rows:,} rows")
        return 0
    if args.command == "baseline-sql":
        run_baseline_sql()
        return 0
    if args.command == "report":
        return rerender(args.csv, args.report_update_readme)
    if "bench" not in args.pg_database or args.pg_database in ("olist", "postgres"):
        print(f"bench: --pg-database must name a benchmark database (containing 'bench'), got "
              f"{args.pg_database!r}: it is dropped and recreated", file=sys.stderr)
        return 2
    scales = tuple(args.scales or PRESETS[args.preset].scales)
    preset = fit_preset(PRESETS[args.preset], scales)
    settings = Settings(
        preset_name=args.preset, preset=preset, scales=tuple(scales), engines=tuple(args.engines),
        baseline_scales=tuple(args.baseline_scales if args.baseline_scales is not None
                              else (s for s in scales if s <= max(preset.baseline_max_scale, min(scales)))),
        pg_database=args.pg_database, results_dir=args.results_dir.resolve(), dbt_run=not args.no_dbt_run,
        keep=args.keep, timeout=args.timeout, compare_with=args.compare_with, update_readme=args.update_readme,
    )
    return run(settings)


if __name__ == "__main__":
    sys.exit(main())
