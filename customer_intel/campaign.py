"""A campaign as an experiment: who is in the treatment and who in the control group, and for how long a purchase
counts.

Shared by roi.py (which designs the campaign and writes ``campaign_contacts.csv``), the generator (which plants a
campaign with a known effect) and, through the dbt var ``campaign_window_months``, the readout marts.

Assignment is deterministic: a person's group is a function of the campaign id and their customer_unique_id only
(the first 8 bytes of sha256("<campaign_id>:<customer_unique_id>") as a fraction of 2**64, control below the control
share), so every rerun and every engine gets the same groups, and adding or removing one person never moves another.
The control share is met in expectation, not exactly.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np

from customer_intel.profile import project_var

TREATMENT, CONTROL = "treatment", "control"
GROUPS = (TREATMENT, CONTROL)
WINDOW_VAR = "campaign_window_months"  # dbt var: months after contacted_at in which a purchase counts


def assignment_fraction(campaign_id: str, customer_unique_id: str) -> float:
    """The person's fixed point in [0, 1) for this campaign."""
    digest = hashlib.sha256(f"{campaign_id}:{customer_unique_id}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2.0 ** 64


def assign_groups(campaign_id: str, customer_unique_ids: Iterable[str], control_share: float) -> np.ndarray:
    """``control`` or ``treatment`` per person: control when the assignment fraction is below ``control_share``."""
    if not 0 <= control_share < 1:
        raise ValueError("control_share must be in [0, 1)")
    fractions = np.array([assignment_fraction(campaign_id, str(person)) for person in customer_unique_ids],
                         dtype=float)
    return np.where(fractions < control_share, CONTROL, TREATMENT)


def window_months() -> int:
    """The campaign window in months: dbt var ``campaign_window_months`` in dbt_project.yml, the one source the
    readout marts and roi.py share."""
    return int(project_var(WINDOW_VAR))
