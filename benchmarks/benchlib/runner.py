"""A run's settings and context, and running one step (its measurement, log, dbt breakdown)."""
from __future__ import annotations

import csv
import json
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from .config import ENGINES, PRESETS, PROJECT_ROOT, Preset, README, REAL_ORDERS
from .measure import CSV_FIELDS, Measurement, measure
from .ratios import Results, label
from .report import report, update_readme


class StepFailed(Exception):
    pass


class Interrupted(Exception):
    pass


def _interrupt(signum, _frame) -> None:
    raise Interrupted(f"interrupted by signal {signum}")


@dataclass
class Settings:
    preset_name: str
    preset: Preset
    scales: tuple[float, ...]
    engines: tuple[str, ...]
    baseline_scales: tuple[float, ...]
    pg_database: str
    results_dir: Path
    dbt_run: bool = True
    keep: bool = False
    timeout: float | None = None
    update_readme: bool = False
    compare_with: str | None = None     # a git revision whose load + dbt build run beside this commit's

    @property
    def pg_baseline_database(self) -> str:
        return f"{self.pg_database}_pandas"


@dataclass
class Context:
    settings: Settings
    results: Results
    run_id: str
    csv_path: Path
    python: str = sys.executable
    dbt: str = str(Path(sys.executable).parent / "dbt")
    base_env: dict = field(default_factory=dict)
    parsed: set = field(default_factory=set)
    failures: list = field(default_factory=list)
    revision: tuple | None = None       # (scratch folder, short sha) of --compare-with

    def log_path(self, scale: float, engine: str, step: str) -> Path:
        return self.settings.results_dir / "logs" / self.run_id / f"{scale:g}x_{engine}_{step}.log"

    def env(self, engine: str, scale: float, database: str | None = None) -> dict:
        env = dict(self.base_env)
        env["DBT_TARGET"] = engine if engine in ENGINES else "duckdb"
        env["DUCKDB_PATH"] = str(self.warehouse(scale))
        env["POSTGRES_DB"] = database or self.settings.pg_database
        return env

    def warehouse(self, scale: float) -> Path:
        return self.settings.results_dir / "warehouses" / f"bench_{scale:g}x.duckdb"

    def data_dir(self, orders: int) -> Path:
        return self.settings.results_dir / "data" / f"orders_{orders}"

    def cut_dir(self, orders: int) -> Path:
        """The files of one month earlier (customer_intel.generate.cut), beside the generated ones."""
        return self.settings.results_dir / "data" / f"orders_{orders}_cut"

    def dbt_paths(self, engine: str) -> list[str]:
        return ["--target-path", str(self.settings.results_dir / f"dbt_target_{engine}"),
                "--log-path", str(self.settings.results_dir / f"dbt_logs_{engine}")]


def fit_preset(preset: Preset, scales: Sequence[float]) -> Preset:
    """The preset's target sizes, each replaced by the nearest sensible size when --scales leaves it out."""
    from dataclasses import replace

    low, high = min(scales), max(scales)

    def pick(wanted: float, fallback: float) -> float:
        return wanted if wanted in scales else fallback

    return replace(preset, scales=tuple(scales), load_scale=pick(preset.load_scale, low),
                   limit_scale=pick(preset.limit_scale, high), growth_from=pick(preset.growth_from, low),
                   growth_to=pick(preset.growth_to, high), memory_scale=pick(preset.memory_scale, high),
                   pg_ratio_scales=tuple(s for s in preset.pg_ratio_scales if s in scales) or (high,),
                   refresh_scales=tuple(s for s in preset.refresh_scales if s in scales) or (high,))


def shown(path: Path) -> str:
    try:
        return str(path.relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def orders_for(scale: float) -> int:
    return max(1, round(REAL_ORDERS * scale))


def load_results(csv_path: Path) -> tuple[Results, str, str]:
    """The measurements of a results CSV, with its run id and preset name."""
    results, run_id, preset = Results(), "", ""

    def number(text: str) -> float | None:
        return None if text in ("", None) else float(text)

    with open(csv_path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            run_id, preset = row["run_id"], row["preset"]
            results.add(Measurement(
                float(row["scale"]), int(row["orders"]), row["engine"], row["step"], float(row["wall_s"]),
                float(row["peak_rss_mb"]), float(row["max_process_rss_mb"]), number(row["server_rss_mb"]),
                int(row["returncode"]), row["detail"], cpu_s=float(row["cpu_s"]),
                server_cpu_s=number(row["server_cpu_s"]), others_cpu_s=float(row["others_cpu_s"])))
    return results, run_id, preset


def rerender(csv_path: Path, write_readme: bool) -> int:
    """Print the report of an earlier run again (e.g. after a change of format), optionally into the README."""
    results, run_id, preset_name = load_results(csv_path)
    machine_path = csv_path.parent / f"machine_{run_id}.json"
    machine = json.loads(machine_path.read_text(encoding="utf-8")) if machine_path.exists() else {}
    preset = fit_preset(PRESETS.get(preset_name, PRESETS["full"]), results.scales())
    text = report(results, preset, machine, run_id)
    print(text)
    if write_readme and update_readme(text):
        print(f"updated {shown(README)}")
    return 0


def write_csv(ctx: Context) -> None:
    ctx.csv_path.parent.mkdir(parents=True, exist_ok=True)
    with open(ctx.csv_path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for m in ctx.results.measurements:
            writer.writerow({"run_id": ctx.run_id, "preset": ctx.settings.preset_name, **m.row()})


def step(ctx: Context, scale: float, engine: str, name: str, command: Sequence[str], env: dict,
         databases: Sequence[str] = (), detail: Callable[[float], str] | None = None,
         cwd: Path | None = None) -> Measurement:
    orders = orders_for(scale)
    log = ctx.log_path(scale, engine, name)
    print(f"  {label(scale):>6} {engine:<8} {name:<16}", end=" ", flush=True)
    result = measure(command, env, log, databases, ctx.settings.timeout, cwd)
    m = Measurement(scale, orders, engine, name, result.wall_s, result.peak_rss_mb, result.max_process_rss_mb,
                    result.server_rss_mb, result.returncode, cpu_s=result.cpu_s, server_cpu_s=result.server_cpu_s,
                    others_cpu_s=result.others_cpu_s)
    if result.returncode == 0 and detail is not None:
        try:
            m.detail = detail(result.wall_s)
        except Exception as exc:  # noqa: BLE001 - a missing breakdown is not a failed step
            m.detail = f"(no breakdown: {exc.__class__.__name__})"
    ctx.results.add(m)
    write_csv(ctx)
    server = (f", server {result.server_rss_mb:,.0f} MB {result.server_cpu_s:,.1f} cpu-s"
              if result.server_rss_mb is not None else "")
    print(f"{result.wall_s:8.1f} s  {result.peak_rss_mb:8,.0f} MB  {result.cpu_s:7.1f} cpu-s{server}; "
          f"others {result.others_cpu_s:.0f} cpu-s"
          + ("" if result.returncode == 0 else f"  FAILED (exit {result.returncode}, log {log})"), flush=True)
    if result.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
        print("\n".join("      | " + line for line in tail), flush=True)
        raise StepFailed(f"{name} at {label(scale)} on {engine} failed (exit {result.returncode}); see {log}")
    return m


def dbt_breakdown(target_path: Path, wall_s: float, keep_as: Path | None = None) -> str:
    """Where a dbt invocation spent its time, from run_results.json (kept as ``keep_as`` for later profiling)."""
    if keep_as is not None:
        shutil.copy(target_path / "run_results.json", keep_as)
    run_results = json.loads((target_path / "run_results.json").read_text(encoding="utf-8"))
    sums: dict[str, float] = {}
    for node in run_results["results"]:
        kind = node["unique_id"].split(".", 1)[0]
        sums[kind] = sums.get(kind, 0.0) + node["execution_time"]
    slowest = sorted(run_results["results"], key=lambda n: -n["execution_time"])[:3]
    names = ", ".join(f"{n['unique_id'].split('.')[2][:40]} {n['execution_time']:.1f}" for n in slowest)
    kinds = ", ".join(f"{kind}s {seconds:.1f}" for kind, seconds in sorted(sums.items(), key=lambda kv: -kv[1]))
    startup = wall_s - run_results["elapsed_time"]
    return f"{kinds}; startup {startup:.1f}; slowest: {names}"
