"""Both business cases, their sensitivity grids and simulations, computed from marts and assumptions (no I/O)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from customer_intel.roi import monte_carlo, predicted_value, segment_moves, sensitivity, welcome_series, win_back
from customer_intel.roi.assumptions import Assumptions, domains
from customer_intel.roi.marts import Marts
from customer_intel.roi.readings import headline_row

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
    predicted: predicted_value.PredictedValue
    win_back_bases: dict[str, WinBackBasis]  # historical and predicted value basis, side by side

    @property
    def value_basis(self) -> str:
        """The value basis the win-back case uses: the chosen one, or historical when there are no predictions."""
        chosen = self.assumptions.win_back.value_basis
        return chosen if chosen in self.win_back_bases else "historical"


@dataclass(frozen=True)
class WinBackBasis:
    """The win-back case under one value basis: value of a reactivated person, scenarios and the contact list."""

    value_basis: str
    avg_value: float
    scenarios: pd.DataFrame
    break_even_success_rate: float | None
    contact_list: predicted_value.ContactListResult


def targets_organic_rate(marts: Marts, assumptions: Assumptions) -> segment_moves.OrganicRate:
    """The win-back targets' organic return rate over the campaign window, pooled over their segments."""
    return segment_moves.organic_rate(marts.segment_reactivation_pooled, marts.win_back_targets["rfm_segment"],
                                      assumptions.win_back.campaign_window_months)


def win_back_bases(marts: Marts, assumptions: Assumptions,
                   predicted: predicted_value.PredictedValue) -> dict[str, WinBackBasis]:
    """The win-back case with the historical and with the predicted value of a reactivated person."""
    settings = assumptions.win_back
    targets = predicted_value.targets_with_predictions(marts.win_back_targets, predicted.predictions)
    people = len(targets)
    organic = targets_organic_rate(marts, assumptions)
    segment_rates = segment_moves.segment_rates(marts.segment_reactivation_pooled, settings.campaign_window_months)
    bases = {}
    for basis in predicted_value.VALUE_BASES if predicted.available else ("historical",):
        avg_value = float(predicted_value.value_if_reactivated(targets, basis).mean()) if people else 0.0
        inputs = win_back.WinBackInputs(people=people, avg_monetary=avg_value, gross_margin=settings.gross_margin,
                                        cost_per_contact=settings.cost_per_contact, fixed_cost=settings.fixed_cost,
                                        incentive_per_reactivated=settings.incentive_per_reactivated,
                                        organic_rate=organic.rate)
        scenarios = win_back.scenario_table(inputs, settings.success_rates)
        bases[basis] = WinBackBasis(
            value_basis=basis,
            avg_value=avg_value,
            scenarios=scenarios,
            break_even_success_rate=win_back.break_even_success_rate(inputs),
            contact_list=predicted_value.contact_list(
                targets, basis, float(headline_row(scenarios)["success_rate"]), segment_rates,
                settings.gross_margin, settings.cost_per_contact),
        )
    return bases


def win_back_case(marts: Marts, assumptions: Assumptions, avg_monetary: float | None = None) -> WinBackCase:
    """Targets from the mart, scenarios, break-even, sensitivity grid and simulation of the win-back campaign;
    ``avg_monetary`` = value of a reactivated person (default: the targets' mean monetary value)."""
    settings = assumptions.win_back
    targets = win_back.summarise_targets(marts.win_back_targets, marts.clv)
    organic = targets_organic_rate(marts, assumptions)
    inputs = win_back.WinBackInputs(
        people=targets.people,
        avg_monetary=targets.avg_monetary if avg_monetary is None else avg_monetary,
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
    win_back.summarise_targets(marts.win_back_targets, marts.clv)  # an empty mart stops here, before any model fit
    clv_settings = assumptions.clv
    predicted = predicted_value.compute(marts.clv_people, predicted_value.ClvSettings(
        horizon_months=clv_settings.horizon_months, annual_discount_rate=clv_settings.annual_discount_rate,
        gross_margin=assumptions.win_back.gross_margin, penalty=clv_settings.penalty,
        churn_medium_from=clv_settings.churn_risk_medium_from, churn_high_from=clv_settings.churn_risk_high_from,
    ), marts.segment_reactivation_pooled)
    bases = win_back_bases(marts, assumptions, predicted)
    basis = assumptions.win_back.value_basis if assumptions.win_back.value_basis in bases else "historical"
    return Results(
        as_of_date=marts.totals.as_of_date,
        target_name=marts.target_name,
        marts=marts,
        assumptions=assumptions,
        win_back=win_back_case(marts, assumptions, bases[basis].avg_value),
        welcome_series=welcome_series_case(marts, assumptions),
        predicted=predicted,
        win_back_bases=bases,
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


def value_basis_table(results: Results) -> pd.DataFrame:
    """The win-back case under both value bases side by side: one row per basis (the chosen one marked)."""
    chosen = results.value_basis
    rows = []
    for basis, case in results.win_back_bases.items():
        headline = headline_row(case.scenarios)
        rows.append({
            "value_basis": basis,
            "chosen": basis == chosen,
            "people": int(headline["people"]),
            "avg_value": case.avg_value,
            "success_rate": float(headline["success_rate"]),
            "net_profit_contacting_all": float(headline["net_profit"]),
            "break_even_success_rate": case.break_even_success_rate,
            "optimal_list_length": case.contact_list.best_length,
            "optimal_list_net_profit": case.contact_list.best_net_profit,
        })
    return pd.DataFrame(rows)

