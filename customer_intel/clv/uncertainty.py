"""How far to trust a prediction: sampling uncertainty of the fitted parameters and of totals computed from them.

``parameter_uncertainty(fit, *columns, weights=None)``: standard errors and 95 % intervals of every parameter of a
PurchaseFit (BG/NBD, MBG/NBD) or SpendFit (Gamma-Gamma), from the curvature of the log-likelihood at the optimum on
the log scale the fit uses (phi = log theta):

    information I = -d2/dphi2 [ sum(weights * log_likelihood) - penalty * sum(phi[penalised] ** 2) ]
    covariance of phi = I^-1,  se = sqrt(diag(I^-1)),  interval = exp(phi +- 1.96 se)

The Hessian is the central difference (with one Richardson extrapolation) of the models' analytic per-row gradients
``_log_likelihood_gradient``, weighted by the people per distinct row, so it costs a few gradient evaluations on the
distinct rows. The interval is a Wald interval on the log scale: asymmetric on the parameter scale and never below
0. It describes sampling noise only (the model is taken as true); the people are the sample. For a penalised fit
(``fit.penalty`` > 0) the penalty's curvature is included: it is the interval of the penalised (MAP) estimate, i.e.
approximately the posterior under the penalty's Gaussian prior, and the note says so.

When no honest interval exists the numbers are None (never NaN) and ``note`` says why: the fit did not converge or a
parameter ran off to a limit of the model, the summary is not the one the fit was made on, or the information matrix
is not positive definite (the likelihood is flat or saddle-shaped in some direction). A parameter whose interval
spans more than a factor of 10 either way is named in the note (the data barely identify it).

``draw_parameters(fit, uncertainty, draws, rng)``: fits with parameters drawn from the sampling distribution
(multivariate normal on the log scale), to recompute any prediction per draw and take its quantiles.

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

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from customer_intel.clv import purchase, spend
from customer_intel.clv._fitting import EXTREME, check_weights, group_rows, purchase_summary
from customer_intel.clv.errors import ClvError
from customer_intel.clv.purchase import PurchaseFit, _expected, _p_alive
from customer_intel.clv.spend import SpendFit
from customer_intel.clv.value import DAYS_PER_MONTH, _check_value_inputs, discount_factors

Z_95 = 1.959963984540054  # the standard normal 97.5 % quantile
DEFAULT_DRAWS = 200
HESSIAN_STEP = 1e-3  # central-difference step on the log-parameters (Richardson-extrapolated with half of it)
# The information matrix counts as singular when its smallest eigenvalue is below this fraction of its largest.
CONDITION_LIMIT = 1e-12
# A fit further than this many standard errors (Newton step on the log scale) from the maximum of the likelihood
# of the summary given is not at that maximum (another summary, or a hand-made fit): no interval.
OFF_MAXIMUM = 0.1
# Largest score component per person (log scale) of a fit at a maximum; a larger one with a Hessian that is not
# negative definite means the fit is not at a maximum of these data rather than the data pinning nothing down.
SCORE_LIMIT = 1e-3
WIDE_FACTOR = 10.0  # an interval spanning more than this factor either way is called out in the note


@dataclass(frozen=True)
class ParameterEstimate:
    """One parameter: the estimate, the standard error of its log, and the 95 % interval on the parameter scale
    (exp(log value -+ 1.96 standard_error)). The last three are None when no interval is available."""

    value: float
    standard_error: float | None
    lower_95: float | None
    upper_95: float | None


@dataclass(frozen=True, eq=False)
class ParameterUncertainty:
    """Sampling uncertainty of a fit's parameters (see the module docstring).

    ``covariance``: covariance matrix of the log-parameters in ``names`` order, None when unavailable.
    ``note``: empty for a plain maximum-likelihood fit with well-identified parameters; else what to know (penalised
    estimate, weakly identified parameters) or why there is no interval.
    """

    model: str
    names: tuple[str, ...]
    parameters: dict[str, ParameterEstimate]
    covariance: np.ndarray | None
    penalised: bool
    note: str

    @property
    def available(self) -> bool:
        return self.covariance is not None

    def to_frame(self) -> pd.DataFrame:
        """One row per parameter: value, standard_error (of the log), lower_95, upper_95 (None when unavailable)."""
        return pd.DataFrame([dataclasses.asdict(estimate) for estimate in self.parameters.values()],
                            index=pd.Index(self.names, name="parameter"), dtype=object)


def _purchase_rows(fit: PurchaseFit, frequency, recency, tenure, weights):
    """The distinct rows and weights exactly as ``purchase._fit`` builds them."""
    x, t_x, big_t = purchase_summary(frequency, recency, tenure)
    w = check_weights(weights, len(x))
    grouped = group_rows(x, t_x, big_t, weights=w)
    keep = grouped.weights > 0
    columns = tuple(column[keep] for column in grouped.columns)
    return (lambda params: purchase._log_likelihood_gradient(fit.model, params, *columns)), grouped.weights[keep]


def _spend_rows(frequency, repeat_value, weights):
    """The distinct (x, m) rows and weights exactly as ``spend.fit_gamma_gamma`` builds them."""
    x, m, w = spend._repeat_buyers(frequency, repeat_value, weights)
    nonzero = m != 0
    x, m, w = x[nonzero], m[nonzero], w[nonzero]
    if w.sum() <= 0:
        raise ClvError("gamma_gamma: nobody has a repeat purchase worth more than 0 in the summary")
    grouped = group_rows(x, m, weights=w)
    keep = grouped.weights > 0
    gx, gm = (column[keep] for column in grouped.columns)
    return (lambda params: spend._log_likelihood_gradient(params, gx, gm)), grouped.weights[keep]


def _model_parts(fit):
    if isinstance(fit, PurchaseFit):
        if fit.model not in purchase.MODELS:
            raise ClvError(f"unknown purchase model {fit.model!r}; expected one of {', '.join(purchase.MODELS)}")
        return purchase.PARAMETER_NAMES, purchase.PENALISED
    if isinstance(fit, SpendFit):
        return spend.PARAMETER_NAMES, spend.PENALISED
    raise ClvError(f"expected a PurchaseFit or SpendFit, got {type(fit).__name__}")


def _score_function(gradient, weights, penalty, mask):
    """d/dphi of sum(weights * log_likelihood) - penalty * sum(phi[mask] ** 2), phi = log-parameters."""

    def score(log_params: np.ndarray) -> np.ndarray:
        params = np.exp(log_params)
        with np.errstate(all="ignore"):
            return (gradient(params) @ weights) * params - 2.0 * penalty * log_params * mask

    return score


def _hessian(score, log_params: np.ndarray) -> np.ndarray:
    """Central differences of the score, Richardson-extrapolated (error O(h^4)), symmetrised."""

    def central(h: float) -> np.ndarray:
        columns = []
        for j in range(len(log_params)):
            step = np.zeros_like(log_params)
            step[j] = h
            columns.append((score(log_params + step) - score(log_params - step)) / (2 * h))
        return np.column_stack(columns)

    hessian = (4 * central(HESSIAN_STEP / 2) - central(HESSIAN_STEP)) / 3
    return (hessian + hessian.T) / 2


def _unavailable(fit, names, penalised: bool, note: str) -> ParameterUncertainty:
    parameters = {name: ParameterEstimate(float(fit.params[name]), None, None, None) for name in names}
    return ParameterUncertainty(fit.model, names, parameters, None, penalised, note)


def parameter_uncertainty(fit: PurchaseFit | SpendFit, *columns, weights=None) -> ParameterUncertainty:
    """Standard errors (of the log-parameters), log-scale covariance and 95 % intervals of a fit's parameters.

    ``columns`` and ``weights`` are what the fit was made on: (frequency, recency, tenure) for a PurchaseFit,
    (frequency, repeat_value) for a SpendFit. Never raises for a fit that cannot have an interval: the numbers are
    None and ``note`` says why (invalid input columns still raise ClvError, as in the fits).
    """
    names, penalised_flags = _model_parts(fit)
    penalised = fit.penalty > 0
    if isinstance(fit, PurchaseFit):
        if len(columns) != 3:
            raise ClvError("a purchase fit needs the columns frequency, recency, tenure it was fitted on")
        gradient, w = _purchase_rows(fit, *columns, weights)
    else:
        if len(columns) != 2:
            raise ClvError("a spend fit needs the columns frequency, repeat_value it was fitted on")
        gradient, w = _spend_rows(*columns, weights)
    values = np.array([fit.params[name] for name in names], dtype=float)
    prefix = "no interval: "
    if isinstance(fit, SpendFit) and fit.q <= 1:
        return _unavailable(fit, names, penalised,
                            f"{prefix}q = {fit.q:.4g} <= 1: the mean spend per purchase is not finite, so the fit is "
                            "not one predictions can use")
    if not fit.converged:
        return _unavailable(fit, names, penalised,
                            f"{prefix}the fit did not converge ({fit.note or 'no reason given'}), so the curvature "
                            "where it stopped says nothing about the sampling error")
    if not np.all(np.isfinite(values)) or np.any(values <= 0):
        return _unavailable(fit, names, penalised, f"{prefix}the parameters are not all finite and positive")
    off = [name for name, value in zip(names, values) if abs(np.log(value)) >= np.log(EXTREME)]
    if off:
        return _unavailable(fit, names, penalised,
                            f"{prefix}an extreme value of parameter(s) {', '.join(off)} (a limit of the model the "
                            "data cannot identify)")
    if not (np.isclose(w.sum(), fit.people, rtol=1e-9) and len(w) == fit.rows):
        return _unavailable(fit, names, penalised,
                            f"{prefix}the summary given ({w.sum():g} people, {len(w)} distinct rows) is not the one "
                            f"the fit was made on ({fit.people:g} people, {fit.rows} rows)")
    mask = np.asarray(penalised_flags, dtype=float)
    score = _score_function(gradient, w, float(fit.penalty), mask)
    log_params = np.log(values)
    information = -_hessian(score, log_params)
    if not np.all(np.isfinite(information)):
        return _unavailable(fit, names, penalised, f"{prefix}the curvature of the log-likelihood is not finite")
    eigenvalues, eigenvectors = np.linalg.eigh(information)
    if eigenvalues[0] <= CONDITION_LIMIT * max(eigenvalues[-1], 0.0):
        kind = "singular" if eigenvalues[0] > -CONDITION_LIMIT * abs(eigenvalues[-1]) else "not negative definite"
        direction = ", ".join(f"{name} {weight:+.2f}" for name, weight in zip(names, eigenvectors[:, 0]))
        with np.errstate(all="ignore"):
            score_per_person = float(np.max(np.abs(score(log_params)))) / float(w.sum())
        where = ("the data do not pin the parameters down" if score_per_person <= SCORE_LIMIT else
                 f"the fit is not at a maximum of the likelihood of the summary given (score {score_per_person:.3g} "
                 "per person; pass the summary and weights the fit was made on)")
        return _unavailable(fit, names, penalised,
                            f"{prefix}the Hessian of the log-likelihood is {kind} (flattest direction on the log "
                            f"scale: {direction}; eigenvalues {eigenvalues[0]:.3g} .. {eigenvalues[-1]:.3g}): {where}")
    covariance = (eigenvectors / eigenvalues) @ eigenvectors.T
    covariance = (covariance + covariance.T) / 2
    standard_errors = np.sqrt(np.diag(covariance))
    with np.errstate(all="ignore"):
        newton = covariance @ score(log_params)
    distance = float(np.max(np.abs(newton) / standard_errors))
    if not np.isfinite(distance) or distance > OFF_MAXIMUM:
        return _unavailable(fit, names, penalised,
                            f"{prefix}the fit is {distance:.3g} standard errors away from the maximum of the "
                            "likelihood of the summary given (pass the summary and weights the fit was made on)")
    parameters = {}
    for name, value, log_value, se in zip(names, values, log_params, standard_errors):
        parameters[name] = ParameterEstimate(float(value), float(se), float(np.exp(log_value - Z_95 * se)),
                                             float(np.exp(log_value + Z_95 * se)))
    notes = []
    if penalised:
        shapes = ", ".join(name for name, flag in zip(names, penalised_flags) if flag)
        notes.append(f"penalised fit (penalty {fit.penalty:g} on log {shapes}): the intervals are of the penalised "
                     "(MAP) estimate and include the penalty's curvature, so they are narrower than the data alone "
                     "support where the penalty dominates")
    wide = [name for name, se in zip(names, standard_errors) if Z_95 * se > np.log(WIDE_FACTOR)]
    if wide:
        notes.append(f"the 95 % interval of {', '.join(wide)} spans more than a factor {WIDE_FACTOR:g} either way: "
                     "the data barely identify it")
    return ParameterUncertainty(fit.model, names, parameters, covariance, penalised, "; ".join(notes))


def _rng(rng) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def draw_parameters(fit: PurchaseFit | SpendFit, uncertainty: ParameterUncertainty, draws: int = DEFAULT_DRAWS,
                    rng=None) -> list[PurchaseFit | SpendFit]:
    """``draws`` copies of ``fit`` with log-parameters drawn from N(log fitted values, uncertainty.covariance).

    Everything else (log_likelihood, people, rows, converged, penalty) is the original fit's; ``note`` says it is a
    draw. ``rng``: a numpy Generator or a seed. Raises ClvError when the uncertainty has no covariance (its note
    says why) or belongs to another model.
    """
    names, _ = _model_parts(fit)
    if uncertainty.model != fit.model or uncertainty.names != names:
        raise ClvError(f"the uncertainty is of {uncertainty.model}, not of the {fit.model} fit given")
    if not uncertainty.available:
        raise ClvError(f"{fit.model}: cannot draw parameters, {uncertainty.note}")
    if int(draws) != draws or draws < 1:
        raise ClvError("draws must be a whole number >= 1")
    centre = np.log([fit.params[name] for name in names])
    if not np.allclose(np.exp(centre), [uncertainty.parameters[name].value for name in names], rtol=1e-12):
        raise ClvError(f"{fit.model}: the uncertainty was computed for other parameter values than the fit's")
    sample = np.exp(_rng(rng).multivariate_normal(centre, uncertainty.covariance, size=int(draws),
                                                  method="eigh"))
    return [dataclasses.replace(fit, **dict(zip(names, (float(value) for value in row))),
                                note=f"parameter draw {k + 1} of {int(draws)} from the fit's sampling distribution")
            for k, row in enumerate(sample)]


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
