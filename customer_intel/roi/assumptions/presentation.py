"""The report's assumption table: every assumption in file order, formatted by its kind."""
from __future__ import annotations

from typing import Any

from customer_intel.roi import formatting
from customer_intel.roi.assumptions.declarations import ASSUMPTIONS, uncertain_inputs
from customer_intel.roi.assumptions.kinds import RATE, UNCERTAINTY


def uncertainty_rows(assumptions: Any, model: str) -> list[tuple[str, str, str]]:
    """One row per Monte Carlo input of ``model``: its distribution, in percent or R$ like its point value."""
    rows = []
    inputs = uncertain_inputs(model)
    for name, distribution in sorted(getattr(assumptions, model).uncertainty.items()):
        item = inputs[name]
        show = formatting.percent if item.kind is RATE else formatting.brl
        meaning = item.point.meaning
        rows.append((f"{model}.uncertainty.{name}", distribution.describe(show), f"Monte Carlo: {meaning.lower()}"))
    return rows


def table_rows(assumptions: Any) -> list[tuple[str, str, str]]:
    """(key, value, meaning) for every assumption, distributions one per row, in file order."""
    rows: list[tuple[str, str, str]] = []
    for assumption in ASSUMPTIONS:
        if assumption.kind is UNCERTAINTY:
            rows += uncertainty_rows(assumptions, assumption.section)
        else:
            rows.append((assumption.key, assumption.kind.format(assumptions.values[assumption.key]),
                         assumption.meaning))
    return rows
