"""Shared machinery: input checks, grouping identical rows, and log-parametrised maximum likelihood.

Every model is fitted on the distinct rows of its input with a weight (the number of people sharing the row), so a
fit on millions of people costs about as much as one on the few hundred thousand distinct rows they form.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from customer_intel.clv.errors import ClvError

# Log-parameters are searched in [-LOG_BOUND, LOG_BOUND] (parameters in about [2e-9, 5e8]). An estimate outside
# [1 / EXTREME, EXTREME] = [1e-5, 1e5] is a degenerate fit: the likelihood is still rising towards a limit of the
# model (no heterogeneity, no drop-out, ...) that the data cannot pin down, and it is reported as not converged.
# (The scale parameters alpha and v are in the caller's units, days and BRL here, for which this range is ample.)
LOG_BOUND = 20.0
EXTREME = 1e5
# A fit counts as converged when scipy says so, or when the largest gradient component of the mean negative
# log-likelihood per person (with respect to the log-parameters) is below this (L-BFGS-B sometimes stops on the
# line search once it is at machine precision).
GRADIENT_TOLERANCE = 1e-5
_STEP = 1e-6  # central-difference step on the log-parameters


@dataclass(frozen=True)
class Grouped:
    """Distinct rows of the input columns, their weights, and for each input row the index of its distinct row."""

    columns: tuple[np.ndarray, ...]
    weights: np.ndarray
    inverse: np.ndarray


def as_float_array(values, name: str) -> np.ndarray:
    """One input column as a 1-D float array; any non-finite value (NaN, inf, None) is a ClvError."""
    array = np.asarray(values, dtype=float).ravel()
    if not np.all(np.isfinite(array)):
        raise ClvError(f"{name}: {int(np.sum(~np.isfinite(array)))} value(s) are missing or not finite")
    return array


def purchase_summary(frequency, recency, tenure) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The (frequency, recency, tenure) summary as float arrays, checked for what the purchase models assume."""
    x = as_float_array(frequency, "frequency")
    t_x = as_float_array(recency, "recency")
    big_t = as_float_array(tenure, "tenure")
    if not (len(x) == len(t_x) == len(big_t)):
        raise ClvError("frequency, recency and tenure must have the same length")
    if len(x) == 0:
        raise ClvError("the summary has no people")
    if np.any(x < 0) or np.any(x != np.round(x)):
        raise ClvError("frequency must be a whole number of repeat purchases >= 0")
    if np.any(t_x < 0) or np.any(t_x > big_t):
        raise ClvError("recency must be in [0, tenure] for every person")
    if np.any((x == 0) & (t_x != 0)):
        raise ClvError("recency must be 0 for people with no repeat purchase (frequency 0)")
    return x, t_x, big_t


def group_rows(*columns: np.ndarray, weights: np.ndarray | None = None) -> Grouped:
    """Distinct rows of equal-length float columns with summed weights (1 per row unless given).

    Hash-based: each column is factorised, and the codes are folded in one column at a time (re-factorising the
    combined code each time, so it never overflows), which is much faster than sorting rows.
    """
    n = len(columns[0])
    level_codes, level_values = [], []
    for column in columns:
        codes, values = pd.factorize(column)
        level_codes.append(codes.astype(np.int64))
        level_values.append(np.asarray(values, dtype=float))
    combined = level_codes[0]
    for codes, values in zip(level_codes[1:], level_values[1:]):
        combined, _ = pd.factorize(combined * len(values) + codes)
        combined = combined.astype(np.int64)
    n_groups = int(combined.max()) + 1 if n else 0
    # The first row of each group: pd.factorize numbers groups in order of first appearance, so the running
    # maximum of the codes steps up by one exactly at each group's first row.
    first = np.flatnonzero(np.r_[True, np.diff(np.maximum.accumulate(combined)) > 0])
    grouped_columns = tuple(values[codes[first]] for codes, values in zip(level_codes, level_values))
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    grouped_weights = np.bincount(combined, weights=w, minlength=n_groups)
    return Grouped(columns=grouped_columns, weights=grouped_weights, inverse=combined)


def check_weights(weights, n: int) -> np.ndarray | None:
    if weights is None:
        return None
    w = as_float_array(weights, "weights")
    if len(w) != n:
        raise ClvError("weights must have one value per row")
    if np.any(w < 0) or w.sum() <= 0:
        raise ClvError("weights must be >= 0 with a positive total")
    return w


def _gradient(objective: Callable[[np.ndarray], float], log_params: np.ndarray) -> np.ndarray:
    grad = np.empty_like(log_params)
    for i in range(len(log_params)):
        step = np.zeros_like(log_params)
        step[i] = _STEP
        grad[i] = (objective(log_params + step) - objective(log_params - step)) / (2 * _STEP)
    return grad


def maximise_log_likelihood(
    model: str,
    log_likelihood: Callable[[np.ndarray], np.ndarray],
    weights: np.ndarray,
    start: np.ndarray,
    names: tuple[str, ...],
    gradient: Callable[[np.ndarray], np.ndarray] | None = None,
    penalty: float = 0.0,
    penalised: tuple[bool, ...] | None = None,
) -> tuple[np.ndarray, float, bool, str]:
    """Maximise sum(weights * log_likelihood(params)) - penalty * sum(log(params[penalised]) ** 2) over log(params)
    with L-BFGS-B.

    ``log_likelihood`` maps positive parameters to the per-row log-likelihood; ``gradient`` (optional) maps them
    to its per-row derivatives, shape (parameters, rows); without it central differences are used. Returns
    (params, total log-likelihood, converged, scipy's message). The objective is the mean negative log-likelihood
    per person, so the tolerances do not depend on how many people there are.

    ``penalty`` >= 0 is an L2 penalty on the log-parameters flagged in ``penalised`` (default: all), in units of
    the total log-likelihood: a Gaussian prior log(theta) ~ N(0, 1 / (2 penalty)), which pulls a parameter the
    data cannot pin down towards 1 and weighs less and less against the data as people are added. The returned
    log-likelihood is the unpenalised one at the penalised optimum.
    """
    total_weight = float(weights.sum())
    mask = np.ones(len(start), dtype=bool) if penalised is None else np.asarray(penalised, dtype=bool)
    scale = float(penalty) / total_weight

    def objective(log_params: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            value = -float(np.dot(weights, log_likelihood(np.exp(log_params)))) / total_weight
        value += scale * float(np.sum(log_params[mask] ** 2))
        return value if np.isfinite(value) else 1e300

    def objective_gradient(log_params: np.ndarray) -> np.ndarray:
        if gradient is None:
            return _gradient(objective, log_params)
        params = np.exp(log_params)
        with np.errstate(all="ignore"):
            grad = -(gradient(params) @ weights) * params / total_weight + 2 * scale * log_params * mask
        return grad if np.all(np.isfinite(grad)) else _gradient(objective, log_params)

    def value_and_gradient(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        return objective(log_params), objective_gradient(log_params)

    start = np.clip(np.log(np.asarray(start, dtype=float)), -LOG_BOUND + 1, LOG_BOUND - 1)
    if objective(start) >= 1e300:
        raise ClvError(f"{model}: the log-likelihood is not finite at the starting values; check the summary")
    result = minimize(value_and_gradient, start, jac=True, method="L-BFGS-B",
                      bounds=[(-LOG_BOUND, LOG_BOUND)] * len(start),
                      options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-10, "maxcor": 20})
    log_params = result.x
    gradient_small = bool(np.max(np.abs(objective_gradient(log_params))) < GRADIENT_TOLERANCE)
    on_bound = np.abs(log_params) >= np.log(EXTREME)
    message = str(result.message)
    if np.any(on_bound):
        stuck = ", ".join(name for name, flag in zip(names, on_bound) if flag)
        message = f"parameter(s) {stuck} ran off to an extreme value (the data cannot identify them)"
    converged = bool((result.success or gradient_small) and not np.any(on_bound) and np.isfinite(result.fun)
                     and result.fun < 1e300)
    penalty_term = scale * float(np.sum(log_params[mask] ** 2))
    return np.exp(log_params), -(float(result.fun) - penalty_term) * total_weight, converged, message
