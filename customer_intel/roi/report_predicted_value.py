"""The report's "Predicted lifetime value" section: the partial ``templates/predicted_value.html.j2`` (included
by ``report.html.j2``, using its ``chart_block`` and ``table`` helpers) and ``context(results)``, its numbers as
``pv``.
"""
from __future__ import annotations

from customer_intel.roi import predicted_value
from customer_intel.roi.cases import Results
from customer_intel.roi.charts import MODEL_LABELS
from customer_intel.roi.formatting import brl, count, percent
from customer_intel.roi.readings import headline_row


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
        headline = headline_row(case.scenarios)
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
