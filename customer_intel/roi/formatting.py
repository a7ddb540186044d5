"""How numbers are printed in charts, readings and the report: money as R$, rates as percent."""
from __future__ import annotations

import math


def brl(amount: float | None, decimals: int = 2) -> str:
    """Brazilian reais with thousands separators: ``R$ 66,764.25``, ``-R$ 1,200.00``; ``n/a`` when undefined."""
    if amount is None or not math.isfinite(amount):
        return "n/a"
    sign = "-" if amount < 0 else ""
    return f"{sign}R$ {abs(amount):,.{decimals}f}"


def percent(rate: float | None, max_decimals: int = 2, trim: bool = True) -> str:
    """A fraction printed as percent: 0.05 → ``5%``, 0.0048 → ``0.48%``.

    ``trim`` drops trailing zeros (``5%``); without it every value has ``max_decimals`` decimals (table columns).
    """
    if rate is None or not math.isfinite(rate):
        return "n/a"
    text = f"{rate * 100:.{max_decimals}f}"
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


def count(value: float, decimals: int = 0) -> str:
    """A head count with thousands separators (fractions kept when asked: expected values are not whole)."""
    return f"{value:,.{decimals}f}"
