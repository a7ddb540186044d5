"""The ROI tool's predicted lifetime value (customer_intel.roi.predicted_value) on hand-made numbers, in-process."""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from conftest import ROI_CALIBRATION_END, ROI_REPEAT_DAYS, make_roi_marts, roi_clv_people, roi_purchase_days
from customer_intel import clv
from customer_intel.roi.cases import backtest, contact_list, predicted_value
from customer_intel.roi.presentation import backtest as trust
from customer_intel.roi.presentation import predicted_value as presented
from customer_intel.roi.errors import RoiError

SETTINGS = predicted_value.ClvSettings(horizon_months=12, annual_discount_rate=0.10, gross_margin=0.25,
                                       churn_medium_from=0.95, churn_high_from=0.99)


@pytest.fixture(scope="module")
def people() -> pd.DataFrame:
    return roi_clv_people(make_roi_marts())


@pytest.fixture(scope="module")
def computed(people) -> predicted_value.PredictedValue:
    return predicted_value.compute(people, SETTINGS, reactivation=make_roi_marts()["segment_reactivation"])


def targets(values: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """Hand-made targets with predictions: id → (monetary, value given a purchase at the campaign)."""
    return pd.DataFrame([{
        "customer_unique_id": person, "rfm_segment": "At Risk", "favourite_category": "telefonia",
        "monetary": monetary, "p_alive": 0.1, "predicted_clv": 0.01, "predicted_revenue": 0.04,
        "value_given_purchase": predicted,
    } for person, (monetary, predicted) in values.items()])


def test_contact_list_ranks_by_expected_value_and_stops_where_a_contact_no_longer_pays():
    frame = targets({"a": (100.0, 10.0), "b": (30.0, 80.0), "c": (50.0, 20.0), "d": (40.0, 5.0)})
    # historical: 0.1 × value × 0.5 = a 5, b 1.5, c 2.5, d 2 against a cost of 2: a and c pay, d only breaks even
    result = contact_list.contact_list(frame, "historical", 0.1, {}, 0.5, 2.0)
    assert result.table["customer_unique_id"].tolist() == ["a", "c", "d", "b"]
    assert result.table["expected_incremental_value"].tolist() == pytest.approx([5.0, 2.5, 2.0, 1.5])
    assert result.table["cumulative_net_profit"].tolist() == pytest.approx([3.0, 3.5, 3.5, 3.0])
    assert result.best_length == 2 and result.best_net_profit == pytest.approx(3.5)
    assert result.table["in_optimal_list"].tolist() == [True, True, False, False]
    assert result.table["rank"].tolist() == [1, 2, 3, 4]
    assert tuple(result.table.columns) == contact_list.CONTACT_COLUMNS
    # predicted: b 4, c 1, a 0.5, d 0.25: only b pays
    predicted = contact_list.contact_list(frame, "predicted", 0.1, {}, 0.5, 2.0)
    assert predicted.table["customer_unique_id"].tolist() == ["b", "c", "a", "d"]
    assert predicted.best_length == 1 and predicted.best_net_profit == pytest.approx(2.0)


def test_contact_list_subtracts_the_organic_return_rate_of_each_persons_segment():
    frame = targets({"a": (100.0, 1.0), "b": (100.0, 1.0), "c": (100.0, 1.0), "d": (100.0, 1.0)}).assign(
        rfm_segment=["At Risk", "Hibernating", "Champions", "Lost"])
    rates = {"At Risk": 0.04, "Hibernating": 0.01, "Champions": 0.12}  # Lost is not measured: organic 0
    result = contact_list.contact_list(frame, "historical", 0.1, rates, 0.5, 2.0)
    # (0.1 - organic) × 100 × 0.5: d 5, b 4.5, a 3, c -1 (buys more often on its own than the campaign would make it)
    assert result.table["customer_unique_id"].tolist() == ["d", "b", "a", "c"]
    assert result.table["organic_rate"].tolist() == pytest.approx([0.0, 0.01, 0.04, 0.12])
    assert result.table["expected_incremental_value"].tolist() == pytest.approx([5.0, 4.5, 3.0, -1.0])
    assert result.best_length == 3 and result.best_net_profit == pytest.approx(3.0 + 2.5 + 1.0)


def test_contact_list_ties_are_broken_by_customer_id():
    frame = targets({"z": (10.0, 1.0), "m": (10.0, 1.0), "a": (10.0, 1.0)})
    result = contact_list.contact_list(frame, "historical", 0.5, {}, 1.0, 0.0)
    assert result.table["customer_unique_id"].tolist() == ["a", "m", "z"]


def test_unknown_value_basis_and_missing_target_are_one_line_errors():
    with pytest.raises(RoiError, match="win_back.value_basis must be one of historical, predicted"):
        contact_list.value_if_reactivated(targets({"a": (1.0, 1.0)}), "average")
    predictions = targets({"a": (1.0, 1.0)})
    with pytest.raises(RoiError, match="1 win-back target"):
        contact_list.targets_with_predictions(pd.DataFrame({"customer_unique_id": ["a", "b"]}), predictions)


def test_backtest_counts_agree_with_the_hand_made_purchase_days(computed):
    end = pd.Timestamp(ROI_CALIBRATION_END)
    days = {index: roi_purchase_days(index) for index in range(1, 51)}
    in_calibration = {index: d for index, d in days.items() if d[0] < end}
    holdout = {index: sum(day >= end for day in d) for index, d in in_calibration.items()}
    table = computed.backtest.table
    totals = table.loc[(table["table"] == "totals") & (table["model"] == "mbgnbd")].iloc[0]
    assert computed.backtest.holdout_days == 183  # 2017-04-01 → 2017-10-01
    assert totals["people"] == len(in_calibration)
    assert totals["actual_purchases"] == sum(holdout.values())
    assert totals["holdout_buyers"] == sum(count > 0 for count in holdout.values())
    decile = table.loc[(table["table"] == "top_decile_capture") & (table["model"] == "mbgnbd")].iloc[0]
    assert decile["people"] == math.ceil(len(in_calibration) / 10)
    assert decile["share_of_holdout_buyers"] == pytest.approx(computed.backtest.capture["mbgnbd"].share)
    by_repeat = table.loc[(table["table"] == "by_calibration_repeat_purchases") & (table["model"] == "mbgnbd")]
    calibration_repeats = {index: min(sum(day < end for day in d) - 1, 6) for index, d in in_calibration.items()}
    expected_people = pd.Series(calibration_repeats).value_counts()
    for row in by_repeat.itertuples():
        group = 6 if row.group == "6+" else int(row.group)
        assert row.people == expected_people[group]
    assert by_repeat["people"].sum() == len(in_calibration)
    assert set(table["model"]) == {"mbgnbd", "bgnbd", "baseline"}
    counting = table.loc[table["table"].isin(["totals", "top_decile_capture", "by_calibration_repeat_purchases",
                                              "by_calibration_rfm_segment"])]
    assert set(counting["model"]) == {"mbgnbd", "bgnbd"}
    assert not counting[list(backtest.BACKTEST_COLUMNS[:10])].isna().any().any()
    assert len(ROI_REPEAT_DAYS) > 0


def test_backtest_predictions_are_the_calibration_fit_over_the_holdout(computed, people):
    calibration = people.loc[people["is_in_calibration"]].sort_values("customer_unique_id")
    fit = clv.fit_mbgnbd(calibration["calibration_frequency"].astype(float),
                         calibration["calibration_recency"].astype(float),
                         calibration["calibration_tenure"].astype(float))
    assert computed.calibration_outcomes["mbgnbd"].state == "identified"
    assert fit.params == pytest.approx(computed.calibration_outcomes["mbgnbd"].fit.params, rel=1e-9)
    predicted = clv.expected_purchases(fit, 183, calibration["calibration_frequency"].astype(float),
                                       calibration["calibration_recency"].astype(float),
                                       calibration["calibration_tenure"].astype(float))
    assert computed.backtest.totals["mbgnbd"].predicted_purchases == pytest.approx(predicted.sum(), rel=1e-9)


def test_predicted_clv_is_margin_times_predicted_revenue(computed, people):
    predictions = computed.predictions
    assert predictions["customer_unique_id"].is_monotonic_increasing
    ordered = people.sort_values("customer_unique_id")
    assert computed.choice.purchase_model == "mbgnbd" and computed.choice.spend_model == "gamma_gamma"
    outcomes = computed.choice.outcomes
    direct = clv.predict_customers(
        outcomes["mbgnbd"].fit, outcomes["gamma_gamma"].fit, ordered["frequency"], ordered["recency"],
        ordered["tenure"], ordered["avg_repeat_purchase_value"].astype(float), horizon_months=12,
        gross_margin=0.25, annual_discount_rate=0.10)
    np.testing.assert_allclose(predictions["predicted_clv"], direct["predicted_clv"], rtol=1e-12)
    np.testing.assert_allclose(predictions["predicted_clv_12m"], direct["predicted_clv"], rtol=1e-12)
    np.testing.assert_allclose(predictions["p_alive"], direct["p_alive"], rtol=1e-12)
    np.testing.assert_allclose(predictions["expected_spend_per_purchase"], direct["expected_spend"], rtol=1e-12)
    always = [column for column in predictions.columns
              if column not in ("expected_next_purchase_date", "avg_days_between_purchases", "repeat_value")]
    assert not predictions[always].isna().any().any()


def test_segment_table_sums_the_people_of_each_segment():
    predictions = pd.DataFrame({
        "customer_unique_id": ["a", "b", "c"], "rfm_segment": ["X", "X", "Y"], "monetary": [100.0, 50.0, 30.0],
        "predicted_revenue": [40.0, 0.0, 20.0], "predicted_clv": [10.0, 0.0, 5.0], "p_alive": [0.9, 0.1, 0.5],
        "expected_purchases_12m": [0.4, 0.0, 0.2], "p_purchase_90d": [0.3, 0.1, 0.02],
        "churn_risk": ["low", "medium", "high"],
        "expected_next_purchase_date": [pd.Timestamp("2018-10-01").date(), pd.Timestamp("2018-12-01").date(), None],
    })
    table = predicted_value.by_segment(predictions).set_index("rfm_segment")
    assert table.loc["X", "avg_p_purchase_90d"] == pytest.approx(0.2)
    assert table.loc["X", "share_low_churn_risk"] == 0.5 and table.loc["X", "share_high_churn_risk"] == 0.0
    assert str(table.loc["X", "median_expected_next_purchase_date"]) == "2018-10-31"  # midway between the two
    assert pd.isna(table.loc["Y", "median_expected_next_purchase_date"])
    assert table.loc["X", "people"] == 2 and table.loc["X", "revenue"] == 150.0
    assert table.loc["X", "avg_monetary"] == 75.0 and table.loc["X", "avg_predicted_clv"] == 5.0
    assert table.loc["X", "avg_p_alive"] == pytest.approx(0.5)
    assert table.loc["Y", "predicted_clv_share"] == pytest.approx(5 / 15)
    assert table.index.tolist() == ["X", "Y"]  # most predicted value first


def test_parameter_table_has_every_fit(computed):
    table = presented.parameter_table(computed)
    assert set(zip(table["fit"], table["model"])) == {
        ("calibration", "mbgnbd"), ("calibration", "bgnbd"), ("full", "mbgnbd"), ("full", "bgnbd"),
        ("full", "gamma_gamma")}
    assert len(table) == 4 * 4 + 3
    gamma = table.loc[table["model"] == "gamma_gamma"]
    assert gamma["people"].unique().tolist() == [len(ROI_REPEAT_DAYS)]  # every hand-made repeat buyer
    assert table["state"].unique().tolist() == ["identified"]
    used = table.loc[table["used"], ["fit", "model"]].drop_duplicates()
    assert used.values.tolist() == [["full", "mbgnbd"], ["full", "gamma_gamma"]]


def test_without_repeat_buyers_the_segment_rates_stand_in_for_the_models(people):
    one_time = people.assign(frequency=0, recency=0, calibration_frequency=0, calibration_recency=0,
                             avg_repeat_purchase_value=float("nan"))
    # the reference rates: 2 of 100 At Risk people bought within 1 month, 5 within 3; Hibernating 0 of 50 at both
    pooled = pd.DataFrame({"rfm_segment": ["At Risk", "At Risk", "Hibernating", "Hibernating"],
                           "horizon_months": [1, 3, 1, 3], "people": [100, 100, 50, 50], "returned": [2, 5, 0, 0]})
    result = predicted_value.compute(one_time, SETTINGS, pooled)
    assert result.choice.purchase_model == "segment_rates" and result.choice.spend_model == "average_spend"
    assert {o.state for o in result.choice.outcomes.values()} == {"not_fitted"}
    sentence = presented.choice_sentence(result)
    assert "segments' measured return rates" in sentence and "MBG/NBD is not fitted" in sentence
    assert result.backtest.unavailable
    table = result.predictions.set_index("customer_unique_id")
    at_risk = one_time.loc[one_time["rfm_segment"] == "At Risk", "customer_unique_id"]
    other = one_time.loc[~one_time["rfm_segment"].isin(["At Risk", "Hibernating"]), "customer_unique_id"]
    month = 365.25 / 12
    # 30 days: the 1-month rate under a constant hazard; 365 days: the 3-month rate over 12 months
    assert table.loc[at_risk, "p_purchase_30d"].tolist() == pytest.approx(
        [1 - (1 - 0.02) ** (30 / month)] * len(at_risk))
    assert table.loc[at_risk, "p_purchase_365d"].tolist() == pytest.approx(
        [1 - (1 - 0.05) ** (365 / month / 3)] * len(at_risk))
    assert table.loc[at_risk, "expected_purchases_12m"].tolist() == pytest.approx(
        [-4 * math.log(0.95)] * len(at_risk))
    # segments the mart does not measure take every segment's pooled rate: 5 of 150 within 3 months
    assert table.loc[other, "p_purchase_90d"].tolist() == pytest.approx(
        [1 - (1 - 5 / 150) ** (90 / month / 3)] * len(other))
    revenue, purchases = one_time["monetary"].astype(float).sum(), len(one_time)
    assert table["expected_spend_per_purchase"].unique().tolist() == pytest.approx([revenue / purchases])
    assert table["p_alive"].isna().all() and table["expected_next_purchase_date"].isna().all()
    assert table["value_given_purchase"].tolist() == pytest.approx([revenue / purchases] * len(table))


def test_verdict_words():
    close = clv.BacktestTotals(people=100, actual_purchases=100.0, predicted_purchases=105.0)
    # top decile = 10 of 100 people; 12 of 20 buyers in it = 60 % = 6 × the 10 % a random tenth holds
    assert clv.TopDecileCapture(100, 10, 20, 12).lift == pytest.approx(6.0)
    assert trust.verdict(close, clv.TopDecileCapture(100, 10, 20, 12)) == (
        "accurate in total, ranks people well")
    assert trust.verdict(close, clv.TopDecileCapture(100, 10, 20, 6)) == (
        "accurate in total, ranks people better than chance, loosely")
    rough = clv.BacktestTotals(people=100, actual_purchases=100.0, predicted_purchases=80.0)
    assert trust.verdict(rough, clv.TopDecileCapture(100, 10, 20, 3)) == (
        "roughly right in total, ranks people little better than chance")
    off = clv.BacktestTotals(people=100, actual_purchases=100.0, predicted_purchases=140.0)
    assert trust.verdict(off, clv.TopDecileCapture(100, 10, 20, 12)).startswith("off in total")


def test_backtest_reading_quotes_the_backtest(computed):
    checked = computed.backtest
    totals, capture = checked.totals["mbgnbd"], checked.capture["mbgnbd"]
    assert checked.calibration_end == pd.Timestamp(ROI_CALIBRATION_END)
    text = trust.backtest_reading(computed, "mbgnbd")
    assert text.startswith(f"Fitted on the {checked.people} people who bought before 2017-04-01, MBG/NBD predicted")
    assert f"against {int(totals.actual_purchases)} actual" in text and "183-day holdout" in text
    assert f"of the {capture.holdout_buyers} holdout buyers" in text
    assert text.endswith(trust.verdict(totals, capture) + ".")


def test_without_holdout_buyers_the_backtest_is_left_out_and_predictions_are_still_made(people):
    result = predicted_value.compute(people.assign(holdout_purchases=0), SETTINGS)
    assert result.backtest.unavailable == (
        "nobody in the calibration period bought in the holdout, so there is nothing to check")
    assert result.backtest.table.empty and tuple(result.backtest.table.columns) == backtest.BACKTEST_COLUMNS
    assert set(result.calibration_outcomes) == {"mbgnbd", "bgnbd"} and len(result.predictions) == len(people)


def test_parameters_have_intervals_and_segments_a_p10_p90(computed):
    """Every identified fit of the hand-made data gets standard errors; each segment's predicted CLV gets a P10 below
    its P90 from the parameter draws, and the backtested models a P10 / P90 of their holdout purchases."""
    table = presented.parameter_table(computed)
    assert table["standard_error"].notna().all() and (table["lower_95"] < table["value"]).all()
    assert (table["value"] < table["upper_95"]).all()
    segments = computed.by_segment
    assert (segments["predicted_clv_p10"] < segments["predicted_clv_p90"]).all()
    assert set(computed.intervals.backtest_purchases) == set(computed.backtest.totals)
    for interval in computed.intervals.backtest_purchases.values():
        assert interval.p10 < interval.p90


def test_parameter_table_has_aic_and_bic_of_each_fit(computed):
    table = presented.parameter_table(computed)
    for (fit_name, model), rows in table.loc[table["parameter"] != ""].groupby(["fit", "model"]):
        outcomes = computed.calibration_outcomes if fit_name == "calibration" else computed.choice.outcomes
        fit = outcomes[model].fit
        k = {"mbgnbd": 4, "bgnbd": 4, "gamma_gamma": 3}[model]
        assert len(rows) == k
        assert rows["aic"].tolist() == pytest.approx([2 * k - 2 * fit.log_likelihood] * k, rel=1e-12)
        assert rows["bic"].tolist() == pytest.approx([k * math.log(fit.people) - 2 * fit.log_likelihood] * k,
                                                     rel=1e-12)
    text = presented.information_sentence(computed)
    aic = {model: 8 - 2 * computed.choice.outcomes[model].fit.log_likelihood for model in ("mbgnbd", "bgnbd")}
    values = f"(MBG/NBD {aic['mbgnbd']:,.1f}, BG/NBD {aic['bgnbd']:,.1f})"
    if abs(aic["mbgnbd"] - aic["bgnbd"]) < 2:
        assert f"AIC cannot tell them apart {values}" in text
    else:
        assert f"AIC prefers {'MBG/NBD' if aic['mbgnbd'] < aic['bgnbd'] else 'BG/NBD'} {values}" in text


def test_spend_frequency_correlation_among_repeat_buyers_and_its_warning(computed):
    frame = pd.DataFrame({"frequency": [0, 1, 2, 3, 0], "avg_repeat_purchase_value": [None, 10.0, 30.0, 20.0, None]})
    # repeat buyers (1, 10), (2, 30), (3, 20): deviations (-1, 0, 1) and (-10, 10, 0): r = 10 / sqrt(2 × 200) = 0.5
    assert predicted_value.spend_frequency_correlation(frame) == pytest.approx(0.5)
    assert predicted_value.spend_frequency_correlation(frame.iloc[:3]) is None  # two repeat buyers
    flat = frame.assign(avg_repeat_purchase_value=[None, 10.0, 10.0, 10.0, None])
    assert predicted_value.spend_frequency_correlation(flat) is None
    high = dataclasses.replace(computed, spend_frequency_correlation=0.5)
    assert "0.50, above 0.3: the assumption does not hold here" in presented.spend_check_sentence(high)
    low = dataclasses.replace(computed, spend_frequency_correlation=-0.12)
    assert "-0.12 (within ±0.3: the assumption is not contradicted)" in presented.spend_check_sentence(low)


def test_value_draws_say_why_when_a_model_has_no_uncertainty(computed):
    without = dataclasses.replace(computed, uncertainty={key: value for key, value in computed.uncertainty.items()
                                                         if key != ("full", "gamma_gamma")})
    draws = predicted_value.value_draws(without, computed.predictions.head(5))
    assert draws.values is None and draws.note == "gamma_gamma was not fitted"
    assert predicted_value.value_draws(computed, computed.predictions.head(5)).values is not None
