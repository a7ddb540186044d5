"""The report's "Predicted lifetime value" section: a partial rendered into report.html by ``report.render_report``.

Kept apart from the main page so it can move with it: ``PARTIAL`` is a Jinja2 template using the page's
``chart_block`` and ``table`` helpers, ``context(results)`` its formatted numbers.
"""
from __future__ import annotations

from customer_intel.roi import predicted_value
from customer_intel.roi.cases import Results
from customer_intel.roi.charts import MODEL_LABELS
from customer_intel.roi.formatting import brl, count, percent

PARTIAL = """<h2>Predicted lifetime value: who will buy again, and how far to trust it</h2>
<p>Buy-till-you-die models fitted on the <code>clv_inputs</code> mart: MBG/NBD for the purchases (BG/NBD beside it
for comparison) and Gamma-Gamma for the spend per purchase. Predicted CLV = expected purchases over the next
{{ pv.horizon }} months × expected spend per purchase × gross margin {{ pv.margin }}, each month discounted at
{{ pv.discount }} a year. Per person in <code>clv_predictions.csv</code>, per segment in
<code>clv_by_segment.csv</code>.</p>
<h3>Backtest</h3>
<p>The models are fitted on the history up to {{ pv.calibration_end }}, predict the {{ pv.holdout_days }} days
after it, and are compared with what the {{ pv.people }} people did (<code>clv_backtest.csv</code>).</p>
{% for chart in sections.predicted_value %}{{ chart_block(chart) }}{% endfor %}
{{ table(pv.backtest_table) }}
<h3>Predicted beside historical value, per segment</h3>
<p>Historical revenue is what each segment has spent so far (before margin); predicted CLV is the margin expected
from it over the next {{ pv.horizon }} months.</p>
{{ table(pv.segment_table) }}
<h3>Win-back with the predicted value</h3>
<p>{{ pv.value_basis_text }} Contact list: <code>win_back_contact_list.csv</code>, targets ranked by expected
incremental value = success rate {{ pv.success_rate }} × value if reactivated × margin; contacting the first
{{ pv.best_length }} maximises the expected net profit at {{ pv.cost_per_contact }} per contact.</p>
{{ table(pv.bases_table) }}
<details><summary>Model parameters (<code>clv_model_parameters.csv</code>)</summary>{{ table(pv.parameter_table) }}
</details>
"""


def context(results: Results, table_class) -> dict:
    """Formatted numbers and tables of the section; ``table_class`` is the report's Table."""
    pv, settings = results.predicted, results.assumptions
    backtest = pv.backtest
    chosen = results.win_back_bases[settings.win_back.value_basis]
    rows = []
    for model in backtest.totals:
        totals, capture = backtest.totals[model], backtest.capture[model]
        rows.append([MODEL_LABELS[model], count(totals.people), count(totals.actual_purchases),
                     count(totals.predicted_purchases, 1), percent(totals.relative_error, 1),
                     percent(capture.share, 1),
                     predicted_value.verdict(totals, capture)])
    bases = []
    for basis, case in results.win_back_bases.items():
        headline = case.scenarios.iloc[(len(case.scenarios) - 1) // 2]
        bases.append([basis + (" (chosen)" if basis == settings.win_back.value_basis else ""), brl(case.avg_value),
                      brl(headline["net_profit"], 0), percent(case.break_even_success_rate),
                      count(case.contact_list.best_length), brl(case.contact_list.best_net_profit, 0)])
    return {
        "horizon": settings.clv.horizon_months,
        "margin": percent(settings.win_back.gross_margin),
        "discount": percent(settings.clv.annual_discount_rate),
        "calibration_end": f"{results.marts.clv_people['calibration_end_date'].iloc[0]:%Y-%m-%d}",
        "holdout_days": backtest.holdout_days,
        "people": count(backtest.people),
        "success_rate": percent(chosen.contact_list.success_rate),
        "best_length": count(chosen.contact_list.best_length),
        "cost_per_contact": brl(settings.win_back.cost_per_contact),
        "value_basis_text": (
            "A reactivated customer is worth either their historical value (monetary) or their predicted revenue "
            f"over the next {settings.clv.horizon_months} months, discounted (what the model expects of them without "
            "a campaign: a prudent figure); the business case uses the targets' mean of it, the contact list each "
            f"person's own. The case above uses the {settings.win_back.value_basis} basis "
            "(assumption win_back.value_basis); both side by side:"),
        "backtest_table": table_class(
            ["model", "people", "actual holdout purchases", "predicted", "error", "top-decile capture", "verdict"],
            rows),
        "segment_table": table_class(
            ["segment", "people", "historical revenue", "avg monetary", "predicted CLV", "avg predicted CLV",
             "mean P(alive)"],
            [[r.rfm_segment, count(r.people), brl(r.revenue, 0), brl(r.avg_monetary), brl(r.predicted_clv, 0),
              brl(r.avg_predicted_clv), percent(r.avg_p_alive, 1)] for r in pv.by_segment.itertuples()]),
        "bases_table": table_class(
            ["value basis", "value if reactivated", "net profit contacting all", "break-even success rate",
             "optimal list length", "net profit of that list"], bases),
        "parameter_table": table_class(
            ["fit", "model", "parameter", "value", "log-likelihood", "people"],
            [[r.fit, MODEL_LABELS[r.model], r.parameter, f"{r.value:.6g}", f"{r.log_likelihood:,.2f}",
              count(r.people)]
             for r in predicted_value.parameter_table(pv.calibration_fits, pv.full_fits).itertuples()],
            text_columns=3),
    }
