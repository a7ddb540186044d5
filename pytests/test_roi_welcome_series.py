"""Welcome-series business case: a baseline in fractions, pooled over cohorts, arithmetic checked by hand."""
from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from customer_intel.roi.cases import welcome_series
from customer_intel.roi.errors import RoiError
from customer_intel.roi.cases.welcome_series import WelcomeInputs


def cohorts(*rows: tuple[str, int, int | None], last_month: str | None = None) -> pd.DataFrame:
    """A cohort_retention mart from (cohort month, size, back in month 1) rows, every month to ``last_month``."""
    end = pd.Timestamp(last_month or max(month for month, _, _ in rows))
    records = []
    for month, size, back in rows:
        start = pd.Timestamp(month)
        for since in range((end.year - start.year) * 12 + end.month - start.month + 1):
            active = size if since == 0 else back if since == 1 else 0
            records.append({"cohort_month": start, "months_since_first_purchase": since, "cohort_size": size,
                            "active_customers": active, "retention_rate": active / size})
    return pd.DataFrame(records)


def test_a_0_48_percent_baseline_is_the_fraction_0_0048_and_adds_0_48_customers():
    # two cohorts of 5,000 with 24 back in month 1 each: 48 / 10,000 = 0.48 % = 0.0048
    mart = cohorts(("2017-01-01", 5_000, 24), ("2017-02-01", 5_000, 24), ("2017-03-01", 5_000, 30))
    baseline = welcome_series.pooled_month1_retention(mart, tiny_cohort_share=0.10)
    assert baseline.rate == pytest.approx(0.0048)
    inputs = WelcomeInputs(new_customers_per_month=1_000, baseline_retention=baseline.rate,
                           value_per_customer=200, gross_margin=0.25, incentive_per_retained=10)
    outcome = welcome_series.project(inputs, 0.10)
    # 1,000 × 0.0048 × 0.10 = 0.48 added customers a month (not 48: the reference's 100× mistake)
    assert outcome.added_customers_per_month == pytest.approx(0.48)
    # each is worth 200 × 0.25 − 10 = 40: 0.48 × 40 = 19.20 a month, 230.40 a year
    assert outcome.net_value_per_added_customer == pytest.approx(40)
    assert outcome.net_value_per_month == pytest.approx(19.20)
    assert outcome.net_value_per_year == pytest.approx(230.40)
    assert outcome.improved_retention == pytest.approx(0.00528)


def test_a_percent_in_the_rate_column_is_caught():
    mart = cohorts(("2017-01-01", 5_000, 24), ("2017-02-01", 5_000, 24))
    mart["retention_rate"] = mart["retention_rate"] * 100
    mart.loc[mart["retention_rate"] > 1, "retention_rate"] = 1.0  # month 0: keep it in range
    with pytest.raises(RoiError, match="disagrees with active_customers / cohort_size"):
        welcome_series.pooled_month1_retention(mart, 0.10)


def test_fixed_monthly_cost_and_break_even_by_hand():
    inputs = WelcomeInputs(new_customers_per_month=1_000, baseline_retention=0.0048, value_per_customer=200,
                           gross_margin=0.25, incentive_per_retained=10, fixed_cost_per_month=5)
    assert welcome_series.project(inputs, 0.10).net_value_per_month == pytest.approx(19.20 - 5)
    # 5 / (1,000 × 0.0048 × 40) = 5 / 192
    assert welcome_series.break_even_improvement(inputs) == pytest.approx(5 / 192)


def test_break_even_without_fixed_cost():
    paying = WelcomeInputs(1_000, 0.0048, 200, 0.25)
    losing = WelcomeInputs(1_000, 0.0048, 200, 0.25, incentive_per_retained=60)
    assert welcome_series.break_even_improvement(paying) == 0.0
    assert welcome_series.break_even_improvement(losing) is None


def test_pooled_baseline_leaves_out_tiny_and_unobservable_cohorts(roi_marts):
    baseline = welcome_series.pooled_month1_retention(roi_marts["cohort_retention"], tiny_cohort_share=0.10)
    # kept: 2017-01 … 2017-05, 48 returners of 10,000 people
    assert baseline.rate == pytest.approx(0.0048)
    assert (baseline.returners, baseline.customers, baseline.cohorts_used) == (48, 10_000, 5)
    status = dict(zip(baseline.cohorts["cohort_month"].dt.strftime("%Y-%m"), baseline.cohorts["status"]))
    assert status == {
        "2016-12": "tiny cohort",              # one person, 100 % back: the reference's distortion
        "2017-01": "included", "2017-02": "included", "2017-03": "included", "2017-04": "included",
        "2017-05": "included",
        "2017-06": "month 1 in a thin month",  # 2017-07 has only 20 new customers
        "2017-07": "tiny cohort",
    }
    naive_mean_of_rates = baseline.cohorts["month1_retention"].mean()
    assert naive_mean_of_rates > 0.1  # what averaging cohort rates would have claimed


def test_a_tiny_cohort_weighs_little_even_when_kept():
    mart = cohorts(("2016-12-01", 1, 1), ("2017-01-01", 5_000, 24), ("2017-02-01", 5_000, 24),
                   ("2017-03-01", 5_000, 0))
    kept_all = welcome_series.pooled_month1_retention(mart, tiny_cohort_share=0.0)
    assert kept_all.rate == pytest.approx(49 / 10_001)


def test_month_one_after_the_end_of_data_is_not_observed():
    mart = cohorts(("2017-01-01", 1_000, 5), ("2017-02-01", 1_000, None))
    table = welcome_series.cohort_table(mart, 0.10)
    assert table["status"].tolist() == ["included", "month 1 not observed"]


def test_no_usable_cohort_is_a_clear_error():
    mart = cohorts(("2017-01-01", 1_000, None))
    with pytest.raises(RoiError, match="no cohort with an observed month 1"):
        welcome_series.pooled_month1_retention(mart, 0.10)


def test_empty_mart_is_a_clear_error():
    with pytest.raises(RoiError, match="cohort_retention is empty"):
        welcome_series.pooled_month1_retention(cohorts(("2017-01-01", 10, 1)).iloc[0:0], 0.10)


def test_new_customers_per_month_is_the_mean_of_recent_non_tiny_cohorts(roi_marts):
    table = welcome_series.cohort_table(roi_marts["cohort_retention"], 0.10)
    # not tiny: 2017-01 … 2017-06 = 1,000 1,500 2,500 2,000 3,000 2,200
    assert welcome_series.measured_new_customers_per_month(table, 12) == pytest.approx(12_200 / 6)
    assert welcome_series.measured_new_customers_per_month(table, 3) == pytest.approx(7_200 / 3)


def test_value_per_customer_bases():
    assert welcome_series.value_per_customer("avg_order_value", None, 150.0, 300.0) == 150.0
    assert welcome_series.value_per_customer("avg_customer_value", None, 150.0, 300.0) == 300.0
    assert welcome_series.value_per_customer("fixed", 99.0, 150.0, 300.0) == 99.0


def test_scenario_table_sorted_by_improvement():
    table = welcome_series.scenario_table(WelcomeInputs(1_000, 0.0048, 200, 0.25), (0.30, 0.05))
    assert table["improvement"].tolist() == [0.05, 0.30]
    assert table["added_customers_per_month"].tolist() == pytest.approx([0.24, 1.44])


fraction = st.integers(min_value=0, max_value=10_000).map(lambda basis_points: basis_points / 10_000)
money = st.integers(min_value=0, max_value=1_000_000).map(lambda cents: cents / 100)


@given(st.integers(min_value=0, max_value=100_000), fraction, money, fraction, fraction, fraction)
def test_net_value_never_falls_as_the_improvement_rises(new, baseline, value, margin, improvement_a, improvement_b):
    inputs = WelcomeInputs(new, baseline, value, margin, incentive_per_retained=value * margin / 2)
    low, high = sorted((improvement_a, improvement_b))
    assert welcome_series.net_value_per_month(inputs, high) >= welcome_series.net_value_per_month(inputs, low) - 1e-6
