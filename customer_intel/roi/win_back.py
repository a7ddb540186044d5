"""The win-back business case: contact every lapsed target, some buy again.

For a success rate ``s`` (share of targets who buy again because of the campaign):

    reactivated   = people × s
    gross profit  = reactivated × avg_monetary × gross_margin
    campaign cost = people × cost_per_contact + fixed_cost + reactivated × incentive_per_reactivated
    net profit    = gross profit − campaign cost;   ROI = net profit / campaign cost

Reactivated people are an expected value, so they need not be whole. Net profit is linear in ``s``; it breaks even at

    s* = (people × cost_per_contact + fixed_cost)
         / (people × (avg_monetary × gross_margin − incentive_per_reactivated))

which reduces to ``cost_per_contact / (avg_monetary × gross_margin)`` without fixed cost and incentive. When an
incentive eats the whole margin of a reactivated customer, no success rate breaks even.

The formulas are plain arithmetic, so they accept numpy arrays as well as numbers (the Monte Carlo uses that).
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from customer_intel.roi.errors import RoiError


@dataclass(frozen=True)
class WinBackInputs:
    """Everything the formulas need; ``people`` and ``avg_monetary`` are those of the targeted segments in ``clv``."""

    people: float
    avg_monetary: float
    gross_margin: float
    cost_per_contact: float
    fixed_cost: float = 0.0
    incentive_per_reactivated: float = 0.0


@dataclass(frozen=True)
class WinBackOutcome:
    """The campaign's result at one success rate."""

    success_rate: float
    people: float
    reactivated: float
    gross_profit: float
    campaign_cost: float
    net_profit: float
    roi: float | None  # None when the campaign costs nothing


@dataclass(frozen=True)
class TargetSummary:
    """Who the campaign contacts: head count, mean monetary value, and the same per RFM segment."""

    people: int
    avg_monetary: float
    by_segment: pd.DataFrame  # rfm_segment, people, avg_monetary, revenue


def summarise_targets(targets: pd.DataFrame, clv: pd.DataFrame) -> TargetSummary:
    """Head count and mean monetary value of the people the campaign contacts; an empty target list is an error.

    ``win_back_targets`` holds every person of the targeted segments, so their totals are those segments' rows of
    ``clv`` (people = customers, revenue, avg_monetary): read there, not summed again from the contact list.
    """
    if targets.empty:
        raise RoiError("marts: win_back_targets is empty: there is no one to win back (check the segment rules)")
    segments = clv.loc[clv["rfm_segment"].isin(targets["rfm_segment"].unique())]
    by_segment = (
        segments.rename(columns={"customers": "people"})
        .sort_values(["people", "rfm_segment"], ascending=[False, True], ignore_index=True)
    )[["rfm_segment", "people", "avg_monetary", "revenue"]]
    people = int(by_segment["people"].sum())
    return TargetSummary(
        people=people,
        avg_monetary=float(by_segment["revenue"].sum()) / people,
        by_segment=by_segment,
    )


def reactivated(inputs: WinBackInputs, success_rate):
    """Expected number of targets who buy again."""
    return inputs.people * success_rate


def gross_profit(inputs: WinBackInputs, success_rate):
    """Margin earned on the reactivated customers' value."""
    return reactivated(inputs, success_rate) * inputs.avg_monetary * inputs.gross_margin


def campaign_cost(inputs: WinBackInputs, success_rate):
    """Contacts, fixed cost and incentives paid to the reactivated."""
    contacts = inputs.people * inputs.cost_per_contact
    incentives = reactivated(inputs, success_rate) * inputs.incentive_per_reactivated
    return contacts + inputs.fixed_cost + incentives


def net_profit(inputs: WinBackInputs, success_rate):
    """Gross profit minus campaign cost."""
    return gross_profit(inputs, success_rate) - campaign_cost(inputs, success_rate)


def project(inputs: WinBackInputs, success_rate: float) -> WinBackOutcome:
    """The whole result line for one success rate."""
    cost = float(campaign_cost(inputs, success_rate))
    net = float(net_profit(inputs, success_rate))
    return WinBackOutcome(
        success_rate=success_rate,
        people=inputs.people,
        reactivated=float(reactivated(inputs, success_rate)),
        gross_profit=float(gross_profit(inputs, success_rate)),
        campaign_cost=cost,
        net_profit=net,
        roi=net / cost if cost > 0 else None,
    )


def break_even_success_rate(inputs: WinBackInputs) -> float | None:
    """The success rate at which net profit is zero; None if no rate can pay back (incentive ≥ margin).

    The result can exceed 1: the campaign then cannot pay back even if every target buys again.
    """
    upfront_cost = inputs.people * inputs.cost_per_contact + inputs.fixed_cost
    margin_per_reactivated = inputs.avg_monetary * inputs.gross_margin - inputs.incentive_per_reactivated
    if upfront_cost == 0:
        return 0.0 if margin_per_reactivated >= 0 else None
    if margin_per_reactivated <= 0:
        return None
    return upfront_cost / (inputs.people * margin_per_reactivated)


def scenario_table(inputs: WinBackInputs, success_rates: tuple[float, ...]) -> pd.DataFrame:
    """One row per success rate: people, reactivated, gross_profit, campaign_cost, net_profit, roi."""
    rows = [project(inputs, rate) for rate in sorted(success_rates)]
    return pd.DataFrame([outcome.__dict__ for outcome in rows])
