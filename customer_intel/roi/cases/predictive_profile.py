"""Every purchaser's predictive profile (the ``customer_predictions`` table) and the model it comes from.

Model choice, on the full history of ``clv_inputs`` (``choose_models``): MBG/NBD when the data identify it, else
BG/NBD, else ``segment_rates``, a fallback that needs no model; spend per purchase from Gamma-Gamma when identified,
else ``average_spend`` (revenue / purchase days over everybody). ``customer_intel.clv.selection`` defines the
states (identified, possibly with the declared penalty; degenerate; not fitted). Only when the fallback cannot be
computed either (no measured return rate at all) are the predictions left out, with the reason.

Columns (one row per purchaser; names are the table's contract, documented column by column in
``models/marts/marketing/_predictions__sources.yml``):

- with a purchase model: ``p_alive``; ``p_purchase_30d/90d/365d`` = 1 - P(no purchase in t days), where
  P(no purchase) = (1 - P(alive)) + P(alive) ((alpha + T) / (alpha + T + t))^(r + x) (``clv.next_purchase``);
  ``expected_purchases_12m``; ``predicted_clv_12m`` = gross margin x expected spend x the discounted expected
  purchases of the next 12 months (``clv.value``); ``expected_next_purchase_date`` = the as-of date plus the median
  time to the next purchase IF still alive (read it beside p_alive), given only for repeat buyers (a one-time
  buyer's date would come from the population's rhythm, not theirs) and where it lies within 12 months (the table
  forecasts no further);
- with ``segment_rates``: P(purchase within t) from the person's segment's measured return rate at the nearest
  measured horizon h (``segment_reactivation_pooled``), at other lengths under a constant hazard:
  1 - (1 - rate_h)^(t / h); expected purchases over 12 months as a Poisson count with that hazard,
  -(12 / h) ln(1 - rate_h); ``p_alive`` and ``expected_next_purchase_date`` are null (no model of either);
- always: ``churn_risk`` from P(no purchase in 90 days) and the declared bands; ``avg_days_between_purchases`` =
  days from the first to the last purchase / repeat purchases (null for one-time buyers).

Beside the table's columns the frame keeps what the business cases need: ``predicted_revenue`` (discounted revenue
over ``clv.horizon_months``, before margin) and ``value_given_purchase`` (revenue, before margin, that a person is
expected to bring GIVEN a purchase at the as-of date: that purchase plus the discounted purchases after it, from
the history updated with it; the ``segment_rates`` fallback counts the purchase alone, a floor).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from customer_intel import clv
from customer_intel.clv import next_purchase
from customer_intel.clv.selection import FitOutcome, choose, fit_outcome

PURCHASE_PREFERENCE = ("mbgnbd", "bgnbd")
FALLBACK_MODEL = "segment_rates"
FALLBACK_SPEND = "average_spend"
PURCHASE_FITTERS = {"mbgnbd": clv.fit_mbgnbd, "bgnbd": clv.fit_bgnbd}
PROFILE_DAYS = (30, 90, 365)
PROFILE_MONTHS = 12
CHURN_DAYS = 90
PROFILE_COLUMNS = (
    "customer_unique_id", "rfm_segment", "as_of_date", "model", "spend_model", "p_alive", "p_purchase_30d",
    "p_purchase_90d", "p_purchase_365d", "expected_purchases_12m", "expected_spend_per_purchase",
    "predicted_clv_12m", "churn_risk", "expected_next_purchase_date", "avg_days_between_purchases",
)


@dataclass(frozen=True)
class ClvSettings:
    """What the profile needs from the assumptions."""

    horizon_months: int
    annual_discount_rate: float
    gross_margin: float
    churn_medium_from: float  # churn risk bands on P(no purchase in 90 days) (assumptions clv.churn_risk)
    churn_high_from: float
    penalty: float = 0.0  # clv.penalty; 0 = plain maximum likelihood
    seed: int = 0  # monte_carlo.seed: the parameter draws of the prediction intervals


@dataclass(frozen=True)
class ModelChoice:
    """The fits on one summary, and which purchase and spend models the predictions use."""

    outcomes: dict[str, FitOutcome]  # mbgnbd, bgnbd, gamma_gamma
    purchase_model: str | None  # mbgnbd, bgnbd, segment_rates; None: no prediction possible
    spend_model: str  # gamma_gamma or average_spend

    @property
    def purchase_fit(self) -> clv.PurchaseFit | None:
        outcome = self.outcomes.get(self.purchase_model or "")
        return outcome.fit if outcome is not None else None


def summary_columns(people: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """frequency, recency, tenure and repeat value of the full history, as float arrays."""
    return tuple(people[column].to_numpy(dtype=float)
                 for column in ("frequency", "recency", "tenure", "avg_repeat_purchase_value"))


def fit_purchase_outcomes(x, t_x, big_t, penalty: float) -> dict[str, FitOutcome]:
    """MBG/NBD and BG/NBD on one summary, each ending in a state."""
    return {name: fit_outcome(name, fitter, x, t_x, big_t, penalty=penalty)
            for name, fitter in PURCHASE_FITTERS.items()}


def choose_models(people: pd.DataFrame, penalty: float, segment_rates_available: bool) -> ModelChoice:
    """Fit every model on the full history and pick the ones the data identify (module docstring)."""
    x, t_x, big_t, repeat_value = summary_columns(people)
    outcomes = fit_purchase_outcomes(x, t_x, big_t, penalty)
    outcomes["gamma_gamma"] = fit_outcome("gamma_gamma", clv.fit_gamma_gamma, x, repeat_value, penalty=penalty)
    chosen = choose(outcomes, PURCHASE_PREFERENCE)
    purchase = chosen.model if chosen else (FALLBACK_MODEL if segment_rates_available else None)
    spend = "gamma_gamma" if outcomes["gamma_gamma"].identified else FALLBACK_SPEND
    return ModelChoice(outcomes, purchase, spend)


def average_spend(people: pd.DataFrame) -> float:
    """Revenue per purchase day over everybody (the spend fallback)."""
    purchases = float((people["frequency"].astype(float) + 1).sum())
    return float(people["monetary"].astype(float).sum()) / purchases if purchases else 0.0


def churn_risk(p_no_purchase: np.ndarray, settings: ClvSettings) -> np.ndarray:
    """low / medium / high from P(no purchase in CHURN_DAYS) and the declared bands."""
    return np.where(p_no_purchase >= settings.churn_high_from, "high",
                    np.where(p_no_purchase >= settings.churn_medium_from, "medium", "low"))


def _discounted_months(months: int, rate: float) -> float:
    return float(clv.discount_factors(months, rate).sum())


def _model_columns(fit: clv.PurchaseFit, spend: np.ndarray, x, t_x, big_t, settings: ClvSettings) -> dict:
    """The purchase model's columns (revenue before margin)."""
    columns = {"p_alive": clv.p_alive(fit, x, t_x, big_t)}
    for days in PROFILE_DAYS:
        columns[f"p_purchase_{days}d"] = next_purchase.p_purchase_within(fit, float(days), x, t_x, big_t)
    monthly = clv.monthly_expected_purchases(fit, PROFILE_MONTHS, x, t_x, big_t)
    columns["expected_purchases_12m"] = monthly.sum(axis=1)
    columns["revenue_12m"] = spend * (monthly @ clv.discount_factors(PROFILE_MONTHS, settings.annual_discount_rate))
    columns["predicted_revenue"] = (columns["revenue_12m"] if settings.horizon_months == PROFILE_MONTHS else
                                    clv.predicted_clv(fit, spend, x, t_x, big_t,
                                                      horizon_months=settings.horizon_months, gross_margin=1.0,
                                                      annual_discount_rate=settings.annual_discount_rate))
    columns["value_given_purchase"] = next_purchase.value_given_purchase(
        fit, spend, x, t_x, big_t, horizon_months=settings.horizon_months, gross_margin=1.0,
        annual_discount_rate=settings.annual_discount_rate)
    median = next_purchase.median_days_to_next_purchase(fit, x, t_x, big_t)
    columns["next_purchase_days"] = np.where((x > 0) & (median <= PROFILE_MONTHS * clv.DAYS_PER_MONTH),
                                             np.round(median), np.nan)
    return columns


def segment_hazards(pooled: pd.DataFrame, segments: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each person's (horizon in months, return rate) per measured horizon: arrays of shape (people, horizons).

    A segment the mart does not measure takes the rate pooled over every segment at that horizon.
    """
    measured = pooled.loc[pooled["people"] > 0]
    horizons = np.array(sorted(measured["horizon_months"].astype(int).unique()), dtype=float)
    rates = np.empty((len(segments), len(horizons)))
    for column, horizon in enumerate(horizons):
        rows = measured.loc[measured["horizon_months"] == horizon]
        overall = float(rows["returned"].sum()) / float(rows["people"].sum())
        by_segment = dict(zip(rows["rfm_segment"], rows["returned"].astype(float) / rows["people"].astype(float)))
        rates[:, column] = segments.map(by_segment).fillna(overall).to_numpy(dtype=float)
    return horizons, np.minimum(rates, 1.0 - 1e-9)


def _p_within(horizons: np.ndarray, rates: np.ndarray, months: float) -> np.ndarray:
    """P(a purchase within ``months``) from the nearest measured horizon under a constant hazard."""
    column = int(np.argmin(np.abs(horizons - months)))
    return 1.0 - (1.0 - rates[:, column]) ** (months / horizons[column])


def _fallback_columns(people: pd.DataFrame, pooled: pd.DataFrame, spend: np.ndarray,
                      settings: ClvSettings) -> dict:
    horizons, rates = segment_hazards(pooled, people["rfm_segment"])
    columns = {"p_alive": np.full(len(people), np.nan)}
    # each length from its nearest measured horizon; the horizons are measured on different snapshots, so the
    # running maximum keeps P(within 30 days) <= P(within 90) <= P(within 365) as probabilities must be
    within = np.maximum.accumulate(
        np.column_stack([_p_within(horizons, rates, days / clv.DAYS_PER_MONTH) for days in PROFILE_DAYS]), axis=1)
    for column, days in enumerate(PROFILE_DAYS):
        columns[f"p_purchase_{days}d"] = within[:, column]
    longest = len(horizons) - 1
    monthly_rate = -np.log1p(-rates[:, longest]) / horizons[longest] + 0.0  # Poisson purchases a month
    columns["expected_purchases_12m"] = monthly_rate * PROFILE_MONTHS + 0.0  # + 0.0: no -0.0 where the rate is 0
    columns["revenue_12m"] = spend * monthly_rate * _discounted_months(PROFILE_MONTHS, settings.annual_discount_rate)
    columns["predicted_revenue"] = spend * monthly_rate * _discounted_months(settings.horizon_months,
                                                                               settings.annual_discount_rate)
    columns["value_given_purchase"] = spend.copy()
    columns["next_purchase_days"] = np.full(len(people), np.nan)
    return columns


def profile(people: pd.DataFrame, choice: ModelChoice, pooled: pd.DataFrame, settings: ClvSettings
            ) -> pd.DataFrame:
    """The profile of every person of ``people`` (sorted by customer_unique_id), in PROFILE_COLUMNS plus
    ``predicted_revenue``, ``value_given_purchase`` (both before margin), ``monetary`` and the summary columns."""
    x, t_x, big_t, repeat_value = summary_columns(people)
    if choice.spend_model == "gamma_gamma":
        spend = clv.expected_spend(choice.outcomes["gamma_gamma"].fit, x, repeat_value)
    else:
        spend = np.full(len(people), average_spend(people))
    if choice.purchase_model in PURCHASE_PREFERENCE:
        columns = _model_columns(choice.purchase_fit, spend, x, t_x, big_t, settings)
    else:
        columns = _fallback_columns(people, pooled, spend, settings)
    as_of = pd.to_datetime(people["as_of_date"])
    next_days = pd.Series(pd.to_timedelta(columns.pop("next_purchase_days"), unit="D"), index=people.index)
    next_date = (as_of + next_days).dt.date.where(next_days.notna(), None)
    frame = pd.DataFrame({
        "customer_unique_id": people["customer_unique_id"].astype(str).to_numpy(),
        "rfm_segment": people["rfm_segment"].astype(str).to_numpy(),
        "as_of_date": as_of.dt.date.to_numpy(),
        "model": choice.purchase_model,
        "spend_model": choice.spend_model,
        **{name: columns[name] for name in ("p_alive", "p_purchase_30d", "p_purchase_90d", "p_purchase_365d",
                                             "expected_purchases_12m")},
        "expected_spend_per_purchase": spend,
        "predicted_clv_12m": settings.gross_margin * columns["revenue_12m"],
        "churn_risk": churn_risk(1.0 - columns[f"p_purchase_{CHURN_DAYS}d"], settings),
        "expected_next_purchase_date": next_date.to_numpy(dtype=object),
        "avg_days_between_purchases": np.where(x > 0, t_x / np.where(x > 0, x, 1.0), np.nan),
        "predicted_revenue": columns["predicted_revenue"],
        "predicted_clv": settings.gross_margin * columns["predicted_revenue"],
        "value_given_purchase": columns["value_given_purchase"],
        "monetary": people["monetary"].astype(float).to_numpy(),
        "frequency": x, "recency": t_x, "tenure": big_t, "repeat_value": repeat_value,
    })
    return frame
