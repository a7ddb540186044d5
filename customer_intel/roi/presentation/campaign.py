"""The campaign as an experiment, as the user sees it: the design sentence (groups, what the control group can
detect, the share that would detect the break-even lift) and the readout of campaigns loaded back."""
from __future__ import annotations

import pandas as pd

from customer_intel.roi.cases import Results
from customer_intel.roi.cases.campaign_design import ALPHA, POWER, CampaignDesign
from customer_intel.roi.formatting import brl, count, percent
from customer_intel.roi.presentation.html import Table, optional


def points(lift: float) -> str:
    """A lift (a difference of fractions) in percentage points: 0.0123 → "1.23 pp"."""
    return f"{lift * 100:.2f} pp"


def design_sentence(design: CampaignDesign) -> str:
    """Who is held out, what that can detect, and the share that would detect the break-even lift."""
    people = design.treatment_people + design.control_people
    groups = (f"Campaign <code>{design.campaign_id}</code> is an experiment: of the {count(people)} targets, "
              f"{count(design.control_people)} "
              f"({percent(design.control_share, 0)} by assumption experiment.control_share, drawn by a hash of the "
              f"campaign and the person) are held out as a control group and never contacted; the projections "
              f"above count the {count(design.treatment_people)} contacts of the treatment group only "
              f"(<code>campaign_contacts.csv</code>, ready to load back).")
    test = (f"{percent(POWER, 0)} power and {percent(ALPHA, 0)} significance (two-sided two-proportion test, control "
            f"rate = the targets' organic rate, {percent(design.control_rate, 2)})")
    if design.minimum_detectable_lift is None:
        detect = f"With {count(design.control_people)} controls no lift can be detected at {test}."
    else:
        detect = (f"With {count(design.control_people)} controls this campaign can detect a lift of "
                  f"{points(design.minimum_detectable_lift)} or more at {test}.")
    if design.break_even_lift is None:
        even = "It never breaks even, so no control group can confirm that it paid."
    else:
        share = design.control_share_for_break_even
        need = ("no split of these targets can detect it (even half of them held out)" if share is None else
                f"a control share of {percent(share, 1)} would detect it")
        enough = ("" if share is None or design.minimum_detectable_lift is None
                  else " (the chosen share does)" if design.minimum_detectable_lift <= design.break_even_lift
                  else " (the chosen share does not)")
        even = f"It breaks even at a lift of {points(design.break_even_lift)}: {need}{enough}."
    return f"{groups} {detect} {even}"


def readout_context(results: Results) -> dict:
    """The readout section: one row per campaign loaded back, and a sentence per campaign."""
    readout = results.readout
    rows, sentences = [], []
    for r in readout.table.itertuples():
        interval = ("—" if pd.isna(r.lift_lower_95) else f"{points(r.lift_lower_95)} – {points(r.lift_upper_95)}")
        rows.append([r.campaign_id, count(r.treatment_people), count(r.control_people),
                     optional(r.treatment_conversion_rate, lambda v: percent(v, 2)),
                     optional(r.control_conversion_rate, lambda v: percent(v, 2)),
                     optional(r.lift, points), interval, optional(r.p_value, lambda v: f"{v:.3g}"),
                     points(r.planned_lift), optional(r.incremental_revenue, lambda v: brl(v, 0)),
                     optional(r.realised_net_profit, lambda v: brl(v, 0)),
                     optional(r.realised_roi, lambda v: percent(v, 0)),
                     "final" if r.is_window_complete else "provisional"])
        if pd.isna(r.lift):
            sentences.append(f"{r.campaign_id} has no control group, so its effect cannot be measured.")
            continue
        verdict = ("the interval lies above zero: the campaign worked" if r.lift_lower_95 > 0 else
                   "the interval lies below zero: the campaign did harm" if r.lift_upper_95 < 0 else
                   "the interval includes zero: the data cannot tell this lift from no effect")
        sentences.append(
            f"{r.campaign_id}{'' if r.is_window_complete else ' (provisional: its window has not ended)'} lifted "
            f"conversion by {points(r.lift)} (95 % interval {interval}; {verdict}) against a planned "
            f"{points(r.planned_lift)}; at today's margin and costs it realised {brl(r.realised_net_profit, 0)}.")
    return {
        "available": readout.available,
        "text": " ".join(sentences),
        "table": Table(["campaign", "treatment", "control", "treatment conversion", "control conversion", "lift",
                        "95 % interval", "p-value", "planned lift", "incremental revenue", "realised net profit",
                        "realised ROI", "readout"], rows),
    }


def summary_metrics(design: CampaignDesign) -> dict:
    """The design's rows of business_case_summary.csv (case "campaign")."""
    return {"treatment_people": design.treatment_people,
            "control_people": design.control_people, "control_share": design.control_share,
            "control_rate": design.control_rate, "minimum_detectable_lift": design.minimum_detectable_lift,
            "break_even_lift": design.break_even_lift,
            "control_share_for_break_even": design.control_share_for_break_even}
