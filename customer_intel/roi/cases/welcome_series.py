"""The welcome-series business case: lift the share of new customers who come back in their second month.

Baseline: month-1 retention pooled across monthly cohorts of ``cohort_retention``, as a FRACTION:

    baseline = Σ month-1 returners / Σ cohort sizes   (over the cohorts kept, below)

Pooling counts each customer once, so a one-person cohort weighs one person, not 1/25 of the answer (the reference
analysis averaged cohort rates and let a one-person cohort with 100 % retention pull the mean up). Cohorts are also
left out when the measurement cannot be trusted, each with its reason in the cohort table:

- ``tiny cohort``: fewer new customers than ``tiny_cohort_share`` × the median cohort size;
- ``month 1 not observed``: the data ends before the cohort's second month;
- ``month 1 in a thin month``: the calendar month after the cohort has a tiny cohort itself (a gap in the data such
  as 2016-11, or its thin end), so nobody could be seen coming back.

For a relative improvement ``i`` (0.10 = retention × 1.10) the case is, per month:

    added customers = new customers × baseline × i
    net value       = added × (value per customer × gross margin − incentive) − fixed cost per month

and per year 12 × that. A baseline of 0.48 % is 0.0048 here, never 0.48: the reference analysis used the percent
figure as a fraction and inflated its answer 100×.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from customer_intel.roi.assumptions import Assumptions, domains
from customer_intel.roi.errors import RoiError
from customer_intel.roi.marts import CustomerTotals
from customer_intel.roi.methods import monte_carlo, sensitivity

STREAM = 2  # the welcome series' Monte Carlo stream (each case has its own)

MONTHS_PER_YEAR = 12
INCLUDED = "included"


@dataclass(frozen=True)
class BaselineRetention:
    """Pooled month-1 retention and how it was measured."""

    rate: float
    returners: int
    customers: int
    cohorts_used: int
    cohorts: pd.DataFrame  # per cohort: size, month-1 returners, rate, status (included or the reason left out)


@dataclass(frozen=True)
class WelcomeInputs:
    """Everything the formulas need; rates are fractions (0.0048, not 0.48)."""

    new_customers_per_month: float
    baseline_retention: float
    value_per_customer: float
    gross_margin: float
    incentive_per_retained: float = 0.0
    fixed_cost_per_month: float = 0.0


@dataclass(frozen=True)
class WelcomeOutcome:
    """The series' result at one improvement."""

    improvement: float
    new_customers_per_month: float
    baseline_retention: float
    improved_retention: float
    added_customers_per_month: float
    net_value_per_added_customer: float
    net_value_per_month: float
    net_value_per_year: float


def check_retention_rates(cohort_retention: pd.DataFrame) -> None:
    """Rates in the mart must agree with its counts; a percent figure would inflate results 100×.

    The baseline itself is computed from the counts, so it cannot inherit such a mistake; this check makes sure
    the mart the report also charts has none either. That rates lie in [0, 1] is a dbt test of the mart
    (accepted_range on retention_rate), not repeated here.
    """
    if cohort_retention.empty:
        raise RoiError("marts: cohort_retention is empty: run dbt build on data with orders first")
    rates = cohort_retention["retention_rate"].astype(float)
    from_counts = cohort_retention["active_customers"] / cohort_retention["cohort_size"]
    if not np.allclose(rates, from_counts, rtol=0.01, atol=1e-4):
        raise RoiError(
            "marts: cohort_retention.retention_rate disagrees with active_customers / cohort_size "
            "(a percent stored as a fraction?)"
        )


def cohort_table(cohort_retention: pd.DataFrame, tiny_cohort_share: float) -> pd.DataFrame:
    """One row per cohort: cohort_size, month1_returners, month1_retention, status (``included`` or the reason)."""
    frame = cohort_retention.assign(cohort_month=pd.to_datetime(cohort_retention["cohort_month"]))
    sizes = frame.groupby("cohort_month")["cohort_size"].max().astype(int)
    month1 = frame.loc[frame["months_since_first_purchase"] == 1].set_index("cohort_month")["active_customers"]
    table = pd.DataFrame({"cohort_size": sizes}).join(month1.rename("month1_returners"))
    table.index.name = "cohort_month"
    threshold = tiny_cohort_share * float(sizes.median())
    next_month_sizes = (table.index + pd.DateOffset(months=1)).map(lambda month: sizes.get(month, 0))
    table["month1_retention"] = table["month1_returners"] / table["cohort_size"]
    table["status"] = [
        cohort_status(size, returners, next_size, threshold)
        for size, returners, next_size in zip(table["cohort_size"], table["month1_returners"], next_month_sizes)
    ]
    return table.reset_index()


def cohort_status(size: int, month1_returners: float, next_month_size: int, tiny_threshold: float) -> str:
    """Why a cohort is left out of the pooled baseline, or ``included``."""
    if size < tiny_threshold:
        return "tiny cohort"
    if pd.isna(month1_returners):
        return "month 1 not observed"
    if next_month_size < tiny_threshold:
        return "month 1 in a thin month"
    return INCLUDED


def pooled_month1_retention(cohort_retention: pd.DataFrame, tiny_cohort_share: float) -> BaselineRetention:
    """Σ month-1 returners / Σ cohort sizes over the cohorts kept (see the module docstring)."""
    check_retention_rates(cohort_retention)
    cohorts = cohort_table(cohort_retention, tiny_cohort_share)
    kept = cohorts.loc[cohorts["status"] == INCLUDED]
    if kept.empty:
        raise RoiError(
            "marts: cohort_retention has no cohort with an observed month 1 that is not tiny; "
            "cannot measure a baseline (lower welcome_series.tiny_cohort_share or load more data)"
        )
    returners = int(kept["month1_returners"].sum())
    customers = int(kept["cohort_size"].sum())
    return BaselineRetention(returners / customers, returners, customers, len(kept), cohorts)


def measured_new_customers_per_month(cohorts: pd.DataFrame, window_months: int) -> float:
    """Mean size of the last ``window_months`` cohorts that are not tiny."""
    usable = cohorts.loc[cohorts["status"] != "tiny cohort"].sort_values("cohort_month")
    return float(usable["cohort_size"].tail(window_months).mean())


def value_per_customer(basis: str, fixed_value: float | None, avg_order_value: float, avg_customer_value: float):
    """The value of one added returning customer, before margin, on the chosen basis."""
    values = {"avg_order_value": avg_order_value, "avg_customer_value": avg_customer_value, "fixed": fixed_value}
    if basis not in values:
        raise RoiError(f"assumptions: welcome_series.value_basis {basis!r} is unknown")
    return float(values[basis])


def added_customers(inputs: WelcomeInputs, improvement):
    """Extra customers per month who come back in their second month."""
    return inputs.new_customers_per_month * inputs.baseline_retention * improvement


def net_value_per_added_customer(inputs: WelcomeInputs):
    """Margin on one added returning customer, after their incentive."""
    return inputs.value_per_customer * inputs.gross_margin - inputs.incentive_per_retained


def net_value_per_month(inputs: WelcomeInputs, improvement):
    """Net value per month of running the series."""
    return added_customers(inputs, improvement) * net_value_per_added_customer(inputs) - inputs.fixed_cost_per_month


def net_value_per_year(inputs: WelcomeInputs, improvement):
    """Net value of a year of running the series (12 months at the monthly rate)."""
    return net_value_per_month(inputs, improvement) * MONTHS_PER_YEAR


def project(inputs: WelcomeInputs, improvement: float) -> WelcomeOutcome:
    """The whole result line for one improvement."""
    per_month = float(net_value_per_month(inputs, improvement))
    return WelcomeOutcome(
        improvement=improvement,
        new_customers_per_month=inputs.new_customers_per_month,
        baseline_retention=inputs.baseline_retention,
        improved_retention=inputs.baseline_retention * (1 + improvement),
        added_customers_per_month=float(added_customers(inputs, improvement)),
        net_value_per_added_customer=float(net_value_per_added_customer(inputs)),
        net_value_per_month=per_month,
        net_value_per_year=float(net_value_per_year(inputs, improvement)),
    )


def break_even_improvement(inputs: WelcomeInputs) -> float | None:
    """The improvement at which the series pays its monthly cost; None if no improvement can.

    ``net_value_per_month_at_full_lift`` is the variable part of the net value at improvement 1 (retention doubled).
    """
    net_value_per_month_at_full_lift = (
        inputs.new_customers_per_month * inputs.baseline_retention * net_value_per_added_customer(inputs)
    )
    if inputs.fixed_cost_per_month == 0:
        return 0.0 if net_value_per_added_customer(inputs) >= 0 else None
    if net_value_per_month_at_full_lift <= 0:
        return None
    return inputs.fixed_cost_per_month / net_value_per_month_at_full_lift


def scenario_table(inputs: WelcomeInputs, improvements: tuple[float, ...]) -> pd.DataFrame:
    """One row per improvement."""
    return pd.DataFrame([project(inputs, improvement).__dict__ for improvement in sorted(improvements)])


# --- The case -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WelcomeSeriesCase:
    """Everything computed for the welcome series (net values per year where annualised)."""

    baseline: BaselineRetention
    measured_new_customers_per_month: float
    inputs: WelcomeInputs
    scenarios: pd.DataFrame
    break_even_improvement: float | None
    sensitivity: pd.DataFrame  # improvement, value_per_customer, net_value_per_year
    simulated_net_value_per_year: np.ndarray
    simulation: monte_carlo.SimulationSummary


def case(cohort_retention: pd.DataFrame, totals: CustomerTotals, assumptions: Assumptions) -> WelcomeSeriesCase:
    """Baseline from the cohorts, scenarios, break-even, sensitivity grid and simulation of the welcome series."""
    settings = assumptions.welcome_series
    baseline = pooled_month1_retention(cohort_retention, settings.tiny_cohort_share)
    measured_new = measured_new_customers_per_month(baseline.cohorts, settings.new_customers_window_months)
    value = value_per_customer(settings.value_basis, settings.value_per_customer, totals.avg_order_value,
                               totals.avg_customer_value)
    inputs = WelcomeInputs(
        new_customers_per_month=settings.new_customers_per_month or measured_new,
        baseline_retention=baseline.rate,
        value_per_customer=value,
        gross_margin=settings.gross_margin,
        incentive_per_retained=settings.incentive_per_retained,
        fixed_cost_per_month=settings.fixed_cost_per_month,
    )
    grid = sensitivity.grid(
        inputs, net_value_per_year,
        "improvement", settings.sensitivity_improvements,
        "value_per_customer", [factor * value for factor in settings.sensitivity_value_factors],
    ).rename(columns={"net_result": "net_value_per_year"})
    simulated = monte_carlo.simulate(
        inputs, net_value_per_year, "improvement", settings.uncertainty, domains("welcome_series"),
        assumptions.monte_carlo.runs, assumptions.monte_carlo.seed, STREAM,
    )
    return WelcomeSeriesCase(
        baseline=baseline,
        measured_new_customers_per_month=measured_new,
        inputs=inputs,
        scenarios=scenario_table(inputs, settings.improvements),
        break_even_improvement=break_even_improvement(inputs),
        sensitivity=grid,
        simulated_net_value_per_year=simulated,
        simulation=monte_carlo.summarise(simulated, assumptions.monte_carlo.seed),
    )
