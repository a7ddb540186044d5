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

``clv.intervals`` turns the draws into P10 / P90 of predicted totals.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from customer_intel.clv import purchase, spend
from customer_intel.clv._fitting import EXTREME, check_weights, group_rows, purchase_summary
from customer_intel.clv.errors import ClvError
from customer_intel.clv.purchase import PurchaseFit
from customer_intel.clv.spend import SpendFit

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
