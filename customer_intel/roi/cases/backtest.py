"""The backtest of the purchase models on the holdout: how far to trust the predictions.

The purchase models (MBG/NBD, the main one, and BG/NBD) are fitted on the calibration columns of ``clv_inputs``: the
people whose first purchase falls before ``calibration_end_date``; each identified one predicts those people's
purchases over the holdout (``as_of_date - calibration_end_date`` days), compared with ``holdout_purchases``: in
total, by number of calibration repeat purchases (0 .. 6+), per RFM segment at the calibration end
(``calibration_rfm_segment``: the segment as of the as-of date would partly reflect the holdout purchases
themselves), and as the share of holdout buyers found in the top decile of predicted purchases (ties broken by
customer_unique_id). Models the calibration period does not identify are left out of the comparison; with none
identified, or nobody buying in the holdout, the backtest is unavailable with the reason.

Each model's probability of at least one holdout purchase is also scored (``clv.probability_scores``: AUC, Brier
score, log loss; ``clv.calibration_by_decile``) beside a **baseline that needs no model**: each person's
probability is the organic return rate of their segment at the calibration end, measured on the calibration period
only (``baseline_rates``).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from customer_intel import clv
from customer_intel.clv.backtest import ranking
from customer_intel.clv.next_purchase import p_purchase_within
from customer_intel.clv.selection import FitOutcome
from customer_intel.roi.cases import predictive_profile as profiles
from customer_intel.roi.errors import RoiError

TOP_GROUP = 6
NONE_IDENTIFIED = "no purchase model is identified on the calibration period"
BASELINE = "baseline"  # the model name of the no-model baseline in the tables
BACKTEST_COLUMNS = ("table", "model", "group", "people", "actual_purchases", "predicted_purchases", "actual_mean",
                    "predicted_mean", "holdout_buyers", "share_of_holdout_buyers", "mean_p_purchase", "share_bought",
                    "auc", "brier_score", "log_loss", "top_decile_capture", "relative_error")


@dataclass(frozen=True)
class Baseline:
    """The no-model prediction: P(at least one holdout purchase) = the organic return rate of the person's segment
    at the calibration end, pooled over the snapshots of segment_reactivation whose window of the holdout's length in
    months ends by the calibration end (so no holdout purchase is used), then rescaled from the measured window
    (``measured_days`` on average) to the holdout's days under a constant hazard: 1 - (1 - rate) ** (days / measured).
    A segment not measured gets the rate over everyone measured (``default_rate``)."""

    rates: dict[str, float]  # segment → probability over the holdout
    default_rate: float
    horizon_months: int
    snapshots: tuple[dt.date, ...]  # snapshot dates pooled
    person_snapshots: int
    measured_days: float


@dataclass(frozen=True)
class Scores:
    """How well one model's (or the baseline's) probabilities of a holdout purchase did."""

    probabilities: clv.ProbabilityScores
    capture: clv.TopDecileCapture
    deciles: pd.DataFrame  # clv.calibration_by_decile

@dataclass(frozen=True)
class Backtest:
    """The holdout comparison of every identified purchase model."""

    holdout_days: int
    people: int
    calibration_end: pd.Timestamp  # the models are fitted on the purchases before it
    totals: dict[str, clv.BacktestTotals]
    capture: dict[str, clv.TopDecileCapture]
    table: pd.DataFrame  # BACKTEST_COLUMNS (no rows when the backtest is unavailable)
    unavailable: str | None = None  # why there is no backtest (no calibration model identified, ...), else None
    scores: dict[str, Scores] = field(default_factory=dict)  # model or BASELINE → scores
    baseline: Baseline | None = None
    notes: tuple[str, ...] = ()  # what is missing and why (no baseline, no per-segment rows)

    @property
    def model(self) -> str | None:
        """The model the verdict is about: the main model when it was checked, else the other."""
        return next((name for name in profiles.PURCHASE_PREFERENCE if name in self.totals), None)


def holdout_days(people: pd.DataFrame) -> int:
    """Days from the calibration end to the as-of date (the same on every row of the mart)."""
    days = (pd.to_datetime(people["as_of_date"]) - pd.to_datetime(people["calibration_end_date"])).dt.days.unique()
    if len(days) != 1 or days[0] <= 0:
        raise RoiError("marts: clv_inputs must have one calibration end date before the as-of date: run dbt build")
    return int(days[0])


def holdout_months(people: pd.DataFrame) -> int:
    """Whole months from the calibration end (a first day of a month) to the month of the as-of date."""
    end = pd.Timestamp(people["calibration_end_date"].iloc[0])
    as_of = pd.Timestamp(people["as_of_date"].iloc[0])
    return (as_of.year - end.year) * 12 + as_of.month - end.month


def baseline_rates(reactivation: pd.DataFrame, calibration_end: pd.Timestamp, months: int,
                   days: int) -> Baseline | str:
    """The baseline's rate per segment from ``segment_reactivation`` rows (snapshot_date, rfm_segment,
    horizon_months, observed_until, people, returned), or why there is none (see ``Baseline``)."""
    rows = reactivation.loc[(reactivation["horizon_months"] == months)
                            & (pd.to_datetime(reactivation["observed_until"]) <= calibration_end)
                            & (reactivation["people"] > 0)]
    if rows.empty:
        if not (reactivation["horizon_months"] == months).any():
            return (f"segment_reactivation measures no return within {months} months, the holdout's length: add "
                    f"{months} to var reactivation_horizons_months")
        return (f"no segment_history snapshot lies {months} months before the calibration end "
                f"({calibration_end:%Y-%m-%d}), so no return rate is measured on the calibration period alone: "
                f"raise var segment_history_months to at least {2 * months}")
    window = (pd.to_datetime(rows["observed_until"]) - pd.to_datetime(rows["snapshot_date"])).dt.days
    measured_days = float((window * rows["people"]).sum() / rows["people"].sum())
    pooled = rows.groupby("rfm_segment")[["people", "returned"]].sum()

    def over_holdout(returned, people) -> float:
        return float(1 - (1 - returned / people) ** (days / measured_days))

    rates = {segment: over_holdout(row.returned, row.people) for segment, row in pooled.iterrows()}
    return Baseline(rates, over_holdout(pooled["returned"].sum(), pooled["people"].sum()), months,
                    tuple(sorted(pd.to_datetime(rows["snapshot_date"]).dt.date.unique())), int(rows["people"].sum()),
                    measured_days)


def _group_rows(table: str, model: str, frame: pd.DataFrame, key: str, labels, buyers: np.ndarray) -> pd.DataFrame:
    """A comparison table in BACKTEST_COLUMNS; ``labels`` = each person's group, to count the holdout buyers."""
    labels = pd.Series(np.asarray(labels)).astype(str)
    buyers_per_group = labels[buyers].value_counts()
    out = frame.rename(columns={key: "group"}).assign(table=table, model=model)
    out["group"] = out["group"].astype(str)
    out["holdout_buyers"] = out["group"].map(buyers_per_group).fillna(0).astype("int64")
    out["share_of_holdout_buyers"] = out["holdout_buyers"] / int(buyers.sum())
    return out.reindex(columns=list(BACKTEST_COLUMNS))


def _summary_row(group: str, actual: np.ndarray, predicted: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"group": [group], "people": [len(actual)], "actual_purchases": [actual.sum()],
                         "predicted_purchases": [predicted.sum()], "actual_mean": [actual.mean()],
                         "predicted_mean": [predicted.mean()]})


def repeat_group_labels(frequency: np.ndarray) -> list[str]:
    """The label of each person's row in the table by calibration repeat purchases: "0" .. "5", "6+"."""
    groups = np.minimum(frequency, TOP_GROUP).astype(int)
    return [f"{g}+" if g == TOP_GROUP else str(g) for g in groups]


def _score_rows(name: str, scores: Scores, buyers: int, totals: clv.BacktestTotals | None) -> list[pd.DataFrame]:
    """A scorer's rows of the long table: its calibration by decile and its scores."""
    deciles = scores.deciles
    calibration = pd.DataFrame({
        "table": "calibration_by_decile", "model": name, "group": deciles["decile"].astype(str),
        "people": deciles["people"], "holdout_buyers": deciles["bought"],
        "share_of_holdout_buyers": deciles["bought"] / buyers, "mean_p_purchase": deciles["mean_predicted"],
        "share_bought": deciles["share_bought"]})
    probabilities = scores.probabilities
    summary = pd.DataFrame([{
        "table": "scores", "model": name, "group": "all", "people": probabilities.people,
        "actual_purchases": None if totals is None else totals.actual_purchases,
        "predicted_purchases": None if totals is None else totals.predicted_purchases,
        "holdout_buyers": probabilities.buyers, "share_of_holdout_buyers": 1.0,
        "mean_p_purchase": probabilities.mean_predicted, "share_bought": probabilities.share_bought,
        "auc": probabilities.auc, "brier_score": probabilities.brier, "log_loss": probabilities.log_loss,
        "top_decile_capture": scores.capture.share,
        "relative_error": None if totals is None else totals.relative_error}])
    return [calibration, summary]


def _scores(probability: np.ndarray, actual: np.ndarray, ids: np.ndarray) -> Scores:
    bought = (actual > 0).astype(float)
    return Scores(clv.probability_scores(probability, bought), clv.top_decile_capture(probability, actual, ids),
                  clv.calibration_by_decile(probability, bought, tie_break=ids))


def compute(people: pd.DataFrame, penalty: float = 0.0,
            reactivation: pd.DataFrame | None = None) -> tuple[Backtest, dict[str, FitOutcome]]:
    """Fit on the calibration columns, predict the holdout and compare (see the module docstring). The models that
    are not identified are left out of the comparison; with none identified the backtest is unavailable.
    ``reactivation`` = segment_reactivation, for the baseline (none without it)."""
    days = holdout_days(people)
    end = pd.Timestamp(people["calibration_end_date"].iloc[0])
    calibration = people.loc[people["is_in_calibration"].astype(bool)].reset_index(drop=True)
    x = calibration["calibration_frequency"].to_numpy(dtype=float)
    t_x = calibration["calibration_recency"].to_numpy(dtype=float)
    big_t = calibration["calibration_tenure"].to_numpy(dtype=float)
    actual = calibration["holdout_purchases"].to_numpy(dtype=float)
    ids = calibration["customer_unique_id"].to_numpy(dtype=str)
    buyers = actual > 0
    if calibration.empty:
        return _unavailable(days, end, 0, "nobody bought before the calibration end date (lower var "
                            "clv_holdout_months)"), {}
    outcomes = profiles.fit_purchase_outcomes(x, t_x, big_t, penalty)
    if not buyers.any():
        return _unavailable(days, end, len(actual), "nobody in the calibration period bought in the holdout, so there "
                            "is nothing to check"), outcomes
    fits = {name: outcome.fit for name, outcome in outcomes.items() if outcome.identified}
    if not fits:
        return _unavailable(days, end, len(actual), NONE_IDENTIFIED), outcomes
    segments = calibration["calibration_rfm_segment"]
    notes = []
    if segments.isna().any():
        segments = None
        notes.append(f"no per-segment rows and no baseline: the calibration end ({end:%Y-%m-%d}) is not a snapshot "
                     "of segment_history, so nobody's segment there is known (var clv_holdout_months must be a "
                     "multiple of segment_history_step_months and at most segment_history_months)")
    repeat_labels = repeat_group_labels(x)
    totals, capture, scores, tables = {}, {}, {}, []
    for name, fit in fits.items():
        predicted = clv.expected_purchases(fit, days, x, t_x, big_t)
        totals[name] = clv.backtest_totals(actual, predicted)
        capture[name] = clv.top_decile_capture(predicted, actual, tie_break=ids)
        top = ranking(predicted, ids)[:capture[name].top_decile_people]
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
        ]
        if segments is not None:
            tables.append(_group_rows("by_calibration_rfm_segment", name,
                                      clv.backtest_by_group(segments, actual, predicted, group_name="rfm_segment"),
                                      "rfm_segment", segments, buyers))
        scores[name] = _scores(p_purchase_within(fit, days, x, t_x, big_t), actual, ids)
        tables += _score_rows(name, scores[name], int(buyers.sum()), totals[name])
    baseline = None
    if segments is not None:
        measured = (baseline_rates(reactivation, end, holdout_months(people), days) if reactivation is not None
                    else "segment_reactivation was not read")
        if isinstance(measured, str):
            notes.append(f"no baseline: {measured}")
        else:
            baseline = measured
            probability = clv.baseline_probability(segments, baseline.rates, baseline.default_rate)
            scores[BASELINE] = _scores(probability, actual, ids)
            tables += _score_rows(BASELINE, scores[BASELINE], int(buyers.sum()), None)
    table = pd.DataFrame([row for frame in tables for row in frame.to_dict("records")], columns=list(BACKTEST_COLUMNS))
    for column in ("people", "holdout_buyers"):
        table[column] = table[column].astype("int64")
    return (Backtest(days, len(actual), end, totals, capture, table, scores=scores, baseline=baseline,
                     notes=tuple(notes)), outcomes)


def _unavailable(days: int, end: pd.Timestamp, people: int, reason: str) -> Backtest:
    return Backtest(days, people, end, {}, {}, pd.DataFrame(columns=list(BACKTEST_COLUMNS)), unavailable=reason)
