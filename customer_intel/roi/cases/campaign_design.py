"""A campaign designed as an experiment: treatment and control groups, and the power to see its effect.

The win-back targets are split by ``customer_intel.campaign.assign_groups`` (a hash of the campaign id and the
person, the control share from ``experiment.control_share``): only the treatment group is contacted, and the
projected net profit counts its contacts only. The control group measures what the treatment group would have done
without the campaign (the readout: dbt marts ``campaign_results`` and ``campaign_lift``).

Power (a two-sided two-proportion z-test at significance ``ALPHA``, power ``POWER``, the control group's rate
``p0`` = the targets' measured organic return rate over the campaign window): the smallest lift d that the test
detects with that power solves

    d = z(1 - ALPHA / 2) sqrt(pbar (1 - pbar) (1/n_t + 1/n_c)) + z(POWER) sqrt(p0 (1 - p0) / n_c + p1 (1 - p1) / n_t)

with p1 = p0 + d and pbar = (n_t p1 + n_c p0) / (n_t + n_c) (the normal approximation without continuity
correction). ``control_share_for`` inverts it: the smallest control share at which the lift needed to break even is
detectable (None when even an even split cannot see it).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.stats import norm

from customer_intel.campaign import CONTROL, TREATMENT, assign_groups

ALPHA = 0.05
POWER = 0.80
CONTACT_COLUMNS = ("campaign_id", "customer_unique_id", "group", "contacted_at")


@dataclass(frozen=True)
class CampaignDesign:
    """The groups of one campaign and what its control group can detect."""

    campaign_id: str
    control_share: float
    contacts: pd.DataFrame  # CONTACT_COLUMNS, one row per target
    treatment_people: int
    control_people: int
    control_rate: float  # the targets' organic return rate over the window: the control group's expected rate
    minimum_detectable_lift: float | None  # None: not detectable at any lift (no control, or too few people)
    break_even_lift: float | None  # the lift over the organic rate at which the campaign breaks even
    control_share_for_break_even: float | None  # None: no split of these targets detects the break-even lift


def minimum_detectable_lift(treatment: int, control: int, p0: float, alpha: float = ALPHA,
                            power: float = POWER) -> float | None:
    """The smallest lift (a fraction) over the control rate ``p0`` that the test detects with ``power``."""
    if treatment < 1 or control < 1:
        return None
    z_alpha, z_power = norm.ppf(1 - alpha / 2), norm.ppf(power)

    def gap(lift: float) -> float:
        p1 = p0 + lift
        pooled = (treatment * p1 + control * p0) / (treatment + control)
        needed = (z_alpha * np.sqrt(pooled * (1 - pooled) * (1 / treatment + 1 / control))
                  + z_power * np.sqrt(p0 * (1 - p0) / control + p1 * (1 - p1) / treatment))
        return lift - needed

    high = 1.0 - p0
    if high <= 0 or gap(high) < 0:
        return None
    return float(brentq(gap, 1e-12, high, xtol=1e-12))


def control_share_for(people: int, p0: float, lift: float | None, alpha: float = ALPHA,
                      power: float = POWER) -> float | None:
    """The smallest control share of ``people`` at which ``lift`` is detectable; None when even half is not
    enough (or there is no lift to detect)."""
    if lift is None or lift <= 0 or people < 2:
        return None

    def gap(share: float) -> float:
        control = share * people
        detectable = minimum_detectable_lift(people - control, control, p0, alpha, power)
        return (detectable if detectable is not None else np.inf) - lift

    low, high = 1.0 / people, 0.5
    if gap(high) > 0:
        return None
    if gap(low) <= 0:
        return low
    return float(brentq(gap, low, high, xtol=1e-6))


def campaign_id(as_of: dt.date) -> str:
    """The win-back campaign of an as-of date: ``win_back_YYYYMMDD``."""
    return f"win_back_{as_of:%Y%m%d}"


def split(targets: pd.DataFrame, as_of: dt.date, control_share: float) -> pd.DataFrame:
    """The contact list as sent (CONTACT_COLUMNS), one row per target sorted by customer_unique_id; contacted_at =
    the as-of date at midnight, as text in the loader's timestamp format (the user puts the real send time there)."""
    ids = np.sort(targets["customer_unique_id"].astype(str).unique())
    name = campaign_id(as_of)
    return pd.DataFrame({"campaign_id": name, "customer_unique_id": ids,
                         "group": assign_groups(name, ids, control_share),
                         "contacted_at": f"{as_of:%Y-%m-%d} 00:00:00"})


def design(contacts: pd.DataFrame, control_share: float, organic_rate: float,
           break_even_success_rate: float | None) -> CampaignDesign:
    """The power of the campaign whose contact list is ``contacts`` (``split``)."""
    treatment = int((contacts["group"] == TREATMENT).sum())
    control = int((contacts["group"] == CONTROL).sum())
    break_even_lift = None if break_even_success_rate is None else break_even_success_rate - organic_rate
    return CampaignDesign(
        campaign_id=str(contacts["campaign_id"].iloc[0]),
        control_share=control_share, contacts=contacts, treatment_people=treatment, control_people=control,
        control_rate=organic_rate, minimum_detectable_lift=minimum_detectable_lift(treatment, control, organic_rate),
        break_even_lift=break_even_lift,
        control_share_for_break_even=control_share_for(treatment + control, organic_rate, break_even_lift))
