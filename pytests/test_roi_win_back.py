"""Win-back business case: formulas checked against numbers computed by hand."""
from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from customer_intel.roi.cases import win_back
from customer_intel.roi.errors import RoiError
from customer_intel.roi.cases.win_back import WinBackInputs

# The reference analysis's inputs: 23,711 At Risk people, average value 265.26, margin 25 %, R$ 0.50 per contact.
# (Its "At Risk" were in fact its most recent big spenders: see the rfm_segments docs. The arithmetic is its own.)
REFERENCE = WinBackInputs(people=23_711, avg_monetary=265.26, gross_margin=0.25, cost_per_contact=0.50)


def test_reference_case_at_five_percent_nets_66764_25():
    outcome = win_back.project(REFERENCE, 0.05)
    # 23,711 × 0.05 = 1,185.55 reactivated; × 265.26 × 0.25 = 78,619.75 gross; cost 23,711 × 0.50 = 11,855.50
    assert outcome.organic_rate == 0.0  # the reference analysis subtracted no organic returns
    assert outcome.incremental_reactivated == pytest.approx(1_185.55)
    assert outcome.buyers == pytest.approx(1_185.55)
    assert outcome.gross_profit == pytest.approx(78_619.75)
    assert outcome.campaign_cost == pytest.approx(11_855.50)
    assert outcome.net_profit == pytest.approx(66_764.25)
    assert outcome.roi == pytest.approx(66_764.25 / 11_855.50)


def test_break_even_without_other_costs_is_cost_over_value_times_margin():
    expected = 0.50 / (265.26 * 0.25)  # 0.0075398...
    assert win_back.break_even_success_rate(REFERENCE) == pytest.approx(expected)
    assert win_back.net_profit(REFERENCE, expected) == pytest.approx(0, abs=1e-6)


def test_fixed_cost_and_incentive_by_hand():
    inputs = WinBackInputs(people=1_000, avg_monetary=200, gross_margin=0.30, cost_per_contact=1.0,
                           fixed_cost=500, incentive_per_reactivated=20)
    outcome = win_back.project(inputs, 0.05)
    # 50 reactivated; gross 50 × 200 × 0.30 = 3,000; cost 1,000 contacts + 500 fixed + 50 × 20 incentives = 2,500
    assert outcome.incremental_reactivated == pytest.approx(50)
    assert outcome.gross_profit == pytest.approx(3_000)
    assert outcome.campaign_cost == pytest.approx(2_500)
    assert outcome.net_profit == pytest.approx(500)
    assert outcome.roi == pytest.approx(0.2)
    # break-even: (1,000 + 500) / (1,000 × (60 − 20)) = 0.0375
    assert win_back.break_even_success_rate(inputs) == pytest.approx(0.0375)



# --- organic return rate: only incremental buyers count ----------------------------------------------------------
ORGANIC = WinBackInputs(people=1_000, avg_monetary=200, gross_margin=0.25, cost_per_contact=0.50, organic_rate=0.01)


def test_organic_buyers_are_subtracted_by_hand():
    outcome = win_back.project(ORGANIC, 0.03)
    # 1,000 × 0.03 = 30 buyers, 10 of whom would have bought anyway: 20 incremental × 200 × 0.25 = 1,000 gross;
    # cost 1,000 × 0.50 = 500 → net 500, ROI 100 %
    assert outcome.buyers == pytest.approx(30)
    assert outcome.incremental_reactivated == pytest.approx(20)
    assert outcome.gross_profit == pytest.approx(1_000)
    assert outcome.campaign_cost == pytest.approx(500)
    assert outcome.net_profit == pytest.approx(500)
    assert outcome.roi == pytest.approx(1.0)


def test_below_the_organic_rate_incremental_buyers_are_negative():
    outcome = win_back.project(ORGANIC, 0.005)
    # 5 buyers against 10 organic: −5 incremental × 50 = −250 gross; net −250 − 500 = −750
    assert outcome.incremental_reactivated == pytest.approx(-5)
    assert outcome.net_profit == pytest.approx(-750)


def test_break_even_is_the_organic_rate_plus_cost_over_value_times_margin():
    # 0.01 + 0.50 / (200 × 0.25) = 0.01 + 0.01 = 0.02
    assert win_back.break_even_success_rate(ORGANIC) == pytest.approx(0.02)
    assert win_back.net_profit(ORGANIC, 0.02) == pytest.approx(0, abs=1e-9)


def test_organic_rate_with_fixed_cost_and_incentive_by_hand():
    inputs = WinBackInputs(people=1_000, avg_monetary=200, gross_margin=0.30, cost_per_contact=1.0,
                           fixed_cost=500, incentive_per_reactivated=20, organic_rate=0.02)
    outcome = win_back.project(inputs, 0.05)
    # 50 buyers, 30 incremental: gross 30 × 60 = 1,800; cost 1,000 + 500 + 50 buyers × 20 (every buyer redeems the
    # incentive) = 2,500 → net −700
    assert outcome.gross_profit == pytest.approx(1_800)
    assert outcome.campaign_cost == pytest.approx(2_500)
    assert outcome.net_profit == pytest.approx(-700)
    # break-even: (1,000 + 500 + 1,000 × 0.02 × 60) / (1,000 × (60 − 20)) = 2,700 / 40,000 = 0.0675
    assert win_back.break_even_success_rate(inputs) == pytest.approx(0.0675)
    assert win_back.net_profit(inputs, 0.0675) == pytest.approx(0, abs=1e-9)


def test_free_campaign_breaks_even_at_the_organic_rate():
    inputs = WinBackInputs(people=100, avg_monetary=200, gross_margin=0.30, cost_per_contact=0.0, organic_rate=0.04)
    assert win_back.break_even_success_rate(inputs) == pytest.approx(0.04)

def test_no_break_even_when_the_incentive_eats_the_margin():
    inputs = WinBackInputs(people=100, avg_monetary=200, gross_margin=0.30, cost_per_contact=1.0,
                           incentive_per_reactivated=70)
    assert win_back.break_even_success_rate(inputs) is None


def test_a_campaign_that_needs_more_than_everyone_never_breaks_even():
    # 100 per contact against 200 × 0.30 = 60 per reactivated: it would take 100 / 60 = 167 % of the targets
    inputs = WinBackInputs(people=100, avg_monetary=200, gross_margin=0.30, cost_per_contact=100.0)
    assert win_back.break_even_success_rate(inputs) is None
    assert win_back.net_profit(inputs, 1.0) < 0  # even everybody buying again does not pay
    # exactly 100 %: 60 per contact breaks even only if every target buys
    assert win_back.break_even_success_rate(replace(inputs, cost_per_contact=60.0)) == pytest.approx(1.0)


def test_free_campaign_breaks_even_at_zero_and_has_no_roi():
    inputs = WinBackInputs(people=100, avg_monetary=200, gross_margin=0.30, cost_per_contact=0.0)
    assert win_back.break_even_success_rate(inputs) == 0.0
    assert win_back.project(inputs, 0.05).roi is None


def test_scenario_table_one_sorted_row_per_rate():
    table = win_back.scenario_table(REFERENCE, (0.10, 0.01, 0.05))
    assert table["success_rate"].tolist() == [0.01, 0.05, 0.10]
    assert list(table.columns) == ["success_rate", "organic_rate", "people", "buyers", "incremental_reactivated",
                                   "gross_profit", "campaign_cost", "net_profit", "roi"]
    assert table.loc[1, "net_profit"] == pytest.approx(66_764.25)


def test_target_summary_from_the_mart(roi_marts):
    summary = win_back.summarise_targets(roi_marts["win_back_targets"], roi_marts["clv"])
    # At Risk: people 2, 7, …, 47, monetary 50 + 10 × index: 10 people, 500 + 10 × 245 = 2,950;
    # Hibernating: 3, 8, …, 48: 10 people, 500 + 10 × 255 = 3,050. Together 6,000 / 20 = 300.
    assert summary.people == 20
    assert summary.avg_monetary == pytest.approx(300.0)
    by_segment = summary.by_segment.set_index("rfm_segment")
    assert by_segment.loc["At Risk", "people"] == 10
    assert by_segment.loc["At Risk", "avg_monetary"] == pytest.approx(295.0)
    assert by_segment.loc["Hibernating", "revenue"] == pytest.approx(3_050.0)


def test_empty_target_segment_is_a_clear_error(roi_marts):
    empty = roi_marts["win_back_targets"].iloc[0:0]
    with pytest.raises(RoiError) as error:
        win_back.summarise_targets(empty, roi_marts["clv"])
    assert str(error.value) == (
        "marts: win_back_targets is empty: there is no one to win back (check the segment rules)"
    )


def test_formulas_accept_arrays():
    import numpy as np

    rates = np.array([0.0, 0.05])
    assert win_back.net_profit(REFERENCE, rates) == pytest.approx([-11_855.50, 66_764.25])


money = st.integers(min_value=0, max_value=1_000_000).map(lambda cents: cents / 100)  # R$ 0.00 … 10,000.00
fraction = st.integers(min_value=0, max_value=10_000).map(lambda basis_points: basis_points / 10_000)


@st.composite
def campaigns(draw):
    """Inputs where a reactivated customer is worth at least their incentive (the realistic domain)."""
    avg_monetary, margin = draw(money), draw(fraction)
    return WinBackInputs(
        people=draw(st.integers(min_value=1, max_value=200_000)),
        avg_monetary=avg_monetary,
        gross_margin=margin,
        cost_per_contact=draw(money),
        fixed_cost=draw(money),
        incentive_per_reactivated=draw(money.filter(lambda incentive: incentive <= avg_monetary * margin)),
    )


@given(campaigns(), fraction, fraction)
def test_net_profit_never_falls_as_the_success_rate_rises(inputs, rate_a, rate_b):
    low, high = sorted((rate_a, rate_b))
    assert win_back.net_profit(inputs, high) >= win_back.net_profit(inputs, low) - 1e-6


@given(campaigns())
def test_net_profit_is_zero_at_the_break_even_rate(inputs):
    rate = win_back.break_even_success_rate(inputs)
    if rate is not None:
        scale = max(1.0, inputs.people * inputs.cost_per_contact + inputs.fixed_cost)
        assert win_back.net_profit(inputs, rate) == pytest.approx(0, abs=1e-9 * scale)


@given(campaigns(), fraction)
def test_net_profit_is_gross_minus_cost(inputs, rate):
    outcome = win_back.project(inputs, rate)
    assert outcome.net_profit == pytest.approx(outcome.gross_profit - outcome.campaign_cost)
    assert isinstance(win_back.scenario_table(inputs, (rate,)), pd.DataFrame)
