"""Plotly charts of the business cases' results, each with its one-sentence reading; HTML and PNG export.

PNG export needs a Chromium-based browser (kaleido drives it). Without one the charts are still written as
interactive HTML and the caller gets a one-line notice instead of an exception.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from customer_intel.roi.formatting import brl, percent
from customer_intel.roi.methods import sensitivity
from customer_intel.roi.presentation import backtest, readings, second_purchase
from customer_intel.roi.presentation.style import (
    DIVERGING,
    NEGATIVE,
    NEUTRAL,
    PLOTLY_CONFIG,
    SEQUENTIAL,
    Chart,
    bar_colours,
    compact_brl,
    styled,
)

if TYPE_CHECKING:  # only for annotations: charts are built from the cases' results
    from customer_intel.roi.cases import Results

TOP_CATEGORIES = 12
TOP_STATES = 10


# --- Customers --------------------------------------------------------------------------------------------------


def segment_value_chart(results: Results) -> Chart:
    """Share of customers next to share of value, per RFM segment (``clv`` mart)."""
    clv, order = results.overview.segments, results.overview.segment_order
    ordered = clv.set_index("rfm_segment").loc[order].reset_index()
    figure = go.Figure([
        go.Bar(name="Share of customers", x=ordered["rfm_segment"], y=ordered["customer_share"],
               marker_color="#adb5bd", hovertemplate="%{x}: %{y:.1%} of customers<extra></extra>"),
        go.Bar(name="Share of value", x=ordered["rfm_segment"], y=ordered["revenue_share"], marker_color=NEUTRAL,
               customdata=ordered[["revenue", "avg_monetary"]],
               hovertemplate="%{x}: %{y:.1%} of value<br>R$ %{customdata[0]:,.2f} in total, "
                             "R$ %{customdata[1]:,.2f} per customer<extra></extra>"),
    ])
    figure.update_layout(barmode="group", yaxis_tickformat=".0%", legend={"orientation": "h", "y": -0.15})
    title = "Segment value: share of customers vs share of value"
    return Chart("segment_value", title, styled(figure, title), readings.segment_value(clv))


def affinity_chart(results: Results) -> Chart:
    """Affinity index heatmap, segments × the categories with the most revenue."""
    affinity = results.overview.affinity
    top = affinity.groupby("product_category")["revenue"].sum().nlargest(TOP_CATEGORIES).index.tolist()
    shown = affinity.loc[affinity["product_category"].isin(top)]
    matrix = shown.pivot(index="rfm_segment", columns="product_category", values="affinity_index")
    matrix = matrix.reindex(index=[s for s in results.overview.segment_order if s in matrix.index], columns=top)
    figure = go.Figure(go.Heatmap(
        z=matrix.values, x=matrix.columns, y=matrix.index, colorscale=DIVERGING, zmid=1.0,
        text=np.vectorize(lambda v: "" if pd.isna(v) else f"{v:.2f}")(matrix.values), texttemplate="%{text}",
        colorbar={"title": "index"},
        hovertemplate="%{y} × %{x}<br>affinity index %{z:.2f}<extra></extra>",
    ))
    figure.update_layout(xaxis_tickangle=-35, yaxis_autorange="reversed")
    title = f"Affinity index: segment × top {len(top)} categories (1 = same share as all customers)"
    return Chart("affinity_heatmap", title, styled(figure, title, 480), readings.affinity(shown))


def geography_chart(results: Results) -> Chart:
    """Share of each segment's customers per state, for the states with the most customers."""
    geography = results.overview.geography
    top = geography.groupby("customer_state")["customers"].sum().nlargest(TOP_STATES).index.tolist()
    matrix = geography.pivot(index="rfm_segment", columns="customer_state", values="segment_customer_share")
    matrix = matrix.reindex(index=[s for s in results.overview.segment_order if s in matrix.index], columns=top)
    figure = go.Figure(go.Heatmap(
        z=matrix.values, x=matrix.columns, y=matrix.index, colorscale=SEQUENTIAL, zmin=0,
        text=np.vectorize(lambda v: "" if pd.isna(v) else percent(v, 0))(matrix.values), texttemplate="%{text}",
        colorbar={"title": "share", "tickformat": ".0%"},
        hovertemplate="%{y} in %{x}: %{z:.1%} of the segment's customers<extra></extra>",
    ))
    figure.update_layout(yaxis_autorange="reversed")
    title = f"Geography: share of each segment's customers in the top {len(top)} states"
    return Chart("geography", title, styled(figure, title), readings.geography(geography))


def cohort_chart(results: Results) -> Chart:
    """Retention from month 1 on (month 0 is always 100 %); the colour scale ends at the highest rate of a cohort
    kept in the baseline, so a tiny cohort's 100 % cannot wash out every other cell."""
    baseline = results.welcome_series.baseline
    labels = {
        row.cohort_month: f"{row.cohort_month:%Y-%m} (n={row.cohort_size:,})" for row in baseline.cohorts.itertuples()
    }
    frame = results.overview.cohort_retention
    later = frame.loc[frame["months_since_first_purchase"] >= 1].assign(
        cohort=pd.to_datetime(frame["cohort_month"]).map(labels)
    )
    matrix = later.pivot(index="cohort", columns="months_since_first_purchase", values="retention_rate")
    matrix = matrix.reindex([label for label in labels.values() if label in matrix.index])
    kept = set(baseline.cohorts.loc[baseline.cohorts["status"] == "included", "cohort_month"].map(labels))
    colour_max = max(float(matrix.loc[matrix.index.isin(kept)].max().max()), 1e-9)
    figure = go.Figure(go.Heatmap(
        z=matrix.values, x=matrix.columns, y=matrix.index, colorscale=SEQUENTIAL, zmin=0, zmax=colour_max,
        colorbar={"title": "retention", "tickformat": ".1%"},
        hovertemplate="cohort %{y}, month %{x}: %{z:.2%} bought again<extra></extra>",
    ))
    figure.update_layout(xaxis_title="months since first purchase", yaxis={"type": "category", "autorange": "reversed"},
                         xaxis_dtick=1)
    title = "Cohort retention: share of each monthly cohort buying again, by month since first purchase"
    height = max(440, 120 + 22 * len(matrix.index))
    return Chart("cohort_retention", title, styled(figure, title, height), readings.cohort_retention(baseline))


# --- How segments move ------------------------------------------------------------------------------------------


def migration_chart(results: Results) -> Chart:
    """People moving from segment (rows, 'New' = first purchase between the snapshots) to segment, latest period."""
    period, matrix = results.moves.latest_period, results.moves.migration
    figure = go.Figure(go.Heatmap(
        z=matrix.values, x=matrix.columns, y=matrix.index, colorscale=SEQUENTIAL, zmin=0,
        text=np.vectorize(lambda v: f"{int(v):,}" if v else "")(matrix.values), texttemplate="%{text}",
        colorbar={"title": "people"},
        hovertemplate="%{y} → %{x}: %{z:,} people<extra></extra>",
    ))
    figure.update_layout(xaxis_title="segment at the later snapshot", yaxis_title="segment at the earlier snapshot",
                         yaxis_autorange="reversed")
    start, end = period["from_snapshot_date"].min(), period["to_snapshot_date"].max()
    title = f"Segment migration: people from segment × to segment, {start:%Y-%m-%d} → {end:%Y-%m-%d}"
    return Chart("segment_migration", title, styled(figure, title, 480), readings.segment_migration(period))


def organic_chart(results: Results) -> Chart:
    """Pooled organic return rate by segment and horizon (segment_reactivation_pooled)."""
    pooled = results.moves.organic_rates
    order = pooled.drop_duplicates("rfm_segment")["rfm_segment"].tolist()
    figure = go.Figure([
        go.Bar(name=f"within {horizon} month{'' if horizon == 1 else 's'}", x=rows["rfm_segment"],
               y=rows["return_rate"],
               customdata=rows[["returned", "people"]],
               hovertemplate="%{x}: %{y:.2%} bought again<br>"
                             "%{customdata[0]:,} of %{customdata[1]:,} person-snapshots<extra></extra>")
        for horizon, rows in pooled.groupby("horizon_months")
    ])
    figure.update_layout(barmode="group", yaxis_tickformat=".1%", yaxis_title="organic return rate",
                         xaxis={"categoryorder": "array", "categoryarray": order},
                         legend={"orientation": "h", "y": -0.15})
    title = "Organic return rate: share of each segment buying again with no campaign, by horizon"
    reading = readings.organic_return_rates(pooled, results.win_back.organic)
    return Chart("organic_return_rates", title, styled(figure, title), reading)


# --- Business cases ---------------------------------------------------------------------------------------------


def scenario_bars(scenarios: pd.DataFrame, x: str, y: str, details: list[str], hovertemplate: str,
                  x_title: str, y_title: str) -> go.Figure:
    """Net result per scenario as green/red bars around a zero line (R$ on the y axis)."""
    figure = go.Figure(go.Bar(
        x=[percent(value) for value in scenarios[x]], y=scenarios[y], marker_color=bar_colours(scenarios[y]),
        customdata=scenarios[details], hovertemplate=hovertemplate,
    ))
    figure.update_layout(xaxis_title=x_title, yaxis_tickprefix="R$ ", yaxis_tickformat=",.0f", yaxis_title=y_title)
    figure.add_hline(y=0, line_color="#495057")
    return figure


def win_back_chart(results: Results) -> Chart:
    """Net profit per success-rate scenario, with the break-even rate."""
    case = results.win_back
    figure = scenario_bars(
        case.scenarios, "success_rate", "net_profit", ["incremental_reactivated", "campaign_cost"],
        "success %{x}: net R$ %{y:,.2f}<br>%{customdata[0]:,.1f} reactivated beyond the organic rate, "
        "cost R$ %{customdata[1]:,.2f}<extra></extra>",
        "success rate (share of targets who buy again)", "net profit")
    if case.break_even_success_rate is not None:
        figure.add_annotation(text=f"break-even at {percent(case.break_even_success_rate)} success "
                                   f"(organic rate {percent(case.organic.rate, 2)})",
                              xref="paper", yref="paper", x=0.01, y=0.98, showarrow=False, align="left")
    title = f"Win-back campaign: net profit by success rate ({int(case.inputs.people):,} targets)"
    reading = readings.win_back_scenarios(case.scenarios, case.break_even_success_rate)
    return Chart("win_back_scenarios", title, styled(figure, title), reading)


def welcome_chart(results: Results) -> Chart:
    """Net value per year per improvement scenario."""
    case = results.welcome_series
    figure = scenario_bars(
        case.scenarios, "improvement", "net_value_per_year", ["added_customers_per_month", "improved_retention"],
        "improvement %{x}: R$ %{y:,.2f} a year<br>%{customdata[0]:,.2f} added customers a month, "
        "retention %{customdata[1]:.3%}<extra></extra>",
        "relative improvement of month-1 retention", "net value per year")
    title = f"Welcome series: net value per year by improvement (baseline {percent(case.baseline.rate)})"
    reading = readings.welcome_scenarios(case.scenarios, case.baseline.rate)
    return Chart("welcome_series_scenarios", title, styled(figure, title), reading)


def sensitivity_heatmap(matrix: pd.DataFrame, x_labels: list[str], y_labels: list[str], x_title: str,
                        y_title: str, value_title: str) -> go.Figure:
    """A net-result grid as a heatmap centred on zero, cells labelled in compact R$."""
    figure = go.Figure(go.Heatmap(
        z=matrix.values, x=x_labels, y=y_labels, colorscale=DIVERGING, zmid=0,
        text=np.vectorize(compact_brl)(matrix.values), texttemplate="%{text}",
        colorbar={"title": value_title, "tickprefix": "R$ ", "tickformat": ",.0f"},
        hovertemplate=f"{x_title} %{{x}}, {y_title} %{{y}}: R$ %{{z:,.2f}}<extra></extra>",
    ))
    figure.update_layout(xaxis_title=x_title, yaxis_title=y_title)
    return figure


def win_back_sensitivity_chart(results: Results) -> Chart:
    """Net profit over success rate × cost per contact."""
    case = results.win_back
    matrix = sensitivity.as_matrix(case.sensitivity, "success_rate", "cost_per_contact", "net_profit")
    figure = sensitivity_heatmap(
        matrix, [percent(v) for v in matrix.columns], [brl(v) for v in matrix.index],
        "success rate", "cost per contact", "net profit",
    )
    break_even = case.break_even_at_highest_cost
    title = "Win-back sensitivity: net profit by success rate × cost per contact"
    reading = readings.win_back_sensitivity(case.sensitivity, break_even)
    return Chart("win_back_sensitivity", title, styled(figure, title), reading)


def welcome_sensitivity_chart(results: Results) -> Chart:
    """Net value per year over improvement × value per customer."""
    case = results.welcome_series
    matrix = sensitivity.as_matrix(case.sensitivity, "improvement", "value_per_customer", "net_value_per_year")
    figure = sensitivity_heatmap(
        matrix, [percent(v) for v in matrix.columns], [brl(v) for v in matrix.index],
        "improvement", "value per customer", "net value / year",
    )
    title = "Welcome-series sensitivity: net value per year by improvement × value per customer"
    reading = readings.welcome_sensitivity(case.sensitivity)
    return Chart("welcome_series_sensitivity", title, styled(figure, title), reading)


def simulation_histogram(samples: np.ndarray, summary, value_title: str, bins: int = 60) -> go.Figure:
    """Histogram of simulated net results, binned here so the page carries 60 bars instead of every sample."""
    counts, edges = np.histogram(samples, bins=bins)
    centres = (edges[:-1] + edges[1:]) / 2
    figure = go.Figure(go.Bar(
        x=centres, y=counts, width=np.diff(edges), marker_color=NEUTRAL, opacity=0.8,
        customdata=np.column_stack([edges[:-1], edges[1:]]),
        hovertemplate="R$ %{customdata[0]:,.0f} to R$ %{customdata[1]:,.0f}: %{y} runs<extra></extra>",
    ))
    for label, value, dash in (("P10", summary.p10, "dot"), ("P50", summary.p50, "dash"), ("P90", summary.p90, "dot")):
        figure.add_vline(x=value, line_dash=dash, line_color="#495057",
                         annotation_text=f"{label} {compact_brl(value)}", annotation_position="top")
    figure.add_vline(x=0, line_color=NEGATIVE, line_width=2)
    figure.update_layout(xaxis_title=value_title, xaxis_tickprefix="R$ ", xaxis_tickformat=",.0f",
                         yaxis_title="simulated campaigns", bargap=0, showlegend=False)
    return figure


def win_back_simulation_chart(results: Results) -> Chart:
    """Distribution of simulated win-back net profit."""
    case = results.win_back
    figure = simulation_histogram(case.simulated_net_profit, case.simulation, "net profit")
    title = f"Win-back uncertainty: net profit over {case.simulation.runs:,} simulated campaigns"
    reading = readings.simulation(case.simulation, "win-back net profit")
    if case.value_draws is not None:
        reading += " " + readings.value_draws(case.value_draws)
    return Chart("win_back_monte_carlo", title, styled(figure, title), reading)


def welcome_simulation_chart(results: Results) -> Chart:
    """Distribution of simulated welcome-series net value per year."""
    case = results.welcome_series
    figure = simulation_histogram(case.simulated_net_value_per_year, case.simulation, "net value per year")
    title = f"Welcome-series uncertainty: net value per year over {case.simulation.runs:,} simulations"
    reading = readings.simulation(case.simulation, "welcome series' net value per year")
    return Chart("welcome_series_monte_carlo", title, styled(figure, title), reading)


def build_charts(results: Results) -> list[Chart]:
    """Every chart of the report, in report order."""
    return [
        segment_value_chart(results),
        affinity_chart(results),
        geography_chart(results),
        cohort_chart(results),
        second_purchase.lateness_chart(results),
        migration_chart(results),
        organic_chart(results),
        win_back_chart(results),
        welcome_chart(results),
        win_back_sensitivity_chart(results),
        welcome_sensitivity_chart(results),
        win_back_simulation_chart(results),
        welcome_simulation_chart(results),
        backtest.backtest_chart(results),
        backtest.calibration_chart(results),
    ]


# --- Export -----------------------------------------------------------------------------------------------------


def write_html(charts: list[Chart], folder: Path) -> list[Path]:
    """One interactive HTML file per chart; they share one plotly.min.js copied beside them (works offline)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for chart in charts:
        path = folder / f"{chart.name}.html"
        pio.write_html(chart.figure, path, include_plotlyjs="directory", config=PLOTLY_CONFIG, full_html=True)
        paths.append(path)
    return paths


def find_chromium() -> str | None:
    """The Chromium-based browser kaleido would use (BROWSER_PATH, else the PATH), or None."""
    try:
        from choreographer.browsers.chromium import Chromium
    except ImportError:
        return None
    path = Chromium.find_browser(skip_local=False)
    return path if path and os.path.isfile(path) and os.access(path, os.X_OK) else None


def write_png(charts: list[Chart], folder: Path, width: int = 1100) -> tuple[list[Path], str | None]:
    """PNG copies of the charts when a Chromium is available; otherwise no files and a one-line notice."""
    if find_chromium() is None:
        return [], "no Chromium found for PNG export (set BROWSER_PATH or install chromium): charts are HTML only"
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{chart.name}.png" for chart in charts]
    heights = [chart.figure.layout.height or 440 for chart in charts]
    try:
        pio.write_images([chart.figure for chart in charts], paths, width=width, height=heights)
    except Exception as exc:  # kaleido/browser failures vary; the HTML charts stand on their own
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        return [], f"PNG export failed ({reason}): charts are HTML only"
    return paths, None
