"""Rare quirks forced at fixed positions of the first chunk, so that even a small sample has every one."""
from __future__ import annotations

from dataclasses import dataclass

FORCED_QUIRKS_MIN_ORDERS = 1_000


@dataclass(frozen=True)
class ForcedQuirks:
    """Fixed positions (orders of the first chunk) where rare quirks are forced when n_orders >= 1000.

    Person 0 owns orders 0-2 (a same-session second order sharing the first one's review, then a third order
    from another state); person 1 owns the next ``heavy_buyer_orders`` orders (the long tail of repeat buying);
    the next ``single_buyers`` people own one order each, so the positions below are orders of one-time buyers
    and can be changed freely. ``forced_orders`` is the end of the whole forced range.
    """
    mover_first_purchase: str = "2018-03-10T10:14:31"
    heavy_buyer_orders: int = 15
    heavy_buyer_first_purchase: str = "2017-01-15T20:41:02"
    heavy_buyer_gap_days: int = 40
    single_buyers: int = 50
    unavailable_no_items: int = 20
    delivered_without_date: int = 21
    created_without_approval: int = 22
    split_payment: int = 23
    zero_payment_value: int = 24
    not_defined_payment: int = 25
    without_payment: int = 26
    two_reviews: int = 27
    without_review: int = 28
    review_with_special_text: int = 29
    last_purchase: int = 30
    several_sellers: int = 31
    shipping_limit_outlier: int = 32
    zero_installments: int = 33
    last_purchase_time: str = "2018-10-17T17:30:18"
    shipping_limit_time: str = "2020-04-09T22:35:08"

    @property
    def first_single_order(self) -> int:
        return 3 + self.heavy_buyer_orders

    @property
    def forced_orders(self) -> int:
        return self.first_single_order + self.single_buyers


FORCED = ForcedQuirks()
