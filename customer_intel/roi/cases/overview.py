"""Who the customers are: the descriptive tables the report shows beside the business cases (segment value,
product affinity, geography, cohort retention), taken from the marts as they are."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from customer_intel.roi.marts import CustomerTotals, Marts


@dataclass(frozen=True)
class Overview:
    """The segments' value, affinity and geography, the cohorts, and the totals over every purchaser."""

    totals: CustomerTotals
    segments: pd.DataFrame  # the clv mart: one row per RFM segment
    affinity: pd.DataFrame  # segment_product_affinity
    geography: pd.DataFrame  # segment_geography
    cohort_retention: pd.DataFrame

    @property
    def segment_order(self) -> list[str]:
        """Segments from most to least valuable (the row order of every segment chart)."""
        return self.segments.sort_values("revenue_share", ascending=False)["rfm_segment"].tolist()


def compute(marts: Marts) -> Overview:
    return Overview(totals=marts.totals, segments=marts.clv, affinity=marts.segment_product_affinity,
                    geography=marts.segment_geography, cohort_retention=marts.cohort_retention)
