"""Tests of the benchmark runner's own logic (run by `make bench-smoke` before the smoke run itself):
measuring a process, ratios and verdicts, agreement of results, the report and the README update."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench  # noqa: E402


def m(step, engine, scale, wall, peak=100.0, cpu=1.0, server_cpu=None, orders=None):
    return bench.Measurement(scale, orders or bench.orders_for(scale), engine, step, wall, peak, peak, None, 0,
                             cpu_s=cpu, server_cpu_s=server_cpu)


def test_measure_reports_wall_time_memory_and_cpu_of_the_whole_process_tree(tmp_path):
    # A child that allocates ~200 MB and keeps it for a moment, started by a parent that allocates nothing.
    child = "import time; x = bytearray(200 * 1024 * 1024); x[::4096] = b'y' * len(x[::4096]); time.sleep(0.6)"
    parent = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {child!r}], check=True)"
    result = bench.measure([sys.executable, "-c", parent], os.environ.copy(), tmp_path / "log.txt")
    assert result.returncode == 0
    assert 0.5 < result.wall_s < 30
    assert 200 <= result.peak_rss_mb < 400
    assert result.max_process_rss_mb >= 200          # wait4 sees the grandchild's peak too
    assert result.cpu_s > 0.05
    assert result.server_rss_mb is None


def test_measure_returns_the_exit_status_and_keeps_the_output(tmp_path):
    log = tmp_path / "log.txt"
    result = bench.measure([sys.executable, "-c", "print('hello'); raise SystemExit(3)"], os.environ.copy(), log)
    assert result.returncode == 3
    assert "hello" in log.read_text()


def test_tree_pids_follows_children_and_ignores_others():
    table = {1: bench.Proc(0, 0, "init", 0), 10: bench.Proc(1, 0, "a", 0), 11: bench.Proc(10, 0, "b", 0),
             12: bench.Proc(11, 0, "c", 0), 20: bench.Proc(1, 0, "other", 0)}
    assert bench.tree_pids(10, table) == {10, 11, 12}


def full_results(build_10x=30.0, limit_10x=10.0, e2e_per_scale=None):
    e2e_per_scale = e2e_per_scale or {1: (1.0, 5.0, 2.0), 10: (10.0, 50.0, 5.0), 50: (50.0, 250.0, 20.0)}
    results = bench.Results()
    for scale, (load, build, roi) in e2e_per_scale.items():
        for engine in bench.ENGINES:
            results.add(m("load", engine, scale, load))
            results.add(m("dbt_build", engine, scale, build_10x if scale == 10 and engine == "duckdb" else build,
                          peak=3000.0 if scale == 50 else 500.0))
            results.add(m("roi", engine, scale, roi))
            results.add(bench.end_to_end(results, engine, scale, bench.END_TO_END_STEPS, "end_to_end"))
        results.add(m("machine_limit", "duckdb", scale, limit_10x if scale == 10 else 1.0))
    results.add(m("pandas_load", "postgres", 1, 12.0))
    return results


def verdicts(results):
    return {r.name: (r.value, r.verdict) for r in bench.ratios(results, bench.PRESETS["full"])}


def test_ratios_judge_each_target():
    v = verdicts(full_results())
    assert v["load speed-up vs pandas read_csv+to_sql, PostgreSQL, 1×"] == (12.0, "met")
    assert v["DuckDB dbt build / machine limit, 10×"] == (3.0, "met")
    growth = v["cost per order 1× → 50×, end to end, duckdb"]
    assert growth[0] == pytest.approx((320 / bench.orders_for(50)) / (8 / bench.orders_for(1)))
    assert growth[1] == "met"
    assert v["peak memory 50×, duckdb (MB, client processes)"] == (3000.0, "met")


def test_ratios_separate_the_fixed_cost_from_the_growing_part():
    # dbt build 5 s at 1× and 30 s at 10×; the limit 1 s at 1× and 10 s at 10×: (30 − 5) / (10 − 1).
    v = verdicts(full_results())
    assert v["DuckDB dbt build at 1× / machine limit at 10×"] == (0.5, "info")
    assert v["DuckDB dbt build / machine limit, growth 1× → 10×"][0] == pytest.approx(25 / 9)


def test_ratios_print_missed_when_a_target_is_not_met():
    v = verdicts(full_results(build_10x=31.0, e2e_per_scale={1: (1, 1, 1), 10: (10, 10, 10), 50: (50, 500, 50)}))
    assert v["DuckDB dbt build / machine limit, 10×"][1] == "MISSED"
    assert v["cost per order 1× → 50×, end to end, postgres"][1] == "MISSED"


def test_missing_measurements_give_not_available_not_an_error():
    v = verdicts(bench.Results([m("load", "duckdb", 1, 1.0)]))
    assert v["load speed-up vs pandas read_csv+to_sql, PostgreSQL, 1×"] == (None, "n/a")


def test_fit_preset_moves_targets_to_the_sizes_that_were_run():
    fitted = bench.fit_preset(bench.PRESETS["full"], (0.5, 2))
    assert (fitted.load_scale, fitted.limit_scale, fitted.growth_from, fitted.growth_to, fitted.memory_scale) == (
        0.5, 2, 0.5, 2, 2)
    assert bench.fit_preset(bench.PRESETS["full"], (1, 10, 50)) == bench.PRESETS["full"]


def test_disagreements_compare_every_source_with_the_first():
    same = {"customers": 10, "purchases": 11, "recency_days": 500, "monetary": 1000.0, "cohort_cells": 4,
            "cohort_people": 10, "active_customers": 12}
    assert bench.disagreements({"limit": same, "dbt": dict(same), "baseline": {**same, "monetary": 1000.4}}) == []
    problems = bench.disagreements({"limit": same, "dbt": {**same, "customers": 9}})
    assert problems == ["dbt customers = 9.00, limit 10.00"]


def test_report_has_every_table_and_the_readme_section_is_replaced(tmp_path):
    text = bench.report(full_results(), bench.PRESETS["full"], {"cpu": "test cpu", "nproc": 2}, "run1")
    for heading in ("Wall time", "Peak memory", "Reference points", "CPU seconds", "Ratios and targets",
                    "Machine"):
        assert heading in text
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{bench.README_START}\nold\n{bench.README_END}\nafter\n")
    assert bench.update_readme(text, readme)
    content = readme.read_text()
    assert "old" not in content and "test cpu" in content and content.endswith(f"{bench.README_END}\nafter\n")


def test_machine_limit_sql_quotes_the_data_directory():
    sql = bench.machine_limit_sql(Path("/tmp/it's here"))
    assert "'/tmp/it''s here/olist_orders_dataset.csv'" in sql
    assert "{data_dir}" not in sql and "columns = {'order_id': 'varchar'" in sql


def test_command_line_refuses_a_database_that_is_not_a_benchmark_one(capsys):
    assert bench.main(["--pg-database", "olist"]) == 2
    assert "bench" in capsys.readouterr().err


def test_sigterm_stops_the_step_cleans_up_and_writes_the_partial_report(tmp_path):
    # A real run (DuckDB only, ~500 orders), stopped with SIGTERM once `dbt build` has started.
    import signal
    import subprocess
    import time

    results_dir = tmp_path / "results"
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    proc = subprocess.Popen([sys.executable, str(Path(bench.__file__)), "--preset", "smoke", "--scales", "0.005",
                             "--engines", "duckdb", "--results-dir", str(results_dir)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    deadline = time.monotonic() + 300
    while not list(results_dir.glob("logs/*/*_dbt_build.log")):
        assert proc.poll() is None and time.monotonic() < deadline, "the run ended before dbt build started"
        time.sleep(0.2)
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    output, _ = proc.communicate(timeout=120)
    assert proc.returncode == 1, output
    assert "**Failures**: interrupted by signal 15" in output
    report = next(results_dir.glob("report_smoke_*.md")).read_text(encoding="utf-8")
    assert "interrupted by signal 15" in report
    rows = next(results_dir.glob("bench_smoke_*.csv")).read_text(encoding="utf-8")
    assert ",duckdb,load," in rows and ",duckdb,dbt_build," not in rows     # what finished is kept
    assert not list((results_dir / "warehouses").glob("*.duckdb*"))            # and the scratch data is gone
    assert not (results_dir / "data").exists() or not any((results_dir / "data").iterdir())
    assert [cmd for cmd in _command_lines() if str(results_dir) in cmd] == []   # dbt was stopped with it


def _command_lines() -> list[str]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            found.append(Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
        except OSError:
            pass
    return found


def lookup(mart, scale, median_ms, p95_ms, plan, prefix=""):
    return bench.Measurement(scale, bench.orders_for(scale), "postgres", f"{prefix}lookup {mart}", median_ms / 1000,
                             0.0, 0.0, detail=f"p95_ms={p95_ms}; plan={plan}; n=200")


def test_lookup_stats_median_and_nearest_rank_p95():
    times = [float(t) for t in range(1, 201)]          # 1 … 200 ms: median 100.5, p95 = 190th value
    assert bench.lookup_stats(times) == (100.5, 190.0)
    assert bench.lookup_stats([3.0, 1.0, 2.0]) == (2.0, 3.0)


def test_postgres_over_duckdb_build_is_judged_at_10x_and_50x():
    # dbt build: 50 s on both engines at 10× (ratio 1.0); at 50× DuckDB 250 s, PostgreSQL 600 s (2.4 > 2).
    results = full_results()
    results.measurements = [x for x in results.measurements if not (x.step == "dbt_build" and x.engine == "postgres"
                                                                    and x.scale == 50)]
    results.add(m("dbt_build", "postgres", 50, 600.0))
    v = verdicts(results)
    assert v["PostgreSQL dbt build / DuckDB dbt build, 10×"] == (pytest.approx(50 / 30), "met")
    assert v["PostgreSQL dbt build / DuckDB dbt build, 50×"] == (2.4, "MISSED")
    assert "PostgreSQL dbt build / DuckDB dbt build, 1×" not in v
    assert bench.fit_preset(bench.PRESETS["smoke"], (0.05, 0.1)).pg_ratio_scales == (0.05, 0.1)


def test_lookup_targets_at_the_largest_size_need_a_fast_median_and_an_index():
    results = full_results()
    results.add(lookup("customers", 50, 0.5, 0.9, "Index Scan"))
    results.add(lookup("rfm_segments", 50, 12.0, 20.0, "Index Scan"))
    results.add(lookup("win_back_targets", 50, 3.0, 4.0, "Seq Scan"))
    results.add(lookup("customers", 1, 50.0, 60.0, "Seq Scan"))      # not the largest size: not judged
    v = verdicts(results)
    assert v["point lookup median ms, customers, PostgreSQL, 50×"] == (pytest.approx(0.5), "met")
    assert v["point lookup uses an index, customers, 50×"] == (1.0, "met")
    assert v["point lookup median ms, rfm_segments, PostgreSQL, 50×"] == (pytest.approx(12.0), "MISSED")
    assert v["point lookup uses an index, win_back_targets, 50×"] == (0.0, "MISSED")
    assert not any(name.endswith(", 1×") and "lookup" in name for name in v)


def test_comparison_table_gives_both_sides_and_after_over_before():
    results = full_results()
    # this commit's DuckDB dbt build at 1×: 5 s, CPU 1 s, 500 MB; before: 4 s, CPU 2 s, 400 MB.
    results.add(bench.Measurement(1, bench.orders_for(1), "duckdb", "before_dbt_build", 4.0, 400.0, 400.0, None, 0,
                                  detail="before abc1234", cpu_s=2.0))
    results.add(lookup("customers", 1, 0.25, 0.5, "Index Scan"))
    results.add(lookup("customers", 1, 40.0, 55.5, "Seq Scan", prefix="before_"))
    text = "\n".join(bench.comparison_tables(results))
    assert "**dbt build: before abc1234 → this commit**" in text
    row = next(line for line in text.splitlines() if line.startswith("| 1×") and "duckdb" in line)
    assert [c.strip() for c in row.strip("|").split("|")] == [
        "1×", "duckdb", "4.0", "5.0", "1.25", "2.0", "1.0", "0.50", "400.0", "500.0", "1.25"]
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in text.split("**Point")[1].splitlines()
             if line.startswith("| 1×")]
    assert cells == [["1×", "this commit", "customers", "0.25", "0.50", "Index Scan"],
                     ["1×", "before abc1234", "customers", "40.00", "55.50", "Seq Scan"]]
    assert "postgres" not in text.split("**Point")[0].split("\n", 3)[-1]    # no before row for postgres: no line


def test_lookup_median_comes_from_the_detail_when_the_csv_rounded_wall_s():
    from benchlib.measure import Measurement
    from benchlib.ratios import lookup_fields

    # 0.12 ms stored as wall_s rounds to 0.0 s in the CSV; the detail keeps it
    m = Measurement(50, 4_972_050, "postgres", "lookup customers", 0.0, 0.0, 0.0,
                    detail="median_ms=0.120; p95_ms=0.210; plan=Index Scan; n=200")
    assert lookup_fields(m) == (0.12, 0.21, "Index Scan")


# --- the refresh: files of one month later after a build on the cut files, beside a --full-refresh build -------

def with_refreshes(results):
    """full_results() plus build_cut and dbt_refresh at 10× and 50×, and PostgreSQL's 10× builds with server CPU.
    Full builds (full_results): DuckDB 30 s at 10×, PostgreSQL 50 s at 10×; 250 s on both at 50×."""
    results.measurements = [x for x in results.measurements
                            if not (x.step == "dbt_build" and x.engine == "postgres" and x.scale == 10)]
    full_pg = m("dbt_build", "postgres", 10, 50.0, peak=140.0, cpu=5.0, server_cpu=25.0)
    full_pg.server_rss_mb = 150.0
    results.add(full_pg)
    refresh_pg = m("dbt_refresh", "postgres", 10, 20.0, peak=120.0, cpu=3.0, server_cpu=6.0)
    refresh_pg.server_rss_mb = 90.0
    results.add(refresh_pg)
    results.add(m("dbt_refresh", "duckdb", 10, 9.0, peak=400.0, cpu=2.0))
    results.add(m("dbt_refresh", "duckdb", 50, 87.5))
    results.add(m("dbt_refresh", "postgres", 50, 50.0))
    results.add(m("build_cut", "duckdb", 10, 25.0))
    results.add(m("build_cut", "postgres", 10, 45.0))
    return results


def test_refresh_over_full_refresh_is_judged_at_10x_and_50x_on_both_engines():
    v = verdicts(with_refreshes(full_results()))
    name = "dbt refresh / dbt build --full-refresh, {}, {}, {}"
    assert v[name.format("wall", "duckdb", "10×")] == (pytest.approx(9 / 30), "met")          # 0.30
    assert v[name.format("wall", "postgres", "10×")] == (pytest.approx(20 / 50), "MISSED")    # 0.40 > 0.35
    assert v[name.format("wall", "duckdb", "50×")] == (pytest.approx(0.35), "met")            # 87.5 / 250: at the limit
    assert v[name.format("wall", "postgres", "50×")] == (pytest.approx(0.2), "met")           # 50 / 250
    # CPU: client + server; DuckDB 2 / 1, PostgreSQL (3 + 6) / (5 + 25).
    assert v[name.format("CPU time", "duckdb", "10×")] == (pytest.approx(2.0), "info")
    assert v[name.format("CPU time", "postgres", "10×")] == (pytest.approx(0.3), "info")
    assert not any(key.startswith("dbt refresh") and key.endswith(", 1×") for key in v)


def test_refresh_ratio_without_a_refresh_is_not_available():
    v = verdicts(full_results())
    assert v["dbt refresh / dbt build --full-refresh, wall, duckdb, 10×"] == (None, "n/a")


def test_fit_preset_moves_the_refresh_sizes_too():
    assert bench.PRESETS["full"].refresh_scales == (10, 50)
    assert bench.fit_preset(bench.PRESETS["smoke"], (0.05, 0.1)).refresh_scales == (0.05, 0.1)
    assert bench.fit_preset(bench.PRESETS["full"], (0.5, 2)).refresh_scales == (2,)
    assert bench.fit_preset(bench.PRESETS["full"], (1, 10)).refresh_scales == (10,)


def table_rows(text, title):
    """Cells of the rows of the Markdown table following ``title``."""
    section = text.split(title, 1)[1].split("\n\n")[1]
    return [[c.strip() for c in line.strip("|").split("|")] for line in section.splitlines()[2:]]


def test_refresh_table_gives_both_builds_and_their_ratios():
    text = bench.report(with_refreshes(full_results()), bench.PRESETS["full"], {}, "run1")
    rows = table_rows(text, "**Refresh: the files of one month later, after a build on the cut files**")
    assert rows == [
        ["10×", "duckdb", "25.0", "9.0", "30.0", "0.30", "2.0", "1.0", "2.00", "400", "500"],
        ["10×", "postgres", "45.0", "20.0", "50.0", "0.40", "9.0", "30.0", "0.30", "120 [90]", "140 [150]"],
        ["50×", "duckdb", "–", "87.5", "250.0", "0.35", "1.0", "1.0", "1.00", "100", "3,000"],
        ["50×", "postgres", "–", "50.0", "250.0", "0.20", "1.0", "1.0", "1.00", "100", "3,000"],
    ]


def test_report_without_refresh_steps_has_no_refresh_table_and_dashes_for_the_cut(tmp_path, capsys):
    # An older run's CSV (no cut, load_cut, build_cut, dbt_refresh), printed again with `bench.py report`.
    results = full_results()
    results.add(m("generate", "-", 1, 3.5))
    csv_path = tmp_path / "bench_full_old.csv"
    ctx = bench.Context(bench.Settings("full", bench.PRESETS["full"], (1, 10, 50), bench.ENGINES, (1,), "olist_bench",
                                       tmp_path), results, "old", csv_path)
    bench.write_csv(ctx)
    assert bench.main(["report", str(csv_path)]) == 0
    text = capsys.readouterr().out
    assert "Refresh:" not in text and "dbt refresh" in text       # the ratio is listed, without a value
    wall = table_rows(text, "**Wall time, seconds**")
    assert wall[0][:6] == ["1×", "99,441", "duckdb", "3.5", "–", "1.0"]     # generate, cut, load


def test_refresh_differences_compare_every_total():
    full = {"segment_history rows": 120.0, "segment_history snapshots": 13.0, "segment_history monetary": 5000.25,
            "segment_transitions people": 110.0, "segment_transitions to_revenue": 4000.5,
            "segment_reactivation returned": 7.0}
    assert bench.refresh_differences(dict(full), full) == []
    # Sums of decimals to half a cent; every count exactly.
    assert bench.refresh_differences({**full, "segment_history monetary": 5000.254}, full) == []
    assert bench.refresh_differences({**full, "segment_history rows": 119.0, "segment_transitions to_revenue": 4000.6},
                                     full) == [
        "segment_history rows: refresh 119.00, full refresh 120.00",
        "segment_transitions to_revenue: refresh 4,000.60, full refresh 4,000.50"]
    missing = dict(full)
    del missing["segment_reactivation returned"]
    assert bench.refresh_differences(missing, full) == ["segment_reactivation returned only in the full refresh"]


def test_history_totals_read_the_marts_of_a_duckdb_warehouse(tmp_path):
    import duckdb

    database = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("create schema analytics")
        con.execute("""create table analytics.segment_history as select * from (values
            (date '2018-08-01', 'a', 1, 10.50, 30, 5, 1, 3), (date '2018-09-01', 'a', 2, 20.25, 3, 5, 4, 4),
            (date '2018-09-01', 'b', 1, 5.00, 40, 2, 1, 1))
            t(snapshot_date, customer_unique_id, frequency, monetary, recency_days, r_score, f_score, m_score)""")
        con.execute("""create table analytics.segment_transitions as select * from (values
            (1, 10.50, 20.25), (1, 0.00, 5.00)) t(people, from_revenue, to_revenue)""")
        con.execute("create table analytics.segment_reactivation as select * from (values (2, 1), (1, 0)) "
                    "t(people, returned)")
    assert bench.duckdb_history_totals(database) == {
        "segment_history rows": 3, "segment_history snapshots": 2, "segment_history frequency": 4,
        "segment_history monetary": 35.75, "segment_history recency_days": 73, "segment_history r_score": 12,
        "segment_history f_score": 6, "segment_history m_score": 8,
        "segment_transitions rows": 2, "segment_transitions people": 2, "segment_transitions from_revenue": 10.5,
        "segment_transitions to_revenue": 25.25,
        "segment_reactivation rows": 2, "segment_reactivation people": 3, "segment_reactivation returned": 1}


def test_history_plan_is_read_from_the_dbt_log(tmp_path):
    log = tmp_path / "refresh.log"
    log.write_text("12:00:01  segment_history: 4 of 13 snapshots (missing or since 2018-06-01)\n12:00:02  Done.\n")
    assert bench.history_plan(log) == "segment_history 4 of 13 snapshots; "
    log.write_text("12:00:01  Done.\n")
    assert bench.history_plan(log) == ""
