"""Designing a campaign as an experiment (customer_intel.campaign, customer_intel.roi.cases.campaign_design): the
groups are a deterministic hash, the minimum detectable lift has the power it claims (checked by simulating the
test), and the control share for the break-even lift is the smallest that detects it."""
from __future__ import annotations

import datetime as dt
import hashlib

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from conftest import roi_marts_object
from customer_intel.campaign import assign_groups
from customer_intel.roi import cases
from customer_intel.roi.assumptions import load_assumptions
from customer_intel.roi.cases import campaign_design
from customer_intel.roi.presentation import campaign as presented


def test_groups_are_the_sha256_of_campaign_and_person():
    people = [f"p{index}" for index in range(2000)]
    groups = assign_groups("win_back_20180901", people, 0.1)
    by_hand = ["control" if int(hashlib.sha256(f"win_back_20180901:{person}".encode()).hexdigest()[:16], 16) / 2 ** 64
               < 0.1 else "treatment" for person in people]
    assert groups.tolist() == by_hand
    assert 0.08 < np.mean(groups == "control") < 0.12
    # one person's group does not depend on who else is on the list, and another campaign reshuffles
    assert assign_groups("win_back_20180901", people[:10], 0.1).tolist() == by_hand[:10]
    assert assign_groups("win_back_20181001", people, 0.1).tolist() != by_hand


def simulated_power(treatment: int, control: int, p0: float, lift: float, runs: int = 20_000) -> float:
    """Share of simulated experiments in which the two-sided pooled z-test at 5 % rejects no effect."""
    rng = np.random.default_rng(5)
    bt = rng.binomial(treatment, p0 + lift, runs)
    bc = rng.binomial(control, p0, runs)
    pooled = (bt + bc) / (treatment + control)
    se = np.sqrt(pooled * (1 - pooled) * (1 / treatment + 1 / control))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, (bt / treatment - bc / control) / se, 0.0)
    return float(np.mean(np.abs(z) > norm.ppf(0.975)))


@pytest.mark.parametrize("treatment, control, p0", [(2_000, 2_000, 0.01), (9_000, 1_000, 0.0013),
                                                    (20_000, 300, 0.02)])
def test_the_minimum_detectable_lift_has_80_percent_power(treatment, control, p0):
    lift = campaign_design.minimum_detectable_lift(treatment, control, p0)
    assert lift is not None and lift > 0
    # the normal approximation's power, simulated: about 80 % (binomial noise of 20,000 runs: ±0.6 points; the
    # approximation itself is a few points off at rates near 0)
    assert simulated_power(treatment, control, p0, lift) == pytest.approx(0.80, abs=0.04)
    assert simulated_power(treatment, control, p0, lift / 2) < 0.5


def test_no_control_group_detects_nothing_and_the_break_even_share_is_the_smallest_that_does():
    assert campaign_design.minimum_detectable_lift(1000, 0, 0.01) is None
    people, p0, needed = 20_000, 0.005, 0.006
    share = campaign_design.control_share_for(people, p0, needed)
    assert 0 < share < 0.5
    at = campaign_design.minimum_detectable_lift(people * (1 - share), people * share, p0)
    assert at == pytest.approx(needed, rel=1e-3)
    below = campaign_design.minimum_detectable_lift(people * (1 - share * 0.9), people * share * 0.9, p0)
    assert below > needed
    assert campaign_design.control_share_for(200, p0, needed) is None  # even half of 200 cannot see 0.6 points
    assert campaign_design.control_share_for(people, p0, None) is None  # never breaks even: nothing to detect


def test_the_win_back_case_contacts_the_treatment_group_only(roi_marts):
    marts = roi_marts_object(roi_marts)
    assumptions = load_assumptions(None, {"monte_carlo.runs": 50, "experiment.control_share": 0.4})
    case = cases.compute(marts, assumptions).win_back
    design = case.campaign
    targets = sorted(roi_marts["win_back_targets"]["customer_unique_id"])
    assert design.contacts["customer_unique_id"].tolist() == targets
    assert design.contacts["group"].tolist() == assign_groups("win_back_20171001", targets, 0.4).tolist()
    assert design.contacts["contacted_at"].unique().tolist() == ["2017-10-01 00:00:00"]
    treatment = int((design.contacts["group"] == "treatment").sum())
    assert 0 < treatment < len(targets) and design.treatment_people == treatment
    assert case.inputs.people == treatment and case.scenarios["people"].unique().tolist() == [treatment]
    listed = case.bases[case.value_basis].contact_list.table
    assert listed.loc[listed["group"] == "treatment", "rank"].tolist() == list(range(1, treatment + 1))
    assert listed.loc[listed["group"] == "control", "rank"].isna().all()
    assert design.control_rate == case.organic.rate
    assert design.break_even_lift == pytest.approx(case.break_even_success_rate - case.organic.rate)
    text = presented.design_sentence(design)
    assert f"{len(targets) - treatment} (40% by assumption experiment.control_share" in text
    assert f"count the {treatment} contacts of the treatment group only" in text


def test_the_readout_puts_each_campaign_beside_the_plan(roi_marts):
    from conftest import ROI_CAMPAIGN

    marts = roi_marts_object(roi_marts)
    results = cases.compute(marts, load_assumptions(None, {"monte_carlo.runs": 50}))
    row = results.readout.table.iloc[0]
    settings = results.assumptions.win_back
    planned = 0.03 - results.win_back.organic.rate  # the headline (middle) success rate 3 % minus the organic rate
    cost = 900 * settings.cost_per_contact + settings.fixed_cost + 45 * settings.incentive_per_reactivated
    assert row["planned_lift"] == pytest.approx(planned)
    assert row["campaign_cost"] == pytest.approx(cost)
    assert row["realised_net_profit"] == pytest.approx(2700 * settings.gross_margin - cost)
    assert row["realised_roi"] == pytest.approx((2700 * settings.gross_margin - cost) / cost)
    assert row["lift"] == ROI_CAMPAIGN["lift"]
    text = presented.readout_context(results)["text"]
    assert text.startswith("win_back_20170601 lifted conversion by 3.00 pp (95 % interval -1.00 pp – 5.00 pp; the "
                           "interval includes zero: the data cannot tell this lift from no effect) against a planned "
                           f"{planned * 100:.2f} pp")


def test_a_campaign_without_control_has_no_realised_result():
    from customer_intel.roi.cases import campaign_readout

    lift = pd.DataFrame([{"campaign_id": "c", "treatment_people": 10, "treatment_buyers": 1, "control_people": 0,
                          "control_buyers": 0, "treatment_conversion_rate": 0.1, "control_conversion_rate": None,
                          "lift": None, "lift_lower_95": None, "lift_upper_95": None, "p_value": None,
                          "incremental_buyers": None, "incremental_revenue": None,
                          "window_ends_at": dt.datetime(2018, 1, 1), "is_window_complete": True}])
    result = campaign_readout.compute(lift, 0.03, 0.01, 0.25, 0.5, 0.0, 0.0)
    assert result.available and pd.isna(result.table["realised_net_profit"].iloc[0])
