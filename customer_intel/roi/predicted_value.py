"""Predicted customer lifetime value in the ROI tool: backtest on the holdout, forward predictions, win-back list.

Input: one row per purchaser from the ``clv_inputs`` mart with their RFM segment (``marts.read_clv_people``).

1. Backtest. The purchase models (MBG/NBD, the main one, and BG/NBD) are fitted on the calibration columns of the
   people whose first purchase falls before ``calibration_end_date``; each identified one predicts those people's
   purchases over the holdout (``as_of_date - calibration_end_date`` days), compared with ``holdout_purchases``: in
   total, by number of calibration repeat purchases (0 .. 6+), per RFM segment, and as the share of holdout buyers
   found in the top decile of predicted purchases (ties broken by customer_unique_id).
2. Forward view (``predictive_profile``): the models and Gamma-Gamma are refitted on the full-history columns, the
   first model the data identify is used (else a fallback with no model), and every person gets a profile: the
   ``customer_predictions`` table. ``predicted_clv`` = gross margin x discounted predicted revenue over
   ``clv.horizon_months`` (``customer_intel.clv.value`` defines it).
3. Win-back contact list. Each target's expected incremental value = (success rate - the organic return rate of the
   target's segment) x value of a reactivated person x gross margin, where the value is the target's historical
   ``monetary`` (value basis ``historical``) or the revenue the model expects from them GIVEN that they buy at the
   campaign (``predicted``: ``value_given_purchase``, which does not multiply by P(alive) again: the success rate
   already says who buys); the success rate is the middle win-back scenario. Targets are ranked by it and the list
   length that maximises expected net profit at the cost per contact is marked. The business case itself uses the
   mean over the targets of the same value, which gives the same total as adding up each person's value when
   everybody is contacted.

A model that cannot be fitted or identified never stops the run: its state is reported (``clv_model_parameters.csv``
and one sentence of the report) and the next model is used. When no calibration model is identified or nobody
bought in the holdout, the backtest is left out with the reason (``Backtest.unavailable``: a notice, the report says
it and ``clv_backtest.csv`` has no rows). Columns that can be empty are documented in ``predictive_profile``.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from customer_intel import clv
from customer_intel.clv.selection import FitOutcome
from customer_intel.roi import predictive_profile as profiles
from customer_intel.roi.assumptions.kinds import WIN_BACK_VALUE_BASES as VALUE_BASES
from customer_intel.roi.errors import RoiError
from customer_intel.roi.predictive_profile import ClvSettings

EXTRA_COLUMNS = ("predicted_revenue", "predicted_clv", "value_given_purchase", "monetary", "frequency", "recency",
                 "tenure")
CHURN_RISKS = ("low", "medium", "high")

MAIN_MODEL = "mbgnbd"
TOP_GROUP = 6
BACKTEST_COLUMNS = ("table", "model", "group", "people", "actual_purchases", "predicted_purchases", "actual_mean",
                    "predicted_mean", "holdout_buyers", "share_of_holdout_buyers")
PARAMETER_COLUMNS = ("fit", "model", "state", "used", "parameter", "value", "penalty", "log_likelihood", "people",
                     "reason")
CONTACT_COLUMNS = ("rank", "customer_unique_id", "rfm_segment", "favourite_category", "monetary", "p_alive",
                   "predicted_clv", "value_if_reactivated", "organic_rate", "expected_incremental_value",
                   "cumulative_net_profit", "in_optimal_list")


@dataclass(frozen=True)
class Backtest:
    """The holdout comparison of every identified purchase model."""

    holdout_days: int
    people: int
    totals: dict[str, clv.BacktestTotals]
    capture: dict[str, clv.TopDecileCapture]
    table: pd.DataFrame  # BACKTEST_COLUMNS (no rows when the backtest is unavailable)
    unavailable: str | None = None  # why there is no backtest (no calibration model identified, ...), else None

    @property
    def model(self) -> str | None:
        """The model the verdict is about: the main model when it was checked, else the other."""
        return next((name for name in profiles.PURCHASE_PREFERENCE if name in self.totals), None)


@dataclass(frozen=True)
class ContactListResult:
    """The ranked win-back targets under one value basis and the best list length."""

    value_basis: str
    success_rate: float
    table: pd.DataFrame  # CONTACT_COLUMNS, best first
    best_length: int
    best_net_profit: float


@dataclass(frozen=True)
class PredictedValue:
    """Everything the CLV outputs, the customer_predictions table and the report section show."""

    settings: ClvSettings
    backtest: Backtest
    calibration_outcomes: dict[str, FitOutcome]
    choice: profiles.ModelChoice
    choice_text: str  # which model the predictions use and why, one sentence
    predictions: pd.DataFrame  # profiles.PROFILE_COLUMNS plus predicted_revenue, value_given_purchase, monetary
    by_segment: pd.DataFrame

    @property
    def available(self) -> bool:
        return self.choice.purchase_model is not None


def holdout_days(people: pd.DataFrame) -> int:
    """Days from the calibration end to the as-of date (the same on every row of the mart)."""
    days = (pd.to_datetime(people["as_of_date"]) - pd.to_datetime(people["calibration_end_date"])).dt.days.unique()
    if len(days) != 1 or days[0] <= 0:
        raise RoiError("marts: clv_inputs must have one calibration end date before the as-of date: run dbt build")
    return int(days[0])


def _group_rows(table: str, model: str, frame: pd.DataFrame, key: str, labels, buyers: np.ndarray) -> pd.DataFrame:
    """A comparison table in BACKTEST_COLUMNS; ``labels`` = each person's group, to count the holdout buyers."""
    labels = pd.Series(np.asarray(labels)).astype(str)
    buyers_per_group = labels[buyers].value_counts()
    out = frame.rename(columns={key: "group"}).assign(table=table, model=model)
    out["group"] = out["group"].astype(str)
    out["holdout_buyers"] = out["group"].map(buyers_per_group).fillna(0).astype("int64")
    out["share_of_holdout_buyers"] = out["holdout_buyers"] / int(buyers.sum())
    return out[list(BACKTEST_COLUMNS)]


def _summary_row(group: str, actual: np.ndarray, predicted: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"group": [group], "people": [len(actual)], "actual_purchases": [actual.sum()],
                         "predicted_purchases": [predicted.sum()], "actual_mean": [actual.mean()],
                         "predicted_mean": [predicted.mean()]})


def repeat_group_labels(frequency: np.ndarray) -> list[str]:
    """The label of each person's row in the table by calibration repeat purchases: "0" .. "5", "6+"."""
    groups = np.minimum(frequency, TOP_GROUP).astype(int)
    return [f"{g}+" if g == TOP_GROUP else str(g) for g in groups]


def backtest(people: pd.DataFrame, penalty: float = 0.0) -> tuple[Backtest, dict[str, FitOutcome]]:
    """Fit on the calibration columns, predict the holdout and compare (see the module docstring). The models that
    are not identified are left out of the comparison; with none identified the backtest is unavailable."""
    days = holdout_days(people)
    calibration = people.loc[people["is_in_calibration"].astype(bool)].reset_index(drop=True)
    x = calibration["calibration_frequency"].to_numpy(dtype=float)
    t_x = calibration["calibration_recency"].to_numpy(dtype=float)
    big_t = calibration["calibration_tenure"].to_numpy(dtype=float)
    actual = calibration["holdout_purchases"].to_numpy(dtype=float)
    ids = calibration["customer_unique_id"].to_numpy(dtype=str)
    buyers = actual > 0
    if calibration.empty:
        return _unavailable(days, 0, "nobody bought before the calibration end date (lower var clv_holdout_months)"), {}
    outcomes = profiles.fit_purchase_outcomes(x, t_x, big_t, penalty)
    if not buyers.any():
        return _unavailable(days, len(actual), "nobody in the calibration period bought in the holdout, so there "
                            "is nothing to check"), outcomes
    fits = {name: outcome.fit for name, outcome in outcomes.items() if outcome.identified}
    if not fits:
        states = "; ".join(f"{profiles.MODEL_LABELS[name]} is {outcome.describe()}"
                           for name, outcome in outcomes.items())
        return _unavailable(days, len(actual), f"no purchase model is identified on the calibration period: "
                            f"{states}"), outcomes
    segments = calibration["rfm_segment"]
    repeat_labels = repeat_group_labels(x)
    totals, capture, tables = {}, {}, []
    for name, fit in fits.items():
        predicted = clv.expected_purchases(fit, days, x, t_x, big_t)
        totals[name] = clv.backtest_totals(actual, predicted)
        capture[name] = clv.top_decile_capture(predicted, actual, tie_break=ids)
        top = np.lexsort((ids, -predicted))[:capture[name].top_decile_people]
        in_top = np.zeros(len(actual), dtype=bool)
        in_top[top] = True
        decile_label = "top decile of predicted purchases"
        tables += [
            _group_rows("totals", name, _summary_row("all", actual, predicted), "group", ["all"] * len(actual),
                        buyers),
            _group_rows("top_decile_capture", name, _summary_row(decile_label, actual[top], predicted[top]), "group",
                        np.where(in_top, decile_label, "other"), buyers),
            _group_rows("by_calibration_repeat_purchases", name,
                        clv.backtest_by_repeat_purchases(x, actual, predicted, top_group=TOP_GROUP),
                        "calibration_repeat_purchases", repeat_labels, buyers),
            _group_rows("by_rfm_segment", name,
                        clv.backtest_by_group(segments, actual, predicted, group_name="rfm_segment"),
                        "rfm_segment", segments, buyers),
        ]
    table = pd.concat(tables, ignore_index=True)
    table["people"] = table["people"].astype("int64")
    return Backtest(days, len(actual), totals, capture, table), outcomes


def _unavailable(days: int, people: int, reason: str) -> Backtest:
    return Backtest(days, people, {}, {}, pd.DataFrame(columns=list(BACKTEST_COLUMNS)), unavailable=reason)


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


def parameter_table(calibration: dict[str, FitOutcome], choice: profiles.ModelChoice) -> pd.DataFrame:
    """One row per (fit, model, parameter): value, state, penalty, log-likelihood, people fitted and the reason; a
    model that was not fitted has one row with no parameter. ``used`` marks the models the predictions use."""
    rows = []
    used = {choice.purchase_model, choice.spend_model}
    for fit_name, outcomes in (("calibration", calibration), ("full", choice.outcomes)):
        for model, outcome in outcomes.items():
            common = {"fit": fit_name, "model": model, "state": outcome.state,
                      "used": fit_name == "full" and model in used, "reason": outcome.reason}
            if outcome.fit is None:
                rows.append({**common, "parameter": "", "value": None, "penalty": None, "log_likelihood": None,
                             "people": None})
                continue
            for parameter, value in outcome.fit.params.items():
                rows.append({**common, "parameter": parameter, "value": value, "penalty": outcome.fit.penalty,
                             "log_likelihood": outcome.fit.log_likelihood, "people": int(round(outcome.fit.people))})
    table = pd.DataFrame(rows, columns=list(PARAMETER_COLUMNS))
    table["people"] = table["people"].astype("Int64")
    return table


def compute(people: pd.DataFrame, settings: ClvSettings, pooled: pd.DataFrame | None = None) -> PredictedValue:
    """Backtest, model choice, every person's profile and the segment table. Never raises for want of a model: a
    model the data cannot identify is reported and the next one used (``predictive_profile``); ``pooled`` =
    segment_reactivation_pooled, for the fallback with no model."""
    if people.empty:
        raise RoiError("marts: clv_inputs is empty: load data with orders, then run dbt build")
    people = people.sort_values("customer_unique_id", ignore_index=True)
    pooled = pooled if pooled is not None else pd.DataFrame(columns=["rfm_segment", "horizon_months", "people",
                                                                     "returned"])
    checked, calibration_outcomes = backtest(people, settings.penalty)
    try:
        choice = profiles.choose_models(people, settings.penalty, bool((pooled["people"] > 0).any()))
        text = profiles.choice_sentence(choice, len(people), int((people["frequency"] > 0).sum()))
        predictions = (profiles.profile(people, choice, pooled, settings) if choice.purchase_model is not None
                       else pd.DataFrame(columns=list(profiles.PROFILE_COLUMNS) + list(EXTRA_COLUMNS)))
    except clv.ClvError as exc:  # an input the models reject (not a fit that fails): the marts are inconsistent
        raise RoiError(f"clv: {exc}") from exc
    return PredictedValue(settings, checked, calibration_outcomes, choice, text, predictions,
                          by_segment(predictions))


def value_if_reactivated(targets: pd.DataFrame, value_basis: str) -> pd.Series:
    """Value of each target if they buy again, before margin: their historical monetary, or the revenue the model
    expects from them given that they buy at the campaign (``value_given_purchase``, predictive_profile)."""
    if value_basis not in VALUE_BASES:
        raise RoiError(f"assumptions: win_back.value_basis must be one of {', '.join(VALUE_BASES)}")
    return targets["monetary" if value_basis == "historical" else "value_given_purchase"].astype(float)


def targets_with_predictions(targets: pd.DataFrame, predictions: pd.DataFrame) -> pd.DataFrame:
    """The win-back targets with their predictions; a target missing from clv_inputs is an error."""
    columns = ["customer_unique_id", "p_alive", "predicted_clv", "predicted_revenue", "value_given_purchase"]
    merged = targets.merge(predictions[columns], on="customer_unique_id", how="left", validate="one_to_one",
                           indicator=True)
    missing = int((merged.pop("_merge") != "both").sum())
    if missing:
        raise RoiError(f"marts: {missing} win-back target(s) are not in clv_inputs: run dbt build")
    return merged


def contact_list(targets: pd.DataFrame, value_basis: str, success_rate: float, organic_rates: Mapping[str, float],
                 gross_margin: float, cost_per_contact: float) -> ContactListResult:
    """Targets (with predictions) ranked by expected incremental value, and the best list length.

    Expected incremental value = (success rate − the organic return rate of the person's segment) × value if
    reactivated × margin: a person who would have bought anyway adds nothing. A segment the reactivation mart does
    not measure counts an organic rate of 0.
    """
    value = value_if_reactivated(targets, value_basis)
    organic = targets["rfm_segment"].map(organic_rates).fillna(0.0).astype(float)
    expected = (success_rate - organic) * value * gross_margin
    ids = targets["customer_unique_id"].to_numpy(dtype=str)
    try:
        best = clv.optimal_contact_list(expected.to_numpy(), cost_per_contact, tie_break=ids)
    except clv.ClvError as exc:
        raise RoiError(f"clv: {exc}") from exc
    ranked = targets.iloc[best.order].reset_index(drop=True).assign(
        value_if_reactivated=value.iloc[best.order].to_numpy(),
        organic_rate=organic.iloc[best.order].to_numpy(),
        expected_incremental_value=expected.iloc[best.order].to_numpy(),
        cumulative_net_profit=best.cumulative_net_profit,
    )
    ranked.insert(0, "rank", np.arange(1, len(ranked) + 1))
    ranked["in_optimal_list"] = ranked["rank"] <= best.best_length
    return ContactListResult(value_basis, success_rate, ranked[list(CONTACT_COLUMNS)], best.best_length,
                             best.best_net_profit)


def verdict(totals: clv.BacktestTotals, capture: clv.TopDecileCapture) -> str:
    """A plain verdict on the backtest: in total (within 10 % / 25 %) and in ranking (top-decile lift >= 4 / 2)."""
    error = totals.relative_error
    if error is None:
        in_total = "untested in total (nobody bought in the holdout)"
    elif abs(error) <= 0.10:
        in_total = "accurate in total"
    elif abs(error) <= 0.25:
        in_total = "roughly right in total"
    else:
        in_total = "off in total"
    ratio = capture.lift
    if ratio >= 4:
        ranking = "ranks people well"
    elif ratio >= 2:
        ranking = "ranks people better than chance, loosely"
    else:
        ranking = "ranks people little better than chance"
    return f"{in_total}, {ranking}"
