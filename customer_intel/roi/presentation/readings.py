"""One-sentence readings of each chart, computed from the data the chart shows (never fixed prose)."""
from __future__ import annotations

import pandas as pd

from customer_intel.roi.formatting import brl, count, percent
from customer_intel.roi.methods.monte_carlo import SimulationSummary
from customer_intel.roi.methods.scenarios import headline_row


def segment_value(clv: pd.DataFrame) -> str:
    """Which segment holds the most value, against its share of customers."""
    top = clv.sort_values("revenue_share", ascending=False).iloc[0]
    smallest = clv.sort_values("revenue_share").iloc[0]
    return (
        f"{top['rfm_segment']} hold {percent(top['revenue_share'], 1)} of all customer value with "
        f"{percent(top['customer_share'], 1)} of the customers (average {brl(top['avg_monetary'])} each); "
        f"{smallest['rfm_segment']} hold the least, {percent(smallest['revenue_share'], 1)}."
    )


def affinity(affinity_shown: pd.DataFrame) -> str:
    """The strongest segment × category lean among the categories shown."""
    top = affinity_shown.sort_values(["affinity_index", "revenue"], ascending=False).iloc[0]
    if top["affinity_index"] < 1.05:
        return "No segment leans towards any of these categories: every affinity index is close to 1."
    return (
        f"{top['rfm_segment']} lean most towards {top['product_category']}: it takes "
        f"{percent(top['segment_revenue_share'], 1)} of their spend against {percent(top['overall_revenue_share'], 1)} "
        f"overall, an affinity index of {top['affinity_index']:.2f}."
    )


def geography(geography_frame: pd.DataFrame) -> str:
    """The top state of each segment, in one sentence."""
    leaders = geography_frame.sort_values(["rfm_segment", "customers"], ascending=[True, False]).groupby(
        "rfm_segment"
    ).head(1)
    states = leaders["customer_state"].unique()
    if len(states) == 1:
        low = percent(leaders["segment_customer_share"].min(), 0)
        high = percent(leaders["segment_customer_share"].max(), 0)
        spread = low if low == high else f"{low}–{high}"
        return f"{states[0]} is the top state in every segment, with {spread} of each segment's customers."
    parts = [
        f"{state} in {', '.join(leaders.loc[leaders['customer_state'] == state, 'rfm_segment'])}" for state in states
    ]
    return f"The top state differs by segment: {'; '.join(parts)}."


def cohort_retention(baseline) -> str:
    """The pooled month-1 baseline, its best cohort, and how many cohorts were left out."""
    included = baseline.cohorts.loc[baseline.cohorts["status"] == "included"]
    best = included.sort_values("month1_retention", ascending=False).iloc[0]
    left_out = len(baseline.cohorts) - baseline.cohorts_used
    return (
        f"Pooled over {baseline.cohorts_used} cohorts, {percent(baseline.rate)} of new customers buy again in their "
        f"second month ({count(baseline.returners)} of {count(baseline.customers)}); the best cohort, "
        f"{best['cohort_month']:%Y-%m}, reached {percent(best['month1_retention'])}"
        f"{f', and {left_out} tiny or unobservable cohorts are left out' if left_out else ''}."
    )


def break_even_text(rate: float | None, what: str) -> str:
    """A break-even value in words: reachable, above 100 %, or impossible."""
    if rate is None:
        return f"it never breaks even (no {what} pays back the cost)"
    if rate > 1:
        return f"it cannot pay back even at a 100% {what} (break-even {percent(rate)})"
    return f"it breaks even at a {percent(rate)} {what}"


def win_back_scenarios(scenarios: pd.DataFrame, break_even: float | None) -> str:
    """The middle scenario's net profit, cost and ROI, and the break-even rate."""
    row = headline_row(scenarios)
    roi = "" if pd.isna(row["roi"]) else f", ROI {percent(row['roi'], 0)}"
    return (
        f"At a {percent(row['success_rate'])} success rate the campaign nets {brl(row['net_profit'], 0)} on "
        f"{brl(row['campaign_cost'], 0)} of cost{roi}; {break_even_text(break_even, 'success rate')}."
    )


def welcome_scenarios(scenarios: pd.DataFrame, baseline_rate: float) -> str:
    """Added customers and net value per year across the improvement range."""
    low, high = scenarios.iloc[0], scenarios.iloc[-1]
    return (
        f"Lifting the {percent(baseline_rate)} month-1 retention by {percent(low['improvement'])} to "
        f"{percent(high['improvement'])} adds {count(low['added_customers_per_month'], 1)} to "
        f"{count(high['added_customers_per_month'], 1)} returning customers a month, worth "
        f"{brl(low['net_value_per_year'], 0)} to {brl(high['net_value_per_year'], 0)} a year."
    )


def grid_share_positive(grid: pd.DataFrame, value_column: str) -> str:
    """``n of m combinations`` with a positive net result."""
    positive = int((grid[value_column] > 0).sum())
    return f"{positive} of {len(grid)} combinations"


def win_back_sensitivity(grid: pd.DataFrame, break_even_at_highest_cost: float | None) -> str:
    """How much of the grid pays, and the break-even rate at the highest cost tested."""
    highest = grid["cost_per_contact"].max()
    return (
        f"Net profit is positive in {grid_share_positive(grid, 'net_profit')}; at the highest cost tested, "
        f"{brl(highest)} per contact, {break_even_text(break_even_at_highest_cost, 'success rate')}."
    )


def welcome_sensitivity(grid: pd.DataFrame) -> str:
    """The range of net value per year over the grid."""
    worst = grid.sort_values("net_value_per_year").iloc[0]
    best = grid.sort_values("net_value_per_year").iloc[-1]
    return (
        f"Net value per year ranges from {brl(worst['net_value_per_year'], 0)} "
        f"({percent(worst['improvement'])} lift, {brl(worst['value_per_customer'], 0)} per customer) to "
        f"{brl(best['net_value_per_year'], 0)} ({percent(best['improvement'])}, "
        f"{brl(best['value_per_customer'], 0)}); it is positive in {grid_share_positive(grid, 'net_value_per_year')}."
    )


def simulation(summary: SimulationSummary, what: str) -> str:
    """P(net > 0) and the P10 / P50 / P90 of a simulation."""
    return (
        f"In {count(summary.runs)} simulated campaigns the {what} is positive "
        f"{percent(summary.probability_positive, 1)} of the time; "
        f"P10 {brl(summary.p10, 0)}, median {brl(summary.p50, 0)}, P90 {brl(summary.p90, 0)}."
    )


# --- How segments move ------------------------------------------------------------------------------------------


def segment_migration(period: pd.DataFrame) -> str:
    """Of the people in the earlier snapshot, how many kept their segment; the largest move; how many are new."""
    start, end = period["from_snapshot_date"].min(), period["to_snapshot_date"].max()
    known = period.loc[period["from_segment"] != "New"]
    stayed = int(known.loc[known["from_segment"] == known["to_segment"], "people"].sum())
    moved = known.loc[known["from_segment"] != known["to_segment"]].sort_values(
        ["people", "from_segment_order", "to_segment_order"], ascending=[False, True, True])
    new = int(period.loc[period["from_segment"] == "New", "people"].sum())
    largest = "" if moved.empty else (
        f"; the largest move was {moved.iloc[0]['from_segment']} → {moved.iloc[0]['to_segment']} "
        f"({count(moved.iloc[0]['people'])} people)"
    )
    return (
        f"Between {pd.Timestamp(start):%Y-%m-%d} and {pd.Timestamp(end):%Y-%m-%d}, {count(stayed)} of "
        f"{count(int(known['people'].sum()))} people kept their segment{largest}, and {count(new)} people were new."
    )


def organic_return_rates(pooled: pd.DataFrame, organic) -> str:
    """At the campaign window: the segments that return most and least on their own, and the targets' rate."""
    at_window = pooled.loc[pooled["horizon_months"] == organic.window_months].sort_values(
        ["return_rate", "segment_order"], ascending=[False, True])
    top, bottom = at_window.iloc[0], at_window.iloc[-1]
    return (
        f"Within {organic.window_months} months and with no campaign, {top['rfm_segment']} buy again most often "
        f"({percent(top['return_rate'], 2)} of {count(top['people'])} person-snapshots) and {bottom['rfm_segment']} "
        f"least ({percent(bottom['return_rate'], 2)}); the win-back targets ({', '.join(organic.segments)}) return "
        f"at {percent(organic.rate, 2)}, which the win-back case subtracts from its success rate."
    )


def value_draws(draws) -> str:
    """How the simulation treats the value of a reactivated buyer under the predicted basis (``ValueDraws``)."""
    if draws.values is None:
        return f"The value of a reactivated buyer is held at the model's point estimate ({draws.note})."
    low, high = draws.p10_p90
    left_out = f"; {draws.note}" if draws.note else ""
    return (f"The value of a reactivated buyer is uncertain too: each simulated campaign takes the targets' mean "
            f"value from one of {len(draws.values)} draws of the model's parameters (P10 – P90 {brl(low)} – "
            f"{brl(high)} before margin{left_out}).")
