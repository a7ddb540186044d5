"""Every ROI assumption, declared once: its key, kind, meaning, command-line flag and Monte Carlo role.

Everything else is derived from ``ASSUMPTIONS``: the validated dataclasses (one per section, one field per
assumption, ``sensitivity.success_rates`` → ``sensitivity_success_rates``), the checks and their messages, the
report's assumption table and the flags of ``scripts/roi.py``. ``assumptions/roi_defaults.yml`` holds the documented
default of every key, in the same order (a test holds the two together).

To add an assumption: one ``Assumption(...)`` row here (in the section and place it should appear) and its
documented default in ``assumptions/roi_defaults.yml``; code then reads it as ``assumptions.<section>.<name>``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from customer_intel.roi.assumptions.kinds import (
    AUTO_OR_NUMBER,
    COUNT,
    FACTORS,
    MONEY,
    MONEYS,
    NON_NEGATIVE,
    OPTIONAL_MONEY,
    RATE,
    RATES,
    SEED,
    UNCERTAINTY,
    VALUE_BASIS,
    WIN_BACK_VALUE_BASIS,
    Kind,
)


@dataclass(frozen=True)
class Flag:
    """A command-line flag of scripts/roi.py; several assumptions may share one (it then sets them all)."""

    name: str   # e.g. "--cost-per-contact"
    help: str


@dataclass(frozen=True)
class Assumption:
    """One key of the assumptions file."""

    key: str                      # dotted: "<section>.<name>", e.g. "win_back.sensitivity.success_rates"
    kind: Kind
    meaning: str                  # printed in the report's assumption table
    flag: Flag | None = None
    only_with: tuple[str, Any] | None = None
    """(sibling key, value): the value is required when the sibling has that value, and must be unset otherwise;
    a flag that sets this assumption also sets the sibling."""
    uncertain_inputs: Mapping[str, str] = field(default_factory=dict)
    """For an uncertainty block: input name → the key (in the same section) of the point value it replaces. The
    input standing for a list of scenarios is, when the user gives it no distribution, uniform over the list."""
    dbt_var: str | None = None
    """The value is this dbt var of dbt_project.yml (shared with the dbt models), not a key of any assumptions
    file: setting it in a file or by a flag is an error that says where to set it."""

    @property
    def section(self) -> str:
        return self.key.split(".", 1)[0]

    @property
    def name(self) -> str:
        """The key inside its section, e.g. ``sensitivity.success_rates``."""
        return self.key.split(".", 1)[1]

    @property
    def attribute(self) -> str:
        """The field of the section's dataclass, e.g. ``sensitivity_success_rates``."""
        return self.name.replace(".", "_")


@dataclass(frozen=True)
class Section:
    """A top-level key of the file and the dataclass that holds its validated values."""

    name: str
    class_name: str
    doc: str


SECTIONS = (
    Section("win_back", "WinBackAssumptions", "Validated ``win_back`` section (rates as fractions, money in R$)."),
    Section("welcome_series", "WelcomeSeriesAssumptions",
            "Validated ``welcome_series`` section (rates as fractions, money in R$)."),
    Section("monte_carlo", "MonteCarloSettings", "Validated ``monte_carlo`` section."),
    Section("clv", "ClvAssumptions", "Validated ``clv`` section: the predicted lifetime value's horizon and rate."),
    Section("experiment", "ExperimentAssumptions", "Validated ``experiment`` section: how a campaign is measured."),
)

GROSS_MARGIN_FLAG = Flag("--gross-margin", "gross margin of both cases, e.g. 0.25")

ASSUMPTIONS = (
    # --- win_back -------------------------------------------------------------------------------------------------
    Assumption("win_back.gross_margin", RATE, "Profit share of a reactivated customer's revenue",
               flag=GROSS_MARGIN_FLAG),
    Assumption("win_back.cost_per_contact", MONEY, "Cost to contact one target once",
               flag=Flag("--cost-per-contact", "win-back cost per contact, R$")),
    Assumption("win_back.fixed_cost", MONEY, "One-off campaign cost",
               flag=Flag("--fixed-cost", "win-back one-off campaign cost, R$")),
    Assumption("win_back.incentive_per_reactivated", MONEY, "Incentive paid to each reactivated customer",
               flag=Flag("--incentive-per-reactivated", "win-back incentive per reactivated, R$")),
    Assumption("win_back.value_basis", WIN_BACK_VALUE_BASIS,
               "Value of a reactivated customer: historical or predicted",
               flag=Flag("--win-back-value-basis", "value of a reactivated customer: historical | predicted")),
    Assumption("win_back.success_rates", RATES, "Success-rate scenarios (share of targets who buy again)",
               flag=Flag("--success-rates", "win-back success rates, e.g. 0.01,0.05")),
    Assumption("win_back.campaign_window_months", COUNT,
               "Months after the contact in which a target's purchase counts (organic rate measured over them)",
               dbt_var="campaign_window_months"),
    Assumption("win_back.sensitivity.success_rates", RATES, "Sensitivity grid: success rates"),
    Assumption("win_back.sensitivity.costs_per_contact", MONEYS, "Sensitivity grid: costs per contact"),
    Assumption("win_back.uncertainty", UNCERTAINTY, "Monte Carlo distributions", uncertain_inputs={
        "success_rate": "success_rates",
        "cost_per_contact": "cost_per_contact",
        "gross_margin": "gross_margin",
        "fixed_cost": "fixed_cost",
        "incentive_per_reactivated": "incentive_per_reactivated",
    }),
    # --- welcome_series -------------------------------------------------------------------------------------------
    Assumption("welcome_series.tiny_cohort_share", RATE,
               "Cohorts below this share of the median cohort size are tiny"),
    Assumption("welcome_series.new_customers_per_month", AUTO_OR_NUMBER,
               "New customers per month (auto = measured)",
               flag=Flag("--new-customers-per-month", "welcome-series new customers per month")),
    Assumption("welcome_series.new_customers_window_months", COUNT,
               "Recent cohorts averaged for new customers/month"),
    Assumption("welcome_series.improvements", RATES, "Relative improvements of month-1 retention",
               flag=Flag("--improvements", "welcome-series improvements, e.g. 0.05,0.3")),
    Assumption("welcome_series.value_basis", VALUE_BASIS, "Value of an added returning customer: basis",
               flag=Flag("--value-basis", "welcome-series value basis: avg_order_value | avg_customer_value")),
    Assumption("welcome_series.value_per_customer", OPTIONAL_MONEY, "Value per customer when value_basis is fixed",
               flag=Flag("--value-per-customer", "welcome-series fixed value per customer, R$"),
               only_with=("value_basis", "fixed")),
    Assumption("welcome_series.gross_margin", RATE, "Profit share of that value", flag=GROSS_MARGIN_FLAG),
    Assumption("welcome_series.incentive_per_retained", MONEY, "Incentive paid per added returning customer"),
    Assumption("welcome_series.fixed_cost_per_month", MONEY, "Running cost of the series per month"),
    Assumption("welcome_series.sensitivity.improvements", RATES, "Sensitivity grid: improvements"),
    Assumption("welcome_series.sensitivity.value_factors", FACTORS,
               "Sensitivity grid: factors of the value per customer"),
    Assumption("welcome_series.uncertainty", UNCERTAINTY, "Monte Carlo distributions", uncertain_inputs={
        "improvement": "improvements",
        "gross_margin": "gross_margin",
        "value_per_customer": "value_per_customer",
        "incentive_per_retained": "incentive_per_retained",
        "fixed_cost_per_month": "fixed_cost_per_month",
    }),
    # --- monte_carlo ----------------------------------------------------------------------------------------------
    Assumption("monte_carlo.runs", COUNT, "Simulated campaigns per business case",
               flag=Flag("--runs", "Monte Carlo runs")),
    Assumption("monte_carlo.seed", SEED, "Random seed (same seed, same results)",
               flag=Flag("--seed", "Monte Carlo seed")),
    # --- clv (predicted lifetime value) -----------------------------------------------------------------------------
    Assumption("clv.horizon_months", COUNT, "Months ahead the predicted lifetime value covers"),
    Assumption("clv.annual_discount_rate", RATE, "Annual rate future margin is discounted at (monthly)"),
    Assumption("clv.penalty", NON_NEGATIVE,
               "L2 penalty on the log shape parameters, used only to refit a model the data cannot identify"),
    Assumption("clv.churn_risk.medium_from", RATE, "Churn risk is medium from this P(no purchase in 90 days)"),
    Assumption("clv.churn_risk.high_from", RATE, "Churn risk is high from this P(no purchase in 90 days)"),
    # --- experiment (a campaign's control group) -----------------------------------------------------------------
    Assumption("experiment.control_share", RATE, "Share of the win-back targets held out as the control group",
               flag=Flag("--control-share", "share of the win-back targets held out as a control group")),
)

BY_KEY: dict[str, Assumption] = {assumption.key: assumption for assumption in ASSUMPTIONS}


@dataclass(frozen=True)
class UncertainInput:
    """An input of a business case that Monte Carlo may draw instead of holding it at its point value."""

    name: str           # e.g. "success_rate"
    point: Assumption   # the assumption it replaces, e.g. win_back.success_rates

    @property
    def kind(self) -> Kind:
        """The kind its distribution's parameters are checked as (rate or money)."""
        return self.point.kind.distribution

    @property
    def is_scenario(self) -> bool:
        """It stands for a list of scenarios (success rates, improvements)."""
        return self.point.kind.is_list


def uncertain_inputs(section: str) -> dict[str, UncertainInput]:
    """The inputs of ``section`` that may be uncertain, in the declared order."""
    block = BY_KEY.get(f"{section}.uncertainty")
    if block is None:
        return {}
    return {name: UncertainInput(name, BY_KEY[f"{section}.{point}"])
            for name, point in block.uncertain_inputs.items()}


def _check_declarations() -> None:
    """Mistakes in the table above fail at import, not in a user's run."""
    def require(condition: bool, problem: str) -> None:
        if not condition:
            raise ValueError(f"assumption declarations: {problem}")

    sections = [section.name for section in SECTIONS]
    for assumption in ASSUMPTIONS:
        require(assumption.section in sections, f"{assumption.key}: unknown section")
        for name, point in assumption.uncertain_inputs.items():
            point_assumption = BY_KEY.get(f"{assumption.section}.{point}")
            require(point_assumption is not None, f"{assumption.key}.{name}: no assumption {point}")
            require(point_assumption.kind.distribution is not None, f"{assumption.key}.{name}: cannot be uncertain")
        if assumption.only_with is not None:
            require(f"{assumption.section}.{assumption.only_with[0]}" in BY_KEY, f"{assumption.key}: only_with")
        if assumption.flag is not None:
            require(assumption.kind.flag_type is not None, f"{assumption.key}: kind {assumption.kind.name} has no flag")
    for section in sections:
        if f"{section}.uncertainty" in BY_KEY:
            scenarios = [item for item in uncertain_inputs(section).values() if item.is_scenario]
            require(len(scenarios) == 1, f"{section}.uncertainty needs exactly one scenario input")


_check_declarations()
