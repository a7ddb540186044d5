"""Model states (customer_intel.clv.selection) and the declared L2 penalty of the fits."""
from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from customer_intel import clv
from customer_intel.clv import purchase
from customer_intel.clv.selection import choose, fit_outcome

CDNOW = Path(find_spec("lifetimes").origin).parent / "datasets" / "cdnow_customers_summary.csv"


def regular_buyers() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """20 people who buy every 30 days, 40 who bought once, all 300 days ago: no heterogeneity to estimate, so
    r and alpha run off together (a Poisson process is the limit of the gamma mixture) and so does a or b."""
    x = np.r_[np.full(20, 9.0), np.zeros(40)]
    t_x = np.r_[np.full(20, 270.0), np.zeros(40)]
    return x, t_x, np.full(60, 300.0)


def test_a_fit_that_converges_is_identified_without_a_penalty():
    summary = pd.read_csv(CDNOW)
    columns = (summary["frequency"], summary["recency"], summary["T"])
    outcome = fit_outcome("bgnbd", clv.fit_bgnbd, *columns, penalty=0.1)
    assert outcome.state == "identified" and outcome.reason == "" and outcome.describe() == "identified"
    assert outcome.fit.penalty == 0.0
    assert outcome.fit.params == pytest.approx(clv.fit_bgnbd(*columns).params, rel=1e-12)  # CDNOW unchanged


def test_a_degenerate_fit_is_refitted_with_the_penalty_and_says_so():
    x, t_x, big_t = regular_buyers()
    plain = clv.fit_mbgnbd(x, t_x, big_t, require_convergence=False)
    assert not plain.converged and "r, alpha" in plain.note
    outcome = fit_outcome("mbgnbd", clv.fit_mbgnbd, x, t_x, big_t, penalty=0.1)
    assert outcome.state == "identified" and outcome.fit.penalty == 0.1 and outcome.fit.converged
    assert outcome.reason.startswith("with the penalty 0.1; without it parameter(s) r, alpha")


def test_without_a_penalty_a_degenerate_fit_stays_degenerate_and_names_its_parameters():
    x, t_x, big_t = regular_buyers()
    outcome = fit_outcome("bgnbd", clv.fit_bgnbd, x, t_x, big_t, penalty=0.0)
    assert outcome.state == "degenerate" and not outcome.identified
    assert outcome.reason == "parameter(s) a ran off to an extreme value (the data cannot identify them)"
    assert outcome.fit is not None  # kept for the record


def test_data_a_model_cannot_enter_is_not_fitted_with_the_reason():
    zeros = np.zeros(5)
    outcome = fit_outcome("mbgnbd", clv.fit_mbgnbd, zeros, zeros, np.arange(1.0, 6.0), penalty=0.1)
    assert outcome.state == "not_fitted" and outcome.fit is None
    assert outcome.reason == "nobody in the summary has a repeat purchase, so the purchase model cannot be fitted"
    spend_outcome = fit_outcome("gamma_gamma", clv.fit_gamma_gamma, zeros, zeros, penalty=0.1)
    assert spend_outcome.state == "not_fitted" and spend_outcome.reason.startswith("nobody has a repeat purchase")


def test_choose_takes_the_first_identified_model_in_order():
    x, t_x, big_t = regular_buyers()
    outcomes = {"mbgnbd": fit_outcome("mbgnbd", clv.fit_mbgnbd, x, t_x, big_t),
                "bgnbd": fit_outcome("bgnbd", clv.fit_bgnbd, x, t_x, big_t, penalty=0.1)}
    assert outcomes["mbgnbd"].state == "degenerate"
    assert choose(outcomes, ("mbgnbd", "bgnbd")).model == "bgnbd"
    assert choose(outcomes, ("mbgnbd",)) is None


@pytest.mark.parametrize("model", ["bgnbd", "mbgnbd"])
def test_the_penalised_fit_maximises_the_penalised_log_likelihood(model):
    """Checked against the per-row log-likelihood directly: no nearby point on the log scale scores higher on
    sum(log-likelihood) - penalty * (log r^2 + log a^2 + log b^2), and the returned log-likelihood is the
    unpenalised one."""
    x, t_x, big_t = regular_buyers()
    penalty = 0.1
    fitter = {"bgnbd": clv.fit_bgnbd, "mbgnbd": clv.fit_mbgnbd}[model]
    fit = fitter(x, t_x, big_t, require_convergence=False, penalty=penalty)
    logs = np.log([fit.r, fit.alpha, fit.a, fit.b])

    def penalised(log_params: np.ndarray) -> float:
        params = np.exp(log_params)
        shapes = log_params[[0, 2, 3]]
        return float(purchase._log_likelihood(model, params, x, t_x, big_t).sum() - penalty * np.sum(shapes ** 2))

    best = penalised(logs)
    assert fit.log_likelihood == pytest.approx(float(purchase._log_likelihood(model, np.exp(logs), x, t_x,
                                                                              big_t).sum()), rel=1e-9)
    for i in range(4):
        for step in (-1e-3, 1e-3):
            moved = logs.copy()
            moved[i] += step
            assert penalised(moved) <= best + 1e-9


def test_gamma_gamma_without_a_finite_mean_is_a_state_not_an_exception():
    # spends log-normal with a huge spread: the fitted q falls below 1, so p v / (q - 1) has no finite value
    rng = np.random.default_rng(1)
    x = rng.integers(1, 4, 200).astype(float)
    m = np.exp(rng.normal(3, 2.5, 200))
    with pytest.raises(clv.ClvError, match="q = .* <= 1"):
        clv.fit_gamma_gamma(x, m)
    outcome = fit_outcome("gamma_gamma", clv.fit_gamma_gamma, x, m)
    assert outcome.state == "degenerate" and outcome.fit.q <= 1
    assert "so the mean spend per purchase is not finite" in outcome.reason
