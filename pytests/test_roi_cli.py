"""scripts/roi.py as a user runs it: outputs, agreement with the marts, errors, PNGs, and the report in Chromium."""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from plotly.offline import get_plotlyjs

from browser import load_in_chromium, needs_chromium
from conftest import run_script

CHARTS = ("segment_value", "affinity_heatmap", "geography", "cohort_retention", "second_purchase_by_lateness",
          "segment_migration",
          "organic_return_rates", "win_back_scenarios",
          "welcome_series_scenarios", "win_back_sensitivity", "welcome_series_sensitivity", "win_back_monte_carlo",
          "welcome_series_monte_carlo", "clv_backtest", "clv_calibration")
TABLES = ("business_case_summary", "win_back_scenarios", "win_back_targets_by_segment", "win_back_sensitivity",
          "welcome_series_scenarios", "welcome_series_cohorts", "welcome_series_sensitivity", "monte_carlo_summary",
          "clv_predictions", "clv_by_segment", "clv_model_parameters", "clv_backtest", "win_back_contact_list",
          "win_back_value_bases", "organic_return_rates", "campaign_contacts", "campaign_readout",
          "second_purchase_drivers", "second_purchase_levers")


@pytest.fixture(scope="module")
def duckdb_run(tmp_path_factory, roi_marts_factory, write_roi_marts):
    """One run of roi.py (with PNGs when Chromium exists) on the hand-made marts in DuckDB."""
    folder = tmp_path_factory.mktemp("roi_duckdb")
    env = {**os.environ, "DBT_TARGET": "duckdb", "DUCKDB_PATH": str(folder / "warehouse.duckdb")}
    write_roi_marts(env, roi_marts_factory())
    proc = run_script("roi.py", "--out", str(folder / "out"), env=env)
    return folder / "out", proc


def csv(out: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(out / f"{name}.csv")


def metric(out: Path, case: str, name: str) -> str:
    summary = csv(out, "business_case_summary")
    return summary.loc[(summary["case"] == case) & (summary["metric"] == name), "value"].item()


def test_writes_every_output(duckdb_run):
    out, proc = duckdb_run
    assert sorted(path.stem for path in out.glob("*.csv")) == sorted(TABLES)
    assert sorted(path.stem for path in (out / "charts").glob("*.html")) == sorted(CHARTS)
    assert (out / "charts" / "plotly.min.js").is_file()
    assert (out / "report.html").is_file()
    assert proc.stdout.strip().splitlines()[-1] == f"roi: report written to {out / 'report.html'}"


def test_outputs_agree_with_the_hand_made_marts(duckdb_run):
    out, _ = duckdb_run
    scenarios = csv(out, "win_back_scenarios").set_index("success_rate")
    # 20 targets worth 300 on average, organic rate over 3 months 5 / 500 = 1 % (At Risk 5 of 300, Hibernating 0 of
    # 200); at 5 %: 20 × (0.05 − 0.01) = 0.8 incremental × 300 × 0.25 = 60 gross − 20 × 0.50 = 10 cost → 50
    assert scenarios["people"].unique().tolist() == [20]
    assert scenarios["organic_rate"].unique().tolist() == [pytest.approx(0.01)]
    assert scenarios["campaign_window_months"].unique().tolist() == [3]
    assert scenarios.loc[0.05, "incremental_reactivated"] == pytest.approx(0.8)
    assert scenarios.loc[0.05, "net_profit"] == pytest.approx(50.0)
    assert float(metric(out, "win_back", "organic_rate")) == pytest.approx(0.01)
    assert float(metric(out, "win_back", "break_even_success_rate")) == pytest.approx(0.01 + 0.5 / 75)
    organic = csv(out, "organic_return_rates").set_index(["rfm_segment", "horizon_months"])
    assert len(organic) == 15 and organic.loc[("Champions", 3), "return_rate"] == pytest.approx(0.2)
    assert metric(out, "data", "as_of_date") == "2017-10-01"
    assert float(metric(out, "welcome_series", "baseline_month1_retention")) == pytest.approx(0.0048)
    assert float(metric(out, "welcome_series", "new_customers_per_month")) == pytest.approx(12_200 / 6)
    assert float(metric(out, "welcome_series", "value_per_customer")) == pytest.approx(15_250 / 57)
    welcome = csv(out, "welcome_series_scenarios").set_index("improvement")
    expected = 12_200 / 6 * 0.0048 * 0.10 * (15_250 / 57) * 0.25 * 12
    assert welcome.loc[0.10, "net_value_per_year"] == pytest.approx(expected)
    cohorts = csv(out, "welcome_series_cohorts")
    assert cohorts.loc[cohorts["status"] == "included", "cohort_month"].tolist() == [
        "2017-01-01", "2017-02-01", "2017-03-01", "2017-04-01", "2017-05-01"]
    assert len(csv(out, "win_back_sensitivity")) == 7 * 6
    monte_carlo = csv(out, "monte_carlo_summary").set_index("case")
    assert monte_carlo.loc["win_back", "runs"] == 10_000
    assert monte_carlo.loc["win_back", "p10"] <= monte_carlo.loc["win_back", "p50"] <= monte_carlo.loc[
        "win_back", "p90"]


def test_flags_override_the_assumptions(duckdb_run, tmp_path):
    out, _ = duckdb_run
    env = {**os.environ, "DBT_TARGET": "duckdb", "DUCKDB_PATH": str(out.parent / "warehouse.duckdb")}
    run_script("roi.py", "--out", str(tmp_path), "--no-png", "--cost-per-contact", "1", "--success-rates",
               "0.05,0.1", "--runs", "200", env=env)
    scenarios = csv(tmp_path, "win_back_scenarios").set_index("success_rate")
    assert scenarios.index.tolist() == [0.05, 0.10]
    assert scenarios.loc[0.05, "net_profit"] == pytest.approx(60 - 20)
    assert csv(tmp_path, "monte_carlo_summary")["runs"].tolist() == [200, 200]


def test_same_seed_same_numbers(duckdb_run, tmp_path):
    out, _ = duckdb_run
    env = {**os.environ, "DBT_TARGET": "duckdb", "DUCKDB_PATH": str(out.parent / "warehouse.duckdb")}
    run_script("roi.py", "--out", str(tmp_path), "--no-png", env=env)
    for table in TABLES:
        pd.testing.assert_frame_equal(csv(out, table), csv(tmp_path, table))


@pytest.mark.postgres
def test_postgres_target_gives_the_same_outputs(duckdb_run, postgres_env, roi_marts, write_roi_marts, tmp_path):
    out, _ = duckdb_run
    write_roi_marts(postgres_env, roi_marts)
    run_script("roi.py", "--target", "postgres", "--out", str(tmp_path), "--no-png", env=postgres_env)
    for table in TABLES:
        expected, got = csv(out, table), csv(tmp_path, table)
        if table == "business_case_summary":
            expected, got = expected.iloc[2:], got.iloc[2:]  # target name differs
            expected["value"], got["value"] = expected["value"].astype(float), got["value"].astype(float)
        pd.testing.assert_frame_equal(expected.reset_index(drop=True), got.reset_index(drop=True))


def failing(args: list[str], env: dict) -> str:
    proc = run_script("roi.py", *args, env=env, check=False)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_expected_errors_are_one_line_with_exit_2(roi_duckdb_env, tmp_path, write_roi_marts, roi_marts):
    out = str(tmp_path / "out")
    assert failing(["--target", "nope", "--out", out], roi_duckdb_env) == (
        "roi: profile: unknown target 'nope' (known targets: duckdb, postgres, spark)")
    assert failing(["--cost-per-contact", "-1", "--out", out], roi_duckdb_env) == (
        "roi: assumptions: win_back.cost_per_contact must not be negative (got -1.0)")
    assert failing(["--gross-margin", "25", "--out", out], roi_duckdb_env) == (
        "roi: assumptions: win_back.gross_margin must be a fraction in [0, 1], e.g. 0.05 for 5% (got 25.0)")
    bad_yaml = tmp_path / "bad.yml"
    bad_yaml.write_text("win_back: [unclosed\n", encoding="utf-8")
    assert failing(["--assumptions", str(bad_yaml), "--out", out], roi_duckdb_env).startswith(
        f"roi: assumptions: {bad_yaml} is not valid YAML (line ")
    window = tmp_path / "window.yml"
    window.write_text("win_back:\n  campaign_window_months: 2\n", encoding="utf-8")
    assert failing(["--assumptions", str(window), "--out", out], roi_duckdb_env) == (
        "roi: assumptions: win_back.campaign_window_months is the dbt var campaign_window_months, which the dbt "
        "models read too: set it in dbt_project.yml, not here")
    no_warehouse = {**roi_duckdb_env, "DUCKDB_PATH": str(tmp_path / "missing.duckdb")}
    assert failing(["--out", out], no_warehouse) == (
        f"roi: marts: DuckDB file {no_warehouse['DUCKDB_PATH']} not found: run dbt build first")
    write_roi_marts(roi_duckdb_env, {"win_back_targets": roi_marts["win_back_targets"].iloc[0:0]})
    assert failing(["--out", out], roi_duckdb_env) == (
        "roi: marts: win_back_targets is empty: there is no one to win back (check the segment rules)")
    assert not Path(out).exists()


def test_data_no_model_can_fit_still_gives_every_output(roi_duckdb_env, tmp_path, write_roi_marts, roi_marts):
    """Nobody bought twice: no model can be fitted, yet roi.py exits 0, says so, and writes everything."""
    one_time_buyers = roi_marts["clv_inputs"].assign(
        frequency=0, recency=0, avg_repeat_purchase_value=float("nan"), calibration_recency=0,
        calibration_frequency=lambda frame: frame["calibration_frequency"] * 0)
    write_roi_marts(roi_duckdb_env, {"clv_inputs": one_time_buyers})
    proc = run_script("roi.py", "--out", str(tmp_path / "out"), "--no-png", env=roi_duckdb_env, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "roi: notice: clv: Predictions on " in proc.stderr and "MBG/NBD is not fitted" in proc.stderr
    assert "roi: predicted CLV (segment_rates)" in proc.stdout
    assert sorted(path.stem for path in (tmp_path / "out").glob("*.csv")) == sorted(TABLES)


def test_a_campaign_that_cannot_pay_back_never_breaks_even(duckdb_run, tmp_path):
    """At R$ 1,000 a contact no success rate up to 100 % pays back (20 targets worth 300 x 0.25 each): the summary,
    the value bases and the report say so instead of printing a rate above 100 %."""
    out, _ = duckdb_run
    env = {**os.environ, "DBT_TARGET": "duckdb", "DUCKDB_PATH": str(out.parent / "warehouse.duckdb")}
    proc = run_script("roi.py", "--out", str(tmp_path), "--no-png", "--no-write-back", "--cost-per-contact", "1000",
                      env=env)
    assert "never breaks even" in proc.stdout
    assert csv(tmp_path, "win_back_value_bases")["break_even_success_rate"].isna().all()
    assert "never breaks even" in (tmp_path / "report.html").read_text(encoding="utf-8")


def test_without_chromium_charts_are_html_only_with_a_notice(roi_duckdb_env, tmp_path):
    env = {**roi_duckdb_env, "BROWSER_PATH": str(tmp_path / "no-such-chromium")}
    proc = run_script("roi.py", "--out", str(tmp_path / "out"), env=env)
    notices = [line for line in proc.stderr.splitlines() if line.startswith("roi: notice:")]
    assert len(notices) == 1 and "PNG" in notices[0]
    assert not list((tmp_path / "out" / "charts").glob("*.png"))
    assert len(list((tmp_path / "out" / "charts").glob("*.html"))) == len(CHARTS)
    assert (tmp_path / "out" / "report.html").is_file()


@needs_chromium
def test_pngs_exist_when_chromium_is_installed(duckdb_run):
    out, proc = duckdb_run
    pngs = sorted((out / "charts").glob("*.png"))
    assert [path.stem for path in pngs] == sorted(CHARTS), proc.stderr
    for path in pngs:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_is_self_contained(duckdb_run):
    out, _ = duckdb_run
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count(get_plotlyjs()[:200]) == 1  # plotly.js inlined exactly once
    assert "<script src=" not in html and "<link " not in html  # nothing to fetch: opens offline
    assert html.count('class="reading"') == len(CHARTS)
    for text in ("Data as of <strong>2017-10-01</strong>", "R$ ", "P10", "P90", "Break-even success rate",
                 "Assumptions", "win_back.cost_per_contact"):
        assert text in html


# --- the report in a real browser -------------------------------------------------------------------------------


@needs_chromium
def test_console_check_catches_errors(tmp_path):
    """The check below would see a broken page: uncaught exceptions and console.error are logged."""
    page = tmp_path / "broken.html"
    page.write_text("<html><body><script>console.error('boom'); notDefined();</script></body></html>")
    console, _ = load_in_chromium(page, tmp_path / "profile")
    assert any("boom" in line for line in console)
    assert any("notDefined" in line for line in console)


@needs_chromium
def test_report_loads_in_headless_chromium_without_console_messages(duckdb_run, tmp_path):
    out, _ = duckdb_run
    console, dom = load_in_chromium(out / "report.html", tmp_path / "profile")
    # The report logs nothing, so any console message (Chromium's log does not say its level) is a failure.
    assert console == []
    assert dom.count('class="plot-container plotly"') == len(CHARTS)  # every chart was drawn
