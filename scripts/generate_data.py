"""Write the nine Olist-format CSV files: ``python scripts/generate_data.py --orders N --seed S --out DIR``.

Thin command line over ``customer_intel.generate.generate``; runs from the project root without installing the
package. Same seed and order count => byte-identical files.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from customer_intel.generate import DEFAULT_PEOPLE_PER_CHUNK, REAL_ORDERS, generate  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Generate Olist-format CSV files (deterministic for a seed).")
    parser.add_argument("--orders", type=int, default=REAL_ORDERS, help=f"number of orders (default {REAL_ORDERS})")
    parser.add_argument("--seed", type=int, default=42, help="random seed, a non-negative integer (default 42)")
    parser.add_argument("--out", type=Path, default=Path("data/generated"),
                        help="output directory (default data/generated)")
    parser.add_argument("--people-per-chunk", type=int, default=DEFAULT_PEOPLE_PER_CHUNK,
                        help="people generated per chunk; part of what the output depends on "
                             f"(default {DEFAULT_PEOPLE_PER_CHUNK})")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.orders < 1 or args.seed < 0:
        print("error: --orders must be >= 1 and --seed >= 0", file=sys.stderr)
        return 2
    started = time.perf_counter()

    def report_progress(orders_done: int) -> None:
        print(f"  {orders_done:,} / {args.orders:,} orders", file=sys.stderr, flush=True)

    progress = report_progress if args.orders >= 10 * args.people_per_chunk else None
    rows = generate(args.out, args.orders, args.seed, people_per_chunk=args.people_per_chunk, progress=progress)
    elapsed = time.perf_counter() - started
    width = max(len(name) for name in rows)
    print(f"Wrote {len(rows)} files to {args.out} (seed {args.seed}, {args.orders:,} orders):")
    for name, count in rows.items():
        print(f"  {name:<{width}}  {count:>12,} rows")
    print(f"Elapsed: {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
