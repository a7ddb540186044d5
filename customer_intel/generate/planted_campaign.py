"""A planted campaign: who a win-back campaign at date D contacted, and one extra purchase for a known share of its
treatment group. The readout (campaign_contacts.csv loaded beside the orders) then has an effect to find.

Options (``scripts/generate_data.py``): ``--campaign-date D``, ``--campaign-uplift U`` (default 0),
``--campaign-control-share C`` (default 0.10). Without them nothing here runs and the nine files are byte-identical
to a generator without this module.

Who is contacted: the generator's own rule, not the dbt segments
------------------------------------------------------------------
The *lapsed* people at D: people with at least one order with status ``delivered`` purchased before D whose last
such order was purchased at least ``LAPSED_DAYS`` (180) days before D (purchase time <= D 00:00:00 - 180 days),
among the orders as generated. Planted orders are all purchased at or after D, so they never change who is lapsed.
Every lapsed person is in ``campaign_contacts.csv`` once, campaign id ``planted_<YYYYMMDD>``, in the group that
``customer_intel.campaign.assign_groups`` gives them with control share C, ``contacted_at`` = ``D 00:00:00``; rows
sorted by customer_unique_id, written like the streamed Olist files (quoted header, bare values, ``\\n`` line
endings, no BOM).

The effect
----------
A treatment person *responds* when ``hash_uniform(seed, "planted/<campaign id>/responds", person index) < U``:
deterministic for the seed, independent of chunking, about U x the treatment group. A responder gets one extra
order purchased at a time drawn uniformly in [D, D + W months), W = ``customer_intel.campaign.window_months()`` (dbt
var ``campaign_window_months``), status ``delivered``, with everything an order has: a new ``customer_id`` row in the
customers file (same customer_unique_id, the address of the person's latest order, as for any repeat order), items,
payments summing exactly to the items' price + freight (the 1.2 % "interest" mismatch of card orders is left out),
at least one review, and approval, carrier and delivery times after the purchase. Items, payments, lifecycle and
reviews are drawn by the same functions as every other order (``items``, ``payments``, ``orders``, ``reviews``).

Planted orders come on top of ``n_orders``. Their ids use their own hash streams (``planted_order``,
``planted_customer``, ``planted_review``), so they never collide with the regular ids.

The data end: purchases after ``DATA_END`` (2018-10-17 17:30:18, the last event the generator writes) are dropped,
which only happens when the window passes it; then fewer than U of the treatment group get an order (in proportion
to the part of the window before the data end) and ``CampaignSummary.dropped_after_data_end`` counts the drops. Like
every generated delivery, a planted order's delivery is clipped at the data end (approval and hand-over to the
carrier with it), so one purchased in its last days is delivered at the data end.

Streaming
---------
A person's orders are all drawn in one chunk, so the lapsed people and their planted orders are found chunk by
chunk, right after the chunk is drawn, and the planted rows are written after the chunk's own rows. They are drawn
from their own random generator per chunk (``[seed, "planted", campaign id, chunk]``), so the chunk's regular orders
are untouched: the nine files are the files without the options plus the planted rows. The contact list must be
sorted across chunks: each chunk's rows are sorted and written to a temporary run file beside the output, and the
runs are merged (``heapq.merge``) into ``campaign_contacts.csv`` at the end, so memory stays bounded by one chunk.
"""
from __future__ import annotations

import calendar
import datetime as dt
import heapq
import shutil
import tempfile
import zlib
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from customer_intel.campaign import TREATMENT, assign_groups, window_months
from customer_intel.generate.catalogue import Catalogue
from customer_intel.generate.csv_format import quoted_header
from customer_intel.generate.hashing import MASK64, hash_uniform, hex_ids
from customer_intel.generate.items import draw_items
from customer_intel.generate.order_chunk import DELIVERED, OrderChunk
from customer_intel.generate.orders import OrderGenerator
from customer_intel.generate.payments import draw_payment_plan, draw_payments
from customer_intel.generate.purchase_calendar import DAY_SECONDS, LAST_EVENT
from customer_intel.generate.reviews import draw_reviews
from customer_intel.olist_files import CAMPAIGN_CONTACTS_FILE

LAPSED_DAYS = 180
DEFAULT_CONTROL_SHARE = 0.10
#: The last event the generator writes (the last purchase, the latest delivery): planted purchases after it are
#: dropped.
DATA_END = LAST_EVENT
#: Ids of planted orders, their customer rows and reviews: hash streams of their own.
PLANTED_ID_KINDS = ("planted_order", "planted_customer", "planted_review")
MAX_RUNS = 64   # sorted run files kept before they are merged into one (bounds the open files)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole calendar months, the day clipped to the month's end (2018-01-31 + 1 = 2018-02-28), as
    DuckDB's and PostgreSQL's ``date + interval 'n months'``."""
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _epoch_seconds(day: dt.date) -> int:
    return int(np.datetime64(day.isoformat(), "s").astype(np.int64))


@dataclass(frozen=True)
class CampaignPlan:
    """What to plant: contact date D, uplift U in [0, 1], control share C in (0, 1)."""
    date: dt.date
    uplift: float = 0.0
    control_share: float = DEFAULT_CONTROL_SHARE

    def __post_init__(self) -> None:
        if not isinstance(self.date, dt.date) or isinstance(self.date, dt.datetime):
            raise ValueError("campaign date must be a date")
        if not 0.0 <= self.uplift <= 1.0:
            raise ValueError("campaign uplift must be a fraction in [0, 1]")
        if not 0.0 < self.control_share < 1.0:
            raise ValueError("campaign control share must be a fraction in (0, 1)")

    @property
    def campaign_id(self) -> str:
        return f"planted_{self.date:%Y%m%d}"

    @property
    def contacted_at(self) -> str:
        return f"{self.date.isoformat()} 00:00:00"


@dataclass
class CampaignSummary:
    """What was planted (``generate`` reports it through its ``on_campaign`` callback)."""
    campaign_id: str
    window_start: dt.date
    window_end: dt.date             # exclusive
    contacted: int = 0
    treatment: int = 0
    control: int = 0
    responders: int = 0             # treatment people drawn to respond
    planted_orders: int = 0         # responders whose purchase falls before the data end
    dropped_after_data_end: int = 0

    @property
    def file_name(self) -> str:
        return CAMPAIGN_CONTACTS_FILE.file_name


@dataclass
class PlantedChunk:
    """The planted orders of one chunk, drawn like any chunk's, ready for the writer."""
    orders: OrderChunk
    items: dict[str, np.ndarray]
    payments: dict[str, np.ndarray]
    reviews: dict[str, object]
    rng: np.random.Generator


class CampaignPlanter:
    """Finds the lapsed people of each chunk, keeps their contact rows, draws the planted orders."""

    def __init__(self, plan: CampaignPlan, seed: int, out_dir: Path, generator: OrderGenerator,
                 catalogue: Catalogue, months: int | None = None) -> None:
        self.plan, self.seed, self.out_dir = plan, seed, Path(out_dir)
        self.generator, self.catalogue = generator, catalogue
        months = window_months() if months is None else months
        self.start = _epoch_seconds(plan.date)
        self.end = _epoch_seconds(add_months(plan.date, months))
        self.lapsed_before = self.start - LAPSED_DAYS * DAY_SECONDS
        self.data_end = int(DATA_END.astype(np.int64))
        self.summary = CampaignSummary(plan.campaign_id, plan.date, add_months(plan.date, months))
        self.first_review_row = 0
        self._runs = _SortedRuns(self.out_dir)

    # --- who is lapsed ------------------------------------------------------------------------------------------
    def lapsed_people(self, orders: OrderChunk) -> np.ndarray:
        """Global indexes of the chunk's people who are lapsed at D (ascending). The chunk's orders are grouped
        by person, in ascending person order."""
        counted = (orders.status == DELIVERED) & (orders.purchase < self.start)
        people, purchases = orders.person[counted], orders.purchase[counted]
        if people.size == 0:
            return people
        first = np.flatnonzero(np.r_[True, people[1:] != people[:-1]])
        last_purchase = np.maximum.reduceat(purchases, first)
        return people[first][last_purchase <= self.lapsed_before]

    # --- per chunk ----------------------------------------------------------------------------------------------
    def plant(self, chunk_index: int, orders: OrderChunk) -> PlantedChunk | None:
        """Record the chunk's contacts; return its planted orders (None when there are none)."""
        lapsed = self.lapsed_people(orders)
        ids = hex_ids(self.seed, "person", lapsed)
        groups = assign_groups(self.plan.campaign_id, ids, self.plan.control_share)
        self._runs.add(sorted(f"{person},{group}" for person, group in zip(ids, groups.tolist())))
        treatment = groups == TREATMENT
        self.summary.contacted += lapsed.size
        self.summary.treatment += int(treatment.sum())
        self.summary.control += int((~treatment).sum())

        responds = treatment & (hash_uniform(self.seed, f"planted/{self.plan.campaign_id}/responds", lapsed)
                                < self.plan.uplift)
        responders = lapsed[responds]
        self.summary.responders += responders.size
        if responders.size == 0:
            return None
        rng = np.random.default_rng([self.seed & MASK64, zlib.crc32(b"planted"),
                                     zlib.crc32(self.plan.campaign_id.encode("utf-8")), chunk_index])
        purchase = self.start + np.floor(rng.random(responders.size) * (self.end - self.start)).astype(np.int64)
        before_end = purchase < self.data_end
        self.summary.dropped_after_data_end += int((~before_end).sum())
        responders, purchase = responders[before_end], purchase[before_end]
        if responders.size == 0:
            return None
        # The address of each responder's latest order (the last of their rows: a person's orders are in time order).
        latest_order = np.searchsorted(orders.person, responders, side="right") - 1
        planted = OrderChunk(self.summary.planted_orders, responders,
                             np.zeros(responders.size, dtype=np.int64),   # never shares a previous order's review
                             purchase, orders.zip_row[latest_order])
        planted.status = np.full(planted.size, DELIVERED)
        draw_payment_plan(rng, planted, forced=False)
        self.generator.draw_lifecycle(rng, planted, forced=False)
        planted.has_approved = np.ones(planted.size, dtype=bool)
        planted.has_carrier = np.ones(planted.size, dtype=bool)
        planted.has_delivered = np.ones(planted.size, dtype=bool)
        planted.approved = np.minimum(planted.approved, planted.delivered)   # delivery clipped at the data end
        planted.carrier = np.minimum(planted.carrier, planted.delivered)
        items = draw_items(rng, planted, self.catalogue, forced=False)
        payments = draw_payments(rng, planted, items, forced=False, exact=True)
        reviews = draw_reviews(rng, planted, self.first_review_row, forced=False, at_least_one=True)
        self.summary.planted_orders += planted.size
        self.first_review_row += int(reviews["own_rows"])
        return PlantedChunk(planted, items, payments, reviews, rng)

    # --- the contact list ---------------------------------------------------------------------------------------
    def write_contacts(self) -> int:
        """Merge the sorted runs into ``campaign_contacts.csv``; return its data rows."""
        prefix = f"{self.plan.campaign_id},"
        suffix = f",{self.plan.contacted_at}\n"
        rows = 0
        with open(self.out_dir / CAMPAIGN_CONTACTS_FILE.file_name, "w", encoding="utf-8", newline="") as stream:
            stream.write(quoted_header(CAMPAIGN_CONTACTS_FILE.header) + "\n")
            for line in self._runs.merged():
                stream.write(prefix + line.rstrip("\n") + suffix)
                rows += 1
        return rows

    def close(self) -> None:
        self._runs.close()


def remove_stale_contacts(out_dir: Path) -> bool:
    """Remove ``campaign_contacts.csv`` from ``out_dir`` if a planted run wrote it (header only, or a first row of a
    ``planted_`` campaign); a contact list from anywhere else is left alone. True when one was removed."""
    path = Path(out_dir) / CAMPAIGN_CONTACTS_FILE.file_name
    if not path.is_file():
        return False
    with open(path, encoding="utf-8", errors="replace", newline="") as stream:
        header, first_row = stream.readline(), stream.readline()
    if header.rstrip("\r\n") != quoted_header(CAMPAIGN_CONTACTS_FILE.header):
        return False
    if first_row and not first_row.startswith("planted_"):
        return False
    path.unlink()
    return True


class _SortedRuns:
    """An external sort of text lines: sorted runs in a temporary folder, merged lazily."""

    def __init__(self, out_dir: Path) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix=".campaign_contacts.", dir=out_dir))
        self.paths: list[Path] = []
        self._count = 0

    def add(self, sorted_lines: list[str]) -> None:
        if not sorted_lines:
            return
        path = self._new_path()
        path.write_text("".join(line + "\n" for line in sorted_lines), encoding="utf-8")
        self.paths.append(path)
        if len(self.paths) >= MAX_RUNS:
            merged = self._new_path()
            with open(merged, "w", encoding="utf-8", newline="") as stream:
                stream.writelines(self.merged())
            for old in self.paths:
                old.unlink()
            self.paths = [merged]

    def merged(self):
        with ExitStack() as stack:
            streams = [stack.enter_context(open(path, encoding="utf-8", newline="")) for path in self.paths]
            yield from heapq.merge(*streams)

    def _new_path(self) -> Path:
        self._count += 1
        return self.folder / f"run{self._count:06d}.txt"

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
