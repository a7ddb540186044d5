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

import pandas as pd

from customer_intel import clv
from customer_intel.clv.selection import FitOutcome
from customer_intel.clv.uncertainty import ParameterUncertainty, parameter_uncertainty
from customer_intel.roi.cases import backtest as holdout
from customer_intel.roi.cases import predictive_profile as profiles
from customer_intel.roi.cases.predictive_profile import ClvSettings
from customer_intel.roi.errors import RoiError

MAIN_MODEL = profiles.PURCHASE_PREFERENCE[0]
EXTRA_COLUMNS = ("predicted_revenue", "predicted_clv", "value_given_purchase", "monetary", "frequency", "recency",
                 "tenure")
CHURN_RISKS = ("low", "medium", "high")

__all__ = ["MAIN_MODEL", "ClvSettings", "PredictedValue", "by_segment", "compute"]


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

    @property
    def available(self) -> bool:
        return self.choice.purchase_model is not None


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


def compute(people: pd.DataFrame, settings: ClvSettings, pooled: pd.DataFrame | None = None) -> PredictedValue:
    """Backtest, model choice, every person's profile and the segment table. Never raises for want of a model: a
    model the data cannot identify is reported and the next one used (``predictive_profile``); ``pooled`` =
    segment_reactivation_pooled, for the fallback with no model."""
    if people.empty:
        raise RoiError("marts: clv_inputs is empty: load data with orders, then run dbt build")
    people = people.sort_values("customer_unique_id", ignore_index=True)
    pooled = pooled if pooled is not None else pd.DataFrame(columns=["rfm_segment", "horizon_months", "people",
                                                                     "returned"])
    checked, calibration_outcomes = holdout.compute(people, settings.penalty)
    try:
        choice = profiles.choose_models(people, settings.penalty, bool((pooled["people"] > 0).any()))
        predictions = (profiles.profile(people, choice, pooled, settings) if choice.purchase_model is not None
                       else pd.DataFrame(columns=list(profiles.PROFILE_COLUMNS) + list(EXTRA_COLUMNS)))
    except clv.ClvError as exc:  # an input the models reject (not a fit that fails): the marts are inconsistent
        raise RoiError(f"clv: {exc}") from exc
    return PredictedValue(settings, checked, calibration_outcomes, choice, predictions, by_segment(predictions),
                          people=len(people), repeat_buyers=int((people["frequency"] > 0).sum()),
                          uncertainty=parameter_uncertainties(people, calibration_outcomes, choice.outcomes))


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
