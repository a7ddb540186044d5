"""The predicted lifetime value as the user sees it: the report section (the partial
``templates/predicted_value.html.j2``, its numbers as ``pv``), the CSV tables and the prose (which model was used
and why); the backtest's part is ``presentation.backtest``."""
from __future__ import annotations

import math

import pandas as pd

from customer_intel.roi import predictions_table
from customer_intel.roi.cases import Results
from customer_intel.roi.cases.predicted_value import PredictedValue
from customer_intel.roi.cases.predictive_profile import FALLBACK_SPEND, PROFILE_COLUMNS, PURCHASE_PREFERENCE
from customer_intel.roi.formatting import brl, count, percent
from customer_intel.roi.methods.scenarios import headline_row
from customer_intel.roi.presentation import backtest as trust
from customer_intel.roi.presentation.html import Table, optional
from customer_intel.roi.presentation.labels import MODEL_LABELS

PARAMETER_COLUMNS = ("fit", "model", "state", "used", "parameter", "value", "standard_error", "lower_95", "upper_95",
                     "penalty", "log_likelihood", "aic", "bic", "people", "reason", "interval_note")
SPEND_CORRELATION_WARNING = 0.3  # above it, Gamma-Gamma's independence assumption is in doubt
INDISTINGUISHABLE = 2  # AIC or BIC differences below it do not tell two models apart (the usual rule of thumb)


def information_criteria(fit) -> tuple[float, float]:
    """AIC = 2 k - 2 log L and BIC = k ln(n) - 2 log L, k = the fit's parameters, n = people fitted; lower is
    better, and only fits of the same people compare."""
    k = len(fit.params)
    return 2 * k - 2 * fit.log_likelihood, k * math.log(fit.people) - 2 * fit.log_likelihood


def information_sentence(predicted: PredictedValue) -> str:
    """MBG/NBD against BG/NBD by AIC and BIC on the full history, when both were fitted."""
    fits = {name: predicted.choice.outcomes[name].fit for name in PURCHASE_PREFERENCE
            if name in predicted.choice.outcomes and predicted.choice.outcomes[name].fit is not None}
    if len(fits) < 2:
        return ""
    (first, first_fit), (second, second_fit) = fits.items()
    (aic_1, bic_1), (aic_2, bic_2) = information_criteria(first_fit), information_criteria(second_fit)
    parts = []
    for name, one, two in (("AIC", aic_1, aic_2), ("BIC", bic_1, bic_2)):
        values = f"{MODEL_LABELS[first]} {one:,.1f}, {MODEL_LABELS[second]} {two:,.1f}"
        if abs(one - two) < INDISTINGUISHABLE:
            parts.append(f"{name} cannot tell them apart ({values})")
        else:
            parts.append(f"{name} prefers {MODEL_LABELS[first] if one < two else MODEL_LABELS[second]} ({values})")
    return (f"On the full history, lower fits better for the parameters a model takes (a difference below "
            f"{INDISTINGUISHABLE} does not tell models apart): {'; '.join(parts)}.")


def spend_check_sentence(predicted: PredictedValue) -> str:
    """Gamma-Gamma's independence assumption checked: the correlation, and a warning above 0.3."""
    rho = predicted.spend_frequency_correlation
    if rho is None or predicted.choice.spend_model != "gamma_gamma":
        return ""
    shown = f"{rho:.2f}".replace("-0.00", "0.00")
    text = (f"Gamma-Gamma assumes a person's spend per purchase does not depend on how often they buy; among the "
            f"{count(predicted.repeat_buyers)} repeat buyers the correlation of the two is {shown}")
    if abs(rho) > SPEND_CORRELATION_WARNING:
        return (text + f", above {SPEND_CORRELATION_WARNING}: the assumption does not hold here, so the expected "
                "spend of frequent buyers is biased; read the predicted values with care.")
    return text + f" (within ±{SPEND_CORRELATION_WARNING}: the assumption is not contradicted)."


def choice_sentence(predicted: PredictedValue) -> str:
    """Which models the predictions use and why, in one sentence computed from the states."""
    choice = predicted.choice
    data = f"{predicted.people:,} people, {predicted.repeat_buyers:,} of whom bought more than once"
    order = PURCHASE_PREFERENCE
    stop = order.index(choice.purchase_model) if choice.purchase_model in order else len(order)
    why = "; ".join(f"{MODEL_LABELS[name]} is {choice.outcomes[name].describe()}" for name in order[:stop])
    others = [name for name in order[stop + 1:] if not choice.outcomes[name].identified]
    if choice.purchase_model is None:
        return (f"No predictions on these data ({data}): {why}, and no segment return rate is measured to fall "
                "back on.")
    used = MODEL_LABELS[choice.purchase_model]
    outcome = choice.outcomes.get(choice.purchase_model)
    if outcome is not None and outcome.reason:
        used += f" ({outcome.reason})"
    spend = choice.outcomes["gamma_gamma"]
    spend_text = ("Gamma-Gamma spend per purchase" + (f" ({spend.reason})" if spend.reason else "")
                  if spend.identified else f"{MODEL_LABELS[FALLBACK_SPEND]}, as Gamma-Gamma is {spend.describe()}")
    because = f", because {why}" if why else ""
    compared = "".join(f" ({MODEL_LABELS[name]}, the comparison model, is {choice.outcomes[name].describe()})"
                       for name in others)
    return f"Predictions on {data} use {used} with {spend_text}{because}{compared}."


def parameter_table(predicted: PredictedValue) -> pd.DataFrame:
    """One row per (fit, model, parameter): value, its standard error (of the log-parameter) and 95 % interval,
    state, penalty, log-likelihood, people fitted, the reason for the state and a note on the interval (why there is
    none, or what to bear in mind); a model that was not fitted has one row with no parameter. ``used`` marks the
    models the predictions use."""
    rows = []
    calibration, choice = predicted.calibration_outcomes, predicted.choice
    used = {choice.purchase_model, choice.spend_model}
    for fit_name, outcomes in (("calibration", calibration), ("full", choice.outcomes)):
        for model, outcome in outcomes.items():
            common = {"fit": fit_name, "model": model, "state": outcome.state,
                      "used": fit_name == "full" and model in used, "reason": outcome.reason}
            if outcome.fit is None:
                rows.append({**common, "parameter": "", "value": None, "penalty": None, "log_likelihood": None,
                             "aic": None, "bic": None, "people": None, "interval_note": "not fitted"})
                continue
            uncertainty = predicted.uncertainty[fit_name, model]
            aic, bic = information_criteria(outcome.fit)
            for parameter, value in outcome.fit.params.items():
                estimate = uncertainty.parameters[parameter]
                rows.append({**common, "parameter": parameter, "value": value,
                             "standard_error": estimate.standard_error, "lower_95": estimate.lower_95,
                             "upper_95": estimate.upper_95, "penalty": outcome.fit.penalty,
                             "log_likelihood": outcome.fit.log_likelihood, "aic": aic, "bic": bic,
                             "people": int(round(outcome.fit.people)),
                             "interval_note": uncertainty.note})
    table = pd.DataFrame(rows, columns=list(PARAMETER_COLUMNS))
    table["people"] = table["people"].astype("Int64")
    return table


def interval_sentence(predicted: PredictedValue) -> str:
    """How the P10 / P90 were made, and what is missing."""
    intervals = predicted.intervals
    if intervals is None:
        return ""
    text = (f"P10 – P90: the 10th and 90th percentiles over {intervals.draws} draws of the fitted parameters from "
            "their sampling distribution (the uncertainty of the estimates, not the randomness of who buys).")
    return text + (f" Not shown: {intervals.note}." if intervals.note else "")


def value_basis_table(results: Results) -> pd.DataFrame:
    """The win-back case under both value bases side by side: one row per basis (the one used marked)."""
    rows = []
    for basis, case in results.win_back.bases.items():
        headline = headline_row(case.scenarios)
        rows.append({
            "value_basis": basis,
            "chosen": basis == results.value_basis,
            "people": int(headline["people"]),
            "avg_value": case.avg_value,
            "success_rate": float(headline["success_rate"]),
            "net_profit_contacting_all": float(headline["net_profit"]),
            "break_even_success_rate": case.break_even_success_rate,
            "optimal_list_length": case.contact_list.best_length,
            "optimal_list_net_profit": case.contact_list.best_net_profit,
        })
    return pd.DataFrame(rows)


def tables(results: Results) -> dict[str, pd.DataFrame]:
    """The predicted lifetime value's CSV tables and the win-back contact list (the value basis used)."""
    predicted = results.predicted
    return {
        "clv_predictions": predicted.predictions[list(PROFILE_COLUMNS)],
        "clv_by_segment": predicted.by_segment,
        "clv_model_parameters": parameter_table(predicted),
        "clv_backtest": trust.backtest_table(predicted),
        "win_back_contact_list": results.win_back.bases[results.value_basis].contact_list.table,
        "win_back_value_bases": value_basis_table(results),
    }


def context(results: Results) -> dict:
    """Formatted numbers and tables of the section (the template's ``pv``)."""
    pv, settings = results.predicted, results.assumptions
    backtest = pv.backtest
    chosen = results.win_back.bases[results.value_basis]
    window = settings.win_back.campaign_window_months
    organic = results.moves.segment_rates
    bases = []
    for basis, case in results.win_back.bases.items():
        headline = headline_row(case.scenarios)
        bases.append([basis + (" (chosen)" if basis == results.value_basis else ""), brl(case.avg_value),
                      brl(headline["net_profit"], 0),
                      "never" if case.break_even_success_rate is None else percent(case.break_even_success_rate),
                      count(case.contact_list.best_length), brl(case.contact_list.best_net_profit, 0)])
    return {
        "horizon": settings.clv.horizon_months,
        "margin": percent(settings.win_back.gross_margin),
        "discount": percent(settings.clv.annual_discount_rate),
        "calibration_end": f"{backtest.calibration_end:%Y-%m-%d}",
        "holdout_days": backtest.holdout_days,
        "people": count(backtest.people),
        "success_rate": percent(chosen.contact_list.success_rate),
        "best_length": count(chosen.contact_list.best_length),
        "cost_per_contact": brl(settings.win_back.cost_per_contact),
        "choice_text": choice_sentence(pv),
        "spend_check_text": spend_check_sentence(pv),
        "information_text": information_sentence(pv),
        "interval_text": interval_sentence(pv),
        "predictions_table": predictions_table.qualified_name(),
        "organic_months": window,
        "churn_medium": percent(settings.clv.churn_risk_medium_from, 0),
        "churn_high": percent(settings.clv.churn_risk_high_from, 0),
        "value_basis_text": (
            "A reactivated customer is worth either their historical value (monetary) or what the model expects "
            "from them given that they buy at the campaign: that purchase plus the discounted purchases of the next "
            f"{settings.clv.horizon_months} months that usually follow one (not multiplied again by their chance of "
            "buying: the success rate says who buys); the business case uses the targets' mean of it, the contact "
            f"list each person's own. The case above uses the {results.value_basis} basis "
            "(assumption win_back.value_basis); both side by side:"),
        **trust.context(pv),
        "segment_table": Table(
            ["segment", "people", "historical revenue", "avg monetary", "predicted CLV", "P10 – P90",
             "avg predicted CLV",
             "mean P(alive)", "P(purchase in 90 days)", f"bought within {window} months (measured)",
             "churn risk high / medium / low", "expected next purchase"],
            [[r.rfm_segment, count(r.people), brl(r.revenue, 0), brl(r.avg_monetary), brl(r.predicted_clv, 0),
              trust.interval_text(getattr(r, "predicted_clv_p10", None), getattr(r, "predicted_clv_p90", None),
                            lambda v: brl(v, 0)),
              brl(r.avg_predicted_clv), optional(r.avg_p_alive, lambda v: percent(v, 1)),
              percent(r.avg_p_purchase_90d, 2),
              optional(organic.get(r.rfm_segment), lambda v: percent(v, 2)),
              " / ".join(percent(getattr(r, f"share_{risk}_churn_risk"), 0) for risk in ("high", "medium", "low")),
              optional(r.median_expected_next_purchase_date, str)]
             for r in pv.by_segment.itertuples()]),
        "bases_table": Table(
            ["value basis", "value if reactivated", "net profit contacting all", "break-even success rate",
             "optimal list length", "net profit of that list"], bases),
        "parameter_table": Table(
            ["fit", "model", "state", "parameter", "value", "95 % interval", "penalty", "log-likelihood", "AIC",
             "BIC", "people", "reason", "interval note"],
            [[r.fit, MODEL_LABELS[r.model] + (" (used)" if r.used else ""), r.state.replace("_", " "),
              r.parameter, optional(r.value, lambda v: f"{v:.6g}"),
              "—" if pd.isna(r.lower_95) else f"{r.lower_95:.4g} – {r.upper_95:.4g}",
              optional(r.penalty, lambda v: f"{v:g}"),
              optional(r.log_likelihood, lambda v: f"{v:,.2f}"), optional(r.aic, lambda v: f"{v:,.1f}"),
              optional(r.bic, lambda v: f"{v:,.1f}"), optional(r.people, count), r.reason,
              r.interval_note]
             for r in parameter_table(pv).itertuples()],
            text_columns=4),
    }
