"""The charts' house style: the Chart record, colours, the plotly template and short money labels."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from customer_intel.roi.formatting import brl

TEMPLATE = "plotly_white"
POSITIVE, NEGATIVE, NEUTRAL = "#1b7f5b", "#c0392b", "#4c6ef5"
DIVERGING = "RdYlGn"
SEQUENTIAL = "Blues"
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}


@dataclass(frozen=True)
class Chart:
    """A figure, the file stem it is saved under, and its reading."""

    name: str
    title: str
    figure: go.Figure
    reading: str


def styled(figure: go.Figure, title: str, height: int = 440) -> go.Figure:
    """The house style: white template, title top-left, fixed height."""
    figure.update_layout(
        template=TEMPLATE, title={"text": title, "x": 0.01}, height=height,
        margin={"l": 70, "r": 30, "t": 60, "b": 60}, font={"family": "Helvetica, Arial, sans-serif", "size": 13},
    )
    return figure


def compact_brl(amount: float) -> str:
    """Short money labels for heatmap cells: R$ 1.2k, -R$ 3.4M."""
    magnitude = abs(amount)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if magnitude >= limit:
            return f"{'-' if amount < 0 else ''}R$ {magnitude / limit:.1f}{suffix}"
    return brl(amount, 0)


def bar_colours(values: pd.Series) -> list[str]:
    """Green for gains, red for losses."""
    return [POSITIVE if value >= 0 else NEGATIVE for value in values]
