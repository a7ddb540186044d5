"""The contact list that maximises expected net profit: whom to contact, and how many.

Each candidate has an expected incremental value of being contacted (e.g. P(reactivation) x value of a reactivated
customer, BRL); each contact costs ``cost_per_contact``. Contacting the k highest-value people earns
sum of their values - k x cost; the list is ranked by value (highest first, ties by ``tie_break`` ascending, else
input position) and its best length is the k with the largest cumulative net profit (k = 0, nobody, when no one is
worth the cost; among equal maxima the shortest list). With a constant cost per contact that is exactly the number of
people whose value exceeds the cost.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from customer_intel.clv._fitting import as_float_array
from customer_intel.clv.errors import ClvError


@dataclass(frozen=True)
class ContactList:
    """``order``: row positions, best first; ``cumulative_net_profit[k-1]``: net profit of contacting the first k."""

    order: np.ndarray
    cumulative_net_profit: np.ndarray
    best_length: int
    best_net_profit: float


def optimal_contact_list(expected_value, cost_per_contact: float, tie_break=None) -> ContactList:
    """Rank people by expected incremental value and find the list length that maximises expected net profit."""
    value = as_float_array(expected_value, "expected incremental value")
    if not (np.isfinite(cost_per_contact) and cost_per_contact >= 0):
        raise ClvError("cost_per_contact must be a finite number >= 0")
    secondary = np.arange(len(value)) if tie_break is None else np.asarray(tie_break)
    if len(secondary) != len(value):
        raise ClvError("tie_break must have one value per person")
    order = np.lexsort((secondary, -value))
    cumulative = np.cumsum(value[order] - cost_per_contact)
    with_empty = np.concatenate([[0.0], cumulative])
    best_length = int(np.argmax(with_empty))  # argmax returns the first maximum: the shortest best list
    return ContactList(order=order, cumulative_net_profit=cumulative, best_length=best_length,
                       best_net_profit=float(with_empty[best_length]))
