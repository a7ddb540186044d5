"""Next-purchase probability, median waiting time and value given a purchase (``clv.next_purchase``).

Every expected number comes from a path independent of the formulas under test:

- a simulation of each model's generative story from known parameters (people, their summaries at their own tenure
  T, and what they then do after T), compared with the predictions at the true parameters;
- numerical integration of the individual-level likelihood over the Gamma and Beta mixing distributions;
- the ``lifetimes`` package (test-only). lifetimes 0.11.3 has ``conditional_probability_of_n_purchases_up_to_time``
  only for Pareto/NBD, not for BG/NBD or MBG/NBD, so 1 - P(no purchase) is compared with its *unconditional*
  ``probability_of_n_purchases_up_to_time(t, 0)`` for a customer just acquired (x = t_x = T = 0); its
  ``conditional_probability_alive`` and ``conditional_expected_number_of_purchases_up_to_time`` are used as they are.
"""
from __future__ import annotations

import lifetimes
import numpy as np
import pandas as pd
import pytest
from scipy import integrate
from scipy.special import betaln, gammaln

from customer_intel.clv import DAYS_PER_MONTH, ClvError, PurchaseFit, p_alive
from customer_intel.clv.next_purchase import (
    expected_purchases_given_purchase,
    median_days_to_next_purchase,
    p_purchase_within,
    value_given_purchase,
)

# (r, alpha in days, a, b): a population with repeat buyers, and one of mostly one-time buyers (Olist-like).
PARAMETER_SETS = {
    "repeat_buyers": (0.25, 40.0, 0.8, 2.5),
    "mostly_one_time": (0.15, 8.0, 9.0, 0.5),
}
MODELS = ("bgnbd", "mbgnbd")
PEOPLE = 30_000
HORIZONS = (30.0, 90.0, 365.0)
WINDOW = 30.0  # value test: people whose first purchase after T falls in (T, T + WINDOW]
MONTHS = 12
YEAR = MONTHS * DAYS_PER_MONTH
FOLLOW = WINDOW + YEAR + 1.0  # each person is simulated up to T + FOLLOW
SD_TOLERANCE = 4.0
ANNUAL_RATE, MARGIN = 0.12, 0.3


def _fit(model: str, params) -> PurchaseFit:
    r, alpha, a, b = params
    return PurchaseFit(model=model, r=r, alpha=alpha, a=a, b=b, log_likelihood=0.0, people=1, rows=1,
                       converged=True)


def _simulate(model: str, params, n: int, seed: int) -> dict[str, np.ndarray]:
    """The generative story, person by person but vectorised over people (a loop over the purchase index).

    The first purchase is at time 0. While alive, purchases follow a Poisson process with rate lambda ~ Gamma(r,
    alpha). Right after each repeat purchase the person drops out with probability p ~ Beta(a, b); in MBG/NBD also
    right after the first purchase. Tenure T ~ U(30, 700) days. Returned per person: the summary at T (x, t_x, T),
    whether alive at T, s = time of the first purchase after T (inf if none up to T + FOLLOW), and the number of
    purchases in (s, s + YEAR] and their end-of-month discounted count (month m = ceil((time - s) / month)).
    """
    rng = np.random.default_rng(seed)
    r, alpha, a, b = params
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    big_t = rng.uniform(30.0, 700.0, n)
    end = big_t + FOLLOW
    x, t_x = np.zeros(n), np.zeros(n)
    s = np.full(n, np.inf)
    after, discounted = np.zeros(n), np.zeros(n)
    alive_at_t = np.ones(n, dtype=bool)
    if model == "mbgnbd":
        alive_at_t = rng.random(n) >= p
    time = np.zeros(n)
    active = np.flatnonzero(alive_at_t)
    while active.size:
        with np.errstate(divide="ignore"):
            time[active] += rng.standard_exponential(active.size) / lam[active]
        active = active[time[active] <= end[active]]
        tau = time[active]
        before = tau <= big_t[active]
        x[active[before]] += 1
        t_x[active[before]] = tau[before]
        first_after = ~before & np.isinf(s[active])
        later = ~before & ~first_after
        s[active[first_after]] = tau[first_after]
        gap = tau[later] - s[active[later]]
        counted = active[later][gap <= YEAR]
        months = np.ceil(gap[gap <= YEAR] / DAYS_PER_MONTH)
        after[counted] += 1
        discounted[counted] += (1.0 + ANNUAL_RATE) ** (-months / 12.0)
        dies = rng.random(active.size) < p[active]
        alive_at_t[active[dies & before]] = False
        active = active[~dies]
    return dict(x=x, t_x=t_x, big_t=big_t, alive_at_t=alive_at_t, s=s, after=after, discounted=discounted)


_SIMULATIONS: dict[tuple[str, str], dict[str, np.ndarray]] = {}


def _simulation(model: str, name: str) -> dict[str, np.ndarray]:
    key = (model, name)
    if key not in _SIMULATIONS:
        seed = 1000 + 10 * MODELS.index(model) + list(PARAMETER_SETS).index(name)
        _SIMULATIONS[key] = _simulate(model, PARAMETER_SETS[name], PEOPLE, seed)
    return _SIMULATIONS[key]


def _within_sd(predicted: float, actual: float, sd: float) -> bool:
    return abs(predicted - actual) <= SD_TOLERANCE * sd


@pytest.mark.parametrize("name", list(PARAMETER_SETS))
@pytest.mark.parametrize("model", MODELS)
def test_p_purchase_within_matches_simulation(model, name):
    """Sum of predicted probabilities = simulated buyers in (T, T + t], overall and per quintile of prediction.

    Given the summaries, people are independent Bernoulli trials with the predicted probabilities (at the true
    parameters), so the count has standard deviation sqrt(sum p (1 - p)).
    """
    sim = _simulation(model, name)
    fit = _fit(model, PARAMETER_SETS[name])
    one_time = float(np.mean(sim["x"] == 0))
    if name == "mostly_one_time":
        assert one_time > 0.5
    for t in HORIZONS:
        predicted = p_purchase_within(fit, t, sim["x"], sim["t_x"], sim["big_t"])
        bought = (sim["s"] - sim["big_t"]) <= t
        sd = float(np.sqrt(np.sum(predicted * (1 - predicted))))
        print(f"{model} {name} t={t:g}: one-time {one_time:.3f}, predicted {predicted.sum():.1f}, "
              f"simulated {int(bought.sum())}, sd {sd:.1f}")
        assert _within_sd(predicted.sum(), bought.sum(), sd), (t, predicted.sum(), bought.sum(), sd)
        for group in np.array_split(np.argsort(predicted, kind="stable"), 5):
            q = predicted[group]
            q_sd = float(np.sqrt(np.sum(q * (1 - q))))
            print(f"    quintile mean p {q.mean():.4f}: predicted {q.sum():.1f}, simulated "
                  f"{int(bought[group].sum())}, sd {q_sd:.1f}")
            assert _within_sd(q.sum(), bought[group].sum(), max(q_sd, 0.5)), (t, q.sum(), bought[group].sum())


@pytest.mark.parametrize("model", MODELS)
def test_median_days_to_next_purchase_matches_simulation_of_the_alive(model):
    """Among people alive at T (known in a simulation), half buy again within their predicted median. Only people
    whose median falls inside the simulated follow-up are counted (a choice made on the summary alone)."""
    sim = _simulation(model, "repeat_buyers")
    fit = _fit(model, PARAMETER_SETS["repeat_buyers"])
    median = median_days_to_next_purchase(fit, sim["x"], sim["t_x"], sim["big_t"])
    chosen = sim["alive_at_t"] & (median < FOLLOW)
    within = int(np.sum((sim["s"] - sim["big_t"])[chosen] <= median[chosen]))
    n = int(chosen.sum())
    print(f"{model} median: {n} alive people, {within} bought within their median (expected {n / 2:.0f}, "
          f"sd {np.sqrt(n) / 2:.1f})")
    assert n > 1000 and _within_sd(n / 2, within, np.sqrt(n) / 2)


@pytest.mark.parametrize("model", MODELS)
def test_value_given_purchase_matches_simulation(model):
    """People whose first purchase after T is at s in (T, T + 30 days]: their purchases in (s, s + 12 months] and the
    discounted value match the predictions for the summary extended to s (x, t_x, s), i.e. the state (x + 1, s, s)
    right after that purchase. Selecting people by when they buy does not bias this: the models' future depends on the
    history up to s only through the summary. Tolerance: 4 standard errors of the mean of (simulated - predicted),
    whose terms are independent with mean 0 given the summaries."""
    sim = _simulation(model, "repeat_buyers")
    fit = _fit(model, PARAMETER_SETS["repeat_buyers"])
    chosen = (sim["s"] - sim["big_t"]) <= WINDOW
    x, t_x, s = sim["x"][chosen], sim["t_x"][chosen], sim["s"][chosen]
    n = int(chosen.sum())
    assert n > 1000
    counts = sim["after"][chosen]
    predicted_counts = expected_purchases_given_purchase(fit, YEAR, x, t_x, s)
    count_se = (counts - predicted_counts).std(ddof=1) / np.sqrt(n)
    print(f"{model} value: {n} buyers in the window; purchases in the next 12 months per person: predicted "
          f"{predicted_counts.mean():.4f}, simulated {counts.mean():.4f}, se {count_se:.4f}")
    assert _within_sd(predicted_counts.mean(), counts.mean(), count_se)
    spend = np.random.default_rng(5).gamma(4.0, 30.0, n)  # any per-person spend, fixed per person
    values = MARGIN * spend * (1.0 + sim["discounted"][chosen])
    predicted = value_given_purchase(fit, spend, x, t_x, s, horizon_months=MONTHS, gross_margin=MARGIN,
                                     annual_discount_rate=ANNUAL_RATE)
    value_se = (values - predicted).std(ddof=1) / np.sqrt(n)
    print(f"{model} value: mean value given purchase predicted {predicted.mean():.3f}, simulated "
          f"{values.mean():.3f}, se {value_se:.3f}")
    assert _within_sd(predicted.mean(), values.mean(), value_se)


# --- numerical integration of the individual-level model ---------------------------------------------------------

def _gamma_moment(r, alpha, k, s) -> float:
    """E[lambda ** k exp(-lambda s)], lambda ~ Gamma(r, alpha), integrated over u = log(lambda)."""
    log_norm = r * np.log(alpha) - gammaln(r)
    def integrand(u):
        with np.errstate(over="ignore"):  # exp(u) overflows far in the right tail, where the integrand is 0
            return np.exp(log_norm + (r + k) * u - np.exp(u) * (alpha + s))
    value, _ = integrate.quad(integrand, -np.inf, np.inf, epsabs=0.0, epsrel=1e-12, limit=200)
    return value


def _beta_moment(a, b, k, m) -> float:
    """E[p ** k (1 - p) ** m], p ~ Beta(a, b), integrated over v = logit(p)."""
    def integrand(v):
        log_p, log_q = -np.logaddexp(0.0, -v), -np.logaddexp(0.0, v)
        return np.exp((a + k) * log_p + (b + m) * log_q - betaln(a, b))
    value, _ = integrate.quad(integrand, -np.inf, np.inf, epsabs=0.0, epsrel=1e-12, limit=200)
    return value


def _p_purchase_by_integration(model, params, t, x, t_x, big_t) -> float:
    """1 - P(data, no purchase in (T, T + t]) / P(data) from the individual-level likelihood

    alive at T:  (1 - p) ** (x + d) lambda ** x exp(-lambda T)      (d = 0 BG/NBD, 1 MBG/NBD)
    dead at T:   p (1 - p) ** (x + d - 1) lambda ** x exp(-lambda t_x)   (BG/NBD: only for x > 0)

    where "no purchase in (T, T + t]" multiplies the alive term by exp(-lambda t) and leaves the dead one.
    """
    r, alpha, a, b = params
    d = 1 if model == "mbgnbd" else 0
    alive_survival = _beta_moment(a, b, 0, x + d)
    dead = _beta_moment(a, b, 1, x + d - 1) * _gamma_moment(r, alpha, x, t_x) if x + d > 0 else 0.0
    data = alive_survival * _gamma_moment(r, alpha, x, big_t) + dead
    no_purchase = alive_survival * _gamma_moment(r, alpha, x, big_t + t) + dead
    return 1.0 - no_purchase / data


@pytest.mark.parametrize("name", list(PARAMETER_SETS))
@pytest.mark.parametrize("model", MODELS)
def test_p_purchase_within_agrees_with_numerical_integration(model, name):
    params = PARAMETER_SETS[name]
    fit = _fit(model, params)
    people = [(0, 0.0, 5.0), (0, 0.0, 400.0), (1, 30.0, 120.0), (3, 300.0, 360.0), (2, 20.0, 600.0),
              (12, 500.0, 520.0)]
    x, t_x, big_t = (np.array(column, dtype=float) for column in zip(*people))
    for t in (1.0, 30.0, 365.0, 2000.0):
        expected = [_p_purchase_by_integration(model, params, t, *person) for person in people]
        np.testing.assert_allclose(p_purchase_within(fit, t, x, t_x, big_t), expected, rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize("model, oracle_class", [("bgnbd", lifetimes.BetaGeoFitter),
                                                 ("mbgnbd", lifetimes.ModifiedBetaGeoFitter)])
def test_p_purchase_within_agrees_with_lifetimes(model, oracle_class):
    """A new customer (x = t_x = T = 0): 1 - lifetimes' P(no repeat purchase in t). For everyone: as t grows the
    probability tends to lifetimes' P(alive)."""
    params = PARAMETER_SETS["repeat_buyers"]
    fit = _fit(model, params)
    oracle = oracle_class()
    oracle.params_ = pd.Series(fit.params)
    for t in (1.0, 30.0, 365.0):
        theirs = 1.0 - float(oracle.probability_of_n_purchases_up_to_time(t, 0))
        assert p_purchase_within(fit, t, [0], [0], [0])[0] == pytest.approx(theirs, rel=1e-9)
    x, t_x, big_t = np.array([0.0, 1, 3, 12]), np.array([0.0, 30, 300, 500]), np.array([400.0, 120, 360, 520])
    far = p_purchase_within(fit, 1e60, x, t_x, big_t)
    np.testing.assert_allclose(far, oracle.conditional_probability_alive(x, t_x, big_t), rtol=1e-9)


@pytest.mark.parametrize("model, oracle_class", [("bgnbd", lifetimes.BetaGeoFitter),
                                                 ("mbgnbd", lifetimes.ModifiedBetaGeoFitter)])
def test_value_given_purchase_by_hand(model, oracle_class):
    """Three months of 30 days: lifetimes' cumulative expectations for the updated summary (x + 1, T, T), the
    purchase itself undiscounted, the months discounted by hand; no discounting = margin x spend x (1 + E)."""
    fit = _fit(model, PARAMETER_SETS["repeat_buyers"])
    oracle = oracle_class()
    oracle.params_ = pd.Series(fit.params)
    x, t_x, big_t = np.array([0.0, 2.0, 0.0]), np.array([0.0, 40.0, 0.0]), np.array([90.0, 100.0, 0.0])
    spend, month = np.array([50.0, 80.0, 20.0]), 30.0
    cumulative = np.column_stack([np.zeros(3)] + [
        oracle.conditional_expected_number_of_purchases_up_to_time(m * month, x + 1, big_t, big_t) for m in (1, 2, 3)])
    per_month = np.diff(cumulative, axis=1)
    factors = (1 + ANNUAL_RATE) ** (-np.array([1.0, 2.0, 3.0]) / 12)
    by_hand = MARGIN * spend * (1.0 + per_month @ factors)
    value = value_given_purchase(fit, spend, x, t_x, big_t, horizon_months=3, gross_margin=MARGIN,
                                 annual_discount_rate=ANNUAL_RATE, time_units_per_month=month)
    np.testing.assert_allclose(value, by_hand, rtol=1e-9)
    undiscounted = value_given_purchase(fit, spend, x, t_x, big_t, horizon_months=3, gross_margin=MARGIN,
                                        annual_discount_rate=0.0, time_units_per_month=month)
    np.testing.assert_allclose(undiscounted, MARGIN * spend * (1.0 + cumulative[:, 3]), rtol=1e-9)
    np.testing.assert_allclose(expected_purchases_given_purchase(fit, 90.0, x, t_x, big_t), cumulative[:, 3],
                               rtol=1e-9)
    # Recency does not matter once the person has bought at T.
    np.testing.assert_allclose(value_given_purchase(fit, spend, x, np.zeros(3), big_t, horizon_months=3,
                                                    gross_margin=MARGIN, annual_discount_rate=ANNUAL_RATE,
                                                    time_units_per_month=month), value, rtol=1e-12)


def test_edge_cases():
    bgnbd = _fit("bgnbd", PARAMETER_SETS["repeat_buyers"])
    mbgnbd = _fit("mbgnbd", PARAMETER_SETS["repeat_buyers"])
    r, alpha = bgnbd.r, bgnbd.alpha
    x, t_x, big_t = np.array([0.0, 0, 2, 5]), np.array([0.0, 0, 50, 300]), np.array([10.0, 600, 100, 650])
    for fit in (bgnbd, mbgnbd):
        assert np.all(p_purchase_within(fit, 0.0, x, t_x, big_t) == 0.0)
        by_t = np.array([p_purchase_within(fit, t, x, t_x, big_t) for t in (0.0, 0.5, 7, 30, 365, 5000, 1e9)])
        assert np.all(np.diff(by_t, axis=0) >= 0) and np.all(by_t >= 0)
        assert np.all(by_t <= p_alive(fit, x, t_x, big_t) + 1e-15)
    # BG/NBD one-time buyers are alive for sure: 1 - ((alpha + T) / (alpha + T + t)) ** r.
    tenure = np.array([0.0, 10, 300, 700])
    np.testing.assert_allclose(p_purchase_within(bgnbd, 60.0, np.zeros(4), np.zeros(4), tenure),
                               1 - ((alpha + tenure) / (alpha + tenure + 60.0)) ** r, rtol=1e-12)
    # MBG/NBD one-time buyers may have dropped out right after their first purchase: less likely to buy.
    assert np.all(p_purchase_within(mbgnbd, 60.0, np.zeros(4), np.zeros(4), tenure)
                  < p_purchase_within(bgnbd, 60.0, np.zeros(4), np.zeros(4), tenure))
    # Median given alive, r + x = 1: (alpha + T) * (2 - 1).
    one = _fit("bgnbd", (1.0, 20.0, 0.8, 2.5))
    np.testing.assert_allclose(median_days_to_next_purchase(one, [0, 0], [0, 0], [0, 80]), [20.0, 100.0])
    # Never NaN on extreme but valid summaries.
    x, t_x, big_t = np.array([0.0, 500, 1, 0]), np.array([0.0, 1e6, 0.001, 0]), np.array([1e6, 1e6, 1e6, 0])
    for fit in (bgnbd, mbgnbd):
        assert np.all(np.isfinite(p_purchase_within(fit, 1e5, x, t_x, big_t)))
        assert np.all(np.isfinite(median_days_to_next_purchase(fit, x, t_x, big_t)))
        assert np.all(np.isfinite(value_given_purchase(fit, np.ones(4), x, t_x, big_t, horizon_months=24,
                                                       gross_margin=0.3, annual_discount_rate=0.1)))


def _one_line(error: pytest.ExceptionInfo) -> str:
    message = str(error.value)
    assert message and "\n" not in message
    return message


FIT = _fit("mbgnbd", PARAMETER_SETS["repeat_buyers"])
VALUE = dict(horizon_months=12, gross_margin=0.3, annual_discount_rate=0.1)


@pytest.mark.parametrize("call, words", [
    (lambda: p_purchase_within(FIT, -1.0, [0], [0], [10]), "horizon t"),
    (lambda: p_purchase_within(FIT, float("nan"), [0], [0], [10]), "horizon t"),
    (lambda: p_purchase_within(FIT, [1.0, 2.0], [0], [0], [10]), "horizon t"),
    (lambda: p_purchase_within(FIT, 30.0, [1], [20], [10]), "recency"),
    (lambda: p_purchase_within(FIT, 30.0, [0.5], [0], [10]), "frequency"),
    (lambda: p_purchase_within(FIT, 30.0, [np.nan], [0], [10]), "frequency"),
    (lambda: p_purchase_within(FIT, 30.0, [0, 1], [0], [10]), "same length"),
    (lambda: p_purchase_within(PurchaseFit("pareto", 1, 1, 1, 1, 0, 1, 1, True), 30.0, [0], [0], [10]),
     "unknown purchase model"),
    (lambda: median_days_to_next_purchase(FIT, [0], [0], [-1]), "recency"),
    (lambda: median_days_to_next_purchase(_fit("bgnbd", (1e-4, 40.0, 1.0, 1.0)), [0], [0], [10]), "not finite"),
    (lambda: expected_purchases_given_purchase(FIT, -5.0, [0], [0], [10]), "horizon t"),
    (lambda: value_given_purchase(FIT, [1.0, 2.0], [0], [0], [10], **VALUE), "spend"),
    (lambda: value_given_purchase(FIT, [-1.0], [0], [0], [10], **VALUE), "spend"),
    (lambda: value_given_purchase(FIT, [np.nan], [0], [0], [10], **VALUE), "spend"),
    (lambda: value_given_purchase(FIT, [1.0], [0], [0], [10], **(VALUE | dict(horizon_months=0))), "horizon_months"),
    (lambda: value_given_purchase(FIT, [1.0], [0], [0], [10], **(VALUE | dict(gross_margin=2.0))), "gross_margin"),
])
def test_invalid_input_is_one_clear_error(call, words):
    with pytest.raises(ClvError) as error:
        call()
    assert words in _one_line(error)
