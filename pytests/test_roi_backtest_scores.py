"""The backtest's calibration, scores and no-model baseline (customer_intel.roi.cases.backtest) on the hand-made marts
of conftest: every expected number is worked out here from the hand-made purchase days, segments and return rates."""
from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from conftest import (ROI_CALIBRATION_END, ROI_REACTIVATION, make_roi_marts, roi_calibration_segment, roi_clv_people,
                      roi_purchase_days)
from customer_intel import clv
from customer_intel.clv.next_purchase import p_purchase_within
from customer_intel.roi.cases import backtest

HOLDOUT_DAYS = 183  # 2017-04-01 → 2017-10-01
MEASURED_DAYS = 182  # the baseline's window: 2016-10-01 → 2017-04-01


@pytest.fixture(scope="module")
def marts() -> dict:
    return make_roi_marts()


@pytest.fixture(scope="module")
def people(marts) -> pd.DataFrame:
    return roi_clv_people(marts).sort_values("customer_unique_id", ignore_index=True)


@pytest.fixture(scope="module")
def checked(people, marts) -> backtest.Backtest:
    return backtest.compute(people, 0.0, marts["segment_reactivation"])[0]


def hand_made_holdout() -> pd.DataFrame:
    """The calibration people (first purchase before the calibration end) with their segment there and whether
    they bought in the holdout, from the purchase days."""
    end = pd.Timestamp(ROI_CALIBRATION_END)
    rows = []
    for index in range(1, 51):
        days = roi_purchase_days(index)
        if days[0] < end:
            person = f"c{index:02d}"
            rows.append({"customer_unique_id": person, "segment": roi_calibration_segment(person),
                         "bought": int(any(day >= end for day in days))})
    return pd.DataFrame(rows)


def hand_made_rates() -> dict[str, float]:
    """The baseline per segment: returned / people of the 2016-10-01 snapshot at 6 months, over 183 / 182 of it."""
    rates = {segment: returned / people for (snapshot, segment, horizon), (people, returned) in ROI_REACTIVATION.items()
             if snapshot == "2016-10-01" and horizon == 6}
    assert rates == {"Champions": 0.2, "Loyal Customers": 0.1, "At Risk": 0.05, "Hibernating": 0.0}
    return {segment: 1 - (1 - rate) ** (HOLDOUT_DAYS / MEASURED_DAYS) for segment, rate in rates.items()}


def test_baseline_rates_come_from_the_calibration_period_only(checked):
    baseline = checked.baseline
    assert baseline is not None and baseline.horizon_months == 6
    assert baseline.snapshots == (dt.date(2016, 10, 1),)
    assert baseline.person_snapshots == 40 + 50 + 60 + 80
    assert baseline.measured_days == MEASURED_DAYS
    assert baseline.rates == pytest.approx(hand_made_rates(), rel=1e-12)
    # New Customers were not measured on 2016-10-01: they get the rate over everyone measured, 16 of 230
    assert baseline.default_rate == pytest.approx(1 - (1 - 16 / 230) ** (HOLDOUT_DAYS / MEASURED_DAYS), rel=1e-12)


def test_baseline_scores_are_the_hand_computed_ones(checked):
    holdout = hand_made_holdout()
    rates = hand_made_rates()
    default = 1 - (1 - 16 / 230) ** (HOLDOUT_DAYS / MEASURED_DAYS)
    p = holdout["segment"].map(rates).fillna(default).to_numpy()
    bought = holdout["bought"].to_numpy()
    assert 0 < bought.sum() < len(bought)
    buyers, others = p[bought == 1], p[bought == 0]
    pairs = [(1.0 if b > o else 0.5 if b == o else 0.0) for b in buyers for o in others]
    clipped = np.clip(p, 1e-15, 1 - 1e-15)
    log_loss = -np.mean([math.log(q) if y else math.log(1 - q) for q, y in zip(clipped, bought)])
    table = checked.table
    row = table.loc[(table["table"] == "scores") & (table["model"] == "baseline")].iloc[0]
    assert row["people"] == len(holdout) and row["holdout_buyers"] == bought.sum()
    assert row["mean_p_purchase"] == pytest.approx(p.mean(), rel=1e-12)
    assert row["share_bought"] == pytest.approx(bought.mean(), rel=1e-12)
    assert row["auc"] == pytest.approx(sum(pairs) / len(pairs), rel=1e-12)
    assert row["brier_score"] == pytest.approx(np.mean((p - bought) ** 2), rel=1e-12)
    assert row["log_loss"] == pytest.approx(log_loss, rel=1e-12)
    assert pd.isna(row["relative_error"]) and pd.isna(row["predicted_purchases"])  # the baseline counts no purchases
    # the top decile of the baseline: ceil(27 / 10) = 3 people, highest rate first, ties by customer id
    ranked = holdout.assign(p=p).sort_values(["p", "customer_unique_id"], ascending=[False, True])
    top = ranked.head(math.ceil(len(holdout) / 10))
    assert row["top_decile_capture"] == pytest.approx(top["bought"].sum() / bought.sum(), rel=1e-12)
    deciles = table.loc[(table["table"] == "calibration_by_decile") & (table["model"] == "baseline")]
    assert deciles["people"].sum() == len(holdout) and deciles["holdout_buyers"].sum() == bought.sum()
    top_row = deciles.loc[deciles["group"] == "10"].iloc[0]
    assert top_row["people"] == 3 and top_row["mean_p_purchase"] == pytest.approx(top["p"].mean(), rel=1e-12)


def test_model_scores_use_the_probability_of_a_holdout_purchase(checked, people):
    calibration = people.loc[people["is_in_calibration"].astype(bool)]
    columns = [calibration[c].to_numpy(dtype=float)
               for c in ("calibration_frequency", "calibration_recency", "calibration_tenure")]
    fit = clv.fit_mbgnbd(*columns)
    p = p_purchase_within(fit, HOLDOUT_DAYS, *columns)
    bought = (calibration["holdout_purchases"] > 0).to_numpy()
    row = checked.table.loc[(checked.table["table"] == "scores") & (checked.table["model"] == "mbgnbd")].iloc[0]
    assert row["mean_p_purchase"] == pytest.approx(p.mean(), rel=1e-9)
    assert row["brier_score"] == pytest.approx(np.mean((p - bought) ** 2), rel=1e-9)
    assert row["relative_error"] == pytest.approx(checked.totals["mbgnbd"].relative_error, rel=1e-12)
    assert row["top_decile_capture"] == pytest.approx(checked.capture["mbgnbd"].share, rel=1e-12)
    assert set(checked.scores) == {"mbgnbd", "bgnbd", "baseline"}


def test_per_segment_rows_use_the_segment_at_the_calibration_end(checked):
    holdout = hand_made_holdout()
    table = checked.table
    rows = table.loc[(table["table"] == "by_calibration_rfm_segment") & (table["model"] == "mbgnbd")]
    assert dict(zip(rows["group"], rows["people"])) == holdout["segment"].value_counts().to_dict()
    assert dict(zip(rows["group"], rows["holdout_buyers"])) == holdout.groupby("segment")["bought"].sum().to_dict()
    assert "by_rfm_segment" not in set(table["table"])


def test_without_segments_at_the_calibration_end_there_is_no_baseline_and_no_segment_rows(people, marts):
    unaligned = people.assign(calibration_rfm_segment=None)
    checked = backtest.compute(unaligned, 0.0, marts["segment_reactivation"])[0]
    assert checked.baseline is None and "baseline" not in checked.scores
    assert set(checked.scores) == {"mbgnbd", "bgnbd"}
    assert "by_calibration_rfm_segment" not in set(checked.table["table"])
    assert any("is not a snapshot of segment_history" in note for note in checked.notes)


@pytest.mark.parametrize("rows, says", [
    ([("2016-12-01", "Hibernating", 3)], "add 6 to var reactivation_horizons_months"),
    ([("2016-11-01", "Champions", 6)], "raise var segment_history_months to at least 12"),
])
def test_without_a_rate_measured_before_the_calibration_end_the_baseline_says_why(people, marts, rows, says):
    reactivation = marts["segment_reactivation"]
    keep = reactivation.apply(lambda r: (f"{r.snapshot_date:%Y-%m-%d}", r.rfm_segment, r.horizon_months) in rows,
                              axis=1)
    checked = backtest.compute(people, 0.0, reactivation.loc[keep])[0]
    assert checked.baseline is None
    assert any(says in note for note in checked.notes), checked.notes
    assert "by_calibration_rfm_segment" in set(checked.table["table"])  # the segments are still known


def scored(auc: float | None, brier: float) -> backtest.Scores:
    """Scores with only what the comparison reads filled in."""
    return backtest.Scores(clv.ProbabilityScores(100, 10, 0.1, auc, brier, 0.3), clv.TopDecileCapture(100, 10, 10, 3),
                           pd.DataFrame())


@pytest.mark.parametrize("model, baseline, starts", [
    ((0.80, 0.050), (0.70, 0.060), "MBG/NBD wins on both counts"),
    ((0.60, 0.070), (0.70, 0.060), "MBG/NBD does not win"),
    ((0.70, 0.060), (0.70, 0.060), "MBG/NBD does not win"),  # a tie does not beat the baseline
    ((0.80, 0.070), (0.70, 0.060), "MBG/NBD ranks the holdout buyers better"),
    ((0.60, 0.050), (0.70, 0.060), "MBG/NBD has probabilities closer to what happened"),
])
def test_comparison_with_the_baseline_says_plainly_who_wins(checked, model, baseline, starts):
    from customer_intel.roi.presentation.backtest import baseline_sentence

    compared = dataclasses.replace(checked, scores={"mbgnbd": scored(*model), "baseline": scored(*baseline)})
    text = baseline_sentence(compared)
    assert text.startswith("Against the no-model baseline (each person's probability = their segment's return rate, "
                           "measured before the calibration end), " + starts), text
    assert f"AUC {model[0]:.3f} against {baseline[0]:.3f}" in text
    assert f"Brier score {model[1]:.4g} against {baseline[1]:.4g}" in text


def test_without_a_baseline_the_comparison_says_why(people, marts):
    from customer_intel.roi.presentation.backtest import baseline_sentence

    checked = backtest.compute(people.assign(calibration_rfm_segment=None), 0.0, marts["segment_reactivation"])[0]
    assert baseline_sentence(checked).startswith("MBG/NBD is not compared with a no-model baseline on these data "
                                                 "(no per-segment rows and no baseline: the calibration end")
