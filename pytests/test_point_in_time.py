"""`as_of_date` is a true point in time, proved by an independent path, and segment_history agrees with it.

- For a date D, a warehouse loaded with all the files and built with `as_of_date = D` must hold the same marts,
  row for row, as a warehouse loaded with the files cut down (customer_intel.generate.cut, Python's csv module) to
  the orders purchased before D (their items, payments, reviews and customers; products, sellers, geolocation and
  translations kept) and built with the same D. Two dates: one inside a month, one on a month boundary; DuckDB
  and PostgreSQL.
- segment_history's snapshot at D (from a build without as_of_date) equals rfm_segments built with as_of_date = D,
  under both RFM schemes, on DuckDB and PostgreSQL.
- segment_reactivation's and segment_transitions' counts agree with counts made from the files in Python.
"""
from __future__ import annotations

import csv
import datetime as dt
import decimal
from collections import defaultdict
from pathlib import Path

import pytest

from conftest import (
    MART_KEYS, RFM_SCHEMES, dbt_vars, duckdb_warehouse_env, load_and_build, normalise, query_warehouse, run_dbt,
    run_script, snapshot_marts,
)
from customer_intel.generate.cut import CUSTOMERS, ORDERS, add_months, cut_files

pytestmark = pytest.mark.slow

INSIDE_A_MONTH = "2018-03-17"
MONTH_BOUNDARY = "2018-02-01"
ENGINES = ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]


def read_rows(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def write_rows(path: Path, header: list[str], rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


def purchased_at(row: dict) -> dt.datetime:
    return dt.datetime.fromisoformat(row["order_purchase_timestamp"])


@pytest.fixture(scope="module")
def new_warehouse(tmp_path_factory, postgres_database_factory):
    """``new_warehouse(engine)``: the environment of a fresh, empty warehouse on ``engine``."""
    def create(engine: str) -> dict:
        if engine == "postgres":
            return postgres_database_factory()
        return duckdb_warehouse_env(tmp_path_factory.mktemp("warehouse_pit"))

    return create


@pytest.fixture(scope="module")
def point_in_time_builds(generated_data, tmp_path_factory, new_warehouse):
    """``point_in_time_builds(engine, date)`` → {"as_of": (process, env): all the files, built with
    as_of_date = date; "cut": (process, env): the files cut at date, built with the same as_of_date;
    "cut_dir": the cut files}. Built once per (engine, date), when a test first asks."""
    cache: dict = {}

    def get(engine: str, as_of: str) -> dict:
        if (engine, as_of) not in cache:
            cut_dir = tmp_path_factory.mktemp(f"olist_cut_{as_of}")
            cut_files(generated_data, as_of, cut_dir)
            extra = {"as_of_date": f"'{as_of}'"}
            builds = {"cut_dir": cut_dir}
            for name, data_dir in (("as_of", generated_data), ("cut", cut_dir)):
                env = new_warehouse(engine)
                workdir = tmp_path_factory.mktemp(f"dbt_pit_{engine}_{name}")
                builds[name] = (load_and_build(env, data_dir, "tie_aware", workdir, extra), env)
            cache[engine, as_of] = builds
        return cache[engine, as_of]

    return get


def people_with_a_purchase(data_dir: Path) -> set[str]:
    """customer_unique_id of every person with a delivered order in the files."""
    person_of = {row["customer_id"]: row["customer_unique_id"] for row in read_rows(data_dir / CUSTOMERS)[1]}
    return {person_of[row["customer_id"]] for row in read_rows(data_dir / ORDERS)[1]
            if row["order_status"] == "delivered"}


def test_cut_files_keep_only_orders_before_the_date(generated_data, tmp_path):
    counts = cut_files(generated_data, INSIDE_A_MONTH, tmp_path)
    _, orders = read_rows(generated_data / ORDERS)
    later = [row for row in orders if purchased_at(row) >= dt.datetime(2018, 3, 17)]
    assert later and counts[ORDERS] == len(orders) - len(later) > 0
    _, kept = read_rows(tmp_path / ORDERS)
    assert max(purchased_at(row) for row in kept) < dt.datetime(2018, 3, 17)
    assert counts[CUSTOMERS] == counts[ORDERS]  # one customer_id per order in Olist's files


@pytest.mark.parametrize("as_of", [INSIDE_A_MONTH, MONTH_BOUNDARY])
@pytest.mark.parametrize("engine", ENGINES)
def test_every_mart_as_of_a_date_equals_the_marts_of_the_files_cut_at_that_date(point_in_time_builds, engine,
                                                                               as_of):
    builds = point_in_time_builds(engine, as_of)
    (full_proc, full_env), (cut_proc, cut_env) = builds["as_of"], builds["cut"]
    assert full_proc.returncode == 0, full_proc.stdout[-3000:]
    assert "ERROR=0" in full_proc.stdout and "WARN=0" in full_proc.stdout, full_proc.stdout[-2000:]
    assert cut_proc.returncode == 0, cut_proc.stdout[-3000:]
    full, cut = snapshot_marts(full_env), snapshot_marts(cut_env)
    for mart in MART_KEYS:
        assert full[mart], f"{mart} is empty: the comparison would prove nothing"
        assert len(full[mart]) == len(cut[mart]), mart
        assert full[mart] == cut[mart], f"{mart} as of {as_of} differs from the cut files' {mart}"
    # Not vacuous: the date really removes people, and rfm_segments counts exactly those of the cut files.
    (as_of_date,), = query_warehouse(full_env, "select distinct as_of_date from analytics.rfm_segments")
    assert as_of_date == dt.date.fromisoformat(as_of)
    people = query_warehouse(full_env, "select count(*) from analytics.rfm_segments")[0][0]
    assert people == len(people_with_a_purchase(builds["cut_dir"])) < len(people_with_a_purchase_full(full_env))


def people_with_a_purchase_full(env: dict) -> set:
    """Everybody with a purchase in the loaded files, whatever the date (raw tables, not the marts)."""
    rows = query_warehouse(env, """
        select distinct customers.customer_unique_id
        from raw.orders as orders
        inner join raw.customers as customers on orders.customer_id = customers.customer_id
        where orders.order_status = 'delivered'
    """)
    return {row[0] for row in rows}


HISTORY_AS_RFM = """
    select customer_unique_id, last_purchase_at, recency_days, frequency, monetary, r_score, f_score, m_score,
           rfm_segment, segment_order, rfm_scheme, snapshot_date
    from analytics.segment_history
    where snapshot_date = cast('{date}' as date)
    order by customer_unique_id
"""
RFM = """
    select customer_unique_id, last_purchase_at, recency_days, frequency, monetary, r_score, f_score, m_score,
           rfm_segment, segment_order, rfm_scheme, as_of_date
    from analytics.rfm_segments
    order by customer_unique_id
"""


@pytest.mark.parametrize("scheme", RFM_SCHEMES)
@pytest.mark.parametrize("engine", ENGINES)
def test_a_snapshot_of_segment_history_equals_rfm_segments_as_of_its_date(built_warehouses, generated_data,
                                                                         new_warehouse, tmp_path, engine, scheme):
    proc, env = built_warehouses[engine, scheme]
    assert proc.returncode == 0, proc.stdout[-3000:]
    snapshot = [tuple(normalise(v) for v in row)
                for row in query_warehouse(env, HISTORY_AS_RFM.format(date=MONTH_BOUNDARY))]
    as_of_env = new_warehouse(engine)
    run_script("load_data.py", "--data-dir", str(generated_data), env=as_of_env)
    as_of_vars = dbt_vars(rfm_scheme=scheme, as_of_date=f"'{MONTH_BOUNDARY}'")
    seeds = run_dbt(as_of_env, "seed", "--vars", as_of_vars, workdir=tmp_path)
    assert seeds.returncode == 0, seeds.stdout[-3000:]
    run = run_dbt(as_of_env, "run", "--select", "+rfm_segments", "--vars", as_of_vars, workdir=tmp_path)
    assert run.returncode == 0, run.stdout[-3000:]
    as_of = [tuple(normalise(v) for v in row) for row in query_warehouse(as_of_env, RFM)]
    everybody = query_warehouse(env, "select count(*) from analytics.rfm_segments")[0][0]
    assert 0 < len(as_of) < everybody
    assert snapshot == as_of


# --- segment_reactivation and segment_transitions against counts made from the files --------------------------

def purchases_from_files(data_dir: Path) -> dict[str, list[tuple[dt.datetime, decimal.Decimal]]]:
    """person → [(purchase time, items price + freight)] of their delivered orders, from the files."""
    person_of = {row["customer_id"]: row["customer_unique_id"] for row in read_rows(data_dir / CUSTOMERS)[1]}
    revenue: dict[str, decimal.Decimal] = defaultdict(decimal.Decimal)
    for row in read_rows(data_dir / "olist_order_items_dataset.csv")[1]:
        revenue[row["order_id"]] += decimal.Decimal(row["price"]) + decimal.Decimal(row["freight_value"])
    purchases: dict[str, list] = defaultdict(list)
    for row in read_rows(data_dir / ORDERS)[1]:
        if row["order_status"] == "delivered":
            purchases[person_of[row["customer_id"]]].append((purchased_at(row), revenue[row["order_id"]]))
    return purchases


@pytest.fixture(scope="module")
def history_and_files(built_warehouses, generated_data):
    proc, env = built_warehouses["duckdb", "tie_aware"]
    assert proc.returncode == 0, proc.stdout[-3000:]
    segment_at = {(snapshot, person): segment for snapshot, person, segment in query_warehouse(
        env, "select snapshot_date, customer_unique_id, rfm_segment from analytics.segment_history")}
    return env, segment_at, purchases_from_files(generated_data)


def test_segment_history_holds_the_people_and_value_acquired_before_each_snapshot(history_and_files):
    env, segment_at, purchases = history_and_files
    last_purchase = max(at for person in purchases.values() for at, _ in person)
    as_of = last_purchase.date() + dt.timedelta(days=1)
    latest = as_of.replace(day=1)
    expected_snapshots = [add_months(latest, -k) for k in range(13)]
    rows = query_warehouse(env, """
        select snapshot_date, count(*), sum(monetary), sum(frequency)
        from analytics.segment_history group by snapshot_date order by snapshot_date
    """)
    assert [row[0] for row in rows] == sorted(expected_snapshots)
    for snapshot, people, monetary, frequency in rows:
        start = dt.datetime.combine(snapshot, dt.time())
        before = {person: [(at, value) for at, value in bought if at < start] for person, bought in purchases.items()}
        before = {person: bought for person, bought in before.items() if bought}
        assert people == len(before), snapshot
        assert frequency == sum(len(bought) for bought in before.values()), snapshot
        assert monetary == sum(value for bought in before.values() for _, value in bought), snapshot


def test_segment_reactivation_counts_the_returns_found_in_the_files(history_and_files):
    env, segment_at, purchases = history_and_files
    last_purchase = max(at for person in purchases.values() for at, _ in person)
    as_of = last_purchase.date() + dt.timedelta(days=1)
    expected = defaultdict(lambda: [0, 0])
    for (snapshot, person), segment in segment_at.items():
        start = dt.datetime.combine(snapshot, dt.time())
        for horizon in (1, 3, 6):
            until = add_months(snapshot, horizon)
            if until > as_of:
                continue
            end = dt.datetime.combine(until, dt.time())
            counts = expected[snapshot, segment, horizon]
            counts[0] += 1
            counts[1] += any(start <= at < end for at, _ in purchases[person])
    rows = query_warehouse(env, """
        select snapshot_date, rfm_segment, horizon_months, people, returned, return_rate
        from analytics.segment_reactivation
    """)
    assert {(s, g, h): [p, r] for s, g, h, p, r, _ in rows} == dict(expected)
    assert sum(r for *_, r, _ in rows) > 0, "nobody returned: the comparison would prove little"
    for *_, people, returned, rate in rows:
        assert rate == pytest.approx(returned / people)
    pooled = query_warehouse(env, """
        select rfm_segment, horizon_months, people, returned, return_rate from analytics.segment_reactivation_pooled
    """)
    for segment, horizon, people, returned, rate in pooled:
        mine = [counts for (_, g, h), counts in expected.items() if (g, h) == (segment, horizon)]
        assert (people, returned) == (sum(c[0] for c in mine), sum(c[1] for c in mine))
        assert rate == pytest.approx(returned / people)


def test_segment_transitions_count_each_persons_move(history_and_files):
    env, segment_at, _ = history_and_files
    snapshots = sorted({snapshot for snapshot, _ in segment_at})
    expected = defaultdict(int)
    for earlier, later in zip(snapshots, snapshots[1:]):
        for (snapshot, person), segment in segment_at.items():
            if snapshot == later:
                expected[earlier, later, segment_at.get((earlier, person), "New"), segment] += 1
    rows = query_warehouse(env, """
        select from_snapshot_date, to_snapshot_date, from_segment, to_segment, people
        from analytics.segment_transitions
    """)
    assert {row[:4]: row[4] for row in rows} == dict(expected)
    assert any(row[2] == "New" for row in rows)
    assert any(row[2] not in ("New", row[3]) for row in rows), "nobody changed segment: a weak comparison"
