"""When the next purchase comes, and what a person is worth once they buy again (BG/NBD and MBG/NBD).

Summary per person as in ``purchase``: x = repeat purchases, t_x = recency, T = tenure (one time unit, days here).

``p_purchase_within``: probability of at least one purchase in (T, T + t].

    P(no purchase in (T, T + t]) = (1 - P(alive)) + P(alive) * ((alpha + T) / (alpha + T + t)) ** (r + x)
    p_purchase_within = P(alive) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x))

Derivation (same for both models): drop-out only happens right after a purchase, so someone alive at T stays alive
until their next purchase. Given alive at T, lambda's posterior is Gamma(r + x, alpha + T) (x purchase gaps in
(0, t_x] and no purchase in (t_x, T]), and P(no event in t | lambda) = exp(-lambda t) averages over it to the
Gamma Laplace transform ((alpha + T) / (alpha + T + t)) ** (r + x). Someone dead at T never buys again. P(alive) is
the model's (``purchase._p_alive``), which is where BG/NBD and MBG/NBD differ. The result is 0 at t = 0, rises with
t and tends to P(alive) as t grows.

``median_days_to_next_purchase``: median time from T to the next purchase *for someone still alive at T*. Given
alive, the waiting time W has P(W > w) = ((alpha + T) / (alpha + T + w)) ** (r + x) (a Lomax distribution, the
same Laplace transform as above), so the median solves that = 1/2:

    median = (alpha + T) * (2 ** (1 / (r + x)) - 1)

It does not depend on t_x and says nothing about whether the person is alive: read it beside P(alive) (someone dead
never buys again, so the unconditional waiting time has no median when P(alive) < 1/2).

``value_given_purchase``: what a person is worth *given* that they make a purchase at the as-of date T (the value
of a reactivated buyer in a win-back campaign):

    value = gross_margin * spend * (1 + sum over m = 1 .. M of d_m(x + 1, T, T) * (1 + annual_rate) ** (-m / 12))

the purchase itself (at time 0, not discounted) plus the discounted expected purchases of the following M months
(the monthly split and discounting of ``value.predicted_clv``) from the history updated with that purchase: x + 1
repeat purchases, recency = tenure = T. The models' predictions depend on the history only through the summary, so
(x + 1, T, T) is exactly the state right after the purchase; drop-out right after it is included (P(alive) of
(x + 1, T, T) is (b + x) / (a + b + x) in BG/NBD, (b + x + 1) / (a + b + x + 1) in MBG/NBD). This is not the
unconditional ``predicted_clv``, which weighs future purchases by the chance the person is still alive and buying
now; value_given_purchase assumes the purchase happens (the campaign worked) and is larger. ``spend`` is the
expected spend per purchase per person (the Gamma-Gamma conditional mean), used for the purchase at T too.

Inputs are checked with ``purchase_summary`` and computed on the distinct rows; bad input raises ClvError, and no
function returns NaN.
"""
from __future__ import annotations

import numpy as np

from customer_intel.clv._fitting import group_rows, purchase_summary
from customer_intel.clv.errors import ClvError
from customer_intel.clv.purchase import PurchaseFit, _check_fit, _finite, _p_alive, expected_purchases
from customer_intel.clv.value import DAYS_PER_MONTH, _check_value_inputs, _monthly, discount_factors


def _horizon(t) -> float:
    try:
        value = float(t)
    except (TypeError, ValueError):
        raise ClvError("the horizon t must be one finite number >= 0") from None
    if not np.isfinite(value) or value < 0:
        raise ClvError("the horizon t must be one finite number >= 0")
    return value


def p_purchase_within(fit: PurchaseFit, t: float, frequency, recency, tenure) -> np.ndarray:
    """Each person's probability of at least one purchase in the ``t`` time units after the as-of date, in [0, 1].

    P(alive) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x)); 0 at t = 0, non-decreasing in t, at most P(alive).
    """
    _check_fit(fit)
    t = _horizon(t)
    x, t_x, big_t = purchase_summary(frequency, recency, tenure)
    grouped = group_rows(x, t_x, big_t)
    gx, gt_x, gbig_t = grouped.columns
    alive = _p_alive(fit, gx, gt_x, gbig_t)
    # 1 - ratio ** (r + x) as -expm1(...): exact 0 at t = 0 and no cancellation for short horizons.
    log_survival = (fit.r + gx) * (np.log(fit.alpha + gbig_t) - np.log(fit.alpha + gbig_t + t))
    values = _finite(alive * -np.expm1(log_survival), "the probability of a purchase", fit)
    return np.clip(values, 0.0, 1.0)[grouped.inverse]


def median_days_to_next_purchase(fit: PurchaseFit, frequency, recency, tenure) -> np.ndarray:
    """Median time (in the summary's unit) from the as-of date to the next purchase, *given alive* at the as-of
    date: (alpha + T) * (2 ** (1 / (r + x)) - 1). Read it beside P(alive); see the module docstring."""
    _check_fit(fit)
    x, t_x, big_t = purchase_summary(frequency, recency, tenure)
    grouped = group_rows(x, big_t)
    gx, gbig_t = grouped.columns
    with np.errstate(over="ignore"):
        values = (fit.alpha + gbig_t) * np.expm1(np.log(2.0) / (fit.r + gx))
    return _finite(values, "the median time to the next purchase", fit)[grouped.inverse]


def expected_purchases_given_purchase(fit: PurchaseFit, t: float, frequency, recency, tenure) -> np.ndarray:
    """Expected purchases in (T, T + t] for someone who makes a purchase at the as-of date T: the model's
    conditional expectation for the updated summary (x + 1, T, T)."""
    t = _horizon(t)
    x, t_x, big_t = purchase_summary(frequency, recency, tenure)
    return expected_purchases(fit, t, x + 1, big_t, big_t)


def value_given_purchase(fit: PurchaseFit, spend, frequency, recency, tenure, *, horizon_months: int,
                         gross_margin: float, annual_discount_rate: float,
                         time_units_per_month: float = DAYS_PER_MONTH) -> np.ndarray:
    """Value per person (gross margin, BRL) given a purchase at the as-of date: that purchase plus the discounted
    expected purchases of the following ``horizon_months`` from the updated summary (x + 1, T, T). Not the
    unconditional predicted CLV (see the module docstring). ``spend`` = expected spend per purchase per person."""
    _check_fit(fit)
    _check_value_inputs(horizon_months, gross_margin, annual_discount_rate, time_units_per_month)
    x, t_x, big_t = purchase_summary(frequency, recency, tenure)
    spend = np.asarray(spend, dtype=float).ravel()
    if len(spend) != len(x) or not np.all(np.isfinite(spend)) or np.any(spend < 0):
        raise ClvError("spend must be one finite value >= 0 per person")
    grouped = group_rows(x + 1, big_t)
    gx, gbig_t = grouped.columns
    future = _monthly(fit, horizon_months, time_units_per_month, gx, gbig_t, gbig_t) @ discount_factors(
        horizon_months, annual_discount_rate)
    return gross_margin * spend * (1.0 + future[grouped.inverse])
