"""What brings new customers back: the regression on grouped counts checked against hand formulas and a
person-by-person fit, its guard rails on sparse data, the value of on-time deliveries, and the report's words."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from conftest import ROI_RETURNS, roi_marts_object

from customer_intel.roi import cases
from customer_intel.roi.assumptions import load_assumptions
from customer_intel.roi.cases import second_purchase
from customer_intel.roi.cases.second_purchase import FACTORS, MIN_RETURNERS_PER_EFFECT
from customer_intel.roi.presentation import second_purchase as presentation
from customer_intel.roi.presentation.report import render_report

BASE_LEVELS = {"days_late": "on time or early", "freight_share": "10-20 %", "installments": "1", "items": "1 item",
               "payment_type": "credit_card", "is_shipped_from_another_state": "no", "customer_region": "Southeast"}


def patterns(*rows: dict) -> pd.DataFrame:
    """second_purchase_patterns rows: each dict gives people, returned and the levels that differ from BASE_LEVELS."""
    return pd.DataFrame([{**BASE_LEVELS, **row} for row in rows])


def woolf(a_returned, a_people, b_returned, b_people):
    """Odds ratio of a against b and its 95 % interval by Woolf's formula (the saturated model's Wald interval)."""
    odds_ratio = (a_returned / (a_people - a_returned)) / (b_returned / (b_people - b_returned))
    se = math.sqrt(1 / a_returned + 1 / (a_people - a_returned) + 1 / b_returned + 1 / (b_people - b_returned))
    return odds_ratio, odds_ratio * math.exp(-1.959964 * se), odds_ratio * math.exp(1.959964 * se)


def test_one_lever_gives_the_odds_ratio_and_interval_of_the_two_by_two_table(roi_marts):
    model = second_purchase.fit(roi_marts["second_purchase_patterns"])
    (on_people, on_returned), (late_people, late_returned) = ROI_RETURNS.values()
    expected, lower, upper = woolf(late_returned, late_people, on_returned, on_people)
    lever = model.levers.iloc[0]
    assert model.fitted and len(model.levers) == 1
    assert (lever["factor"], lever["level"], lever["reference_level"]) == ("days_late", "1-3 days late",
                                                                           "on time or early")
    assert lever["odds_ratio"] == pytest.approx(expected, rel=1e-6)            # 0.4924
    assert (lever["odds_ratio_lower_95"], lever["odds_ratio_upper_95"]) == pytest.approx((lower, upper), rel=1e-5)
    assert (lever["people"], lever["returned"]) == (late_people, late_returned)
    assert lever["verdict"] == "less likely to come back"
    assert sorted(model.dropped) == sorted(set(FACTORS) - {"days_late"})     # one level each: nothing to estimate


def test_grouped_fit_equals_a_person_by_person_logit_and_recovers_the_planted_effects():
    import statsmodels.api as sm

    rng = np.random.default_rng(11)
    n = 120_000
    people = pd.DataFrame({
        "days_late": rng.choice(["on time or early", "1-3 days late", "8+ days late"], n, p=[0.85, 0.08, 0.07]),
        "payment_type": rng.choice(["credit_card", "boleto"], n, p=[0.75, 0.25]),
        "customer_region": rng.choice(["Southeast", "South", "Northeast"], n, p=[0.6, 0.25, 0.15]),
    })
    truth = {"days_late=1-3 days late": -0.3, "days_late=8+ days late": -0.7, "payment_type=boleto": 0.25,
             "customer_region=Northeast": 0.0, "customer_region=South": 0.2}
    linear = -3.5 + sum(effect * (people[name.split("=")[0]] == name.split("=")[1])
                        for name, effect in truth.items())
    people["returned"] = rng.random(n) < 1 / (1 + np.exp(-linear))
    grouped = (people.groupby(["days_late", "payment_type", "customer_region"], as_index=False)
               .agg(people=("returned", "size"), returned=("returned", "sum")))
    model = second_purchase.fit(patterns(*grouped.to_dict("records")))

    design = pd.get_dummies(people[["days_late", "payment_type", "customer_region"]], prefix_sep="=", dtype=float)
    design = design.drop(columns=["days_late=on time or early", "payment_type=credit_card",
                                  "customer_region=Southeast"])
    by_person = sm.Logit(people["returned"].astype(float), sm.add_constant(design)).fit(disp=0)
    levers = model.levers.assign(name=model.levers["factor"] + "=" + model.levers["level"]).set_index("name")
    for name, effect in truth.items():
        assert math.log(levers.loc[name, "odds_ratio"]) == pytest.approx(by_person.params[name], abs=1e-6)
        # within 3.3 standard errors of the planted effect (interval half-width / 1.96 = one standard error)
        se = (math.log(levers.loc[name, "odds_ratio_upper_95"]) - math.log(levers.loc[name, "odds_ratio"])) / 1.959964
        assert abs(math.log(levers.loc[name, "odds_ratio"]) - effect) < 3.3 * se, name
    assert levers.loc["days_late=8+ days late", "verdict"] == "less likely to come back"


def test_a_level_with_too_few_returners_is_pooled_with_the_reference_and_said():
    rows = patterns({"people": 20_000, "returned": 400},
                    {"days_late": "8+ days late", "people": 2_000, "returned": 30},
                    {"days_late": "4-7 days late", "people": 150, "returned": 3},          # 3 < 5: pooled
                    {"payment_type": "boleto", "people": 5_000, "returned": 110})
    model = second_purchase.fit(rows)
    assert model.pooled == [("days_late", "4-7 days late")]
    assert set(model.levers["level"]) == {"8+ days late", "boleto"}
    merged = patterns({"people": 20_150, "returned": 403},
                      {"days_late": "8+ days late", "people": 2_000, "returned": 30},
                      {"payment_type": "boleto", "people": 5_000, "returned": 110})
    expected = second_purchase.fit(merged).levers["odds_ratio"].tolist()
    assert model.levers["odds_ratio"].tolist() == pytest.approx(expected)
    assert "4-7 days late" in presentation.model_text(model)


def test_too_few_returners_for_the_effects_fits_nothing_and_says_how_many_it_needs():
    rows = patterns({"people": 900, "returned": 8}, {"days_late": "8+ days late", "people": 100, "returned": 6},
                    {"payment_type": "boleto", "people": 300, "returned": 5})
    model = second_purchase.fit(rows)
    assert not model.fitted and model.levers.empty
    assert "19 of 1,300" in model.reason and f"{2 * MIN_RETURNERS_PER_EFFECT}" in model.reason
    assert second_purchase.lateness_fix(rows, model, seed=1) is None
    empty = second_purchase.fit(patterns({"people": 0, "returned": 0}).iloc[:0])
    assert not empty.fitted and "180 days" in empty.reason


def test_on_time_deliveries_are_worth_the_late_peoples_gap_to_the_on_time_rate(roi_marts):
    rows = roi_marts["second_purchase_patterns"]
    model = second_purchase.fit(rows)
    fix = second_purchase.lateness_fix(rows, model, seed=3)
    (on_people, on_returned), (late_people, late_returned) = ROI_RETURNS.values()
    everyone = on_people + late_people
    # the model is saturated, so the late 1,000 at the on-time 3 % would add 30 - 15 = 15 returners of 11,000
    assert fix.late_share == pytest.approx(late_people / everyone)
    assert fix.added_return_rate == pytest.approx(late_people * (on_returned / on_people - late_returned / late_people)
                                                  / everyone, rel=1e-6)
    assert fix.added_return_rate_p10 < fix.added_return_rate < fix.added_return_rate_p90
    not_measured = patterns({"people": 10_000, "returned": 300}, {"days_late": "1-3 days late", "people": 1_000,
                                                                   "returned": 28})
    assert second_purchase.lateness_fix(not_measured, second_purchase.fit(not_measured), seed=3) is None


def test_each_lever_gets_one_plain_sentence():
    lever = pd.Series({"factor": "payment_type", "level": "boleto", "reference_level": "credit_card", "people": 5_000,
                       "returned": 110, "odds_ratio": 1.08, "odds_ratio_lower_95": 0.87,
                       "odds_ratio_upper_95": 1.34, "verdict": "cannot be told from no effect"})
    sentence = presentation.lever_sentence(lever)
    assert sentence.startswith("Payment type boleto (against credit_card)")
    assert "1.08× (95 % interval 0.87–1.34" in sentence and sentence.endswith("cannot be told from no effect.")
    assert second_purchase.verdict(0.5, 0.9) == "less likely to come back"
    assert second_purchase.verdict(1.1, 1.9) == "more likely to come back"


def test_report_section_and_welcome_series_quote_the_computed_numbers(roi_marts):
    results = cases.compute(roi_marts_object(roi_marts), load_assumptions(None, {"monte_carlo.runs": 300}))
    html = render_report(results, [])
    assert "What brings new customers back" in html
    assert "0.49× (95 % interval 0.29–0.83" in html                     # Woolf's numbers, by hand in conftest
    fix = results.second_purchase.lateness_fix
    ws = results.welcome_series.inputs
    per_year = ws.new_customers_per_month * 12 * (15 / 11_000)
    assert f"about {per_year:,.1f} a year" in html
    assert f"R$ {per_year * ws.value_per_customer * ws.gross_margin:,.0f} of gross margin" in html
    assert fix.added_return_rate == pytest.approx(15 / 11_000)
    # 1,000 late of 11,000 whose 180 days are over
    assert "9.1% of the new customers whose 180 days are over had a late first delivery" in html
