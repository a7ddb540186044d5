"""One run of the ROI tool: assumptions → marts → business cases → CSVs, charts and report in the output folder.

Output layout (``--out``, default ``output/``):

    report.html                        self-contained report (opens offline)
    <table>.csv                        one file per result table (see TABLE_FILES)
    charts/<chart>.html                interactive charts sharing charts/plotly.min.js
    charts/<chart>.png                 static copies, when a Chromium is available
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from customer_intel.profile import PROJECT_ROOT, ProfileError, load_target
from customer_intel.roi import cases, charts, predicted_value, segment_moves
from customer_intel.roi.assumptions import load_assumptions
from customer_intel.roi.errors import RoiError
from customer_intel.roi.marts import read_marts
from customer_intel.roi.report import render_report

DEFAULT_OUT = PROJECT_ROOT / "output"


@dataclass
class RunOutput:
    """Where everything went, and the notices for the user (e.g. PNGs skipped)."""

    results: cases.Results
    report: Path
    tables: list[Path] = field(default_factory=list)
    html_charts: list[Path] = field(default_factory=list)
    png_charts: list[Path] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def result_tables(results: cases.Results) -> dict[str, pd.DataFrame]:
    """Every result table by file stem."""
    wb, ws = results.win_back, results.welcome_series
    return {
        "business_case_summary": cases.summary_table(results),
        "win_back_scenarios": wb.scenarios,
        "win_back_targets_by_segment": wb.targets.by_segment,
        "win_back_sensitivity": wb.sensitivity,
        "welcome_series_scenarios": ws.scenarios,
        "welcome_series_cohorts": ws.baseline.cohorts.assign(
            cohort_month=ws.baseline.cohorts["cohort_month"].dt.date,
            month1_returners=ws.baseline.cohorts["month1_returners"].astype("Int64"),
        ),
        "welcome_series_sensitivity": ws.sensitivity,
        "monte_carlo_summary": cases.simulation_table(results),
        "organic_return_rates": segment_moves.organic_table(results.marts.segment_reactivation_pooled),
        **predicted_value_tables(results),
    }


def predicted_value_tables(results: cases.Results) -> dict[str, pd.DataFrame]:
    """The predicted lifetime value's tables and the win-back contact list (chosen value basis)."""
    predicted = results.predicted
    chosen = results.win_back_bases[results.assumptions.win_back.value_basis]
    return {
        "clv_predictions": predicted.predictions[list(predicted_value.PREDICTION_COLUMNS)],
        "clv_by_segment": predicted.by_segment,
        "clv_model_parameters": predicted_value.parameter_table(predicted.calibration_fits, predicted.full_fits),
        "clv_backtest": predicted.backtest.table,
        "win_back_contact_list": chosen.contact_list.table,
        "win_back_value_bases": cases.value_basis_table(results),
    }


def write_tables(results: cases.Results, out_dir: Path) -> list[Path]:
    """Every result table as ``<stem>.csv`` in ``out_dir``."""
    paths = []
    for stem, table in result_tables(results).items():
        path = out_dir / f"{stem}.csv"
        table.to_csv(path, index=False)
        paths.append(path)
    return paths


def select_target(target_name: str | None):
    """The dbt target, profile problems turned into RoiError."""
    try:
        return load_target(target_name)
    except ProfileError as exc:
        raise RoiError(str(exc)) from exc


def prepare_out_dir(out_dir: Path) -> None:
    """Create the output folder (and its charts folder)."""
    try:
        (out_dir / "charts").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RoiError(f"output: cannot create {out_dir} ({exc.strerror})") from exc


def remove_stale_pngs(figures: list[charts.Chart], folder: Path) -> None:
    """PNGs of an earlier run would no longer match the HTML charts; drop them."""
    for chart in figures:
        (folder / f"{chart.name}.png").unlink(missing_ok=True)


def run(
    target_name: str | None = None,
    assumptions_path: Path | None = None,
    out_dir: Path = DEFAULT_OUT,
    overrides: Mapping[str, Any] | None = None,
    png: bool = True,
) -> RunOutput:
    """The whole tool; expected problems raise RoiError with a one-line message."""
    assumptions = load_assumptions(assumptions_path, overrides)
    results = cases.compute(read_marts(select_target(target_name)), assumptions)
    prepare_out_dir(out_dir)
    figures = charts.build_charts(results)
    output = RunOutput(results=results, report=out_dir / "report.html")
    if results.predicted.backtest.unavailable:
        output.notices.append(f"clv: no backtest ({results.predicted.backtest.unavailable})")
    output.tables = write_tables(results, out_dir)
    output.html_charts = charts.write_html(figures, out_dir / "charts")
    if png:
        output.png_charts, notice = charts.write_png(figures, out_dir / "charts")
        if notice:
            output.notices.append(notice)
    if not output.png_charts:
        remove_stale_pngs(figures, out_dir / "charts")
    output.report.write_text(render_report(results, figures), encoding="utf-8")
    return output
