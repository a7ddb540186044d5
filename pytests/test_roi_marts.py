"""Reading the marts through the dbt profile's target, on DuckDB and PostgreSQL, with clear errors."""
from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from customer_intel.profile import load_target
from customer_intel.roi import cases
from customer_intel.roi.presentation import tables
from customer_intel.roi.assumptions import load_assumptions
from customer_intel.roi.errors import RoiError
from customer_intel.roi.marts import MART_COLUMNS, read_marts


def read(env: dict, use_env):
    use_env(env)
    return read_marts(load_target(env["DBT_TARGET"]))


def message_of(env: dict, use_env) -> str:
    with pytest.raises(RoiError) as error:
        read(env, use_env)
    message = str(error.value)
    assert "\n" not in message
    return message


def check_hand_made(marts) -> None:
    """The numbers conftest's hand-made marts were built with."""
    assert marts.totals.as_of_date == dt.date(2017, 10, 1)
    assert (marts.totals.customers, marts.totals.purchases) == (50, 57)
    assert marts.totals.revenue == pytest.approx(15_250.0)
    assert marts.totals.avg_order_value == pytest.approx(15_250 / 57)
    assert marts.totals.last_purchase_date == dt.date(2017, 6, 26)  # c01: 2017-07-01 − 5 days
    assert not marts.totals.as_of_is_day_after_last_purchase
    assert len(marts.win_back_targets) == 20
    assert marts.win_back_targets["monetary"].mean() == pytest.approx(300.0)
    for name, columns in MART_COLUMNS.items():
        assert tuple(getattr(marts, name).columns) == columns
    assert pd.api.types.is_datetime64_any_dtype(marts.cohort_retention["cohort_month"])
    assert pd.api.types.is_float_dtype(marts.clv["revenue"])
    # only the latest period of segment_transitions is read (the earlier one holds a move of 100 people)
    assert marts.segment_transitions["to_snapshot_date"].unique().tolist() == [pd.Timestamp("2017-10-01")]
    assert marts.segment_transitions["people"].sum() == 31
    assert len(marts.segment_reactivation_pooled) == 15
    assert pd.api.types.is_datetime64_any_dtype(marts.segment_reactivation_pooled["first_snapshot_date"])


def test_reads_hand_made_marts_from_duckdb(roi_duckdb_env, use_env):
    marts = read(roi_duckdb_env, use_env)
    assert marts.target_name == "duckdb"
    check_hand_made(marts)


@pytest.mark.postgres
def test_postgres_gives_the_same_marts_and_results(roi_duckdb_env, roi_postgres_env, use_env):
    from_duckdb = read(roi_duckdb_env, use_env)
    from_postgres = read(roi_postgres_env, use_env)
    check_hand_made(from_postgres)
    assumptions = load_assumptions()
    duckdb_results = cases.compute(from_duckdb, assumptions)
    postgres_results = cases.compute(from_postgres, assumptions)
    summary_duckdb = tables.summary_table(duckdb_results).iloc[2:]  # rows 0-1: as-of date and target name
    summary_postgres = tables.summary_table(postgres_results).iloc[2:]
    assert summary_duckdb["value"].astype(float).tolist() == pytest.approx(
        summary_postgres["value"].astype(float).tolist(), nan_ok=True)
    pd.testing.assert_frame_equal(tables.simulation_table(duckdb_results), tables.simulation_table(postgres_results))


def test_missing_mart_says_run_dbt_build(roi_duckdb_env, use_env):
    with duckdb.connect(roi_duckdb_env["DUCKDB_PATH"]) as connection:
        connection.execute("drop table analytics.win_back_targets")
    assert message_of(roi_duckdb_env, use_env) == (
        "marts: analytics.win_back_targets not found in target 'duckdb': run dbt build first"
    )


def test_missing_reactivation_mart_says_run_dbt_build(roi_duckdb_env, use_env):
    with duckdb.connect(roi_duckdb_env["DUCKDB_PATH"]) as connection:
        connection.execute("drop table analytics.segment_reactivation_pooled")
    assert message_of(roi_duckdb_env, use_env) == (
        "marts: analytics.segment_reactivation_pooled not found in target 'duckdb': run dbt build first"
    )


def test_missing_column_says_run_dbt_build(roi_duckdb_env, use_env):
    with duckdb.connect(roi_duckdb_env["DUCKDB_PATH"]) as connection:
        connection.execute("alter table analytics.clv drop column avg_monetary")
    message = message_of(roi_duckdb_env, use_env)
    assert message.startswith("marts: cannot read analytics.clv (")
    assert message.endswith("): run dbt build first")


def test_missing_duckdb_file_says_run_dbt_build(duckdb_env, use_env):
    assert message_of(duckdb_env, use_env) == (
        f"marts: DuckDB file {duckdb_env['DUCKDB_PATH']} not found: run dbt build first"
    )


def test_empty_customers_mart(roi_duckdb_env, use_env):
    with duckdb.connect(roi_duckdb_env["DUCKDB_PATH"]) as connection:
        connection.execute("delete from analytics.rfm_segments")
    assert message_of(roi_duckdb_env, use_env) == (
        "marts: rfm_segments is empty: load data with orders, then run dbt build"
    )


@pytest.mark.postgres
def test_postgres_without_marts_says_run_dbt_build(postgres_env, use_env):
    assert message_of(postgres_env, use_env) == (
        "marts: analytics.rfm_segments not found in target 'postgres': run dbt build first"
    )


@pytest.mark.postgres
def test_unreachable_postgres_is_one_line(postgres_env, use_env):
    env = {**postgres_env, "POSTGRES_PORT": "1"}
    assert message_of(env, use_env).startswith("marts: cannot connect to PostgreSQL of target 'postgres' (")


@pytest.mark.postgres
def test_postgres_rows_arrive_as_typed_csv_with_every_awkward_value(roi_postgres_env, use_env):
    """What the COPY reader must get right, value by value against what was inserted: nulls of every type (also a
    column holding only nulls), text that looks like a null, a number or a boolean, quotes, commas and line breaks
    inside text, non-ASCII text, numerics that happen to be whole numbers, timestamps, and a query without rows."""
    import psycopg2

    from customer_intel.profile import load_target as target_of
    from customer_intel.roi.warehouses import PostgresWarehouse

    use_env(roi_postgres_env)
    dsn = target_of("postgres").postgres_dsn()
    with psycopg2.connect(**dsn) as connection, connection.cursor() as cursor:
        cursor.execute("create table analytics.awkward (k int, amount numeric(10, 2), day date, at timestamp,"
                       " count bigint, flag boolean, label text, nothing numeric)")
        cursor.execute("insert into analytics.awkward values"
                       " (1, 2.50, '2017-01-02', '2017-01-02 10:11:12', 3, true, 'NA', null),"
                       " (2, 7.00, '2017-01-03', '2017-01-03 00:00:00', 4, false, '12', null),"
                       " (3, null, null, null, null, null, null, null),"
                       " (4, -0.10, '2018-12-31', '2018-12-31 23:59:59', 5, true, e'say \"hi\", then\nleave', null),"
                       " (5, 0, '2017-06-01', '2017-06-01 12:00:00', 6, false, 'São Paulo', null),"
                       " (6, 1, '2017-06-02', '2017-06-02 12:00:00', 7, true, '', null)")
    warehouse = PostgresWarehouse(dsn, "postgres")
    try:
        frame = warehouse.query("select * from analytics.awkward order by k")
        empty = warehouse.query("select * from analytics.awkward where k > 100")
    finally:
        warehouse.close()
    assert frame["k"].tolist() == [1, 2, 3, 4, 5, 6] and frame["k"].dtype == "int64"
    assert pd.api.types.is_float_dtype(frame["amount"])
    assert frame["amount"].tolist()[:2] == [2.5, 7.0] and frame["amount"].tolist()[3:] == [-0.1, 0.0, 1.0]
    assert pd.isna(frame["amount"][2])
    assert pd.api.types.is_datetime64_any_dtype(frame["day"]) and pd.api.types.is_datetime64_any_dtype(frame["at"])
    assert frame["day"][0] == pd.Timestamp("2017-01-02") and pd.isna(frame["day"][2])
    assert frame["at"][3] == pd.Timestamp("2018-12-31 23:59:59")
    assert frame["count"].tolist()[:2] == [3.0, 4.0] and pd.isna(frame["count"][2])  # nulls: floats, as pandas
    assert frame["flag"].tolist()[:2] == [True, False] and pd.isna(frame["flag"][2])
    assert frame["label"].tolist()[:2] == ["NA", "12"] and pd.isna(frame["label"][2])
    assert frame["label"][3] == 'say "hi", then\nleave' and frame["label"][4] == "São Paulo"
    assert frame["label"][5] == ""
    assert frame["nothing"].isna().all() and pd.api.types.is_float_dtype(frame["nothing"])
    assert empty.empty and list(empty.columns) == list(frame.columns)
    assert empty["k"].dtype == "int64" and pd.api.types.is_float_dtype(empty["amount"])


def test_people_come_in_customer_order_and_share_one_string_per_segment(roi_duckdb_env, use_env):
    people = read(roi_duckdb_env, use_env).clv_people
    assert people["customer_unique_id"].tolist() == sorted(people["customer_unique_id"])
    for column in ("rfm_segment", "calibration_rfm_segment"):
        values = people[column].dropna()
        assert len({id(value) for value in values}) == values.nunique() > 1
