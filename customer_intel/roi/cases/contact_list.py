"""The win-back contact list: every target ranked by expected incremental value, and the list length that pays best.

Expected incremental value of a target = (success rate − the organic return rate of the target's segment) × value
of a reactivated person × gross margin, where the value is the target's historical ``monetary`` (value basis
``historical``) or the revenue the model expects from them GIVEN that they buy at the campaign (``predicted``:
``value_given_purchase`` of the predictive profile, which does not multiply by P(alive) again: the success rate
already says who buys); the success rate is the middle win-back scenario. The list length that maximises expected
net profit at the cost per contact is marked (``clv.optimal_contact_list``).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from customer_intel import clv
from customer_intel.roi.assumptions.kinds import WIN_BACK_VALUE_BASES as VALUE_BASES
from customer_intel.roi.errors import RoiError

CONTACT_COLUMNS = ("rank", "customer_unique_id", "rfm_segment", "favourite_category", "monetary", "p_alive",
                   "predicted_clv", "value_if_reactivated", "organic_rate", "expected_incremental_value",
                   "cumulative_net_profit", "in_optimal_list", "campaign_id", "group")


@dataclass(frozen=True)
class ContactListResult:
    """The ranked win-back targets under one value basis and the best list length."""

    value_basis: str
    success_rate: float
    table: pd.DataFrame  # CONTACT_COLUMNS, best first
    best_length: int
    best_net_profit: float


def value_if_reactivated(targets: pd.DataFrame, value_basis: str) -> pd.Series:
    """Value of each target if they buy again, before margin: their historical monetary, or the revenue the model
    expects from them given that they buy at the campaign (``value_given_purchase``, predictive_profile)."""
    if value_basis not in VALUE_BASES:
        raise RoiError(f"assumptions: win_back.value_basis must be one of {', '.join(VALUE_BASES)}")
    return targets["monetary" if value_basis == "historical" else "value_given_purchase"].astype(float)


def targets_with_predictions(targets: pd.DataFrame, predictions: pd.DataFrame) -> pd.DataFrame:
    """The win-back targets with their predictions; a target missing from clv_inputs is an error."""
    columns = ["customer_unique_id", "p_alive", "predicted_clv", "predicted_revenue", "value_given_purchase"]
    merged = targets.merge(predictions[columns], on="customer_unique_id", how="left", validate="one_to_one",
                           indicator=True)
    missing = int((merged.pop("_merge") != "both").sum())
    if missing:
        raise RoiError(f"marts: {missing} win-back target(s) are not in clv_inputs: run dbt build")
    return merged


def contact_list(targets: pd.DataFrame, value_basis: str, success_rate: float, organic_rates: Mapping[str, float],
                 gross_margin: float, cost_per_contact: float) -> ContactListResult:
    """Targets (with predictions) ranked by expected incremental value, and the best list length.

    Expected incremental value = (success rate − the organic return rate of the person's segment) × value if
    reactivated × margin: a person who would have bought anyway adds nothing. A segment the reactivation mart does
    not measure counts an organic rate of 0.
    """
    value = value_if_reactivated(targets, value_basis)
    organic = targets["rfm_segment"].map(organic_rates).fillna(0.0).astype(float)
    expected = (success_rate - organic) * value * gross_margin
    ids = targets["customer_unique_id"].to_numpy(dtype=str)
    try:
        best = clv.optimal_contact_list(expected.to_numpy(), cost_per_contact, tie_break=ids)
    except clv.ClvError as exc:
        raise RoiError(f"clv: {exc}") from exc
    ranked = targets.iloc[best.order].reset_index(drop=True).assign(
        value_if_reactivated=value.iloc[best.order].to_numpy(),
        organic_rate=organic.iloc[best.order].to_numpy(),
        expected_incremental_value=expected.iloc[best.order].to_numpy(),
        cumulative_net_profit=best.cumulative_net_profit,
    )
    ranked.insert(0, "rank", np.arange(1, len(ranked) + 1))
    ranked["in_optimal_list"] = ranked["rank"] <= best.best_length
    return ContactListResult(value_basis, success_rate, ranked.reindex(columns=list(CONTACT_COLUMNS)), best.best_length,
                             best.best_net_profit)


def with_groups(result: ContactListResult, control: pd.DataFrame, groups: pd.DataFrame) -> ContactListResult:
    """The ranked treatment group followed by the control group (held out: no rank, never in the list), each row
    with its campaign_id and group from ``groups`` (``campaign_design.split``)."""
    held_out = control.sort_values("customer_unique_id").assign(in_optimal_list=False)
    table = pd.concat([result.table.astype({"rank": "Int64"}), held_out.reindex(columns=result.table.columns)
                       .astype({"rank": "Int64", "in_optimal_list": bool})], ignore_index=True)
    table = table.drop(columns=["campaign_id", "group"]).merge(
        groups[["customer_unique_id", "campaign_id", "group"]], on="customer_unique_id", how="left", validate="1:1")
    return dataclasses.replace(result, table=table[list(CONTACT_COLUMNS)])
