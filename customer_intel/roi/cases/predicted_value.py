"""Predicted customer lifetime value: the backtest, the model choice and every person's predictive profile.

Input: one row per purchaser from the ``clv_inputs`` mart with their RFM segment (``marts.read_clv_people``).

1. Backtest (``backtest``): the purchase models fitted on the calibration period, checked on the holdout.
2. Forward view (``predictive_profile``): the models and Gamma-Gamma are refitted on the full-history columns, the
   first model the data identify is used (else a fallback with no model), and every person gets a profile: the
   ``customer_predictions`` table. ``predicted_clv`` = gross margin x discounted predicted revenue over
   ``clv.horizon_months`` (``customer_intel.clv.value`` defines it).
3. Per segment (``by_segment``): historical beside predicted value, P(purchase in 90 days), churn-risk mix.

A model that cannot be fitted or identified never stops the run: its state is reported (``clv_model_parameters.csv``
and one sentence of the report) and the next model is used. Columns that can be empty are documented in
``predictive_profile``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import pandas as pd

from customer_intel import clv
from customer_intel.clv.selection import FitOutcome
from customer_intel.clv.intervals import Interval, interval_of_totals, mean_value_given_purchase_draws
from customer_intel.clv.uncertainty import ParameterUncertainty, parameter_uncertainty
from customer_intel.roi.cases import backtest as holdout
from customer_intel.roi.cases import predictive_profile as profiles
from customer_intel.roi.cases.predictive_profile import ClvSettings
from customer_intel.roi.errors import RoiError

MAIN_MODEL = profiles.PURCHASE_PREFERENCE[0]
DRAWS = 200  # parameter draws for the P10 / P90 of predictions
EXTRA_COLUMNS = ("predicted_revenue", "predicted_clv", "value_given_purchase", "monetary", "frequency", "recency",
                 "tenure", "repeat_value")
VALUE_DRAWS_STREAM = 2  # the random stream of the value draws (seeded with monte_carlo.seed)
CHURN_RISKS = ("low", "medium", "high")

__all__ = ["MAIN_MODEL", "ClvSettings", "PredictedValue", "ValueDraws", "by_segment", "compute", "value_draws"]


@dataclass(frozen=True)
class PredictedValue:
    """Everything the CLV outputs, the customer_predictions table and the report section show."""

    settings: ClvSettings
    backtest: holdout.Backtest
    calibration_outcomes: dict[str, FitOutcome]
    choice: profiles.ModelChoice
    predictions: pd.DataFrame  # profiles.PROFILE_COLUMNS plus predicted_revenue, value_given_purchase, monetary
    by_segment: pd.DataFrame
    people: int  # purchasers fitted on the full history
    repeat_buyers: int  # of whom bought on more than one day
    uncertainty: dict[tuple[str, str], ParameterUncertainty]  # (fit, model) → standard errors and 95 % intervals
    intervals: PredictionIntervals | None = None
    # Gamma-Gamma's assumption, checked: Pearson correlation of frequency and mean repeat spend among repeat buyers
    # (None with fewer than 3 of them, or no variation)
    spend_frequency_correlation: float | None = None

    @property
    def available(self) -> bool:
        return self.choice.purchase_model is not None


@dataclass(frozen=True)
class PredictionIntervals:
    """P10 / P90 over draws of the fitted parameters from their sampling distribution (``clv.uncertainty``):
    predicted CLV per segment and the backtest's predicted holdout purchases per model; ``note`` says what is
    missing and why."""

    clv_by_segment: pd.DataFrame  # rfm_segment, predicted_clv_p10, predicted_clv_p90 (BRL of margin)
    backtest_purchases: dict[str, Interval]  # model → predicted holdout purchases
    draws: int
    note: str


@dataclass(frozen=True)
class ValueDraws:
    """The mean value given a purchase (revenue before margin) of a group of people under parameter draws: what the
    win-back Monte Carlo draws the value of a reactivated buyer from. ``values`` is None when there are no draws,
    and ``note`` says why (or what was left out)."""

    values: np.ndarray | None
    note: str

    @property
    def p10_p90(self) -> tuple[float, float] | None:
        return None if self.values is None else tuple(float(v) for v in np.percentile(self.values, [10, 90]))


def value_draws(predicted: PredictedValue, targets: pd.DataFrame) -> ValueDraws:
    """DRAWS draws of the targets' mean ``value_given_purchase`` from the sampling distribution of the parameters
    the predictions use (``clv.intervals.mean_value_given_purchase_draws``); ``targets`` are rows of
    ``predictions``. Draws with no finite mean spend are left out (the note counts them)."""
    choice = predicted.choice
    if choice.purchase_model not in profiles.PURCHASE_PREFERENCE or choice.spend_model != "gamma_gamma":
        return ValueDraws(None, "the predictions use no model, so there is no parameter uncertainty to draw from")
    purchase = predicted.uncertainty.get(("full", choice.purchase_model))
    spend = predicted.uncertainty.get(("full", "gamma_gamma"))
    missing = [f"{name} was not fitted" if u is None else u.note
               for name, u in ((choice.purchase_model, purchase), ("gamma_gamma", spend))
               if u is None or not u.available]
    if missing or targets.empty:
        return ValueDraws(None, "; ".join(missing) or "there are no targets")
    settings = predicted.settings
    try:
        values = mean_value_given_purchase_draws(
            choice.purchase_fit, purchase, choice.outcomes["gamma_gamma"].fit, spend,
            *(targets[c].to_numpy(dtype=float) for c in ("frequency", "recency", "tenure", "repeat_value")),
            horizon_months=settings.horizon_months, annual_discount_rate=settings.annual_discount_rate, draws=DRAWS,
            rng=np.random.default_rng([settings.seed, VALUE_DRAWS_STREAM]))
    except clv.ClvError as exc:  # a draw far out in a flat likelihood: no usable distribution
        return ValueDraws(None, str(exc))
    finite = values[np.isfinite(values)]
    left_out = len(values) - len(finite)
    note = f"{left_out} of {len(values)} draws have no finite mean spend and are left out" if left_out else ""
    return ValueDraws(finite if len(finite) else None, note or ("" if len(finite) else "no draw is finite"))


def by_segment(predictions: pd.DataFrame) -> pd.DataFrame:
    """Historical beside predicted value per RFM segment, most predicted value first, with each segment's mean
    P(purchase in 90 days), churn-risk mix and median expected next purchase date (empty where nobody has one)."""
    frame = predictions.assign(
        **{f"share_{risk}_churn_risk": predictions["churn_risk"] == risk for risk in CHURN_RISKS},
        next_purchase=pd.to_datetime(predictions["expected_next_purchase_date"]))
    table = (frame.groupby("rfm_segment", as_index=False)
             .agg(people=("customer_unique_id", "size"), revenue=("monetary", "sum"),
                  predicted_revenue=("predicted_revenue", "sum"), predicted_clv=("predicted_clv", "sum"),
                  avg_p_alive=("p_alive", "mean"), expected_purchases_12m=("expected_purchases_12m", "sum"),
                  avg_p_purchase_90d=("p_purchase_90d", "mean"),
                  **{f"share_{risk}_churn_risk": (f"share_{risk}_churn_risk", "mean") for risk in CHURN_RISKS},
                  median_expected_next_purchase_date=("next_purchase", "median")))
    table["avg_monetary"] = table["revenue"] / table["people"]
    table["avg_predicted_clv"] = table["predicted_clv"] / table["people"]
    table["predicted_clv_share"] = (table["predicted_clv"] / table["predicted_clv"].sum()
                                    if table["predicted_clv"].sum() > 0 else 0.0)
    table["revenue_share"] = table["revenue"] / table["revenue"].sum()
    table["median_expected_next_purchase_date"] = table["median_expected_next_purchase_date"].dt.date
    columns = ["rfm_segment", "people", "revenue", "avg_monetary", "revenue_share", "expected_purchases_12m",
               "predicted_revenue", "predicted_clv", "avg_predicted_clv", "predicted_clv_share", "avg_p_alive",
               "avg_p_purchase_90d", *(f"share_{risk}_churn_risk" for risk in CHURN_RISKS),
               "median_expected_next_purchase_date"]
    return table.sort_values(["predicted_clv", "rfm_segment"], ascending=[False, True], ignore_index=True)[columns]


def compute(people: pd.DataFrame, settings: ClvSettings, pooled: pd.DataFrame | None = None,
            reactivation: pd.DataFrame | None = None) -> PredictedValue:
    """Backtest, model choice, every person's profile and the segment table. Never raises for want of a model: a
    model the data cannot identify is reported and the next one used (``predictive_profile``); ``pooled`` =
    segment_reactivation_pooled, for the fallback with no model; ``reactivation`` = segment_reactivation, for the
    backtest's no-model baseline."""
    if people.empty:
        raise RoiError("marts: clv_inputs is empty: load data with orders, then run dbt build")
    if not people["customer_unique_id"].is_monotonic_increasing:  # read_clv_people sorts; other callers may not
        people = people.sort_values("customer_unique_id", ignore_index=True)
    pooled = pooled if pooled is not None else pd.DataFrame(columns=["rfm_segment", "horizon_months", "people",
                                                                     "returned"])
    checked, calibration_outcomes = holdout.compute(people, settings.penalty, reactivation)
    try:
        choice = profiles.choose_models(people, settings.penalty, bool((pooled["people"] > 0).any()))
        predictions = (profiles.profile(people, choice, pooled, settings) if choice.purchase_model is not None
                       else pd.DataFrame(columns=list(profiles.PROFILE_COLUMNS) + list(EXTRA_COLUMNS)))
    except clv.ClvError as exc:  # an input the models reject (not a fit that fails): the marts are inconsistent
        raise RoiError(f"clv: {exc}") from exc
    uncertainty = parameter_uncertainties(people, calibration_outcomes, choice.outcomes)
    intervals = prediction_intervals(people, checked, calibration_outcomes, choice, uncertainty, settings)
    segments = by_segment(predictions)
    if not segments.empty:
        segments = segments.merge(intervals.clv_by_segment, on="rfm_segment", how="left")
    return PredictedValue(settings, checked, calibration_outcomes, choice, predictions, segments,
                          people=len(people), repeat_buyers=int((people["frequency"] > 0).sum()),
                          uncertainty=uncertainty, intervals=intervals,
                          spend_frequency_correlation=spend_frequency_correlation(people))


def spend_frequency_correlation(people: pd.DataFrame) -> float | None:
    """Pearson correlation between frequency and the mean repeat spend among repeat buyers: Gamma-Gamma assumes
    the two independent. None with fewer than 3 repeat buyers or when either does not vary."""
    repeat = people.loc[people["frequency"] > 0]
    frequency = repeat["frequency"].to_numpy(dtype=float)
    spend = repeat["avg_repeat_purchase_value"].to_numpy(dtype=float)
    if len(repeat) < 3 or np.ptp(frequency) == 0 or np.ptp(spend) == 0:
        return None
    return float(np.corrcoef(frequency, spend)[0, 1])


def prediction_intervals(people: pd.DataFrame, checked: holdout.Backtest, calibration_outcomes: dict[str, FitOutcome],
                         choice: profiles.ModelChoice, uncertainty: dict[tuple[str, str], ParameterUncertainty],
                         settings: ClvSettings) -> PredictionIntervals:
    """P10 / P90 of predicted CLV per segment (the models the predictions use) and of each backtested model's
    predicted holdout purchases. Needs a purchase model and Gamma-Gamma with an interval each (the spend draws
    do not change the purchases); otherwise the note says why there is none."""
    empty = pd.DataFrame(columns=["rfm_segment", "predicted_clv_p10", "predicted_clv_p90"])
    spend = uncertainty.get(("full", "gamma_gamma"))
    if choice.spend_model != "gamma_gamma" or spend is None or not spend.available:
        return PredictionIntervals(empty, {}, DRAWS, "no interval: Gamma-Gamma has none on these data")
    spend_fit = choice.outcomes["gamma_gamma"].fit
    notes, by_model = [], {}
    rng = np.random.default_rng(settings.seed)
    purchase = uncertainty.get(("full", choice.purchase_model or ""))
    if purchase is not None and purchase.available:
        x, t_x, big_t, repeat_value = profiles.summary_columns(people)
        try:
            totals = interval_of_totals(choice.purchase_fit, purchase, spend_fit, spend, x, t_x, big_t, repeat_value,
                                        groups=people["rfm_segment"].astype(str).to_numpy(),
                                        horizon_months=settings.horizon_months, gross_margin=settings.gross_margin,
                                        annual_discount_rate=settings.annual_discount_rate, draws=DRAWS, rng=rng)
        except clv.ClvError as exc:  # a draw far out in a flat likelihood: the interval is not usable
            clv_segments = empty
            notes.append(f"no interval of predicted CLV ({exc})")
        else:
            clv_segments = totals.clv_by_group.rename(columns={"p10": "predicted_clv_p10",
                                                               "p90": "predicted_clv_p90"})
            clv_segments = clv_segments.rename_axis("rfm_segment").reset_index()[list(empty.columns)]
            if totals.note:
                notes.append(totals.note)
    else:
        clv_segments = empty
        notes.append(f"no interval of predicted CLV: {choice.purchase_model or 'no model'} has none on these data")
    calibration = people.loc[people["is_in_calibration"].astype(bool)]
    for model in checked.totals:
        model_uncertainty = uncertainty.get(("calibration", model))
        if model_uncertainty is None or not model_uncertainty.available:
            notes.append(f"no interval of the backtest for {model}")
            continue
        columns = [calibration[c].to_numpy(dtype=float) for c in
                   ("calibration_frequency", "calibration_recency", "calibration_tenure")]
        # only the purchases are used: the spend draws (on placeholder values) do not change them
        try:
            totals = interval_of_totals(calibration_outcomes[model].fit, model_uncertainty, spend_fit, spend,
                                        *columns, np.zeros(len(calibration)), t=float(checked.holdout_days),
                                        horizon_months=1, gross_margin=settings.gross_margin,
                                        annual_discount_rate=settings.annual_discount_rate, draws=DRAWS, rng=rng)
        except clv.ClvError as exc:
            notes.append(f"no interval of the backtest for {model} ({exc})")
            continue
        by_model[model] = totals.expected_purchases
    return PredictionIntervals(clv_segments, by_model, DRAWS, "; ".join(notes))


def parameter_uncertainties(people: pd.DataFrame, calibration: dict[str, FitOutcome],
                            full: dict[str, FitOutcome]) -> dict[tuple[str, str], ParameterUncertainty]:
    """Standard errors and 95 % intervals of every fit that was made, keyed by (fit, model): "calibration" on the
    calibration columns of the people who bought before the calibration end, "full" on the full history."""
    in_calibration = people.loc[people["is_in_calibration"].astype(bool)]
    columns = {
        "calibration": [in_calibration[c].to_numpy(dtype=float) for c in
                        ("calibration_frequency", "calibration_recency", "calibration_tenure")],
        "full": [people[c].to_numpy(dtype=float) for c in ("frequency", "recency", "tenure")],
    }
    spend_columns = [people["frequency"].to_numpy(dtype=float),
                     people["avg_repeat_purchase_value"].to_numpy(dtype=float)]
    result = {}
    for fit_name, outcomes in (("calibration", calibration), ("full", full)):
        for model, outcome in outcomes.items():
            if outcome.fit is not None:
                summary = spend_columns if model == "gamma_gamma" else columns[fit_name]
                result[fit_name, model] = parameter_uncertainty(outcome.fit, *summary)
    return result
