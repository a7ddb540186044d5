"""How far to trust the purchase model: predictions for a holdout period compared with what happened.

The caller fits on the calibration summary (the period that ends before the holdout), predicts each calibration
person's purchases over the holdout length with ``expected_purchases``, and passes the predictions together with the
purchases each person actually made in the holdout. People whose first purchase falls in the holdout are not in the
calibration summary and are not compared. Every table here has no empty group, so no mean is NaN.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from customer_intel.clv._fitting import as_float_array
from customer_intel.clv.errors import ClvError

TABLE_COLUMNS = ("people", "actual_purchases", "predicted_purchases", "actual_mean", "predicted_mean")


@dataclass(frozen=True)
class BacktestTotals:
    people: int
    actual_purchases: float
    predicted_purchases: float

    @property
    def relative_error(self) -> float | None:
        """(predicted - actual) / actual, None when nobody bought in the holdout."""
        if self.actual_purchases == 0:
            return None
        return (self.predicted_purchases - self.actual_purchases) / self.actual_purchases


@dataclass(frozen=True)
class TopDecileCapture:
    people: int
    top_decile_people: int
    holdout_buyers: int
    buyers_captured: int

    @property
    def share(self) -> float:
        """Share of the holdout buyers who are in the top decile of predicted purchases, in [0, 1]."""
        return self.buyers_captured / self.holdout_buyers

    @property
    def lift(self) -> float:
        """The share over what a random tenth of the people would hold (1 = no better than chance)."""
        return self.share / (self.top_decile_people / self.people)


def _pair(actual, predicted) -> tuple[np.ndarray, np.ndarray]:
    actual = as_float_array(actual, "actual holdout purchases")
    predicted = as_float_array(predicted, "predicted holdout purchases")
    if len(actual) != len(predicted):
        raise ClvError("actual and predicted holdout purchases must have one value per person")
    if len(actual) == 0:
        raise ClvError("the backtest has no people")
    if np.any(actual < 0) or np.any(predicted < 0):
        raise ClvError("holdout purchases must be >= 0")
    return actual, predicted


def _table(keys: pd.Series, actual: np.ndarray, predicted: np.ndarray, key_name: str) -> pd.DataFrame:
    frame = pd.DataFrame({key_name: keys.to_numpy(), "actual": actual, "predicted": predicted})
    table = (frame.groupby(key_name, sort=True, observed=True)
             .agg(people=("actual", "size"), actual_purchases=("actual", "sum"),
                  predicted_purchases=("predicted", "sum"))
             .reset_index())
    table["actual_mean"] = table["actual_purchases"] / table["people"]
    table["predicted_mean"] = table["predicted_purchases"] / table["people"]
    table["people"] = table["people"].astype("int64")
    return table[[key_name, *TABLE_COLUMNS]]


def backtest_totals(actual, predicted) -> BacktestTotals:
    """Total holdout purchases, actual and predicted, over everyone in the calibration summary."""
    actual, predicted = _pair(actual, predicted)
    return BacktestTotals(people=len(actual), actual_purchases=float(actual.sum()),
                          predicted_purchases=float(predicted.sum()))


def backtest_by_repeat_purchases(calibration_frequency, actual, predicted, *, top_group: int = 6) -> pd.DataFrame:
    """The classic table: people grouped by their number of calibration repeat purchases 0, 1, ..., top_group-1 and
    "top_group+" (default 6+), with mean actual and predicted holdout purchases per person.

    Columns: calibration_repeat_purchases (text label "0", "1", ..., "6+"), people, actual_purchases,
    predicted_purchases, actual_mean, predicted_mean; one row per group that has people, in group order.
    """
    actual, predicted = _pair(actual, predicted)
    frequency = as_float_array(calibration_frequency, "calibration frequency")
    if len(frequency) != len(actual):
        raise ClvError("calibration frequency must have one value per person")
    if top_group < 1:
        raise ClvError("top_group must be >= 1")
    group = np.minimum(frequency, top_group).astype("int64")
    table = _table(pd.Series(group), actual, predicted, "group")
    table.insert(0, "calibration_repeat_purchases",
                 [f"{g}+" if g == top_group else str(g) for g in table["group"]])
    return table.drop(columns="group")


def backtest_by_group(groups, actual, predicted, *, group_name: str = "group") -> pd.DataFrame:
    """The same comparison per group (an RFM segment, say): one row per group, sorted by group; the group column
    is named ``group_name``. A missing group label is a ClvError."""
    actual, predicted = _pair(actual, predicted)
    keys = pd.Series(np.asarray(groups, dtype=object))
    if len(keys) != len(actual):
        raise ClvError("groups must have one value per person")
    if keys.isna().any():
        raise ClvError(f"{group_name}: {int(keys.isna().sum())} person(s) have no group")
    return _table(keys, actual, predicted, group_name)


def top_decile_capture(predicted, actual, tie_break=None) -> TopDecileCapture:
    """Share of holdout buyers (actual > 0) found among the top decile of predicted purchases.

    The top decile is the first ceil(n / 10) people when sorted by predicted purchases, highest first; ties are
    broken by ``tie_break`` ascending (e.g. customer_unique_id, so the result does not depend on row order), or by
    input position when it is not given. Raises ClvError when nobody bought in the holdout (the share is undefined).
    """
    actual, predicted = _pair(actual, predicted)
    n = len(actual)
    if tie_break is None:
        secondary = np.arange(n)
    else:
        secondary = np.asarray(tie_break)
        if len(secondary) != n:
            raise ClvError("tie_break must have one value per person")
    order = np.lexsort((secondary, -predicted))
    top = math.ceil(n / 10)
    buyers = actual > 0
    if not buyers.any():
        raise ClvError("nobody bought in the holdout period, so the top-decile capture is undefined")
    return TopDecileCapture(people=n, top_decile_people=top, holdout_buyers=int(buyers.sum()),
                            buyers_captured=int(buyers[order[:top]].sum()))
