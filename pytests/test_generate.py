"""Tests of the Olist-format generator (the customer_intel.generate package).

The generated files are read back with Python's csv module, an independent path from the generator's own
formatting code. One 20,000-order sample is generated per module; tolerances are stated next to each check and
are wide enough for sampling noise at that size (a few hundred to a few thousand units per quantity) but narrow
enough to catch a wrong distribution.

The planted campaign's tests (at the end) generate 5,000 orders in five chunks, with and without the campaign, and
recompute everything they expect from those files with pandas.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
import statistics
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pandas as pd
import pytest

from customer_intel.campaign import assign_groups, window_months
from customer_intel.generate import generate
from customer_intel.generate.planted_campaign import MAX_RUNS, CampaignPlan
from customer_intel.olist_files import BY_TABLE_NAME, CAMPAIGN_CONTACTS_FILE, OLIST_FILES

PROJECT_ROOT = Path(__file__).resolve().parent.parent

N_ORDERS = 20_000
SEED = 42
HEX_ID = re.compile(r"^[0-9a-f]{32}$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
REFERENCE_TABLES = ("products", "sellers", "geolocation", "product_category_name_translation")
ORDER_TABLES = ("customers", "orders", "order_items", "order_payments", "order_reviews")


# ---------------------------------------------------------------------------------------------------------------
# Reading helpers (csv module only)
# ---------------------------------------------------------------------------------------------------------------
def path_of(directory: Path, table: str) -> Path:
    return directory / BY_TABLE_NAME[table].file_name


def read_table(directory: Path, table: str) -> list[dict[str, str]]:
    with open(path_of(directory, table), newline="", encoding="utf-8-sig") as stream:
        return list(csv.DictReader(stream))


def raw_lines(directory: Path, table: str) -> list[str]:
    """Physical lines (for tables without embedded line breaks)."""
    return path_of(directory, table).read_text(encoding="utf-8-sig").split("\n")[1:-1]


def share(values, predicate) -> float:
    values = list(values)
    return sum(1 for v in values if predicate(v)) / len(values)


def money_cents(text: str) -> int:
    reais, _, cents = text.partition(".")
    return int(reais) * 100 + int(cents.ljust(2, "0"))


class Sample:
    """The tables of one generated directory, parsed once."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.tables = {f.table_name: read_table(directory, f.table_name) for f in OLIST_FILES}

    def __getitem__(self, table: str) -> list[dict[str, str]]:
        return self.tables[table]

    def items_by_order(self) -> dict[str, list[dict[str, str]]]:
        grouped = defaultdict(list)
        for item in self["order_items"]:
            grouped[item["order_id"]].append(item)
        return grouped

    def orders_by_person(self) -> dict[str, list[tuple[str, dict[str, str]]]]:
        customers = {c["customer_id"]: c for c in self["customers"]}
        people = defaultdict(list)
        for order in self["orders"]:
            customer = customers[order["customer_id"]]
            people[customer["customer_unique_id"]].append((order["order_purchase_timestamp"], customer))
        return people


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("olist_sample")
    generate(directory, N_ORDERS, SEED)
    return directory


@pytest.fixture(scope="module")
def sample(sample_dir) -> Sample:
    return Sample(sample_dir)


# ---------------------------------------------------------------------------------------------------------------
# File contract and format
# ---------------------------------------------------------------------------------------------------------------
def test_every_file_has_the_exact_quoted_header_and_line_ending(sample_dir):
    for olist_file in OLIST_FILES:
        content = (sample_dir / olist_file.file_name).read_bytes()
        header = ",".join(f'"{name}"' for name in olist_file.header).encode()
        if olist_file.table_name == "product_category_name_translation":
            assert content.startswith(b"\xef\xbb\xbf" + header + b"\r\n")
            assert content.count(b"\n") == content.count(b"\r\n") == 72   # header + 71 rows, all CRLF
        else:
            assert content.startswith(header + b"\n"), olist_file.file_name
            assert not content.startswith(b"\xef\xbb\xbf")
            if olist_file.table_name != "order_reviews":      # only review texts may contain CR
                assert b"\r" not in content, olist_file.file_name


def test_every_row_has_the_header_width(sample_dir):
    for olist_file in OLIST_FILES:
        with open(sample_dir / olist_file.file_name, newline="", encoding="utf-8-sig") as stream:
            widths = Counter(len(row) for row in csv.reader(stream))
        assert set(widths) == {len(olist_file.header)}, olist_file.file_name


def test_ids_are_32_char_lowercase_hex(sample):
    id_columns = {"customers": ("customer_id", "customer_unique_id"), "orders": ("order_id", "customer_id"),
                  "order_items": ("order_id", "product_id", "seller_id"), "order_reviews": ("review_id", "order_id"),
                  "products": ("product_id",), "sellers": ("seller_id",), "order_payments": ("order_id",)}
    for table, columns in id_columns.items():
        for column in columns:
            assert all(HEX_ID.match(row[column]) for row in sample[table]), (table, column)


def test_timestamps_are_formatted_and_dates_at_midnight(sample):
    for order in sample["orders"]:
        assert TIMESTAMP.match(order["order_purchase_timestamp"])
        assert order["order_estimated_delivery_date"].endswith(" 00:00:00")
        for column in ("order_approved_at", "order_delivered_carrier_date", "order_delivered_customer_date"):
            assert order[column] == "" or TIMESTAMP.match(order[column])
    for review in sample["order_reviews"]:
        assert review["review_creation_date"].endswith(" 00:00:00")
        assert TIMESTAMP.match(review["review_answer_timestamp"])
        assert review["review_answer_timestamp"] > review["review_creation_date"]
    assert all(re.match(r"^\d+\.\d\d$", item["price"]) for item in sample["order_items"])


def test_zip_prefixes_are_five_characters_with_leading_zeros(sample):
    for table, column in (("customers", "customer_zip_code_prefix"), ("sellers", "seller_zip_code_prefix"),
                          ("geolocation", "geolocation_zip_code_prefix")):
        prefixes = [row[column] for row in sample[table]]
        assert all(re.match(r"^\d{5}$", p) for p in prefixes), table
    assert any(row["customer_zip_code_prefix"].startswith("0") for row in sample["customers"])


def test_same_column_holds_quoted_and_bare_values(sample_dir):
    customer_zips = [line.split(",")[2] for line in raw_lines(sample_dir, "customers")]
    order_ids = [line.split(",")[0] for line in raw_lines(sample_dir, "orders")]
    for values in (customer_zips, order_ids):
        quoted = share(values, lambda v: v.startswith('"'))
        assert 0 < quoted < 0.02          # a small share (0.5 % drawn), never all


def test_translation_file_has_71_real_pairs_and_two_categories_missing(sample):
    translation = {row["product_category_name"]: row["product_category_name_english"]
                   for row in sample["product_category_name_translation"]}
    assert len(translation) == 71
    assert translation["beleza_saude"] == "health_beauty"
    assert translation["construcao_ferramentas_jardim"] == "costruction_tools_garden"
    assert translation["fashion_roupa_feminina"] == "fashio_female_clothing"
    assert translation["casa_conforto"] == "home_confort"
    product_categories = {p["product_category_name"] for p in sample["products"]} - {""}
    assert len(product_categories) == 73
    assert product_categories - set(translation) == {"pc_gamer", "portateis_cozinha_e_preparadores_de_alimentos"}


# ---------------------------------------------------------------------------------------------------------------
# Determinism and chunking
# ---------------------------------------------------------------------------------------------------------------
def test_same_seed_gives_byte_identical_files(sample_dir, tmp_path):
    generate(tmp_path, N_ORDERS, SEED)
    for olist_file in OLIST_FILES:
        assert (tmp_path / olist_file.file_name).read_bytes() == (sample_dir / olist_file.file_name).read_bytes()


def test_different_seed_gives_different_files(tmp_path):
    generate(tmp_path / "a", 2_000, 1)
    generate(tmp_path / "b", 2_000, 2)
    for table in ("orders", "customers", "products", "geolocation"):
        assert path_of(tmp_path / "a", table).read_bytes() != path_of(tmp_path / "b", table).read_bytes()


def test_chunk_size_changes_only_order_files_and_keeps_them_consistent(sample_dir, tmp_path):
    """Claim: reference tables do not depend on people_per_chunk; order files do, but stay exact and consistent."""
    generate(tmp_path, N_ORDERS, SEED, people_per_chunk=4_000)      # five chunks instead of one
    for table in REFERENCE_TABLES:
        assert path_of(tmp_path, table).read_bytes() == path_of(sample_dir, table).read_bytes(), table
    chunked = Sample(tmp_path)
    order_ids = [o["order_id"] for o in chunked["orders"]]
    assert len(order_ids) == len(set(order_ids)) == N_ORDERS
    assert len({c["customer_id"] for c in chunked["customers"]}) == N_ORDERS
    assert {i["order_id"] for i in chunked["order_items"]} <= set(order_ids)
    assert {r["order_id"] for r in chunked["order_reviews"]} <= set(order_ids)
    assert len({p["order_id"] for p in chunked["order_payments"]}) == N_ORDERS - 1


@pytest.mark.parametrize("n_orders", [1, 7, 999, 1_000])
def test_small_sizes_give_exact_counts(tmp_path, n_orders):
    rows = generate(tmp_path, n_orders, SEED)
    assert rows[BY_TABLE_NAME["orders"].file_name] == n_orders
    assert len(read_table(tmp_path, "orders")) == n_orders
    assert len(read_table(tmp_path, "customers")) == n_orders
    payments = {p["order_id"] for p in read_table(tmp_path, "order_payments")}
    assert len(payments) == (n_orders - 1 if n_orders >= 1_000 else n_orders)   # the one unpaid order is forced


# ---------------------------------------------------------------------------------------------------------------
# Keys and relationships
# ---------------------------------------------------------------------------------------------------------------
def test_exact_order_count_and_one_customer_row_per_order(sample):
    order_ids = [o["order_id"] for o in sample["orders"]]
    assert len(order_ids) == len(set(order_ids)) == N_ORDERS
    customer_ids = [c["customer_id"] for c in sample["customers"]]
    assert len(customer_ids) == len(set(customer_ids)) == N_ORDERS


def test_referential_integrity(sample):
    order_ids = {o["order_id"] for o in sample["orders"]}
    assert {o["customer_id"] for o in sample["orders"]} == {c["customer_id"] for c in sample["customers"]}
    assert {i["order_id"] for i in sample["order_items"]} <= order_ids
    assert {i["product_id"] for i in sample["order_items"]} <= {p["product_id"] for p in sample["products"]}
    assert {i["seller_id"] for i in sample["order_items"]} <= {s["seller_id"] for s in sample["sellers"]}
    assert {p["order_id"] for p in sample["order_payments"]} <= order_ids
    assert {r["order_id"] for r in sample["order_reviews"]} <= order_ids
    assert len({p["product_id"] for p in sample["products"]}) == len(sample["products"])
    assert len({s["seller_id"] for s in sample["sellers"]}) == len(sample["sellers"])


def test_item_and_payment_keys_are_unique_and_sequential(sample):
    for order_id, items in sample.items_by_order().items():
        assert sorted(int(i["order_item_id"]) for i in items) == list(range(1, len(items) + 1)), order_id
    keys = Counter((p["order_id"], p["payment_sequential"]) for p in sample["order_payments"])
    assert max(keys.values()) == 1
    review_keys = Counter((r["review_id"], r["order_id"]) for r in sample["order_reviews"])
    assert max(review_keys.values()) == 1


def test_geolocation_covers_every_customer_and_seller_prefix(sample):
    prefixes = {g["geolocation_zip_code_prefix"] for g in sample["geolocation"]}
    assert {c["customer_zip_code_prefix"] for c in sample["customers"]} <= prefixes
    assert {s["seller_zip_code_prefix"] for s in sample["sellers"]} <= prefixes
    assert len(prefixes) > len({c["customer_zip_code_prefix"] for c in sample["customers"]})   # some unused


# ---------------------------------------------------------------------------------------------------------------
# Distributions
# ---------------------------------------------------------------------------------------------------------------
def test_status_mix(sample):
    statuses = Counter(o["order_status"] for o in sample["orders"])
    expected_percent = {"delivered": (97.0, 0.8), "shipped": (1.11, 0.4), "canceled": (0.63, 0.3),
                        "unavailable": (0.61, 0.3), "invoiced": (0.32, 0.2), "processing": (0.30, 0.2)}
    for status, (percent, tolerance) in expected_percent.items():
        assert abs(100 * statuses[status] / N_ORDERS - percent) <= tolerance, status
    assert set(statuses) <= set(expected_percent) | {"created", "approved"}


def test_most_people_buy_once_and_some_come_back(sample):
    people = sample.orders_by_person()
    one_time = share(people.values(), lambda orders: len(orders) == 1)
    assert 0.96 <= one_time <= 0.98                                     # real: 96.9 %
    assert max(len(orders) for orders in people.values()) >= 10         # long tail of repeat buying


def test_pooled_month_one_retention_is_below_one_percent(sample):
    retained = 0
    people = sample.orders_by_person()
    for orders in people.values():
        months = sorted({timestamp[:7] for timestamp, _ in orders})
        year, month = map(int, months[0].split("-"))
        next_month = f"{year + month // 12}-{month % 12 + 1:02d}"
        retained += next_month in months
    assert 0.001 <= retained / len(people) <= 0.01                     # real pooled: ~0.5 %


def test_monthly_volumes_have_the_real_shape(sample):
    months = Counter(o["order_purchase_timestamp"][:7] for o in sample["orders"])
    assert months["2017-11"] >= 1.2 * (months["2017-10"] + months["2017-12"]) / 2      # Black Friday
    assert months["2016-11"] == 0
    assert months["2018-01"] > 5 * months["2017-01"]                   # growth
    assert sum(months[m] for m in ("2018-09", "2018-10")) < 0.002 * N_ORDERS
    last_purchase = max(o["order_purchase_timestamp"] for o in sample["orders"])
    assert last_purchase.startswith("2018-10-17")
    assert min(o["order_purchase_timestamp"] for o in sample["orders"]) >= "2016-09"


def test_customer_state_mix(sample):
    states = Counter(c["customer_state"] for c in sample["customers"])
    assert abs(100 * states["SP"] / N_ORDERS - 42.6) <= 2.0
    assert abs(100 * states["RJ"] / N_ORDERS - 13.3) <= 1.5
    assert abs(100 * states["MG"] / N_ORDERS - 11.4) <= 1.5
    assert len(states) == 27
    seller_states = Counter(s["seller_state"] for s in sample["sellers"])
    assert 0.5 <= seller_states["SP"] / len(sample["sellers"]) <= 0.7


def test_items_per_order(sample):
    counts = Counter(len(items) for items in sample.items_by_order().values())
    with_items = sum(counts.values())
    assert abs(100 * counts[1] / with_items - 90.0) <= 1.5
    assert abs(100 * counts[2] / with_items - 7.6) <= 1.0
    assert abs(100 * counts[3] / with_items - 1.4) <= 0.5
    assert abs(100 * sum(v for k, v in counts.items() if k >= 4) / with_items - 1.0) <= 0.5
    several_products = share(sample.items_by_order().values(), lambda items: len({i["product_id"] for i in items}) > 1)
    several_sellers = share(sample.items_by_order().values(), lambda items: len({i["seller_id"] for i in items}) > 1)
    assert 0.02 <= several_products <= 0.04 and 0.008 <= several_sellers <= 0.02


def test_price_and_freight_distribution(sample):
    prices = sorted(money_cents(i["price"]) / 100 for i in sample["order_items"])
    quantiles = statistics.quantiles(prices, n=10)
    assert 20 <= quantiles[0] <= 30           # real p10 24.9
    assert 67 <= statistics.median(prices) <= 83   # real 75
    assert 200 <= quantiles[8] <= 260         # real p90 230
    assert prices[-1] >= 1_500                # max several thousand
    freights = [money_cents(i["freight_value"]) / 100 for i in sample["order_items"]]
    assert 14 <= statistics.median(freights) <= 19   # real 16.3
    assert 0 < share(freights, lambda f: f == 0) < 0.01


def test_category_prices_follow_the_real_ranking(sample):
    category = {p["product_id"]: p["product_category_name"] for p in sample["products"]}
    by_category = defaultdict(list)
    for item in sample["order_items"]:
        by_category[category[item["product_id"]]].append(money_cents(item["price"]) / 100)
    big = {name: values for name, values in by_category.items() if len(values) >= 0.02 * len(sample["order_items"])}
    medians = {name: statistics.median(values) for name, values in big.items()}
    assert max(medians, key=medians.get) == "relogios_presentes"      # the most expensive big (>= 2 %) one
    assert medians["telefonia"] < 45 and medians["eletronicos"] < 35
    top = Counter(category[i["product_id"]] for i in sample["order_items"]).most_common(1)[0][0]
    assert top == "cama_mesa_banho"


def test_payments_reconcile_with_items(sample):
    item_cents = defaultdict(int)
    for item in sample["order_items"]:
        item_cents[item["order_id"]] += money_cents(item["price"]) + money_cents(item["freight_value"])
    paid_cents = defaultdict(int)
    for payment in sample["order_payments"]:
        paid_cents[payment["order_id"]] += money_cents(payment["payment_value"])
    comparable = [order for order in item_cents if order in paid_cents]
    assert share(comparable, lambda order: item_cents[order] == paid_cents[order]) >= 0.99
    assert share(comparable, lambda order: item_cents[order] == paid_cents[order]) < 1.0   # not all, as in reality


def test_payment_types_rows_and_installments(sample):
    payments = sample["order_payments"]
    types = Counter(p["payment_type"] for p in payments)
    for name, percent, tolerance in (("credit_card", 73.9, 2.0), ("boleto", 19.0, 1.5), ("voucher", 5.6, 1.0),
                                     ("debit_card", 1.5, 0.6)):
        assert abs(100 * types[name] / len(payments) - percent) <= tolerance, name
    rows_per_order = Counter(Counter(p["order_id"] for p in payments).values())
    assert abs(100 * rows_per_order[1] / sum(rows_per_order.values()) - 97.0) <= 1.0
    installments = Counter(int(p["payment_installments"]) for p in payments)
    assert abs(100 * installments[1] / len(payments) - 50.6) <= 2.5
    assert max(installments) <= 24


def test_review_scores_and_text_shares(sample):
    reviews = sample["order_reviews"]
    scores = Counter(r["review_score"] for r in reviews)
    for score, percent, tolerance in (("5", 57.7, 2.0), ("4", 19.5, 1.5), ("3", 8.4, 1.0), ("2", 3.2, 0.8),
                                      ("1", 11.3, 1.5)):
        assert abs(100 * scores[score] / len(reviews) - percent) <= tolerance, score
    assert abs(100 * share(reviews, lambda r: r["review_comment_message"] == "") - 59) <= 3
    assert abs(100 * share(reviews, lambda r: r["review_comment_title"] == "") - 88) <= 3
    assert 0.02 <= share(reviews, lambda r: "\n" in r["review_comment_message"]) <= 0.07


def test_lead_times(sample):
    from datetime import datetime

    def days(start: str, end: str) -> float:
        delta = datetime.fromisoformat(end) - datetime.fromisoformat(start)
        return delta.total_seconds() / 86_400

    delivered = [o for o in sample["orders"]
                 if o["order_status"] == "delivered" and o["order_delivered_customer_date"]]
    delivery = [days(o["order_purchase_timestamp"], o["order_delivered_customer_date"]) for o in delivered]
    assert 8 <= statistics.median(delivery) <= 12                     # real 10 days
    estimate = [days(o["order_purchase_timestamp"], o["order_estimated_delivery_date"]) for o in delivered]
    assert 19 <= statistics.median(estimate) <= 26                    # real 23 days
    late = share(delivered, lambda o: o["order_delivered_customer_date"] > o["order_estimated_delivery_date"])
    assert 0.05 <= late <= 0.12                                       # real ~8 %
    for order in delivered:
        assert order["order_purchase_timestamp"] <= order["order_delivered_customer_date"]


def test_products_attributes(sample):
    products = sample["products"]
    weights = [int(p["product_weight_g"]) for p in products if p["product_weight_g"]]
    assert 550 <= statistics.median(weights) <= 900                   # real 700 g
    names = [int(p["product_name_lenght"]) for p in products if p["product_name_lenght"]]
    assert 45 <= statistics.median(names) <= 57                       # real 51
    assert abs(share(products, lambda p: p["product_category_name"] == "") - 0.0185) <= 0.006


# ---------------------------------------------------------------------------------------------------------------
# Quirks: each must be present
# ---------------------------------------------------------------------------------------------------------------
def test_quirk_orders_without_items_and_delivered_without_date(sample):
    with_items = {i["order_id"] for i in sample["order_items"]}
    without_items = [o for o in sample["orders"] if o["order_id"] not in with_items]
    assert 0.004 <= len(without_items) / N_ORDERS <= 0.012           # real 0.8 %
    assert {o["order_status"] for o in without_items} <= {"unavailable", "canceled", "created"}
    assert any(o["order_status"] == "delivered" and not o["order_delivered_customer_date"]
               for o in sample["orders"])
    assert any(not o["order_approved_at"] for o in sample["orders"])
    non_delivered = [o for o in sample["orders"] if o["order_status"] in ("unavailable", "invoiced", "processing")]
    assert non_delivered and all(not o["order_delivered_customer_date"] for o in non_delivered)


def test_quirk_payments(sample):
    payments = sample["order_payments"]
    per_order = Counter(p["order_id"] for p in payments)
    assert max(per_order.values()) >= 3                               # split (voucher) payments
    assert any(money_cents(p["payment_value"]) == 0 for p in payments)
    assert any(p["payment_type"] == "not_defined" for p in payments)
    assert any(p["payment_installments"] == "0" for p in payments)
    unpaid = {o["order_id"] for o in sample["orders"]} - set(per_order)
    assert len(unpaid) == 1                                           # exactly one order without payment


def test_quirk_reviews(sample):
    reviews = sample["order_reviews"]
    orders_per_review = defaultdict(set)
    for review in reviews:
        orders_per_review[review["review_id"]].add(review["order_id"])
    shared = sum(1 for orders in orders_per_review.values() if len(orders) > 1)
    assert 0.002 * N_ORDERS <= shared <= 0.02 * N_ORDERS               # hundreds per 100k orders
    reviews_per_order = Counter(r["order_id"] for r in reviews)
    assert max(reviews_per_order.values()) >= 2
    assert len(reviews_per_order) < N_ORDERS                          # some orders unreviewed
    texts = [r["review_comment_message"] for r in reviews]
    assert any("," in t for t in texts) and any('"' in t for t in texts)
    assert any("\r\n" in t for t in texts) and any(re.search("[ãçéô]", t) for t in texts)


def test_quirk_products_without_category_or_dimensions(sample):
    products = sample["products"]
    no_category = [p for p in products if not p["product_category_name"]]
    assert no_category and all(not p["product_name_lenght"] and not p["product_photos_qty"] for p in no_category)
    assert any(p["product_category_name"] and not p["product_weight_g"] for p in products)


def test_quirk_geolocation(sample):
    rows = [tuple(g.values()) for g in sample["geolocation"]]
    assert len(rows) - len(set(rows)) > 0.1 * len(rows)                # many exact duplicates
    outside = [g for g in sample["geolocation"]
               if float(g["geolocation_lat"]) > 5.3 or float(g["geolocation_lng"]) > -34.0]
    assert outside
    per_prefix = Counter(g["geolocation_zip_code_prefix"] for g in sample["geolocation"])
    assert 20 <= statistics.median(per_prefix.values()) <= 50          # real median ~33
    spellings = defaultdict(set)
    for g in sample["geolocation"]:
        spellings[g["geolocation_zip_code_prefix"]].add(g["geolocation_city"])
    assert any(len(cities) > 1 for cities in spellings.values())       # inconsistent city spellings
    assert any("ã" in city for cities in spellings.values() for city in cities)


def test_quirk_people_change_address(sample):
    people = sample.orders_by_person()
    repeaters = [orders for orders in people.values() if len(orders) > 1]
    moved_state = [o for o in repeaters if len({customer["customer_state"] for _, customer in o}) > 1]
    moved_zip = [o for o in repeaters if len({customer["customer_zip_code_prefix"] for _, customer in o}) > 1]
    assert moved_state
    assert 0.03 <= len(moved_zip) / len(repeaters) <= 0.15             # real ~8 %


def test_quirk_shipping_limit_outlier(sample):
    assert max(i["shipping_limit_date"] for i in sample["order_items"]) >= "2020-01-01"


# ---------------------------------------------------------------------------------------------------------------
# Without the campaign options: the files of the code before they existed, byte for byte
# ---------------------------------------------------------------------------------------------------------------
#: sha256 of every file written without the campaign options, for (orders, seed, people_per_chunk): one chunk, and
#: five chunks; numpy 2.4.6. First recorded at commit 2cad125 (before the planted campaign existed) and unchanged by
#: it; recorded again when the generator began to plant the first-purchase effects (review score by lateness band,
#: a late first delivery costing later purchases), which changed the orders, items, payments, reviews and customers
#: files on purpose. Any other change of these files must be as deliberate.
PINNED_SHA256 = {
    (3_000, 42, 25_000): {
        "olist_customers_dataset.csv": "f5da4c920b401a2812decd2b5e7b4f9b9cbd704d95985495658ed093e9395db0",
        "olist_geolocation_dataset.csv": "5bf4610c91675599467ecb4cdd6215e0f095a5f8fc8e76ffbdad0f7d10f612af",
        "olist_order_items_dataset.csv": "1a2772e839d68858443f9e97c92b1bdc3c2b727e84ded7778be96160425fb786",
        "olist_order_payments_dataset.csv": "3abb1fa2813cfbd7652a4c050da6d87c4a85edc43bfe30c8eb458909baf9c5bb",
        "olist_order_reviews_dataset.csv": "30ff13b8cb94fcd3d470b6986369fe738cc64550723f1aa41aefa22ca66a6159",
        "olist_orders_dataset.csv": "6adc0c1f1e8034d11c61fa1472592185d8175c97e2e658280e1ca65114bf5820",
        "olist_products_dataset.csv": "e40f42ae7bbc47781098dd61b2bfb8e9018bceeb1d13aa156145750b0b6b0042",
        "olist_sellers_dataset.csv": "80e0ff7e79861ecd1c8c46815c060e12d30d1ca81d89bf0500bc72e00f90b9fa",
        "product_category_name_translation.csv": "fec57b382dc8d383b9fe457031d75a640535a9b702eb86d5c2ef567262b9d304",
    },
    (5_000, 7, 1_000): {
        "olist_customers_dataset.csv": "72bdec773ad15b0145642302951c932673df3c354979b6c3a29b79145da27710",
        "olist_geolocation_dataset.csv": "0a5e5a16133c775a515c802c1bd7d10f3baeec8ea51e8748be47d1c446af4959",
        "olist_order_items_dataset.csv": "882124b40a2320b226b4835ee84f073d31ac7d4e7b35f1a7b003a5c715d913ca",
        "olist_order_payments_dataset.csv": "540d5ba6ebf3322498842d3c5a66014bd99083776ef6f080b6b4664016bbc621",
        "olist_order_reviews_dataset.csv": "3fa6b1fe53f95474ae94d8330be43a1ce5df87ce01129183eeaa44c91de461e9",
        "olist_orders_dataset.csv": "fb28ff9a21bd70552e6ab67b2cb84bf4f34f038157b231ff72afe19164dd71fe",
        "olist_products_dataset.csv": "13df63fce3e4825adc4b7fe5bade7d17e71c0fa9065430b4cf0dc9564ac6c20d",
        "olist_sellers_dataset.csv": "e7abe0572e00d81a3a417b178beeb0ba6e8fe6ffacbe0cc707724482100890c5",
        "product_category_name_translation.csv": "fec57b382dc8d383b9fe457031d75a640535a9b702eb86d5c2ef567262b9d304",
    },
}


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("n_orders, seed, people_per_chunk", list(PINNED_SHA256))
def test_without_campaign_the_files_are_those_of_the_code_before_it(tmp_path, n_orders, seed, people_per_chunk):
    """Claim: the campaign code path changes nothing when it is not asked for (same seed, same orders). If a numpy
    upgrade changes its random streams this fails for every file: then the promise "same seed => same files"
    itself has changed, and the hashes must be recorded again from the code before the change."""
    rows = generate(tmp_path, n_orders, seed, people_per_chunk=people_per_chunk)
    assert set(rows) == set(PINNED_SHA256[(n_orders, seed, people_per_chunk)])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(PINNED_SHA256[(n_orders, seed, people_per_chunk)])
    for name, digest in PINNED_SHA256[(n_orders, seed, people_per_chunk)].items():
        assert sha256_of(tmp_path / name) == digest, name


# ---------------------------------------------------------------------------------------------------------------
# A planted campaign (--campaign-date / --campaign-uplift / --campaign-control-share)
# ---------------------------------------------------------------------------------------------------------------
# Everything expected below is recomputed from the generated files with pandas (who is lapsed, the window, the
# address, the sums), from the shared assignment function (the groups) and from the flag-less run of the same seed
# (which rows are planted); nothing is read from the generator's own counts.
CAMPAIGN_ORDERS, CAMPAIGN_SEED, CAMPAIGN_CHUNK = 5_000, 7, 1_000      # five chunks: contacts merged across runs
CAMPAIGN_DATE = dt.date(2018, 3, 1)
UPLIFT, CONTROL_SHARE = 0.5, 0.2
LATE_DATE = dt.date(2018, 9, 1)          # its window passes the data end
DATA_END = "2018-10-17 17:30:18"         # the last purchase of the Kaggle data, which the generator ends on
CONTACTS = CAMPAIGN_CONTACTS_FILE.file_name


def frame(directory: Path, table: str) -> pd.DataFrame:
    name = CONTACTS if table == "campaign_contacts" else BY_TABLE_NAME[table].file_name
    return pd.read_csv(directory / name, dtype=str, keep_default_na=False)


def cents(values: pd.Series) -> pd.Series:
    return values.map(money_cents)


def lapsed_people(directory: Path, date: dt.date) -> set[str]:
    """The rule, from the files: a delivered order purchased before D, the last one at least 180 days before D."""
    customers = frame(directory, "customers")[["customer_id", "customer_unique_id"]]
    orders = frame(directory, "orders").merge(customers, on="customer_id", how="left", validate="one_to_one")
    purchased = pd.to_datetime(orders["order_purchase_timestamp"])
    day = pd.Timestamp(date)
    delivered = (orders["order_status"] == "delivered") & (purchased < day)
    last = purchased[delivered].groupby(orders.loc[delivered, "customer_unique_id"]).max()
    return set(last[last <= day - pd.Timedelta(days=180)].index)


def window_end(date: dt.date) -> pd.Timestamp:
    return pd.Timestamp(date) + pd.DateOffset(months=window_months())


def binomial_tolerance(n: int, p: float) -> float:
    return 4 * (n * p * (1 - p)) ** 0.5     # four standard deviations


class Planted:
    """The rows a campaign run has beyond the flag-less run of the same seed, and the people they belong to."""

    def __init__(self, base_dir: Path, campaign_dir: Path) -> None:
        self.base = {t: frame(base_dir, t) for t in ORDER_TABLES}
        self.run = {t: frame(campaign_dir, t) for t in ORDER_TABLES}
        base_orders, base_customers = set(self.base["orders"]["order_id"]), set(self.base["customers"]["customer_id"])
        self.orders = self.run["orders"][~self.run["orders"]["order_id"].isin(base_orders)]
        self.customers = self.run["customers"][~self.run["customers"]["customer_id"].isin(base_customers)]
        self.order_ids, self.customer_ids = set(self.orders["order_id"]), set(self.customers["customer_id"])
        self.with_person = self.orders.merge(self.customers, on="customer_id", how="left", validate="one_to_one")

    def rows_of(self, table: str) -> pd.DataFrame:
        frame_ = self.run[table]
        if table == "customers":
            return frame_[frame_["customer_id"].isin(self.customer_ids)]
        return frame_[frame_["order_id"].isin(self.order_ids)]


@pytest.fixture(scope="module")
def campaign_base_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("campaign_base")
    generate(directory, CAMPAIGN_ORDERS, CAMPAIGN_SEED, people_per_chunk=CAMPAIGN_CHUNK)
    return directory


@pytest.fixture(scope="module")
def campaign_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("campaign_planted")
    generate(directory, CAMPAIGN_ORDERS, CAMPAIGN_SEED, people_per_chunk=CAMPAIGN_CHUNK,
             campaign=CampaignPlan(CAMPAIGN_DATE, UPLIFT, CONTROL_SHARE))
    return directory


@pytest.fixture(scope="module")
def planted(campaign_base_dir, campaign_dir) -> Planted:
    return Planted(campaign_base_dir, campaign_dir)


@pytest.fixture(scope="module")
def expected_contacts(campaign_base_dir) -> pd.DataFrame:
    """Lapsed people from the flag-less files, in the groups of the shared assignment function, sorted."""
    people = sorted(lapsed_people(campaign_base_dir, CAMPAIGN_DATE))
    groups = assign_groups(f"planted_{CAMPAIGN_DATE:%Y%m%d}", people, CONTROL_SHARE)
    return pd.DataFrame({"customer_unique_id": people, "group": groups})


def test_contacts_file_has_the_contract_header_and_the_generated_files_habits(campaign_dir):
    content = (campaign_dir / CONTACTS).read_bytes()
    header = ",".join(f'"{name}"' for name in CAMPAIGN_CONTACTS_FILE.header).encode()
    assert content.startswith(header + b"\n")
    assert not content.startswith(b"\xef\xbb\xbf") and b"\r" not in content and content.endswith(b"\n")
    lines = content.decode("utf-8").split("\n")[1:-1]
    assert all(re.match(r"^planted_20180301,[0-9a-f]{32},(treatment|control),2018-03-01 00:00:00$", line)
               for line in lines)
    assert not list(campaign_dir.glob(".campaign_contacts*"))            # the sort's run files are gone


def test_contacts_are_exactly_the_lapsed_people_once_each_sorted(campaign_dir, campaign_base_dir, expected_contacts):
    contacts = frame(campaign_dir, "campaign_contacts")
    assert list(contacts.columns) == CAMPAIGN_CONTACTS_FILE.header
    assert len(contacts) > 500                                          # enough people for the shares below
    assert contacts["customer_unique_id"].is_unique
    assert list(contacts["customer_unique_id"]) == list(expected_contacts["customer_unique_id"])  # sorted, all
    # Planted orders are purchased at or after D: the campaign run's own files give the same lapsed people.
    assert lapsed_people(campaign_dir, CAMPAIGN_DATE) == set(contacts["customer_unique_id"])
    # Every contact is a person of the customers file.
    assert set(contacts["customer_unique_id"]) <= set(frame(campaign_base_dir, "customers")["customer_unique_id"])


def test_contact_groups_are_the_shared_assignment_and_the_control_share_is_near_c(campaign_dir, expected_contacts):
    contacts = frame(campaign_dir, "campaign_contacts")
    assert list(contacts["group"]) == list(expected_contacts["group"])
    n, control = len(contacts), int((contacts["group"] == "control").sum())
    assert abs(control - CONTROL_SHARE * n) <= binomial_tolerance(n, CONTROL_SHARE)


def test_planted_orders_belong_to_treatment_people_once_each_in_the_window(planted, expected_contacts):
    treatment = set(expected_contacts.loc[expected_contacts["group"] == "treatment", "customer_unique_id"])
    assert len(planted.orders) > 0
    assert len(planted.customers) == len(planted.orders)               # one new customer_id row per planted order
    assert set(planted.orders["customer_id"]) == planted.customer_ids
    people = planted.with_person["customer_unique_id"]
    assert people.is_unique and set(people) <= treatment
    purchased = pd.to_datetime(planted.orders["order_purchase_timestamp"])
    assert (purchased >= pd.Timestamp(CAMPAIGN_DATE)).all() and (purchased < window_end(CAMPAIGN_DATE)).all()
    assert window_end(CAMPAIGN_DATE) == pd.Timestamp("2018-06-01")      # 3 months: dbt var campaign_window_months


def test_planted_order_count_matches_the_uplift(planted, expected_contacts):
    treatment = int((expected_contacts["group"] == "treatment").sum())
    assert abs(len(planted.orders) - UPLIFT * treatment) <= binomial_tolerance(treatment, UPLIFT)


def test_planted_orders_are_delivered_with_a_full_lifecycle(planted):
    orders = planted.orders
    assert (orders["order_status"] == "delivered").all()
    stamps = {column: pd.to_datetime(orders[column]) for column in (
        "order_purchase_timestamp", "order_approved_at", "order_delivered_carrier_date",
        "order_delivered_customer_date", "order_estimated_delivery_date")}     # empty text would not parse
    assert (stamps["order_purchase_timestamp"] <= stamps["order_approved_at"]).all()
    assert (stamps["order_approved_at"] <= stamps["order_delivered_carrier_date"]).all()
    assert (stamps["order_delivered_carrier_date"] <= stamps["order_delivered_customer_date"]).all()
    assert (stamps["order_purchase_timestamp"] < stamps["order_delivered_customer_date"]).all()
    assert (stamps["order_estimated_delivery_date"] > stamps["order_purchase_timestamp"]).all()


def test_planted_orders_have_items_payments_equal_to_items_and_a_review(planted, campaign_base_dir):
    items, payments = planted.rows_of("order_items"), planted.rows_of("order_payments")
    assert set(items["order_id"]) == planted.order_ids
    for _, group in items.groupby("order_id"):
        assert sorted(group["order_item_id"].astype(int)) == list(range(1, len(group) + 1))
    assert set(items["product_id"]) <= set(frame(campaign_base_dir, "products")["product_id"])
    assert set(items["seller_id"]) <= set(frame(campaign_base_dir, "sellers")["seller_id"])
    item_total = (cents(items["price"]) + cents(items["freight_value"])).groupby(items["order_id"]).sum()
    paid = cents(payments["payment_value"]).groupby(payments["order_id"]).sum()
    assert set(paid.index) == planted.order_ids
    assert (paid.sort_index() == item_total.sort_index()).all()        # to the cent, every planted order
    reviews = planted.rows_of("order_reviews")
    assert set(reviews["order_id"]) == planted.order_ids
    assert not set(reviews["review_id"]) & set(planted.base["order_reviews"]["review_id"])


def assert_latest_address(planted: Planted) -> int:
    """Each planted order has the address of its person's latest order; returns how many of them had moved."""
    base = planted.base["orders"].merge(planted.base["customers"], on="customer_id", validate="one_to_one")
    latest = base.sort_values("order_purchase_timestamp").groupby("customer_unique_id").tail(1)
    latest = latest.set_index("customer_unique_id")
    new = planted.with_person.set_index("customer_unique_id")
    for column in ("customer_zip_code_prefix", "customer_state"):        # the city may be spelled another way
        assert (new[column] == latest.loc[new.index, column]).all(), column
    addresses = base.groupby("customer_unique_id")["customer_zip_code_prefix"].nunique()
    return int((addresses.loc[new.index] > 1).sum())


def test_planted_order_has_the_address_of_the_persons_latest_order(planted):
    assert_latest_address(planted)


def test_regular_rows_are_untouched_and_planted_rows_come_on_top(planted, campaign_base_dir, campaign_dir):
    for table in ORDER_TABLES:
        key = "customer_id" if table == "customers" else "order_id"
        run = planted.run[table]
        ids = planted.customer_ids if table == "customers" else planted.order_ids
        kept = run[~run[key].isin(ids)].reset_index(drop=True)
        pd.testing.assert_frame_equal(kept, planted.base[table], obj=table)
    assert len(planted.run["orders"]) == CAMPAIGN_ORDERS + len(planted.orders)
    for table in REFERENCE_TABLES:
        assert path_of(campaign_dir, table).read_bytes() == path_of(campaign_base_dir, table).read_bytes(), table


def test_uplift_zero_adds_only_the_contacts_file(tmp_path, campaign_base_dir, campaign_dir):
    rows = generate(tmp_path, CAMPAIGN_ORDERS, CAMPAIGN_SEED, people_per_chunk=CAMPAIGN_CHUNK,
                    campaign=CampaignPlan(CAMPAIGN_DATE, 0.0, CONTROL_SHARE))
    assert set(rows) == {f.file_name for f in OLIST_FILES} | {CONTACTS}
    for olist_file in OLIST_FILES:
        name = olist_file.file_name
        assert (tmp_path / name).read_bytes() == (campaign_base_dir / name).read_bytes(), name
    # The contact list does not depend on the uplift.
    assert (tmp_path / CONTACTS).read_bytes() == (campaign_dir / CONTACTS).read_bytes()


def test_campaign_run_is_deterministic(tmp_path, campaign_dir):
    generate(tmp_path, CAMPAIGN_ORDERS, CAMPAIGN_SEED, people_per_chunk=CAMPAIGN_CHUNK,
             campaign=CampaignPlan(CAMPAIGN_DATE, UPLIFT, CONTROL_SHARE))
    for path in sorted(campaign_dir.glob("*.csv")):
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


def test_contacts_stay_sorted_when_the_sort_merges_its_runs_midway(tmp_path):
    """Claim: with more chunks than the external sort keeps run files (planted_campaign.MAX_RUNS), the runs merged
    midway still give every lapsed person once, in order."""
    n_orders = 80_000                                    # ~77 chunks of 1,000 people, each with lapsed people
    generate(tmp_path, n_orders, CAMPAIGN_SEED, people_per_chunk=1_000, campaign=CampaignPlan(CAMPAIGN_DATE))
    assert n_orders / 1_000 / 1.04 > MAX_RUNS            # ~1.035 orders per person
    people = list(frame(tmp_path, "campaign_contacts")["customer_unique_id"])
    assert people == sorted(lapsed_people(tmp_path, CAMPAIGN_DATE))


def test_window_past_the_data_end_drops_the_purchases_after_it(tmp_path, campaign_base_dir):
    """Claim: with the whole treatment group responding (U = 1), the planted purchases are those of the window
    before the data end: a share (data end - D) / window of the treatment group, each before the data end."""
    generate(tmp_path, CAMPAIGN_ORDERS, CAMPAIGN_SEED, people_per_chunk=CAMPAIGN_CHUNK,
             campaign=CampaignPlan(LATE_DATE, 1.0))
    late = Planted(campaign_base_dir, tmp_path)
    people = sorted(lapsed_people(campaign_base_dir, LATE_DATE))
    treatment = int((assign_groups(f"planted_{LATE_DATE:%Y%m%d}", people, 0.10) == "treatment").sum())
    start, end, data_end = pd.Timestamp(LATE_DATE), window_end(LATE_DATE), pd.Timestamp(DATA_END)
    share_before_end = (data_end - start) / (end - start)
    assert 0.4 < share_before_end < 0.6
    assert abs(len(late.orders) - share_before_end * treatment) <= binomial_tolerance(treatment, share_before_end)
    purchased = pd.to_datetime(late.orders["order_purchase_timestamp"])
    delivered = pd.to_datetime(late.orders["order_delivered_customer_date"])
    assert (purchased >= start).all() and (purchased < data_end).all()
    assert (delivered > purchased).all() and (delivered <= data_end).all()
    assert (late.orders["order_status"] == "delivered").all()
    assert set(late.with_person["customer_unique_id"]) <= set(people)
    assert assert_latest_address(late) >= 1          # some responders had moved: their new address is used


def test_a_run_without_campaign_removes_a_planted_contact_list_only(tmp_path):
    generate(tmp_path, 1_000, SEED, campaign=CampaignPlan(CAMPAIGN_DATE, 0.3))
    assert (tmp_path / CONTACTS).exists()
    generate(tmp_path, 1_000, SEED)
    assert not (tmp_path / CONTACTS).exists()                          # it would pair with other orders
    foreign = '"campaign_id","customer_unique_id","group","contacted_at"\nspring,abc,control,2018-03-01 00:00:00\n'
    (tmp_path / CONTACTS).write_text(foreign, encoding="utf-8")
    generate(tmp_path, 1_000, SEED)
    assert (tmp_path / CONTACTS).read_text(encoding="utf-8") == foreign   # not the generator's: left alone


# ---------------------------------------------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------------------------------------------
def run_generate_data(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(PROJECT_ROOT / "scripts" / "generate_data.py"), *args],
                          cwd=PROJECT_ROOT, capture_output=True, text=True)


@pytest.mark.parametrize("args, says", [
    (["--campaign-uplift", "0.1"], "--campaign-uplift needs --campaign-date"),
    (["--campaign-control-share", "0.2"], "--campaign-control-share needs --campaign-date"),
    (["--campaign-uplift", "0.1", "--campaign-control-share", "0.2"],
     "--campaign-uplift and --campaign-control-share need --campaign-date"),
    (["--campaign-date", "2018-13-01"], "--campaign-date must be a date YYYY-MM-DD"),
    (["--campaign-date", "2018-03-01", "--campaign-uplift", "1.5"], "--campaign-uplift must be in [0, 1]"),
    (["--campaign-date", "2018-03-01", "--campaign-uplift", "-0.1"], "--campaign-uplift must be in [0, 1]"),
    (["--campaign-date", "2018-03-01", "--campaign-uplift", "lots"], "--campaign-uplift must be a fraction"),
    (["--campaign-date", "2018-03-01", "--campaign-control-share", "0"], "--campaign-control-share must be in (0, 1)"),
    (["--campaign-date", "2018-03-01", "--campaign-control-share", "1"], "--campaign-control-share must be in (0, 1)"),
])
def test_cli_campaign_usage_errors_are_one_line_exit_2_and_write_nothing(tmp_path, args, says):
    out = tmp_path / "out"
    proc = run_generate_data("--orders", "1000", "--out", str(out), *args)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("error: ") and says in proc.stderr
    assert proc.stdout == "" and not out.exists()


def test_cli_campaign_run_writes_ten_files_and_says_planted_orders_are_extra(tmp_path):
    proc = run_generate_data("--orders", "3000", "--seed", "3", "--out", str(tmp_path), "--campaign-date",
                             "2018-03-01", "--campaign-uplift", "0.4")
    assert proc.returncode == 0, proc.stderr
    assert "Wrote 10 files" in proc.stdout and "on top of the 3,000 orders" in proc.stdout
    contacts = frame(tmp_path, "campaign_contacts")
    assert set(contacts["customer_unique_id"]) == lapsed_people(tmp_path, CAMPAIGN_DATE)
    n, control = len(contacts), int((contacts["group"] == "control").sum())
    assert abs(control - 0.10 * n) <= binomial_tolerance(n, 0.10)        # the default control share
    assert len(frame(tmp_path, "orders")) > 3_000                         # planted orders on top
