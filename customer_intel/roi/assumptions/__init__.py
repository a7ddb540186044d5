"""The ROI assumptions: declared once, read from YAML over the shipped defaults, overridden by flags, validated.

Layers, last wins: ``assumptions/roi_defaults.yml`` (documented, shipped) → the user's ``--assumptions`` file (may
hold only the keys it changes) → command-line flags. Validation then turns the merged mapping into frozen dataclasses
and stops at the first problem with a one-line ``RoiError`` that names the field, e.g.
``assumptions: win_back.cost_per_contact must not be negative (got -0.5)``.

Monte Carlo: an input the user sets (in their file or by a flag) without giving it a distribution is held at the
user's value in the simulation, rather than silently drawn from the defaults' range around another value.

Modules: ``declarations`` (every assumption, once: key, kind, meaning, flag, Monte Carlo role), ``kinds`` (how a
rate, an amount in R$, a count, ... is checked, typed, printed and parsed from a flag), ``loading`` (YAML layers),
``validation`` (checks and the dataclasses derived from the declarations), ``presentation`` (the report's table)
and ``flags`` (the assumption flags of ``scripts/roi.py``).
"""
from __future__ import annotations

from customer_intel.roi.assumptions.declarations import ASSUMPTIONS, BY_KEY, SECTIONS, Assumption, Flag
from customer_intel.roi.assumptions.kinds import VALUE_BASES
from customer_intel.roi.assumptions.loading import DEFAULTS_PATH, deep_merge, load_assumptions, nest, read_yaml
from customer_intel.roi.assumptions.presentation import table_rows, uncertainty_rows
from customer_intel.roi.assumptions.validation import SECTION_CLASSES, Assumptions, domains, flatten, validate

WinBackAssumptions = SECTION_CLASSES["win_back"]
WelcomeSeriesAssumptions = SECTION_CLASSES["welcome_series"]
MonteCarloSettings = SECTION_CLASSES["monte_carlo"]

__all__ = [
    "ASSUMPTIONS", "BY_KEY", "SECTIONS", "Assumption", "Flag", "VALUE_BASES", "DEFAULTS_PATH", "deep_merge",
    "load_assumptions", "nest", "read_yaml", "table_rows", "uncertainty_rows", "Assumptions", "domains", "flatten",
    "validate", "WinBackAssumptions", "WelcomeSeriesAssumptions", "MonteCarloSettings",
]
