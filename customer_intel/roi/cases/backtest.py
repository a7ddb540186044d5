"""The backtest of the purchase models on the holdout: how far to trust the predictions.

The purchase models (MBG/NBD, the main one, and BG/NBD) are fitted on the calibration columns of ``clv_inputs``: the
people whose first purchase falls before ``calibration_end_date``; each identified one predicts those people's
purchases over the holdout (``as_of_date - calibration_end_date`` days), compared with ``holdout_purchases``: in
total, by number of calibration repeat purchases (0 .. 6+), per RFM segment, and as the share of holdout buyers
found in the top decile of predicted purchases (ties broken by customer_unique_id). Models the calibration period
does not identify are left out of the comparison; with none identified, or nobody buying in the holdout, the
backtest is unavailable with the reason.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from customer_intel import clv
from customer_intel.clv.selection import FitOutcome
from customer_intel.roi.cases import predictive_profile as profiles
from customer_intel.roi.errors import RoiError

TOP_GROUP = 6
NONE_IDENTIFIED = "no purchase model is identified on the calibration period"
BACKTEST_COLUMNS = ("table", "model", "group", "people", "actual_purchases", "predicted_purchases", "actual_mean",
                    "predicted_mean", "holdout_buyers", "share_of_holdout_buyers")


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


def compute(people: pd.DataFrame, penalty: float = 0.0) -> tuple[Backtest, dict[str, FitOutcome]]:
    """Fit on the calibration columns, predict the holdout and compare (see the module docstring). The models that
    are not identified are left out of the comparison; with none identified the backtest is unavailable."""
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
    return Backtest(days, len(actual), end, totals, capture, table), outcomes


def _unavailable(days: int, end: pd.Timestamp, people: int, reason: str) -> Backtest:
    return Backtest(days, people, end, {}, {}, pd.DataFrame(columns=list(BACKTEST_COLUMNS)), unavailable=reason)
