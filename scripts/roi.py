#!/usr/bin/env python
"""Win-back and welcome-series business cases from the marts: CSVs, charts and a self-contained report.

Run after `dbt build`:

    python scripts/roi.py [--target NAME] [--assumptions FILE] [--out DIR]

The warehouse is the dbt profile's target (default: the profile's default target, DuckDB). Assumptions come from
assumptions/roi_defaults.yml, overlaid by --assumptions FILE (only the keys it changes) and by the flags below.
Exit status 2 and a one-line `roi: ...` message for expected problems (bad assumptions, missing marts, ...).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from customer_intel.roi.assumptions.flags import add_flags, overrides_from  # noqa: E402
from customer_intel.roi.errors import RoiError  # noqa: E402
from customer_intel.roi.formatting import brl, percent  # noqa: E402
from customer_intel.roi.methods.scenarios import headline_row  # noqa: E402
from customer_intel.roi.run import DEFAULT_OUT, RunOutput, run  # noqa: E402


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line; flags left out are None and change nothing."""
    parser = argparse.ArgumentParser(prog="roi.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", help="dbt target to read the marts from (default: the profile's default)")
    parser.add_argument("--assumptions", type=Path, help="YAML file overriding assumptions/roi_defaults.yml")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: output/)")
    parser.add_argument("--no-png", action="store_true", help="skip PNG copies of the charts")
    parser.add_argument("--no-write-back", action="store_true",
                        help="do not write the customer_predictions table into the warehouse (read-only access)")
    add_flags(parser.add_argument_group("common assumptions (override the file)"))
    return parser.parse_args(argv)


def break_even_words(rate: float | None) -> str:
    """The break-even success rate, or that no rate up to 100 % pays back."""
    return "never breaks even" if rate is None else f"break-even {percent(rate)}"


def print_summary(output: RunOutput) -> None:
    """Headline numbers and where the report is."""
    results = output.results
    win_back = headline_row(results.win_back.scenarios)
    welcome = headline_row(results.welcome_series.scenarios)
    print(f"roi: data as of {results.as_of_date} (target {results.target_name})")
    print(f"roi: win-back: {int(results.win_back.inputs.people):,} targets, net {brl(win_back['net_profit'], 0)} "
          f"at {percent(win_back['success_rate'])} success, "
          f"{break_even_words(results.win_back.break_even_success_rate)} "
          f"(organic rate {percent(results.win_back.organic.rate, 2)} over "
          f"{results.win_back.organic.window_months} months subtracted)")
    print(f"roi: welcome series: baseline {percent(results.welcome_series.baseline.rate)}, net "
          f"{brl(welcome['net_value_per_year'], 0)} a year at a {percent(welcome['improvement'])} improvement")
    backtest = results.predicted.backtest
    contact = results.win_back.bases[results.value_basis].contact_list
    if backtest.unavailable:
        checked = "no backtest"
    else:
        totals, capture = backtest.totals[backtest.model], backtest.capture[backtest.model]
        checked = (f"backtest {totals.predicted_purchases:,.0f} holdout purchases predicted vs "
                   f"{totals.actual_purchases:,.0f} actual, top decile holds {percent(capture.share, 1)} of the buyers")
    model = results.predicted.choice.purchase_model or "none"
    print(f"roi: predicted CLV ({model}): {checked}; win-back contact list: best length {contact.best_length:,} of "
          f"{len(contact.table):,}")
    if output.predictions_table:
        print(f"roi: {len(results.predicted.predictions):,} predictions written to {output.predictions_table}")
    print(f"roi: {len(output.tables)} tables, {len(output.html_charts)} HTML charts, {len(output.png_charts)} PNGs")
    print(f"roi: report written to {output.report}")


def main(argv: list[str] | None = None) -> int:
    """Run the tool; 0 on success, 2 with a one-line message for expected problems."""
    args = parse_args(argv)
    try:
        output = run(args.target, args.assumptions, args.out, overrides_from(args), png=not args.no_png,
                     write_back=not args.no_write_back)
    except RoiError as exc:
        print(f"roi: {exc}", file=sys.stderr)
        return 2
    for notice in output.notices:
        print(f"roi: notice: {notice}", file=sys.stderr)
    print_summary(output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
