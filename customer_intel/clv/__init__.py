"""Buy-till-you-die models for predictive customer lifetime value: pure functions, no I/O, no warehouse.

Inputs are the per-person summary at a point in time (as the ``clv_inputs`` mart provides it): ``frequency``
(repeat purchase days), ``recency`` and ``tenure`` (in days here; any one time unit works), and ``repeat_value``
(mean value of the repeat purchases, BRL; not ``monetary``, which is the sum of all of a person's purchases). Modules:

- ``purchase``: BG/NBD and MBG/NBD fits (``fit_bgnbd``, ``fit_mbgnbd``), ``p_alive``, ``expected_purchases``.
- ``spend``: Gamma-Gamma fit on repeat buyers (``fit_gamma_gamma``) and ``expected_spend`` per purchase.
- ``value``: ``predicted_clv`` (monthly discounting, defined in the module) and ``predict_customers`` (all columns).
- ``next_purchase``: P(a purchase within t), the median time to the next purchase, and the value of a person given
  a purchase now (``value_given_purchase``: what a reactivated buyer is worth).
- ``uncertainty``: standard errors and 95 % intervals of the fitted parameters (log-scale Hessian) and draws from
  their sampling distribution; ``intervals``: P10 / P90 of predicted totals over those draws.
- ``selection``: each fit's state (identified, possibly with the declared penalty; degenerate; not fitted) and the
  choice of the first identified model.
- ``backtest``: holdout comparison tables, the top-decile capture, and the scores of predicted probabilities of a
  purchase (calibration by decile; AUC, Brier score and log loss; a no-model baseline from segment rates).
- ``contact_list``: the contact list length that maximises expected net profit.
- ``errors``: ``ClvError``, raised with a one-line message for data a model cannot fit, a fit that does not
  converge (with ``require_convergence``) or an input that is not valid; no function returns a NaN.

Tests: ``pytests/test_clv_*.py`` (CDNOW reference figures, agreement with the ``lifetimes`` package on generated data).
"""
from customer_intel.clv.backtest import (
    BacktestTotals,
    ProbabilityScores,
    TopDecileCapture,
    backtest_by_group,
    backtest_by_repeat_purchases,
    backtest_totals,
    baseline_probability,
    calibration_by_decile,
    probability_scores,
    top_decile_capture,
)
from customer_intel.clv.contact_list import ContactList, optimal_contact_list
from customer_intel.clv.errors import ClvError
from customer_intel.clv.purchase import PurchaseFit, expected_purchases, fit_bgnbd, fit_mbgnbd, p_alive
from customer_intel.clv.spend import SpendFit, expected_spend, fit_gamma_gamma
from customer_intel.clv.value import (
    DAYS_PER_MONTH,
    discount_factors,
    monthly_expected_purchases,
    predict_customers,
    predicted_clv,
)

__all__ = [
    "DAYS_PER_MONTH",
    "BacktestTotals",
    "ProbabilityScores",
    "ClvError",
    "ContactList",
    "PurchaseFit",
    "SpendFit",
    "TopDecileCapture",
    "backtest_by_group",
    "backtest_by_repeat_purchases",
    "backtest_totals",
    "baseline_probability",
    "calibration_by_decile",
    "discount_factors",
    "expected_purchases",
    "expected_spend",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "fit_mbgnbd",
    "monthly_expected_purchases",
    "optimal_contact_list",
    "p_alive",
    "predict_customers",
    "predicted_clv",
    "probability_scores",
    "top_decile_capture",
]
