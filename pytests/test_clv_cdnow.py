"""The CLV models reproduce the published CDNOW figures (Fader, Hardie & Lee 2005; Fader & Hardie's notes).

The CDNOW sample (2,357 people, 39-week calibration, time in weeks) ships inside the ``lifetimes`` 0.11.3 wheel
(a test-only dependency); only its CSV files are read here, as plain CSV files.
"""
from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from customer_intel.clv import (
    expected_purchases,
    expected_spend,
    fit_bgnbd,
    fit_gamma_gamma,
    fit_mbgnbd,
    p_alive,
)

DATASETS = Path(find_spec("lifetimes").origin).parent / "datasets"


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    summary = pd.read_csv(DATASETS / "cdnow_customers_summary.csv")
    assert len(summary) == 2357 and summary["ID"].is_unique
    return summary


@pytest.fixture(scope="module")
def cdnow_spend() -> pd.DataFrame:
    """x = repeat transactions, zbar = their mean value (0 for people with none), same 2,357 people."""
    spend = pd.read_csv(DATASETS / "cdnow_customers_summary_with_transactions.csv")
    assert len(spend) == 2357
    return spend


@pytest.fixture(scope="module")
def bgnbd(cdnow):
    return fit_bgnbd(cdnow["frequency"], cdnow["recency"], cdnow["T"])


def test_bgnbd_parameters_and_log_likelihood(bgnbd):
    assert bgnbd.converged
    assert bgnbd.people == 2357
    assert round(bgnbd.r, 4) == 0.2426
    assert round(bgnbd.alpha, 4) == 4.4135
    assert round(bgnbd.a, 4) == 0.7929
    assert round(bgnbd.b, 4) == 2.4258
    assert round(bgnbd.log_likelihood, 2) == -9582.43


def test_customer_one_expected_purchases_in_39_weeks(cdnow, bgnbd):
    assert cdnow.loc[0, "ID"] == 1
    expected = expected_purchases(bgnbd, 39.0, cdnow["frequency"], cdnow["recency"], cdnow["T"])
    assert round(float(expected[0]), 4) == 1.2259


def test_bgnbd_p_alive_of_a_one_time_buyer_is_one(cdnow, bgnbd):
    alive = p_alive(bgnbd, cdnow["frequency"], cdnow["recency"], cdnow["T"])
    assert np.all(alive[cdnow["frequency"].to_numpy() == 0] == 1.0)
    assert np.all((alive > 0) & (alive <= 1))


def test_grouped_input_with_weights_gives_the_same_fit(cdnow, bgnbd):
    grouped = cdnow.groupby(["frequency", "recency", "T"], as_index=False).size()
    refit = fit_bgnbd(grouped["frequency"], grouped["recency"], grouped["T"], weights=grouped["size"])
    assert refit.people == 2357 and refit.rows == len(grouped) == bgnbd.rows
    assert refit.log_likelihood == pytest.approx(bgnbd.log_likelihood, abs=1e-6)
    for name, value in bgnbd.params.items():
        assert refit.params[name] == pytest.approx(value, rel=1e-6)


def test_mbgnbd_fits_cdnow_at_least_as_well_and_one_time_buyers_fade(cdnow, bgnbd):
    fit = fit_mbgnbd(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    assert fit.converged
    # The two models are not nested; on CDNOW they describe the data about equally well.
    assert abs(fit.log_likelihood - bgnbd.log_likelihood) < 5
    one_time = np.zeros(3)
    alive = p_alive(fit, one_time, one_time, np.array([1.0, 20.0, 39.0]))
    assert alive[0] > alive[1] > alive[2] > 0


def test_gamma_gamma_parameters(cdnow_spend):
    fit = fit_gamma_gamma(cdnow_spend["x"], cdnow_spend["zbar"])
    assert fit.converged
    assert fit.people == int((cdnow_spend["x"] > 0).sum()) == 946
    assert round(fit.p, 4) == 6.2488
    assert round(fit.q, 4) == 3.7446
    assert round(fit.v, 4) == 15.4477
    # Population mean spend p v / (q - 1) for people with no repeat purchase; by hand from the published figures.
    spend = expected_spend(fit, cdnow_spend["x"], cdnow_spend["zbar"])
    assert spend[cdnow_spend["x"].to_numpy() == 0] == pytest.approx(6.2488 * 15.4477 / 2.7446, rel=1e-4)
    # Person 1: x = 2, zbar = 22.35: (p (v + x m)) / (p x + q - 1)
    assert spend[0] == pytest.approx(6.2488 * (15.4477 + 2 * 22.35) / (6.2488 * 2 + 2.7446), rel=1e-4)
