"""The nine files: order files streamed chunk by chunk, the reference tables, and ``generate`` itself (with a
planted campaign: the tenth file and the planted orders, see ``planted_campaign``)."""
from __future__ import annotations

import zlib
from pathlib import Path
from typing import Callable, TextIO

import numpy as np

from customer_intel.generate.catalogue import CATEGORY_TRANSLATION, Catalogue
from customer_intel.generate.csv_format import (
    csv_text,
    header_line,
    integer_texts,
    money_texts,
    random_quotes,
    timestamp_texts,
    write_rows,
)
from customer_intel.generate.forced_quirks import FORCED_QUIRKS_MIN_ORDERS
from customer_intel.generate.geography import CUSTOMER_CITY_VARIANT_PROBABILITY, ZipUniverse, city_variant
from customer_intel.generate.geolocation import write_geolocation
from customer_intel.generate.hashing import MASK64, hex_ids
from customer_intel.generate.items import draw_items
from customer_intel.generate.order_chunk import PAYMENT_TYPES, STATUSES, OrderChunk
from customer_intel.generate.orders import OrderGenerator
from customer_intel.generate.payments import draw_payment_plan, draw_payments
from customer_intel.generate.planted_campaign import (
    PLANTED_ID_KINDS,
    CampaignPlan,
    CampaignPlanter,
    CampaignSummary,
    remove_stale_contacts,
)
from customer_intel.generate.reviews import draw_reviews
from customer_intel.generate.scale import DEFAULT_PEOPLE_PER_CHUNK, REAL_ORDERS, Scale
from customer_intel.olist_files import BY_TABLE_NAME, CAMPAIGN_CONTACTS_FILE

PRODUCTS_PER_WRITE = 100_000
ID_KINDS = ("order", "customer", "review")   # hash streams of order, customer and review ids


class _Files:
    """The open output files, headers written on open."""
    STREAMED = ("customers", "orders", "order_items", "order_payments", "order_reviews")

    def __init__(self, out_dir: Path) -> None:
        self.streams: dict[str, TextIO] = {}
        self.rows: dict[str, int] = {}
        for table in self.STREAMED:
            self.streams[table] = self._open(out_dir, table)

    def _open(self, out_dir: Path, table: str) -> TextIO:
        stream = open(out_dir / BY_TABLE_NAME[table].file_name, "w", encoding="utf-8", newline="")
        stream.write(header_line(table) + "\n")
        self.rows[table] = 0
        return stream

    def write(self, table: str, columns: list[list[str]]) -> None:
        self.rows[table] += write_rows(self.streams[table], columns)

    def close(self) -> None:
        for stream in self.streams.values():
            stream.close()


def _write_order_chunk(files: _Files, seed: int, orders: OrderChunk, items, payments, reviews,
                       universe: ZipUniverse, rng: np.random.Generator, first_chunk: bool,
                       id_kinds: tuple[str, str, str] = ID_KINDS) -> None:
    n = orders.size
    order_kind, customer_kind, review_kind = id_kinds
    order_ids = hex_ids(seed, order_kind, orders.global_index)
    customer_ids = hex_ids(seed, customer_kind, orders.global_index)

    cities = universe.city_names(orders.zip_row)
    states = universe.state_codes(orders.zip_row)
    variant = rng.random(n) < CUSTOMER_CITY_VARIANT_PROBABILITY
    choices = rng.random(n)
    for row in np.flatnonzero(variant).tolist():
        cities[row] = city_variant(cities[row], states[row], float(choices[row]))
    files.write("customers", [
        random_quotes(list(customer_ids), rng.random(n)),
        hex_ids(seed, "person", orders.person),
        random_quotes(universe.prefix_text[orders.zip_row].tolist(), rng.random(n), force_first=first_chunk),
        cities, states,
    ])
    files.write("orders", [
        random_quotes(list(order_ids), rng.random(n), force_first=first_chunk),
        customer_ids,
        [STATUSES[s] for s in orders.status.tolist()],
        timestamp_texts(orders.purchase),
        timestamp_texts(orders.approved, orders.has_approved),
        timestamp_texts(orders.carrier, orders.has_carrier),
        timestamp_texts(orders.delivered, orders.has_delivered),
        timestamp_texts(orders.estimated),
    ])
    product_index = items["product"]
    files.write("order_items", [
        [order_ids[i] for i in items["order"].tolist()],
        integer_texts(items["item_id"]),
        random_quotes(hex_ids(seed, "product", product_index), rng.random(product_index.size)),
        hex_ids(seed, "seller", items["seller"]),
        timestamp_texts(items["shipping_limit"]),
        money_texts(items["price_cents"]),
        money_texts(items["freight_cents"]),
    ])
    files.write("order_payments", [
        random_quotes([order_ids[i] for i in payments["order"].tolist()], rng.random(payments["order"].size)),
        integer_texts(payments["sequential"]),
        [PAYMENT_TYPES[t] for t in payments["type"].tolist()],
        integer_texts(payments["installments"]),
        money_texts(payments["value_cents"]),
    ])
    files.write("order_reviews", [
        random_quotes(hex_ids(seed, review_kind, reviews["review_row"]), rng.random(reviews["order"].size)),
        [order_ids[i] for i in reviews["order"].tolist()],
        integer_texts(reviews["score"]),
        list(map(csv_text, reviews["title"])),
        list(map(csv_text, reviews["message"])),
        timestamp_texts(reviews["created"]),
        timestamp_texts(reviews["answered"]),
    ])


def _write_reference_table(out_dir: Path, table: str, total: int, batch: int,
                           columns_for: Callable[[np.ndarray], list[list[str]]]) -> int:
    rows = 0
    with open(out_dir / BY_TABLE_NAME[table].file_name, "w", encoding="utf-8", newline="") as stream:
        stream.write(header_line(table) + "\n")
        for start in range(0, total, batch):
            rows += write_rows(stream, columns_for(np.arange(start, min(total, start + batch))))
    return rows


def _write_translation(out_dir: Path) -> int:
    lines = [header_line("product_category_name_translation")]
    lines += [f"{portuguese},{english}" for portuguese, english in CATEGORY_TRANSLATION]
    path = out_dir / BY_TABLE_NAME["product_category_name_translation"].file_name
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))
    return len(CATEGORY_TRANSLATION)


def _write_orders(out_dir: Path, seed: int, n_orders: int, people_per_chunk: int, catalogue: Catalogue,
                  universe: ZipUniverse, progress: Callable[[int], None] | None,
                  campaign: CampaignPlan | None = None) -> tuple[dict[str, int], CampaignSummary | None]:
    generator = OrderGenerator(seed, n_orders, universe)
    files = _Files(out_dir)
    first_person = first_order = first_review_row = 0
    chunk_index = 0
    planter = None
    try:
        if campaign is not None:
            planter = CampaignPlanter(campaign, seed, out_dir, generator, catalogue)
        while first_order < n_orders:
            rng = np.random.default_rng([seed & MASK64, zlib.crc32(b"orders"), chunk_index])
            forced = chunk_index == 0 and n_orders >= FORCED_QUIRKS_MIN_ORDERS
            orders = generator.draw_orders(rng, first_person, first_order, people_per_chunk, forced)
            generator.draw_status(rng, orders, forced)
            draw_payment_plan(rng, orders, forced)
            generator.draw_lifecycle(rng, orders, forced)
            items = draw_items(rng, orders, catalogue, forced)
            payments = draw_payments(rng, orders, items, forced)
            reviews = draw_reviews(rng, orders, first_review_row, forced)
            _write_order_chunk(files, seed, orders, items, payments, reviews, universe, rng, chunk_index == 0)
            if planter is not None:      # after the chunk's own rows, from a generator of its own
                planted = planter.plant(chunk_index, orders)
                if planted is not None:
                    _write_order_chunk(files, seed, planted.orders, planted.items, planted.payments,
                                       planted.reviews, universe, planted.rng, False, PLANTED_ID_KINDS)
            first_person += people_per_chunk
            first_order += orders.size
            first_review_row += int(reviews["own_rows"])
            chunk_index += 1
            if progress is not None:
                progress(first_order)
        rows = {BY_TABLE_NAME[table].file_name: count for table, count in files.rows.items()}
        if planter is not None:
            rows[CAMPAIGN_CONTACTS_FILE.file_name] = planter.write_contacts()
    finally:
        files.close()
        if planter is not None:
            planter.close()
    return rows, None if planter is None else planter.summary


def generate(out_dir: str | Path, n_orders: int = REAL_ORDERS, seed: int = 42, *,
             people_per_chunk: int = DEFAULT_PEOPLE_PER_CHUNK,
             progress: Callable[[int], None] | None = None,
             campaign: CampaignPlan | None = None,
             on_campaign: Callable[[CampaignSummary], None] | None = None) -> dict[str, int]:
    """Write the nine Olist files for ``n_orders`` orders into ``out_dir``; return data rows per file name.

    The output depends only on ``(n_orders, seed, people_per_chunk)``. The reference tables (products, sellers,
    geolocation, translation) do not depend on ``people_per_chunk``.

    With ``campaign``, also ``campaign_contacts.csv`` (the lapsed people at the campaign date, in groups) and, for
    a share ``campaign.uplift`` of the treatment group, one planted order each, on top of ``n_orders`` (see
    ``planted_campaign``); ``on_campaign`` receives what was planted. The nine files are then those without the
    campaign plus the planted rows. Without it, a ``campaign_contacts.csv`` that an earlier planted run left in
    ``out_dir`` is removed, so the folder never pairs orders with another run's contact list.
    """
    if n_orders < 1:
        raise ValueError("n_orders must be at least 1")
    if people_per_chunk < FORCED_QUIRKS_MIN_ORDERS:
        raise ValueError(f"people_per_chunk must be at least {FORCED_QUIRKS_MIN_ORDERS}")
    if seed < 0:
        raise ValueError("seed must be a non-negative integer")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    scale = Scale.for_orders(n_orders)
    universe = ZipUniverse(seed, scale.n_zip_prefixes)
    catalogue = Catalogue(seed, scale.n_products, scale.n_sellers)

    if campaign is None:
        remove_stale_contacts(out_dir)
    rows, summary = _write_orders(out_dir, seed, n_orders, people_per_chunk, catalogue, universe, progress, campaign)
    rows[BY_TABLE_NAME["products"].file_name] = _write_reference_table(
        out_dir, "products", scale.n_products, PRODUCTS_PER_WRITE, catalogue.product_columns)
    rows[BY_TABLE_NAME["sellers"].file_name] = _write_reference_table(
        out_dir, "sellers", scale.n_sellers, PRODUCTS_PER_WRITE,
        lambda sellers: catalogue.seller_columns(sellers, universe))
    rows[BY_TABLE_NAME["geolocation"].file_name] = write_geolocation(out_dir, seed, universe)
    rows[BY_TABLE_NAME["product_category_name_translation"].file_name] = _write_translation(out_dir)
    if summary is not None and on_campaign is not None:
        on_campaign(summary)
    return dict(sorted(rows.items()))
