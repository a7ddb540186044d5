"""The win-back business case: contact every lapsed target, some buy again.

For a success rate ``s`` (share of targets who buy within the campaign window when contacted) and the targets'
measured organic return rate ``o`` (share who buy within the same window with no campaign):

    buyers        = people × s
    reactivated   = people × (s − o)          the incremental buyers: only they earn the campaign a profit
    gross profit  = reactivated × avg_monetary × gross_margin
    campaign cost = people × cost_per_contact + fixed_cost + buyers × incentive_per_reactivated
    net profit    = gross profit − campaign cost;   ROI = net profit / campaign cost

The incentive goes to every buyer, organic or not: the campaign cannot tell them apart. Below the organic rate the
incremental buyers are negative (the campaign did worse than doing nothing); the formula keeps that sign rather
than clipping it, so net profit stays linear in ``s``. Reactivated people are an expected value, so they need not
be whole. Net profit breaks even at

    s* = (people × cost_per_contact + fixed_cost + people × o × avg_monetary × gross_margin)
         / (people × (avg_monetary × gross_margin − incentive_per_reactivated))

which reduces to ``o + cost_per_contact / (avg_monetary × gross_margin)`` without fixed cost and incentive, and to
the organic-free ``cost_per_contact / (avg_monetary × gross_margin)`` when ``o = 0``. When an incentive eats the
whole margin of a reactivated customer, no success rate breaks even.

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
    organic_rate: float = 0.0  # share of the targets who buy again within the campaign window with no campaign


@dataclass(frozen=True)
class WinBackOutcome:
    """The campaign's result at one success rate."""

    success_rate: float
    organic_rate: float
    people: float
    buyers: float
    incremental_reactivated: float
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


def buyers(inputs: WinBackInputs, success_rate):
    """Expected number of targets who buy within the window, organic buyers included."""
    return inputs.people * success_rate


def reactivated(inputs: WinBackInputs, success_rate):
    """Expected number of incremental buyers: those beyond the organic rate (negative below it)."""
    return inputs.people * (success_rate - inputs.organic_rate)


def gross_profit(inputs: WinBackInputs, success_rate):
    """Margin earned on the reactivated customers' value."""
    return reactivated(inputs, success_rate) * inputs.avg_monetary * inputs.gross_margin


def campaign_cost(inputs: WinBackInputs, success_rate):
    """Contacts, fixed cost and incentives paid to every buyer."""
    contacts = inputs.people * inputs.cost_per_contact
    incentives = buyers(inputs, success_rate) * inputs.incentive_per_reactivated
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
        organic_rate=inputs.organic_rate,
        people=inputs.people,
        buyers=float(buyers(inputs, success_rate)),
        incremental_reactivated=float(reactivated(inputs, success_rate)),
        gross_profit=float(gross_profit(inputs, success_rate)),
        campaign_cost=cost,
        net_profit=net,
        roi=net / cost if cost > 0 else None,
    )


def break_even_success_rate(inputs: WinBackInputs) -> float | None:
    """The success rate at which net profit is zero; None when the campaign never breaks even: no success rate up
    to 100 % pays back (the value of a reactivated customer is too small for the cost, or the incentive eats the
    margin)."""
    organic_margin = inputs.people * inputs.organic_rate * inputs.avg_monetary * inputs.gross_margin
    upfront_cost = inputs.people * inputs.cost_per_contact + inputs.fixed_cost + organic_margin
    margin_per_reactivated = inputs.avg_monetary * inputs.gross_margin - inputs.incentive_per_reactivated
    if upfront_cost == 0:
        return 0.0 if margin_per_reactivated >= 0 else None
    if margin_per_reactivated <= 0 or inputs.people == 0:
        return None
    rate = upfront_cost / (inputs.people * margin_per_reactivated)
    return rate if rate <= 1 else None


def scenario_table(inputs: WinBackInputs, success_rates: tuple[float, ...]) -> pd.DataFrame:
    """One row per success rate: organic_rate, people, buyers, incremental_reactivated, gross_profit,
    campaign_cost, net_profit, roi."""
    rows = [project(inputs, rate) for rate in sorted(success_rates)]
    return pd.DataFrame([outcome.__dict__ for outcome in rows])
