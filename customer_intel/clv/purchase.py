"""The purchase process: BG/NBD (Fader, Hardie & Lee 2005) and MBG/NBD (Batislam, Denizel & Filiztekin 2007).

Both describe each person by the summary at a point in time: ``frequency`` x = number of repeat purchases (purchase
days after the first), ``recency`` t_x = time from the first to the last purchase, ``tenure`` T = time from the
first purchase to the as-of date, all in one time unit chosen by the caller (days in this project; CDNOW uses weeks).
While alive a person buys at a Poisson rate lambda ~ Gamma(r, alpha) (alpha in the time unit); after each purchase
they drop out with probability p ~ Beta(a, b). In BG/NBD drop-out can only follow a repeat purchase, so every
one-time buyer has P(alive) = 1 however long ago they bought. MBG/NBD also lets them drop out right after the first
purchase, so P(alive) of a one-time buyer falls as time passes: the model to use when most people buy once (Olist).

Parameters are estimated by maximum likelihood over log(r, alpha, a, b) with L-BFGS-B on the distinct
(frequency, recency, tenure) rows, weighted by the number of people on each. A fit that does not converge, or a
summary with no repeat purchase at all, raises ClvError (``selection.fit_outcome`` turns both into a reported
state instead). An optional L2 penalty on log(r, a, b) (``penalty``; 0 by default) keeps a fit the data cannot
pin down away from the model's limits.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import digamma, expit, gammaln, hyp2f1

from customer_intel.clv._fitting import check_weights, group_rows, maximise_log_likelihood, purchase_summary
from customer_intel.clv.errors import ClvError

MODELS = ("bgnbd", "mbgnbd")
PARAMETER_NAMES = ("r", "alpha", "a", "b")
# The optional penalty (see _fitting.maximise_log_likelihood) applies to the shape parameters only: alpha is a scale
# in the caller's time unit, whose log has no natural centre.
PENALISED = (True, False, True, True)


@dataclass(frozen=True)
class PurchaseFit:
    """A fitted purchase model. ``people`` is the (weighted) number of people fitted, ``rows`` the distinct rows."""

    model: str
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    people: float
    rows: int
    converged: bool
    penalty: float = 0.0  # the L2 penalty on the log shape parameters the fit used (0: plain maximum likelihood)
    note: str = ""  # why the fit did not converge (the optimiser's message or the parameters that ran off)

    @property
    def params(self) -> dict[str, float]:
        return {"r": self.r, "alpha": self.alpha, "a": self.a, "b": self.b}


def _log_likelihood(model: str, params, x, t_x, big_t) -> np.ndarray:
    """Per-row log-likelihood of the summary rows under the model."""
    r, alpha, a, b = params
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a3 = -(r + x) * np.log(alpha + big_t)
    if model == "bgnbd":
        a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
        repeat = x > 0
        # log(a / (b + x - 1)) - (r + x) log(alpha + t_x), only defined (and only present) for repeat buyers
        a4 = np.where(repeat, np.log(a) - np.log(np.where(repeat, b + x - 1, 1.0)) - (r + x) * np.log(alpha + t_x),
                      -np.inf)
        return a1 + a2 + np.logaddexp(a3, a4)
    a2 = gammaln(a + b) + gammaln(b + x + 1) - gammaln(b) - gammaln(a + b + x + 1)
    a4 = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + big_t) - np.log(alpha + t_x))
    return a1 + a2 + a3 + np.logaddexp(a4, 0.0)


def _log_likelihood_gradient(model: str, params, x, t_x, big_t) -> np.ndarray:
    """Per-row derivatives of ``_log_likelihood`` with respect to (r, alpha, a, b): shape (4, rows)."""
    r, alpha, a, b = params
    log_t, log_tx = np.log(alpha + big_t), np.log(alpha + t_x)
    d_r = digamma(r + x) - digamma(r) + np.log(alpha)
    d_alpha = r / alpha
    if model == "bgnbd":
        repeat = x > 0
        b_x_1 = np.where(repeat, b + x - 1, 1.0)
        a3 = -(r + x) * log_t
        a4 = np.where(repeat, np.log(a) - np.log(b_x_1) - (r + x) * log_tx, -np.inf)
        w4 = expit(a4 - a3)  # weight of the "dropped out after the last purchase" term; 0 without repeat purchase
        w3 = 1.0 - w4
        d_r = d_r - w3 * log_t - w4 * log_tx
        d_alpha = d_alpha - (r + x) * (w3 / (alpha + big_t) + w4 / (alpha + t_x))
        d_a = digamma(a + b) - digamma(a + b + x) + w4 / a
        d_b = digamma(a + b) + digamma(b + x) - digamma(b) - digamma(a + b + x) - w4 / b_x_1
    else:
        a4 = np.log(a) - np.log(b + x) + (r + x) * (log_t - log_tx)
        sigma = expit(a4)
        d_r = d_r - log_t + sigma * (log_t - log_tx)
        d_alpha = d_alpha - (r + x) / (alpha + big_t) + sigma * (r + x) * (1 / (alpha + big_t) - 1 / (alpha + t_x))
        d_a = digamma(a + b) - digamma(a + b + x + 1) + sigma / a
        d_b = digamma(a + b) + digamma(b + x + 1) - digamma(b) - digamma(a + b + x + 1) - sigma / (b + x)
    return np.vstack([d_r, d_alpha, d_a, d_b])


def _fit(model: str, frequency, recency, tenure, weights, require_convergence: bool, penalty: float) -> PurchaseFit:
    x, t_x, big_t = purchase_summary(frequency, recency, tenure)
    w = check_weights(weights, len(x))
    grouped = group_rows(x, t_x, big_t, weights=w)
    gx, gt_x, gbig_t = grouped.columns
    keep = grouped.weights > 0
    gx, gt_x, gbig_t, gw = gx[keep], gt_x[keep], gbig_t[keep], grouped.weights[keep]
    if not np.any(gx > 0):
        raise ClvError(f"{model}: nobody in the summary has a repeat purchase, so the purchase model cannot be fitted")
    # Start: one purchase per mean tenure, a = b = 1.
    mean_tenure = float(np.dot(gw, gbig_t) / gw.sum())
    start = np.array([1.0, max(mean_tenure, 1e-3), 1.0, 1.0])
    params, log_likelihood, converged, message = maximise_log_likelihood(
        model, lambda p: _log_likelihood(model, p, gx, gt_x, gbig_t), gw, start, PARAMETER_NAMES,
        gradient=lambda p: _log_likelihood_gradient(model, p, gx, gt_x, gbig_t), penalty=penalty,
        penalised=PENALISED)
    if require_convergence and not converged:
        raise ClvError(f"{model}: the maximum-likelihood fit did not converge ({message})")
    r, alpha, a, b = (float(value) for value in params)
    return PurchaseFit(model=model, r=r, alpha=alpha, a=a, b=b, log_likelihood=log_likelihood,
                       people=float(gw.sum()), rows=int(len(gx)), converged=converged, penalty=float(penalty),
                       note="" if converged else message)


def fit_bgnbd(frequency, recency, tenure, weights=None, *, require_convergence: bool = True,
              penalty: float = 0.0) -> PurchaseFit:
    """Fit BG/NBD by maximum likelihood. ``weights`` (optional) = people per row for an already grouped summary.

    Raises ClvError when nobody has a repeat purchase or (with ``require_convergence``) the fit does not converge;
    with ``require_convergence=False`` the result is returned with ``converged=False`` instead.
    """
    return _fit("bgnbd", frequency, recency, tenure, weights, require_convergence, penalty)


def fit_mbgnbd(frequency, recency, tenure, weights=None, *, require_convergence: bool = True,
              penalty: float = 0.0) -> PurchaseFit:
    """Fit MBG/NBD by maximum likelihood; same inputs, errors and result as ``fit_bgnbd``."""
    return _fit("mbgnbd", frequency, recency, tenure, weights, require_convergence, penalty)


def _check_fit(fit: PurchaseFit) -> None:
    if fit.model not in MODELS:
        raise ClvError(f"unknown purchase model {fit.model!r}; expected one of {', '.join(MODELS)}")


def _finite(values: np.ndarray, what: str, fit: PurchaseFit) -> np.ndarray:
    if not np.all(np.isfinite(values)):
        raise ClvError(f"{fit.model}: {what} is not finite for {int(np.sum(~np.isfinite(values)))} row(s) "
                       f"with parameters {fit.params}")
    return values


def _p_alive(fit: PurchaseFit, x, t_x, big_t) -> np.ndarray:
    r, alpha, a, b = fit.r, fit.alpha, fit.a, fit.b
    log_ratio = (r + x) * (np.log(alpha + big_t) - np.log(alpha + t_x))
    if fit.model == "bgnbd":
        odds = np.where(x > 0, a / np.where(x > 0, b + x - 1, 1.0) * np.exp(np.minimum(log_ratio, 700.0)), 0.0)
    else:
        odds = a / (b + x) * np.exp(np.minimum(log_ratio, 700.0))
    return 1.0 / (1.0 + odds)


def _expected(fit: PurchaseFit, t, x, t_x, big_t) -> np.ndarray:
    """Conditional expected purchases in (T, T + t] for rows (x, t_x, T); t broadcasts against them."""
    r, alpha, a, b = fit.r, fit.alpha, fit.a, fit.b
    t = np.asarray(t, dtype=float)
    log_ratio = (r + x) * (np.log(alpha + big_t) - np.log(alpha + t_x))
    shrink = np.exp((r + x) * (np.log(alpha + big_t) - np.log(alpha + big_t + t)))
    z = t / (alpha + big_t + t)
    with np.errstate(all="ignore"):
        if fit.model == "bgnbd":
            numerator = (a + b + x - 1) / (a - 1) * (1 - shrink * hyp2f1(r + x, b + x, a + b + x - 1, z))
            odds = np.where(x > 0, a / np.where(x > 0, b + x - 1, 1.0) * np.exp(np.minimum(log_ratio, 700.0)), 0.0)
        else:
            numerator = (a + b + x) / (a - 1) * (1 - shrink * hyp2f1(r + x, b + x + 1, a + b + x, z))
            odds = a / (b + x) * np.exp(np.minimum(log_ratio, 700.0))
        expected = numerator / (1 + odds)
    return np.where(t == 0, 0.0, expected)


def p_alive(fit: PurchaseFit, frequency, recency, tenure) -> np.ndarray:
    """Probability that each person is still alive (will buy again) at the end of their tenure, in [0, 1]."""
    _check_fit(fit)
    x, t_x, big_t = purchase_summary(frequency, recency, tenure)
    grouped = group_rows(x, t_x, big_t)
    return _finite(_p_alive(fit, *grouped.columns), "P(alive)", fit)[grouped.inverse]


def expected_purchases(fit: PurchaseFit, t: float, frequency, recency, tenure) -> np.ndarray:
    """Each person's expected number of purchases in the ``t`` time units after the as-of date (>= 0)."""
    _check_fit(fit)
    if not np.isfinite(t) or t < 0:
        raise ClvError("the horizon t must be a finite number >= 0")
    x, t_x, big_t = purchase_summary(frequency, recency, tenure)
    grouped = group_rows(x, t_x, big_t)
    values = _finite(_expected(fit, float(t), *grouped.columns), "the expected number of purchases", fit)
    return np.maximum(values, 0.0)[grouped.inverse]


def cumulative_expected_purchases(fit: PurchaseFit, times, x, t_x, big_t) -> np.ndarray:
    """Expected purchases up to each of ``times`` (k values) for already checked rows: an (n, k) array.

    Used for the monthly split of the horizon; forced non-decreasing in t so no month gets a negative count from
    rounding in the hypergeometric function.
    """
    _check_fit(fit)
    times = np.asarray(times, dtype=float)
    values = _expected(fit, times[None, :], x[:, None], t_x[:, None], big_t[:, None])
    values = _finite(values, "the expected number of purchases", fit)
    return np.maximum.accumulate(np.maximum(values, 0.0), axis=1)
