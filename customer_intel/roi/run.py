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


from customer_intel.profile import PROJECT_ROOT, ProfileError, load_target
from customer_intel.roi import cases, predictions_table
from customer_intel.roi.assumptions import load_assumptions
from customer_intel.roi.cases.predicted_value import MAIN_MODEL
from customer_intel.roi.errors import RoiError
from customer_intel.roi.marts import read_marts
from customer_intel.roi.presentation import charts
from customer_intel.roi.presentation.predicted_value import choice_sentence
from customer_intel.roi.presentation.report import render_report
from customer_intel.roi.presentation.style import Chart
from customer_intel.roi.presentation.tables import result_tables

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
    predictions_table: str | None = None  # schema.table written in the warehouse, None when not written


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


def remove_stale_pngs(figures: list[Chart], folder: Path) -> None:
    """PNGs of an earlier run would no longer match the HTML charts; drop them."""
    for chart in figures:
        (folder / f"{chart.name}.png").unlink(missing_ok=True)


def run(
    target_name: str | None = None,
    assumptions_path: Path | None = None,
    out_dir: Path = DEFAULT_OUT,
    overrides: Mapping[str, Any] | None = None,
    png: bool = True,
    write_back: bool = True,
) -> RunOutput:
    """The whole tool; expected problems raise RoiError with a one-line message. ``write_back``: replace the
    warehouse's customer_predictions table with this run's predictions (off for read-only users)."""
    assumptions = load_assumptions(assumptions_path, overrides)
    target = select_target(target_name)
    results = cases.compute(read_marts(target), assumptions)
    prepare_out_dir(out_dir)
    figures = charts.build_charts(results)
    output = RunOutput(results=results, report=out_dir / "report.html")
    predicted = results.predicted
    if predicted.choice.purchase_model != MAIN_MODEL:
        output.notices.append(f"clv: {choice_sentence(predicted)}")
    if predicted.backtest.unavailable:
        output.notices.append(f"clv: no backtest ({predicted.backtest.unavailable})")
    if results.value_basis != assumptions.win_back.value_basis:
        output.notices.append("win-back: no predictions, so the historical value basis is used")
    output.tables = write_tables(results, out_dir)
    output.html_charts = charts.write_html(figures, out_dir / "charts")
    if png:
        output.png_charts, notice = charts.write_png(figures, out_dir / "charts")
        if notice:
            output.notices.append(notice)
    if not output.png_charts:
        remove_stale_pngs(figures, out_dir / "charts")
    output.report.write_text(render_report(results, figures), encoding="utf-8")
    if write_back and predicted.available:
        predictions_table.write_customer_predictions(
            target, predicted.predictions[list(predictions_table.column_names())])
        output.predictions_table = predictions_table.qualified_name()
    return output
