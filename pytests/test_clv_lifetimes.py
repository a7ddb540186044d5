"""MBG/NBD, BG/NBD and Gamma-Gamma agree with the ``lifetimes`` package (an independent implementation, test-only)
on Olist-format generated data.

The summary is built straight from the generated CSV files with pandas (``conftest.summary_from_files``, an
independent path from the SQL mart ``clv_inputs``): delivered orders, person = customer_unique_id, purchases grouped
by calendar day, value = items price + freight, as-of date = the day after the last purchase, times in days.
"""
from __future__ import annotations

import warnings

import lifetimes
import numpy as np
import pandas as pd
import pytest

from conftest import run_script, summary_from_files
from customer_intel.clv import (
    expected_purchases,
    expected_spend,
    fit_bgnbd,
    fit_gamma_gamma,
    fit_mbgnbd,
    p_alive,
    predict_customers,
)

PARAMETER_TOLERANCE = 1e-3  # relative, "within 0.1 %"
LOG_LIKELIHOOD_TOLERANCE = 0.01


@pytest.fixture(scope="module")
def summary(tmp_path_factory) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("olist_20k")
    run_script("generate_data.py", "--orders", "20000", "--seed", "7", "--out", str(out))
    frame = summary_from_files(out)
    assert (frame["frequency"] > 0).sum() > 100, "the generated data should have some repeat buyers"
    return frame


def _arrays(summary):
    return (summary["frequency"].to_numpy(dtype=float), summary["recency"].to_numpy(dtype=float),
            summary["tenure"].to_numpy(dtype=float))


def _oracle_purchase_log_likelihood(fitter_class, params, x, t_x, big_t) -> float:
    log_params = np.log([params["r"], params["alpha"], params["a"], params["b"]])
    mean_negative = fitter_class._negative_log_likelihood(log_params, x, t_x, big_t, np.ones_like(x), 0.0)
    return -float(mean_negative) * len(x)


@pytest.mark.parametrize("model, ours, oracle_class", [
    ("mbgnbd", fit_mbgnbd, lifetimes.ModifiedBetaGeoFitter),
    ("bgnbd", fit_bgnbd, lifetimes.BetaGeoFitter),
])
def test_purchase_model_agrees_with_lifetimes(summary, model, ours, oracle_class):
    x, t_x, big_t = _arrays(summary)
    fit = ours(x, t_x, big_t)
    assert fit.converged and fit.model == model and fit.people == len(summary)
    oracle = oracle_class()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        oracle.fit(x, t_x, big_t)  # numpy arrays: lifetimes' pandas paths break on current pandas
    theirs = {name: float(oracle.params_[name]) for name in ("r", "alpha", "a", "b")}
    for name, value in theirs.items():
        assert fit.params[name] == pytest.approx(value, rel=PARAMETER_TOLERANCE), name
    oracle_ll = _oracle_purchase_log_likelihood(oracle_class, theirs, x, t_x, big_t)
    assert fit.log_likelihood == pytest.approx(oracle_ll, abs=LOG_LIKELIHOOD_TOLERANCE)
    # Predictions agree too (lifetimes' formulas at its own parameters).
    horizon = 365.0
    theirs_expected = oracle.conditional_expected_number_of_purchases_up_to_time(horizon, x, t_x, big_t)
    theirs_alive = oracle.conditional_probability_alive(x, t_x, big_t)
    np.testing.assert_allclose(expected_purchases(fit, horizon, x, t_x, big_t), theirs_expected, rtol=1e-2)
    np.testing.assert_allclose(p_alive(fit, x, t_x, big_t), theirs_alive, rtol=1e-2)


def test_gamma_gamma_agrees_with_lifetimes(summary):
    repeat = summary[summary["frequency"] > 0]
    fit = fit_gamma_gamma(summary["frequency"], summary["repeat_value"])
    assert fit.converged and fit.people == len(repeat)
    oracle = lifetimes.GammaGammaFitter()
    x, m = repeat["frequency"].to_numpy(dtype=float), repeat["repeat_value"].to_numpy(dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        oracle.fit(x, m)
    theirs = {name: float(oracle.params_[name]) for name in ("p", "q", "v")}
    for name, value in theirs.items():
        assert fit.params[name] == pytest.approx(value, rel=PARAMETER_TOLERANCE), name
    log_params = np.log([theirs["p"], theirs["q"], theirs["v"]])
    oracle_ll = -float(lifetimes.GammaGammaFitter._negative_log_likelihood(log_params, x, m, np.ones_like(x), 0.0)) \
        * len(x)
    assert fit.log_likelihood == pytest.approx(oracle_ll, abs=LOG_LIKELIHOOD_TOLERANCE)
    theirs_spend = oracle.conditional_expected_average_profit(x, m)
    np.testing.assert_allclose(expected_spend(fit, x, m), theirs_spend, rtol=1e-3)


def test_predictions_on_generated_data_are_finite_and_bounded(summary):
    x, t_x, big_t = _arrays(summary)
    purchase = fit_mbgnbd(x, t_x, big_t)
    spend = fit_gamma_gamma(x, summary["repeat_value"])
    predictions = predict_customers(purchase, spend, x, t_x, big_t, summary["repeat_value"].to_numpy(),
                                    horizon_months=12, gross_margin=0.3, annual_discount_rate=0.1)
    assert len(predictions) == len(summary)
    assert np.all(np.isfinite(predictions.to_numpy()))
    assert predictions["p_alive"].between(0, 1).all()
    assert (predictions["expected_purchases"] >= 0).all() and (predictions["predicted_clv"] >= 0).all()
    one_time = x == 0
    assert np.all(predictions["expected_spend"].to_numpy()[one_time] == pytest.approx(spend.mean_spend))
    # MBG/NBD: among one-time buyers, the longer ago they bought the less likely they are alive.
    alive = predictions["p_alive"].to_numpy()[one_time]
    order = np.argsort(big_t[one_time], kind="stable")
    assert np.all(np.diff(alive[order]) <= 1e-12)
    assert alive.max() < 1
