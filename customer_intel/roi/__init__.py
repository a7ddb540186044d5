"""The ROI tool: business cases from the marts, and everything a marketing lead sees of them.

Layers, each a package or module of its own, listed top down. Computation (``cases``, ``methods``) never imports
presentation, and presentation reads the cases' results, never the marts (``pytests/test_roi_layout.py`` checks both):

- ``run`` (with ``scripts/roi.py``): wires the layers together and writes the outputs.
- ``presentation/``: ``labels``, ``readings``, every CSV table (``tables``), the charts (``charts`` in the house
  ``style``), the report (``report``, ``html``, ``method_note``, ``templates/``) and one module per case that needs
  more than a chart (``predicted_value``), made from the cases' results.
- ``cases/``: pure computation that returns results, one module per business case (``win_back`` with its
  ``contact_list``, ``welcome_series``, ``segment_moves``, ``predicted_value`` with its ``backtest`` and
  ``predictive_profile``, and ``overview``, the descriptive tables); ``cases.compute`` runs them all into ``Results``.
  It never imports presentation.
- ``methods/``: what the cases share: sensitivity grids, Monte Carlo, the headline scenario.
- Beside them: ``assumptions/`` (declared once, read from YAML, overridden by flags, validated, and shown as the
  report's assumption table), ``marts`` (reads the marts through the
  dbt profile's target: DuckDB, PostgreSQL or Spark), ``predictions_table`` (writes ``customer_predictions`` back),
  ``formatting`` (how R$ and percent print, shared by the assumption table and the report) and ``errors``
  (``RoiError``, the expected problems shown as one line).

A new business case is one module in ``cases/`` (its formulas and a function that returns its result, added to
``Results`` in ``cases/__init__.py``) and one in ``presentation/`` (its tables, charts, readings and report context,
added to ``tables.result_tables``, ``charts.build_charts`` and ``report.render_report``, with its template partial
in ``presentation/templates/``). The README's layout section says the same.

Default assumptions: ``assumptions/roi_defaults.yml`` (documented there); tests: ``pytests/test_roi_*.py``.

Rates are fractions in [0, 1] throughout; only charts and the report print percent. Money is BRL.
"""
from customer_intel.roi.errors import RoiError

__all__ = ["RoiError"]
