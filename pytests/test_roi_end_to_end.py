"""The whole path a user takes: generate → load → dbt build → roi.py, on DuckDB and PostgreSQL.

Checks that roi.py's outputs agree with the marts dbt built (numbers queried independently in SQL) and that both
engines give the same business cases. Skipped while the generator, loader or marts are missing from the tree.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from conftest import PROJECT_ROOT, query_warehouse, run_script, summary_from_files
from customer_intel.roi.cases.predictive_profile import PROFILE_COLUMNS

pytestmark = pytest.mark.slow

REQUIRED = ("scripts/generate_data.py", "scripts/load_data.py", "models/marts/marketing/win_back_targets.sql")
MISSING = [path for path in REQUIRED if not (PROJECT_ROOT / path).is_file()]
if MISSING:
    pytest.skip(f"pipeline pieces missing: {', '.join(MISSING)}", allow_module_level=True)

TABLES = ("second_purchase_drivers", "second_purchase_levers", "campaign_contacts", "campaign_readout",
          "business_case_summary", "win_back_scenarios",
          "win_back_targets_by_segment", "win_back_sensitivity",
          "welcome_series_scenarios", "welcome_series_cohorts", "welcome_series_sensitivity", "monte_carlo_summary",
          "organic_return_rates", "clv_predictions", "clv_by_segment", "clv_model_parameters", "clv_backtest",
          "win_back_contact_list", "win_back_value_bases")
CLV_TABLES = TABLES[-6:]
# Columns documented as empty where they have no meaning (customer_predictions' docs; the parameter table's rows of
# models that were not fitted; a break-even that is never reached).
NULLABLE = {
    "clv_predictions": ("expected_next_purchase_date", "avg_days_between_purchases"),
    "clv_by_segment": ("median_expected_next_purchase_date", "predicted_clv_p10", "predicted_clv_p90"),
    # the long table: each kind of row fills its own columns (checked in test_predicted_value_outputs_exist_without_nan)
    "clv_backtest": ("actual_purchases", "predicted_purchases", "actual_mean", "predicted_mean", "mean_p_purchase",
                     "share_bought", "auc", "brier_score", "log_loss", "top_decile_capture", "relative_error",
                     "predicted_purchases_p10", "predicted_purchases_p90"),
    "clv_model_parameters": ("reason", "standard_error", "lower_95", "upper_95", "interval_note"),
    "win_back_value_bases": ("break_even_success_rate",),
    # the control group is held out: no rank, no expected value (checked below: only there)
    "win_back_contact_list": ("rank", "value_if_reactivated", "organic_rate", "expected_incremental_value",
                              "cumulative_net_profit"),
}


@pytest.fixture(scope="module")
def pipeline(built_warehouses, tmp_path_factory):
    """``pipeline(engine)`` → (env, output folder): roi.py once per engine on the tie_aware warehouse, memoised."""
    runs: dict[str, tuple[dict, Path]] = {}

    def run(engine: str) -> tuple[dict, Path]:
        if engine not in runs:
            build, env = built_warehouses[engine, "tie_aware"]
            assert build.returncode == 0, build.stdout[-3000:]
            out = tmp_path_factory.mktemp(f"roi_e2e_{engine}") / "out"
            png = [] if engine == "duckdb" else ["--no-png"]
            run_script("roi.py", "--target", engine, "--out", str(out), *png, env=env)
            runs[engine] = (env, out)
        return runs[engine]

    return run


def metric(out: Path, case: str, name: str) -> str:
    summary = pd.read_csv(out / "business_case_summary.csv")
    return summary.loc[(summary["case"] == case) & (summary["metric"] == name), "value"].item()


def check_against_marts(env: dict, out: Path) -> None:
    people, avg_monetary = query_warehouse(
        env, "select count(*), avg(monetary) from analytics.win_back_targets")[0]
    scenarios = pd.read_csv(out / "win_back_scenarios.csv")
    contacts = pd.read_csv(out / "campaign_contacts.csv")
    assert len(contacts) == people  # every target is in a group; only the treatment group is contacted
    treatment = int((contacts["group"] == "treatment").sum())
    assert scenarios["people"].unique().tolist() == [treatment]
    assert float(metric(out, "win_back", "avg_monetary")) == pytest.approx(float(avg_monetary))
    as_of = query_warehouse(env, "select max(as_of_date) from analytics.rfm_segments")[0][0]
    assert metric(out, "data", "as_of_date") == str(as_of)[:10]

    cohorts = pd.read_csv(out / "welcome_series_cohorts.csv")
    included = cohorts.loc[cohorts["status"] == "included", "cohort_month"].tolist()
    in_list = ", ".join(f"'{month}'" for month in included)
    returners, customers = query_warehouse(env, f"""
        select
            sum(case when months_since_first_purchase = 1 then active_customers else 0 end),
            sum(case when months_since_first_purchase = 0 then cohort_size else 0 end)
        from analytics.cohort_retention
        where cast(cohort_month as varchar(10)) in ({in_list})
    """)[0]
    assert float(metric(out, "welcome_series", "baseline_month1_retention")) == pytest.approx(returners / customers)
    cohort_count = query_warehouse(env, "select count(distinct cohort_month) from analytics.cohort_retention")[0][0]
    assert len(cohorts) == cohort_count

    # the organic rate: Σ returned / Σ people over the targets' segments at 3 months, from segment_reactivation
    # (the unpooled mart) directly
    returned, person_snapshots = query_warehouse(env, """
        select sum(returned), sum(people)
        from analytics.segment_reactivation
        where horizon_months = 3
            and rfm_segment in (select distinct rfm_segment from analytics.win_back_targets)
    """)[0]
    assert float(metric(out, "win_back", "organic_rate")) == pytest.approx(returned / person_snapshots)
    assert scenarios["organic_rate"].tolist() == pytest.approx([returned / person_snapshots] * len(scenarios))
    assert scenarios["incremental_reactivated"].tolist() == pytest.approx(
        (treatment * (scenarios["success_rate"] - returned / person_snapshots)).tolist())
    latest_people = query_warehouse(env, """
        select sum(people) from analytics.segment_transitions
        where to_snapshot_date = (select max(to_snapshot_date) from analytics.segment_transitions)
    """)[0][0]
    snapshot_people = query_warehouse(env, """
        select count(*) from analytics.segment_history
        where snapshot_date = (select max(snapshot_date) from analytics.segment_history)
    """)[0][0]
    assert latest_people == snapshot_people  # the migration chart's period: everyone in the last snapshot
    organic = pd.read_csv(out / "organic_return_rates.csv")
    pooled_rows = query_warehouse(env, "select count(*) from analytics.segment_reactivation_pooled")[0][0]
    assert len(organic) == pooled_rows

    revenue, orders = query_warehouse(env, "select sum(monetary), sum(frequency) from analytics.rfm_segments")[0]
    assert float(metric(out, "welcome_series", "value_per_customer")) == pytest.approx(float(revenue) / orders)
    assert (out / "report.html").stat().st_size > 1_000_000  # plotly.js inlined


def test_duckdb_outputs_agree_with_the_marts(pipeline):
    env, out = pipeline("duckdb")
    check_against_marts(env, out)
    assert len(list((out / "charts").glob("*.html"))) == 15


@pytest.mark.postgres
def test_postgres_outputs_agree_with_the_marts(pipeline):
    env, out = pipeline("postgres")
    check_against_marts(env, out)


@pytest.mark.postgres
def test_both_engines_give_the_same_business_cases(pipeline):
    _, duckdb_out = pipeline("duckdb")
    _, postgres_out = pipeline("postgres")
    for table in TABLES:
        expected = pd.read_csv(duckdb_out / f"{table}.csv")
        got = pd.read_csv(postgres_out / f"{table}.csv")
        if table == "business_case_summary":
            expected, got = expected.iloc[2:].reset_index(drop=True), got.iloc[2:].reset_index(drop=True)
            expected["value"], got["value"] = expected["value"].astype(float), got["value"].astype(float)
        pd.testing.assert_frame_equal(expected, got, check_exact=False, rtol=1e-9)


def test_predicted_value_outputs_exist_without_nan(pipeline):
    env, out = pipeline("duckdb")
    report = (out / "report.html").read_text(encoding="utf-8")
    backtest = pd.read_csv(out / "clv_backtest.csv")
    for table in CLV_TABLES:
        frame = pd.read_csv(out / f"{table}.csv")
        assert not frame.empty or (table == "clv_backtest" and "No backtest on these data" in report), table
        frame = frame.drop(columns=[column for column in NULLABLE.get(table, ()) if column in frame.columns])
        assert not frame.isna().any().any(), table
    people = query_warehouse(env, "select count(*) from analytics.clv_inputs")[0][0]
    predictions = pd.read_csv(out / "clv_predictions.csv")
    assert len(predictions) == people and predictions["customer_unique_id"].is_unique
    assert predictions["p_alive"].between(0, 1).all() and (predictions["predicted_clv_12m"] >= 0).all()
    repeat = predictions["avg_days_between_purchases"].notna()
    assert (repeat == (predictions["customer_unique_id"].isin(set(
        row[0] for row in query_warehouse(env, "select customer_unique_id from analytics.clv_inputs "
                                               "where frequency > 0"))))).all()
    targets = query_warehouse(env, "select count(*) from analytics.win_back_targets")[0][0]
    contact_list = pd.read_csv(out / "win_back_contact_list.csv")
    assert len(contact_list) == targets
    treated = contact_list["group"] == "treatment"
    assert not contact_list.loc[treated].isna().any().any()
    assert contact_list.loc[~treated, "rank"].isna().all() and not contact_list.loc[~treated, "in_optimal_list"].any()
    contacts = pd.read_csv(out / "campaign_contacts.csv")
    assert contacts["customer_unique_id"].tolist() == sorted(contact_list["customer_unique_id"])
    assert set(contacts["group"]) <= {"treatment", "control"}
    if not backtest.empty:  # small samples may leave too few repeat buyers to fit the calibration period
        actual = query_warehouse(env, "select sum(holdout_purchases) from analytics.clv_inputs where is_in_calibration")
        totals = backtest.loc[backtest["table"] == "totals"]
        assert totals["actual_purchases"].tolist() == [float(actual[0][0])] * 2  # MBG/NBD and BG/NBD
        filled = {"totals": ("actual_purchases", "predicted_purchases", "actual_mean", "predicted_mean"),
                  "calibration_by_decile": ("mean_p_purchase", "share_bought"),
                  "scores": ("mean_p_purchase", "share_bought", "auc", "brier_score", "log_loss", "top_decile_capture")}
        for table, columns in filled.items():
            rows = backtest.loc[backtest["table"] == table]
            assert not rows.empty and not rows[list(columns)].isna().any().any(), table
        assert set(backtest.loc[backtest["table"] == "scores", "model"]) == {"mbgnbd", "bgnbd", "baseline"}
    assert "Predicted lifetime value" in report


def test_customer_predictions_are_equal_on_duckdb_and_postgres(pipeline):
    """roi.py wrote the same predictions into both warehouses, and the CSV is the file view of the same rows."""
    columns = list(PROFILE_COLUMNS)
    sql = f"select {', '.join(columns)} from predictions.customer_predictions order by customer_unique_id"
    duck_env, duck_out = pipeline("duckdb")
    postgres_env, _ = pipeline("postgres")
    duck = pd.DataFrame(query_warehouse(duck_env, sql), columns=columns)
    postgres = pd.DataFrame(query_warehouse(postgres_env, sql), columns=columns)
    csv = pd.read_csv(duck_out / "clv_predictions.csv")
    assert len(duck) == len(postgres) == len(csv) > 0 and csv.columns.tolist() == columns
    labels = ["customer_unique_id", "rfm_segment", "as_of_date", "model", "spend_model", "churn_risk",
              "expected_next_purchase_date"]
    pd.testing.assert_frame_equal(duck[labels], postgres[labels])
    numbers = [column for column in columns if column not in labels]
    pd.testing.assert_frame_equal(duck[numbers].astype(float), postgres[numbers].astype(float), rtol=1e-12)
    pd.testing.assert_frame_equal(duck[numbers].astype(float), csv[numbers].astype(float), rtol=1e-12)


def test_clv_inputs_full_period_agrees_with_pandas_on_the_files(pipeline, generated_data):
    env, _ = pipeline("duckdb")
    rows = query_warehouse(env, """
        select customer_unique_id, frequency, recency, tenure, avg_repeat_purchase_value
        from analytics.clv_inputs
    """)
    mart = pd.DataFrame(rows, columns=["customer_unique_id", "frequency", "recency", "tenure", "repeat_value"])
    mart = mart.set_index("customer_unique_id").sort_index()
    expected = summary_from_files(generated_data).sort_index()
    assert mart.index.tolist() == expected.index.tolist()
    for column in ("frequency", "recency", "tenure"):
        assert mart[column].astype(int).tolist() == expected[column].astype(int).tolist(), column
    pd.testing.assert_series_equal(mart["repeat_value"].astype(float), expected["repeat_value"].astype(float),
                                   check_exact=False, rtol=1e-9, check_names=False)



def test_the_calibration_end_segment_is_the_segment_history_snapshot_of_that_day(pipeline):
    """Everyone in the calibration period has the segment segment_history gives them on the calibration end, which
    is a first day of a month: the segment rfm_segments would have given them with var as_of_date set to it."""
    env, _ = pipeline("duckdb")
    (people, matched, missing, first_day), = query_warehouse(env, """
        select
            count(*),
            sum(case when history.rfm_segment = inputs.calibration_rfm_segment then 1 else 0 end),
            sum(case when inputs.calibration_rfm_segment is null then 1 else 0 end),
            min(extract(day from inputs.calibration_end_date))
        from analytics.clv_inputs as inputs
        left join analytics.segment_history as history
            on history.customer_unique_id = inputs.customer_unique_id
            and history.snapshot_date = inputs.calibration_end_date
        where inputs.is_in_calibration
    """)
    assert people > 0 and matched == people and missing == 0 and first_day == 1
