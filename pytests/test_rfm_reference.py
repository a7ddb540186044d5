"""The reference RFM scheme on generated data, on DuckDB and PostgreSQL: it computes what the original project's SQL
computed (recency scored by NTILE(4) over recency_days ascending, so the most recent quarter scores 1; frequency
ties handed to NTILE in ascending order of monetary), and the benchmark's baseline SQL computes the same.

Expectations are computed here in Python: NTILE(4) from its definition (the first N mod 4 buckets hold one person
more), people's last purchases straight from the CSV files."""
from __future__ import annotations

import csv
import datetime as dt
import decimal
from collections import defaultdict
from pathlib import Path

import pytest

from conftest import PROJECT_ROOT, query_warehouse

pytestmark = pytest.mark.slow

ENGINES = ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]


def ntile_bucket_sizes(people: int, buckets: int = 4) -> list[int]:
    """NTILE(buckets) over ``people`` rows: sizes of the buckets, the first ``people mod buckets`` one larger."""
    size, larger = divmod(people, buckets)
    return [size + 1 if index < larger else size for index in range(buckets)]


def reference_mart(built_warehouses, engine: str) -> list[dict]:
    proc, env = built_warehouses[engine, "reference"]
    assert proc.returncode == 0, proc.stdout[-3000:]
    rows = query_warehouse(env, """
        select customer_unique_id, recency_days, frequency, monetary, r_score, f_score, m_score, rfm_segment
        from analytics.rfm_segments
    """)
    keys = ("customer_unique_id", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score",
            "rfm_segment")
    return [dict(zip(keys, row)) for row in rows]


def last_purchase_dates(data_dir: Path) -> dict[str, dt.date]:
    """Each person's last delivered order's purchase date, from the orders and customers files."""
    def rows(name):
        with open(data_dir / name, encoding="utf-8-sig", newline="") as fh:
            yield from csv.DictReader(fh)

    person_of_customer = {r["customer_id"]: r["customer_unique_id"] for r in rows("olist_customers_dataset.csv")}
    last: dict[str, dt.date] = {}
    for r in rows("olist_orders_dataset.csv"):
        if r["order_status"] == "delivered":
            person = person_of_customer[r["customer_id"]]
            day = dt.date.fromisoformat(r["order_purchase_timestamp"][:10])
            last[person] = max(day, last.get(person, day))
    return last


@pytest.mark.parametrize("engine", ENGINES)
def test_one_time_buyers_with_f_of_3_or_more_are_their_higher_value_part(built_warehouses, engine):
    """NTILE(4) over (frequency, monetary, id): buckets 3 and 4 start after the first two buckets' people, who
    are all one-time buyers; so the one-time buyers with f >= 3 are exactly the most valuable ones, by monetary
    and then id, as many as there are one-time buyers beyond the first two buckets."""
    mart = reference_mart(built_warehouses, engine)
    one_time = [p for p in mart if p["frequency"] == 1]
    sizes = ntile_bucket_sizes(len(mart))
    below_f3 = sizes[0] + sizes[1]
    assert len(one_time) > below_f3, "the data should have more one-time buyers than half of the people"
    by_value = sorted(one_time, key=lambda p: (decimal.Decimal(p["monetary"]), p["customer_unique_id"]))
    expected = {p["customer_unique_id"] for p in by_value[below_f3:]}
    actual = {p["customer_unique_id"] for p in one_time if p["f_score"] >= 3}
    assert actual == expected
    # Roughly the higher half of the one-time buyers (not an arbitrary half: none is worth less than any f <= 2).
    assert 0.4 < len(actual) / len(one_time) < 0.6
    assert min(p["monetary"] for p in one_time if p["f_score"] >= 3) >= max(
        p["monetary"] for p in one_time if p["f_score"] <= 2)
    # f = 1 and 2 are the first two buckets, one-time buyers only.
    assert sum(1 for p in mart if p["f_score"] <= 2) == below_f3
    assert all(p["frequency"] == 1 for p in mart if p["f_score"] <= 2)


@pytest.mark.parametrize("engine", ENGINES)
def test_r_of_4_holds_the_oldest_last_purchases(built_warehouses, generated_data, engine):
    """NTILE(4) over (recency_days ascending, id): the last bucket holds the people whose last purchase is the
    oldest (ties on the day broken by id), and the first bucket the most recent: the original's inverted score."""
    mart = reference_mart(built_warehouses, engine)
    last = last_purchase_dates(generated_data)
    assert set(last) == {p["customer_unique_id"] for p in mart}
    recent_first = sorted(last, key=lambda person: (-last[person].toordinal(), person))
    sizes = ntile_bucket_sizes(len(recent_first))
    expected_r4 = set(recent_first[len(recent_first) - sizes[3]:])
    expected_r1 = set(recent_first[:sizes[0]])
    score = {p["customer_unique_id"]: p["r_score"] for p in mart}
    assert {person for person, r in score.items() if r == 4} == expected_r4
    assert {person for person, r in score.items() if r == 1} == expected_r1
    newest_of_r4 = max(last[person] for person in expected_r4)
    assert all(last[person] >= newest_of_r4 for person, r in score.items() if r < 4)


@pytest.mark.parametrize("engine", ENGINES)
def test_reference_keeps_the_originals_segment_structure(built_warehouses, engine):
    """At Risk (r <= 2, f >= 3) and Potential Loyalists (r >= 3, f <= 2) are equal in size, as in the original's
    table (23,711 each): both are "half of the people minus those with r <= 2 and f <= 2", because the first two
    buckets of every NTILE(4) hold the same number of people. And At Risk + Champions (f >= 3) hold the value."""
    mart = reference_mart(built_warehouses, engine)
    people = defaultdict(int)
    value = defaultdict(decimal.Decimal)
    for p in mart:
        people[p["rfm_segment"]] += 1
        value[p["rfm_segment"]] += decimal.Decimal(p["monetary"])
    assert people["At Risk"] == people["Potential Loyalists"] > 0
    first_two_buckets = sum(ntile_bucket_sizes(len(mart))[:2])
    assert people["Needs Attention"] + people["Hibernating"] + people["At Risk"] == first_two_buckets  # r <= 2
    high_f_share = (value["At Risk"] + value["Champions"]) / sum(value.values())
    assert high_f_share > decimal.Decimal("0.7")


def pandas_load(data_dir: Path, env: dict) -> None:
    """The replaced approach's load, as benchmarks/bench.py does it: pandas.read_csv + DataFrame.to_sql with
    default settings, for the tables baseline_sql/01_rfm.sql reads."""
    import pandas as pd
    import sqlalchemy

    url = sqlalchemy.URL.create("postgresql+psycopg2", username=env["POSTGRES_USER"],
                                password=env["POSTGRES_PASSWORD"] or None, host=env["POSTGRES_HOST"],
                                port=int(env["POSTGRES_PORT"]), database=env["POSTGRES_DB"])
    engine = sqlalchemy.create_engine(url)
    try:
        for file_name, table in (("olist_orders_dataset.csv", "orders"), ("olist_customers_dataset.csv", "customers"),
                                 ("olist_order_items_dataset.csv", "order_items")):
            pd.read_csv(data_dir / file_name).to_sql(table, engine, if_exists="replace", index=False)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_baseline_sql_scores_and_segments_everyone_as_the_reference_scheme(
        built_warehouses, generated_data, postgres_database_factory):
    """benchmarks/baseline_sql/01_rfm.sql (plain SQL over pandas-loaded tables, doubles for money) gives every
    person the same r, f, m scores and segment as the pipeline's reference scheme: the benchmark compares like
    with like."""
    env = postgres_database_factory()
    pandas_load(generated_data, env)
    script = (PROJECT_ROOT / "benchmarks" / "baseline_sql" / "01_rfm.sql").read_text(encoding="utf-8")
    import psycopg2

    conn = psycopg2.connect(host=env["POSTGRES_HOST"], port=int(env["POSTGRES_PORT"]), user=env["POSTGRES_USER"],
                            password=env["POSTGRES_PASSWORD"], dbname=env["POSTGRES_DB"])
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(script)
            cur.execute("select customer_unique_id, recency_days, frequency, r_score, f_score, m_score, rfm_segment "
                        "from rfm")
            baseline = {row[0]: tuple(row[1:]) for row in cur.fetchall()}
    finally:
        conn.close()
    mart = {p["customer_unique_id"]: (p["recency_days"], p["frequency"], p["r_score"], p["f_score"], p["m_score"],
                                      p["rfm_segment"])
            for p in reference_mart(built_warehouses, "postgres")}
    assert len(baseline) == len(mart)
    differing = [person for person in mart if baseline.get(person) != mart[person]]
    assert not differing, f"{len(differing)} people differ, e.g. {differing[0]}: " \
                          f"baseline {baseline.get(differing[0])}, pipeline {mart[differing[0]]}"
