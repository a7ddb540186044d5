"""Sensitivity: the net result over a grid of the two least certain inputs of a business case.

One axis is the case's scenario input (win-back success rate, welcome-series improvement), the other one of its
inputs (cost per contact; value per customer). Every other input stays at its point value.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Iterable

import pandas as pd


def grid(
    base_inputs: Any,
    net_result: Callable[[Any, float], float],
    scenario_name: str,
    scenario_values: Iterable[float],
    input_name: str,
    input_values: Iterable[float],
) -> pd.DataFrame:
    """Long table: one row per (scenario value, input value) with ``net_result``.

    ``base_inputs`` is a dataclass; ``input_name`` is the field replaced by each of ``input_values``.
    """
    rows = [
        {
            scenario_name: scenario,
            input_name: value,
            "net_result": float(net_result(replace(base_inputs, **{input_name: value}), scenario)),
        }
        for scenario in sorted(scenario_values)
        for value in sorted(input_values)
    ]
    return pd.DataFrame(rows)


def as_matrix(long_grid: pd.DataFrame, scenario_name: str, input_name: str, value_name: str = "net_result"):
    """The grid as a matrix: rows = input values, columns = scenario values (the heatmap's layout)."""
    return long_grid.pivot(index=input_name, columns=scenario_name, values=value_name).sort_index()

