"""dbt end to end on real warehouses: generated files → load_data.py → `dbt build`, on DuckDB and PostgreSQL,
under both RFM schemes. Checks that the build passes, that both engines produce identical marts, and that the
marts agree with numbers computed independently from the CSV files with Python's csv module."""
from __future__ import annotations

import csv
import decimal
from collections import defaultdict
from pathlib import Path

import pytest

from conftest import MART_KEYS, RFM_SCHEMES, query_warehouse, query_warehouse_many, run_dbt, snapshot_marts

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def builds(built_warehouses):
    """(engine, scheme) → (dbt build's process, snapshot of the marts or None if the build failed, env)."""
    return {
        key: (proc, snapshot_marts(env) if proc.returncode == 0 else None, env)
        for key, (proc, env) in built_warehouses.items()
    }


@pytest.mark.parametrize("scheme", RFM_SCHEMES)
@pytest.mark.parametrize("engine", ["duckdb", "postgres"])
def test_dbt_build_passes(builds, engine, scheme):
    proc, _, _ = builds[engine, scheme]
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert "ERROR=0" in proc.stdout and "WARN=0" in proc.stdout, proc.stdout[-2000:]


@pytest.mark.parametrize("scheme", RFM_SCHEMES)
def test_duckdb_and_postgres_marts_are_identical(builds, scheme):
    duck, pg = builds["duckdb", scheme][1], builds["postgres", scheme][1]
    assert duck is not None and pg is not None, "a build failed"
    for mart in MART_KEYS:
        assert len(duck[mart]) == len(pg[mart]), mart
        assert duck[mart] == pg[mart], f"{mart} differs between DuckDB and PostgreSQL"


def independent_facts(data_dir: Path) -> dict:
    """Purchases per person, revenue and month-1 retention straight from the CSV files."""
    def rows(name):
        with open(data_dir / name, encoding="utf-8-sig", newline="") as fh:
            yield from csv.DictReader(fh)

    person_of_customer = {r["customer_id"]: r["customer_unique_id"] for r in rows("olist_customers_dataset.csv")}
    purchases = {}
    for r in rows("olist_orders_dataset.csv"):
        if r["order_status"] == "delivered":
            purchases[r["order_id"]] = (person_of_customer[r["customer_id"]], r["order_purchase_timestamp"][:7])
    revenue = decimal.Decimal(0)
    for r in rows("olist_order_items_dataset.csv"):
        if r["order_id"] in purchases:
            revenue += decimal.Decimal(r["price"]) + decimal.Decimal(r["freight_value"])
    months_of_person = defaultdict(set)
    for person, month in purchases.values():
        months_of_person[person].add(month)

    def next_month(month: str) -> str:
        year, mon = int(month[:4]), int(month[5:7])
        return f"{year + mon // 12}-{mon % 12 + 1:02d}"

    came_back_next_month = sum(
        1 for months in months_of_person.values() if next_month(min(months)) in months
    )
    state_of_customer = {r["customer_id"]: r["customer_state"].strip().upper()
                         for r in rows("olist_customers_dataset.csv")}
    customer_of_order = {r["order_id"]: r["customer_id"] for r in rows("olist_orders_dataset.csv")}
    state_of_seller = {r["seller_id"]: r["seller_state"].strip().upper() for r in rows("olist_sellers_dataset.csv")}
    seller_states_of_order = defaultdict(set)
    for r in rows("olist_order_items_dataset.csv"):
        seller_states_of_order[r["order_id"]].add(state_of_seller[r["seller_id"]])
    shipped_from_another_state = sum(
        1 for order, states in seller_states_of_order.items()
        if states - {state_of_customer[customer_of_order[order]]}
    )
    return {
        "people": len(months_of_person),
        "revenue": revenue,
        "month1_active": came_back_next_month,
        "shipped_from_another_state": shipped_from_another_state,
    }


@pytest.mark.parametrize("engine", ["duckdb", "postgres"])
def test_marts_agree_with_an_independent_count_from_the_files(builds, generated_data, engine):
    facts = independent_facts(generated_data)
    env = builds[engine, "tie_aware"][2]
    assert query_warehouse(env, "select count(*) from analytics.rfm_segments")[0][0] == facts["people"]
    assert query_warehouse(env, "select sum(revenue) from analytics.clv")[0][0] == facts["revenue"]
    month1 = query_warehouse(
        env, "select sum(active_customers) from analytics.cohort_retention where months_since_first_purchase = 1"
    )[0][0]
    assert month1 == facts["month1_active"]
    shipped = query_warehouse(env, "select count(*) from analytics.orders where is_shipped_from_another_state")[0][0]
    assert shipped == facts["shipped_from_another_state"] > 0


def test_tie_aware_gives_identical_behaviour_the_same_segment(builds):
    env = builds["duckdb", "tie_aware"][2]
    rows = query_warehouse(env, """
        select count(*) from (
            select recency_days, frequency, monetary
            from analytics.rfm_segments
            group by recency_days, frequency, monetary
            having count(distinct rfm_segment) > 1
        ) as split_groups
    """)
    assert rows[0][0] == 0


def test_reference_scheme_is_ntile_of_four(builds):
    """NTILE(4): quartile sizes differ by at most one, and the reference splits identical one-time buyers."""
    env = builds["duckdb", "reference"][2]
    for score in ("r_score", "f_score", "m_score"):
        sizes = [n for _, n in query_warehouse(
            env, f"select {score}, count(*) from analytics.rfm_segments group by {score} order by {score}")]
        assert len(sizes) == 4 and max(sizes) - min(sizes) <= 1, (score, sizes)
    split = query_warehouse(env, """
        select count(distinct f_score) from analytics.rfm_segments where frequency = 1
    """)[0][0]
    assert split > 1


def test_win_back_targets_are_the_configured_segments(builds):
    env = builds["duckdb", "tie_aware"][2]
    targets = query_warehouse(env, "select count(*) from analytics.win_back_targets")[0][0]
    at_risk = query_warehouse(env, "select customers from analytics.clv where rfm_segment = 'At Risk'")[0][0]
    assert targets == at_risk > 0


def test_analyses_compile_and_run(builds, tmp_path):
    env = builds["duckdb", "tie_aware"][2]
    proc = run_dbt(env, "compile", "--select", "resource_type:analysis", workdir=tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:]
    compiled = tmp_path / "target" / "compiled" / "customer_intel" / "analyses"
    for name in ("who_are_our_best_customers", "who_are_we_about_to_lose", "why_new_customers_do_not_come_back"):
        rows = query_warehouse(env, (compiled / f"{name}.sql").read_text())
        assert rows, name


def test_docs_generate(builds, tmp_path):
    env = builds["duckdb", "tie_aware"][2]
    proc = run_dbt(env, "docs", "generate", workdir=tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert (tmp_path / "target" / "catalog.json").exists()


# Keys a reader looks one row up by, written out here rather than read from the project's config.
POSTGRES_KEY_INDEXES = {
    ("customers", "customer_unique_id"),
    ("orders", "order_id"),
    ("rfm_segments", "customer_unique_id"),
    ("win_back_targets", "customer_unique_id"),
    ("clv_inputs", "customer_unique_id"),
    ("int_orders_enriched", "order_id"),
    ("int_purchases_aggregated_to_customers", "customer_unique_id"),
    ("int_customers_rfm_scored", "customer_unique_id"),
    ("segment_history", "snapshot_date, customer_unique_id"),
}


def test_postgres_has_unique_key_indexes_and_fresh_statistics(builds):
    """PostgreSQL: a unique index on each lookup key; every raw table analysed by the load and every built table
    by its post-hook (not left to autovacuum, which may not have run yet)."""
    _, _, env = builds["postgres", "tie_aware"]
    index_rows, not_refreshed, tables = query_warehouse_many(env, ["""
            select index_table.relname, string_agg(attribute.attname, ', ' order by key.ordinality)
            from pg_index as ix
            join pg_class as index_table on index_table.oid = ix.indrelid
            join pg_namespace as ns on ns.oid = index_table.relnamespace
            cross join lateral unnest(ix.indkey) with ordinality as key(attnum, ordinality)
            join pg_attribute as attribute
                on attribute.attrelid = ix.indrelid and attribute.attnum = key.attnum
            where ns.nspname = 'analytics' and ix.indisunique
            group by ix.indexrelid, index_table.relname
        """, """
            select schemaname || '.' || relname from pg_stat_user_tables
            where schemaname in ('raw', 'analytics') and relname not in ('load_rejects', 'load_audit')
                and last_analyze is null
        """, "select count(*) from pg_stat_user_tables where schemaname in ('raw', 'analytics')"])
    unique_indexes = set(index_rows)
    assert POSTGRES_KEY_INDEXES <= unique_indexes, POSTGRES_KEY_INDEXES - unique_indexes
    assert not_refreshed == []
    assert tables[0][0] >= 9 + 20
