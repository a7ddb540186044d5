"""One chunk of orders as per-order arrays, and the codes of order statuses and payment types."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STATUSES = ("delivered", "shipped", "canceled", "unavailable", "invoiced", "processing", "created", "approved")
DELIVERED, SHIPPED, CANCELED, UNAVAILABLE, INVOICED, PROCESSING, CREATED, APPROVED = range(len(STATUSES))
PAYMENT_TYPES = ("credit_card", "boleto", "voucher", "debit_card", "not_defined")
CREDIT_CARD, BOLETO, VOUCHER, DEBIT_CARD, NOT_DEFINED = range(len(PAYMENT_TYPES))


@dataclass
class OrderChunk:
    """Per-order arrays of one chunk (positions 0..n-1; global index = first_order + position)."""
    first_order: int
    person: np.ndarray            # global person index
    position_in_person: np.ndarray
    purchase: np.ndarray          # epoch seconds
    zip_row: np.ndarray           # row of the zip universe
    status: np.ndarray | None = None
    approved: np.ndarray | None = None
    carrier: np.ndarray | None = None
    delivered: np.ndarray | None = None
    estimated: np.ndarray | None = None
    has_approved: np.ndarray | None = None
    has_carrier: np.ndarray | None = None
    has_delivered: np.ndarray | None = None
    main_payment_type: np.ndarray | None = None
    payment_rows: np.ndarray | None = None
    first_estimate_z: np.ndarray | None = None     # the person's first-order delivery draws (orders.draw_orders)
    first_delivery_z: np.ndarray | None = None

    @property
    def size(self) -> int:
        return int(self.purchase.size)

    @property
    def global_index(self) -> np.ndarray:
        return self.first_order + np.arange(self.size)
