"""Spend per purchase: the Gamma-Gamma model (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value curves").

Each purchase's value is Gamma(p, nu) with a person-level nu ~ Gamma(q, v); value per purchase is assumed
independent of the purchase process. The model is fitted on repeat buyers only (frequency x >= 1), on ``repeat_value``
m = the mean value of their *repeat* purchases, by maximum likelihood over log(p, q, v) with L-BFGS-B on the
distinct (x, m) rows. Repeat buyers whose repeat purchases are worth 0 (orders without items) cannot enter the
likelihood (log m): they are left out of the fit and counted in ``SpendFit.excluded``. The population mean spend
per purchase is p v / (q - 1), finite only for q > 1: a fit with q <= 1, a fit that does not converge, or data with
no repeat buyer raises ClvError.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import digamma, gammaln

from customer_intel.clv._fitting import as_float_array, check_weights, group_rows, maximise_log_likelihood
from customer_intel.clv.errors import ClvError

PARAMETER_NAMES = ("p", "q", "v")
PENALISED = (True, True, False)  # v is a scale in BRL (see purchase.PENALISED)


@dataclass(frozen=True)
class SpendFit:
    """A fitted Gamma-Gamma model. ``people`` = (weighted) repeat buyers fitted; ``rows`` = distinct (x, m) rows;
    ``excluded`` = (weighted) repeat buyers left out because their repeat_value is 0."""

    p: float
    q: float
    v: float
    log_likelihood: float
    people: float
    rows: int
    converged: bool
    excluded: float = 0.0
    model: str = "gamma_gamma"
    penalty: float = 0.0  # the L2 penalty on log(p, q) the fit used (0: plain maximum likelihood)
    note: str = ""  # why the fit did not converge, or why it has no finite mean spend (q <= 1)

    @property
    def params(self) -> dict[str, float]:
        return {"p": self.p, "q": self.q, "v": self.v}

    @property
    def mean_spend(self) -> float:
        """The population mean spend per purchase, p v / (q - 1)."""
        return self.p * self.v / (self.q - 1.0)


def _log_likelihood(params, x, m) -> np.ndarray:
    p, q, v = params
    px = p * x
    return (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(v) + (px - 1) * np.log(m) + px * np.log(x)
            - (px + q) * np.log(x * m + v))


def _log_likelihood_gradient(params, x, m) -> np.ndarray:
    """Per-row derivatives of the log-likelihood with respect to (p, q, v): shape (3, rows)."""
    p, q, v = params
    px = p * x
    common = digamma(px + q) - np.log(x * m + v)
    return np.vstack([
        x * (common - digamma(px) + np.log(m) + np.log(x)),
        common - digamma(q) + np.log(v),
        q / v - (px + q) / (x * m + v),
    ])


def _repeat_buyers(frequency, repeat_value, weights):
    """(x, m, w) of the people with x >= 1; repeat_value of people with x = 0 is ignored (may be missing)."""
    x = as_float_array(frequency, "frequency")
    m = np.asarray(repeat_value, dtype=float).ravel()
    if len(m) != len(x):
        raise ClvError("frequency and repeat_value must have the same length")
    w = check_weights(weights, len(x))
    repeat = x > 0
    x, m = x[repeat], m[repeat]
    w = np.ones(len(x)) if w is None else w[repeat]
    if not np.all(np.isfinite(m)) or np.any(m < 0):
        raise ClvError("repeat_value (mean value of the repeat purchases) must be a number >= 0 for every repeat buyer")
    return x, m, w


def fit_gamma_gamma(frequency, repeat_value, weights=None, *, require_convergence: bool = True,
                    penalty: float = 0.0) -> SpendFit:
    """Fit Gamma-Gamma on the repeat buyers among the rows (frequency >= 1; the others are left out).

    ``repeat_value`` = mean value of each person's repeat purchases (missing is fine where frequency is 0).
    Raises ClvError with no repeat buyer, and (with ``require_convergence``) when the fit does not converge or q <= 1
    (no finite mean spend); with ``require_convergence=False`` those results carry ``converged=False`` and the
    reason in ``note``. ``penalty``: see ``purchase.fit_bgnbd``.
    """
    x, m, w = _repeat_buyers(frequency, repeat_value, weights)
    zero = m == 0
    excluded = float(w[zero].sum())
    x, m, w = x[~zero], m[~zero], w[~zero]
    if w.sum() <= 0:
        raise ClvError("gamma_gamma: nobody has a repeat purchase, so the spend model cannot be fitted")
    grouped = group_rows(x, m, weights=w)
    gx, gm = grouped.columns
    keep = grouped.weights > 0
    gx, gm, gw = gx[keep], gm[keep], grouped.weights[keep]
    # Start: p = 1, q = 2, v = the mean of repeat_value (mean spend p v / (q - 1) = mean of repeat_value).
    start = np.array([1.0, 2.0, float(np.dot(gw, gm) / gw.sum())])
    params, log_likelihood, converged, message = maximise_log_likelihood(
        "gamma_gamma", lambda prm: _log_likelihood(prm, gx, gm), gw, start, PARAMETER_NAMES,
        gradient=lambda prm: _log_likelihood_gradient(prm, gx, gm), penalty=penalty, penalised=PENALISED)
    if require_convergence and not converged:
        raise ClvError(f"gamma_gamma: the maximum-likelihood fit did not converge ({message})")
    p, q, v = (float(value) for value in params)
    if q <= 1:
        heavy = (f"fitted q = {q:.4g} <= 1, so the mean spend per purchase is not finite; the spend data are too "
                 "heavy-tailed for this model")
        if require_convergence:
            raise ClvError(f"gamma_gamma: {heavy}")
        converged, message = False, heavy
    return SpendFit(p=p, q=q, v=v, log_likelihood=log_likelihood, people=float(gw.sum()), rows=int(len(gx)),
                    converged=converged, excluded=excluded, penalty=float(penalty), note="" if converged else message)


def expected_spend(fit: SpendFit, frequency, repeat_value) -> np.ndarray:
    """Conditional expected spend per purchase for each person; the population mean p v / (q - 1) for frequency 0.

    For x >= 1: (p (v + x m)) / (p x + q - 1), a weighted mean of the population mean and the person's own mean.
    """
    if fit.q <= 1:
        raise ClvError(f"gamma_gamma: q = {fit.q:.4g} <= 1, the mean spend per purchase is not finite")
    x = as_float_array(frequency, "frequency")
    m = np.asarray(repeat_value, dtype=float).ravel()
    if len(m) != len(x):
        raise ClvError("frequency and repeat_value must have the same length")
    repeat = x > 0
    if np.any(repeat & (~np.isfinite(m) | (m < 0))):
        raise ClvError("repeat_value (mean value of the repeat purchases) must be a number >= 0 for every repeat buyer")
    safe_m = np.where(repeat, m, 0.0)
    conditional = fit.p * (fit.v + x * safe_m) / (fit.p * x + fit.q - 1.0)
    values = np.where(repeat, conditional, fit.mean_spend)
    if not np.all(np.isfinite(values)):
        raise ClvError(f"gamma_gamma: expected spend is not finite with parameters {fit.params}")
    return values
