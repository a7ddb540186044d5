"""The self-contained ``report.html``: every chart with its reading, both business cases, assumptions, as-of date.

The page is the Jinja2 template ``templates/report.html.j2`` (with ``chart_block.html.j2`` and ``table.html.j2``);
this module only formats the numbers it shows. plotly.js is inlined once in the page head and every chart is a
``<div>`` that calls it, so the file opens offline (no CDN) in any modern browser. Text comes from the data through
``readings`` and is HTML-escaped by Jinja2.
"""
from __future__ import annotations

from pathlib import Path

import jinja2
import pandas as pd
import plotly.io as pio
from markupsafe import Markup
from plotly.offline import get_plotlyjs

from customer_intel.roi import assumptions as assumptions_module
from customer_intel.roi.cases import Results
from customer_intel.roi.formatting import brl, count, percent
from customer_intel.roi.methods.scenarios import headline_row
from customer_intel.roi.presentation import campaign, predicted_value, second_purchase
from customer_intel.roi.presentation.style import PLOTLY_CONFIG, Chart
from customer_intel.roi.presentation.html import Table, capitalise, display_path
from customer_intel.roi.presentation.labels import VALUE_BASIS_LABELS
from customer_intel.roi.presentation.method_note import METHOD_NOTE_TITLE, method_note
from customer_intel.roi.presentation.readings import break_even_text

TEMPLATES = Path(__file__).parent / "templates"

SECTION_OF_CHART = {
    "segment_value": "customers", "affinity_heatmap": "customers", "geography": "customers",
    "cohort_retention": "retention", "second_purchase_by_lateness": "second_purchase",
    "segment_migration": "moves", "organic_return_rates": "moves",
    "win_back_scenarios": "win_back", "welcome_series_scenarios": "welcome",
    "win_back_sensitivity": "sensitivity", "welcome_series_sensitivity": "sensitivity",
    "win_back_monte_carlo": "uncertainty", "welcome_series_monte_carlo": "uncertainty",
    "clv_backtest": "predicted_value", "clv_calibration": "predicted_value",
}


def environment() -> jinja2.Environment:
    """Jinja2 with autoescaping and the ``chart_block`` / ``table`` helpers."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    chart_block = env.get_template("chart_block.html.j2")
    table = env.get_template("table.html.j2")
    env.globals["chart_block"] = lambda chart: Markup(chart_block.render(chart=chart, figure=figure_div(chart)))
    env.globals["table"] = lambda t: Markup(table.render(t=t))
    return env


def figure_div(chart: Chart) -> Markup:
    """The chart as a ``<div>`` plus the call that draws it; plotly.js itself is in the page head."""
    html = pio.to_html(chart.figure, full_html=False, include_plotlyjs=False, div_id=f"{chart.name}_figure",
                       config=PLOTLY_CONFIG)
    return Markup(html)


def other_costs(*costs: tuple[float, str]) -> list[str]:
    """The costs besides the main one that are set, in words: "R$ 500.00 fixed", ..."""
    return [f"{brl(amount)} {what}" for amount, what in costs if amount]


def win_back_context(results: Results) -> dict:
    """Formatted numbers and tables of the win-back section."""
    case, settings = results.win_back, results.assumptions.win_back
    headline = headline_row(case.scenarios)
    other = other_costs((settings.fixed_cost, "fixed"),
                        (settings.incentive_per_reactivated, "incentive per reactivated customer"))
    formula = (
        "Break-even success rate = organic rate + cost per contact / (average monetary value × margin)"
        if not other else
        "Break-even success rate = (people × cost per contact + fixed cost + people × organic rate × average "
        "monetary value × margin) / (people × (average monetary value × margin − incentive))"
    )
    return {
        "people": count(case.inputs.people),
        "avg_monetary": brl(case.inputs.avg_monetary),
        "margin": percent(settings.gross_margin),
        "cost_per_contact": brl(settings.cost_per_contact),
        "other_costs": f" plus {' and '.join(other)}" if other else "",
        "headline_rate": percent(headline["success_rate"]),
        "headline_net": brl(headline["net_profit"], 0),
        "break_even": capitalise(break_even_text(case.break_even_success_rate, "success rate")) + ".",
        "break_even_formula": f"{formula} = {percent(case.break_even_success_rate)}."
        if case.break_even_success_rate is not None else "No success rate breaks even.",
        "p_positive": percent(case.simulation.probability_positive, 1),
        "runs": count(case.simulation.runs),
        **organic_context(case.organic),
        "scenario_table": Table(
            ["success rate", "buyers", "incremental reactivated", "gross profit", "campaign cost", "net profit",
             "ROI"],
            [[percent(r.success_rate), count(r.buyers, 1), count(r.incremental_reactivated, 1), brl(r.gross_profit),
              brl(r.campaign_cost),
              brl(r.net_profit), "n/a" if pd.isna(r.roi) else percent(r.roi, 0)]
             for r in case.scenarios.itertuples()],
        ),
        "segment_table": Table(
            ["segment", "people", "average monetary value", "revenue"],
            [[r.rfm_segment, count(r.people), brl(r.avg_monetary), brl(r.revenue)]
             for r in case.targets.by_segment.itertuples()],
        ),
    }


def organic_context(organic) -> dict:
    """The win-back targets' measured organic return rate, formatted."""
    return {
        "organic_rate": percent(organic.rate, 2),
        "organic_returned": count(organic.returned),
        "organic_people": count(organic.people),
        "organic_segments": ", ".join(organic.segments),
        "window_months": organic.window_months,
    }


def welcome_context(results: Results) -> dict:
    """Formatted numbers and tables of the welcome-series section."""
    case, settings = results.welcome_series, results.assumptions.welcome_series
    headline = headline_row(case.scenarios)
    other = other_costs((settings.incentive_per_retained, "incentive per added customer"),
                        (settings.fixed_cost_per_month, "a month to run the series"))
    if settings.fixed_cost_per_month:
        break_even = capitalise(break_even_text(case.break_even_improvement, "improvement")) + "."
    elif case.break_even_improvement is None:
        break_even = "The incentive exceeds the margin: every lift loses money."
    else:
        break_even = "No fixed cost: any lift pays."
    return {
        "baseline": percent(case.baseline.rate),
        "cohorts_used": case.baseline.cohorts_used,
        "returners": count(case.baseline.returners),
        "customers": count(case.baseline.customers),
        "tiny_share": percent(settings.tiny_cohort_share, 0),
        "new_customers": count(case.inputs.new_customers_per_month, 0),
        "new_customers_source": "from the assumptions" if settings.new_customers_per_month else
        f"mean of the last {settings.new_customers_window_months} cohorts that are not tiny",
        "value": brl(case.inputs.value_per_customer),
        "value_basis": VALUE_BASIS_LABELS[settings.value_basis],
        "margin": percent(settings.gross_margin),
        "other_costs": f", minus {' and '.join(other)}" if other else "",
        "headline_improvement": percent(headline["improvement"]),
        "headline_net": brl(headline["net_value_per_year"], 0),
        "break_even": break_even,
        "p_positive": percent(case.simulation.probability_positive, 1),
        "runs": count(case.simulation.runs),
        "scenario_table": Table(
            ["improvement", "month-1 retention", "added customers / month", "net value / month", "net value / year"],
            [[percent(r.improvement), percent(r.improved_retention, 3, trim=False),
              count(r.added_customers_per_month, 2), brl(r.net_value_per_month), brl(r.net_value_per_year)]
             for r in case.scenarios.itertuples()],
        ),
        "cohort_table": Table(
            ["cohort", "status", "new customers", "back in month 1", "month-1 retention"],
            [[f"{r.cohort_month:%Y-%m}", r.status, count(r.cohort_size),
              "—" if pd.isna(r.month1_returners) else count(r.month1_returners),
              "—" if pd.isna(r.month1_retention) else percent(r.month1_retention, 2, trim=False)]
             for r in case.baseline.cohorts.itertuples()],
            text_columns=2,
        ),
    }


def simulation_rows(results: Results) -> Table:
    """The Monte Carlo summary table."""
    rows = []
    for label, summary in (("Win-back net profit", results.win_back.simulation),
                           ("Welcome series net value / year", results.welcome_series.simulation)):
        rows.append([label, count(summary.runs), percent(summary.probability_positive, 1), brl(summary.p10),
                     brl(summary.p50), brl(summary.p90), brl(summary.mean)])
    return Table(["case", "runs", "P(net > 0)", "P10", "P50", "P90", "mean"], rows)


def render_report(results: Results, charts: list[Chart]) -> str:
    """The whole report as one HTML string."""
    sections: dict[str, list[Chart]] = {name: [] for name in set(SECTION_OF_CHART.values())}
    for chart in charts:
        sections[SECTION_OF_CHART[chart.name]].append(chart)
    template = environment().get_template("report.html.j2")
    return template.render(
        pv=predicted_value.context(results),
        plotly_js=Markup(get_plotlyjs()),
        as_of=results.as_of_date.isoformat(),
        as_of_is_day_after_last_purchase=results.overview.totals.as_of_is_day_after_last_purchase,
        target=results.target_name,
        wb=win_back_context(results),
        campaign={"design_text": Markup(campaign.design_sentence(results.win_back.campaign)),
                  "readout": campaign.readout_context(results)},
        ws=welcome_context(results),
        sp=second_purchase.context(results),
        sections=sections,
        seed=results.assumptions.monte_carlo.seed,
        simulation_table=simulation_rows(results),
        assumption_table=Table(["assumption", "value", "meaning"],
                               [list(row) for row in assumptions_module.table_rows(results.assumptions)],
                               text_columns=3),
        sources=", ".join(display_path(source) for source in results.assumptions.sources),
        method_note_title=METHOD_NOTE_TITLE,
        method_note=method_note(results),
    )
