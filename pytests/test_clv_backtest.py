"""Backtest tables, top-decile capture and the contact-list optimiser on hand-made rows."""
from __future__ import annotations

import numpy as np
import pytest

from customer_intel.clv import (
    ClvError,
    backtest_by_group,
    backtest_by_repeat_purchases,
    backtest_totals,
    optimal_contact_list,
    top_decile_capture,
)

CAL_FREQUENCY = [0, 0, 1, 2, 6, 9]
ACTUAL = [0, 1, 1, 0, 3, 5]
PREDICTED = [0.1, 0.2, 0.5, 0.7, 2.0, 4.0]


def test_table_by_calibration_repeat_purchases():
    table = backtest_by_repeat_purchases(CAL_FREQUENCY, ACTUAL, PREDICTED)
    assert list(table.columns) == ["calibration_repeat_purchases", "people", "actual_purchases",
                                   "predicted_purchases", "actual_mean", "predicted_mean"]
    assert table["calibration_repeat_purchases"].tolist() == ["0", "1", "2", "6+"]  # no empty groups
    assert table["people"].tolist() == [2, 1, 1, 2]
    np.testing.assert_allclose(table["actual_mean"], [0.5, 1.0, 0.0, 4.0])
    np.testing.assert_allclose(table["predicted_mean"], [0.15, 0.5, 0.7, 3.0])
    np.testing.assert_allclose(table["actual_purchases"], [1, 1, 0, 8])
    top3 = backtest_by_repeat_purchases(CAL_FREQUENCY, ACTUAL, PREDICTED, top_group=2)
    assert top3["calibration_repeat_purchases"].tolist() == ["0", "1", "2+"]
    np.testing.assert_allclose(top3["predicted_purchases"], [0.3, 0.5, 6.7])


def test_totals():
    totals = backtest_totals(ACTUAL, PREDICTED)
    assert (totals.people, totals.actual_purchases) == (6, 10.0)
    assert totals.predicted_purchases == pytest.approx(7.5)
    assert totals.relative_error == pytest.approx(-0.25)
    assert backtest_totals([0, 0], [0.5, 0.1]).relative_error is None


def test_by_group():
    table = backtest_by_group(["a", "b", "a", "b", "c", "a"], ACTUAL, PREDICTED, group_name="rfm_segment")
    assert table["rfm_segment"].tolist() == ["a", "b", "c"]
    assert table["people"].tolist() == [3, 2, 1]
    np.testing.assert_allclose(table["actual_purchases"], [6, 1, 3])
    np.testing.assert_allclose(table["predicted_purchases"], [4.6, 0.9, 2.0])
    np.testing.assert_allclose(table["predicted_mean"], [4.6 / 3, 0.45, 2.0])
    with pytest.raises(ClvError):
        backtest_by_group(["a", None, "a", "b", "c", "a"], ACTUAL, PREDICTED)


def test_invalid_backtest_inputs():
    with pytest.raises(ClvError):
        backtest_totals([0, 1], [0.1])
    with pytest.raises(ClvError):
        backtest_totals([0, np.nan], [0.1, 0.2])
    with pytest.raises(ClvError):
        backtest_by_repeat_purchases([0, 1], [0, 1, 2], [0.1, 0.2, 0.3])


def test_top_decile_capture_with_deterministic_ties():
    # 11 people: the top decile is ceil(11 / 10) = 2 people. Three tie at the top prediction 5.
    predicted = [5, 5, 5, 1, 1, 1, 1, 1, 0.5, 0.5, 0.5]
    actual = [1, 2, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    ids = ["k", "b", "a", "c", "d", "e", "f", "g", "h", "i", "j"]
    by_id = top_decile_capture(predicted, actual, tie_break=ids)  # top two: "a" (no purchase) and "b" (bought)
    assert (by_id.people, by_id.top_decile_people, by_id.holdout_buyers, by_id.buyers_captured) == (11, 2, 3, 1)
    assert by_id.share == pytest.approx(1 / 3)
    reversed_rows = top_decile_capture(predicted[::-1], actual[::-1], tie_break=ids[::-1])
    assert reversed_rows == by_id  # the same people whatever the row order
    by_position = top_decile_capture(predicted, actual)  # top two: rows 0 and 1, both bought
    assert by_position.buyers_captured == 2 and by_position.share == pytest.approx(2 / 3)
    with pytest.raises(ClvError) as error:
        top_decile_capture([1, 2, 3], [0, 0, 0])
    assert "\n" not in str(error.value)


def test_contact_list_maximises_net_profit():
    values = [10, 3, 7, 2, 7]
    result = optimal_contact_list(values, 5.0, tie_break=["e", "d", "c", "b", "a"])
    # Ranked: 10 (row 0), 7 ("a", row 4), 7 ("c", row 2), 3, 2; net per contact 5, 2, 2, -2, -3.
    assert result.order.tolist() == [0, 4, 2, 1, 3]
    np.testing.assert_allclose(result.cumulative_net_profit, [5, 7, 9, 7, 4])
    assert (result.best_length, result.best_net_profit) == (3, 9.0)
    nobody = optimal_contact_list(values, 20.0)
    assert (nobody.best_length, nobody.best_net_profit) == (0, 0.0)
    shortest = optimal_contact_list([6, 5], 5.0)  # the second contact adds exactly nothing: leave it out
    assert shortest.best_length == 1
    free = optimal_contact_list([1, 0.5, 0], 0.0)
    assert free.best_length == 2
    with pytest.raises(ClvError):
        optimal_contact_list([1, np.nan], 1.0)
    with pytest.raises(ClvError):
        optimal_contact_list([1, 2], -1.0)
