"""How big the reference tables are for a number of orders, scaled from the real dataset."""
from __future__ import annotations

from dataclasses import dataclass

REAL_ORDERS = 99_441
REAL_PRODUCTS = 32_951
REAL_SELLERS = 3_095
REAL_ZIP_PREFIXES = 19_015
DEFAULT_PEOPLE_PER_CHUNK = 25_000


@dataclass(frozen=True)
class Scale:
    """Sizes of the reference tables for a number of orders."""
    n_orders: int
    n_products: int
    n_sellers: int
    n_zip_prefixes: int

    @classmethod
    def for_orders(cls, n_orders: int) -> Scale:
        return cls(
            n_orders=n_orders,
            n_products=max(150, round(n_orders * REAL_PRODUCTS / REAL_ORDERS)),
            n_sellers=max(40, round(n_orders * REAL_SELLERS / REAL_ORDERS)),
            n_zip_prefixes=min(REAL_ZIP_PREFIXES, max(300, round(n_orders * REAL_ZIP_PREFIXES / REAL_ORDERS))),
        )
