"""The items of each order: how many, which products and sellers, shipping limits, prices and freight."""
from __future__ import annotations

import numpy as np

from customer_intel.generate.catalogue import PRODUCTS_PER_SELLER_GROUP, Catalogue
from customer_intel.generate.forced_quirks import FORCED
from customer_intel.generate.order_chunk import CANCELED, CREATED, NOT_DEFINED, UNAVAILABLE, OrderChunk
from customer_intel.generate.purchase_calendar import DAY_SECONDS, epoch_seconds
from customer_intel.generate.sampling import cdf, expand, pick

NO_ITEMS_PROBABILITY = {UNAVAILABLE: 1.0, CREATED: 0.8, CANCELED: 0.26}
#: Items per order (orders with items), real counts.
ITEMS_PER_ORDER_WEIGHTS = {
    1: 88_863, 2: 7_516, 3: 1_322, 4: 505, 5: 204, 6: 198, 7: 22, 8: 8, 9: 3, 10: 8, 11: 4, 12: 5, 13: 1,
    14: 2, 15: 2, 20: 2, 21: 1,
}
DISTINCT_PRODUCTS_SHARE = 0.30     # multi-item orders with several products (the rest repeat one product)
SAME_SELLER_SHARE = 0.57           # of those, all products from one seller
FREIGHT_MEDIAN = 16.3
FREIGHT_WEIGHT_LOADING = 0.35
FREIGHT_NOISE_SIGMA = 0.45
ZERO_FREIGHT_PROBABILITY = 0.003
SHIPPING_LIMIT_MEDIAN_DAYS = 6.0
SHIPPING_LIMIT_OUTLIER_PROBABILITY = 1e-4
SHIPPING_LIMIT_OUTLIER_WINDOW = (np.datetime64("2020-02-01", "s"), np.datetime64("2020-04-09T22:35:08", "s"))
ITEMS_CDF = cdf(list(ITEMS_PER_ORDER_WEIGHTS.values()))
ITEMS_VALUES = np.array(list(ITEMS_PER_ORDER_WEIGHTS))


def draw_items(rng: np.random.Generator, orders: OrderChunk, catalogue: Catalogue, forced: bool
               ) -> dict[str, np.ndarray]:
    """Items of every order of the chunk (one row each): order position, item id, product, seller, values."""
    n = orders.size
    no_items_probability = np.zeros(n)
    for status, probability in NO_ITEMS_PROBABILITY.items():
        no_items_probability[orders.status == status] = probability
    count = ITEMS_VALUES[pick(ITEMS_CDF, rng.random(n))]
    count[rng.random(n) < no_items_probability] = 0
    count[orders.main_payment_type == NOT_DEFINED] = 0
    distinct = rng.random(n) < DISTINCT_PRODUCTS_SHARE
    same_seller = rng.random(n) < SAME_SELLER_SHARE
    if forced:
        count[:FORCED.forced_orders] = np.maximum(count[:FORCED.forced_orders], 1)
        for position in (FORCED.unavailable_no_items, FORCED.created_without_approval,
                         FORCED.not_defined_payment):
            count[position] = 0
        count[FORCED.split_payment] = 1
        count[FORCED.several_sellers] = 3
        distinct[FORCED.several_sellers], same_seller[FORCED.several_sellers] = True, False

    order, item_position = expand(count)
    first_product = catalogue.draw_products(rng.random(n), rng.random(n))
    other_product = catalogue.draw_products(rng.random(order.size), rng.random(order.size))
    if forced:   # products anchoring sellers 0, 1 and 2: three products, three sellers
        rows = np.flatnonzero(order == FORCED.several_sellers)
        other_product[rows] = np.arange(3) * catalogue.groups_per_anchor * PRODUCTS_PER_SELLER_GROUP
    sibling = catalogue.sibling_products(first_product[order], item_position)
    product = np.where(item_position == 0, first_product[order],
                       np.where(~distinct[order], first_product[order],
                                np.where(same_seller[order], sibling, other_product)))
    if forced:
        product[rows] = other_product[rows]

    shipping_limit = orders.purchase + np.rint(
        SHIPPING_LIMIT_MEDIAN_DAYS * DAY_SECONDS * np.exp(0.25 * rng.standard_normal(n))).astype(np.int64)
    outlier = rng.random(n) < SHIPPING_LIMIT_OUTLIER_PROBABILITY
    if forced:
        outlier[FORCED.shipping_limit_outlier] = True
    low, high = (int(t.astype(np.int64)) for t in SHIPPING_LIMIT_OUTLIER_WINDOW)
    shipping_limit = np.where(outlier, rng.integers(low, high + 1, n), shipping_limit)
    if forced:
        shipping_limit[FORCED.shipping_limit_outlier] = epoch_seconds(np.datetime64(FORCED.shipping_limit_time))

    freight_z = (FREIGHT_WEIGHT_LOADING * catalogue.weight_normal(product)
                 + FREIGHT_NOISE_SIGMA * rng.standard_normal(order.size))
    freight_cents = np.rint(FREIGHT_MEDIAN * 100 * np.exp(freight_z)).astype(np.int64)
    freight_cents[rng.random(order.size) < ZERO_FREIGHT_PROBABILITY] = 0
    return {
        "order": order, "item_id": item_position + 1, "product": product,
        "seller": catalogue.seller_of(product), "shipping_limit": shipping_limit[order],
        "price_cents": catalogue.price_cents(product), "freight_cents": freight_cents,
    }
