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

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from customer_intel.roi.assumptions import Assumptions, domains
from customer_intel.roi.cases import campaign_design
from customer_intel.roi.cases import contact_list as contacts
from customer_intel.roi.cases import segment_moves
from customer_intel.roi.cases.predicted_value import PredictedValue, ValueDraws, value_draws
from customer_intel.roi.errors import RoiError
from customer_intel.roi.methods import monte_carlo, sensitivity
from customer_intel.roi.methods.scenarios import headline_row

STREAM = 1  # the win-back Monte Carlo stream (each case has its own)


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
    avg_days_since_last_purchase: float  # over the people of the target list


def check_targets(targets: pd.DataFrame) -> None:
    """An empty target list is an error (checked before any model is fitted)."""
    if targets.empty:
        raise RoiError("marts: win_back_targets is empty: there is no one to win back (check the segment rules)")


def summarise_targets(targets: pd.DataFrame, clv: pd.DataFrame) -> TargetSummary:
    """Head count and mean monetary value of the people the campaign contacts; an empty target list is an error.

    ``win_back_targets`` holds every person of the targeted segments, so their totals are those segments' rows of
    ``clv`` (people = customers, revenue, avg_monetary): read there, not summed again from the contact list.
    """
    check_targets(targets)
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
        avg_days_since_last_purchase=float(targets["days_since_last_purchase"].astype(float).mean()),
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


# --- The case -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WinBackBasis:
    """The win-back case under one value basis: value of a reactivated person, scenarios and the contact list."""

    value_basis: str
    inputs: WinBackInputs
    scenarios: pd.DataFrame
    break_even_success_rate: float | None
    contact_list: contacts.ContactListResult

    @property
    def avg_value(self) -> float:
        return self.inputs.avg_monetary


@dataclass(frozen=True)
class WinBackCase:
    """Everything computed for the win-back campaign, under the value basis it uses."""

    targets: TargetSummary
    inputs: WinBackInputs
    scenarios: pd.DataFrame
    break_even_success_rate: float | None
    break_even_at_highest_cost: float | None  # at the sensitivity grid's highest cost per contact
    sensitivity: pd.DataFrame  # success_rate, cost_per_contact, net_profit
    simulated_net_profit: np.ndarray
    simulation: monte_carlo.SimulationSummary
    organic: segment_moves.OrganicRate  # the targets' measured return rate over the campaign window, no campaign
    bases: dict[str, WinBackBasis]  # historical and (when there are predictions) predicted, side by side
    value_basis: str  # the basis the case uses: the chosen one, or historical when there are no predictions
    value_draws: ValueDraws | None = None  # under the predicted basis: what the simulation draws the value from
    campaign: campaign_design.CampaignDesign | None = None  # the groups and the power to see the effect


def bases(targets: pd.DataFrame, organic: segment_moves.OrganicRate, segment_rates: dict[str, float],
          predicted: PredictedValue, assumptions: Assumptions, groups: pd.DataFrame) -> dict[str, WinBackBasis]:
    """The case with the historical and, when there are predictions, the predicted value of a reactivated person.
    ``groups`` = the campaign's contact list (``campaign_design.split``): only the treatment group is contacted, so
    it is the case's people and the contact list ranks it; the value of a reactivated person is the mean over all
    targets (the groups are a random split of them)."""
    settings = assumptions.win_back
    with_predictions = contacts.targets_with_predictions(targets, predicted.predictions)
    treated = with_predictions["customer_unique_id"].isin(
        groups.loc[groups["group"] == campaign_design.TREATMENT, "customer_unique_id"])
    people = int(treated.sum())
    result = {}
    for basis in contacts.VALUE_BASES if predicted.available else ("historical",):
        value = contacts.value_if_reactivated(with_predictions, basis)
        inputs = WinBackInputs(people=people, avg_monetary=float(value.mean()) if people else 0.0,
                               gross_margin=settings.gross_margin, cost_per_contact=settings.cost_per_contact,
                               fixed_cost=settings.fixed_cost,
                               incentive_per_reactivated=settings.incentive_per_reactivated, organic_rate=organic.rate)
        scenarios = scenario_table(inputs, settings.success_rates)
        result[basis] = WinBackBasis(
            value_basis=basis, inputs=inputs, scenarios=scenarios,
            break_even_success_rate=break_even_success_rate(inputs),
            contact_list=contacts.with_groups(contacts.contact_list(
                with_predictions.loc[treated], basis, float(headline_row(scenarios)["success_rate"]), segment_rates,
                settings.gross_margin, settings.cost_per_contact), with_predictions.loc[~treated], groups),
        )
    return result


def case(targets: pd.DataFrame, clv: pd.DataFrame, pooled: pd.DataFrame, predicted: PredictedValue,
         assumptions: Assumptions, as_of: dt.date) -> WinBackCase:
    """Targets from the mart, their split into treatment and control, scenarios under both value bases (the
    treatment group's contacts), break-even, sensitivity grid, simulation and the campaign's power (under the basis
    it uses)."""
    settings = assumptions.win_back
    summary = summarise_targets(targets, clv)
    groups = campaign_design.split(targets, as_of, assumptions.experiment.control_share)
    if not (groups["group"] == campaign_design.TREATMENT).any():
        raise RoiError(f"assumptions: all {len(groups):,} win-back targets fell in the control group: lower "
                       f"experiment.control_share (got {assumptions.experiment.control_share!r})")
    organic = segment_moves.organic_rate(pooled, targets["rfm_segment"], settings.campaign_window_months)
    segment_rates = segment_moves.segment_rates(pooled, settings.campaign_window_months)
    by_basis = bases(targets, organic, segment_rates, predicted, assumptions, groups)
    basis = settings.value_basis if settings.value_basis in by_basis else "historical"
    inputs = by_basis[basis].inputs
    grid = sensitivity.grid(
        inputs, net_profit,
        "success_rate", settings.sensitivity_success_rates,
        "cost_per_contact", settings.sensitivity_costs_per_contact,
    ).rename(columns={"net_result": "net_profit"})
    draws, simulated_inputs = None, inputs
    if basis == "predicted":
        # the value of a reactivated buyer is uncertain too: each simulated campaign takes one of its parameter draws
        draws = value_draws(predicted, predicted.predictions.loc[
            predicted.predictions["customer_unique_id"].isin(targets["customer_unique_id"])])
        if draws.values is not None:
            pick = np.random.default_rng([assumptions.monte_carlo.seed, STREAM, 1]).integers(
                0, len(draws.values), assumptions.monte_carlo.runs)
            simulated_inputs = replace(inputs, avg_monetary=draws.values[pick])
    simulated = monte_carlo.simulate(
        simulated_inputs, net_profit, "success_rate", settings.uncertainty, domains("win_back"),
        assumptions.monte_carlo.runs, assumptions.monte_carlo.seed, STREAM,
    )
    highest_cost = grid["cost_per_contact"].max()
    return WinBackCase(
        targets=summary,
        inputs=inputs,
        scenarios=by_basis[basis].scenarios.assign(campaign_window_months=organic.window_months),
        break_even_success_rate=by_basis[basis].break_even_success_rate,
        break_even_at_highest_cost=break_even_success_rate(replace(inputs, cost_per_contact=highest_cost)),
        sensitivity=grid,
        simulated_net_profit=simulated,
        simulation=monte_carlo.summarise(simulated, assumptions.monte_carlo.seed),
        organic=organic,
        bases=by_basis,
        value_basis=basis,
        value_draws=draws,
        campaign=campaign_design.design(groups, assumptions.experiment.control_share, organic.rate,
                                        by_basis[basis].break_even_success_rate),
    )
