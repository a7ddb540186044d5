"""Read the marts the business cases need, through the dbt target the user selected.

Connection settings come only from the dbt profile; the read-only connections (a DuckDB file, PostgreSQL
as CSV through COPY, Spark's session) are in ``customer_intel.roi.warehouses``. Every mart is read by
explicit column list from ``<target schema>.<mart>``, so a mart
that is missing, or older than this code, gives the one-line error ``... run dbt build first`` instead of a
traceback. Totals come from the marts that hold them (``clv`` per segment); of the big per-customer mart
(``rfm_segments``) only its as-of date and last purchase travel, and
its segment beside the per-person columns of ``clv_inputs`` the predictive models are fitted on (``read_clv_people``).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from customer_intel.errors import first_line
from customer_intel.profile import Target
from customer_intel.roi.errors import RoiError
from customer_intel.roi.warehouses import DBT_HINT, Warehouse, open_warehouse

MART_COLUMNS: dict[str, tuple[str, ...]] = {
    "clv": ("rfm_segment", "customers", "customer_share", "avg_monetary", "revenue", "revenue_share", "purchases"),
    "cohort_retention": (
        "cohort_month", "months_since_first_purchase", "cohort_size", "active_customers", "retention_rate",
    ),
    "segment_product_affinity": (
        "rfm_segment", "product_category", "orders", "revenue", "segment_revenue_share", "overall_revenue_share",
        "affinity_index", "category_rank",
    ),
    "segment_geography": (
        "rfm_segment", "customer_state", "region", "customers", "revenue", "segment_customer_share",
        "segment_revenue_share", "state_rank",
    ),
    "win_back_targets": (
        "customer_unique_id", "rfm_segment", "last_purchase_at", "days_since_last_purchase", "monetary",
        "customer_state", "customer_city", "favourite_category",
    ),
    # how segments move: organic return rates per snapshot (the backtest's no-model baseline) and pooled, and the
    # migration of the latest period only (LATEST_ONLY)
    "segment_reactivation": (
        "snapshot_date", "rfm_segment", "horizon_months", "observed_until", "people", "returned",
    ),
    "segment_reactivation_pooled": (
        "rfm_segment", "segment_order", "horizon_months", "snapshots", "first_snapshot_date", "last_snapshot_date",
        "people", "returned", "return_rate",
    ),
    "segment_transitions": (
        "from_snapshot_date", "to_snapshot_date", "from_segment", "from_segment_order", "to_segment",
        "to_segment_order", "people", "from_revenue", "to_revenue",
    ),
    # the readout of campaigns loaded back (empty without a contact list)
    "campaign_lift": (
        "campaign_id", "treatment_people", "treatment_buyers", "control_people", "control_buyers",
        "treatment_conversion_rate", "control_conversion_rate", "lift", "lift_lower_95", "lift_upper_95", "p_value",
        "incremental_buyers", "incremental_revenue", "window_ends_at", "is_window_complete",
    ),
    # what brings new customers back: return rates and review scores per first-purchase level, and the people and
    # returners per combination of levers that the regression is fitted on (a few thousand rows at most)
    "second_purchase_drivers": (
        "factor", "level", "level_order", "people", "returned", "return_rate", "return_rate_lower_95",
        "return_rate_upper_95", "difference_from_rest", "difference_lower_95", "difference_upper_95",
        "reviewed_people", "mean_review_score", "review_score_lower_95", "review_score_upper_95",
    ),
    "second_purchase_patterns": (
        "days_late", "freight_share", "installments", "items", "payment_type", "is_shipped_from_another_state",
        "customer_region", "people", "returned",
    ),
}
LATEST_ONLY = {"segment_transitions": "to_snapshot_date"}
AS_OF_SQL = """
select
    max(as_of_date) as as_of_date,
    cast(max(last_purchase_at) as date) as last_purchase_date
from {relation}
"""
# Per person from clv_inputs, with the RFM segment joined in the database: only the columns the models need, in
# customer order (the order the models see; sorted here, a copy of millions of rows is not made in Python).
CLV_PEOPLE_COLUMNS = (
    "customer_unique_id", "as_of_date", "calibration_end_date", "frequency", "recency", "tenure", "monetary",
    "avg_repeat_purchase_value", "is_in_calibration", "calibration_frequency", "calibration_recency",
    "calibration_tenure", "calibration_rfm_segment", "holdout_purchases",
)
CLV_PEOPLE_SQL = """
select
    {columns},
    segments.rfm_segment
from {clv_inputs} as inputs
inner join {rfm_segments} as segments
    on inputs.customer_unique_id = segments.customer_unique_id
order by inputs.customer_unique_id
"""


@dataclass(frozen=True)
class CustomerTotals:
    """Totals over every customer with at least one purchase (the segments of ``clv`` together)."""

    as_of_date: dt.date
    customers: int
    purchases: int
    revenue: float
    last_purchase_date: dt.date | None = None

    @property
    def as_of_is_day_after_last_purchase(self) -> bool:
        """True when the as-of date is the default one, the day after the last purchase (var as_of_date unset)."""
        return self.last_purchase_date is not None and self.as_of_date == self.last_purchase_date + dt.timedelta(1)

    @property
    def avg_order_value(self) -> float:
        """Revenue per purchase."""
        return self.revenue / self.purchases

    @property
    def avg_customer_value(self) -> float:
        """Revenue per customer."""
        return self.revenue / self.customers


@dataclass(frozen=True)
class Marts:
    """The mart tables read for one run, with the target they came from."""

    target_name: str
    totals: CustomerTotals
    clv: pd.DataFrame
    cohort_retention: pd.DataFrame
    segment_product_affinity: pd.DataFrame
    segment_geography: pd.DataFrame
    win_back_targets: pd.DataFrame
    clv_people: pd.DataFrame  # CLV_PEOPLE_COLUMNS + rfm_segment, one row per purchaser
    segment_reactivation: pd.DataFrame  # per snapshot, segment and horizon: a few hundred rows
    segment_reactivation_pooled: pd.DataFrame
    segment_transitions: pd.DataFrame  # the latest period only: moves into the last snapshot
    campaign_lift: pd.DataFrame  # one row per campaign loaded back; empty without a contact list
    second_purchase_drivers: pd.DataFrame  # per first-purchase factor and level
    second_purchase_patterns: pd.DataFrame  # per combination of the regression's levers


def quote(identifier: str) -> str:
    """A SQL identifier in double quotes (valid on DuckDB and PostgreSQL)."""
    return '"' + identifier.replace('"', '""') + '"'


def relation(schema: str, name: str) -> str:
    """``"schema"."name"``."""
    return f"{quote(schema)}.{quote(name)}"


def read_relation(warehouse: Warehouse, schema: str, name: str, sql: str, target_name: str) -> pd.DataFrame:
    """Run ``sql`` on mart ``name``; a missing mart or column becomes the one-line 'run dbt build first' error."""
    if not warehouse.has_relation(schema, name):
        raise RoiError(f"marts: {schema}.{name} not found in target '{target_name}': {DBT_HINT}")
    try:
        return warehouse.query(sql)
    except Exception as exc:  # the drivers' errors share no base class; any failure here is a schema mismatch
        raise RoiError(f"marts: cannot read {schema}.{name} ({first_line(exc)}): {DBT_HINT}") from exc


def read_mart(warehouse: Warehouse, schema: str, name: str, target_name: str) -> pd.DataFrame:
    """Mart ``name`` with exactly the columns in MART_COLUMNS, engine differences normalised."""
    columns = ", ".join(quote(column) for column in MART_COLUMNS[name])
    sql = f"select {columns} from {relation(schema, name)}"
    if name in LATEST_ONLY:
        latest = quote(LATEST_ONLY[name])
        sql += f" where {latest} = (select max({latest}) from {relation(schema, name)})"
    frame = normalise(read_relation(warehouse, schema, name, sql, target_name))
    # Rows in one order whatever the engine returns, so every sum over them is the same to the last digit.
    return frame.sort_values(list(MART_COLUMNS[name]), ignore_index=True)


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Same dtypes whatever the engine: Decimal → float, date/datetime objects → pandas timestamps."""
    converted = frame.copy(deep=False)  # columns are replaced, never changed in place
    for column in converted.columns:
        sample = converted[column].dropna()
        first = sample.iloc[0] if not sample.empty else None
        if isinstance(first, Decimal):
            converted[column] = converted[column].astype(float)
        elif isinstance(first, (dt.date, dt.datetime)):
            converted[column] = pd.to_datetime(converted[column])
    return converted


def share_repeated_strings(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """``frame`` with each of ``columns`` pointing at one string object per distinct value. The drivers create a new
    string for every row: for a segment name repeated over millions of people that is ~60 bytes a row instead of 8."""
    for column in columns:
        codes, uniques = pd.factorize(frame[column], use_na_sentinel=True)
        values = np.asarray(uniques, dtype=object)
        frame[column] = pd.Series(np.where(codes >= 0, values.take(np.maximum(codes, 0)) if len(values) else None,
                                           None), index=frame.index, dtype=frame[column].dtype)
    return frame


def read_as_of(warehouse: Warehouse, schema: str, target_name: str) -> tuple[dt.date, dt.date]:
    """The as-of date of ``rfm_segments`` and the date of the last purchase in it."""
    sql = AS_OF_SQL.format(relation=relation(schema, "rfm_segments"))
    row = read_relation(warehouse, schema, "rfm_segments", sql, target_name).iloc[0]
    if pd.isna(row["as_of_date"]):
        raise RoiError("marts: rfm_segments is empty: load data with orders, then run dbt build")
    return pd.Timestamp(row["as_of_date"]).date(), pd.Timestamp(row["last_purchase_date"]).date()


def customer_totals(clv: pd.DataFrame, as_of_date: dt.date, last_purchase_date: dt.date) -> CustomerTotals:
    """Customer, purchase and revenue totals: the ``clv`` segments together."""
    if clv.empty:
        raise RoiError("marts: clv is empty: load data with orders, then run dbt build")
    return CustomerTotals(
        as_of_date=as_of_date,
        customers=int(clv["customers"].sum()),
        purchases=int(clv["purchases"].sum()),
        revenue=float(clv["revenue"].sum()),
        last_purchase_date=last_purchase_date,
    )


def read_clv_people(warehouse: Warehouse, schema: str, target_name: str, customers: int) -> pd.DataFrame:
    """One row per purchaser of ``clv_inputs`` with their ``rfm_segment``; both marts must hold the same people."""
    if not warehouse.has_relation(schema, "rfm_segments"):
        raise RoiError(f"marts: {schema}.rfm_segments not found in target '{target_name}': {DBT_HINT}")
    sql = CLV_PEOPLE_SQL.format(
        columns=",\n    ".join(f"inputs.{quote(column)}" for column in CLV_PEOPLE_COLUMNS),
        clv_inputs=relation(schema, "clv_inputs"), rfm_segments=relation(schema, "rfm_segments"))
    people = share_repeated_strings(normalise(read_relation(warehouse, schema, "clv_inputs", sql, target_name)),
                                    ("rfm_segment", "calibration_rfm_segment"))
    if len(people) != customers:
        raise RoiError(f"marts: clv_inputs and rfm_segments hold different people ({len(people):,} matched of "
                       f"{customers:,}): {DBT_HINT}")
    return people


def read_marts(target: Target) -> Marts:
    """Every mart the business cases, charts and report use, from ``target.schema``."""
    warehouse = open_warehouse(target)
    try:
        as_of_date, last_purchase_date = read_as_of(warehouse, target.schema, target.name)
        tables = {name: read_mart(warehouse, target.schema, name, target.name) for name in MART_COLUMNS}
        totals = customer_totals(tables["clv"], as_of_date, last_purchase_date)
        tables["clv_people"] = read_clv_people(warehouse, target.schema, target.name, totals.customers)
    finally:
        warehouse.close()
    return Marts(target_name=target.name, totals=totals, **tables)
