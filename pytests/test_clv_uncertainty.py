"""Parameter uncertainty of the CLV fits and intervals of totals (``customer_intel.clv.uncertainty``).

- Coverage: purchase histories are simulated from BG/NBD and MBG/NBD with known parameters (r = 0.25, alpha = 40
  days, a = 0.8, b = 2.5; 4,000 people with tenures uniform in 200..700 days, continuous time), fitted, and the
  95 % intervals computed; over R = 400 repetitions (seeds [7, model, repetition]) the share of intervals that
  cover each true parameter must lie in 0.95 -+ 3.2 binomial standard deviations ([0.915, 0.985]), and the share
  within -+ 1 standard error in 0.683 -+ 3.2 sd ([0.608, 0.757]): the standard error has the right size, not just
  the 95 % rate. Gamma-Gamma likewise with p = 6, q = 4, v = 15 and 2,000 repeat buyers (x = 1 + Poisson(2)).
  Observed when written, 95 % (-+ 1 se):
      BG/NBD      r 0.978 (0.748), alpha 0.963 (0.713), a 0.953 (0.718), b 0.958 (0.695)
      MBG/NBD     r 0.950 (0.710), alpha 0.935 (0.655), a 0.943 (0.682), b 0.955 (0.708)
      Gamma-Gamma p 0.965 (0.695), q 0.950 (0.650), v 0.963 (0.677)
  and in a one-off run with R = 1,000 and other seeds ([9, ...]):
      BG/NBD      r 0.950 (0.680), alpha 0.947 (0.686), a 0.953 (0.679), b 0.948 (0.684)
      MBG/NBD     r 0.951 (0.692), alpha 0.952 (0.668), a 0.949 (0.692), b 0.952 (0.708)
      Gamma-Gamma p 0.956 (0.707), q 0.953 (0.687), v 0.962 (0.713)
- CDNOW: standard errors against the ``lifetimes`` package (test-only), which computes them by autograd on the
  same log-parametrised likelihood and reports se(theta) = theta * se(log theta) (the delta method; its
  ``variance_matrix_`` off-diagonals are not the delta-method ones, only the diagonal is compared). Its 95 % interval
  is symmetric on the raw scale (theta -+ 1.96 se), ours on the log scale (exp(log theta -+ 1.96 se)).
- A fit with no honest interval (not converged, parameter at a limit, another summary) gets None and a note, never
  NaN or an exception; a penalised fit's note says the interval is of the MAP estimate.
- Draws: their empirical covariance matches; totals' P10 < point < P90, the point equals the per-person
  predictions summed, and the quantiles equal those of a brute-force recomputation per draw.

The fits run with OpenBLAS limited to one thread (``_single_threaded_blas``): scipy's L-BFGS-B calls BLAS on
4-vectors, and on a shared 2-core machine OpenBLAS's thread hand-offs made each fit 4-6 times slower.
"""
from __future__ import annotations

import dataclasses
from importlib.util import find_spec
from pathlib import Path

import lifetimes
import numpy as np
import pandas as pd
import pytest

from threadpoolctl import threadpool_limits

from customer_intel import clv
from customer_intel.clv.intervals import interval_of_totals, mean_value_given_purchase_draws
from customer_intel.clv.next_purchase import value_given_purchase
from customer_intel.clv.uncertainty import ParameterUncertainty, draw_parameters, parameter_uncertainty

DATASETS = Path(find_spec("lifetimes").origin).parent / "datasets"
TRUE_PURCHASE = {"r": 0.25, "alpha": 40.0, "a": 0.8, "b": 2.5}
TRUE_SPEND = {"p": 6.0, "q": 4.0, "v": 15.0}
REPETITIONS = 400
PURCHASE_PEOPLE = 4000
SPEND_PEOPLE = 2000
BAND_SDS = 3.2  # acceptance band: the nominal rate -+ 3.2 binomial standard deviations for R repetitions


def _band(nominal: float) -> tuple[float, float]:
    half = BAND_SDS * np.sqrt(nominal * (1 - nominal) / REPETITIONS)
    return nominal - half, nominal + half


COVERAGE_BAND = _band(0.95)  # [0.915, 0.985] for R = 400
ONE_SE_BAND = _band(0.6827)  # +- 1 se: [0.608, 0.757]
FITTERS = {"bgnbd": clv.fit_bgnbd, "mbgnbd": clv.fit_mbgnbd}


@pytest.fixture(scope="module", autouse=True)
def _fast_fits():
    """One BLAS thread while the module runs: L-BFGS-B on 4 parameters gains nothing from threads and, on a busy
    machine, loses several times its time to them. Only the speed changes, not a result."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def simulate_purchases(model: str, params: dict, n: int, rng: np.random.Generator,
                       tenure=(200.0, 700.0)) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, t_x, T) at each person's tenure T from the model's story (as in test_clv_next_purchase): first purchase
    at 0, Poisson purchases at rate lambda ~ Gamma(r, alpha) while alive, drop-out with probability p ~ Beta(a, b)
    right after each repeat purchase (MBG/NBD: also right after the first)."""
    lam = rng.gamma(params["r"], 1.0 / params["alpha"], n)
    p = rng.beta(params["a"], params["b"], n)
    big_t = rng.uniform(*tenure, n)
    x, t_x, time = np.zeros(n), np.zeros(n), np.zeros(n)
    active = np.arange(n) if model == "bgnbd" else np.flatnonzero(rng.random(n) >= p)
    while active.size:
        time[active] += rng.standard_exponential(active.size) / lam[active]
        active = active[time[active] <= big_t[active]]
        x[active] += 1
        t_x[active] = time[active]
        active = active[rng.random(active.size) >= p[active]]
    return x, t_x, big_t


def simulate_spend(params: dict, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Mean of x purchase values, each Gamma(p, nu) with nu ~ Gamma(q, v) per person: the mean is Gamma(p x, x nu)."""
    nu = rng.gamma(params["q"], 1.0 / params["v"], len(x))
    return rng.gamma(params["p"] * x, 1.0 / (x * nu))


def _coverage(truth: dict, fit_and_uncertainty) -> tuple[dict, dict]:
    covered = {name: 0 for name in truth}
    z = {name: [] for name in truth}
    for repetition in range(REPETITIONS):
        uncertainty = fit_and_uncertainty(repetition)
        assert uncertainty.available and uncertainty.note == "", uncertainty.note
        for name, value in truth.items():
            estimate = uncertainty.parameters[name]
            covered[name] += estimate.lower_95 <= value <= estimate.upper_95
            z[name].append((np.log(estimate.value) - np.log(value)) / estimate.standard_error)
    return ({name: count / REPETITIONS for name, count in covered.items()},
            {name: float(np.mean(np.abs(values) <= 1)) for name, values in z.items()})


def _check_coverage(label: str, rates: dict, one_se: dict) -> None:
    print(f"{label} coverage over R = {REPETITIONS}: " + ", ".join(f"{n} {rates[n]:.3f} (+-1 se {one_se[n]:.3f})"
                                                                 for n in rates))
    for name in rates:
        assert COVERAGE_BAND[0] <= rates[name] <= COVERAGE_BAND[1], (label, name, rates[name])
        assert ONE_SE_BAND[0] <= one_se[name] <= ONE_SE_BAND[1], (label, name, one_se[name])


@pytest.mark.parametrize("model", list(FITTERS))
def test_purchase_intervals_cover_the_true_parameters_95_percent_of_the_time(model):
    def one(repetition: int) -> ParameterUncertainty:
        rng = np.random.default_rng([7, list(FITTERS).index(model), repetition])
        x, t_x, big_t = simulate_purchases(model, TRUE_PURCHASE, PURCHASE_PEOPLE, rng)
        fit = FITTERS[model](x, t_x, big_t)
        return parameter_uncertainty(fit, x, t_x, big_t)

    _check_coverage(model, *_coverage(TRUE_PURCHASE, one))


def test_gamma_gamma_intervals_cover_the_true_parameters_95_percent_of_the_time():
    def one(repetition: int) -> ParameterUncertainty:
        rng = np.random.default_rng([8, repetition])
        x = 1.0 + rng.poisson(2.0, SPEND_PEOPLE)
        m = simulate_spend(TRUE_SPEND, x, rng)
        fit = clv.fit_gamma_gamma(x, m)
        return parameter_uncertainty(fit, x, m)

    _check_coverage("gamma_gamma", *_coverage(TRUE_SPEND, one))


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return pd.read_csv(DATASETS / "cdnow_customers_summary.csv")


@pytest.mark.parametrize("model, fitter_class", [("bgnbd", lifetimes.BetaGeoFitter),
                                                 ("mbgnbd", lifetimes.ModifiedBetaGeoFitter)])
def test_cdnow_standard_errors_match_lifetimes_by_the_delta_method(cdnow, model, fitter_class):
    columns = (cdnow["frequency"], cdnow["recency"], cdnow["T"])
    fit = FITTERS[model](*columns)
    uncertainty = parameter_uncertainty(fit, *columns)
    assert uncertainty.available and uncertainty.note == ""
    reference = fitter_class().fit(*columns)
    for name in ("r", "alpha", "a", "b"):
        estimate = uncertainty.parameters[name]
        raw_se = estimate.value * estimate.standard_error
        print(f"CDNOW {model} {name}: {estimate.value:.4f}, se(raw) ours {raw_se:.5f}, lifetimes "
              f"{reference.standard_errors_[name]:.5f}, 95 % ours [{estimate.lower_95:.4f}, {estimate.upper_95:.4f}]"
              f" lifetimes [{reference.confidence_intervals_.loc[name, 'lower 95% bound']:.4f}, "
              f"{reference.confidence_intervals_.loc[name, 'upper 95% bound']:.4f}]")
        assert estimate.value == pytest.approx(reference.params_[name], rel=1e-3)
        assert raw_se == pytest.approx(reference.standard_errors_[name], rel=0.01)
        # lifetimes' interval is symmetric on the raw scale; ours is symmetric on the log scale
        assert estimate.lower_95 == pytest.approx(estimate.value * np.exp(-1.96 * estimate.standard_error), rel=1e-4)
        assert estimate.lower_95 * estimate.upper_95 == pytest.approx(estimate.value ** 2, rel=1e-9)
    if model == "bgnbd":  # fixed figures, so a change of either side shows
        assert [round(uncertainty.parameters[n].value * uncertainty.parameters[n].standard_error, 4)
                for n in ("r", "alpha", "a", "b")] == [0.0126, 0.3782, 0.1857, 0.7053]


def test_cdnow_gamma_gamma_standard_errors_match_lifetimes():
    spend = pd.read_csv(DATASETS / "cdnow_customers_summary_with_transactions.csv")
    fit = clv.fit_gamma_gamma(spend["x"], spend["zbar"])
    uncertainty = parameter_uncertainty(fit, spend["x"], spend["zbar"])
    repeat = spend[spend["x"] > 0]
    reference = lifetimes.GammaGammaFitter().fit(repeat["x"], repeat["zbar"])
    for name in ("p", "q", "v"):
        estimate = uncertainty.parameters[name]
        print(f"CDNOW gamma_gamma {name}: {estimate.value:.4f}, se(raw) ours "
              f"{estimate.value * estimate.standard_error:.5f}, lifetimes {reference.standard_errors_[name]:.5f}")
        assert estimate.value * estimate.standard_error == pytest.approx(reference.standard_errors_[name], rel=0.01)


def _information_by_second_differences(fit: clv.PurchaseFit, columns, h: float = 1e-3) -> np.ndarray:
    """-d2/dphi2 of the unpenalised total log-likelihood on the log scale, from the log-likelihood alone."""
    logs = np.log([fit.r, fit.alpha, fit.a, fit.b])
    columns = tuple(np.asarray(column, dtype=float) for column in columns)

    def total(log_params):
        return float(clv.purchase._log_likelihood(fit.model, np.exp(log_params), *columns).sum())

    information = np.empty((4, 4))
    for i in range(4):
        for j in range(4):
            e_i, e_j = np.eye(4)[i] * h, np.eye(4)[j] * h
            information[i, j] = -(total(logs + e_i + e_j) - total(logs + e_i - e_j) - total(logs - e_i + e_j)
                                  + total(logs - e_i - e_j)) / (4 * h * h)
    return information


def test_the_covariance_is_the_inverse_of_the_information_on_the_log_scale(cdnow):
    """Independent of the analytic gradients: the information by second differences of the log-likelihood."""
    columns = (cdnow["frequency"], cdnow["recency"], cdnow["T"])
    fit = clv.fit_bgnbd(*columns)
    uncertainty = parameter_uncertainty(fit, *columns)
    np.testing.assert_allclose(uncertainty.covariance, np.linalg.inv(_information_by_second_differences(fit, columns)),
                               rtol=1e-3)


REGULAR_X = np.r_[np.full(20, 9.0), np.zeros(40)]
REGULAR_T_X = np.r_[np.full(20, 270.0), np.zeros(40)]
REGULAR_T = np.full(60, 300.0)


def _no_numbers(uncertainty: ParameterUncertainty) -> None:
    assert not uncertainty.available and uncertainty.covariance is None
    assert uncertainty.note.startswith("no interval: ")
    for estimate in uncertainty.parameters.values():
        assert np.isfinite(estimate.value)
        assert estimate.standard_error is None and estimate.lower_95 is None and estimate.upper_95 is None
    assert not uncertainty.to_frame().isna().to_numpy()[:, 0].any()  # the values; the rest are None


@pytest.mark.parametrize("model", list(FITTERS))
def test_a_fit_whose_parameters_ran_off_has_no_interval_and_says_why(model):
    """The degenerate "regular buyers" summary of test_clv_selection: no heterogeneity, so parameters run off."""
    fit = FITTERS[model](REGULAR_X, REGULAR_T_X, REGULAR_T, require_convergence=False)
    assert not fit.converged
    uncertainty = parameter_uncertainty(fit, REGULAR_X, REGULAR_T_X, REGULAR_T)
    _no_numbers(uncertainty)
    assert "the fit did not converge" in uncertainty.note and "ran off to an extreme value" in uncertainty.note
    # the same parameters claimed converged: still no interval, the extreme parameter is named
    forced = parameter_uncertainty(dataclasses.replace(fit, converged=True), REGULAR_X, REGULAR_T_X, REGULAR_T)
    _no_numbers(forced)
    assert "an extreme value of parameter(s) " in forced.note
    with pytest.raises(clv.ClvError, match="cannot draw parameters, no interval"):
        draw_parameters(fit, uncertainty, 10, rng=0)


def test_a_gamma_gamma_fit_without_a_finite_mean_has_no_interval():
    rng = np.random.default_rng(1)  # as in test_clv_selection: log-normal spends with a huge spread, q < 1
    x = rng.integers(1, 4, 200).astype(float)
    m = np.exp(rng.normal(3, 2.5, 200))
    fit = clv.fit_gamma_gamma(x, m, require_convergence=False)
    uncertainty = parameter_uncertainty(fit, x, m)
    _no_numbers(uncertainty)
    assert "<= 1: the mean spend per purchase is not finite" in uncertainty.note


@pytest.mark.parametrize("model", list(FITTERS))
def test_a_penalised_fit_says_its_interval_is_of_the_map_estimate(model):
    fit = FITTERS[model](REGULAR_X, REGULAR_T_X, REGULAR_T, penalty=0.1)
    uncertainty = parameter_uncertainty(fit, REGULAR_X, REGULAR_T_X, REGULAR_T)
    assert uncertainty.available and uncertainty.penalised
    assert "penalised (MAP) estimate" in uncertainty.note
    frame = uncertainty.to_frame().astype(float)
    assert np.all(np.isfinite(frame.to_numpy()))
    assert np.all(frame["lower_95"] < frame["value"]) and np.all(frame["value"] < frame["upper_95"])
    # the penalty 0.1 * (log r^2 + log a^2 + log b^2) adds 0.2 to the information of log r, log a, log b
    data_information = _information_by_second_differences(fit, (REGULAR_X, REGULAR_T_X, REGULAR_T))
    np.testing.assert_allclose(np.linalg.inv(uncertainty.covariance),
                               data_information + np.diag([0.2, 0.0, 0.2, 0.2]), rtol=1e-4, atol=1e-4)


def test_a_fit_not_at_the_maximum_of_the_summary_given_has_no_interval(cdnow):
    columns = (cdnow["frequency"], cdnow["recency"], cdnow["T"])
    fit = clv.fit_bgnbd(*columns)
    other_people = parameter_uncertainty(fit, *(column[:2000] for column in columns))
    _no_numbers(other_people)
    assert "is not the one the fit was made on" in other_people.note
    moved = parameter_uncertainty(dataclasses.replace(fit, r=fit.r * 1.2), *columns)
    _no_numbers(moved)
    assert "away from the maximum" in moved.note or "not at a maximum" in moved.note


def test_draws_have_the_covariance_and_keep_the_rest_of_the_fit(cdnow):
    columns = (cdnow["frequency"], cdnow["recency"], cdnow["T"])
    fit = clv.fit_bgnbd(*columns)
    uncertainty = parameter_uncertainty(fit, *columns)
    draws = draw_parameters(fit, uncertainty, 20_000, rng=np.random.default_rng(3))
    assert len(draws) == 20_000 and all(isinstance(draw, clv.PurchaseFit) for draw in draws)
    assert {(d.model, d.log_likelihood, d.people, d.rows, d.converged) for d in draws} == {
        (fit.model, fit.log_likelihood, fit.people, fit.rows, True)}
    logs = np.log([[d.r, d.alpha, d.a, d.b] for d in draws])
    se = np.sqrt(np.diag(uncertainty.covariance))
    # mean within 4 standard errors of a mean of 20,000 draws; variances within 5 %; correlations within 0.03
    assert np.all(np.abs(logs.mean(axis=0) - np.log([fit.r, fit.alpha, fit.a, fit.b])) < 4 * se / np.sqrt(20_000))
    empirical = np.cov(logs, rowvar=False)
    np.testing.assert_allclose(np.diag(empirical), se ** 2, rtol=0.05)
    np.testing.assert_allclose(empirical / np.outer(se, se), uncertainty.covariance / np.outer(se, se), atol=0.03)


@pytest.fixture(scope="module")
def shop():
    """20,000 people from BG/NBD (days) with spends from Gamma-Gamma, in three segments; fits and uncertainties."""
    rng = np.random.default_rng(11)
    x, t_x, big_t = simulate_purchases("bgnbd", TRUE_PURCHASE, 20_000, rng, tenure=(30.0, 700.0))
    x, t_x, big_t = x, np.floor(t_x), np.floor(big_t)  # whole days, as the marts give them
    t_x = np.minimum(t_x, big_t)
    m = np.where(x > 0, simulate_spend({"p": 6.0, "q": 4.0, "v": 300.0}, np.maximum(x, 1), rng), np.nan)
    segments = rng.choice(np.array(["champions", "at_risk", "new"]), 20_000)
    purchase_fit = clv.fit_bgnbd(x, t_x, big_t)
    spend_fit = clv.fit_gamma_gamma(x, m)
    return dict(x=x, t_x=t_x, big_t=big_t, m=m, segments=segments, purchase_fit=purchase_fit, spend_fit=spend_fit,
                purchase_uncertainty=parameter_uncertainty(purchase_fit, x, t_x, big_t),
                spend_uncertainty=parameter_uncertainty(spend_fit, x, m))


VALUE = dict(horizon_months=12, gross_margin=0.3, annual_discount_rate=0.12)


def _interval(shop, draws, seed, **kwargs):
    return interval_of_totals(shop["purchase_fit"], shop["purchase_uncertainty"], shop["spend_fit"],
                              shop["spend_uncertainty"], shop["x"], shop["t_x"], shop["big_t"], shop["m"],
                              groups=shop["segments"], draws=draws, rng=np.random.default_rng(seed),
                              **{**VALUE, **kwargs})


def test_totals_point_is_the_predictions_summed_and_p10_below_it_below_p90(shop):
    result = _interval(shop, 200, 5, t=90.0)
    predictions = clv.predict_customers(shop["purchase_fit"], shop["spend_fit"], shop["x"], shop["t_x"],
                                        shop["big_t"], shop["m"], **VALUE)
    by_segment = predictions.groupby(shop["segments"])["predicted_clv"].sum()
    print(result.clv_by_group, result.clv_total, result.expected_purchases, sep="\n")
    assert list(result.clv_by_group.index) == ["at_risk", "champions", "new"]
    np.testing.assert_allclose(result.clv_by_group["point"], by_segment.loc[result.clv_by_group.index], rtol=1e-9)
    assert result.clv_by_group["people"].sum() == 20_000
    assert result.clv_total.point == pytest.approx(predictions["predicted_clv"].sum(), rel=1e-9)
    purchases = clv.expected_purchases(shop["purchase_fit"], 90.0, shop["x"], shop["t_x"], shop["big_t"])
    assert result.expected_purchases.point == pytest.approx(purchases.sum(), rel=1e-9)
    assert result.draws == 200 and result.t == 90.0 and result.note == ""
    for interval in [result.clv_total, result.expected_purchases,
                     *(row for row in result.clv_by_group[["point", "p10", "p90"]].itertuples())]:
        assert interval.p10 < interval.point < interval.p90
    # parameter uncertainty of 20,000 people: a few per cent either way, not nothing and not wild
    spread = (result.clv_total.p90 - result.clv_total.p10) / result.clv_total.point
    assert 0.005 < spread < 0.5


def test_totals_quantiles_equal_a_brute_force_recomputation_per_draw(shop):
    """Draws in the same order (purchase then spend from one generator), each recomputed with predict_customers."""
    draws = 12
    result = _interval(shop, draws, 21, t=365.0)
    rng = np.random.default_rng(21)
    purchase_draws = draw_parameters(shop["purchase_fit"], shop["purchase_uncertainty"], draws, rng)
    spend_draws = draw_parameters(shop["spend_fit"], shop["spend_uncertainty"], draws, rng)
    by_group, totals, purchases = [], [], []
    for purchase_fit, spend_fit in zip(purchase_draws, spend_draws):
        predicted = clv.predict_customers(purchase_fit, spend_fit, shop["x"], shop["t_x"], shop["big_t"], shop["m"],
                                          **VALUE)["predicted_clv"]
        by_group.append(predicted.groupby(shop["segments"]).sum().sort_index().to_numpy())
        totals.append(predicted.sum())
        purchases.append(clv.expected_purchases(purchase_fit, 365.0, shop["x"], shop["t_x"], shop["big_t"]).sum())
    np.testing.assert_allclose(result.clv_by_group["p10"], np.quantile(by_group, 0.1, axis=0), rtol=1e-9)
    np.testing.assert_allclose(result.clv_by_group["p90"], np.quantile(by_group, 0.9, axis=0), rtol=1e-9)
    assert result.clv_total.p10 == pytest.approx(np.quantile(totals, 0.1), rel=1e-9)
    assert result.expected_purchases.p90 == pytest.approx(np.quantile(purchases, 0.9), rel=1e-9)


def test_spend_draws_without_a_finite_mean_make_the_upper_quantile_unavailable(shop):
    wide = dataclasses.replace(shop["spend_uncertainty"], covariance=shop["spend_uncertainty"].covariance * 2500)
    result = interval_of_totals(shop["purchase_fit"], shop["purchase_uncertainty"], shop["spend_fit"], wide,
                                shop["x"], shop["t_x"], shop["big_t"], shop["m"], draws=50,
                                rng=np.random.default_rng(2), **VALUE)
    heavy = int(result.note.split(" of ")[0])
    assert heavy >= 10 and "have q <= 1" in result.note  # > 10 % of the draws: P90 reaches into them
    assert result.clv_total.p90 is None and result.clv_total.p10 is not None
    assert list(result.clv_by_group.index) == ["all"]
    assert result.expected_purchases.p90 is not None  # purchases do not depend on spend


def test_value_given_purchase_draws_are_the_mean_value_recomputed_per_draw(shop):
    """Same draw order as interval_of_totals; each draw recomputed with expected_spend and value_given_purchase."""
    targets = slice(0, 3_000)
    columns = [shop[name][targets] for name in ("x", "t_x", "big_t", "m")]
    settings = dict(horizon_months=12, annual_discount_rate=0.12)
    values = mean_value_given_purchase_draws(shop["purchase_fit"], shop["purchase_uncertainty"], shop["spend_fit"],
                                             shop["spend_uncertainty"], *columns, draws=8,
                                             rng=np.random.default_rng(4), **settings)
    rng = np.random.default_rng(4)
    purchase_draws = draw_parameters(shop["purchase_fit"], shop["purchase_uncertainty"], 8, rng)
    spend_draws = draw_parameters(shop["spend_fit"], shop["spend_uncertainty"], 8, rng)
    x, t_x, big_t, m = columns
    expected = [value_given_purchase(pfit, clv.expected_spend(sfit, x, m), x, t_x, big_t, gross_margin=1.0,
                                     **settings).mean() for pfit, sfit in zip(purchase_draws, spend_draws)]
    np.testing.assert_allclose(values, expected, rtol=1e-12)
    # the point value lies inside the draws' range, and the draws differ (the parameters are uncertain)
    point = value_given_purchase(shop["purchase_fit"], clv.expected_spend(shop["spend_fit"], x, m), x, t_x, big_t,
                                 gross_margin=1.0, **settings).mean()
    assert values.min() < point < values.max()
    wide = dataclasses.replace(shop["spend_uncertainty"], covariance=shop["spend_uncertainty"].covariance * 2500)
    heavy = mean_value_given_purchase_draws(shop["purchase_fit"], shop["purchase_uncertainty"], shop["spend_fit"],
                                            wide, *columns, draws=50, rng=np.random.default_rng(2), **settings)
    assert 0 < np.isinf(heavy).sum() < 50  # a spend draw with q <= 1 has no finite mean spend
