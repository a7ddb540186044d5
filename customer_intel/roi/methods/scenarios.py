"""The headline scenario of a scenario table: the one the key figures, the contact list and the readings quote."""
from __future__ import annotations

import pandas as pd


def headline_row(scenarios: pd.DataFrame) -> pd.Series:
    """The middle scenario of a sorted scenario table."""
    return scenarios.iloc[(len(scenarios) - 1) // 2]
