"""The report's note on the segment method: how the segments are made, and what the original project's segments
(the ones its published table and its win-back campaign used) really meant. Plain text, one string per paragraph;
the report escapes it. Its only figures are computed from the run's own data (``method_note``); the comparison of
both RFM schemes on generated data lives in the rfm_segments docs (models/marts/marketing/_marketing__docs.md),
labelled with the data it was measured on."""
from __future__ import annotations

from customer_intel.roi.cases import Results
from customer_intel.roi.formatting import count

METHOD_NOTE_TITLE = "About the segments"

METHOD_NOTE: tuple[str, ...] = (
    "Segments come from each customer's recency, frequency and value scored 1 to 4 (the rfm_segments mart). By "
    "default people with the same behaviour get the same score, recent customers score high on recency, and the "
    "frequency score is the number of purchases (1, 2, 3, 4 or more), because about 97% of customers buy once. "
    "At Risk are customers who have not bought for a while and showed value: a second purchase, or a basket in "
    "the top quarter.",

    "The original analysis this project replaces labelled its segments differently from what its SQL computed. "
    "First, its recency score was inverted: the most recent quarter of customers scored 1, not 4, so its "
    "\"Champions\" were its least recent high scorers, its \"At Risk\" its most recent ones and its "
    "\"Hibernating\" its newest customers. Second, since almost everyone has one purchase, the ties in its "
    "frequency score were ordered by value: for one-time buyers a high frequency score meant \"spent more\", not "
    "\"buys often\". That is why its At Risk and Champions held about 80% of the revenue (R$ 265 per person "
    "against R$ 65 in the other segments).",

    "What this changes: its win-back campaign would have contacted its most recent big spenders, who had not "
    "lapsed. Its story that At Risk are dormant Champions does not hold either: its At Risk were the recent "
    "customers and its Champions the dormant ones, and neither group was made of repeat buyers. The scheme "
    "rfm_scheme: reference rebuilds its segments exactly, for comparison (the rfm_segments docs compare both "
    "schemes on generated data).",
)


def method_note(results: Results) -> tuple[str, ...]:
    """The note's paragraphs, the last one ending with this run's win-back targets and how long ago they bought."""
    targets = results.win_back.targets
    return METHOD_NOTE + (
        f"Here the win-back targets ({', '.join(targets.by_segment['rfm_segment'])}: {count(targets.people)} "
        f"people) last bought on average {targets.avg_days_since_last_purchase:,.0f} days before the as-of date.",
    )
