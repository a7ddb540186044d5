"""What the user sees: labels, readings, every CSV table, the charts and the report, all made from the cases'
results (``customer_intel.roi.cases.Results``), never from the marts.

- ``labels``: names of models and value bases in words; ``readings``: one-sentence readings computed from the data.
- ``tables``: every CSV table, by file stem; ``charts``: the plotly figures, their house style and export.
- ``predicted_value``: the predicted lifetime value's section (context, tables, backtest chart, prose).
- ``report`` (with ``html`` and ``templates/``): the self-contained ``report.html``; ``method_note``: its note on
  the segment method.
"""
