"""segment_history is incremental; what it leaves behind must equal a full build, proved against `--full-refresh`.

One warehouse per engine (DuckDB, PostgreSQL) goes through a user's sequence, each step a real dbt run:
1. the generated files cut one month earlier (customer_intel.generate.cut) → `dbt build` (first build);
2. the full files → `dbt build`: the refresh, which computes only the new snapshot and the lookback. The history
   marts (segment_history, segment_transitions, segment_reactivation, segment_reactivation_pooled, clv_inputs)
   then equal, row by row, those of `dbt build --full-refresh -s segment_history+` run right after (step 3);
4. two delivered orders turned canceled in the files, one purchased inside the lookback and one before it →
   `dbt run`: the first is picked up in every snapshot, the second only in the recomputed ones (documented: older
   snapshots need --full-refresh), and `--full-refresh` then fixes every snapshot; expected frequencies are counted
   from the files in Python;
5. `--vars '{rfm_scheme: reference}'` → `dbt run`: every snapshot recomputed (one scheme in the table), equal to a
   `--full-refresh` under that scheme;
6. an incremental `dbt run`, then an impossible score written into the oldest snapshot (`dbt test` of the r_score
   test passes: the column tests read only the snapshots the last run wrote) and into the newest one (it fails).
   The control table's oldest written date is checked after steps 2, 3 and 6.
On DuckDB also a changed snapshot grid: step 2 months, as_of moved by one month (no stored date on the new grid).
"""
from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import (
    HISTORY_MARTS, PROJECT_ROOT, dbt_vars, duckdb_warehouse_env, load_and_build, query_warehouse, run_dbt, run_script,
    snapshot_marts,
)
from customer_intel.generate.cut import ORDERS, add_months, cut_files, newest_snapshot, one_month_earlier
from test_point_in_time import purchased_at, purchases_from_files, read_rows, write_rows

pytestmark = pytest.mark.slow

ENGINES = ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]
PLAN_LINE = re.compile(r"segment_history: (\d+) of (\d+) snapshots \(missing or since (\d{4}-\d{2}-\d{2})\)")
EVERY_SNAPSHOT = "segment_history: inputs changed since the last build"


def project_var(name: str):
    return yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())["vars"][name]


def flip_two_orders(data_dir: Path, out: Path, newest: dt.date, lookback: int) -> dict[str, dict]:
    """A copy of the files with two delivered orders canceled: "inside", purchased in the month before the newest
    snapshot (inside the lookback), and "outside", purchased 2–3 months before the oldest recomputed snapshot
    (so at least one stored snapshot after it is not recomputed). → {which: {order_id, person, purchased_at}}."""
    shutil.copytree(data_dir, out)
    header, orders = read_rows(data_dir / ORDERS)
    person_of = {row["customer_id"]: row["customer_unique_id"]
                 for row in read_rows(data_dir / "olist_customers_dataset.csv")[1]}
    oldest_recomputed = add_months(newest, -lookback)
    windows = {"inside": (add_months(newest, -1), newest),
               "outside": (add_months(oldest_recomputed, -3), add_months(oldest_recomputed, -2))}
    last = max(purchased_at(row) for row in orders if row["order_status"] == "delivered")
    flipped = {}
    for which, (start, end) in windows.items():
        row = next(row for row in orders if row["order_status"] == "delivered" and purchased_at(row) < last
                   and dt.datetime.combine(start, dt.time()) <= purchased_at(row) < dt.datetime.combine(end, dt.time()))
        row["order_status"] = "canceled"
        flipped[which] = {"order_id": row["order_id"], "person": person_of[row["customer_id"]],
                          "purchased_at": purchased_at(row)}
    write_rows(out / ORDERS, header, orders)
    return flipped


def frequencies(env: dict, people: list[str]) -> dict[tuple[dt.date, str], int]:
    listed = ", ".join(f"'{person}'" for person in people)
    rows = query_warehouse(env, f"""
        select snapshot_date, customer_unique_id, frequency from analytics.segment_history
        where customer_unique_id in ({listed})
    """)
    return {(snapshot, person): frequency for snapshot, person, frequency in rows}


def expected_frequencies(data_dir: Path, people: list[str], snapshots: list[dt.date]) -> dict:
    """Frequency of each person at each snapshot, counted from the files (no row: no purchase before it)."""
    purchases = purchases_from_files(data_dir)
    expected = {}
    for snapshot in snapshots:
        start = dt.datetime.combine(snapshot, dt.time())
        for person in people:
            count = sum(at < start for at, _ in purchases.get(person, []))
            if count:
                expected[snapshot, person] = count
    return expected


def plan_of(proc) -> tuple[int, int, dt.date]:
    match = PLAN_LINE.search(proc.stdout)
    assert match, f"no incremental plan in dbt's output:\n{proc.stdout[-3000:]}"
    return int(match[1]), int(match[2]), dt.date.fromisoformat(match[3])


@pytest.fixture(scope="module")
def files(generated_data, tmp_path_factory) -> dict:
    newest = newest_snapshot(generated_data)
    lookback = int(project_var("segment_history_lookback_months"))
    cut_dir = tmp_path_factory.mktemp("olist_cut_one_month")
    cut_files(generated_data, one_month_earlier(newest), cut_dir)
    flipped_dir = tmp_path_factory.mktemp("olist_flipped") / "files"
    flipped = flip_two_orders(generated_data, flipped_dir, newest, lookback)
    return {"full": generated_data, "cut": cut_dir, "flipped": flipped_dir, "orders": flipped, "newest": newest,
            "lookback": lookback}


@pytest.fixture(scope="module")
def refreshes(files, tmp_path_factory, request):
    """``refreshes(engine)`` → the sequence of the module docstring on a fresh warehouse of ``engine``, run once:
    {"steps": {name: dbt's process}, "marts": {name: snapshot of the history marts}, "frequencies": {...}}."""
    cache: dict = {}

    def run(engine: str) -> dict:
        if engine in cache:
            return cache[engine]
        env = (request.getfixturevalue("postgres_database_factory")() if engine == "postgres"
               else duckdb_warehouse_env(tmp_path_factory.mktemp("warehouse_incremental")))
        work = tmp_path_factory.mktemp(f"dbt_incremental_{engine}")
        steps, marts, found, written = {}, {}, {}, {}
        cache[engine] = {"steps": steps, "marts": marts, "frequencies": found, "env": env, "written": written}

        def ok(name: str, proc) -> bool:
            steps[name] = proc
            return proc.returncode == 0

        if not ok("first build", load_and_build(env, files["cut"], "tie_aware", work)):
            return cache[engine]
        if not ok("refresh", load_and_build(env, files["full"], "tie_aware", work)):
            return cache[engine]
        marts["refresh"] = snapshot_marts(env, HISTORY_MARTS)
        written["refresh"] = oldest_written(env)
        if engine == "postgres":  # the refresh drops the indexes and builds them again after its insert
            cache[engine]["indexes"] = query_warehouse(env, "select indexdef from pg_indexes where schemaname = "
                                                            "'analytics' and tablename = 'segment_history'")
        if not ok("full refresh", run_dbt(env, "build", "--full-refresh", "-s", "segment_history+", workdir=work)):
            return cache[engine]
        marts["full refresh"] = snapshot_marts(env, HISTORY_MARTS)
        written["full refresh"] = oldest_written(env)

        people = [order["person"] for order in files["orders"].values()]
        found["before"] = frequencies(env, people)
        run_script("load_data.py", "--data-dir", str(files["flipped"]), env=env)
        if not ok("status refresh", run_dbt(env, "run", workdir=work)):
            return cache[engine]
        found["status refresh"] = frequencies(env, people)
        if not ok("status full refresh", run_dbt(env, "run", "--full-refresh", "-s", "segment_history+",
                                                 workdir=work)):
            return cache[engine]
        found["status full refresh"] = frequencies(env, people)

        reference = dbt_vars(rfm_scheme="reference")
        if not ok("scheme refresh", run_dbt(env, "run", "-s", "segment_history+", "--vars", reference,
                                            workdir=work)):
            return cache[engine]
        marts["scheme refresh"] = snapshot_marts(env, HISTORY_MARTS)
        if not ok("scheme full refresh", run_dbt(env, "run", "--full-refresh", "-s", "segment_history+", "--vars",
                                                 reference, workdir=work)):
            return cache[engine]
        marts["scheme full refresh"] = snapshot_marts(env, HISTORY_MARTS)

        if not ok("tests refresh", run_dbt(env, "run", "-s", "segment_history", "--vars", reference, workdir=work)):
            return cache[engine]
        written["tests refresh"] = oldest_written(env)
        dates = [row[0] for row in query_warehouse(
            env, "select distinct snapshot_date from analytics.segment_history order by snapshot_date")]
        r_score_test = ("dbt", "test", "-s", "is_rfm_score_segment_history_r_score", "--vars", reference)
        for name, day in (("oldest snapshot", dates[0]), ("newest snapshot", dates[-1])):
            execute_in_warehouse(env, "update analytics.segment_history set r_score = 9 where customer_unique_id = "
                                      f"(select min(customer_unique_id) from analytics.segment_history "
                                      f"where snapshot_date = '{day}') and snapshot_date = '{day}'")
            steps[f"tests with a bad score in the {name}"] = run_dbt(env, *r_score_test[1:], workdir=work)
        return cache[engine]

    return run


def oldest_written(env: dict) -> dt.date:
    """The oldest snapshot date the last run of segment_history wrote, from its control table."""
    rows = query_warehouse(env, "select oldest_written_snapshot_date from analytics.segment_history__fingerprint")
    assert len(rows) == 1, rows
    return dt.date.fromisoformat(str(rows[0][0])[:10])


def execute_in_warehouse(env: dict, sql: str) -> None:
    """Run a statement that changes the warehouse ``env`` points the profile at, and commit it."""
    if env["DBT_TARGET"] == "duckdb":
        import duckdb

        with duckdb.connect(env["DUCKDB_PATH"]) as con:
            con.execute(sql)
        return
    import psycopg2

    conn = psycopg2.connect(host=env["POSTGRES_HOST"], port=int(env["POSTGRES_PORT"]), user=env["POSTGRES_USER"],
                            password=env["POSTGRES_PASSWORD"], dbname=env["POSTGRES_DB"])
    try:
        with conn, conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


def assert_steps_passed(result: dict, *names: str) -> None:
    for name in names:
        assert name in result["steps"], f"step {name!r} did not run (an earlier step failed: {list(result['steps'])})"
        proc = result["steps"][name]
        assert proc.returncode == 0, f"{name}:\n{proc.stdout[-4000:]}"
        assert "ERROR=0" in proc.stdout, f"{name}:\n{proc.stdout[-3000:]}"


def assert_marts_equal(actual: dict, expected: dict, what: str) -> None:
    for mart in HISTORY_MARTS:
        assert expected[mart], f"{mart} is empty: the comparison would prove nothing"
        assert len(actual[mart]) == len(expected[mart]), f"{mart}: {what}"
        assert actual[mart] == expected[mart], f"{mart}: {what}"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_refresh_equals_a_full_refresh(refreshes, files, engine):
    result = refreshes(engine)
    assert_steps_passed(result, "first build", "refresh", "full refresh")
    assert "WARN=0" in result["steps"]["refresh"].stdout, result["steps"]["refresh"].stdout[-3000:]
    # Incremental for real: the new month and the lookback, not the whole grid.
    computed, grid, since = plan_of(result["steps"]["refresh"])
    assert since == add_months(files["newest"], -files["lookback"])
    assert computed == files["lookback"] + 1 < grid
    refreshed, full = result["marts"]["refresh"], result["marts"]["full refresh"]
    assert_marts_equal(refreshed, full, "the refresh differs from a full build")
    # The as-of date moved into a new month: the newest snapshot is new and the oldest left the table.
    dates = sorted({row[0] for row in full["segment_history"]})
    assert dates[-1] == files["newest"].isoformat()
    assert dates[0] == add_months(files["newest"], -int(project_var("segment_history_months"))).isoformat()
    # What the column tests read: the lookback after the refresh, every snapshot after the full build.
    assert result["written"]["refresh"] == since
    assert result["written"]["full refresh"].isoformat() == dates[0]
    if engine == "postgres":
        (definition,), = result["indexes"]
        assert definition.startswith("CREATE UNIQUE INDEX ")
        assert definition.endswith("ON analytics.segment_history USING btree (snapshot_date, customer_unique_id)")


@pytest.mark.parametrize("engine", ENGINES)
def test_the_history_column_tests_read_the_snapshots_the_last_run_wrote(refreshes, files, engine):
    result = refreshes(engine)
    assert_steps_passed(result, "tests refresh")
    assert result["written"]["tests refresh"] == add_months(files["newest"], -files["lookback"])
    unread = result["steps"]["tests with a bad score in the oldest snapshot"]
    assert unread.returncode == 0, unread.stdout[-3000:]
    assert "PASS is_rfm_score_segment_history_r_score" in unread.stdout, unread.stdout[-3000:]
    read = result["steps"]["tests with a bad score in the newest snapshot"]
    assert read.returncode != 0 and "FAIL 1 is_rfm_score_segment_history_r_score" in read.stdout, read.stdout[-3000:]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_status_change_reaches_the_lookback_and_a_full_refresh_reaches_everything(refreshes, files, engine):
    result = refreshes(engine)
    assert_steps_passed(result, "status refresh", "status full refresh")
    computed, _, since = plan_of(result["steps"]["status refresh"])
    assert computed == files["lookback"] + 1
    snapshots = sorted({dt.date.fromisoformat(row[0]) for row in result["marts"]["full refresh"]["segment_history"]})
    inside, outside = files["orders"]["inside"], files["orders"]["outside"]
    people = [inside["person"], outside["person"]]
    before = expected_frequencies(files["full"], people, snapshots)
    after = expected_frequencies(files["flipped"], people, snapshots)
    assert result["frequencies"]["before"] == before
    changed = {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
    recomputed = {key for key in changed if key[0] >= since}
    stale = changed - recomputed
    assert {person for _, person in recomputed} == set(people)
    assert stale and {person for _, person in stale} == {outside["person"]}, "the outside order must be outside"
    refreshed = result["frequencies"]["status refresh"]
    for key in recomputed:
        assert refreshed.get(key) == after.get(key), f"{key}: the status change is not picked up"
    for key in stale:
        assert refreshed.get(key) == before.get(key), f"{key}: a snapshot older than the lookback was rewritten"
    assert result["frequencies"]["status full refresh"] == after


@pytest.mark.parametrize("engine", ENGINES)
def test_a_changed_scheme_rewrites_every_snapshot(refreshes, engine):
    result = refreshes(engine)
    assert_steps_passed(result, "scheme refresh", "scheme full refresh")
    assert EVERY_SNAPSHOT in result["steps"]["scheme refresh"].stdout
    refreshed, full = result["marts"]["scheme refresh"], result["marts"]["scheme full refresh"]
    scheme_column = 11
    assert {row[scheme_column] for row in refreshed["segment_history"]} == {"reference"}
    assert_marts_equal(refreshed, full, "mixed or stale rows after a scheme change")
    assert full["segment_history"] != result["marts"]["full refresh"]["segment_history"], "the schemes agree"


def test_a_changed_snapshot_grid_equals_a_full_build(files, tmp_path_factory):
    """Every other month: with as_of_date one month later, no stored snapshot is on the new grid."""
    env = duckdb_warehouse_env(tmp_path_factory.mktemp("warehouse_grid"))
    work = tmp_path_factory.mktemp("dbt_grid")
    every_other_month = {"segment_history_step_months": 2}
    first = load_and_build(env, files["cut"], "tie_aware", work, every_other_month)
    assert first.returncode == 0, first.stdout[-3000:]
    old_dates = {row[0] for row in query_warehouse(env, "select distinct snapshot_date from analytics.segment_history")}
    run_script("load_data.py", "--data-dir", str(files["full"]), env=env)
    grid_vars = dbt_vars(**every_other_month)
    refresh = run_dbt(env, "run", "--vars", grid_vars, workdir=work)
    assert refresh.returncode == 0, refresh.stdout[-3000:]
    computed, grid, _ = plan_of(refresh)
    assert computed == grid == 7
    refreshed = snapshot_marts(env, HISTORY_MARTS)
    new_dates = {dt.date.fromisoformat(row[0]) for row in refreshed["segment_history"]}
    assert new_dates and not new_dates & old_dates
    full_refresh = run_dbt(env, "run", "--full-refresh", "-s", "segment_history+", "--vars", grid_vars,
                           workdir=work)
    assert full_refresh.returncode == 0, full_refresh.stdout[-3000:]
    assert_marts_equal(refreshed, snapshot_marts(env, HISTORY_MARTS), "the changed grid differs from a full build")
