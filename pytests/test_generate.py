"""Tests of the Olist-format generator (the customer_intel.generate package).

The generated files are read back with Python's csv module, an independent path from the generator's own
formatting code. One 20,000-order sample is generated per module; tolerances are stated next to each check and
are wide enough for sampling noise at that size (a few hundred to a few thousand units per quantity) but narrow
enough to catch a wrong distribution.
"""
from __future__ import annotations

import csv
import re
import statistics
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from customer_intel.generate import generate
from customer_intel.olist_files import BY_TABLE_NAME, OLIST_FILES

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
