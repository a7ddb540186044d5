#!/usr/bin/env python
"""Load the nine Olist CSV files (and campaign_contacts.csv when it is there) into schema raw of the dbt target.

    python scripts/load_data.py --data-dir data/raw [--target postgres|spark]

The target comes from the dbt profile (profiles.yml): --target, else DBT_TARGET, else the profile's default.
Expected problems print one line `load_data: ...` on stderr and exit with code 2; the warehouse is then unchanged.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from customer_intel.load import LoadError, load  # noqa: E402
from customer_intel.profile import ProfileError  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Load the Olist CSV files into schema raw of the dbt target.")
    parser.add_argument("--data-dir", required=True, type=Path,
                        help="folder holding the nine Olist CSV files (and optionally campaign_contacts.csv)")
    parser.add_argument("--target", help="dbt target name (default: DBT_TARGET, else the profile's default)")
    args = parser.parse_args(argv)
    try:
        load(args.data_dir, args.target)
    except (LoadError, ProfileError) as exc:
        print(f"load_data: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
