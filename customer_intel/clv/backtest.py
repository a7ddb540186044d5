"""How far to trust the purchase model: predictions for a holdout period compared with what happened.

The caller fits on the calibration summary (the period that ends before the holdout), predicts each calibration
person's purchases over the holdout length with ``expected_purchases``, and passes the predictions together with the
purchases each person actually made in the holdout. People whose first purchase falls in the holdout are not in the
calibration summary and are not compared. Every table here has no empty group, so no mean is NaN.

Probabilities of "at least one purchase in the holdout" (``next_purchase.p_purchase_within`` at the holdout length,
or ``baseline_probability`` for a no-model comparison) are scored against ``bought`` (1 when the person made at least
one purchase in the holdout, i.e. ``actual > 0``; 0 otherwise):

- ``calibration_by_decile``: mean predicted probability beside the share who bought, per decile of the prediction.
- ``probability_scores``: AUC (how well the ranking separates buyers from the others), Brier score and log loss (how
  close the probabilities are to what happened; lower is better).
- ``baseline_probability``: each person's segment's organic return rate, to score the same way as the model.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scipy.stats import rankdata

from customer_intel.clv._fitting import as_float_array
from customer_intel.clv.errors import ClvError

TABLE_COLUMNS = ("people", "actual_purchases", "predicted_purchases", "actual_mean", "predicted_mean")
CALIBRATION_COLUMNS = ("decile", "people", "mean_predicted", "share_bought", "bought")
DECILES = 10
# Log loss clips the probabilities to [LOG_LOSS_CLIP, 1 - LOG_LOSS_CLIP]: a confident wrong prediction costs
# -log(1e-15) ~ 34.5 instead of infinity.
LOG_LOSS_CLIP = 1e-15


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


def _two_columns(first, second, first_name: str, second_name: str) -> tuple[np.ndarray, np.ndarray]:
    """Two per-person columns as float arrays of one length, with at least one person."""
    first, second = as_float_array(first, first_name), as_float_array(second, second_name)
    if len(first) != len(second):
        raise ClvError(f"{first_name} and {second_name} must have one value per person")
    if len(first) == 0:
        raise ClvError("the backtest has no people")
    return first, second


def _pair(actual, predicted) -> tuple[np.ndarray, np.ndarray]:
    actual, predicted = _two_columns(actual, predicted, "actual holdout purchases", "predicted holdout purchases")
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


def ranking(predicted: np.ndarray, tie_break=None) -> np.ndarray:
    """Positions of the people from the highest prediction to the lowest; ties broken by ``tie_break`` ascending
    (e.g. customer_unique_id, so the order does not depend on row order), else by input position."""
    if tie_break is None:
        secondary = np.arange(len(predicted))
    else:
        secondary = np.asarray(tie_break)
        if len(secondary) != len(predicted):
            raise ClvError("tie_break must have one value per person")
    return np.lexsort((secondary, -predicted))


def top_decile_capture(predicted, actual, tie_break=None) -> TopDecileCapture:
    """Share of holdout buyers (actual > 0) found among the top decile of predicted purchases.

    The top decile is the first ceil(n / 10) people when sorted by predicted purchases, highest first; ties are
    broken by ``tie_break`` ascending (e.g. customer_unique_id, so the result does not depend on row order), or by
    input position when it is not given. Raises ClvError when nobody bought in the holdout (the share is undefined).
    """
    actual, predicted = _pair(actual, predicted)
    n = len(actual)
    order = ranking(predicted, tie_break)
    top = math.ceil(n / 10)
    buyers = actual > 0
    if not buyers.any():
        raise ClvError("nobody bought in the holdout period, so the top-decile capture is undefined")
    return TopDecileCapture(people=n, top_decile_people=top, holdout_buyers=int(buyers.sum()),
                            buyers_captured=int(buyers[order[:top]].sum()))


@dataclass(frozen=True)
class ProbabilityScores:
    """Scores of predicted probabilities of at least one holdout purchase against what happened. No field is NaN.

    - ``auc``: probability that a random buyer has a higher prediction than a random non-buyer, ties counted half
      (the Mann-Whitney U statistic over buyers x non-buyers); 1 = perfect ranking, 0.5 = no better than chance,
      0 = perfectly reversed. None when everyone, or no one, bought (no pair to compare).
    - ``brier``: mean of (predicted - bought) ** 2, in [0, 1]; lower is better.
    - ``log_loss``: mean of -(bought * ln p + (1 - bought) * ln(1 - p)) with p clipped to [1e-15, 1 - 1e-15]; lower
      is better.
    - ``people``, ``buyers`` (people who bought), ``mean_predicted`` (mean predicted probability: beside
      ``share_bought`` it says whether the model predicts as many buyers as there were).
    """

    people: int
    buyers: int
    mean_predicted: float
    auc: float | None
    brier: float
    log_loss: float

    @property
    def share_bought(self) -> float:
        """Share of the people who bought in the holdout, in [0, 1]."""
        return self.buyers / self.people


def _probabilities(predicted_probability, bought) -> tuple[np.ndarray, np.ndarray]:
    predicted, outcome = _two_columns(predicted_probability, bought, "predicted probability", "bought")
    if np.any(predicted < 0) or np.any(predicted > 1):
        raise ClvError("predicted probabilities must be in [0, 1]")
    if not np.all((outcome == 0) | (outcome == 1)):
        raise ClvError("bought must be 0 or 1 (True or False) per person; from holdout purchases use actual > 0")
    return predicted, outcome


def calibration_by_decile(predicted_probability, bought, tie_break=None) -> pd.DataFrame:
    """Predicted probability against the share who actually bought, per decile of the prediction.

    People are ranked by predicted probability, highest first, ties broken by ``tie_break`` ascending (e.g.
    customer_unique_id, so the table does not depend on row order) or by input position when it is not given: the
    order of ``top_decile_capture``. The ranking is cut into 10 groups whose sizes differ by at most one, the larger
    groups at the top, so decile 10 is exactly the top decile of ``top_decile_capture`` (ceil(n / 10) people). People
    with the same prediction can fall on both sides of a cut. With fewer than 10 people there are as many groups as
    people, one person each, numbered 1 .. n.

    Columns: decile (1 = lowest predictions ... 10 = highest), people, mean_predicted, share_bought (the share of the
    decile who bought), bought (how many); one row per decile, sorted by decile, so mean_predicted does not decrease
    down the table. ``bought`` is 0 or 1 per person (``actual > 0`` from holdout purchases).
    """
    predicted, outcome = _probabilities(predicted_probability, bought)
    n = len(predicted)
    order = ranking(predicted, tie_break)
    groups = min(DECILES, n)
    decile = np.empty(n, dtype="int64")
    for position, members in enumerate(np.array_split(order, groups)):
        decile[members] = groups - position
    frame = pd.DataFrame({"decile": decile, "predicted": predicted, "bought": outcome})
    table = (frame.groupby("decile", sort=True)
             .agg(people=("bought", "size"), mean_predicted=("predicted", "mean"), bought=("bought", "sum"))
             .reset_index())
    table["share_bought"] = table["bought"] / table["people"]
    table["people"] = table["people"].astype("int64")
    table["bought"] = table["bought"].round().astype("int64")
    return table[list(CALIBRATION_COLUMNS)]


def probability_scores(predicted_probability, bought) -> ProbabilityScores:
    """AUC, Brier score and log loss of predicted probabilities of at least one holdout purchase (see
    ``ProbabilityScores``). ``bought`` is 0 or 1 per person (``actual > 0`` from holdout purchases)."""
    predicted, outcome = _probabilities(predicted_probability, bought)
    n = len(predicted)
    buyers = int(outcome.sum())
    auc = None
    if 0 < buyers < n:
        # Mann-Whitney: with mid-ranks for ties, the buyers' rank sum minus its minimum counts the (buyer, non-buyer)
        # pairs where the buyer is ranked higher, a tie counting half.
        ranks = rankdata(predicted)
        pairs_won = ranks[outcome == 1].sum() - buyers * (buyers + 1) / 2
        auc = float(pairs_won / (buyers * (n - buyers)))
    clipped = np.clip(predicted, LOG_LOSS_CLIP, 1 - LOG_LOSS_CLIP)
    log_loss = -np.mean(np.where(outcome == 1, np.log(clipped), np.log1p(-clipped)))
    return ProbabilityScores(people=n, buyers=buyers, mean_predicted=float(predicted.mean()), auc=auc,
                             brier=float(np.mean((predicted - outcome) ** 2)), log_loss=float(log_loss))


def baseline_probability(segments, rates_by_segment, default_rate: float) -> np.ndarray:
    """A no-model prediction to score beside the model's: each person's probability of at least one purchase in the
    holdout is the organic return rate of their segment (an RFM segment, say).

    ``rates_by_segment`` maps a segment label to its rate (a dict or a pandas Series indexed by label); a person
    whose segment is not in it gets ``default_rate`` (the rate over everyone, say). The caller measures the rates on
    the calibration period only, at the holdout horizon: the share of the segment's people who bought at least once
    within a window as long as the holdout, inside the calibration period (e.g. segments as of the date one holdout
    length before the calibration end, and purchases in the window after it). Rates measured on the holdout itself
    would use the outcome being predicted and flatter the baseline. "Organic": without a campaign aimed at them.

    Returns one probability per person, in [0, 1]. A missing segment label or a rate outside [0, 1] is a ClvError.
    """
    items = list(rates_by_segment.items())
    keys = pd.Series([key for key, _ in items], dtype=object)
    if keys.isna().any():
        raise ClvError("rates_by_segment has a missing segment label")
    if keys.duplicated().any():
        raise ClvError("rates_by_segment has a segment more than once")
    rates = as_float_array([rate for _, rate in items], "segment return rates")
    try:
        default = float(default_rate)
    except (TypeError, ValueError):
        raise ClvError("default_rate must be one number in [0, 1]") from None
    if np.any(rates < 0) or np.any(rates > 1) or not 0 <= default <= 1:
        raise ClvError("return rates must be in [0, 1]")
    labels = pd.Series(np.asarray(segments, dtype=object).ravel())
    if len(labels) == 0:
        raise ClvError("the backtest has no people")
    if labels.isna().any():
        raise ClvError(f"segment: {int(labels.isna().sum())} person(s) have no segment")
    mapped = labels.map(dict(zip(keys, rates)))
    return mapped.fillna(default).to_numpy(dtype=float)
