"""The per-person predictions table roi.py writes back (customer_intel.roi.predictions_table), on real engines.

DuckDB and PostgreSQL (the conftest's fresh warehouses): hand-made rows with nulls, dates, awkward text and doubles
that must survive to the last bit are written and read back exactly, in key order, with the contract's types; a
second write replaces the rows; a frame with a missing or extra column, a value that fails in the middle of the
write, a read-only database or user all leave the previous table as it was, with one line. On PostgreSQL, grants
and views on the table survive a rewrite, and a table of another layout is replaced. The dbt source `predictions`
is checked by the real `dbt test --select source:predictions`: it passes on a good table and fails on a bad one with
exactly the tests that should fail; a plain dbt command leaves it out (selectors.yml). Spark (marked ``spark``):
written and rewritten in the process that has just read the marts through Spark, and read back by a new process.
"""
from __future__ import annotations

import datetime as dt
import json
import pickle
import subprocess
import uuid

import pandas as pd
import pytest

from conftest import PROJECT_ROOT, PYTHON, query_warehouse, query_warehouse_many, run_dbt, spark_warehouse_env
from customer_intel.profile import load_target
from customer_intel.roi.errors import RoiError
from customer_intel.roi.predictions_table import (
    COLUMN_NAMES, COLUMNS, ENGINE_TYPES, NULLABLE, SKIP_HINT, write_customer_predictions,
)

TABLE = "predictions.customer_predictions"
SELECT_ALL = f"select {', '.join(COLUMN_NAMES)} from {TABLE}"
AS_OF = dt.date(2018, 8, 30)

# Awkward on purpose: CSV quoting, newlines, the text "NULL" and PostgreSQL's \N, an empty text (not a null), non-
# ASCII, and doubles that only survive exactly if no engine rounds them (1e-300, 0.1 + 0.2, 1/3).
ROWS_A = [
    ("c-001", "Champions", AS_OF, "mbgnbd", "gamma_gamma",
     0.9, 0.1, 0.3, 0.7, 1.25, 150.5, 41.2, "low", dt.date(2018, 9, 20), 45.5),
    ('quote"comma,semi;', "At Risk", AS_OF, "bgnbd", "gamma_gamma",
     1e-300, 0.0, 0.0, 1 / 3, 0.1 + 0.2, 99.99, 0.0, "high", None, 1.0),
    ("línea\nnova ção ✓", "Hibernating", AS_OF, "segment_rates", "average_spend",
     None, 0.01, 0.02, 0.05, 0.05, 80.0, 1.5, "high", None, None),
    ("\\N", "", AS_OF, "mbgnbd", "gamma_gamma",
     0.5, 0.2, 0.4, 0.6, 2.0, 120.0, 30.0, "medium", dt.date(2019, 1, 1), None),
    ("NULL", "Loyal Customers", AS_OF, "mbgnbd", "gamma_gamma",
     1.0, 1.0, 1.0, 1.0, 12.0, 1e6, 123456.789, "low", dt.date(2018, 8, 30), 30.25),
    ("", "New Customers", AS_OF, "bgnbd", "gamma_gamma",
     0.25, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, "high", None, None),
]
ROWS_B = [
    ("z-new", "Champions", dt.date(2018, 9, 1), "mbgnbd", "gamma_gamma",
     0.8, 0.2, 0.35, 0.6, 1.5, 140.0, 35.0, "medium", dt.date(2018, 10, 3), 20.0),
    ("a-new", "At Risk", dt.date(2018, 9, 1), "mbgnbd", "gamma_gamma",
     0.3, 0.01, 0.03, 0.1, 0.12, 95.0, 3.4, "high", None, None),
]


def make_frame(rows: list[tuple]) -> pd.DataFrame:
    """The rows as roi.py might hand them over: columns in another order, rows shuffled, a non-default index."""
    frame = pd.DataFrame(rows, columns=list(COLUMN_NAMES))
    frame.index = [f"row{i}" for i in range(len(frame))]
    return frame.iloc[::-1][list(reversed(COLUMN_NAMES))]


def stored(env: dict) -> list[tuple]:
    """The table's rows, in key order."""
    return sorted(query_warehouse(env, SELECT_ALL), key=lambda row: row[0])


def expected(rows: list[tuple]) -> list[tuple]:
    return sorted(rows, key=lambda row: row[0])


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine_env(request, use_env) -> dict:
    """A fresh warehouse (an empty DuckDB file, or an empty PostgreSQL database) that this process points at."""
    env = request.getfixturevalue(f"{request.param}_env")
    if request.param == "duckdb":
        import duckdb

        duckdb.connect(env["DUCKDB_PATH"]).close()
    return use_env(env)


def write(frame: pd.DataFrame) -> int:
    """The writer as roi.py calls it: the target from the dbt profile (this process's environment)."""
    return write_customer_predictions(load_target(), frame)


def one_line_error(excinfo) -> str:
    message = str(excinfo.value)
    assert "\n" not in message and message, message
    return message


def test_rows_are_read_back_exactly_in_key_order_with_the_contract_types(engine_env):
    assert write(make_frame(ROWS_A)) == len(ROWS_A)

    assert stored(engine_env) == expected(ROWS_A)
    # written in key order: the table's own order, without ORDER BY
    assert [row[0] for row in query_warehouse(engine_env, f"select customer_unique_id from {TABLE}")] == sorted(
        row[0] for row in ROWS_A)
    engine = engine_env["DBT_TARGET"]
    columns = query_warehouse(engine_env, """
        select column_name, lower(data_type), is_nullable from information_schema.columns
        where table_schema = 'predictions' and table_name = 'customer_predictions' order by ordinal_position""")
    assert columns == [(name, ENGINE_TYPES[engine][kind], "YES" if name in NULLABLE else "NO")
                       for name, kind in COLUMNS]


def test_a_second_write_replaces_the_rows(engine_env):
    write(make_frame(ROWS_A))
    frame = make_frame(ROWS_B)
    frame["expected_next_purchase_date"] = pd.to_datetime(frame["expected_next_purchase_date"])  # Timestamps, NaT

    assert write(frame) == len(ROWS_B)
    assert stored(engine_env) == expected(ROWS_B)


@pytest.mark.parametrize("change, message", [
    (lambda frame: frame.drop(columns=["churn_risk"]), "missing: churn_risk"),
    (lambda frame: frame.assign(segment_order=1), "unexpected or repeated: segment_order"),
    (lambda frame: frame.assign(rfm_segment=None), "nulls in columns that must always have a value: rfm_segment"),
    (lambda frame: pd.concat([frame, frame.iloc[:1]]), "customer_unique_id must be unique"),
], ids=["missing_column", "extra_column", "null_in_required_column", "repeated_key"])
def test_a_frame_off_the_contract_is_refused_and_the_table_kept(engine_env, change, message):
    write(make_frame(ROWS_A))
    with pytest.raises(RoiError) as excinfo:
        write(change(make_frame(ROWS_B)))
    assert message in one_line_error(excinfo)
    assert stored(engine_env) == expected(ROWS_A)


# A value the engine refuses only once the write has started: on DuckDB a date that does not exist (cast inside the
# transaction, after the table was replaced); on PostgreSQL a NUL character (accepted by DuckDB's staging, refused by
# PostgreSQL's COPY, after the TRUNCATE).
FAILING_MID_WRITE = {
    "duckdb": ("as_of_date", "2018-02-30", "predictions: a value does not fit its column's type"),
    "postgres": ("rfm_segment", "At\x00Risk", "warehouse: cannot write predictions.customer_predictions"),
}


def test_a_failure_in_the_middle_of_the_write_leaves_the_old_table(engine_env):
    column, value, message = FAILING_MID_WRITE[engine_env["DBT_TARGET"]]
    bad = make_frame(ROWS_B)
    bad[column] = bad[column].astype(object)
    bad.iloc[0, bad.columns.get_loc(column)] = value

    write(make_frame(ROWS_A))
    with pytest.raises(RoiError) as excinfo:
        write(bad)
    assert one_line_error(excinfo).startswith(message)
    assert stored(engine_env) == expected(ROWS_A)


def test_a_failed_first_write_leaves_nothing_behind(engine_env):
    column, value, _ = FAILING_MID_WRITE[engine_env["DBT_TARGET"]]
    bad = make_frame(ROWS_B)
    bad[column] = bad[column].astype(object)
    bad.iloc[0, bad.columns.get_loc(column)] = value

    with pytest.raises(RoiError):
        write(bad)
    assert query_warehouse(engine_env, "select count(*) from information_schema.schemata "
                                       "where schema_name = 'predictions'") == [(0,)]


# --- PostgreSQL: privileges, views, layouts ------------------------------------------------------------------------

def postgres_admin(env: dict, sql: str) -> None:
    import psycopg2

    conn = psycopg2.connect(host=env["POSTGRES_HOST"], port=int(env["POSTGRES_PORT"]), user=env["POSTGRES_USER"],
                            password=env["POSTGRES_PASSWORD"] or None, dbname=env["POSTGRES_DB"])
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


def test_postgres_rewrite_keeps_grants_and_views_and_replaces_an_old_layout(postgres_env, use_env):
    env = use_env(postgres_env)
    write(make_frame(ROWS_A))
    postgres_admin(env, f"grant select on {TABLE} to public; "
                        f"create view predictions.high_risk as select customer_unique_id from {TABLE} "
                        "where churn_risk = 'high'")
    write(make_frame(ROWS_B))
    assert query_warehouse(env, "select customer_unique_id from predictions.high_risk") == [("a-new",)]
    assert query_warehouse(env, "select privilege_type from information_schema.role_table_grants where grantee = "
                                "'PUBLIC' and table_name = 'customer_predictions'") == [("SELECT",)]

    # A table of an older layout is replaced by a new one; while a view depends on it, the write stops, table kept.
    postgres_admin(env, f"alter table {TABLE} add column retired_column text")
    with pytest.raises(RoiError) as excinfo:
        write(make_frame(ROWS_A))
    assert "other objects depend on it" in one_line_error(excinfo)
    assert stored(env) == expected(ROWS_B)
    postgres_admin(env, "drop view predictions.high_risk")
    write(make_frame(ROWS_A))
    assert stored(env) == expected(ROWS_A)
    assert query_warehouse(env, """
        select attribute.attname from pg_index as ix
        inner join pg_attribute as attribute on attribute.attrelid = ix.indrelid and attribute.attnum = any(ix.indkey)
        where ix.indrelid = 'predictions.customer_predictions'::regclass and ix.indisprimary""") == [
        ("customer_unique_id",)]
    assert query_warehouse(env, "select count(*) from pg_class where relname = 'customer_predictions__new'") == [(0,)]


def test_postgres_read_only_database_gives_one_line(postgres_env, use_env):
    """A read-only session (a replica, or default_transaction_read_only on the role or database)."""
    env = use_env(postgres_env)
    write(make_frame(ROWS_A))
    postgres_admin(env, f'alter database "{env["POSTGRES_DB"]}" set default_transaction_read_only = on')
    with pytest.raises(RoiError) as excinfo:
        write(make_frame(ROWS_B))
    message = one_line_error(excinfo)
    assert message.startswith("warehouse: cannot write predictions.customer_predictions (cannot execute TRUNCATE")
    assert message.endswith(SKIP_HINT)
    assert stored(env) == expected(ROWS_A)


def test_postgres_user_without_write_privileges_gives_one_line(postgres_env, use_env):
    """A user who may read the table but not write it: permission denied, in one line."""
    env = use_env(postgres_env)
    allowed = query_warehouse(env, "select rolsuper or rolcreaterole from pg_roles where rolname = current_user")
    if not allowed[0][0]:
        pytest.skip("this PostgreSQL role may not create roles (the embedded server's may)")
    write(make_frame(ROWS_A))
    reader = f"predictions_reader_{uuid.uuid4().hex[:8]}"
    postgres_admin(env, f"create role {reader} login password 'reader'; grant usage on schema predictions to {reader}; "
                        f"grant select on {TABLE} to {reader}")
    try:
        use_env({**env, "POSTGRES_USER": reader, "POSTGRES_PASSWORD": "reader"})
        with pytest.raises(RoiError) as excinfo:
            write(make_frame(ROWS_B))
        assert one_line_error(excinfo) == (
            f"warehouse: cannot write predictions.customer_predictions (permission denied for table "
            f"customer_predictions); {SKIP_HINT}")
    finally:
        postgres_admin(env, f"drop owned by {reader}; drop role {reader}")
    assert stored(env) == expected(ROWS_A)


# --- dbt: the source predictions and the default selector ----------------------------------------------------------

GOOD_ROWS = [
    ("p1", "Champions", AS_OF, "mbgnbd", "gamma_gamma",
     0.9, 0.1, 0.3, 0.7, 1.25, 150.5, 41.2, "low", dt.date(2018, 9, 20), 45.5),
    ("p2", "At Risk", AS_OF, "bgnbd", "gamma_gamma",
     0.4, 0.0, 0.0, 0.2, 0.3, 99.9, 7.1, "high", None, 12.0),
    ("p3", "Hibernating", AS_OF, "segment_rates", "average_spend",
     None, 0.01, 0.02, 0.05, 0.05, 80.0, 1.5, "high", None, None),
]
# Each fault breaks exactly one test: a repeated id (unique), P(30 d) > P(90 d) (the ordering test), an unknown
# model, spend model and churn band (accepted_values), P(alive) > 1 and a negative spend (accepted_range), a next
# purchase before the as-of date (its expression test).
BAD_ROWS = GOOD_ROWS[:1] + [
    ("p2", "At Risk", AS_OF, "pareto", "lognormal",
     1.5, 0.5, 0.1, 0.6, 0.3, -1.0, 7.1, "extreme", dt.date(2018, 1, 1), 12.0),
]
FAILING_TESTS = {
    "source_unique_predictions_customer_predictions_customer_unique_id",
    "source_accepted_values_predictions_customer_predictions_model__mbgnbd__bgnbd__segment_rates",
    "source_accepted_values_predictions_customer_predictions_churn_risk__low__medium__high",
    "source_accepted_values_predictions_customer_predictions_spend_model__gamma_gamma__average_spend",
    "source_accepted_range_predictions_customer_predictions_p_alive__1__0",
    "source_accepted_range_predictions_customer_predictions_expected_spend_per_purchase__0",
    "source_expression_is_true_predictions_customer_predictions_p_purchase_30d_p_purchase_90d_and_p_purchase_90d_p_"
    "purchase_365d",
    "source_expression_is_true_predictions_customer_predictions_expected_next_purchase_date_is_null_or_expected_next_"
    "purchase_date_as_of_date",
}
SOURCE_TESTS = 26


def source_test_results(env: dict, workdir) -> tuple[subprocess.CompletedProcess, dict[str, str]]:
    """`dbt test --select source:predictions`: its process and each test's status by test name."""
    proc = run_dbt(env, "test", "--select", "source:predictions", workdir=workdir)
    results = json.loads((workdir / "target" / "run_results.json").read_text())["results"]
    return proc, {result["unique_id"].split(".")[2]: result["status"] for result in results
                  if result["unique_id"].startswith("test.")}


def test_dbt_source_tests_pass_on_a_good_table_and_fail_on_a_bad_one(engine_env, tmp_path):
    write(make_frame(GOOD_ROWS))
    proc, statuses = source_test_results(engine_env, tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert len(statuses) == SOURCE_TESTS and set(statuses.values()) == {"pass"}

    write(make_frame(BAD_ROWS))
    # the writer refuses a repeated id; a table written by anyone else may have one
    if engine_env["DBT_TARGET"] == "duckdb":
        import duckdb

        with duckdb.connect(engine_env["DUCKDB_PATH"]) as con:
            con.execute(f"insert into {TABLE} select * from {TABLE} where customer_unique_id = 'p1'")
    else:
        postgres_admin(engine_env, f"alter table {TABLE} drop constraint customer_predictions_pkey; "
                                   f"insert into {TABLE} select * from {TABLE} where customer_unique_id = 'p1'")
    proc, statuses = source_test_results(engine_env, tmp_path)
    assert proc.returncode != 0
    failed = {name for name, status in statuses.items() if status != "pass"}
    assert failed == FAILING_TESTS


def test_plain_dbt_commands_leave_the_predictions_source_out(duckdb_env, tmp_path):
    """The default selector is dbt's own default less source:predictions and its tests; --select still reaches
    them (what `dbt build` on a fresh warehouse relies on, and `dbt test --select source:predictions` after roi.py)."""
    def listed(*selection: str) -> set[str]:
        proc = run_dbt(duckdb_env, "ls", "--quiet", "--output", "name", *selection, workdir=tmp_path)
        assert proc.returncode == 0, proc.stdout[-2000:]
        return set(proc.stdout.split())

    default = listed()
    dbt_default = listed("--select", "fqn:* source:* exposure:* metric:* semantic_model:*")
    predictions = listed("--select", "source:predictions")
    assert dbt_default - default == predictions
    assert len(predictions) == SOURCE_TESTS + 1 and default < dbt_default
    assert "crm_customer_predictions" in default  # the exposure reading the table stays (a no-op in dbt build)


# --- Spark ----------------------------------------------------------------------------------------------------------

# roi.py's order of events in one process: read through a SparkSession (warehouses.SparkWarehouse, stopped on close),
# then write the predictions (a new session in the same process), twice here to see the second replace the first.
SPARK_WRITE_PROGRAM = """
import pickle, sys
from customer_intel.profile import load_target
from customer_intel.roi.warehouses import SparkWarehouse
from customer_intel.roi.predictions_table import write_customer_predictions
with open(sys.argv[1], "rb") as fh:
    frames = pickle.load(fh)
target = load_target()
warehouse = SparkWarehouse(target)
warehouse.query("select 1")
warehouse.close()
print([write_customer_predictions(target, frame) for frame in frames])
"""


@pytest.mark.spark
def test_spark_writes_after_reading_and_a_new_process_reads_it(tmp_path):
    env = spark_warehouse_env(tmp_path / "warehouse")
    frames_file = tmp_path / "frames.pickle"
    frames_file.write_bytes(pickle.dumps([make_frame(ROWS_A), make_frame(ROWS_B)]))
    proc = subprocess.run([PYTHON, "-c", SPARK_WRITE_PROGRAM, str(frames_file)], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert proc.stdout.strip().splitlines()[-1] == f"[{len(ROWS_A)}, {len(ROWS_B)}]"

    rows, tables = query_warehouse_many(env, [SELECT_ALL, "show tables in predictions"])
    assert sorted(rows, key=lambda row: row[0]) == expected(ROWS_B)
    assert sorted(row[1] for row in tables) == ["customer_predictions"]
