"""Both business cases, their sensitivity grids and simulations, computed from marts and assumptions (no I/O)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from customer_intel.roi import monte_carlo, segment_moves, sensitivity, welcome_series, win_back
from customer_intel.roi.assumptions import Assumptions, domains
from customer_intel.roi.marts import Marts

WIN_BACK_STREAM = 1
WELCOME_STREAM = 2
VALUE_BASIS_LABELS = {
    "avg_order_value": "average order value (revenue / orders)",
    "avg_customer_value": "average customer value (revenue / customers)",
    "fixed": "a fixed value from the assumptions",
}


@dataclass(frozen=True)
class WinBackCase:
    """Everything computed for the win-back campaign."""

    targets: win_back.TargetSummary
    inputs: win_back.WinBackInputs
    scenarios: pd.DataFrame
    break_even_success_rate: float | None
    sensitivity: pd.DataFrame  # success_rate, cost_per_contact, net_profit
    simulated_net_profit: np.ndarray
    simulation: monte_carlo.SimulationSummary
    organic: segment_moves.OrganicRate  # the targets' measured return rate over the campaign window, no campaign


@dataclass(frozen=True)
class WelcomeSeriesCase:
    """Everything computed for the welcome series (net values per year where annualised)."""

    baseline: welcome_series.BaselineRetention
    measured_new_customers_per_month: float
    value_basis_label: str
    inputs: welcome_series.WelcomeInputs
    scenarios: pd.DataFrame
    break_even_improvement: float | None
    sensitivity: pd.DataFrame  # improvement, value_per_customer, net_value_per_year
    simulated_net_value_per_year: np.ndarray
    simulation: monte_carlo.SimulationSummary


@dataclass(frozen=True)
class Results:
    """Both business cases with the marts and assumptions they came from."""

    as_of_date: dt.date
    target_name: str
    marts: Marts
    assumptions: Assumptions
    win_back: WinBackCase
    welcome_series: WelcomeSeriesCase


def win_back_case(marts: Marts, assumptions: Assumptions) -> WinBackCase:
    """Targets from the mart, scenarios, break-even, sensitivity grid and simulation of the win-back campaign."""
    settings = assumptions.win_back
    targets = win_back.summarise_targets(marts.win_back_targets, marts.clv)
    organic = segment_moves.organic_rate(
        marts.segment_reactivation_pooled, targets.by_segment["rfm_segment"], settings.campaign_window_months
    )
    inputs = win_back.WinBackInputs(
        people=targets.people,
        avg_monetary=targets.avg_monetary,
        gross_margin=settings.gross_margin,
        cost_per_contact=settings.cost_per_contact,
        fixed_cost=settings.fixed_cost,
        incentive_per_reactivated=settings.incentive_per_reactivated,
        organic_rate=organic.rate,
    )
    grid = sensitivity.grid(
        inputs, win_back.net_profit,
        "success_rate", settings.sensitivity_success_rates,
        "cost_per_contact", settings.sensitivity_costs_per_contact,
    ).rename(columns={"net_result": "net_profit"})
    simulated = monte_carlo.simulate(
        inputs, win_back.net_profit, "success_rate", settings.uncertainty, domains("win_back"),
        assumptions.monte_carlo.runs, assumptions.monte_carlo.seed, WIN_BACK_STREAM,
    )
    return WinBackCase(
        targets=targets,
        inputs=inputs,
        scenarios=win_back.scenario_table(inputs, settings.success_rates).assign(
            campaign_window_months=organic.window_months
        ),
        break_even_success_rate=win_back.break_even_success_rate(inputs),
        sensitivity=grid,
        simulated_net_profit=simulated,
        simulation=monte_carlo.summarise(simulated, assumptions.monte_carlo.seed),
        organic=organic,
    )


def welcome_series_case(marts: Marts, assumptions: Assumptions) -> WelcomeSeriesCase:
    """Baseline from the cohorts, scenarios, break-even, sensitivity grid and simulation of the welcome series."""
    settings = assumptions.welcome_series
    baseline = welcome_series.pooled_month1_retention(marts.cohort_retention, settings.tiny_cohort_share)
    measured_new = welcome_series.measured_new_customers_per_month(
        baseline.cohorts, settings.new_customers_window_months
    )
    value = welcome_series.value_per_customer(
        settings.value_basis, settings.value_per_customer,
        marts.totals.avg_order_value, marts.totals.avg_customer_value,
    )
    inputs = welcome_series.WelcomeInputs(
        new_customers_per_month=settings.new_customers_per_month or measured_new,
        baseline_retention=baseline.rate,
        value_per_customer=value,
        gross_margin=settings.gross_margin,
        incentive_per_retained=settings.incentive_per_retained,
        fixed_cost_per_month=settings.fixed_cost_per_month,
    )
    grid = sensitivity.grid(
        inputs, welcome_series.net_value_per_year,
        "improvement", settings.sensitivity_improvements,
        "value_per_customer", [factor * value for factor in settings.sensitivity_value_factors],
    ).rename(columns={"net_result": "net_value_per_year"})
    simulated = monte_carlo.simulate(
        inputs, welcome_series.net_value_per_year, "improvement", settings.uncertainty, domains("welcome_series"),
        assumptions.monte_carlo.runs, assumptions.monte_carlo.seed, WELCOME_STREAM,
    )
    return WelcomeSeriesCase(
        baseline=baseline,
        measured_new_customers_per_month=measured_new,
        value_basis_label=VALUE_BASIS_LABELS[settings.value_basis],
        inputs=inputs,
        scenarios=welcome_series.scenario_table(inputs, settings.improvements),
        break_even_improvement=welcome_series.break_even_improvement(inputs),
        sensitivity=grid,
        simulated_net_value_per_year=simulated,
        simulation=monte_carlo.summarise(simulated, assumptions.monte_carlo.seed),
    )


def compute(marts: Marts, assumptions: Assumptions) -> Results:
    """Everything the CSVs, charts and report show."""
    return Results(
        as_of_date=marts.totals.as_of_date,
        target_name=marts.target_name,
        marts=marts,
        assumptions=assumptions,
        win_back=win_back_case(marts, assumptions),
        welcome_series=welcome_series_case(marts, assumptions),
    )


def summary_table(results: Results) -> pd.DataFrame:
    """The headline numbers of both cases, one (case, metric, value) row each."""
    wb, ws = results.win_back, results.welcome_series
    rows = [
        ("data", "as_of_date", results.as_of_date.isoformat()),
        ("data", "target", results.target_name),
        ("win_back", "people", wb.inputs.people),
        ("win_back", "avg_monetary", wb.inputs.avg_monetary),
        ("win_back", "campaign_window_months", wb.organic.window_months),
        ("win_back", "organic_rate", wb.organic.rate),
        ("win_back", "organic_returned", wb.organic.returned),
        ("win_back", "organic_people", wb.organic.people),
        ("win_back", "break_even_success_rate", wb.break_even_success_rate),
        ("welcome_series", "baseline_month1_retention", ws.baseline.rate),
        ("welcome_series", "baseline_returners", ws.baseline.returners),
        ("welcome_series", "baseline_customers", ws.baseline.customers),
        ("welcome_series", "baseline_cohorts_used", ws.baseline.cohorts_used),
        ("welcome_series", "new_customers_per_month", ws.inputs.new_customers_per_month),
        ("welcome_series", "value_per_customer", ws.inputs.value_per_customer),
        ("welcome_series", "break_even_improvement", ws.break_even_improvement),
    ]
    return pd.DataFrame(rows, columns=["case", "metric", "value"])


def simulation_table(results: Results) -> pd.DataFrame:
    """One row per case: runs, seed, P(net > 0), P10, P50, P90, mean (BRL; welcome series per year)."""
    summaries = {"win_back": results.win_back.simulation, "welcome_series": results.welcome_series.simulation}
    return pd.DataFrame([{"case": case, **summary.__dict__} for case, summary in summaries.items()])
