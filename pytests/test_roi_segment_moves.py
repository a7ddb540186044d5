"""How segments move: organic return rates and migration, on the hand-made marts of conftest.py (numbers by hand)."""
from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from conftest import roi_marts_object

from customer_intel.roi import cases
from customer_intel.roi.cases import segment_moves
from customer_intel.roi.presentation import charts, readings, tables
from customer_intel.roi.assumptions import load_assumptions
from customer_intel.roi.errors import RoiError



def test_organic_rate_pools_people_not_rates(roi_marts):
    pooled = roi_marts["segment_reactivation_pooled"]
    organic = segment_moves.organic_rate(pooled, ["Hibernating", "At Risk", "At Risk"], 3)
    # At Risk 5 of 300, Hibernating 0 of 200: 5 / 500 = 1 % (the mean of the two rates would be 0.83 %)
    assert (organic.people, organic.returned) == (500, 5)
    assert organic.rate == pytest.approx(0.01)
    assert organic.segments == ("At Risk", "Hibernating")
    assert segment_moves.organic_rate(pooled, ["At Risk", "Hibernating"], 1).rate == pytest.approx(2 / 700)
    assert segment_moves.organic_rate(pooled, ["Champions"], 6).rate == pytest.approx(18 / 60)


def test_a_window_the_mart_does_not_measure_names_the_horizons(roi_marts):
    with pytest.raises(RoiError) as error:
        segment_moves.organic_rate(roi_marts["segment_reactivation_pooled"], ["At Risk"], 2)
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith("dbt var campaign_window_months is 2, but segment_reactivation_pooled "
                              "measures return horizons 1, 3, 6 (months)")


def test_targets_without_measured_people_are_an_error(roi_marts):
    with pytest.raises(RoiError, match="no people of Lost at horizon 3 months"):
        segment_moves.organic_rate(roi_marts["segment_reactivation_pooled"], ["Lost"], 3)


def test_win_back_case_subtracts_the_organic_rate(roi_marts):
    results = cases.compute(roi_marts_object(roi_marts), load_assumptions(None, {"monte_carlo.runs": 200}))
    case = results.win_back
    scenarios = case.scenarios.set_index("success_rate")
    # 20 targets worth 300, organic 1 %: at 5 % 20 × 0.04 = 0.8 incremental × 300 × 0.25 = 60 − 10 cost = 50
    assert case.organic.rate == pytest.approx(0.01)
    assert scenarios.loc[0.05, "incremental_reactivated"] == pytest.approx(0.8)
    assert scenarios.loc[0.05, "net_profit"] == pytest.approx(50)
    assert scenarios["campaign_window_months"].unique().tolist() == [3]
    assert case.break_even_success_rate == pytest.approx(0.01 + 0.5 / 75)
    # the sensitivity grid uses the same organic rate: 2 % at R$ 1.00 → 20 × 0.01 × 75 − 20 = −5
    grid = case.sensitivity.set_index(["success_rate", "cost_per_contact"])
    assert grid.loc[(0.02, 1.0), "net_profit"] == pytest.approx(-5)
    summary = tables.summary_table(results).set_index("metric")["value"]
    assert summary["organic_rate"] == pytest.approx(0.01) and summary["campaign_window_months"] == 3


def test_one_month_window_uses_the_one_month_rate(roi_marts):
    loaded = load_assumptions(None, {"monte_carlo.runs": 200})
    assumptions = replace(loaded, win_back=replace(loaded.win_back, campaign_window_months=1))
    case = cases.compute(roi_marts_object(roi_marts), assumptions).win_back
    # organic 2 / 700; at 5 %: 20 × (0.05 − 2/700) × 75 − 10
    assert case.scenarios.set_index("success_rate").loc[0.05, "net_profit"] == pytest.approx(
        20 * (0.05 - 2 / 700) * 75 - 10)


def test_monte_carlo_with_a_fixed_success_rate_equals_the_formula(roi_marts):
    marts = roi_marts_object(roi_marts)
    fixed = {"success_rate": 0.05, "cost_per_contact": 0.5, "gross_margin": 0.25}
    assumptions = load_assumptions(None, {"monte_carlo.runs": 50, "win_back.uncertainty": fixed})
    case = cases.compute(marts, assumptions).win_back
    assert case.simulated_net_profit.tolist() == pytest.approx([50.0] * 50)


def test_organic_table_is_segment_by_horizon(roi_marts):
    table = segment_moves.organic_table(roi_marts["segment_reactivation_pooled"])
    assert len(table) == 5 * 3
    assert table[["rfm_segment", "horizon_months"]].iloc[:3].values.tolist() == [
        ["Champions", 1], ["Champions", 3], ["Champions", 6]]
    assert table.loc[(table["rfm_segment"] == "Loyal Customers") & (table["horizon_months"] == 3),
                     "return_rate"].item() == pytest.approx(9 / 150)


def test_migration_matrix_is_the_latest_period(roi_marts):
    matrix = segment_moves.migration_matrix(roi_marts["segment_transitions"])
    assert matrix.index.tolist() == ["New", "Champions", "Loyal Customers", "At Risk", "Hibernating"]
    assert matrix.columns.tolist() == ["Champions", "At Risk", "Hibernating", "New Customers"]
    assert matrix.loc["Champions", "At Risk"] == 3  # not the 100 of the earlier period
    assert matrix.loc["At Risk", "Hibernating"] == 5
    assert matrix.loc["New", "Champions"] == 0
    assert int(matrix.values.sum()) == 31


def test_readings_of_how_segments_move(roi_marts):
    period = segment_moves.latest_period(roi_marts["segment_transitions"])
    assert readings.segment_migration(period) == (
        "Between 2017-09-01 and 2017-10-01, 15 of 25 people kept their segment; the largest move was "
        "At Risk → Hibernating (5 people), and 6 people were new."
    )
    pooled = roi_marts["segment_reactivation_pooled"]
    organic = segment_moves.organic_rate(pooled, ["At Risk", "Hibernating"], 3)
    # at 3 months: Champions 16 / 80 = 20 %, Hibernating 0 / 200 = 0 %
    assert readings.organic_return_rates(pooled, organic) == (
        "Within 3 months and with no campaign, Champions buy again most often (20% of 80 person-snapshots) and "
        "Hibernating least (0%); the win-back targets (At Risk, Hibernating) return at 1%, which the win-back case "
        "subtracts from its success rate."
    )


def test_charts_of_how_segments_move(roi_marts):
    results = cases.compute(roi_marts_object(roi_marts), load_assumptions(None, {"monte_carlo.runs": 200}))
    built = {chart.name: chart for chart in charts.build_charts(results)}
    migration = built["segment_migration"]
    assert migration.title.endswith("2017-09-01 → 2017-10-01")
    heatmap = migration.figure.data[0]
    assert pd.DataFrame(heatmap.z, index=heatmap.y, columns=heatmap.x).loc["At Risk", "Hibernating"] == 5
    organic = built["organic_return_rates"]
    assert [trace.name for trace in organic.figure.data] == ["within 1 month", "within 3 months", "within 6 months"]


def test_under_the_predicted_basis_the_simulation_draws_the_value_of_a_reactivated_buyer(roi_marts):
    """With every other input fixed, each simulated net profit is the formula at one of the value draws, and the
    draws are the targets' mean value given a purchase under the parameter draws."""
    from customer_intel.roi.cases import win_back

    marts = roi_marts_object(roi_marts)
    fixed = {"success_rate": 0.05, "cost_per_contact": 0.5, "gross_margin": 0.25}
    assumptions = load_assumptions(None, {"monte_carlo.runs": 300, "win_back.uncertainty": fixed,
                                          "win_back.value_basis": "predicted"})
    case = cases.compute(marts, assumptions).win_back
    assert case.value_basis == "predicted" and case.value_draws.values is not None, case.value_draws
    values = case.value_draws.values
    assert len(values) > 100 and values.std() > 0
    possible = {round(float(win_back.net_profit(replace(case.inputs, avg_monetary=v), 0.05)), 6) for v in values}
    simulated = {round(float(v), 6) for v in case.simulated_net_profit}
    assert simulated <= possible and len(simulated) > 50
    # the point value of the case lies inside the draws
    assert values.min() < case.inputs.avg_monetary < values.max()
    historical = cases.compute(marts, load_assumptions(None, {"monte_carlo.runs": 300,
                                                              "win_back.uncertainty": fixed})).win_back
    assert historical.value_draws is None and len(set(historical.simulated_net_profit.round(6))) == 1
