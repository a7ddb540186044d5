"""The file contract of the Olist dataset: one entry per CSV file.

This is the single definition the generator writes, the loader validates against and the raw tables are
created from. Column names are the real ones, misspellings included (``product_name_lenght``).

Raw column types are deliberately few:
- ``text``: ids, zip prefixes (kept as text: leading zeros), names, statuses, free text;
- ``timestamp``: ``YYYY-MM-DD HH:MM:SS``;
- ``double``: every number. Copies that went through pandas write integer columns with nulls as ``44.0``;
  staging casts counts to integers and money to numeric, where that decision is visible and tested.
"""
from __future__ import annotations

from dataclasses import dataclass

TEXT = "text"
TIMESTAMP = "timestamp"
DOUBLE = "double"


@dataclass(frozen=True)
class OlistFile:
    file_name: str
    table_name: str
    columns: tuple[tuple[str, str], ...]

    @property
    def header(self) -> list[str]:
        return [name for name, _ in self.columns]


def _file(file_name: str, table_name: str, *columns: tuple[str, str]) -> OlistFile:
    return OlistFile(file_name, table_name, tuple(columns))


OLIST_FILES: tuple[OlistFile, ...] = (
    _file(
        "olist_customers_dataset.csv", "customers",
        ("customer_id", TEXT), ("customer_unique_id", TEXT), ("customer_zip_code_prefix", TEXT),
        ("customer_city", TEXT), ("customer_state", TEXT),
    ),
    _file(
        "olist_geolocation_dataset.csv", "geolocation",
        ("geolocation_zip_code_prefix", TEXT), ("geolocation_lat", DOUBLE), ("geolocation_lng", DOUBLE),
        ("geolocation_city", TEXT), ("geolocation_state", TEXT),
    ),
    _file(
        "olist_order_items_dataset.csv", "order_items",
        ("order_id", TEXT), ("order_item_id", DOUBLE), ("product_id", TEXT), ("seller_id", TEXT),
        ("shipping_limit_date", TIMESTAMP), ("price", DOUBLE), ("freight_value", DOUBLE),
    ),
    _file(
        "olist_order_payments_dataset.csv", "order_payments",
        ("order_id", TEXT), ("payment_sequential", DOUBLE), ("payment_type", TEXT),
        ("payment_installments", DOUBLE), ("payment_value", DOUBLE),
    ),
    _file(
        "olist_order_reviews_dataset.csv", "order_reviews",
        ("review_id", TEXT), ("order_id", TEXT), ("review_score", DOUBLE), ("review_comment_title", TEXT),
        ("review_comment_message", TEXT), ("review_creation_date", TIMESTAMP),
        ("review_answer_timestamp", TIMESTAMP),
    ),
    _file(
        "olist_orders_dataset.csv", "orders",
        ("order_id", TEXT), ("customer_id", TEXT), ("order_status", TEXT),
        ("order_purchase_timestamp", TIMESTAMP), ("order_approved_at", TIMESTAMP),
        ("order_delivered_carrier_date", TIMESTAMP), ("order_delivered_customer_date", TIMESTAMP),
        ("order_estimated_delivery_date", TIMESTAMP),
    ),
    _file(
        "olist_products_dataset.csv", "products",
        ("product_id", TEXT), ("product_category_name", TEXT), ("product_name_lenght", DOUBLE),
        ("product_description_lenght", DOUBLE), ("product_photos_qty", DOUBLE), ("product_weight_g", DOUBLE),
        ("product_length_cm", DOUBLE), ("product_height_cm", DOUBLE), ("product_width_cm", DOUBLE),
    ),
    _file(
        "olist_sellers_dataset.csv", "sellers",
        ("seller_id", TEXT), ("seller_zip_code_prefix", TEXT), ("seller_city", TEXT), ("seller_state", TEXT),
    ),
    _file(
        "product_category_name_translation.csv", "product_category_name_translation",
        ("product_category_name", TEXT), ("product_category_name_english", TEXT),
    ),
)

# The optional tenth file: a campaign's contact list as sent (scripts/roi.py writes one; customer_intel.campaign has
# the groups). Without it the loader creates an empty raw.campaign_contacts, so the readout marts are empty, not
# missing. ``group`` is treatment or control; contacted_at the send time.
CAMPAIGN_CONTACTS_FILE = _file(
    "campaign_contacts.csv", "campaign_contacts",
    ("campaign_id", TEXT), ("customer_unique_id", TEXT), ("group", TEXT), ("contacted_at", TIMESTAMP),
)

BY_FILE_NAME = {f.file_name: f for f in OLIST_FILES}
BY_TABLE_NAME = {f.table_name: f for f in OLIST_FILES}
RAW_SCHEMA = "raw"
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
