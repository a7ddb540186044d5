"""Measuring what a campaign did: the readout marts (campaign_results, campaign_lift) against an independent
recomputation from the files, and against campaigns planted by the generator with a known effect.

- The session's data carries a planted campaign (conftest.PLANTED_CAMPAIGN); its readout on DuckDB and PostgreSQL is
  recomputed here with pandas from the CSV files (buyers per group) and with the formulas written out in Python
  (Newcombe's interval from two Wilson intervals, the pooled z-test's p-value from scipy's normal tail).
  Cross-engine equality of the marts (Spark included) is in test_dbt_build / test_spark via MART_KEYS.
- A larger planted campaign is built twice on DuckDB: with an uplift of 5 % the measured lift is within 1.5 points
  of 0.05 and its interval excludes 0; with no uplift the interval covers 0.
"""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from scipy.stats import norm

from conftest import (PLANTED_CAMPAIGN, duckdb_warehouse_env, query_warehouse, run_dbt, run_script)

pytestmark = pytest.mark.slow

Z = 1.959963984540054
WINDOW_MONTHS = 3  # dbt var campaign_window_months (dbt_project.yml)


def readout_from_files(folder: Path) -> pd.DataFrame:
    """Per campaign and group, from the CSV files: people, buyers (a delivered order purchased from contacted_at
    until 3 months later) and their revenue (items' price + freight)."""
    contacts = pd.read_csv(folder / "campaign_contacts.csv", dtype=str)
    orders = pd.read_csv(folder / "olist_orders_dataset.csv", dtype=str)
    customers = pd.read_csv(folder / "olist_customers_dataset.csv", dtype=str)
    items = pd.read_csv(folder / "olist_order_items_dataset.csv", dtype={"order_id": str})
    value = (items["price"] + items["freight_value"]).groupby(items["order_id"]).sum()
    delivered = orders.loc[orders["order_status"] == "delivered"].merge(
        customers[["customer_id", "customer_unique_id"]], on="customer_id")
    delivered["purchased_at"] = pd.to_datetime(delivered["order_purchase_timestamp"])
    delivered["value"] = delivered["order_id"].map(value).fillna(0.0)
    contacts["contacted_at"] = pd.to_datetime(contacts["contacted_at"])
    joined = contacts.merge(delivered[["customer_unique_id", "purchased_at", "value"]], on="customer_unique_id",
                            how="left")
    in_window = ((joined["purchased_at"] >= joined["contacted_at"])
                 & (joined["purchased_at"] < joined["contacted_at"] + pd.DateOffset(months=WINDOW_MONTHS)))
    joined["value"] = joined["value"].where(in_window, 0.0)
    per_person = joined.assign(bought=in_window).groupby(["campaign_id", "group", "customer_unique_id"]).agg(
        bought=("bought", "any"), revenue=("value", "sum")).reset_index()
    return per_person.groupby(["campaign_id", "group"]).agg(
        people=("bought", "size"), buyers=("bought", "sum"), revenue=("revenue", "sum")).reset_index()


def wilson(buyers: int, people: int) -> tuple[float, float]:
    p, n = buyers / people, people
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return centre - half, centre + half


def expected_lift(treatment: tuple[int, int], control: tuple[int, int]) -> dict[str, float]:
    """Lift, Newcombe's hybrid score interval and the pooled two-proportion z-test, from (buyers, people)."""
    (bt, nt), (bc, nc) = treatment, control
    pt, pc = bt / nt, bc / nc
    (lt, ut), (lc, uc) = wilson(bt, nt), wilson(bc, nc)
    lift = pt - pc
    pooled = (bt + bc) / (nt + nc)
    se = math.sqrt(pooled * (1 - pooled) * (1 / nt + 1 / nc))
    return {"lift": lift, "lift_lower_95": lift - math.sqrt((pt - lt) ** 2 + (uc - pc) ** 2),
            "lift_upper_95": lift + math.sqrt((ut - pt) ** 2 + (pc - lc) ** 2),
            "p_value": 2 * norm.sf(abs(lift) / se) if se > 0 else 1.0}


LIFT_SQL = """
select campaign_id, treatment_people, treatment_buyers, control_people, control_buyers, lift, lift_lower_95,
       lift_upper_95, p_value, incremental_buyers, is_window_complete
from analytics.campaign_lift order by campaign_id
"""
LIFT_COLUMNS = ["campaign_id", "treatment_people", "treatment_buyers", "control_people", "control_buyers", "lift",
                "lift_lower_95", "lift_upper_95", "p_value", "incremental_buyers", "is_window_complete"]


def check_readout(env: dict, folder: Path) -> pd.DataFrame:
    """The marts of ``env`` equal the readout recomputed from the files; returns campaign_lift."""
    expected = readout_from_files(folder).set_index(["campaign_id", "group"])
    results = pd.DataFrame(query_warehouse(env, """
        select campaign_id, campaign_group, people, buyers, revenue, conversion_rate from analytics.campaign_results
    """), columns=["campaign_id", "group", "people", "buyers", "revenue", "conversion_rate"]).set_index(
        ["campaign_id", "group"]).sort_index()
    assert results.index.tolist() == expected.sort_index().index.tolist()
    for key, row in results.iterrows():
        assert (row["people"], row["buyers"]) == (expected.loc[key, "people"], expected.loc[key, "buyers"]), key
        assert float(row["revenue"]) == pytest.approx(expected.loc[key, "revenue"], abs=0.01)
        assert float(row["conversion_rate"]) == pytest.approx(row["buyers"] / row["people"], rel=1e-12)
    lift = pd.DataFrame(query_warehouse(env, LIFT_SQL), columns=LIFT_COLUMNS)
    for row in lift.itertuples():
        by_group = expected.loc[row.campaign_id]
        numbers = expected_lift((by_group.loc["treatment", "buyers"], by_group.loc["treatment", "people"]),
                                (by_group.loc["control", "buyers"], by_group.loc["control", "people"]))
        for name in ("lift", "lift_lower_95", "lift_upper_95"):
            assert float(getattr(row, name)) == pytest.approx(numbers[name], rel=1e-9, abs=1e-12), name
        assert float(row.p_value) == pytest.approx(numbers["p_value"], abs=2e-7)  # A&S 26.2.17: error < 7.5e-8
        assert float(row.incremental_buyers) == pytest.approx(numbers["lift"] * row.treatment_people, rel=1e-9)
        assert row.is_window_complete  # the window (2018-03-01 + 3 months) ends before the data does
    return lift


@pytest.mark.parametrize("engine", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_the_session_campaign_reads_out_as_the_files_say(built_warehouses, generated_data, engine):
    build, env = built_warehouses[engine, "tie_aware"]
    assert build.returncode == 0, build.stdout[-3000:]
    lift = check_readout(env, generated_data)
    assert lift["campaign_id"].tolist() == [f"planted_{PLANTED_CAMPAIGN['date'].replace('-', '')}"]
    assert lift["control_people"].item() > 0 and lift["treatment_people"].item() > 0


def test_without_a_contact_list_the_readout_marts_are_empty(tmp_path):
    """A load without the tenth file: the marts exist and are empty."""
    data = tmp_path / "data"
    run_script("generate_data.py", "--orders", "1500", "--seed", "3", "--out", str(data))
    assert not (data / "campaign_contacts.csv").exists()
    env = duckdb_warehouse_env(tmp_path)
    run_script("load_data.py", "--data-dir", str(data), env=env)
    build = run_dbt(env, "build", workdir=tmp_path / "dbt")
    assert build.returncode == 0, build.stdout[-3000:]
    assert query_warehouse(env, "select count(*) from analytics.campaign_results") == [(0,)]
    assert query_warehouse(env, "select count(*) from analytics.campaign_lift") == [(0,)]


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """uplift → (env, data folder) of a DuckDB warehouse built from 30,000 generated orders with a
    campaign planted at 2018-03-01, half of the lapsed people held out."""
    built = {}
    for uplift in (0.05, 0.0):
        folder = tmp_path_factory.mktemp(f"planted_{uplift}")
        data = folder / "data"
        run_script("generate_data.py", "--orders", "30000", "--seed", "11", "--out", str(data),
                   "--campaign-date", "2018-03-01", "--campaign-uplift", str(uplift),
                   "--campaign-control-share", "0.5")
        env = duckdb_warehouse_env(folder)
        run_script("load_data.py", "--data-dir", str(data), env=env)
        build = run_dbt(env, "build", workdir=folder / "dbt")
        assert build.returncode == 0, build.stdout[-3000:]
        built[uplift] = (env, data)
    return built


def test_a_planted_uplift_of_five_percent_is_recovered(planted):
    env, data = planted[0.05]
    lift = check_readout(env, data).iloc[0]
    print(lift.to_dict())
    assert lift["treatment_people"] > 2000 and lift["control_people"] > 2000
    assert abs(lift["lift"] - 0.05) < 0.015
    assert lift["lift_lower_95"] > 0 and lift["p_value"] < 0.001


def test_no_planted_uplift_gives_an_interval_around_zero(planted):
    env, data = planted[0.0]
    lift = check_readout(env, data).iloc[0]
    print(lift.to_dict())
    assert lift["lift_lower_95"] < 0 < lift["lift_upper_95"]
    assert abs(lift["lift"]) < 0.01
