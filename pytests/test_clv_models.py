"""The CLV model functions on hand-made inputs: clear errors, never a NaN, and the monthly discounting by hand."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import lifetimes
import numpy as np
import pandas as pd
import pytest

from customer_intel.clv import (
    DAYS_PER_MONTH,
    ClvError,
    PurchaseFit,
    SpendFit,
    discount_factors,
    expected_purchases,
    expected_spend,
    fit_bgnbd,
    fit_gamma_gamma,
    fit_mbgnbd,
    monthly_expected_purchases,
    p_alive,
    predict_customers,
    predicted_clv,
)

# A small summary in days with a few repeat buyers.
FREQUENCY = np.array([0, 0, 0, 1, 2, 0, 3, 1, 0, 0, 5, 0])
RECENCY = np.array([0, 0, 0, 30, 200, 0, 300, 10, 0, 0, 350, 0])
TENURE = np.array([10, 50, 100, 120, 250, 300, 360, 400, 500, 600, 650, 700])
REPEAT_VALUE = np.array([np.nan, np.nan, np.nan, 80.0, 120.0, np.nan, 60.0, 200.0, np.nan, np.nan, 90.0, np.nan])

MBGNBD = PurchaseFit(model="mbgnbd", r=0.15, alpha=8.0, a=9.0, b=0.5, log_likelihood=-1.0, people=12, rows=12,
                     converged=True)
BGNBD = PurchaseFit(model="bgnbd", r=0.25, alpha=40.0, a=0.8, b=2.4, log_likelihood=-1.0, people=12, rows=12,
                    converged=True)
SPEND = SpendFit(p=6.0, q=4.0, v=30.0, log_likelihood=-1.0, people=5, rows=5, converged=True)


def _one_line(error: pytest.ExceptionInfo) -> str:
    message = str(error.value)
    assert message and "\n" not in message
    return message


@pytest.mark.parametrize("fit", [fit_bgnbd, fit_mbgnbd])
def test_purchase_fit_without_repeat_buyers_is_one_clear_error(fit):
    with pytest.raises(ClvError) as error:
        fit(np.zeros(5), np.zeros(5), np.array([10.0, 20, 30, 40, 50]))
    assert "repeat purchase" in _one_line(error)


def test_spend_fit_without_repeat_buyers_is_one_clear_error():
    with pytest.raises(ClvError) as error:
        fit_gamma_gamma(np.zeros(4), np.full(4, np.nan))
    assert "repeat purchase" in _one_line(error)


def test_spend_fit_leaves_out_repeat_buyers_worth_zero():
    frequency = np.array([1, 2, 3, 1, 2, 0])
    repeat_value = np.array([50.0, 80.0, 65.0, 0.0, 120.0, np.nan])
    fit = fit_gamma_gamma(frequency, repeat_value)
    refit = fit_gamma_gamma(frequency[[0, 1, 2, 4]], repeat_value[[0, 1, 2, 4]])
    assert (fit.people, fit.excluded) == (4, 1)
    assert fit.params == pytest.approx(refit.params)
    assert np.all(np.isfinite(expected_spend(fit, frequency, repeat_value)))
    with pytest.raises(ClvError):
        fit_gamma_gamma(frequency, np.where(frequency == 3, -1.0, repeat_value))


@pytest.mark.parametrize("frequency, recency, tenure, words", [
    ([0, 1], [0, np.nan], [10, 20], "recency"),
    ([0, 1], [0, 30], [10, 20], "recency"),
    ([0, 1.5], [0, 5], [10, 20], "frequency"),
    ([0, 1], [3, 5], [10, 20], "recency"),
    ([0, 1], [0, 5], [10], "same length"),
])
def test_invalid_summary_is_a_clear_error(frequency, recency, tenure, words):
    with pytest.raises(ClvError) as error:
        fit_mbgnbd(frequency, recency, tenure)
    assert words in _one_line(error)


def test_a_fit_that_cannot_identify_its_parameters_is_reported_not_returned():
    # Everyone buys every 10 days up to the as-of date: nobody ever drops out, so the drop-out parameters run off.
    frequency = np.array([5, 10, 20, 30] * 5)
    recency = frequency * 10.0
    tenure = recency + 1
    with pytest.raises(ClvError) as error:
        fit_bgnbd(frequency, recency, tenure)
    assert "did not converge" in _one_line(error)
    fit = fit_bgnbd(frequency, recency, tenure, require_convergence=False)
    assert fit.converged is False


def test_predictions_never_nan():
    predictions = predict_customers(MBGNBD, SPEND, FREQUENCY, RECENCY, TENURE, REPEAT_VALUE,
                                    horizon_months=12, gross_margin=0.4, annual_discount_rate=0.12)
    assert list(predictions.columns) == ["p_alive", "expected_purchases", "expected_spend", "predicted_clv"]
    assert np.all(np.isfinite(predictions.to_numpy()))
    # One-time buyers (repeat_value missing) get the population mean spend p v / (q - 1) = 6 * 30 / 3 = 60.
    assert predictions["expected_spend"][FREQUENCY == 0].eq(60.0).all()
    # A repeat buyer without a repeat_value value is an error, not a NaN.
    broken = REPEAT_VALUE.copy()
    broken[3] = np.nan
    with pytest.raises(ClvError):
        expected_spend(SPEND, FREQUENCY, broken)
    with pytest.raises(ClvError):
        p_alive(MBGNBD, FREQUENCY, np.where(FREQUENCY == 2, np.nan, RECENCY), TENURE)
    # Parameters on a singularity of the formula (a = 1): an error, not a NaN.
    singular = PurchaseFit(model="mbgnbd", r=0.15, alpha=8.0, a=1.0, b=0.5, log_likelihood=-1.0, people=12,
                           rows=12, converged=True)
    with pytest.raises(ClvError):
        expected_purchases(singular, 365.0, FREQUENCY, RECENCY, TENURE)
    # A spend model without a finite mean is refused.
    with pytest.raises(ClvError):
        expected_spend(SpendFit(p=1.0, q=0.9, v=1.0, log_likelihood=-1.0, people=1, rows=1, converged=True),
                       FREQUENCY, REPEAT_VALUE)


def test_p_alive_bgnbd_is_one_for_one_time_buyers_and_mbgnbd_falls_with_time():
    assert np.all(p_alive(BGNBD, FREQUENCY, RECENCY, TENURE)[FREQUENCY == 0] == 1.0)
    alive = p_alive(MBGNBD, np.zeros(4), np.zeros(4), np.array([1.0, 30.0, 180.0, 700.0]))
    assert np.all(np.diff(alive) < 0) and alive[0] < 1 and alive[-1] > 0


@pytest.mark.parametrize("fit, oracle_class", [(BGNBD, lifetimes.BetaGeoFitter),
                                               (MBGNBD, lifetimes.ModifiedBetaGeoFitter)])
def test_monthly_discounting_by_hand(fit, oracle_class):
    """Two people, a 3-month horizon: cumulative expectations from lifetimes' formulas, discounting by hand."""
    oracle = oracle_class()
    oracle.params_ = pd.Series(fit.params)
    x, t_x, big_t = np.array([0.0, 2.0]), np.array([0.0, 40.0]), np.array([90.0, 100.0])
    month = 30.0
    cumulative = np.column_stack([
        oracle.conditional_expected_number_of_purchases_up_to_time(t, x, t_x, big_t) for t in (30.0, 60.0, 90.0)])
    per_month = np.diff(np.column_stack([np.zeros(2), cumulative]), axis=1)
    np.testing.assert_allclose(monthly_expected_purchases(fit, 3, x, t_x, big_t, time_units_per_month=month),
                               per_month, rtol=1e-9)
    np.testing.assert_allclose(expected_purchases(fit, 90.0, x, t_x, big_t), cumulative[:, 2], rtol=1e-9)
    annual, margin, spend = 0.10, 0.30, np.array([50.0, 80.0])
    factors = np.array([1.1 ** (-1 / 12), 1.1 ** (-2 / 12), 1.1 ** (-3 / 12)])
    np.testing.assert_allclose(discount_factors(3, annual), factors, rtol=1e-12)
    by_hand = margin * spend * (per_month[:, 0] * factors[0] + per_month[:, 1] * factors[1]
                                + per_month[:, 2] * factors[2])
    clv = predicted_clv(fit, spend, x, t_x, big_t, horizon_months=3, gross_margin=margin,
                        annual_discount_rate=annual, time_units_per_month=month)
    np.testing.assert_allclose(clv, by_hand, rtol=1e-9)
    # No discounting: margin x spend x expected purchases over the horizon.
    undiscounted = predicted_clv(fit, spend, x, t_x, big_t, horizon_months=3, gross_margin=margin,
                                 annual_discount_rate=0.0, time_units_per_month=month)
    np.testing.assert_allclose(undiscounted, margin * spend * cumulative[:, 2], rtol=1e-9)
    assert np.all(clv < undiscounted)


def test_default_month_is_a_twelfth_of_a_year_of_days():
    assert DAYS_PER_MONTH == pytest.approx(30.4375)
    twelve = predict_customers(BGNBD, SPEND, FREQUENCY, RECENCY, TENURE, REPEAT_VALUE, horizon_months=12,
                               gross_margin=1.0, annual_discount_rate=0.0)
    np.testing.assert_allclose(twelve["expected_purchases"],
                               expected_purchases(BGNBD, 365.25, FREQUENCY, RECENCY, TENURE), rtol=1e-9)


@pytest.mark.parametrize("kwargs", [dict(horizon_months=0), dict(gross_margin=1.5), dict(annual_discount_rate=-0.1),
                                    dict(horizon_months=2.5)])
def test_invalid_value_assumptions_are_clear_errors(kwargs):
    arguments = dict(horizon_months=12, gross_margin=0.3, annual_discount_rate=0.1) | kwargs
    with pytest.raises(ClvError) as error:
        predict_customers(BGNBD, SPEND, FREQUENCY, RECENCY, TENURE, REPEAT_VALUE, **arguments)
    _one_line(error)


def test_scale_benchmark_runs_on_a_small_summary():
    """benchmarks/clv_models.py (the 4.7 M-people measurement) on 50,000 people: it runs and reports every step."""
    script = Path(__file__).resolve().parent.parent / "benchmarks" / "clv_models.py"
    proc = subprocess.run([sys.executable, str(script), "--people", "50000"], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    for step in ("fit_mbgnbd", "fit_bgnbd", "fit_gamma_gamma", "predict_customers", "peak RSS"):
        assert step in proc.stdout
