"""Readings, formatting, charts and the report, in-process on the hand-made marts (no warehouse needed)."""
from __future__ import annotations

import datetime as dt

import pytest

from conftest import roi_marts_object

from customer_intel.roi import cases
from customer_intel.roi.presentation import charts, readings
from customer_intel.roi.assumptions import load_assumptions
from customer_intel.roi.formatting import brl, count, percent

from customer_intel.roi.methods.monte_carlo import SimulationSummary
from customer_intel.roi.presentation.predicted_value import choice_sentence
from customer_intel.roi.presentation.report import render_report


@pytest.fixture
def results(roi_marts):
    return cases.compute(roi_marts_object(roi_marts), load_assumptions(None, {"monte_carlo.runs": 500}))


def test_money_and_rates_print_in_brl_and_percent():
    assert brl(66_764.25) == "R$ 66,764.25"
    assert brl(-1_200, 0) == "-R$ 1,200"
    assert brl(float("nan")) == "n/a"
    assert percent(0.05) == "5%"
    assert percent(0.0048) == "0.48%"
    assert percent(0.0048, 3, trim=False) == "0.480%"
    assert count(23_711) == "23,711"
    assert charts.compact_brl(1_234.0) == "R$ 1.2k" and charts.compact_brl(-3_400_000) == "-R$ 3.4M"


def test_segment_reading_follows_the_data(roi_marts):
    clv = roi_marts["clv"]
    assert readings.segment_value(clv).startswith("Champions hold 21.3% of all customer value with 20% of")
    clv.loc[clv["rfm_segment"] == "At Risk", "revenue_share"] = 0.9
    assert readings.segment_value(clv).startswith("At Risk hold 90% of all customer value")


def test_geography_reading_names_the_top_state(roi_marts):
    geography = roi_marts["segment_geography"]
    assert readings.geography(geography) == (
        "SP is the top state in every segment, with 55% of each segment's customers."
    )
    geography.loc[(geography["rfm_segment"] == "Champions") & (geography["customer_state"] == "RJ"), "customers"] = 99
    assert readings.geography(geography).startswith("The top state differs by segment: SP in ")
    assert "RJ in Champions" in readings.geography(geography)


def test_affinity_reading_picks_the_strongest_lean(roi_marts):
    affinity = roi_marts["segment_product_affinity"]
    top = affinity.sort_values("affinity_index").iloc[-1]
    reading = readings.affinity(affinity)
    assert reading.startswith(f"{top['rfm_segment']} lean most towards {top['product_category']}")
    assert f"{top['affinity_index']:.2f}" in reading
    flat = affinity.assign(affinity_index=1.0)
    assert readings.affinity(flat).startswith("No segment leans")


def test_break_even_wording():
    assert readings.break_even_text(0.0075, "success rate") == "it breaks even at a 0.75% success rate"
    assert readings.break_even_text(None, "success rate") == (
        "it never breaks even (no success rate pays back the cost)")
    assert readings.break_even_text(1.5, "success rate").startswith("it cannot pay back even at a 100%")


def test_simulation_reading():
    summary = SimulationSummary(runs=10_000, seed=1, probability_positive=0.9712, p10=-5.0, p50=1_234.4, p90=9_999.0,
                                mean=2_000.0)
    assert readings.simulation(summary, "win-back net profit") == (
        "In 10,000 simulated campaigns the win-back net profit is positive 97.1% of the time; "
        "P10 -R$ 5, median R$ 1,234, P90 R$ 9,999."
    )


def test_business_case_readings_quote_the_computed_numbers(results):
    win_back_reading = readings.win_back_scenarios(results.win_back.scenarios, results.win_back.break_even_success_rate)
    # middle scenario 3 %, organic rate 1 % (5 of 500): 20 × (0.03 − 0.01) × 300 × 0.25 − 20 × 0.50 = 30 − 10 = 20;
    # break-even 0.01 + 0.50 / (300 × 0.25) = 1.67 %
    assert win_back_reading == (
        "At a 3% success rate the campaign nets R$ 20 on R$ 10 of cost, ROI 200%; "
        "it breaks even at a 1.67% success rate."
    )
    assert readings.cohort_retention(results.welcome_series.baseline).startswith(
        "Pooled over 5 cohorts, 0.48% of new customers buy again in their second month (48 of 10,000)")


def test_every_chart_has_a_figure_and_a_reading(results):
    built = charts.build_charts(results)
    assert len(built) == 15 and len({chart.name for chart in built}) == 15
    for chart in built:
        assert chart.reading.endswith(".") and len(chart.reading) > 30
        assert chart.figure.layout.title.text == chart.title


def test_report_states_data_date_assumptions_and_results(results):
    html = render_report(results, charts.build_charts(results))
    assert html.count("<script") == 1 + 15  # plotly.js once, then one drawing call per chart
    for text in ("Data as of <strong>2017-10-01</strong>", "handmade", "R$ 20", "1.67%", "P(net &gt; 0)",
                 "<h2>How segments move</h2>", "1% of At Risk, Hibernating bought again within 3",
                 "(5 of 500 person-snapshots)", "Net profit counts\nonly the incremental buyers",
                 "win_back.gross_margin", "triangular(low 0.5%, mode 2%, high 6%)", "tiny cohort",
                 "month 1 in a thin month", "assumptions/roi_defaults.yml"):
        assert text in html, text


def test_report_carries_the_note_on_the_segment_method(results, roi_marts):
    html = render_report(results, charts.build_charts(results))
    assert "<h2>About the segments</h2>" in html
    for text in ("its recency score was inverted", "ordered by value",
                 "dormant Champions does not hold", "rfm_scheme: reference"):
        assert text in html, text
    # the note's figure comes from this run's targets, computed here from the hand-made mart
    targets = results.win_back.targets
    days = float(roi_marts["win_back_targets"]["days_since_last_purchase"].astype(float).mean())
    assert (f"Here the win-back targets ({', '.join(targets.by_segment['rfm_segment'])}: {targets.people:,} people) "
            f"last bought on average {days:,.0f} days before the as-of date.") in html
    assert "115 days" not in html and "23,472" not in html  # no figure of other data
    assert html.index("About the segments") < html.index("<h2>Assumptions</h2>")


def test_report_says_when_there_is_no_backtest(roi_marts):
    roi_marts["clv_inputs"]["holdout_purchases"] = 0
    results = cases.compute(roi_marts_object(roi_marts), load_assumptions(None, {"monte_carlo.runs": 500}))
    built = charts.build_charts(results)
    reading = next(chart.reading for chart in built if chart.name == "clv_backtest")
    assert reading == ("No backtest on these data (27 people in the calibration period): nobody in the calibration "
                       "period bought in the holdout, so there is nothing to check; so the predictions are untested "
                       "here.")
    assert reading in render_report(results, built).replace("&#39;", "'")


def test_report_names_the_model_used_and_why(roi_marts):
    assumptions = load_assumptions(None, {"monte_carlo.runs": 100})
    default = cases.compute(roi_marts_object(roi_marts), assumptions)
    people, repeat = len(roi_marts["clv_inputs"]), int((roi_marts["clv_inputs"]["frequency"] > 0).sum())
    sentence = (f"Predictions on {people:,} people, {repeat:,} of whom bought more than once use MBG/NBD with "
                "Gamma-Gamma spend per purchase.")
    assert choice_sentence(default.predicted) == sentence and sentence in render_report(default, [])
    one_time = {**roi_marts, "clv_inputs": roi_marts["clv_inputs"].assign(
        frequency=0, recency=0, calibration_frequency=0, calibration_recency=0, avg_repeat_purchase_value=None)}
    fallback = cases.compute(roi_marts_object(one_time), assumptions)
    assert fallback.predicted.choice.purchase_model == "segment_rates"
    html = render_report(fallback, [])
    assert choice_sentence(fallback.predicted).startswith(
        f"Predictions on {people:,} people, 0 of whom bought more than once use the segments' measured return "
        "rates (no model)")
    assert "MBG/NBD is not fitted (nobody in the summary has a repeat purchase" in html.replace("&#39;", "'")


def test_report_says_the_day_after_the_last_purchase_only_when_it_is(roi_marts):
    assumptions = load_assumptions(None, {"monte_carlo.runs": 100})
    note = "Data as of <strong>2017-10-01</strong> (the day after the last purchase)"
    default = cases.compute(roi_marts_object(roi_marts), assumptions)
    assert note in render_report(default, [])
    as_of_set = cases.compute(roi_marts_object(roi_marts, last_purchase_date=dt.date(2017, 6, 26)), assumptions)
    html = render_report(as_of_set, [])
    assert note not in html and "Data as of <strong>2017-10-01</strong> · warehouse target" in html
