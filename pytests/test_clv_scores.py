"""Scores of predicted purchase probabilities against the holdout (``clv.backtest``): calibration by decile, AUC,
Brier score, log loss and the no-model baseline.

Expected numbers are worked out by hand on small examples (in the comments), and on larger random inputs compared
with independent paths: the AUC by counting every (buyer, non-buyer) pair, Brier score and log loss by a plain loop
with ``math.log``, and decile 10 of the calibration table with ``top_decile_capture``.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from customer_intel.clv import ClvError, PurchaseFit, top_decile_capture
from customer_intel.clv.backtest import (
    ProbabilityScores,
    baseline_probability,
    calibration_by_decile,
    probability_scores,
)
from customer_intel.clv.next_purchase import p_purchase_within


def _pair_count_auc(predicted, bought) -> float:
    """Share of (buyer, non-buyer) pairs where the buyer has the higher prediction, a tie counting half."""
    predicted, bought = np.asarray(predicted, dtype=float), np.asarray(bought, dtype=bool)
    buyers, others = predicted[bought][:, None], predicted[~bought][None, :]
    return float(((buyers > others) + 0.5 * (buyers == others)).mean())


def _random_people(seed: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Predictions on a coarse grid (many ties), outcomes drawn from them, and unique ids."""
    rng = np.random.default_rng(seed)
    predicted = rng.integers(0, 21, n) / 20
    bought = (rng.random(n) < predicted).astype(int)
    ids = np.array([f"id{i:04d}" for i in rng.permutation(n)])
    return predicted, bought, ids


def test_scores_by_hand_with_a_tie():
    # Buyers predict 0.4 and 0.8, non-buyers 0.1 and 0.4. Pairs: (0.4, 0.1) won, (0.4, 0.4) tie = 1/2,
    # (0.8, 0.1) won, (0.8, 0.4) won: 3.5 / 4.
    scores = probability_scores([0.1, 0.4, 0.4, 0.8], [0, 1, 0, 1])
    assert isinstance(scores, ProbabilityScores)
    assert (scores.people, scores.buyers) == (4, 2)
    assert scores.share_bought == 0.5
    assert scores.auc == pytest.approx(0.875)
    assert scores.mean_predicted == pytest.approx(0.425)
    # Squared errors 0.01, 0.36, 0.16, 0.04.
    assert scores.brier == pytest.approx(0.57 / 4)
    # -(ln 0.9 + ln 0.4 + ln 0.6 + ln 0.8) / 4, and 0.9 * 0.4 * 0.6 * 0.8 = 0.1728.
    assert scores.log_loss == pytest.approx(-math.log(0.1728) / 4)
    # Booleans are the same outcomes.
    assert probability_scores([0.1, 0.4, 0.4, 0.8], [False, True, False, True]) == scores


def test_auc_of_perfect_reversed_and_constant_rankings():
    predicted = [0.1, 0.2, 0.3, 0.4, 0.5]
    assert probability_scores(predicted, [0, 0, 0, 1, 1]).auc == 1.0
    assert probability_scores(predicted, [1, 1, 0, 0, 0]).auc == 0.0
    assert probability_scores([0.3] * 5, [0, 1, 0, 1, 1]).auc == 0.5
    # Only the ranking counts: any increasing transform gives the same AUC.
    assert probability_scores([0.01, 0.5, 0.51, 0.9], [0, 1, 0, 1]).auc == probability_scores(
        [0.1, 0.2, 0.3, 0.4], [0, 1, 0, 1]).auc == pytest.approx(0.75)


def test_one_class_only_has_no_auc_and_no_nan():
    everyone = probability_scores([0.2, 0.9], [1, 1])
    assert (everyone.auc, everyone.people, everyone.buyers) == (None, 2, 2)
    assert everyone.brier == pytest.approx((0.64 + 0.01) / 2)
    assert everyone.log_loss == pytest.approx(-(math.log(0.2) + math.log(0.9)) / 2)
    nobody = probability_scores([0.0, 0.0, 0.0], [0, 0, 0])
    assert (nobody.auc, nobody.buyers, nobody.brier, nobody.mean_predicted) == (None, 0, 0.0, 0.0)
    assert nobody.log_loss == pytest.approx(0.0, abs=1e-14)  # -ln(1 - 1e-15) per person
    assert nobody.share_bought == 0.0


def test_log_loss_clips_certain_wrong_predictions():
    # p = 0 for a buyer and p = 1 for a non-buyer: each costs about -ln(1e-15) = 34.54 instead of infinity.
    scores = probability_scores([0.0, 1.0], [1, 0])
    assert scores.log_loss == pytest.approx(-math.log(1e-15), rel=1e-4)
    assert (scores.brier, scores.auc) == (1.0, 0.0)


def test_scores_agree_with_pair_counting_and_a_plain_loop():
    predicted, bought, _ = _random_people(seed=7, n=400)
    scores = probability_scores(predicted, bought)
    assert scores.auc == pytest.approx(_pair_count_auc(predicted, bought), abs=1e-12)
    assert scores.brier == pytest.approx(sum((p - y) ** 2 for p, y in zip(predicted, bought)) / len(bought))
    clip = 1e-15
    losses = [-math.log(min(max(p, clip), 1 - clip)) if y else -math.log(1 - min(max(p, clip), 1 - clip))
              for p, y in zip(predicted, bought)]
    assert scores.log_loss == pytest.approx(sum(losses) / len(losses))
    assert (scores.people, scores.buyers) == (400, int(bought.sum()))
    assert scores.mean_predicted == pytest.approx(predicted.mean())
    # The same people in another row order score the same.
    order = np.random.default_rng(1).permutation(400)
    shuffled = probability_scores(predicted[order], bought[order])
    assert shuffled.auc == pytest.approx(scores.auc, abs=1e-12)
    assert shuffled.brier == pytest.approx(scores.brier) and shuffled.log_loss == pytest.approx(scores.log_loss)


# Twelve people: deciles 10 and 9 hold two people each (12 = 10 + 2, the larger groups at the top), the rest one.
# Three tie at 0.5 across the cut between deciles 9 and 8; only "f" of them bought.
CAL_IDS = ["a", "b", "c", "f", "e", "d", "g", "h", "i", "j", "k", "l"]
CAL_PREDICTED = [0.9, 0.8, 0.7, 0.5, 0.5, 0.5, 0.4, 0.3, 0.2, 0.2, 0.1, 0.0]
CAL_BOUGHT = [1, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0]


def test_calibration_table_by_hand():
    table = calibration_by_decile(CAL_PREDICTED, CAL_BOUGHT, tie_break=CAL_IDS)
    assert list(table.columns) == ["decile", "people", "mean_predicted", "share_bought", "bought"]
    # Ranked: a, b | c, d | e | f | g | h | i | j | k | l (the 0.5 ties in id order d, e, f).
    assert table["decile"].tolist() == list(range(1, 11))
    assert table["people"].tolist() == [1, 1, 1, 1, 1, 1, 1, 1, 2, 2]
    assert table["bought"].tolist() == [0, 0, 0, 0, 1, 0, 1, 0, 0, 2]
    np.testing.assert_allclose(table["mean_predicted"], [0.0, 0.1, 0.2, 0.2, 0.3, 0.4, 0.5, 0.5, 0.6, 0.85])
    np.testing.assert_allclose(table["share_bought"], [0, 0, 0, 0, 1, 0, 1, 0, 0, 1])
    # Ties by row position instead: rows 3 ("f", bought), 4, 5, so "f" joins "c" in decile 9.
    by_position = calibration_by_decile(CAL_PREDICTED, CAL_BOUGHT)
    assert by_position["bought"].tolist() == [0, 0, 0, 0, 1, 0, 0, 0, 1, 2]
    np.testing.assert_allclose(by_position["share_bought"].iloc[-2:], [0.5, 1.0])


def test_calibration_table_does_not_depend_on_row_order():
    table = calibration_by_decile(CAL_PREDICTED, CAL_BOUGHT, tie_break=CAL_IDS)
    for seed in range(3):
        order = np.random.default_rng(seed).permutation(len(CAL_IDS))
        shuffled = calibration_by_decile(np.take(CAL_PREDICTED, order), np.take(CAL_BOUGHT, order),
                                         tie_break=np.take(CAL_IDS, order))
        pd.testing.assert_frame_equal(shuffled, table)
    predicted, bought, ids = _random_people(seed=3, n=137)
    order = np.random.default_rng(9).permutation(137)
    pd.testing.assert_frame_equal(calibration_by_decile(predicted[order], bought[order], tie_break=ids[order]),
                                  calibration_by_decile(predicted, bought, tie_break=ids))


@pytest.mark.parametrize("n", [10, 25, 137, 1000])
def test_calibration_table_sums_sizes_and_order(n):
    predicted, bought, ids = _random_people(seed=n, n=n)
    table = calibration_by_decile(predicted, bought, tie_break=ids)
    assert table["decile"].tolist() == list(range(1, 11))
    assert table["people"].sum() == n and table["bought"].sum() == bought.sum()
    sizes = table["people"].to_numpy()
    assert sizes.max() - sizes.min() <= 1 and np.all(np.diff(sizes) >= 0)  # nearly equal, larger ones on top
    assert np.all(np.diff(table["mean_predicted"]) >= 0)
    np.testing.assert_allclose(table["share_bought"], table["bought"] / table["people"])
    # Whole-table means agree with the people's: the table splits everyone once.
    assert (table["mean_predicted"] * table["people"]).sum() == pytest.approx(predicted.sum())
    assert table.notna().all().all()
    # Decile 10 is the top decile of top_decile_capture (same order, ceil(n / 10) people).
    capture = top_decile_capture(predicted, bought, tie_break=ids)
    assert table["people"].iloc[-1] == capture.top_decile_people
    assert table["bought"].iloc[-1] == capture.buyers_captured


def test_calibration_with_fewer_than_ten_people():
    table = calibration_by_decile([0.7, 0.1, 0.4], [1, 0, 0])
    assert table["decile"].tolist() == [1, 2, 3] and table["people"].tolist() == [1, 1, 1]
    np.testing.assert_allclose(table["mean_predicted"], [0.1, 0.4, 0.7])
    assert table["bought"].tolist() == [0, 0, 1]
    one = calibration_by_decile([0.2], [True])
    assert one.to_dict("records") == [{"decile": 1, "people": 1, "mean_predicted": 0.2, "share_bought": 1.0,
                                       "bought": 1}]


def test_baseline_maps_segments_to_rates():
    segments = ["champions", "at_risk", "new", "champions", "hibernating"]
    rates = {"champions": 0.4, "at_risk": 0.1, "new": 0.2}
    expected = [0.4, 0.1, 0.2, 0.4, 0.05]  # "hibernating" has no measured rate: the default
    np.testing.assert_allclose(baseline_probability(segments, rates, 0.05), expected)
    np.testing.assert_allclose(baseline_probability(pd.Series(segments, dtype="category"), pd.Series(rates), 0.05),
                               expected)
    np.testing.assert_allclose(baseline_probability(["x", "y"], {}, 0.3), [0.3, 0.3])
    # Scored like any prediction: every champion vs the rest.
    scores = probability_scores(baseline_probability(segments, rates, 0.05), [1, 0, 0, 0, 0])
    assert scores.auc == pytest.approx(_pair_count_auc(expected, [1, 0, 0, 0, 0]))  # (1 + 1 + 1 + 0.5) / 4


def test_baseline_rejects_bad_input():
    rates = {"champions": 0.4}
    with pytest.raises(ClvError):
        baseline_probability(["champions", None], rates, 0.1)
    with pytest.raises(ClvError):
        baseline_probability(["champions"], {"champions": 1.2}, 0.1)
    with pytest.raises(ClvError):
        baseline_probability(["champions"], {"champions": float("nan")}, 0.1)
    with pytest.raises(ClvError):
        baseline_probability(["champions"], rates, float("nan"))
    with pytest.raises(ClvError):
        baseline_probability(["champions"], rates, -0.1)
    with pytest.raises(ClvError):
        baseline_probability(["champions"], pd.Series([0.1, 0.2], index=["champions", "champions"]), 0.1)
    with pytest.raises(ClvError):
        baseline_probability([], rates, 0.1)


def test_invalid_probability_inputs():
    for predicted, bought in [([0.1, 1.2], [0, 1]), ([-0.1, 0.5], [0, 1]), ([0.1, np.nan], [0, 1]),
                              ([0.1, 0.2], [0, 2]), ([0.1, 0.2], [0, 0.5]), ([0.1], [0, 1]), ([], [])]:
        with pytest.raises(ClvError) as error:
            probability_scores(predicted, bought)
        assert "\n" not in str(error.value)
        with pytest.raises(ClvError):
            calibration_by_decile(predicted, bought)
    with pytest.raises(ClvError):
        calibration_by_decile([0.1, 0.2], [0, 1], tie_break=["a"])


def test_model_probabilities_score_against_holdout_purchases():
    # The intended use: P(at least one purchase within the holdout length) against actual > 0.
    fit = PurchaseFit(model="mbgnbd", r=0.25, alpha=40.0, a=0.8, b=2.5, log_likelihood=0.0, people=6.0, rows=6,
                      converged=True)
    frequency, recency, tenure = [0, 0, 1, 2, 6, 9], [0, 0, 30, 100, 200, 300], [50, 400, 200, 150, 210, 310]
    predicted = p_purchase_within(fit, 90.0, frequency, recency, tenure)
    actual = np.array([0, 0, 1, 0, 3, 5])
    scores = probability_scores(predicted, actual > 0)
    assert scores.auc == pytest.approx(_pair_count_auc(predicted, actual > 0))
    assert 0 <= scores.brier <= 1 and np.isfinite(scores.log_loss)
    table = calibration_by_decile(predicted, actual > 0, tie_break=["u1", "u2", "u3", "u4", "u5", "u6"])
    assert table["people"].sum() == 6 and table["bought"].sum() == 3
