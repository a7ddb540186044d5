"""The Markdown report of a run, and copying it into benchmarks/README.md."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

from .config import APART_STEPS, Preset, README, README_END, README_START, REAL_ORDERS, SEED, STEP_NAMES
from .measure import Measurement
from .config import LOOKUP_MARTS
from .ratios import Results, _cpu_ratio, _ratio, label, lookup_fields, ratios, total_cpu


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str | None = None) -> str:
    align = align or "l" + "r" * (len(header) - 1)
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(str(h))
              for i, h in enumerate(header)]

    def line(cells):
        return "| " + " | ".join(str(c).rjust(w) if a == "r" else str(c).ljust(w)
                                 for c, w, a in zip(cells, widths, align)) + " |"

    rule = "|" + "|".join(("-" * (w + 1) + ":") if a == "r" else (":" + "-" * (w + 1))
                          for w, a in zip(widths, align)) + "|"
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


def _s(m: Measurement | None) -> str:
    return "–" if m is None else f"{m.wall_s:.1f}"


def _mb(m: Measurement | None, server: bool = False) -> str:
    if m is None:
        return "–"
    text = f"{m.peak_rss_mb:,.0f}"
    if server and m.server_rss_mb is not None:
        text += f" [{m.server_rss_mb:,.0f}]"
    return text


def _cpu(m: Measurement | None) -> str:
    if m is None:
        return "–"
    return f"{m.cpu_s:.1f}" + (f" [+{m.server_cpu_s:.1f}]" if m.server_cpu_s is not None else "")


def report(results: Results, preset: Preset, machine: dict, run_id: str) -> str:
    parts = [f"Run `{run_id}`; sizes {', '.join(label(s) for s in results.scales())} of Olist's "
             f"{REAL_ORDERS:,} orders (seed {SEED}).", ""]
    steps = tuple(STEP_NAMES)
    titles = tuple(STEP_NAMES.values())
    time_rows, memory_rows = [], []
    for scale in results.scales():
        orders = next(m.orders for m in results.measurements if m.scale == scale)
        for engine in results.engines():
            ms = [results.get(s, "-" if s in APART_STEPS else engine, scale) for s in steps]
            e2e = ms[-1]
            time_rows.append([label(scale), f"{orders:,}", engine, *(_s(m) for m in ms),
                              "–" if e2e is None else f"{e2e.s_per_million_orders:.1f}"])
            memory_rows.append([label(scale), engine, *(_mb(m, server=True) for m in ms)])
    parts += ["**Wall time, seconds** (end to end = load + dbt build + roi.py; generation and the cut, the same "
              "files one month earlier, are the stand-in for real files and are shown apart; load is a reload into "
              "the warehouse built on the cut files, dbt build a `--full-refresh` build)", "",
              markdown_table(["size", "orders", "engine", *titles, "e2e s per M orders"], time_rows,
                             "lrl" + "r" * (len(titles) + 1)), ""]
    parts += ["**Peak memory, MB** (client process tree; [PostgreSQL server backends' private memory])", "",
              markdown_table(["size", "engine", *titles], memory_rows, "ll" + "r" * len(titles)), ""]
    parts += refresh_table(results)
    reference_rows = []
    for scale in results.scales():
        limit = results.get("machine_limit", "duckdb", scale)
        pandas = results.get("pandas_load", "postgres", scale)
        sql = results.get("baseline_sql", "postgres", scale)
        base = results.get("baseline_end_to_end", "postgres", scale)
        reference_rows.append([label(scale), _s(limit), _mb(limit), _s(pandas), _mb(pandas, server=True), _s(sql),
                               _mb(sql, server=True), _s(base)])
    parts += ["**Reference points**: machine limit = one DuckDB query over the CSVs; baseline = pandas "
              "read_csv + to_sql into PostgreSQL, then plain SQL scripts", "",
              markdown_table(["size", "limit s", "limit MB", "pandas load s", "pandas load MB", "baseline SQL s",
                              "baseline SQL MB", "baseline e2e s"], reference_rows), ""]
    cpu_rows = []
    nproc = os.cpu_count() or 1
    for scale in results.scales():
        for engine in results.engines():
            ms = [results.get(s, engine, scale) for s in ("load", "dbt_build", "roi", "end_to_end")]
            e2e = ms[-1]
            others = "–" if e2e is None or e2e.wall_s <= 0 else f"{e2e.others_cpu_s / (e2e.wall_s * nproc):.0%}"
            cpu_rows.append([label(scale), engine, *(_cpu(m) for m in ms), others])
        limit = results.get("machine_limit", "duckdb", scale)
        base = results.get("baseline_end_to_end", "postgres", scale)
        cpu_rows.append([label(scale), "machine limit", "", _cpu(limit), "", _cpu(limit),
                         "–" if limit is None else f"{limit.others_cpu_s / (limit.wall_s * nproc):.0%}"])
        if base is not None:
            cpu_rows.append([label(scale), "pandas baseline", _cpu(results.get("pandas_load", "postgres", scale)),
                             _cpu(results.get("baseline_sql", "postgres", scale)), "", _cpu(base),
                             f"{base.others_cpu_s / (base.wall_s * nproc):.0%}"])
    parts += [f"**CPU seconds** (client processes [+ PostgreSQL server backends, sampled]; the last column is the "
              f"share of the machine's {nproc} CPUs used by other processes meanwhile: the noise)", "",
              markdown_table(["size", "engine", "load", "dbt build / SQL", "roi.py", "end to end", "others"],
                             cpu_rows, "ll" + "r" * 5), ""]
    breakdown_rows = []
    for scale in results.scales():
        for engine in results.engines():
            for name, build in (("full", results.get("dbt_build", engine, scale)),
                                ("refresh", results.get("dbt_refresh", engine, scale))):
                if build is not None and build.detail:
                    breakdown_rows.append([label(scale), engine, name, f"{build.wall_s:.1f}", build.detail])
    if breakdown_rows:
        parts += ["**dbt build breakdown** (full: `dbt build --full-refresh`; refresh: the incremental `dbt build` "
                  "before it; sums of node times over 2 threads; startup = wall − dbt's elapsed)", "",
                  markdown_table(["size", "engine", "build", "wall s", "breakdown"], breakdown_rows, "lllrl"), ""]
    parts += comparison_tables(results)
    ratio_rows = []
    for r in ratios(results, preset):
        value = "–" if r.value is None else f"{r.value:,.2f}"
        target = f"{r.comparison} {r.threshold:g}" if r.comparison else ""
        ratio_rows.append([r.name, value, target, r.verdict, r.note])
    parts += ["**Ratios and targets**", "",
              markdown_table(["ratio", "value", "target", "verdict", "how"], ratio_rows, "lrlll"), ""]
    parts += ["**Machine**: " + machine_line(machine), ""]
    return "\n".join(parts)


def refresh_table(results: Results) -> list[str]:
    """The incremental refresh (files of one month later, after a build on the cut files) beside a --full-refresh
    build of the same files; nothing when the run has no refresh (older CSVs)."""
    rows = []
    for scale in results.scales():
        for engine in results.engines():
            refresh, full = results.get("dbt_refresh", engine, scale), results.get("dbt_build", engine, scale)
            if refresh is None:
                continue
            wall, cpu = _ratio(refresh, full), _cpu_ratio(refresh, full)
            rows.append([label(scale), engine, _s(results.get("build_cut", engine, scale)), _s(refresh), _s(full),
                         "–" if wall is None else f"{wall:.2f}", f"{total_cpu(refresh):,.1f}",
                         "–" if full is None else f"{total_cpu(full):,.1f}", "–" if cpu is None else f"{cpu:.2f}",
                         _mb(refresh, server=True), _mb(full, server=True)])
    if not rows:
        return []
    return ["**Refresh: the files of one month later, after a build on the cut files** (refresh = `dbt build` on "
            "the warehouse built on the files cut one month before the end, once today's files are loaded; full = "
            "`dbt build --full-refresh` of the same files right after; ratio = refresh / full; CPU = client + "
            "PostgreSQL backends; [PostgreSQL server backends' private memory])", "",
            markdown_table(["size", "engine", "cut build s", "refresh wall s", "full-refresh wall s", "ratio",
                            "refresh CPU s", "full CPU s", "CPU ratio", "refresh peak MB", "full peak MB"], rows,
                           "ll" + "r" * 9), ""]


def comparison_tables(results: Results) -> list[str]:
    """dbt build of the --compare-with revision beside this commit's, and the point lookups on PostgreSQL."""
    parts, rows = [], []
    before_label = next((m.detail for m in results.measurements if m.step == "before_dbt_build"), "")
    for scale in results.scales():
        for engine in results.engines():
            before, after = results.get("before_dbt_build", engine, scale), results.get("dbt_build", engine, scale)
            if before is None or after is None:
                continue
            cells = [label(scale), engine]
            for get in (lambda m: m.wall_s, lambda m: m.cpu_s + (m.server_cpu_s or 0.0), lambda m: m.peak_rss_mb):
                b, a = get(before), get(after)
                cells += [f"{b:,.1f}", f"{a:,.1f}", "–" if b <= 0 else f"{a / b:.2f}"]
            rows.append(cells)
    if rows:
        parts += [f"**dbt build: {before_label} → this commit** (CPU includes PostgreSQL's backends; ratio = "
                  "this commit / before)", "",
                  markdown_table(["size", "engine", "wall s before", "wall s after", "ratio", "CPU s before",
                                  "CPU s after", "ratio", "peak MB before", "peak MB after", "ratio"], rows,
                                 "ll" + "r" * 9), ""]
    rows = []
    for scale in results.scales():
        for prefix, who in (("", "this commit"), ("before_", before_label)):
            for mart in LOOKUP_MARTS:
                m = results.get(f"{prefix}lookup {mart}", "postgres", scale)
                if m is not None:
                    median_ms, p95_ms, plan = lookup_fields(m)
                    rows.append([label(scale), who, mart, f"{median_ms:.2f}", f"{p95_ms:.2f}", plan])
    if rows:
        parts += ["**Point lookups on PostgreSQL** (`select * from <mart> where customer_unique_id = %s`, 200 "
                  "customers, one warm connection, client-measured; plan of one query)", "",
                  markdown_table(["size", "revision", "mart", "median ms", "p95 ms", "plan"], rows, "lllrrl"), ""]
    return parts


def machine_line(machine: dict) -> str:
    keys = ("cpu", "nproc", "ram", "disk", "os", "python", "versions", "postgres", "load_average")
    return "; ".join(f"{k.replace('_', ' ')} {machine[k]}" for k in keys if machine.get(k))


def update_readme(text: str, readme: Path = README) -> bool:
    content = readme.read_text(encoding="utf-8")
    start, end = content.find(README_START), content.find(README_END)
    if start < 0 or end < start:
        return False
    readme.write_text(content[:start + len(README_START)] + "\n" + text.rstrip() + "\n" + content[end:],
                      encoding="utf-8")
    return True
