"""Where things are, the sizes and steps of a run, and the targets the ratios are judged by."""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path



BENCH_DIR = Path(__file__).resolve().parent.parent
PROJECT_ROOT = BENCH_DIR.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

RESULTS_DIR = BENCH_DIR / "results"
BASELINE_SQL_DIR = BENCH_DIR / "baseline_sql"
MACHINE_LIMIT_SQL = BENCH_DIR / "machine_limit.sql"
README = BENCH_DIR / "README.md"
README_START = "<!-- bench:latest:start -->"
README_END = "<!-- bench:latest:end -->"

REAL_ORDERS = 99_441
SEED = 42
ENGINES = ("duckdb", "postgres")
END_TO_END_STEPS = ("load", "dbt_build", "roi")     # what a user runs: load_data.py, dbt build, roi.py
SAMPLE_SECONDS = 0.2
APART_STEPS = ("generate", "cut")   # the stand-in for the user's files: engine "-", not in end to end
STEP_NAMES = {"generate": "generate", "cut": "cut", "load": "load", "dbt_run": "dbt run", "dbt_build": "dbt build",
              "roi": "roi.py", "end_to_end": "end to end"}     # how the report names each step
MB = 1024 * 1024
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Preset:
    scales: tuple[float, ...]
    baseline_max_scale: float          # the pandas baseline runs at every size up to this one
    # Where each ratio target is read (the sizes; the smoke run maps them onto its small sizes).
    load_scale: float
    limit_scale: float
    growth_from: float
    growth_to: float
    memory_scale: float
    pg_ratio_scales: tuple[float, ...] = ()    # PostgreSQL dbt build / DuckDB dbt build is judged at these sizes
    refresh_scales: tuple[float, ...] = ()     # dbt refresh / dbt build --full-refresh is judged at these sizes


PRESETS = {
    "full": Preset(scales=(1, 10, 50), baseline_max_scale=50, load_scale=1, limit_scale=10, growth_from=1,
                   growth_to=50, memory_scale=50, pg_ratio_scales=(10, 50), refresh_scales=(10, 50)),
    "smoke": Preset(scales=(0.05, 0.1), baseline_max_scale=0.1, load_scale=0.05, limit_scale=0.1,
                    growth_from=0.05, growth_to=0.1, memory_scale=0.1, pg_ratio_scales=(0.05, 0.1),
                    refresh_scales=(0.05, 0.1)),
}

# The targets a run is judged by: (key, description, comparison, threshold).
LOAD_SPEEDUP_MIN = 10.0
BUILD_OVER_LIMIT_MAX = 3.0
COST_GROWTH_MAX = 1.2
PEAK_MEMORY_MAX_MB = 4096.0
PG_OVER_DUCKDB_MAX = 2.0
REFRESH_OVER_FULL_MAX = 0.35     # dbt build one month later (incremental) / dbt build --full-refresh, wall time
LOOKUP_MEDIAN_MAX_MS = 10.0
LOOKUP_MARTS = ("customers", "rfm_segments", "win_back_targets")
LOOKUP_KEYS = 200
