"""How segments move: the latest period's migration and the measured organic return rate (no I/O).

The organic return rate of a segment over ``h`` months is read from ``segment_reactivation_pooled``: of the people
in the segment at a monthly snapshot, the share who purchased again within the next ``h`` months, pooled over every
snapshot whose ``h`` months are fully observed (Σ returned / Σ people). It is what the segment does with no
campaign. For several segments together (the win-back targets) the rate is pooled the same way, Σ returned /
Σ people across them, so each segment weighs by its people, never an average of rates.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from customer_intel.roi.errors import RoiError
from customer_intel.roi.marts import MART_COLUMNS

ORGANIC_COLUMNS = MART_COLUMNS["segment_reactivation_pooled"]


@dataclass(frozen=True)
class SegmentMoves:
    """What the report shows of how segments move: the latest period's moves and the organic return rates."""

    latest_period: pd.DataFrame  # segment_transitions rows of the latest to_snapshot_date
    migration: pd.DataFrame  # people, from segment (rows) × to segment (columns), latest period
    organic_rates: pd.DataFrame  # organic_table: segment × horizon pooled return rates, in segment order
    segment_rates: dict[str, float]  # each segment's own rate over the win-back campaign window


@dataclass(frozen=True)
class OrganicRate:
    """The pooled organic return rate of a group of segments over one window."""

    window_months: int
    segments: tuple[str, ...]
    people: int
    returned: int
    rate: float


def horizons(pooled: pd.DataFrame) -> list[int]:
    """The return horizons (months) the mart measures, ascending."""
    return sorted(int(h) for h in pooled["horizon_months"].unique())


def check_window(pooled: pd.DataFrame, window_months: int) -> None:
    """The campaign window must be a horizon the mart measures; otherwise a one-line error naming them."""
    available = horizons(pooled)
    if window_months not in available:
        shown = ", ".join(str(h) for h in available) or "none (no snapshot has a fully observed horizon yet)"
        raise RoiError(
            f"dbt var campaign_window_months is {window_months}, but segment_reactivation_pooled measures return "
            f"horizons {shown} (months); choose one of them or change the dbt var reactivation_horizons_months"
        )


def organic_rate(pooled: pd.DataFrame, segments, window_months: int) -> OrganicRate:
    """Σ returned / Σ people of ``segments`` at horizon ``window_months``."""
    check_window(pooled, window_months)
    names = tuple(sorted(set(segments)))
    rows = pooled.loc[(pooled["horizon_months"] == window_months) & pooled["rfm_segment"].isin(names)]
    people, returned = int(rows["people"].sum()), int(rows["returned"].sum())
    if people == 0:
        raise RoiError(
            f"marts: segment_reactivation_pooled has no people of {', '.join(names)} at horizon {window_months} "
            f"months: the organic return rate cannot be measured (is the segment history long enough?)"
        )
    return OrganicRate(window_months=window_months, segments=names, people=people, returned=returned,
                       rate=returned / people)


def segment_rates(pooled: pd.DataFrame, window_months: int) -> dict[str, float]:
    """Each segment's own organic return rate at horizon ``window_months`` (what the contact list subtracts)."""
    check_window(pooled, window_months)
    rows = pooled.loc[pooled["horizon_months"] == window_months]
    return {row.rfm_segment: float(row.returned) / row.people for row in rows.itertuples() if row.people > 0}


def organic_table(pooled: pd.DataFrame) -> pd.DataFrame:
    """Segment × horizon pooled return rates in segment order (the ``organic_return_rates.csv`` table)."""
    table = pooled.sort_values(["segment_order", "rfm_segment", "horizon_months"], ignore_index=True)
    return table[list(ORGANIC_COLUMNS)].assign(
        first_snapshot_date=pd.to_datetime(table["first_snapshot_date"]).dt.date,
        last_snapshot_date=pd.to_datetime(table["last_snapshot_date"]).dt.date,
    )


def latest_period(transitions: pd.DataFrame) -> pd.DataFrame:
    """The moves between the last two snapshots (rows of the latest ``to_snapshot_date``)."""
    if transitions.empty:
        return transitions
    latest = transitions["to_snapshot_date"].max()
    return transitions.loc[transitions["to_snapshot_date"] == latest].reset_index(drop=True)


def compute(transitions: pd.DataFrame, pooled: pd.DataFrame, window_months: int) -> SegmentMoves:
    """The latest period's moves and the organic return rates of every segment."""
    return SegmentMoves(latest_period=latest_period(transitions), migration=migration_matrix(transitions),
                        organic_rates=organic_table(pooled), segment_rates=segment_rates(pooled, window_months))


def migration_matrix(transitions: pd.DataFrame) -> pd.DataFrame:
    """People of the latest period, from segment (rows, 'New' first) × to segment (columns), in segment order."""
    period = latest_period(transitions)
    matrix = period.pivot_table(index="from_segment", columns="to_segment", values="people", aggfunc="sum",
                                fill_value=0)
    from_order = period.groupby("from_segment")["from_segment_order"].min().sort_values(kind="stable")
    to_order = period.groupby("to_segment")["to_segment_order"].min().sort_values(kind="stable")
    return matrix.reindex(index=from_order.index, columns=to_order.index, fill_value=0)
