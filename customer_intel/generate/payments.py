"""Payments of each order: rows, types, installments, values that sum to the items."""
from __future__ import annotations

import numpy as np

from customer_intel.generate.forced_quirks import FORCED
from customer_intel.generate.order_chunk import CANCELED, CREDIT_CARD, NOT_DEFINED, VOUCHER, OrderChunk
from customer_intel.generate.sampling import cdf, expand, pick

#: Type of a single-row payment; with the voucher-heavy split payments this gives the real row mix.
SINGLE_PAYMENT_TYPE_WEIGHTS = (0.774, 0.205, 0.005, 0.016, 0.0)
SPLIT_MAIN_CREDIT_SHARE = 0.70     # split payments: first row credit card, else voucher; other rows vouchers
PAYMENT_ROWS_WEIGHTS = {1: 96_479, 2: 2_382, 3: 301, **{k: 84 * 0.7 ** (k - 4) for k in range(4, 30)}}
#: Installments of credit-card rows (real counts, the 1s reduced by the non-card rows that always have 1).
CARD_INSTALLMENT_WEIGHTS = {
    1: 25_430, 2: 12_413, 3: 10_461, 4: 7_098, 5: 5_239, 6: 3_920, 7: 1_626, 8: 4_268, 9: 644, 10: 5_328,
    11: 23, 12: 133, 13: 16, 14: 15, 15: 74, 16: 5, 17: 8, 18: 27, 20: 17, 21: 3, 22: 1, 23: 1, 24: 18,
}
ZERO_INSTALLMENTS_PROBABILITY = 2e-5
ZERO_VOUCHER_PROBABILITY = 0.0015   # of voucher rows in split payments
NOT_DEFINED_PROBABILITY = 0.01     # of canceled orders without items
INTEREST_MISMATCH_PROBABILITY = 0.012  # card orders in installments paying a bit more than the items
NO_ITEMS_PAYMENT_MEDIAN = 100.0
PAYMENT_ROWS_CDF = cdf(list(PAYMENT_ROWS_WEIGHTS.values()))
PAYMENT_ROWS_VALUES = np.array(list(PAYMENT_ROWS_WEIGHTS))
INSTALLMENTS_CDF = cdf(list(CARD_INSTALLMENT_WEIGHTS.values()))
INSTALLMENTS_VALUES = np.array(list(CARD_INSTALLMENT_WEIGHTS))


def draw_payment_plan(rng: np.random.Generator, orders: OrderChunk, forced: bool) -> None:
    """How many payment rows each order has and the type of its first row (needed for approval delays)."""
    rows = PAYMENT_ROWS_VALUES[pick(PAYMENT_ROWS_CDF, rng.random(orders.size))]
    single_type = pick(cdf(SINGLE_PAYMENT_TYPE_WEIGHTS), rng.random(orders.size))
    split_type = np.where(rng.random(orders.size) < SPLIT_MAIN_CREDIT_SHARE, CREDIT_CARD, VOUCHER)
    main_type = np.where(rows == 1, single_type, split_type)
    not_defined = (orders.status == CANCELED) & (rng.random(orders.size) < NOT_DEFINED_PROBABILITY)
    if forced:
        rows[:FORCED.forced_orders] = 1
        main_type[:FORCED.forced_orders] = CREDIT_CARD
        not_defined[:FORCED.forced_orders] = False
        not_defined[FORCED.not_defined_payment] = True
        rows[FORCED.split_payment] = 3
        rows[FORCED.zero_payment_value] = 2
        rows[FORCED.without_payment] = 0
    rows[not_defined] = 1
    main_type[not_defined] = NOT_DEFINED
    orders.payment_rows, orders.main_payment_type = rows, main_type


def draw_payments(rng: np.random.Generator, orders: OrderChunk, items: dict[str, np.ndarray],
                  forced: bool, exact: bool = False) -> dict[str, np.ndarray]:
    """Payment rows; ``exact``: no order pays more than its items (the interest mismatch is drawn, then dropped,
    so the draws are those of ``exact=False``)."""
    n = orders.size
    item_total = np.bincount(items["order"], weights=items["price_cents"] + items["freight_cents"],
                             minlength=n).astype(np.int64)
    has_items = np.bincount(items["order"], minlength=n) > 0
    unpaid_total = np.rint(NO_ITEMS_PAYMENT_MEDIAN * 100 * np.exp(0.8 * rng.standard_normal(n)))
    total = np.where(has_items, item_total, unpaid_total.astype(np.int64))
    main_type = orders.main_payment_type
    installments_first = INSTALLMENTS_VALUES[pick(INSTALLMENTS_CDF, rng.random(n))]
    mismatch = ((main_type == CREDIT_CARD) & (installments_first > 1)
                & (rng.random(n) < INTEREST_MISMATCH_PROBABILITY))
    if forced:
        mismatch[:FORCED.forced_orders] = False
    if exact:
        mismatch[:] = False
    total = np.where(mismatch, np.rint(total * rng.uniform(1.01, 1.08, n)).astype(np.int64), total)
    total[main_type == NOT_DEFINED] = 0

    order, sequence = expand(orders.payment_rows)
    payment_type = np.where(sequence == 0, main_type[order], VOUCHER)
    share = rng.random(order.size) + 0.2
    share[sequence == 0] += orders.payment_rows[order][sequence == 0]   # the main payment carries most
    zero_voucher = (sequence > 0) & (rng.random(order.size) < ZERO_VOUCHER_PROBABILITY)
    if forced:
        zero_voucher[order == FORCED.split_payment] = False
        zero_voucher[(order == FORCED.zero_payment_value) & (sequence == 1)] = True
    share[zero_voucher] = 0.0
    share_total = np.bincount(order, weights=share, minlength=n)
    cents = np.floor(total[order] * share / share_total[order]).astype(np.int64)
    remainder = total - np.bincount(order, weights=cents, minlength=n).astype(np.int64)
    cents[sequence == 0] += remainder[order[sequence == 0]]

    is_card = payment_type == CREDIT_CARD
    installments = np.where(is_card & (sequence == 0), installments_first[order], 1)
    installments = np.where(is_card & (sequence > 0),
                            INSTALLMENTS_VALUES[pick(INSTALLMENTS_CDF, rng.random(order.size))],
                            installments)
    installments[is_card & (rng.random(order.size) < ZERO_INSTALLMENTS_PROBABILITY)] = 0
    if forced:
        installments[(order == FORCED.zero_installments) & (sequence == 0)] = 0
    return {"order": order, "sequential": sequence + 1, "type": payment_type,
            "installments": installments, "value_cents": cents}
