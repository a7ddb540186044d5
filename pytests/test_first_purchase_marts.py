"""first_purchase_experience and second_purchase_drivers against independent paths: each person's first purchase
recomputed from the CSV files, the intervals from statsmodels' Wilson interval and Newcombe's formula, and the
generator's planted effects (review score by lateness band; a late first delivery costing returners) recovered
within the marts' intervals. Cross-engine equality (DuckDB, PostgreSQL, Spark) is in test_dbt_build / test_spark
through MART_KEYS; the row counts' reconciliation with customers is the dbt test
assert_first_purchase_experience_reconciles."""
from __future__ import annotations

import csv
import datetime as dt
import decimal
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import PROJECT_ROOT, duckdb_warehouse_env, run_dbt, run_script

pytestmark = pytest.mark.slow

Z = 1.959963984540054
WINDOW_DAYS = (90, 180)


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def timestamp(text: str) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def first_purchases_from_files(data_dir: Path) -> pd.DataFrame:
    """Per person, their first purchase day and whether they came back, computed from the nine files."""
    person_of = {row["customer_id"]: row["customer_unique_id"]
                 for row in read_csv(data_dir / "olist_customers_dataset.csv")}
    value, freight, items = defaultdict(decimal.Decimal), defaultdict(decimal.Decimal), defaultdict(int)
    for row in read_csv(data_dir / "olist_order_items_dataset.csv"):
        value[row["order_id"]] += decimal.Decimal(row["price"]) + decimal.Decimal(row["freight_value"])
        freight[row["order_id"]] += decimal.Decimal(row["freight_value"])
        items[row["order_id"]] += 1
    latest_review: dict[str, tuple] = {}
    for row in read_csv(data_dir / "olist_order_reviews_dataset.csv"):
        # the latest review: creation date, then answer time (descending), then review id (ascending)
        key = (row["review_creation_date"][:10], row["review_answer_timestamp"], _inverted(row["review_id"]))
        if row["order_id"] not in latest_review or key > latest_review[row["order_id"]][0]:
            latest_review[row["order_id"]] = (key, int(row["review_score"]))
    days: dict[str, dict[dt.date, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for row in read_csv(data_dir / "olist_orders_dataset.csv"):
        if row["order_status"] == "delivered":
            bought = timestamp(row["order_purchase_timestamp"])
            days[person_of[row["customer_id"]]][bought.date()].append(row | {"bought": bought})
    as_of = max(day for person in days.values() for day in person) + dt.timedelta(days=1)
    rows = []
    for person, purchase_days in days.items():
        ordered = sorted(purchase_days)
        first, orders = ordered[0], purchase_days[ordered[0]]
        delivered = [timestamp(order["order_delivered_customer_date"]) for order in orders]
        is_delivered = all(delivered)
        estimated = [timestamp(order["order_estimated_delivery_date"]).date() for order in orders]
        reviews = [latest_review[order["order_id"]][1] for order in orders if order["order_id"] in latest_review]
        basket = sum(value[order["order_id"]] for order in orders)
        second = (ordered[1] - first).days if len(ordered) > 1 else None
        row = {
            "customer_unique_id": person, "first_purchase_date": first, "first_purchase_orders": len(orders),
            "first_purchase_value": basket, "is_delivered": is_delivered,
            "delivery_days": max((at.date() - order["bought"].date()).days for at, order in zip(delivered, orders))
            if is_delivered else None,
            "days_late": max((at.date() - due).days for at, due in zip(delivered, estimated))
            if is_delivered else None,
            "review_score": min(reviews) if reviews else None,
            "freight_share": float(sum(freight[order["order_id"]] for order in orders) / basket) if basket else None,
            "items": sum(items[order["order_id"]] for order in orders),
            "days_to_second_purchase": second,
        }
        for window in WINDOW_DAYS:
            over = (as_of - first).days > window          # the window's last day is before as_of_date
            row[f"returned_within_{window}d"] = (second is not None and second <= window) if over else None
        rows.append(row)
    return pd.DataFrame(rows)


def _inverted(text: str) -> tuple:
    """A key that sorts ``text`` descending inside an otherwise descending comparison (ids ascend)."""
    return tuple(-ord(character) for character in text)


def query_frame(env: dict, sql: str) -> pd.DataFrame:
    import duckdb

    with duckdb.connect(env["DUCKDB_PATH"], read_only=True) as con:
        return con.execute(sql).df()


@pytest.fixture(scope="module")
def marts(built_warehouses):
    proc, env = built_warehouses["duckdb", "tie_aware"]
    assert proc.returncode == 0, proc.stdout[-3000:]
    return (query_frame(env, "select * from analytics.first_purchase_experience"),
            query_frame(env, "select * from analytics.second_purchase_drivers"))


def test_each_persons_first_purchase_and_return_match_the_files(marts, generated_data):
    experience, _ = marts
    expected = first_purchases_from_files(generated_data).set_index("customer_unique_id").sort_index()
    actual = experience.set_index("customer_unique_id").sort_index()
    assert list(actual.index) == list(expected.index)
    assert (actual["first_purchase_date"].dt.date == expected["first_purchase_date"]).all()
    assert actual["first_purchase_orders"].tolist() == expected["first_purchase_orders"].tolist()
    assert [decimal.Decimal(str(v)).quantize(decimal.Decimal("0.01")) for v in actual["first_purchase_value"]] == \
        expected["first_purchase_value"].tolist()
    for column in ("is_delivered", "delivery_days", "days_late", "review_score", "items", "days_to_second_purchase",
                   "returned_within_90d", "returned_within_180d"):
        got = [None if pd.isna(v) else v for v in actual[column]]
        want = [None if v is None or (isinstance(v, float) and np.isnan(v)) else v for v in expected[column]]
        assert got == want, column
    assert actual["freight_share"].to_numpy() == pytest.approx(expected["freight_share"].to_numpy(dtype=float),
                                                               nan_ok=True)
    # the data have split baskets, returners, late and undelivered first purchases, and windows not yet over
    assert (actual["first_purchase_orders"] > 1).any() and actual["returned_within_180d"].fillna(False).any()
    assert actual["is_late"].fillna(False).any() and not actual["is_delivered"].all()
    assert actual["returned_within_180d"].isna().any() and actual["returned_within_90d"].notna().any()


def bucket_of(value, buckets: pd.DataFrame, missing: str) -> str:
    if value is None or pd.isna(value):
        return missing
    for row in buckets.itertuples():
        above_lower = pd.isna(row.lower_bound) or value >= row.lower_bound
        if above_lower and (pd.isna(row.upper_bound) or value < row.upper_bound):
            return row.level
    raise AssertionError(f"{value} in no bucket")


def test_drivers_count_rate_and_intervals_as_statsmodels_and_newcombe_do(marts):
    from statsmodels.stats.proportion import proportion_confint

    experience, drivers = marts
    seed = pd.read_csv(PROJECT_ROOT / "seeds" / "first_purchase_buckets.csv")
    lateness = seed[seed["factor"] == "days_late"].sort_values("level_order")
    levels = experience["days_late"].map(lambda v: bucket_of(v, lateness, "not delivered"))
    rows = drivers[drivers["factor"] == "days_late"].set_index("level")
    window = experience["returned_within_180d"].notna()
    assert set(rows.index) == set(levels)
    for level, row in rows.iterrows():
        members = levels == level
        people, returned = int((members & window).sum()), int(experience.loc[members & window,
                                                                            "returned_within_180d"].sum())
        rest_people = int(window.sum()) - people
        rest_returned = int(experience.loc[window, "returned_within_180d"].sum()) - returned
        assert (row["people"], row["returned"], row["rest_people"], row["rest_returned"]) == \
            (people, returned, rest_people, rest_returned), level
        lower, upper = proportion_confint(returned, people, alpha=0.05, method="wilson")
        rest_lower, rest_upper = proportion_confint(rest_returned, rest_people, alpha=0.05, method="wilson")
        rate, rest = returned / people, rest_returned / rest_people
        assert (row["return_rate_lower_95"], row["return_rate_upper_95"]) == pytest.approx((lower, upper), abs=1e-9)
        difference = rate - rest
        assert row["difference_from_rest"] == pytest.approx(difference, abs=1e-12)
        assert row["difference_lower_95"] == pytest.approx(
            difference - np.hypot(rate - lower, rest_upper - rest), abs=1e-9)
        assert row["difference_upper_95"] == pytest.approx(
            difference + np.hypot(upper - rate, rest - rest_lower), abs=1e-9)
        scores = experience.loc[members, "review_score"].dropna()
        assert row["reviewed_people"] == len(scores)
        if len(scores) > 1:
            half = Z * scores.std(ddof=1) / np.sqrt(len(scores))
            assert (row["review_score_lower_95"], row["review_score_upper_95"]) == pytest.approx(
                (scores.mean() - half, scores.mean() + half), abs=1e-9)


def planted_review_means() -> list[float]:
    """Mean review score the generator plants per delivery row (on time, 1-3, 4-7, 8+ days late, undelivered)."""
    from customer_intel.generate.reviews import SCORE_WEIGHTS_BY_DELIVERY

    return [float(np.dot(weights, np.arange(1, 6))) for weights in SCORE_WEIGHTS_BY_DELIVERY]


def test_review_scores_by_lateness_recover_the_generators_planted_means(marts):
    _, drivers = marts
    rows = drivers[drivers["factor"] == "days_late"].set_index("level")
    planted = dict(zip(("on time or early", "1-3 days late", "4-7 days late", "8+ days late"), planted_review_means()))
    checked = 0
    for level, mean in planted.items():
        row = rows.loc[level]
        if row["reviewed_people"] >= 30:
            assert row["review_score_lower_95"] <= mean <= row["review_score_upper_95"], (level, mean)
            checked += 1
    assert checked >= 2


STRONG_LOSS = 0.6


@pytest.fixture(scope="module")
def strong_plant(tmp_path_factory):
    """100,000 generated orders where a late first delivery costs 60 % of would-be returners, built as far as the
    second-purchase marts on DuckDB (models only: their tests run on the suite's own builds)."""
    from customer_intel.generate import orders, writers

    folder = tmp_path_factory.mktemp("strong_plant")
    saved = orders.LATE_FIRST_DELIVERY_LOSS
    orders.LATE_FIRST_DELIVERY_LOSS = STRONG_LOSS
    try:
        writers.generate(folder / "data", 100_000, seed=5)
    finally:
        orders.LATE_FIRST_DELIVERY_LOSS = saved
    env = duckdb_warehouse_env(folder)
    run_script("load_data.py", "--data-dir", str(folder / "data"), env=env)
    proc = run_dbt(env, "build", "--select", "+second_purchase_drivers", "+second_purchase_patterns",
                   "--resource-type", "model", "--resource-type", "seed", workdir=folder)
    assert proc.returncode == 0, proc.stdout[-3000:]
    return (query_frame(env, "select * from analytics.second_purchase_drivers"),
            query_frame(env, "select * from analytics.second_purchase_patterns"))


def test_a_late_first_delivery_costs_the_planted_share_of_returners(strong_plant):
    from customer_intel.roi.cases import second_purchase

    drivers, patterns = strong_plant
    late = drivers[(drivers["factor"] == "is_late") & (drivers["level"] == "late")].iloc[0]
    # late people come back at (1 - loss) x the on-time rate: a difference of -loss x the rest's rate
    expected = -STRONG_LOSS * late["rest_return_rate"]
    assert late["difference_lower_95"] <= expected <= late["difference_upper_95"]
    assert late["difference_upper_95"] < 0
    model = second_purchase.fit(patterns)
    assert model.fitted, model.reason
    on_time = drivers[(drivers["factor"] == "is_late") & (drivers["level"] == "on time or early")].iloc[0]
    rate = on_time["return_rate"]
    planted_odds_ratio = (1 - STRONG_LOSS) * (1 - rate) / (1 - (1 - STRONG_LOSS) * rate)
    bands = model.levers[model.levers["factor"] == "days_late"].set_index("level").drop("not delivered",
                                                                                       errors="ignore")
    assert len(bands) >= 2
    for level, band in bands.iterrows():
        assert band["odds_ratio_lower_95"] <= planted_odds_ratio <= band["odds_ratio_upper_95"], level
        assert band["verdict"] == "less likely to come back", level
