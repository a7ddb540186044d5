"""Monte Carlo over uncertain inputs: P(net result > 0) and its P10 / P50 / P90.

Each uncertain input has a ``Distribution``. A simulation draws every uncertain input ``runs`` times (in the sorted
order of their names, so the order of keys in the assumptions file does not matter), evaluates the business case's
net-result formula once on the arrays, and summarises the resulting distribution. The random generator is seeded
from ``(seed, stream)``: the same seed gives identical results, and each business case has its own stream so that
adding an input to one case does not change the other's numbers.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping

import numpy as np

DISTRIBUTION_PARAMETERS = {
    "fixed": ("value",),
    "uniform": ("low", "high"),
    "triangular": ("low", "mode", "high"),
    "normal": ("mean", "sd"),
}

Domain = tuple[float, float]


@dataclass(frozen=True)
class Distribution:
    """One uncertain input: ``kind`` is a key of DISTRIBUTION_PARAMETERS, ``params`` its parameters in that order."""

    kind: str
    params: tuple[float, ...]

    def describe(self, show: Callable[[float], str] = "{:g}".format) -> str:
        """Human-readable form, e.g. ``triangular(low 0.5%, mode 2%, high 6%)`` with ``show`` formatting values."""
        names = DISTRIBUTION_PARAMETERS[self.kind]
        if self.kind == "fixed":
            return f"fixed at {show(self.params[0])}"
        pairs = ", ".join(f"{name} {show(value)}" for name, value in zip(names, self.params))
        return f"{self.kind}({pairs})"


@dataclass(frozen=True)
class SimulationSummary:
    """What the report prints about one simulated business case."""

    runs: int
    seed: int
    probability_positive: float
    p10: float
    p50: float
    p90: float
    mean: float


def draw(distribution: Distribution, rng: np.random.Generator, runs: int, domain: Domain) -> np.ndarray:
    """``runs`` values of one input; normal draws are clipped to the input's valid ``domain``."""
    kind, params = distribution.kind, distribution.params
    if kind == "fixed":
        return np.full(runs, params[0], dtype=float)
    if kind == "uniform":
        return rng.uniform(params[0], params[1], runs)
    if kind == "triangular":
        return rng.triangular(params[0], params[1], params[2], runs)
    if kind == "normal":
        return np.clip(rng.normal(params[0], params[1], runs), domain[0], domain[1])
    raise ValueError(f"unknown distribution kind {kind!r}")


def simulate(
    base_inputs: Any,
    net_result: Callable[[Any, Any], Any],
    scenario_name: str,
    distributions: Mapping[str, Distribution],
    domains: Mapping[str, Domain],
    runs: int,
    seed: int,
    stream: int,
) -> np.ndarray:
    """Net results of ``runs`` simulated campaigns.

    ``base_inputs`` is a (frozen) dataclass of the case's point inputs; every distribution except the one named
    ``scenario_name`` replaces the field of the same name with an array of draws; the scenario draws (e.g. the
    success rate) are passed to ``net_result(inputs, scenario)`` as its second argument.
    """
    rng = np.random.default_rng([seed, stream])
    draws = {name: draw(distributions[name], rng, runs, domains[name]) for name in sorted(distributions)}
    scenario = draws.pop(scenario_name)
    inputs = replace(base_inputs, **draws)
    return np.broadcast_to(np.asarray(net_result(inputs, scenario), dtype=float), (runs,)).copy()


def summarise(net_results: np.ndarray, seed: int) -> SimulationSummary:
    """P(net > 0), the 10th / 50th / 90th percentiles and the mean of simulated net results."""
    p10, p50, p90 = np.percentile(net_results, [10, 50, 90])
    return SimulationSummary(
        runs=int(net_results.size),
        seed=seed,
        probability_positive=float(np.mean(net_results > 0)),
        p10=float(p10),
        p50=float(p50),
        p90=float(p90),
        mean=float(np.mean(net_results)),
    )


def uniform_over(values: tuple[float, ...]) -> Distribution:
    """The default distribution of a scenario input the user gave no distribution for: uniform over its range."""
    low, high = min(values), max(values)
    return Distribution("fixed", (low,)) if math.isclose(low, high) else Distribution("uniform", (low, high))
