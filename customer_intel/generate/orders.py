"""People and their orders: purchase times, repeat buying, moves, statuses and lifecycle timestamps."""
from __future__ import annotations

import numpy as np

from customer_intel.generate.forced_quirks import FORCED
from customer_intel.generate.geography import ZipUniverse
from customer_intel.generate.order_chunk import BOLETO, CANCELED, CREATED, DELIVERED, SHIPPED, UNAVAILABLE, OrderChunk
from customer_intel.generate.purchase_calendar import (
    CANCELED_FROM_DAY,
    DAY_SECONDS,
    HOUR_SECONDS,
    LAST_EVENT,
    REPEAT_CUTOFF,
    PurchaseCalendar,
    epoch_seconds,
)
from customer_intel.generate.sampling import cdf, expand, pick

REPEAT_PROBABILITY = 0.035
EXTRA_ORDERS_ZIPF_EXPONENT = 3.6
MAX_EXTRA_ORDERS = 24
SAME_SESSION_SHARE = 0.40          # repeat orders placed within hours of the previous one
SAME_SESSION_MEAN_SECONDS = 2 * HOUR_SECONDS
SOON_SHARE = 0.15                  # repeat orders 1-10 days later
LATER_MEDIAN_DAYS = 80.0           # the rest: lognormal gap
LATER_SIGMA = 1.0
MOVER_SHARE = 0.08                 # repeaters whose later orders have another address
#: A person whose first delivery is late (delivered date after the estimated date) never buys again on a later day
#: with this probability (orders of the first purchase day, placed before any delivery, stay): the planted effect of
#: a bad first experience on returning. Relative risk of coming back on another day, late vs on time:
#: 1 - 0.15 = 0.85 (the real data: 90-day repeat 2.04 % late vs 2.36 % on time).
LATE_FIRST_DELIVERY_LOSS = 0.15

STATUS_WEIGHTS = (96_478, 1_107, 625, 609, 314, 301, 5, 2)
MISSING_APPROVAL_PROBABILITY = {CANCELED: 0.22, DELIVERED: 1.5e-4}
CARRIER_PROBABILITY_CANCELED = 0.12
DELIVERY_PROBABILITY_CANCELED = 0.01
MISSING_DELIVERY_PROBABILITY_DELIVERED = 8e-5
MISSING_CARRIER_PROBABILITY_DELIVERED = 2e-5

FAST_APPROVAL_MEDIAN_SECONDS = 0.2 * HOUR_SECONDS
SLOW_APPROVAL_MEDIAN_SECONDS = 26 * HOUR_SECONDS
SLOW_APPROVAL_SHARE_NON_BOLETO = 0.10
CARRIER_MEDIAN_DAYS = 1.8
DELIVERY_MEDIAN_DAYS = 10.0
DELIVERY_SIGMA = 0.7
ESTIMATE_MEDIAN_DAYS = 23.0
ESTIMATE_SIGMA = 0.3
DELIVERY_ESTIMATE_CORRELATION = 0.6


def delivery_and_estimate(purchase: np.ndarray, estimate_z: np.ndarray,
                          delivery_z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Delivery time (before the carrier and data-end limits) and estimated delivery date (midnight) of orders
    purchased at ``purchase``, from two standard normal draws; delivery correlates with the estimate."""
    correlated_z = (DELIVERY_ESTIMATE_CORRELATION * estimate_z
                    + np.sqrt(1 - DELIVERY_ESTIMATE_CORRELATION ** 2) * delivery_z)
    delivered = purchase + np.rint(
        DELIVERY_MEDIAN_DAYS * DAY_SECONDS * np.exp(DELIVERY_SIGMA * correlated_z)).astype(np.int64)
    estimate_days = np.maximum(np.rint(ESTIMATE_MEDIAN_DAYS * np.exp(ESTIMATE_SIGMA * estimate_z)), 2)
    estimated = purchase - purchase % DAY_SECONDS + estimate_days.astype(np.int64) * DAY_SECONDS
    return delivered, estimated


class OrderGenerator:
    """Draws people and their orders (times, addresses, statuses, lifecycle), one chunk at a time.

    Items, payments and reviews hang off these orders: ``items.draw_items``, ``payments.draw_payments``,
    ``reviews.draw_reviews``, called in that order on the chunk's random generator (see ``writers``).
    """

    def __init__(self, seed: int, n_orders: int, universe: ZipUniverse) -> None:
        self.seed = seed
        self.n_orders = n_orders
        self.universe = universe
        self.calendar = PurchaseCalendar()
        self.repeat_cutoff = epoch_seconds(REPEAT_CUTOFF)
        self.canceled_from = epoch_seconds(CANCELED_FROM_DAY)
        self.status_cdf = cdf(STATUS_WEIGHTS)

    # --- people and order times ---------------------------------------------------------------------------------
    def draw_orders(self, rng: np.random.Generator, first_person: int, first_order: int, n_people: int,
                    forced: bool) -> OrderChunk:
        first_purchase = self.calendar.draw(rng, n_people)
        is_repeater = rng.random(n_people) < REPEAT_PROBABILITY
        extra = np.minimum(rng.zipf(EXTRA_ORDERS_ZIPF_EXPONENT, n_people), MAX_EXTRA_ORDERS) * is_repeater
        # The first order's delivery is drawn here, with the people, so that a late one can cost the later orders.
        first_estimate_z, first_delivery_z = rng.standard_normal((2, n_people))
        first_delivered, first_estimated = delivery_and_estimate(first_purchase, first_estimate_z, first_delivery_z)
        first_late = (first_delivered - first_estimated) // DAY_SECONDS >= 1
        lost = first_late & (rng.random(n_people) < LATE_FIRST_DELIVERY_LOSS)
        moves = is_repeater & (rng.random(n_people) < MOVER_SHARE)
        home_row = self.universe.draw_customer_rows(rng.random(n_people))
        new_home_row = self.universe.draw_customer_rows(rng.random(n_people))
        if forced:
            self._force_people(first_purchase, extra, moves, home_row, new_home_row)
            lost[:FORCED.single_buyers + 2] = False

        owner, position = expand(1 + extra)
        gaps = np.where(position > 0, self._draw_repeat_gaps(rng, owner.size), 0)
        elapsed = np.cumsum(gaps)
        starts = np.cumsum(1 + extra) - (1 + extra)
        purchase = first_purchase[owner] + elapsed - elapsed[starts][owner]
        if forced:
            self._force_purchase_times(purchase)
        keep = (position == 0) | ((purchase < self.repeat_cutoff) & self.calendar.is_open(purchase))
        keep &= ~(lost[owner] & (purchase // DAY_SECONDS > first_purchase[owner] // DAY_SECONDS))
        keep &= np.cumsum(keep) <= self.n_orders - first_order
        owner, position, purchase = owner[keep], position[keep], purchase[keep]
        zip_row = np.where(moves[owner] & (position > 0), new_home_row[owner], home_row[owner])
        chunk = OrderChunk(first_order, first_person + owner, position, purchase, zip_row)
        chunk.first_estimate_z, chunk.first_delivery_z = first_estimate_z[owner], first_delivery_z[owner]
        return chunk

    def _draw_repeat_gaps(self, rng: np.random.Generator, size: int) -> np.ndarray:
        kind = rng.random(size)
        same_session = rng.exponential(SAME_SESSION_MEAN_SECONDS, size)
        soon = rng.uniform(1, 10, size) * DAY_SECONDS
        later = LATER_MEDIAN_DAYS * DAY_SECONDS * np.exp(LATER_SIGMA * rng.standard_normal(size))
        gap = np.where(kind < SAME_SESSION_SHARE, same_session,
                       np.where(kind < SAME_SESSION_SHARE + SOON_SHARE, soon, later))
        return np.rint(gap).astype(np.int64) + 60

    def _force_people(self, first_purchase, extra, moves, home_row, new_home_row) -> None:
        first_purchase[0] = epoch_seconds(np.datetime64(FORCED.mover_first_purchase))
        extra[0], moves[0] = 2, True
        home_row[0] = self.universe.first_row_of_state("SP")
        new_home_row[0] = self.universe.first_row_of_state("RJ")
        extra[1], moves[1] = FORCED.heavy_buyer_orders - 1, False
        extra[2:FORCED.single_buyers + 2] = 0

    @staticmethod
    def _force_purchase_times(purchase: np.ndarray) -> None:
        purchase[1] = purchase[0] + 1_260                     # same session as order 0
        purchase[2] = purchase[0] + 45 * DAY_SECONDS + 7_321
        heavy_first = epoch_seconds(np.datetime64(FORCED.heavy_buyer_first_purchase))
        visits = np.arange(FORCED.heavy_buyer_orders)
        purchase[3:FORCED.first_single_order] = heavy_first + visits * (FORCED.heavy_buyer_gap_days * DAY_SECONDS
                                                                        + 3_671)
        purchase[FORCED.last_purchase] = epoch_seconds(np.datetime64(FORCED.last_purchase_time))

    # --- status and lifecycle -----------------------------------------------------------------------------------
    def draw_status(self, rng: np.random.Generator, orders: OrderChunk, forced: bool) -> None:
        status = pick(self.status_cdf, rng.random(orders.size))
        status[orders.purchase >= self.canceled_from] = CANCELED
        if forced:
            status[:FORCED.first_single_order] = DELIVERED
            status[FORCED.unavailable_no_items] = UNAVAILABLE
            status[FORCED.delivered_without_date] = DELIVERED
            status[FORCED.created_without_approval] = CREATED
            status[FORCED.not_defined_payment] = CANCELED
            status[FORCED.last_purchase] = CANCELED
            for position in (FORCED.split_payment, FORCED.zero_payment_value, FORCED.two_reviews,
                             FORCED.review_with_special_text, FORCED.several_sellers,
                             FORCED.shipping_limit_outlier, FORCED.zero_installments, FORCED.without_payment):
                status[position] = DELIVERED
        orders.status = status

    def draw_lifecycle(self, rng: np.random.Generator, orders: OrderChunk, forced: bool) -> None:
        n, status = orders.size, orders.status
        slow = (orders.main_payment_type == BOLETO) | (rng.random(n) < SLOW_APPROVAL_SHARE_NON_BOLETO)
        approval_delay = np.where(
            slow, SLOW_APPROVAL_MEDIAN_SECONDS * np.exp(0.5 * rng.standard_normal(n)),
            FAST_APPROVAL_MEDIAN_SECONDS * np.exp(1.0 * rng.standard_normal(n)))
        approved = orders.purchase + np.rint(approval_delay).astype(np.int64)
        carrier = approved + np.rint(
            CARRIER_MEDIAN_DAYS * DAY_SECONDS * np.exp(0.8 * rng.standard_normal(n))).astype(np.int64)
        estimate_z, delivery_z = rng.standard_normal(n), rng.standard_normal(n)
        if orders.first_estimate_z is not None:          # first orders: drawn with their people (draw_orders)
            first = orders.position_in_person == 0
            estimate_z = np.where(first, orders.first_estimate_z, estimate_z)
            delivery_z = np.where(first, orders.first_delivery_z, delivery_z)
        delivered, estimated = delivery_and_estimate(orders.purchase, estimate_z, delivery_z)
        delivered = np.maximum(delivered, carrier + rng.integers(3 * HOUR_SECONDS, 2 * DAY_SECONDS, n))
        delivered = np.minimum(delivered, int(LAST_EVENT.astype(np.int64)))

        u = rng.random((3, n))
        is_delivered, is_canceled = status == DELIVERED, status == CANCELED
        has_approved = status != CREATED
        has_approved &= ~(is_canceled & (u[0] < MISSING_APPROVAL_PROBABILITY[CANCELED]))
        has_approved &= ~(is_delivered & (u[0] < MISSING_APPROVAL_PROBABILITY[DELIVERED]))
        has_carrier = (is_delivered & (u[1] >= MISSING_CARRIER_PROBABILITY_DELIVERED)) | (status == SHIPPED)
        has_carrier |= is_canceled & (u[1] < CARRIER_PROBABILITY_CANCELED)
        has_delivered = is_delivered & (u[2] >= MISSING_DELIVERY_PROBABILITY_DELIVERED)
        has_delivered |= is_canceled & has_carrier & (u[2] < DELIVERY_PROBABILITY_CANCELED)
        if forced:
            has_delivered[FORCED.delivered_without_date] = False
            for position in range(FORCED.forced_orders):
                if position != FORCED.delivered_without_date and is_delivered[position]:
                    has_approved[position] = has_carrier[position] = has_delivered[position] = True
        orders.approved, orders.carrier, orders.delivered, orders.estimated = approved, carrier, delivered, estimated
        orders.has_approved, orders.has_carrier, orders.has_delivered = has_approved, has_carrier, has_delivered
