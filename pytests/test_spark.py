"""The Spark target end to end (marked ``spark``; `make test-spark` runs it): generated files → load_data.py
--target spark → `dbt build --target spark` under both RFM schemes → roi.py --target spark.

Checks that every model and test passes on Spark, that its marts equal DuckDB's row by row for the same files
(normalised as in test_dbt_build), that the loader keeps the same rejects and audit on Spark as on DuckDB and
replaces the raw tables on a second load, and that roi.py on Spark writes the report with DuckDB's business cases.

One Spark warehouse serves the whole module (a Spark process starts in ~10-20 s and its embedded metastore admits one
process at a time): load twice, a refused load, then build and snapshot each scheme, then roi.py (on the marts of
the last scheme built, compared with DuckDB's for that scheme).
"""
from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import (
    HISTORY_MARTS, MART_KEYS, RFM_SCHEMES, duckdb_warehouse_env, load_and_build, query_warehouse, query_warehouse_many,
    run_dbt, run_script, snapshot_marts, spark_warehouse_env,
)
from customer_intel.olist_files import CAMPAIGN_CONTACTS_FILE
from customer_intel.generate.cut import add_months
from customer_intel.profile import ProfileError, load_target
from test_load import (
    BAD_CAMPAIGN, BAD_CAMPAIGN_ROWS, CAMPAIGN, EXPECTED_CAMPAIGN_REJECTS, KAGGLE_FILES, file_line, write_files,
)

pytestmark = pytest.mark.spark  # not also slow: `pytest -m slow` must not pick up tests needing the spark extra

ORDERS = "olist_orders_dataset.csv"
# Appended to the generated orders file: a timestamp that does not parse, and a record with three fields.
# New order ids, referenced by nothing, so the marts do not depend on them.
BAD_ORDER_LINES = (
    "bad_order_1,bad_customer_1,delivered,31/12/2017 10:00,,,,2018-01-10 00:00:00\n"
    "bad_order_2,bad_customer_2,delivered\n"
)
# The default scheme is built in full; the other one then rebuilds only what depends on the scheme (as a user
# switching schemes would), which halves the time of the second build.
FULL_BUILD_SCHEME = "tie_aware"
# Everything the RFM scheme changes: the scores and what reads them, and every model of the rules seed (history).
SCHEME_DEPENDENT = "int_customers_rfm_scored+ rfm_segment_rules+"
REJECTS_SQL = ("select load_id, file_name, line_number, raw_text, reason from raw.load_rejects "
               "order by load_id, file_name, line_number")
AUDIT_SQL = ("select load_id, file_name, rows_read, rows_loaded, rows_rejected, sha256, size_bytes "
             "from raw.load_audit order by load_id, file_name")


@dataclass
class SparkRun:
    env: dict
    loads: list = field(default_factory=list)
    refused_load: object = None
    builds: dict = field(default_factory=dict)
    snapshots: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)
    raw: dict = field(default_factory=dict)
    roi: object = None
    roi_out: Path | None = None


@pytest.fixture(scope="module")
def spark_data(generated_data, tmp_path_factory) -> Path:
    """The session's generated files, with two unparseable order records appended."""
    folder = tmp_path_factory.mktemp("olist_spark_data")
    for path in generated_data.iterdir():
        shutil.copy(path, folder / path.name)
    with open(folder / ORDERS, "a", encoding="utf-8", newline="") as fh:
        fh.write(BAD_ORDER_LINES)
    return folder


@pytest.fixture(scope="module")
def duckdb_builds(spark_data, tmp_path_factory) -> dict:
    """scheme → (dbt build's process, env) on DuckDB, from the same files."""
    builds = {}
    for scheme in RFM_SCHEMES:
        env = duckdb_warehouse_env(tmp_path_factory.mktemp(f"warehouse_duckdb_for_spark_{scheme}"))
        builds[scheme] = (load_and_build(env, spark_data, scheme, tmp_path_factory.mktemp(f"dbt_duckdb_{scheme}")),
                          env)
    return builds


@pytest.fixture(scope="module")
def spark_run(spark_data, tmp_path_factory) -> SparkRun:
    try:
        load_target("spark")
    except ProfileError as exc:
        pytest.fail(f"{exc}: profiles.yml predates the spark target; copy it from profiles.yml.example")
    run = SparkRun(env=spark_warehouse_env(tmp_path_factory.mktemp("warehouse_spark")))
    for _ in range(2):
        started = time.perf_counter()
        run.loads.append(run_script("load_data.py", "--data-dir", str(spark_data), env=run.env, check=False))
        run.seconds.setdefault("load", time.perf_counter() - started)
    broken = tmp_path_factory.mktemp("olist_broken")
    for path in spark_data.iterdir():
        if path.name != ORDERS:
            shutil.copy(path, broken / path.name)
    run.refused_load = run_script("load_data.py", "--data-dir", str(broken), env=run.env, check=False)

    for scheme in sorted(RFM_SCHEMES, key=lambda name: name != FULL_BUILD_SCHEME):
        selection = [] if scheme == FULL_BUILD_SCHEME else ["--select", SCHEME_DEPENDENT]
        started = time.perf_counter()
        build = run_dbt(run.env, "build", "--vars", f"{{rfm_scheme: {scheme}}}", *selection,
                        workdir=tmp_path_factory.mktemp(f"dbt_spark_{scheme}"))
        run.seconds[f"dbt build {scheme}"] = time.perf_counter() - started
        run.builds[scheme] = build
        if build.returncode == 0:
            run.snapshots[scheme] = snapshot_marts(run.env)

    rejects, audit, raw_tables, orders = query_warehouse_many(run.env, [
        REJECTS_SQL, AUDIT_SQL, "show tables in raw", "select count(*) from raw.orders"])
    run.raw = {"rejects": rejects, "audit": audit, "tables": sorted(row[1] for row in raw_tables),
               "orders": orders[0][0]}

    run.roi_out = tmp_path_factory.mktemp("roi_spark") / "out"
    started = time.perf_counter()
    run.roi = run_script("roi.py", "--target", "spark", "--out", str(run.roi_out), "--no-png", env=run.env,
                         check=False)
    run.seconds["roi.py"] = time.perf_counter() - started
    print("\nSpark timings: " + ", ".join(f"{step} {seconds:.0f} s" for step, seconds in run.seconds.items()))
    return run


def by_load(rows: list[tuple]) -> dict[str, list[tuple]]:
    """Rows whose first column is a load_id, grouped by load, without the load_id."""
    grouped: dict[str, list[tuple]] = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(tuple(row[1:]))
    return grouped


def test_load_data_writes_the_raw_tables_into_spark(spark_run):
    for load in spark_run.loads:
        assert load.returncode == 0, load.stderr[-3000:]
        assert "committed load" in load.stdout
        assert "2 rejected" in load.stdout.splitlines()[-1]


def test_rejects_and_audit_on_spark_equal_duckdbs(spark_run, duckdb_builds):
    duck_rejects, duck_audit = query_warehouse_many(duckdb_builds["tie_aware"][1], [REJECTS_SQL, AUDIT_SQL])
    spark_rejects, spark_audit = by_load(spark_run.raw["rejects"]), by_load(spark_run.raw["audit"])
    assert len(spark_audit) == 2, "one audited load per successful run, none for the refused one"
    expected_rejects, expected_audit = by_load(duck_rejects), by_load(duck_audit)
    (expected_rejects,), (expected_audit,) = expected_rejects.values(), expected_audit.values()
    assert [(file_name, raw_text) for file_name, _, raw_text, _ in expected_rejects] == [
        (ORDERS, line) for line in BAD_ORDER_LINES.splitlines()]
    for load_id in spark_audit:
        assert spark_rejects[load_id] == expected_rejects
        assert spark_audit[load_id] == expected_audit


def test_a_second_load_replaces_the_raw_tables(spark_run):
    last_load = sorted(by_load(spark_run.raw["audit"]).items())[-1][1]
    loaded_orders = {file_name: rows_loaded for file_name, _, rows_loaded, *_ in last_load}[ORDERS]
    assert spark_run.raw["orders"] == loaded_orders
    assert not [table for table in spark_run.raw["tables"] if table.endswith("__incoming")]


def test_a_refused_load_leaves_spark_unchanged(spark_run):
    assert spark_run.refused_load.returncode == 2
    assert f"{ORDERS}: file not found" in spark_run.refused_load.stderr


@pytest.mark.parametrize("scheme", RFM_SCHEMES)
def test_dbt_build_passes_on_spark(spark_run, scheme):
    build = spark_run.builds[scheme]
    assert build.returncode == 0, build.stdout[-4000:]
    assert "ERROR=0" in build.stdout and "WARN=0" in build.stdout, build.stdout[-2000:]


@pytest.mark.parametrize("scheme", RFM_SCHEMES)
def test_spark_marts_equal_duckdbs(spark_run, duckdb_builds, scheme):
    duck_build, duck_env = duckdb_builds[scheme]
    assert duck_build.returncode == 0, duck_build.stdout[-3000:]
    assert scheme in spark_run.snapshots, "the Spark build failed"
    duck, spark = snapshot_marts(duck_env), spark_run.snapshots[scheme]
    for mart in MART_KEYS:
        assert len(spark[mart]) == len(duck[mart]), mart
        assert spark[mart] == duck[mart], f"{mart} differs between Spark and DuckDB"


def test_roi_on_spark_writes_duckdbs_business_cases(spark_run, duckdb_builds, tmp_path):
    assert spark_run.roi.returncode == 0, spark_run.roi.stderr[-3000:]
    assert "(target spark)" in spark_run.roi.stdout
    report = spark_run.roi_out / "report.html"
    assert report.is_file() and report.stat().st_size > 10_000
    duck_out = tmp_path / "out"
    last_scheme = list(spark_run.builds)[-1]
    run_script("roi.py", "--target", "duckdb", "--out", str(duck_out), "--no-png", env=duckdb_builds[last_scheme][1])
    tables = sorted(path.name for path in duck_out.glob("*.csv"))
    assert tables == sorted(path.name for path in spark_run.roi_out.glob("*.csv"))
    for name in tables:
        duck_lines = (duck_out / name).read_text().splitlines()
        spark_lines = (spark_run.roi_out / name).read_text().splitlines()
        if name == "business_case_summary.csv":  # names the target it read
            duck_lines = [line.replace(",target,duckdb", ",target,spark") for line in duck_lines]
        assert spark_lines == duck_lines, name


def test_customer_predictions_on_spark_equal_duckdbs(spark_run, duckdb_builds, tmp_path):
    """roi.py wrote the same per-person predictions into Spark's warehouse as into DuckDB's (same marts)."""
    from customer_intel.roi.cases.predictive_profile import PROFILE_COLUMNS

    assert spark_run.roi.returncode == 0, spark_run.roi.stderr[-3000:]
    sql = (f"select {', '.join(PROFILE_COLUMNS)} from predictions.customer_predictions "
           "order by customer_unique_id")
    duck_env = duckdb_builds[list(spark_run.builds)[-1]][1]
    run_script("roi.py", "--target", "duckdb", "--out", str(tmp_path / "out"), "--no-png", env=duck_env)
    spark = query_warehouse(spark_run.env, sql)
    duck = query_warehouse(duck_env, sql)
    assert len(spark) == len(duck) > 0
    for spark_row, duck_row in zip(spark, duck):  # dates, labels and nulls equal; numbers to the last digits
        assert list(spark_row) == [pytest.approx(value, rel=1e-12) if isinstance(value, float) else value
                                   for value in duck_row]


def test_campaign_file_loads_on_spark_as_on_duckdb(tmp_path):
    """The optional campaign file (test_load's hand-made one, with every kind of bad row) on a Spark warehouse of its
    own: the same rows, rejects and per-file line as on DuckDB; a second load without the file leaves the table empty
    with the contract's columns."""
    folder = write_files(tmp_path / "files", {**KAGGLE_FILES, CAMPAIGN: BAD_CAMPAIGN})
    queries = ["select * from raw.campaign_contacts",
               "select file_name, line_number, raw_text, reason from raw.load_rejects"]
    results = {}
    for engine, env in (("spark", spark_warehouse_env(tmp_path / "spark")),
                        ("duckdb", duckdb_warehouse_env(tmp_path / "duckdb"))):
        proc = run_script("load_data.py", "--data-dir", str(folder), env=env)
        rows, rejects = query_warehouse_many(env, queries)
        results[engine] = (sorted(rows), sorted(rejects), file_line(proc.stdout, CAMPAIGN))
    assert results["spark"] == results["duckdb"]
    rows, rejects, line = results["spark"]
    assert rows == BAD_CAMPAIGN_ROWS
    assert [(line_number, text.rstrip("\n"), reason) for _, line_number, text, reason in rejects
            ] == EXPECTED_CAMPAIGN_REJECTS
    assert line == [CAMPAIGN, "13", "3", str(len(EXPECTED_CAMPAIGN_REJECTS))]

    without = write_files(tmp_path / "without", KAGGLE_FILES)
    env = spark_warehouse_env(tmp_path / "spark")
    run_script("load_data.py", "--data-dir", str(without), env=env)
    rows, columns = query_warehouse_many(env, ["select * from raw.campaign_contacts",
                                               "show columns in raw.campaign_contacts"])
    assert rows == []
    assert [column for column, in columns] == CAMPAIGN_CONTACTS_FILE.header


# --- segment_history's incremental refresh on Spark (insert_overwrite of snapshot_date partitions) ---------------
# Only the models the history marts need (and their seeds), without data tests: the refresh and its check, not a
# second full build of the project.
HISTORY_SELECTION = ["--select", "+segment_reactivation_pooled +segment_transitions +clv_inputs",
                     "--resource-type", "model", "--resource-type", "seed"]


@pytest.fixture(scope="module")
def spark_history_refresh(generated_data, tmp_path_factory) -> dict:
    """A Spark warehouse of its own: the files cut one month earlier built, then the full files loaded and built
    (the incremental refresh of segment_history), then `--full-refresh -s segment_history+`; the history marts
    after each of the last two."""
    from customer_intel.generate.cut import cut_files, newest_snapshot, one_month_earlier

    cut_dir = tmp_path_factory.mktemp("olist_cut_for_spark")
    newest = newest_snapshot(generated_data)
    cut_files(generated_data, one_month_earlier(newest), cut_dir)
    env = spark_warehouse_env(tmp_path_factory.mktemp("warehouse_spark_refresh"))
    work = tmp_path_factory.mktemp("dbt_spark_refresh")
    result = {"newest": newest, "steps": {}, "marts": {}}
    for name, data_dir in (("first build", cut_dir), ("refresh", generated_data)):
        run_script("load_data.py", "--data-dir", str(data_dir), env=env)
        result["steps"][name] = run_dbt(env, "build", *HISTORY_SELECTION, workdir=work)
        if result["steps"][name].returncode != 0:
            return result
    result["marts"]["refresh"] = snapshot_marts(env, HISTORY_MARTS)
    result["steps"]["full refresh"] = run_dbt(env, "run", "--full-refresh", "-s", "segment_history+", workdir=work)
    if result["steps"]["full refresh"].returncode == 0:
        result["marts"]["full refresh"] = snapshot_marts(env, HISTORY_MARTS)
    return result


def test_segment_history_refresh_on_spark_equals_a_full_refresh(spark_history_refresh):
    from test_incremental_history import assert_marts_equal, plan_of

    for name, proc in spark_history_refresh["steps"].items():
        assert proc.returncode == 0, f"{name}:\n{proc.stdout[-4000:]}"
    computed, grid, _ = plan_of(spark_history_refresh["steps"]["refresh"])
    assert computed < grid  # only some partitions overwritten: a static overwrite would have lost the others
    refreshed, full = spark_history_refresh["marts"]["refresh"], spark_history_refresh["marts"]["full refresh"]
    assert_marts_equal(refreshed, full, "the Spark refresh differs from a full build")
    assert {row[0] for row in full["segment_history"]} == {
        add_months(spark_history_refresh["newest"], -k).isoformat() for k in range(grid)}
