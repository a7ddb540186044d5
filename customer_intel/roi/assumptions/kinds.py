"""Kinds of assumption values: how each is checked, typed, printed in the report and typed on the command line.

Every check takes the dotted key (for the message) and the raw value, and returns the checked value or raises a
one-line ``RoiError`` that names the key, e.g. ``assumptions: win_back.cost_per_contact must not be negative``.
"""
from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from typing import Any, Callable

from customer_intel.roi import formatting
from customer_intel.roi.errors import RoiError
from customer_intel.roi.methods.monte_carlo import Domain

VALUE_BASES = ("avg_order_value", "avg_customer_value", "fixed")


def is_number(value: Any) -> bool:
    """A real, finite number (booleans excluded, though Python counts them as ints)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def check_number(name: str, value: Any) -> float:
    """``value`` as a float, or an error naming the field."""
    if not is_number(value):
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


def number_list(text: str) -> list[float]:
    """A command-line list: '0.01,0.05,0.1' → [0.01, 0.05, 0.1]."""
    try:
        return [float(item) for item in text.split(",") if item.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None


def _each(show: Callable[[Any], str]) -> Callable[[Any], str]:
    return lambda values: ", ".join(show(item) for item in values)


@dataclass(frozen=True, eq=False)
class Kind:
    """What the values of one kind of assumption look like (kinds compare by identity)."""

    name: str
    check: Callable[[str, Any], Any] | None
    """(dotted key, raw value) → checked value, or a one-line RoiError; None for uncertainty blocks."""
    python_type: str
    """Type of the validated value (the annotation of its dataclass field)."""
    show: Callable[[Any], str]
    """Checked value → text in the report's assumption table."""
    flag_type: Callable[[str], Any] | None = None
    """How a command-line flag's text becomes a value (argparse ``type``); None: no flag possible."""
    is_list: bool = False
    """A list of values (scenarios, a sensitivity grid); an uncertain input standing for one is uniform over it
    when the user gives it no distribution."""
    uncertain_as: Kind | None = None
    """For a list of scenarios or an optional amount: the scalar kind its Monte Carlo distribution is checked as."""
    domain: Domain | None = None
    """Valid range of a scalar kind that can be uncertain (normal draws are clipped to it)."""
    none_text: str = "—"
    """How the report prints a value left unset (None)."""

    @property
    def distribution(self) -> Kind | None:
        """The kind a Monte Carlo distribution of this input is checked as: a scalar kind with a domain, or None."""
        return self.uncertain_as or (self if self.domain is not None else None)

    def format(self, value: Any) -> str:
        """A checked value as the report prints it."""
        return self.none_text if value is None else self.show(value)


RATE = Kind("rate", check_rate, "float", formatting.percent, float, domain=(0.0, 1.0))
MONEY = Kind("money", check_money, "float", formatting.brl, float, domain=(0.0, math.inf))
RATES = Kind("rates", lambda name, value: check_list(name, value, check_rate), "tuple[float, ...]",
             _each(formatting.percent), number_list, is_list=True, uncertain_as=RATE)
MONEYS = Kind("moneys", lambda name, value: check_list(name, value, check_money), "tuple[float, ...]",
              _each(formatting.brl), number_list, is_list=True, uncertain_as=MONEY)
FACTORS = Kind("factors", lambda name, value: check_list(name, value, check_money), "tuple[float, ...]",
               _each("×{:g}".format), number_list, is_list=True)
COUNT = Kind("count", lambda name, value: check_integer(name, value, 1), "int", formatting.count, int)
SEED = Kind("seed", lambda name, value: check_integer(name, value, 0), "int", str, int)
VALUE_BASIS = Kind("value_basis", lambda name, value: check_choice(name, value, VALUE_BASES), "str", str, str)
OPTIONAL_MONEY = Kind("optional_money", lambda name, value: None if value is None else check_money(name, value),
                      "float | None", formatting.brl, float, uncertain_as=MONEY)
AUTO_OR_NUMBER = Kind("auto_or_number", check_auto_or_number, "float | None", formatting.count, float,
                      none_text="auto (measured)")
UNCERTAINTY = Kind("uncertainty", None, "dict[str, Distribution]", str)
NON_NEGATIVE = Kind("non_negative", check_money, "float", lambda value: f"{value:g}", float)
# Predicted lifetime value: the value of a reactivated win-back customer.
WIN_BACK_VALUE_BASES = ("historical", "predicted")
WIN_BACK_VALUE_BASIS = Kind(
    "win_back_value_basis", lambda name, value: check_choice(name, value, WIN_BACK_VALUE_BASES), "str", str, str)
