"""The merged assumptions mapping turned into frozen dataclasses, or the first problem as a one-line RoiError.

The dataclasses are derived from the declarations: one per section (``WinBackAssumptions``, ...), one field per
assumption, plus ``Assumptions`` that holds them all.
"""
from __future__ import annotations

from dataclasses import make_dataclass
from typing import Any, Mapping

from customer_intel.roi.assumptions.declarations import ASSUMPTIONS, BY_KEY, SECTIONS, uncertain_inputs
from customer_intel.roi.assumptions.kinds import RATE, UNCERTAINTY, Kind, check_money, check_rate, is_number
from customer_intel.roi.errors import RoiError
from customer_intel.roi.methods.monte_carlo import DISTRIBUTION_PARAMETERS, Distribution, Domain, uniform_over


def _section_class(name: str, class_name: str, doc: str) -> type:
    fields = [(a.attribute, a.kind.python_type) for a in ASSUMPTIONS if a.section == name]
    cls = make_dataclass(class_name, fields, frozen=True, namespace={"__doc__": doc})
    cls.__module__ = "customer_intel.roi.assumptions"
    return cls


SECTION_CLASSES: dict[str, type] = {s.name: _section_class(s.name, s.class_name, s.doc) for s in SECTIONS}
Assumptions = make_dataclass(
    "Assumptions",
    [(s.name, s.class_name) for s in SECTIONS] + [("values", "dict[str, Any]"), ("sources", "tuple[str, ...]")],
    frozen=True,
    namespace={"__doc__": "Validated assumptions; ``values`` keeps the merged key → value mapping for the report."},
)
Assumptions.__module__ = "customer_intel.roi.assumptions"


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted keys down to the level the declarations describe (uncertainty blocks stay whole)."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and dotted not in BY_KEY:
            flat.update(flatten(value, f"{dotted}."))
        else:
            flat[dotted] = value
    return flat


def check_distribution(name: str, spec: Any, kind: Kind) -> Distribution:
    """A number (fixed), ``[low, high]`` (uniform) or ``{distribution: ..., <parameters>}``, within the domain."""
    check_value = check_rate if kind is RATE else check_money
    if is_number(spec):
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


def check_uncertainty(name: str, value: Any, section: str) -> dict[str, Distribution]:
    """An ``uncertainty`` block: input name → Distribution, for the inputs ``section`` declares."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise RoiError(f"assumptions: {name} must be a mapping of input → distribution")
    allowed = uncertain_inputs(section)
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise RoiError(f"assumptions: {name}.{unknown[0]} cannot be uncertain (choose from {', '.join(allowed)})")
    return {key: check_distribution(f"{name}.{key}", spec, allowed[key].kind) for key, spec in value.items()}


def check_known_keys(flat: Mapping[str, Any]) -> None:
    """Every key must be a declared one: a typo is an error, not a silently ignored setting."""
    for dotted in flat:
        if dotted in BY_KEY:
            continue
        if any(key.startswith(f"{dotted}.") for key in BY_KEY):
            raise RoiError(f"assumptions: {dotted} must be a mapping (got {flat[dotted]!r})")
        section = dotted.split(".")[0]
        known = [a.name for a in ASSUMPTIONS if a.section == section]
        if not known:
            sections = ", ".join(s.name for s in SECTIONS)
            raise RoiError(f"assumptions: unknown key {dotted!r} (top-level keys: {sections})")
        raise RoiError(f"assumptions: unknown key {dotted!r} (known in {section}: {', '.join(known)})")


def check_fields(flat: Mapping[str, Any]) -> dict[str, Any]:
    """Each assumption validated by its kind; returns dotted key → checked value."""
    checked: dict[str, Any] = {}
    for assumption in ASSUMPTIONS:
        if assumption.key not in flat:
            raise RoiError(f"assumptions: {assumption.key} is missing")
        value = flat[assumption.key]
        if assumption.kind is UNCERTAINTY:
            checked[assumption.key] = check_uncertainty(assumption.key, value, assumption.section)
        else:
            checked[assumption.key] = assumption.kind.check(assumption.key, value)
    return checked


def check_only_with(checked: Mapping[str, Any]) -> None:
    """An assumption used only with a sibling's value (value_per_customer with value_basis ``fixed``)."""
    for assumption in ASSUMPTIONS:
        if assumption.only_with is None:
            continue
        sibling, wanted = assumption.only_with
        used = checked[f"{assumption.section}.{sibling}"] == wanted
        if used and checked[assumption.key] is None:
            raise RoiError(f"assumptions: {assumption.key} is required when {sibling} is {wanted}")
        if not used and checked[assumption.key] is not None:
            raise RoiError(f"assumptions: {assumption.key} is only used with {sibling}: {wanted}")


def check_ordered(checked: Mapping[str, Any]) -> None:
    """Thresholds that must rise: the churn-risk bands; and a control group that leaves someone to contact."""
    low, high = "clv.churn_risk.medium_from", "clv.churn_risk.high_from"
    if not checked[low] < checked[high]:
        raise RoiError(f"assumptions: {low} must be below {high} (got {checked[low]!r} and {checked[high]!r})")
    share = checked["experiment.control_share"]
    if share >= 1:
        raise RoiError(f"assumptions: experiment.control_share must be below 1, or nobody is contacted (got {share!r})")


def with_scenario_defaults(uncertainty: dict[str, Distribution], section: str,
                           checked: Mapping[str, Any]) -> dict[str, Distribution]:
    """The scenario input (success rate / improvement) is always uncertain: uniform over the scenarios if unset."""
    scenario = next(item for item in uncertain_inputs(section).values() if item.is_scenario)
    if scenario.name in uncertainty:
        return dict(uncertainty)
    return {**uncertainty, scenario.name: uniform_over(checked[scenario.point.key])}


def validate(merged: Mapping[str, Any], sources: tuple[str, ...] = ()) -> Assumptions:
    """The merged mapping as validated dataclasses, or the first problem as a one-line RoiError."""
    flat = flatten(merged)
    check_known_keys(flat)
    checked = check_fields(flat)
    check_only_with(checked)
    check_ordered(checked)
    sections = {}
    for section in SECTIONS:
        values = {}
        for assumption in ASSUMPTIONS:
            if assumption.section != section.name:
                continue
            value = checked[assumption.key]
            if assumption.kind is UNCERTAINTY:
                value = with_scenario_defaults(value, section.name, checked)
            values[assumption.attribute] = value
        sections[section.name] = SECTION_CLASSES[section.name](**values)
    return Assumptions(**sections, values=dict(checked), sources=tuple(sources))


def domains(model: str) -> dict[str, Domain]:
    """Valid range of each uncertain input of ``model`` (normal draws are clipped to it)."""
    return {name: item.kind.domain for name, item in uncertain_inputs(model).items()}
