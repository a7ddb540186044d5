"""The business cases, computed from the marts and the assumptions: pure computation that returns results.

One module per case, each with its formulas and a function that assembles its result (``case`` / ``compute``):
``overview`` (the descriptive tables), ``segment_moves``, ``predicted_value`` (with ``backtest`` and
``predictive_profile``), ``win_back`` (with ``contact_list`` and ``campaign_design``: the control group and the
power), ``welcome_series``, ``campaign_readout`` (campaigns loaded back, beside the plan) and ``second_purchase`` (what
brings new customers back). ``compute`` runs them
all into one ``Results``, which is everything the presentation (``customer_intel.roi.presentation``) shows: it reads
results, never marts, and nothing here imports it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from customer_intel.roi.assumptions import Assumptions
from customer_intel.roi.cases import (campaign_readout, overview, predicted_value, second_purchase, segment_moves,
                                      welcome_series, win_back)
from customer_intel.roi.methods.scenarios import headline_row
from customer_intel.roi.marts import Marts


@dataclass(frozen=True)
class Results:
    """Every case's result, with the assumptions and the target they came from."""

    as_of_date: dt.date
    target_name: str
    assumptions: Assumptions
    overview: overview.Overview
    moves: segment_moves.SegmentMoves
    win_back: win_back.WinBackCase
    welcome_series: welcome_series.WelcomeSeriesCase
    predicted: predicted_value.PredictedValue
    readout: campaign_readout.Readout  # the campaigns loaded back, beside the plan
    second_purchase: second_purchase.SecondPurchase  # what brings new customers back

    @property
    def value_basis(self) -> str:
        """The value basis the win-back case uses: the chosen one, or historical when there are no predictions."""
        return self.win_back.value_basis


def compute(marts: Marts, assumptions: Assumptions) -> Results:
    """Every case, in dependency order (the win-back case uses the predictions)."""
    win_back.check_targets(marts.win_back_targets)  # an empty target list stops here, before any model fit
    clv_settings = assumptions.clv
    predicted = predicted_value.compute(marts.clv_people, predicted_value.ClvSettings(
        horizon_months=clv_settings.horizon_months, annual_discount_rate=clv_settings.annual_discount_rate,
        gross_margin=assumptions.win_back.gross_margin, penalty=clv_settings.penalty,
        churn_medium_from=clv_settings.churn_risk_medium_from, churn_high_from=clv_settings.churn_risk_high_from,
        seed=assumptions.monte_carlo.seed,
    ), marts.segment_reactivation_pooled, marts.segment_reactivation)
    back = win_back.case(marts.win_back_targets, marts.clv, marts.segment_reactivation_pooled, predicted, assumptions,
                         marts.totals.as_of_date)
    settings = assumptions.win_back
    return Results(
        as_of_date=marts.totals.as_of_date,
        target_name=marts.target_name,
        assumptions=assumptions,
        overview=overview.compute(marts),
        moves=segment_moves.compute(marts.segment_transitions, marts.segment_reactivation_pooled,
                                    assumptions.win_back.campaign_window_months),
        win_back=back,
        welcome_series=welcome_series.case(marts.cohort_retention, marts.totals, assumptions),
        predicted=predicted,
        readout=campaign_readout.compute(marts.campaign_lift, float(headline_row(back.scenarios)["success_rate"]),
                                         back.organic.rate, settings.gross_margin, settings.cost_per_contact,
                                         settings.fixed_cost, settings.incentive_per_reactivated),
        second_purchase=second_purchase.compute(marts.second_purchase_drivers, marts.second_purchase_patterns,
                                                assumptions.monte_carlo.seed),
    )
