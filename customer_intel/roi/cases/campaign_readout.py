"""What past campaigns did, from the readout marts (``campaign_lift``, ``campaign_results``), beside the plan.

For each campaign loaded back into the warehouse (the contact list as sent, ``campaign_contacts.csv``): the measured
lift (treatment minus control conversion within the campaign window) with its 95 % interval and p-value, as the
marts compute them, beside the lift the plan assumed (the headline success rate minus the targets' organic rate),
and the realised result at the current assumptions' margin and costs:

    realised net profit = incremental revenue × gross margin
                          − (treatment people × cost per contact + fixed cost + treatment buyers × incentive)
    realised ROI        = realised net profit / that cost

A campaign whose window has not ended by the as-of date is provisional; one without a control group has no lift.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

READOUT_COLUMNS = ("campaign_id", "treatment_people", "control_people", "treatment_conversion_rate",
                   "control_conversion_rate", "lift", "lift_lower_95", "lift_upper_95", "p_value", "planned_lift",
                   "incremental_buyers", "incremental_revenue", "campaign_cost", "realised_net_profit",
                   "realised_roi", "is_window_complete")


@dataclass(frozen=True)
class Readout:
    """One row per campaign in READOUT_COLUMNS (no rows when no contact list was loaded)."""

    table: pd.DataFrame

    @property
    def available(self) -> bool:
        return not self.table.empty


def compute(lift: pd.DataFrame, planned_success_rate: float, organic_rate: float, gross_margin: float,
            cost_per_contact: float, fixed_cost: float, incentive_per_reactivated: float) -> Readout:
    """The readout of every campaign in ``lift`` (the campaign_lift mart) at these assumptions."""
    table = lift.copy()
    table["planned_lift"] = planned_success_rate - organic_rate
    table["campaign_cost"] = (table["treatment_people"] * cost_per_contact + fixed_cost
                              + table["treatment_buyers"] * incentive_per_reactivated)
    table["realised_net_profit"] = table["incremental_revenue"] * gross_margin - table["campaign_cost"]
    table["realised_roi"] = (table["realised_net_profit"] / table["campaign_cost"]).where(table["campaign_cost"] > 0)
    return Readout(table.reindex(columns=list(READOUT_COLUMNS)).sort_values("campaign_id", ignore_index=True))
