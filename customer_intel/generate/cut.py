"""The Olist files as they would have been on an earlier date: a stand-in for "last month's files".

    python -m customer_intel.generate.cut --data-dir D --out O [--before YYYY-MM-DD]

Orders purchased strictly before the date are kept, with the items, payments and reviews of those orders and the
customers (``customer_id``) who placed them; every other file (products, sellers, geolocation, translations,
campaign contacts) is copied unchanged. Without ``--before`` the date is one month before the end of the files
(``one_month_earlier(newest_snapshot(D))``), so that the full files add one monthly snapshot to the cut ones.

The files are streamed row by row (csv module); only the kept order and customer ids are held in memory, so the
50× files (~3 GB) are cut in bounded memory. The rows written are the csv module's (minimal quoting, ``\\r\\n``),
utf-8 without BOM; a BOM on input is accepted. Test and benchmark infrastructure, not part of the pipeline.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import shutil
import sys
from pathlib import Path
from typing import Iterator, Sequence

ORDERS = "olist_orders_dataset.csv"
CUSTOMERS = "olist_customers_dataset.csv"
PER_ORDER_FILES = ("olist_order_items_dataset.csv", "olist_order_payments_dataset.csv",
                   "olist_order_reviews_dataset.csv")


class CutError(Exception):
    """A problem with the input files, reported as one line."""


def _folder(data_dir: Path) -> Path:
    if not Path(data_dir).is_dir():
        raise CutError(f"data folder {data_dir} not found")
    return Path(data_dir)


def _rows(path: Path) -> Iterator[list[str]]:
    """The header, then every non-empty row of a CSV file, padded to the header's width."""
    if not path.is_file():
        raise CutError(f"{path} not found")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None:
            raise CutError(f"{path} is empty (no header)")
        yield header
        width = len(header)
        for row in reader:
            if row:
                yield row + [""] * (width - len(row)) if len(row) < width else row


def _column(header: list[str], name: str, path: Path) -> int:
    try:
        return header.index(name)
    except ValueError:
        raise CutError(f"{path} has no column {name}") from None


def _key(identifier: str) -> bytes | str:
    """An id as held in memory: Olist's 32-hex-digit ids as 16 bytes (half the memory of the text)."""
    if len(identifier) == 32:
        try:
            return bytes.fromhex(identifier)
        except ValueError:
            pass
    return identifier


def _purchased_at(text: str, path: Path) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise CutError(f"{path}: order_purchase_timestamp {text!r} is not a timestamp") from None


def _filter(source: Path, target: Path, column: str, keep: set) -> int:
    """Copies the rows of ``source`` whose ``column`` is in ``keep`` (as ``_key``) to ``target``; rows written."""
    rows = _rows(source)
    header = next(rows)
    index = _column(header, column, source)
    written = 0
    with open(target, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for row in rows:
            if _key(row[index]) in keep:
                writer.writerow(row)
                written += 1
    return written


def cut_files(data_dir: Path, before: str | dt.date, out: Path) -> dict[str, int]:
    """The files of ``data_dir`` as they would have been on ``before`` (date or ISO text), written to ``out``.
    Returns the rows kept per cut file."""
    data_dir, out = _folder(data_dir), Path(out)
    cutoff = dt.datetime.fromisoformat(str(before))
    out.mkdir(parents=True, exist_ok=True)
    source = data_dir / ORDERS
    rows = _rows(source)
    header = next(rows)
    order_at, customer_at, purchase_at = (_column(header, name, source)
                                          for name in ("order_id", "customer_id", "order_purchase_timestamp"))
    order_ids: set = set()
    customer_ids: set = set()
    kept = 0
    with open(out / ORDERS, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for row in rows:
            if _purchased_at(row[purchase_at], source) < cutoff:
                writer.writerow(row)
                order_ids.add(_key(row[order_at]))
                customer_ids.add(_key(row[customer_at]))
                kept += 1
    counts = {ORDERS: kept}
    for name in PER_ORDER_FILES:
        counts[name] = _filter(data_dir / name, out / name, "order_id", order_ids)
    del order_ids
    counts[CUSTOMERS] = _filter(data_dir / CUSTOMERS, out / CUSTOMERS, "customer_id", customer_ids)
    for path in sorted(data_dir.iterdir()):
        if path.is_file() and not (out / path.name).exists():
            shutil.copy(path, out / path.name)
    return counts


def last_purchase(data_dir: Path, statuses: Sequence[str] | None = None) -> dt.datetime:
    """The purchase time of the newest order whose status counts as a purchase (default: dbt_project.yml's var
    purchase_statuses, the definition the marts use)."""
    if statuses is None:
        from customer_intel.profile import project_var

        statuses = tuple(project_var("purchase_statuses"))
    source = _folder(data_dir) / ORDERS
    rows = _rows(source)
    header = next(rows)
    status_at, purchase_at = (_column(header, name, source) for name in ("order_status", "order_purchase_timestamp"))
    newest = None
    for row in rows:
        if row[status_at] in statuses:
            at = _purchased_at(row[purchase_at], source)
            newest = at if newest is None or at > newest else newest
    if newest is None:
        raise CutError(f"{source} has no purchase (status {', '.join(statuses)})")
    return newest


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return day.replace(year=index // 12, month=index % 12 + 1)


def newest_snapshot(data_dir: Path) -> dt.date:
    """The newest monthly snapshot of segment_history for the files: the first day of as_of_date's month
    (as_of_date: the day after the last purchase)."""
    return (last_purchase(data_dir).date() + dt.timedelta(days=1)).replace(day=1)


def one_month_earlier(newest: dt.date) -> str:
    """A cut date in the month before ``newest`` (its 16th): the cut files' as_of_date falls in that month, so the
    full files add one snapshot."""
    return add_months(newest, -1).replace(day=16).isoformat()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m customer_intel.generate.cut",
                                     description="The Olist files as they would have been on an earlier date.")
    parser.add_argument("--data-dir", required=True, type=Path, help="folder holding the Olist CSV files")
    parser.add_argument("--before", type=dt.date.fromisoformat, metavar="YYYY-MM-DD",
                        help="keep the orders purchased before this date (default: one month before the end)")
    parser.add_argument("--out", required=True, type=Path, help="folder the cut files are written to")
    args = parser.parse_args(argv)
    try:
        before = args.before or one_month_earlier(newest_snapshot(args.data_dir))
        counts = cut_files(args.data_dir, before, args.out)
    except (CutError, OSError) as exc:
        print(f"cut: {exc}", file=sys.stderr)
        return 2
    print(f"cut at {before}: " + ", ".join(f"{name} {rows:,}" for name, rows in counts.items()) + f" → {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
