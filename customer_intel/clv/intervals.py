"""P10 and P90 of predicted totals over draws of the fitted parameters (``clv.uncertainty``), and the draws of the
mean value of a person given a purchase (``mean_value_given_purchase_draws``: what the win-back Monte Carlo draws).

``interval_of_totals(...)``: P10 and P90 over parameter draws of the predicted CLV (``value.predicted_clv``'s
definition) summed over groups of people, of its total, and of the total expected purchases over a horizon t. Purchase
and spend parameters are drawn independently: the Gamma-Gamma model assumes spend independent of the purchase
process, so the joint likelihood factorises and the two estimates' covariance is block-diagonal. It is exact per
draw, not a linearisation, and affordable at millions of people: the purchase model's conditional expectation is
P(alive | x, t_x, T) * g(x, T, t), and the expensive part g (a hypergeometric function) depends on (x, T) only, a
few thousand distinct pairs, while P(alive) is a closed form on the distinct (x, t_x, T) rows; spend enters linearly
through the per (group, row) count and sum of repeat values. Only parameter uncertainty is covered: the spread of
what people actually do around their expectation (Poisson noise, small for large groups) is not in the interval.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from customer_intel.clv._fitting import group_rows, purchase_summary
from customer_intel.clv.errors import ClvError
from customer_intel.clv.next_purchase import value_given_purchase
from customer_intel.clv.purchase import PurchaseFit, _expected, _p_alive
from customer_intel.clv.spend import SpendFit, expected_spend
from customer_intel.clv.uncertainty import DEFAULT_DRAWS, ParameterUncertainty, _rng, draw_parameters
from customer_intel.clv.value import DAYS_PER_MONTH, _check_value_inputs, discount_factors


@dataclass(frozen=True)
class Interval:
    """A total at the fitted parameters (``point``) and its P10 / P90 over the parameter draws (None if infinite)."""

    point: float
    p10: float | None
    p90: float | None


@dataclass(frozen=True, eq=False)
class TotalsInterval:
    """What ``interval_of_totals`` returns.

    ``clv_by_group``: one row per group label (sorted), columns people, point, p10, p90 (predicted CLV summed over
    the group's people). ``clv_total``: the same over everybody. ``expected_purchases``: total expected purchases in
    the ``t`` time units after the as-of date over everybody. ``draws``: parameter draws used; ``note``: anything
    to know (draws with no finite mean spend).
    """

    clv_by_group: pd.DataFrame
    clv_total: Interval
    expected_purchases: Interval
    t: float
    draws: int
    note: str


def _quantiles(values: np.ndarray, axis: int = 0):
    """P10 and P90 (linear interpolation); None where the quantile is not finite (draws worth +inf)."""
    with np.errstate(all="ignore"):
        low, high = np.quantile(values, [0.1, 0.9], axis=axis)

    def clean(q):
        return [float(v) if np.isfinite(v) else None for v in np.atleast_1d(q)]

    return clean(low), clean(high)


def interval_of_totals(purchase_fit: PurchaseFit, purchase_uncertainty: ParameterUncertainty, spend_fit: SpendFit,
                       spend_uncertainty: ParameterUncertainty, frequency, recency, tenure, repeat_value, *,
                       groups=None, t: float | None = None, horizon_months: int = 12, gross_margin: float,
                       annual_discount_rate: float, time_units_per_month: float = DAYS_PER_MONTH,
                       draws: int = DEFAULT_DRAWS, rng=None) -> TotalsInterval:
    """P10 / P90 over parameter draws of predicted CLV summed per group and overall, and of total expected purchases.

    One row per person (frequency, recency, tenure, repeat_value as for ``value.predict_customers``); ``groups``:
    one label per person (e.g. the segment), None for one group "all". CLV is ``value.predicted_clv`` over
    ``horizon_months`` with ``gross_margin`` and ``annual_discount_rate``; ``t`` (time units, default
    horizon_months months) is the horizon of the expected purchases. The point values are the totals at the fitted
    parameters: ``predict_customers``' predicted_clv and ``expected_purchases(fit, t, ...)`` summed. ``rng``: a numpy
    Generator or a seed; the purchase draws are taken from it first, then the spend draws (``draw_parameters``). A
    spend draw with q <= 1 has no finite mean spend: its CLV totals count as +inf (a quantile reaching into them is
    None), and the note gives their number. Raises ClvError when either uncertainty has no covariance.
    """
    _check_value_inputs(horizon_months, gross_margin, annual_discount_rate, time_units_per_month)
    if spend_fit.q <= 1:
        raise ClvError(f"gamma_gamma: q = {spend_fit.q:.4g} <= 1, the mean spend per purchase is not finite")
    generator = _rng(rng)
    purchase_draws = draw_parameters(purchase_fit, purchase_uncertainty, draws, generator)
    spend_draws = draw_parameters(spend_fit, spend_uncertainty, draws, generator)
    t = float(horizon_months * time_units_per_month) if t is None else float(t)
    if not np.isfinite(t) or t < 0:
        raise ClvError("the horizon t must be a finite number >= 0")
    x, t_x, big_t = purchase_summary(frequency, recency, tenure)
    n = len(x)
    m = np.asarray(repeat_value, dtype=float).ravel()
    if len(m) != n:
        raise ClvError("repeat_value must have one value per person")
    repeat = x > 0
    if np.any(repeat & (~np.isfinite(m) | (m < 0))):
        raise ClvError("repeat_value (mean value of the repeat purchases) must be a number >= 0 for every repeat buyer")
    labels = np.zeros(n, dtype=np.int64) if groups is None else np.asarray(groups).ravel()
    if len(labels) != n:
        raise ClvError("groups must have one label per person")
    group_codes, group_labels = pd.factorize(labels, sort=True, use_na_sentinel=False)
    if groups is None:
        group_labels = pd.Index(["all"])
    n_groups = len(group_labels)

    # Distinct (x, T) pairs carry the hypergeometric part and distinct (x, t_x, T) rows P(alive). Spend is linear in
    # the repeat values: the CLV of the people of group g on row i is margin * D_i * (p v n_gi + p x S_gi) / (p x + q
    # - 1) for x > 0 (margin * D_i * mean spend * n_gi for x = 0), with D_i the row's discounted expected purchases,
    # n_gi the people and S_gi the sum of their repeat values. So per draw only the sums over rows of D_i n_gi and
    # D_i S_gi per (group, x) key are needed: two sparse matrix-vector products.
    rows = group_rows(x, t_x, big_t)
    rx, rt_x, rbig_t = rows.columns
    row_people = rows.weights
    pairs = group_rows(rx, rbig_t)
    px, pbig_t = pairs.columns
    x_code, x_levels = pd.factorize(rx)
    n_x = len(x_levels)
    key_of_row_group = x_code[rows.inverse].astype(np.int64) * n_groups + group_codes
    cell_code, cell_keys = pd.factorize(rows.inverse.astype(np.int64) * (n_x * n_groups) + key_of_row_group)
    cell_keys = np.asarray(cell_keys, dtype=np.int64)
    cell_row, cell_key = cell_keys // (n_x * n_groups), cell_keys % (n_x * n_groups)
    shape = (n_x * n_groups, len(rx))
    people_matrix = sparse.csr_matrix(
        (np.bincount(cell_code, minlength=len(cell_keys)).astype(float), (cell_key, cell_row)), shape=shape)
    value_matrix = sparse.csr_matrix(
        (np.bincount(cell_code, weights=np.where(repeat, m, 0.0), minlength=len(cell_keys)), (cell_key, cell_row)),
        shape=shape)
    key_x = np.repeat(np.asarray(x_levels, dtype=float), n_groups).reshape(n_x, n_groups)
    group_people = np.bincount(group_codes, minlength=n_groups).astype(float)

    times = np.arange(1, int(horizon_months) + 1, dtype=float) * time_units_per_month
    all_times = np.r_[times, t]
    discount = discount_factors(horizon_months, annual_discount_rate)

    def purchases_given_alive(fit: PurchaseFit) -> tuple[np.ndarray, np.ndarray]:
        """Per (x, T) pair: discounted expected purchases over the months, and expected purchases in t, given alive
        at T (the conditional expectation divided by P(alive); ``_expected`` at t_x = T, divided by its P(alive))."""
        with np.errstate(all="ignore"):
            given_alive = (_expected(fit, all_times[None, :], px[:, None], pbig_t[:, None], pbig_t[:, None])
                           / _p_alive(fit, px, pbig_t, pbig_t)[:, None])
        monthly = np.maximum.accumulate(np.maximum(given_alive[:, :-1], 0.0), axis=1)
        # Element-wise rather than a BLAS product: OpenBLAS's threads cost more than they save here on a busy machine.
        discounted = (np.diff(monthly, axis=1, prepend=0.0) * discount).sum(axis=1)
        within_t = np.maximum(given_alive[:, -1], 0.0) if t > 0 else np.zeros(len(px))
        return discounted, within_t

    def totals(pfit: PurchaseFit, sfit: SpendFit) -> tuple[np.ndarray, float]:
        """(CLV per group, total expected purchases in t) at one pair of parameter sets."""
        discounted, within_t = purchases_given_alive(pfit)
        with np.errstate(all="ignore"):
            alive = _p_alive(pfit, rx, rt_x, rbig_t)
        row_discounted = alive * discounted[pairs.inverse]
        purchases_total = float(np.sum(row_people * alive * within_t[pairs.inverse]))
        if not (np.all(np.isfinite(row_discounted)) and np.isfinite(purchases_total)):
            raise ClvError(f"{pfit.model}: an expected number of purchases is not finite with parameters {pfit.params}")
        if sfit.q <= 1:
            return np.where(group_people > 0, np.inf, 0.0), purchases_total
        p, q, v = sfit.p, sfit.q, sfit.v
        people_sum = (people_matrix @ row_discounted).reshape(n_x, n_groups)
        value_sum = (value_matrix @ row_discounted).reshape(n_x, n_groups)
        key_clv = np.where(key_x > 0, p * (v * people_sum + key_x * value_sum) / (p * key_x + q - 1.0),
                           people_sum * sfit.mean_spend)
        clv = gross_margin * key_clv.sum(axis=0)
        if not np.all(np.isfinite(clv)):
            raise ClvError(f"gamma_gamma: expected spend is not finite with parameters {sfit.params}")
        return clv, purchases_total

    point_clv, point_purchases = totals(purchase_fit, spend_fit)
    clv_draws = np.empty((int(draws), n_groups))
    purchase_totals = np.empty(int(draws))
    for k, (pfit, sfit) in enumerate(zip(purchase_draws, spend_draws)):
        clv_draws[k], purchase_totals[k] = totals(pfit, sfit)
    group_p10, group_p90 = _quantiles(clv_draws)
    total_p10, total_p90 = _quantiles(clv_draws.sum(axis=1))
    purchases_p10, purchases_p90 = _quantiles(purchase_totals)
    heavy = sum(1 for sfit in spend_draws if sfit.q <= 1)
    note = (f"{heavy} of {int(draws)} spend draws have q <= 1 (no finite mean spend per purchase); their CLV totals "
            "count as +inf" if heavy else "")
    by_group = pd.DataFrame({"people": group_people, "point": point_clv, "p10": group_p10, "p90": group_p90},
                            index=pd.Index(group_labels, name="group"))
    return TotalsInterval(
        clv_by_group=by_group,
        clv_total=Interval(float(point_clv.sum()), total_p10[0], total_p90[0]),
        expected_purchases=Interval(point_purchases, purchases_p10[0], purchases_p90[0]),
        t=t, draws=int(draws), note=note)


def mean_value_given_purchase_draws(purchase_fit: PurchaseFit, purchase_uncertainty: ParameterUncertainty,
                                    spend_fit: SpendFit, spend_uncertainty: ParameterUncertainty, frequency, recency,
                                    tenure, repeat_value, *, horizon_months: int, annual_discount_rate: float,
                                    time_units_per_month: float = DAYS_PER_MONTH, draws: int = DEFAULT_DRAWS,
                                    rng=None) -> np.ndarray:
    """The people's mean ``next_purchase.value_given_purchase`` (revenue: gross margin 1) under each of ``draws``
    parameter draws, purchase and spend drawn independently as in ``interval_of_totals`` (purchase draws first).
    The spend per purchase is Gamma-Gamma's conditional mean under the drawn spend parameters; a spend draw with
    q <= 1 has no finite mean spend and gives +inf. Raises ClvError when either uncertainty has no covariance."""
    generator = _rng(rng)
    purchase_draws = draw_parameters(purchase_fit, purchase_uncertainty, draws, generator)
    spend_draws = draw_parameters(spend_fit, spend_uncertainty, draws, generator)
    values = np.empty(int(draws))
    for k, (pfit, sfit) in enumerate(zip(purchase_draws, spend_draws)):
        if sfit.q <= 1:
            values[k] = np.inf
            continue
        spend = expected_spend(sfit, frequency, repeat_value)
        values[k] = value_given_purchase(pfit, spend, frequency, recency, tenure, horizon_months=horizon_months,
                                         gross_margin=1.0, annual_discount_rate=annual_discount_rate,
                                         time_units_per_month=time_units_per_month).mean()
    return values
