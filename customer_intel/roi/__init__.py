"""Business cases built on the marketing marts: the logic behind ``scripts/roi.py``.

Modules, from pure formulas to I/O:

- ``win_back``: the win-back campaign case (net profit per success rate, break-even success rate).
- ``welcome_series``: the welcome-series case (pooled month-1 retention baseline, added customers, net value).
- ``sensitivity``: net result over a grid of the two least certain inputs of each case.
- ``monte_carlo``: input distributions, seeded simulation, P(net > 0) and P10/P50/P90.
- ``assumptions``: every assumption declared once (``assumptions/declarations.py``); the YAML file merged over
  the shipped defaults, CLI overrides and validation derived from that declaration.
- ``marts``: reads the marts through the dbt profile's selected target (DuckDB or PostgreSQL).
- ``cases``: both business cases computed from marts and assumptions (no I/O).
- ``readings``, ``charts`` and ``report``: one-sentence readings computed from the data, plotly figures, and the
  self-contained ``report.html``; ``formatting`` prints R$ and percent the same way everywhere.
- ``run``: wires everything together and writes the outputs; ``scripts/roi.py`` only parses arguments.
- ``errors``: ``RoiError``, the expected problems shown to the user as one line.

Default assumptions: ``assumptions/roi_defaults.yml`` (documented there); tests: ``pytests/test_roi_*.py``.

Rates are fractions in [0, 1] throughout; only charts and the report print percent. Money is BRL.
"""
from customer_intel.roi.errors import RoiError

__all__ = ["RoiError"]
