"""Monte Carlo and sensitivity: reproducible draws, valid ranges, summaries, grids."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from customer_intel.roi.cases import win_back
from customer_intel.roi.methods import monte_carlo, sensitivity
from customer_intel.roi.assumptions import domains
from customer_intel.roi.methods.monte_carlo import Distribution
from customer_intel.roi.cases.win_back import WinBackInputs

INPUTS = WinBackInputs(people=23_711, avg_monetary=265.26, gross_margin=0.25, cost_per_contact=0.50)
UNCERTAIN = {
    "success_rate": Distribution("triangular", (0.005, 0.02, 0.06)),
    "cost_per_contact": Distribution("uniform", (0.3, 1.0)),
    "gross_margin": Distribution("normal", (0.25, 0.2)),
}


def simulate(seed: int, uncertain=UNCERTAIN, runs: int = 5_000, stream: int = 1) -> np.ndarray:
    return monte_carlo.simulate(INPUTS, win_back.net_profit, "success_rate", uncertain, domains("win_back"),
                                runs, seed, stream)


def test_same_seed_gives_identical_results():
    np.testing.assert_array_equal(simulate(42), simulate(42))
    assert monte_carlo.summarise(simulate(42), 42) == monte_carlo.summarise(simulate(42), 42)


def test_different_seed_or_stream_gives_different_results():
    assert not np.array_equal(simulate(42), simulate(43))
    assert not np.array_equal(simulate(42, stream=1), simulate(42, stream=2))


def test_order_of_inputs_in_the_file_does_not_matter():
    reordered = dict(reversed(list(UNCERTAIN.items())))
    np.testing.assert_array_equal(simulate(42), simulate(42, reordered))


def test_all_fixed_inputs_reproduce_the_point_formula():
    fixed = {"success_rate": Distribution("fixed", (0.05,))}
    results = simulate(1, fixed, runs=10)
    assert results == pytest.approx([66_764.25] * 10)


def test_draws_stay_in_their_range_and_normals_are_clipped():
    rng = np.random.default_rng(0)
    rates = monte_carlo.draw(Distribution("normal", (0.05, 0.5)), rng, 10_000, (0.0, 1.0))
    assert rates.min() >= 0.0 and rates.max() <= 1.0
    uniform = monte_carlo.draw(Distribution("uniform", (2.0, 3.0)), rng, 10_000, (0.0, np.inf))
    assert uniform.min() >= 2.0 and uniform.max() <= 3.0
    triangular = monte_carlo.draw(Distribution("triangular", (0.0, 0.1, 0.5)), rng, 10_000, (0.0, 1.0))
    assert triangular.mean() == pytest.approx(0.2, abs=0.01)  # (low + mode + high) / 3


def test_summary_of_a_known_sample():
    samples = np.arange(-9, 91, dtype=float)  # 100 values, 90 of them > 0
    summary = monte_carlo.summarise(samples, seed=3)
    assert summary.runs == 100 and summary.seed == 3
    assert summary.probability_positive == pytest.approx(0.90)
    assert summary.p50 == pytest.approx(40.5)
    assert summary.p10 == pytest.approx(np.percentile(samples, 10))
    assert summary.mean == pytest.approx(40.5)


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=2**32))
def test_percentiles_are_ordered(seed):
    summary = monte_carlo.summarise(simulate(seed, runs=500), seed)
    assert summary.p10 <= summary.p50 <= summary.p90
    assert 0.0 <= summary.probability_positive <= 1.0


def test_uniform_over_scenarios():
    assert monte_carlo.uniform_over((0.05, 0.01, 0.1)) == Distribution("uniform", (0.01, 0.1))
    assert monte_carlo.uniform_over((0.05,)) == Distribution("fixed", (0.05,))


def test_sensitivity_grid_cells_match_the_formula():
    grid = sensitivity.grid(INPUTS, win_back.net_profit, "success_rate", [0.05, 0.01], "cost_per_contact",
                            [0.5, 2.0])
    assert len(grid) == 4
    cell = grid.loc[(grid["success_rate"] == 0.05) & (grid["cost_per_contact"] == 0.5), "net_result"].item()
    assert cell == pytest.approx(66_764.25)
    expensive = grid.loc[(grid["success_rate"] == 0.01) & (grid["cost_per_contact"] == 2.0), "net_result"].item()
    assert expensive == pytest.approx(23_711 * 0.01 * 265.26 * 0.25 - 23_711 * 2.0)
    matrix = sensitivity.as_matrix(grid, "success_rate", "cost_per_contact")
    assert matrix.shape == (2, 2) and matrix.loc[0.5, 0.05] == pytest.approx(66_764.25)

