"""Predicted customer lifetime value over a horizon, discounted monthly, and all per-person predictions at once.

Definition (the one the report and the assumptions file refer to):

    predicted_clv = gross_margin * expected_spend * sum over months m = 1 .. M of  d_m * (1 + annual_rate) ** (-m / 12)

where M = ``horizon_months``, d_m = E[purchases in (T, T + m L]] - E[purchases in (T, T + (m - 1) L]] is the
expected number of purchases in month m after the as-of date (the difference of the purchase model's cumulative
conditional expectations), L = ``time_units_per_month`` (30.4375 days = 365.25 / 12 by default), and each month's
purchases are discounted from the end of that month. ``expected_purchases`` over the horizon is the sum of the d_m
(undiscounted). Spend per purchase is the Gamma-Gamma conditional expectation (the population mean for people
with no repeat purchase).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from customer_intel.clv._fitting import group_rows, purchase_summary
from customer_intel.clv.errors import ClvError
from customer_intel.clv.purchase import PurchaseFit, _p_alive, cumulative_expected_purchases
from customer_intel.clv.spend import SpendFit, expected_spend

DAYS_PER_MONTH = 365.25 / 12
PREDICTION_COLUMNS = ("p_alive", "expected_purchases", "expected_spend", "predicted_clv")


def _check_value_inputs(horizon_months: int, gross_margin: float, annual_discount_rate: float,
                        time_units_per_month: float) -> None:
    if int(horizon_months) != horizon_months or horizon_months < 1:
        raise ClvError("horizon_months must be a whole number of months >= 1")
    if not 0 <= gross_margin <= 1:
        raise ClvError("gross_margin must be a fraction in [0, 1]")
    if not 0 <= annual_discount_rate <= 1:
        raise ClvError("annual_discount_rate must be a fraction in [0, 1]")
    if not (np.isfinite(time_units_per_month) and time_units_per_month > 0):
        raise ClvError("time_units_per_month must be a positive number")


def discount_factors(horizon_months: int, annual_discount_rate: float) -> np.ndarray:
    """(1 + annual_rate) ** (-m / 12) for m = 1 .. horizon_months (end-of-month discounting)."""
    months = np.arange(1, int(horizon_months) + 1, dtype=float)
    return (1.0 + annual_discount_rate) ** (-months / 12.0)


def monthly_expected_purchases(fit: PurchaseFit, horizon_months: int, frequency, recency, tenure,
                               time_units_per_month: float = DAYS_PER_MONTH) -> np.ndarray:
    """Expected purchases in each month after the as-of date: an (people, horizon_months) array of d_m >= 0."""
    _check_value_inputs(horizon_months, 0.0, 0.0, time_units_per_month)
    x, t_x, big_t = purchase_summary(frequency, recency, tenure)
    grouped = group_rows(x, t_x, big_t)
    return _monthly(fit, horizon_months, time_units_per_month, *grouped.columns)[grouped.inverse]


def _monthly(fit, horizon_months, time_units_per_month, x, t_x, big_t) -> np.ndarray:
    times = np.arange(0, int(horizon_months) + 1, dtype=float) * time_units_per_month
    cumulative = cumulative_expected_purchases(fit, times, x, t_x, big_t)
    return np.diff(cumulative, axis=1)


def predicted_clv(fit: PurchaseFit, spend, frequency, recency, tenure, *, horizon_months: int, gross_margin: float,
                  annual_discount_rate: float, time_units_per_month: float = DAYS_PER_MONTH) -> np.ndarray:
    """Discounted predicted CLV per person (BRL of gross margin), ``spend`` = expected spend per purchase per person."""
    _check_value_inputs(horizon_months, gross_margin, annual_discount_rate, time_units_per_month)
    x, t_x, big_t = purchase_summary(frequency, recency, tenure)
    spend = np.asarray(spend, dtype=float).ravel()
    if len(spend) != len(x) or not np.all(np.isfinite(spend)) or np.any(spend < 0):
        raise ClvError("spend must be one finite value >= 0 per person")
    grouped = group_rows(x, t_x, big_t)
    discounted = _monthly(fit, horizon_months, time_units_per_month, *grouped.columns) @ discount_factors(
        horizon_months, annual_discount_rate)
    return gross_margin * spend * discounted[grouped.inverse]


def predict_customers(purchase_fit: PurchaseFit, spend_fit: SpendFit, frequency, recency, tenure, repeat_value, *,
                      horizon_months: int, gross_margin: float, annual_discount_rate: float,
                      time_units_per_month: float = DAYS_PER_MONTH) -> pd.DataFrame:
    """All predictions per person, in input order: p_alive, expected_purchases (over the horizon, undiscounted),
    expected_spend (per purchase) and predicted_clv (discounted, see the module docstring). Never NaN: an input or
    result that is not finite raises ClvError. ``repeat_value`` = mean value of the repeat purchases (may be missing
    where frequency is 0)."""
    _check_value_inputs(horizon_months, gross_margin, annual_discount_rate, time_units_per_month)
    x, t_x, big_t = purchase_summary(frequency, recency, tenure)
    spend = expected_spend(spend_fit, x, repeat_value)
    grouped = group_rows(x, t_x, big_t)
    monthly = _monthly(purchase_fit, horizon_months, time_units_per_month, *grouped.columns)
    discounted = monthly @ discount_factors(horizon_months, annual_discount_rate)
    alive = _p_alive(purchase_fit, *grouped.columns)
    result = pd.DataFrame({
        "p_alive": alive[grouped.inverse],
        "expected_purchases": monthly.sum(axis=1)[grouped.inverse],
        "expected_spend": spend,
        "predicted_clv": gross_margin * spend * discounted[grouped.inverse],
    })
    if not np.all(np.isfinite(result.to_numpy())):
        raise ClvError(f"{purchase_fit.model}: a prediction is not finite with parameters {purchase_fit.params}")
    return result
