"""The report's "Predicted lifetime value" section: the partial ``templates/predicted_value.html.j2`` (included
by ``report.html.j2``, using its ``chart_block`` and ``table`` helpers) and ``context(results)``, its numbers as
``pv``.
"""
from __future__ import annotations

import pandas as pd

from customer_intel.roi import predicted_value, predictions_table, segment_moves
from customer_intel.roi.cases import Results
from customer_intel.roi.charts import MODEL_LABELS
from customer_intel.roi.formatting import brl, count, percent
from customer_intel.roi.readings import headline_row


def optional(value, show) -> str:
    """A value that may be missing (no model for it): shown, or a dash."""
    return "—" if value is None or pd.isna(value) else show(value)


def context(results: Results, table_class) -> dict:
    """Formatted numbers and tables of the section; ``table_class`` is the report's Table."""
    pv, settings = results.predicted, results.assumptions
    backtest = pv.backtest
    chosen = results.win_back_bases[results.value_basis]
    window = settings.win_back.campaign_window_months
    organic = segment_moves.segment_rates(results.marts.segment_reactivation_pooled, window)
    rows = []
    for model in backtest.totals:  # the models the calibration period identifies
        totals, capture = backtest.totals[model], backtest.capture[model]
        rows.append([MODEL_LABELS[model], count(totals.people), count(totals.actual_purchases),
                     count(totals.predicted_purchases, 1), percent(totals.relative_error, 1),
                     percent(capture.share, 1),
                     predicted_value.verdict(totals, capture)])
    bases = []
    for basis, case in results.win_back_bases.items():
        headline = headline_row(case.scenarios)
        bases.append([basis + (" (chosen)" if basis == results.value_basis else ""), brl(case.avg_value),
                      brl(headline["net_profit"], 0),
                      "never" if case.break_even_success_rate is None else percent(case.break_even_success_rate),
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
        "choice_text": pv.choice_text,
        "predictions_table": predictions_table.qualified_name(),
        "organic_months": window,
        "churn_medium": percent(settings.clv.churn_risk_medium_from, 0),
        "churn_high": percent(settings.clv.churn_risk_high_from, 0),
        "value_basis_text": (
            "A reactivated customer is worth either their historical value (monetary) or what the model expects "
            "from them given that they buy at the campaign: that purchase plus the discounted purchases of the next "
            f"{settings.clv.horizon_months} months that usually follow one (not multiplied again by their chance of "
            "buying: the success rate says who buys); the business case uses the targets' mean of it, the contact "
            f"list each person's own. The case above uses the {results.value_basis} basis "
            "(assumption win_back.value_basis); both side by side:"),
        "backtest_table": table_class(
            ["model", "people", "actual holdout purchases", "predicted", "error", "top-decile capture", "verdict"],
            rows),
        "segment_table": table_class(
            ["segment", "people", "historical revenue", "avg monetary", "predicted CLV", "avg predicted CLV",
             "mean P(alive)", "P(purchase in 90 days)", f"bought within {window} months (measured)",
             "churn risk high / medium / low", "expected next purchase"],
            [[r.rfm_segment, count(r.people), brl(r.revenue, 0), brl(r.avg_monetary), brl(r.predicted_clv, 0),
              brl(r.avg_predicted_clv), optional(r.avg_p_alive, lambda v: percent(v, 1)),
              percent(r.avg_p_purchase_90d, 2),
              optional(organic.get(r.rfm_segment), lambda v: percent(v, 2)),
              " / ".join(percent(getattr(r, f"share_{risk}_churn_risk"), 0) for risk in ("high", "medium", "low")),
              optional(r.median_expected_next_purchase_date, str)]
             for r in pv.by_segment.itertuples()]),
        "bases_table": table_class(
            ["value basis", "value if reactivated", "net profit contacting all", "break-even success rate",
             "optimal list length", "net profit of that list"], bases),
        "parameter_table": table_class(
            ["fit", "model", "state", "parameter", "value", "penalty", "log-likelihood", "people", "reason"],
            [[r.fit, MODEL_LABELS[r.model] + (" (used)" if r.used else ""), r.state.replace("_", " "),
              r.parameter, optional(r.value, lambda v: f"{v:.6g}"), optional(r.penalty, lambda v: f"{v:g}"),
              optional(r.log_likelihood, lambda v: f"{v:,.2f}"), optional(r.people, count), r.reason]
             for r in predicted_value.parameter_table(pv.calibration_outcomes, pv.choice).itertuples()],
            text_columns=4),
    }
