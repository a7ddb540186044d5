"""Small pieces the report's sections share: a formatted table, a value that may be missing, text helpers."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from customer_intel.profile import PROJECT_ROOT


@dataclass(frozen=True)
class Table:
    """An HTML table's header and already formatted rows."""

    header: list[str]
    rows: list[list[str]]
    text_columns: int = 1  # the first columns are left-aligned text, the rest numbers

    @property
    def classes(self) -> list[str]:
        """CSS class per column: ``text`` for left-aligned columns."""
        return ["text" if index < self.text_columns else "" for index in range(len(self.header))]


def optional(value, show) -> str:
    """A value that may be missing (no model for it): shown, or a dash."""
    return "—" if value is None or pd.isna(value) else show(value)


def display_path(path: str) -> str:
    """A path inside the project as the user typed it (relative); others unchanged."""
    try:
        return str(Path(path).resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return path


def capitalise(text: str) -> str:
    """First letter upper-case, the rest unchanged."""
    return text[:1].upper() + text[1:]
