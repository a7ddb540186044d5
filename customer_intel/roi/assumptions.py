"""The assumptions file: YAML merged over the shipped defaults, command-line overrides, validation.

Layers, last wins: ``assumptions/roi_defaults.yml`` (documented, shipped) → the user's ``--assumptions`` file (may
hold only the keys it changes) → command-line flags. Validation then turns the merged mapping into frozen dataclasses
and stops at the first problem with a one-line ``RoiError`` that names the field, e.g.
``assumptions: win_back.cost_per_contact must not be negative (got -0.5)``.

Monte Carlo: an input the user sets (in their file or by a flag) without giving it a distribution is held at the
user's value in the simulation, rather than silently drawn from the defaults' range around another value.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import yaml

from customer_intel.profile import PROJECT_ROOT
from customer_intel.roi import formatting
from customer_intel.roi.errors import RoiError
from customer_intel.roi.monte_carlo import DISTRIBUTION_PARAMETERS, Distribution, Domain, uniform_over

DEFAULTS_PATH = PROJECT_ROOT / "assumptions" / "roi_defaults.yml"

RATE = "rate"            # a fraction in [0, 1]
MONEY = "money"          # BRL, >= 0
RATES = "rates"          # non-empty list of fractions
MONEYS = "moneys"        # non-empty list of BRL amounts
FACTORS = "factors"      # non-empty list of numbers >= 0
COUNT = "count"          # integer >= 1
SEED = "seed"            # integer >= 0
VALUE_BASIS = "value_basis"
OPTIONAL_MONEY = "optional_money"
AUTO_OR_NUMBER = "auto_or_number"
UNCERTAINTY = "uncertainty"
WIN_BACK_VALUE_BASIS = "win_back_value_basis"  # predicted lifetime value: historical | predicted

VALUE_BASES = ("avg_order_value", "avg_customer_value", "fixed")
WIN_BACK_VALUE_BASES = ("historical", "predicted")
DOMAINS: dict[str, Domain] = {RATE: (0.0, 1.0), MONEY: (0.0, math.inf)}


@dataclass(frozen=True)
class Field:
    """One key of the assumptions file: how it is validated and what it means (printed in the report)."""

    kind: str
    meaning: str


FIELDS: dict[str, Field] = {
    "win_back.gross_margin": Field(RATE, "Profit share of a reactivated customer's revenue"),
    "win_back.cost_per_contact": Field(MONEY, "Cost to contact one target once"),
    "win_back.fixed_cost": Field(MONEY, "One-off campaign cost"),
    "win_back.incentive_per_reactivated": Field(MONEY, "Incentive paid to each reactivated customer"),
    "win_back.success_rates": Field(RATES, "Success-rate scenarios (share of targets who buy again)"),
    "win_back.sensitivity.success_rates": Field(RATES, "Sensitivity grid: success rates"),
    "win_back.sensitivity.costs_per_contact": Field(MONEYS, "Sensitivity grid: costs per contact"),
    "win_back.uncertainty": Field(UNCERTAINTY, "Monte Carlo distributions"),
    "welcome_series.tiny_cohort_share": Field(RATE, "Cohorts below this share of the median cohort size are tiny"),
    "welcome_series.new_customers_per_month": Field(AUTO_OR_NUMBER, "New customers per month (auto = measured)"),
    "welcome_series.new_customers_window_months": Field(COUNT, "Recent cohorts averaged for new customers/month"),
    "welcome_series.improvements": Field(RATES, "Relative improvements of month-1 retention"),
    "welcome_series.value_basis": Field(VALUE_BASIS, "Value of an added returning customer: basis"),
    "welcome_series.value_per_customer": Field(OPTIONAL_MONEY, "Value per customer when value_basis is fixed"),
    "welcome_series.gross_margin": Field(RATE, "Profit share of that value"),
    "welcome_series.incentive_per_retained": Field(MONEY, "Incentive paid per added returning customer"),
    "welcome_series.fixed_cost_per_month": Field(MONEY, "Running cost of the series per month"),
    "welcome_series.sensitivity.improvements": Field(RATES, "Sensitivity grid: improvements"),
    "welcome_series.sensitivity.value_factors": Field(FACTORS, "Sensitivity grid: factors of the value per customer"),
    "welcome_series.uncertainty": Field(UNCERTAINTY, "Monte Carlo distributions"),
    "monte_carlo.runs": Field(COUNT, "Simulated campaigns per business case"),
    "monte_carlo.seed": Field(SEED, "Random seed (same seed, same results)"),
    # Predicted lifetime value (customer_intel.roi.predicted_value)
    "win_back.value_basis": Field(WIN_BACK_VALUE_BASIS, "Value of a reactivated customer: historical or predicted"),
    "clv.horizon_months": Field(COUNT, "Months ahead the predicted lifetime value covers"),
    "clv.annual_discount_rate": Field(RATE, "Annual rate future margin is discounted at (monthly)"),
}

# Inputs that may be uncertain, per model: name → (kind, the point-value key it replaces).
UNCERTAIN_INPUTS: dict[str, dict[str, tuple[str, str]]] = {
    "win_back": {
        "success_rate": (RATE, "success_rates"),
        "cost_per_contact": (MONEY, "cost_per_contact"),
        "gross_margin": (RATE, "gross_margin"),
        "fixed_cost": (MONEY, "fixed_cost"),
        "incentive_per_reactivated": (MONEY, "incentive_per_reactivated"),
    },
    "welcome_series": {
        "improvement": (RATE, "improvements"),
        "gross_margin": (RATE, "gross_margin"),
        "value_per_customer": (MONEY, "value_per_customer"),
        "incentive_per_retained": (MONEY, "incentive_per_retained"),
        "fixed_cost_per_month": (MONEY, "fixed_cost_per_month"),
    },
}
SCENARIO_INPUT = {"win_back": "success_rate", "welcome_series": "improvement"}


@dataclass(frozen=True)
class WinBackAssumptions:
    """Validated ``win_back`` section (rates as fractions, money in R$)."""

    gross_margin: float
    cost_per_contact: float
    fixed_cost: float
    incentive_per_reactivated: float
    success_rates: tuple[float, ...]
    sensitivity_success_rates: tuple[float, ...]
    sensitivity_costs_per_contact: tuple[float, ...]
    uncertainty: dict[str, Distribution]
    value_basis: str = "historical"  # predicted lifetime value: historical | predicted


@dataclass(frozen=True)
class WelcomeSeriesAssumptions:
    """Validated ``welcome_series`` section (rates as fractions, money in R$)."""

    tiny_cohort_share: float
    new_customers_per_month: float | None  # None = measured from cohort_retention ("auto")
    new_customers_window_months: int
    improvements: tuple[float, ...]
    value_basis: str
    value_per_customer: float | None
    gross_margin: float
    incentive_per_retained: float
    fixed_cost_per_month: float
    sensitivity_improvements: tuple[float, ...]
    sensitivity_value_factors: tuple[float, ...]
    uncertainty: dict[str, Distribution]


@dataclass(frozen=True)
class MonteCarloSettings:
    """Validated ``monte_carlo`` section."""

    runs: int
    seed: int


@dataclass(frozen=True)
class ClvAssumptions:
    """Validated ``clv`` section: the predicted lifetime value's horizon and discount rate."""

    horizon_months: int
    annual_discount_rate: float


@dataclass(frozen=True)
class Assumptions:
    """Validated assumptions; ``values`` keeps the merged key → value mapping for the report's table."""

    win_back: WinBackAssumptions
    welcome_series: WelcomeSeriesAssumptions
    monte_carlo: MonteCarloSettings
    values: dict[str, Any]
    sources: tuple[str, ...]
    clv: ClvAssumptions = ClvAssumptions(horizon_months=12, annual_discount_rate=0.10)


# ---------------------------------------------------------------------------------------------------------------
# Reading and merging


def read_yaml(path: Path) -> dict[str, Any]:
    """The mapping in an assumptions file, or a one-line RoiError (missing file, bad YAML, not a mapping)."""
    if not path.is_file():
        raise RoiError(f"assumptions: file not found: {path}")
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise RoiError(f"assumptions: {path} is not valid YAML ({where}{exc.problem})") from exc
    except yaml.YAMLError as exc:
        raise RoiError(f"assumptions: {path} is not valid YAML ({exc.__class__.__name__})") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise RoiError(f"assumptions: {path} must be a mapping with keys win_back and welcome_series")
    return data


def nest(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """``{"win_back.cost_per_contact": 1}`` → ``{"win_back": {"cost_per_contact": 1}}``."""
    nested: dict[str, Any] = {}
    for dotted, value in overrides.items():
        *parents, leaf = dotted.split(".")
        node = nested
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    return nested


def deep_merge(base: Mapping[str, Any], overlay: Mapping[str, Any], replace_whole: bool = False) -> dict[str, Any]:
    """``overlay`` over ``base``: mappings merge key by key, anything else (numbers, lists) is replaced.

    Inside an ``uncertainty`` block each input's distribution is replaced whole: a user's normal distribution must
    not inherit the ``low``/``high`` of the default triangular one.
    """
    merged = copy.deepcopy(dict(base))
    for key, value in overlay.items():
        if not replace_whole and isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value, replace_whole=(key == "uncertainty"))
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted keys down to the level FIELDS describes (uncertainty blocks stay whole)."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and dotted not in FIELDS:
            flat.update(flatten(value, f"{dotted}."))
        else:
            flat[dotted] = value
    return flat


def drop_defaults_overridden_by_user(merged: dict[str, Any], user: Mapping[str, Any]) -> dict[str, Any]:
    """Remove a default distribution when the user set that input's point value but gave no distribution."""
    for model, inputs in UNCERTAIN_INPUTS.items():
        user_model = user.get(model) or {}
        if not isinstance(user_model, Mapping):
            continue
        user_uncertainty = user_model.get("uncertainty") or {}
        model_uncertainty = (merged.get(model) or {}).get("uncertainty")
        if not isinstance(model_uncertainty, dict) or not isinstance(user_uncertainty, Mapping):
            continue
        for name, (_kind, point_key) in inputs.items():
            if point_key in user_model and name not in user_uncertainty:
                model_uncertainty.pop(name, None)
    return merged


def load_assumptions(path: Path | None = None, overrides: Mapping[str, Any] | None = None) -> Assumptions:
    """Defaults, then the file at ``path`` (if any), then ``overrides`` (dotted keys), validated."""
    defaults = read_yaml(DEFAULTS_PATH)
    user_file = read_yaml(path) if path is not None else {}
    user = deep_merge(user_file, nest(overrides or {}))
    merged = drop_defaults_overridden_by_user(deep_merge(defaults, user), user)
    sources = (str(DEFAULTS_PATH),) + ((str(path),) if path is not None else ())
    return validate(merged, sources)


# ---------------------------------------------------------------------------------------------------------------
# Validation


def _is_number(value: Any) -> bool:
    """A real, finite number (booleans excluded, though Python counts them as ints)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def check_number(name: str, value: Any) -> float:
    """``value`` as a float, or an error naming the field."""
    if not _is_number(value):
        raise RoiError(f"assumptions: {name} must be a number (got {value!r})")
    return float(value)


def check_rate(name: str, value: Any) -> float:
    """A fraction in [0, 1]; a percent typed as a number (25 for 25 %) is caught here."""
    number = check_number(name, value)
    if not 0.0 <= number <= 1.0:
        raise RoiError(f"assumptions: {name} must be a fraction in [0, 1], e.g. 0.05 for 5% (got {value!r})")
    return number


def check_money(name: str, value: Any) -> float:
    """A non-negative amount of R$."""
    number = check_number(name, value)
    if number < 0:
        raise RoiError(f"assumptions: {name} must not be negative (got {value!r})")
    return number


def check_list(name: str, value: Any, check_item) -> tuple[float, ...]:
    """A non-empty list, each item checked by ``check_item`` (errors name the item's index)."""
    if not isinstance(value, list) or not value:
        raise RoiError(f"assumptions: {name} must be a non-empty list (got {value!r})")
    return tuple(check_item(f"{name}[{index}]", item) for index, item in enumerate(value))


def check_integer(name: str, value: Any, minimum: int) -> int:
    """A whole number of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise RoiError(f"assumptions: {name} must be a whole number >= {minimum} (got {value!r})")
    return value


def check_value_basis(name: str, value: Any) -> str:
    """One of VALUE_BASES."""
    if value not in VALUE_BASES:
        raise RoiError(f"assumptions: {name} must be one of {', '.join(VALUE_BASES)} (got {value!r})")
    return value


def check_choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    """One of ``choices``."""
    if value not in choices:
        raise RoiError(f"assumptions: {name} must be one of {', '.join(choices)} (got {value!r})")
    return value


def check_auto_or_number(name: str, value: Any) -> float | None:
    """``auto`` (None: measure it) or a positive number."""
    if value == "auto":
        return None
    number = check_money(name, value)
    if number == 0:
        raise RoiError(f"assumptions: {name} must be 'auto' or a positive number (got {value!r})")
    return number


def check_distribution(name: str, spec: Any, kind: str) -> Distribution:
    """A number (fixed), ``[low, high]`` (uniform) or ``{distribution: ..., <parameters>}``, within the domain."""
    check_value = check_rate if kind == RATE else check_money
    if _is_number(spec):
        return Distribution("fixed", (check_value(name, spec),))
    if isinstance(spec, list):
        if len(spec) != 2:
            raise RoiError(f"assumptions: {name} as a range must be [low, high] (got {spec!r})")
        return _bounded(name, Distribution("uniform", tuple(check_value(name, item) for item in spec)))
    if not isinstance(spec, Mapping):
        raise RoiError(f"assumptions: {name} must be a number, a [low, high] range or a distribution mapping")
    shape = spec.get("distribution")
    if shape not in DISTRIBUTION_PARAMETERS or shape == "fixed":
        known = ", ".join(k for k in DISTRIBUTION_PARAMETERS if k != "fixed")
        raise RoiError(f"assumptions: {name}.distribution must be one of {known} (got {shape!r})")
    expected = DISTRIBUTION_PARAMETERS[shape]
    unknown = sorted(set(spec) - set(expected) - {"distribution"})
    missing = [key for key in expected if key not in spec]
    if unknown or missing:
        raise RoiError(f"assumptions: {name} ({shape}) needs exactly {', '.join(expected)}")
    if shape == "normal":
        mean = check_value(f"{name}.mean", spec["mean"])
        return Distribution("normal", (mean, check_money(f"{name}.sd", spec["sd"])))
    params = tuple(check_value(f"{name}.{key}", spec[key]) for key in expected)
    return _bounded(name, Distribution(shape, params))


def _bounded(name: str, distribution: Distribution) -> Distribution:
    """A uniform/triangular distribution whose parameters are in order and span a range."""
    params = distribution.params
    if list(params) != sorted(params) or params[0] == params[-1]:
        order = " <= ".join(DISTRIBUTION_PARAMETERS[distribution.kind])
        raise RoiError(f"assumptions: {name} needs {order} with low < high (got {params})")
    return distribution


def check_uncertainty(name: str, value: Any, model: str) -> dict[str, Distribution]:
    """An ``uncertainty`` block: input name → Distribution, for inputs ``model`` allows."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise RoiError(f"assumptions: {name} must be a mapping of input → distribution")
    allowed = UNCERTAIN_INPUTS[model]
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise RoiError(f"assumptions: {name}.{unknown[0]} cannot be uncertain (choose from {', '.join(allowed)})")
    return {key: check_distribution(f"{name}.{key}", spec, allowed[key][0]) for key, spec in value.items()}


CHECKS = {
    RATE: check_rate,
    MONEY: check_money,
    RATES: lambda name, value: check_list(name, value, check_rate),
    MONEYS: lambda name, value: check_list(name, value, check_money),
    FACTORS: lambda name, value: check_list(name, value, check_money),
    COUNT: lambda name, value: check_integer(name, value, 1),
    SEED: lambda name, value: check_integer(name, value, 0),
    VALUE_BASIS: check_value_basis,
    OPTIONAL_MONEY: lambda name, value: None if value is None else check_money(name, value),
    AUTO_OR_NUMBER: check_auto_or_number,
    WIN_BACK_VALUE_BASIS: lambda name, value: check_choice(name, value, WIN_BACK_VALUE_BASES),
}


def check_known_keys(flat: Mapping[str, Any]) -> None:
    """Every key must be one FIELDS describes: a typo is an error, not a silently ignored setting."""
    for dotted in flat:
        if dotted in FIELDS:
            continue
        if any(key.startswith(f"{dotted}.") for key in FIELDS):
            raise RoiError(f"assumptions: {dotted} must be a mapping (got {flat[dotted]!r})")
        section = dotted.split(".")[0]
        known = [key.split(".", 1)[1] for key in FIELDS if key.startswith(f"{section}.")]
        if not known:
            sections = "win_back, welcome_series, monte_carlo, clv"
            raise RoiError(f"assumptions: unknown key {dotted!r} (top-level keys: {sections})")
        raise RoiError(f"assumptions: unknown key {dotted!r} (known in {section}: {', '.join(known)})")


def check_fields(flat: Mapping[str, Any]) -> dict[str, Any]:
    """Each field validated by its kind; returns dotted key → checked value."""
    checked: dict[str, Any] = {}
    for dotted, field in FIELDS.items():
        if dotted not in flat:
            raise RoiError(f"assumptions: {dotted} is missing")
        value = flat[dotted]
        if field.kind == UNCERTAINTY:
            checked[dotted] = check_uncertainty(dotted, value, dotted.split(".")[0])
        else:
            checked[dotted] = CHECKS[field.kind](dotted, value)
    return checked


def check_value_basis_consistency(checked: Mapping[str, Any]) -> None:
    """value_per_customer goes with value_basis ``fixed``, and only with it."""
    basis = checked["welcome_series.value_basis"]
    value = checked["welcome_series.value_per_customer"]
    if basis == "fixed" and value is None:
        raise RoiError("assumptions: welcome_series.value_per_customer is required when value_basis is fixed")
    if basis != "fixed" and value is not None:
        raise RoiError("assumptions: welcome_series.value_per_customer is only used with value_basis: fixed")


def with_scenario_defaults(uncertainty: dict[str, Distribution], model: str, scenarios: tuple[float, ...]):
    """The scenario input (success rate / improvement) is always uncertain: uniform over the scenarios if unset."""
    name = SCENARIO_INPUT[model]
    if name in uncertainty:
        return dict(uncertainty)
    return {**uncertainty, name: uniform_over(scenarios)}


def validate(merged: Mapping[str, Any], sources: tuple[str, ...] = ()) -> Assumptions:
    """The merged mapping as validated dataclasses, or the first problem as a one-line RoiError."""
    flat = flatten(merged)
    check_known_keys(flat)
    checked = check_fields(flat)
    check_value_basis_consistency(checked)

    def get(section: str, key: str) -> Any:
        """The checked value of ``section.key``."""
        return checked[f"{section}.{key}"]

    win_back = WinBackAssumptions(
        gross_margin=get("win_back", "gross_margin"),
        cost_per_contact=get("win_back", "cost_per_contact"),
        fixed_cost=get("win_back", "fixed_cost"),
        incentive_per_reactivated=get("win_back", "incentive_per_reactivated"),
        success_rates=get("win_back", "success_rates"),
        sensitivity_success_rates=get("win_back", "sensitivity.success_rates"),
        sensitivity_costs_per_contact=get("win_back", "sensitivity.costs_per_contact"),
        uncertainty=with_scenario_defaults(
            get("win_back", "uncertainty"), "win_back", get("win_back", "success_rates")
        ),
        value_basis=get("win_back", "value_basis"),
    )
    welcome = WelcomeSeriesAssumptions(
        tiny_cohort_share=get("welcome_series", "tiny_cohort_share"),
        new_customers_per_month=get("welcome_series", "new_customers_per_month"),
        new_customers_window_months=get("welcome_series", "new_customers_window_months"),
        improvements=get("welcome_series", "improvements"),
        value_basis=get("welcome_series", "value_basis"),
        value_per_customer=get("welcome_series", "value_per_customer"),
        gross_margin=get("welcome_series", "gross_margin"),
        incentive_per_retained=get("welcome_series", "incentive_per_retained"),
        fixed_cost_per_month=get("welcome_series", "fixed_cost_per_month"),
        sensitivity_improvements=get("welcome_series", "sensitivity.improvements"),
        sensitivity_value_factors=get("welcome_series", "sensitivity.value_factors"),
        uncertainty=with_scenario_defaults(
            get("welcome_series", "uncertainty"), "welcome_series", get("welcome_series", "improvements")
        ),
    )
    monte_carlo = MonteCarloSettings(runs=get("monte_carlo", "runs"), seed=get("monte_carlo", "seed"))
    clv = ClvAssumptions(horizon_months=get("clv", "horizon_months"),
                         annual_discount_rate=get("clv", "annual_discount_rate"))
    return Assumptions(win_back, welcome, monte_carlo, dict(checked), tuple(sources), clv)


def domains(model: str) -> dict[str, Domain]:
    """Valid range of each uncertain input of ``model`` (normal draws are clipped to it)."""
    return {name: DOMAINS[kind] for name, (kind, _point) in UNCERTAIN_INPUTS[model].items()}


# ---------------------------------------------------------------------------------------------------------------
# Presentation


def format_value(kind: str, value: Any) -> str:
    """A checked value as the report prints it."""
    if value is None:
        return "—"
    if kind == RATE:
        return formatting.percent(value)
    if kind == MONEY or kind == OPTIONAL_MONEY:
        return formatting.brl(value)
    if kind == RATES:
        return ", ".join(formatting.percent(item) for item in value)
    if kind == MONEYS:
        return ", ".join(formatting.brl(item) for item in value)
    if kind == FACTORS:
        return ", ".join(f"×{item:g}" for item in value)
    if kind in (AUTO_OR_NUMBER, COUNT):
        return formatting.count(value)
    return str(value)


def uncertainty_rows(assumptions: Assumptions, model: str) -> list[tuple[str, str, str]]:
    """One row per Monte Carlo input of ``model``: its distribution, in percent or R$ like its point value."""
    rows = []
    for name, distribution in sorted(getattr(assumptions, model).uncertainty.items()):
        kind, point_key = UNCERTAIN_INPUTS[model][name]
        show = formatting.percent if kind == RATE else formatting.brl
        meaning = FIELDS[f"{model}.{point_key}"].meaning
        rows.append((f"{model}.uncertainty.{name}", distribution.describe(show), f"Monte Carlo: {meaning.lower()}"))
    return rows


def table_rows(assumptions: Assumptions) -> list[tuple[str, str, str]]:
    """(key, value, meaning) for every assumption, distributions one per row, in file order."""
    rows: list[tuple[str, str, str]] = []
    for dotted, field in FIELDS.items():
        value = assumptions.values[dotted]
        if field.kind == UNCERTAINTY:
            rows += uncertainty_rows(assumptions, dotted.split(".")[0])
        elif dotted == "welcome_series.new_customers_per_month" and value is None:
            rows.append((dotted, "auto (measured)", field.meaning))
        else:
            rows.append((dotted, format_value(field.kind, value), field.meaning))
    return rows
