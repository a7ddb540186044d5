"""Which model the data can identify: every fit ends in a reported state, never in an exception.

States of one model on one summary:

- ``identified``: the maximum-likelihood fit converged with every parameter inside [1e-5, 1e5] (``_fitting``). It is
  tried first without a penalty; only when that fit is degenerate is it refitted once with the declared L2 penalty
  on the log shape parameters (a weak prior, ``clv.penalty``), and an identified penalised fit says so.
- ``degenerate``: the fit (penalised too, when a penalty is declared) did not converge or a parameter ran off to a
  limit of the model: the data cannot pin it down. The fit is kept for the record, never used for predictions.
- ``not_fitted``: the data cannot enter the model at all (nobody bought twice, ...), with the reason.

``choose`` picks the first identified model of a preference order; the caller names a model-free fallback for
when there is none.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from customer_intel.clv.errors import ClvError
from customer_intel.clv.purchase import PurchaseFit
from customer_intel.clv.spend import SpendFit

IDENTIFIED = "identified"
DEGENERATE = "degenerate"
NOT_FITTED = "not_fitted"
STATES = (IDENTIFIED, DEGENERATE, NOT_FITTED)


@dataclass(frozen=True)
class FitOutcome:
    """One model's fit on one summary and what became of it."""

    model: str
    state: str
    fit: PurchaseFit | SpendFit | None  # None when not fitted
    reason: str = ""  # empty for a plain identified fit; else why (penalised, degenerate, not fitted)

    @property
    def identified(self) -> bool:
        return self.state == IDENTIFIED

    def describe(self) -> str:
        """The state in a few words, e.g. "degenerate (parameter(s) a, b ran off ...)"."""
        label = self.state.replace("_", " ")
        return f"{label} ({self.reason})" if self.reason else label


def fit_outcome(model: str, fitter: Callable[..., PurchaseFit | SpendFit], *columns, penalty: float = 0.0
                ) -> FitOutcome:
    """Fit ``fitter(*columns)`` without a penalty, then (only if that is degenerate and ``penalty`` > 0) with it."""
    try:
        fit = fitter(*columns, require_convergence=False)
        if fit.converged:
            return FitOutcome(model, IDENTIFIED, fit)
        plain = fit.note
        if penalty > 0:
            fit = fitter(*columns, require_convergence=False, penalty=penalty)
            if fit.converged:
                return FitOutcome(model, IDENTIFIED, fit,
                                  f"with the penalty {penalty:g}; without it {plain}")
        return FitOutcome(model, DEGENERATE, fit, fit.note)
    except ClvError as exc:
        message = str(exc)
        prefix = f"{model}: "
        return FitOutcome(model, NOT_FITTED, None, message[len(prefix):] if message.startswith(prefix) else message)


def choose(outcomes: dict[str, FitOutcome], preference: tuple[str, ...]) -> FitOutcome | None:
    """The first identified outcome in ``preference`` order, or None."""
    for model in preference:
        outcome = outcomes.get(model)
        if outcome is not None and outcome.identified:
            return outcome
    return None
