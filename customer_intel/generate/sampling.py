"""Vectorised draws from discrete distributions, lognormals, and rows of variable-length groups."""
from __future__ import annotations

import numpy as np


def cdf(weights) -> np.ndarray:
    cumulative = np.cumsum(np.asarray(weights, dtype=np.float64))
    return cumulative / cumulative[-1]


def pick(cdf: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Indices drawn from a discrete distribution given as a CDF, one per uniform."""
    return np.minimum(np.searchsorted(cdf, uniforms, side="right"), cdf.size - 1)


def lognormal_from_normal(median: float | np.ndarray, sigma: float, normal: np.ndarray) -> np.ndarray:
    return median * np.exp(sigma * normal)


def expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For variable-length groups: the owner of each row and the row's position inside its group (from 0)."""
    counts = np.asarray(counts, dtype=np.int64)
    owner = np.repeat(np.arange(counts.size), counts)
    starts = np.cumsum(counts) - counts
    return owner, np.arange(owner.size) - starts[owner]
