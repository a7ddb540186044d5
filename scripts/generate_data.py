"""Write the nine Olist-format CSV files: ``python scripts/generate_data.py --orders N --seed S --out DIR``.

Thin command line over ``customer_intel.generate.generate``; runs from the project root without installing the
package. Same seed and order count => byte-identical files.

``--campaign-date D [--campaign-uplift U] [--campaign-control-share C]`` also plants a campaign with a known effect:
``campaign_contacts.csv`` (the people lapsed at D, in treatment and control groups) and one extra purchase in the
campaign window for a share U of the treatment group, on top of ``--orders`` (``customer_intel.generate
.planted_campaign``). Without ``--campaign-date`` the files are exactly those of a run without these options.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from customer_intel.generate import DEFAULT_PEOPLE_PER_CHUNK, REAL_ORDERS, generate  # noqa: E402
from customer_intel.generate.planted_campaign import (  # noqa: E402
    DATA_END,
    DEFAULT_CONTROL_SHARE,
    LAPSED_DAYS,
    CampaignPlan,
    CampaignSummary,
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Generate Olist-format CSV files (deterministic for a seed).")
    parser.add_argument("--orders", type=int, default=REAL_ORDERS, help=f"number of orders (default {REAL_ORDERS})")
    parser.add_argument("--seed", type=int, default=42, help="random seed, a non-negative integer (default 42)")
    parser.add_argument("--out", type=Path, default=Path("data/generated"),
                        help="output directory (default data/generated)")
    parser.add_argument("--people-per-chunk", type=int, default=DEFAULT_PEOPLE_PER_CHUNK,
                        help="people generated per chunk; part of what the output depends on "
                             f"(default {DEFAULT_PEOPLE_PER_CHUNK})")
    campaign = parser.add_argument_group(
        "planted campaign", f"contact the people lapsed at a date (a delivered order before it, the last one at least "
                            f"{LAPSED_DAYS} days before) and give a share of the treatment group one extra purchase")
    campaign.add_argument("--campaign-date", metavar="YYYY-MM-DD",
                          help="contact date D; writes campaign_contacts.csv (campaign planted_<YYYYMMDD>)")
    campaign.add_argument("--campaign-uplift", metavar="U",
                          help="share of the treatment group with one extra purchase in [D, D + window), "
                               "a fraction in [0, 1] (default 0)")
    campaign.add_argument("--campaign-control-share", metavar="C",
                          help=f"share of the contacts held out as control, in (0, 1) "
                               f"(default {DEFAULT_CONTROL_SHARE:.2f})")
    return parser.parse_args(argv)


def campaign_plan(args: argparse.Namespace) -> CampaignPlan | None:
    """The campaign the options ask for, or None; ValueError with a one-line message when they are wrong."""
    if args.campaign_date is None:
        given = [flag for flag, value in (("--campaign-uplift", args.campaign_uplift),
                                          ("--campaign-control-share", args.campaign_control_share))
                 if value is not None]
        if given:
            raise ValueError(f"{' and '.join(given)} {'need' if len(given) > 1 else 'needs'} --campaign-date")
        return None
    try:
        date = dt.date.fromisoformat(args.campaign_date)
    except ValueError:
        raise ValueError(f"--campaign-date must be a date YYYY-MM-DD, not {args.campaign_date!r}") from None

    def fraction(flag: str, text: str | None, default: float) -> float:
        if text is None:
            return default
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"{flag} must be a fraction, not {text!r}") from None

    uplift = fraction("--campaign-uplift", args.campaign_uplift, 0.0)
    control_share = fraction("--campaign-control-share", args.campaign_control_share, DEFAULT_CONTROL_SHARE)
    if not 0.0 <= uplift <= 1.0:
        raise ValueError(f"--campaign-uplift must be in [0, 1], not {args.campaign_uplift}")
    if not 0.0 < control_share < 1.0:
        raise ValueError(f"--campaign-control-share must be in (0, 1), not {args.campaign_control_share}")
    return CampaignPlan(date, uplift, control_share)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.orders < 1 or args.seed < 0:
        print("error: --orders must be >= 1 and --seed >= 0", file=sys.stderr)
        return 2
    try:
        plan = campaign_plan(args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    started = time.perf_counter()

    def report_progress(orders_done: int) -> None:
        print(f"  {orders_done:,} / {args.orders:,} orders", file=sys.stderr, flush=True)

    summaries: list[CampaignSummary] = []
    progress = report_progress if args.orders >= 10 * args.people_per_chunk else None
    rows = generate(args.out, args.orders, args.seed, people_per_chunk=args.people_per_chunk, progress=progress,
                    campaign=plan, on_campaign=summaries.append)
    elapsed = time.perf_counter() - started
    width = max(len(name) for name in rows)
    planted = f" + {summaries[0].planted_orders:,} planted" if summaries else ""
    print(f"Wrote {len(rows)} files to {args.out} (seed {args.seed}, {args.orders:,} orders{planted}):")
    for name, count in rows.items():
        print(f"  {name:<{width}}  {count:>12,} rows")
    if summaries:
        s = summaries[0]
        print(f"Campaign {s.campaign_id}: {s.contacted:,} lapsed people contacted on {s.window_start} "
              f"({s.treatment:,} treatment, {s.control:,} control); {s.planted_orders:,} planted purchases in "
              f"[{s.window_start}, {s.window_end}), on top of the {args.orders:,} orders")
        if s.dropped_after_data_end:
            data_end = str(DATA_END).replace("T", " ")
            print(f"  {s.dropped_after_data_end:,} more fell after the data end ({data_end}) and were dropped")
    print(f"Elapsed: {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
