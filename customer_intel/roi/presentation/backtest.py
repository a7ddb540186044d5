"""How far to trust the predictions, as the user sees it: the backtest's readings and verdicts (against what happened
and against the no-model baseline), its CSV table and its two charts (holdout purchases by calibration repeat
purchases; predicted probability against the share who bought, by decile)."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from customer_intel import clv
from customer_intel.roi.cases import Results
from customer_intel.roi.cases.backtest import BASELINE, NONE_IDENTIFIED, Backtest
from customer_intel.roi.cases.predicted_value import MAIN_MODEL, PredictedValue
from customer_intel.roi.formatting import count, percent
from customer_intel.roi.presentation.html import Table, optional
from customer_intel.roi.presentation.labels import MODEL_LABELS
from customer_intel.roi.presentation.style import NEUTRAL, Chart, styled

SCORER_STYLE = {MAIN_MODEL: (NEUTRAL, "solid"), "bgnbd": ("#f08c00", "dot"), BASELINE: ("#868e96", "dash")}


def verdict(totals: clv.BacktestTotals, capture: clv.TopDecileCapture) -> str:
    """A plain verdict on the backtest: in total (within 10 % / 25 %) and in ranking (top-decile lift >= 4 / 2)."""
    error = totals.relative_error
    if error is None:
        in_total = "untested in total (nobody bought in the holdout)"
    elif abs(error) <= 0.10:
        in_total = "accurate in total"
    elif abs(error) <= 0.25:
        in_total = "roughly right in total"
    else:
        in_total = "off in total"
    ratio = capture.lift
    if ratio >= 4:
        ranking = "ranks people well"
    elif ratio >= 2:
        ranking = "ranks people better than chance, loosely"
    else:
        ranking = "ranks people little better than chance"
    return f"{in_total}, {ranking}"


def backtest_unavailable(predicted: PredictedValue) -> str:
    """Why there is no backtest, with each calibration model's state where none was identified."""
    backtest = predicted.backtest
    reason = backtest.unavailable
    if reason == NONE_IDENTIFIED:
        reason += ": " + "; ".join(f"{MODEL_LABELS[name]} is {outcome.describe()}"
                                   for name, outcome in predicted.calibration_outcomes.items())
    return (f"No backtest on these data ({count(backtest.people)} people in the calibration period): "
            f"{reason}; so the predictions are untested here.")


def backtest_reading(predicted: PredictedValue, model: str) -> str:
    """Total holdout purchases predicted against actual, the top-decile capture and a plain verdict."""
    backtest = predicted.backtest
    totals, capture = backtest.totals[model], backtest.capture[model]
    error = totals.relative_error
    off = "" if error is None else f" ({'+' if error >= 0 else ''}{percent(error, 1)})"
    return (
        f"Fitted on the {count(backtest.people)} people who bought before {backtest.calibration_end:%Y-%m-%d}, "
        f"{MODEL_LABELS[model]} "
        f"predicted {count(totals.predicted_purchases, 0)} purchases in the {backtest.holdout_days}-day holdout "
        f"against {count(totals.actual_purchases, 0)} actual{off}, and its top decile of predicted purchases holds "
        f"{percent(capture.share, 1)} of the {count(capture.holdout_buyers)} holdout buyers "
        f"({capture.lift:.1f} times a random tenth): {verdict(totals, capture)}."
    )


def _auc(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def baseline_sentence(backtest: Backtest) -> str:
    """The model against the no-model baseline in one sentence: ranking (AUC) and probabilities (Brier score), and
    plainly when the model does not beat it; or why there is no baseline."""
    model = backtest.model
    if model is None:
        return ""
    if BASELINE not in backtest.scores:
        why = next((note for note in backtest.notes if note.startswith("no ")), "no baseline")
        return f"{MODEL_LABELS[model]} is not compared with a no-model baseline on these data ({why})."
    ours, theirs = backtest.scores[model].probabilities, backtest.scores[BASELINE].probabilities
    ranks_better = ours.auc is not None and theirs.auc is not None and ours.auc > theirs.auc
    closer = ours.brier < theirs.brier
    ranking = f"AUC {_auc(ours.auc)} against {_auc(theirs.auc)}"
    probabilities = f"Brier score {ours.brier:.4g} against {theirs.brier:.4g}"
    baseline = ("the no-model baseline (each person's probability = their segment's return rate, measured before "
                "the calibration end)")
    against = f"Against {baseline}, {MODEL_LABELS[model]}"
    if ranks_better and closer:
        return (f"{against} wins on both counts: it ranks the holdout buyers better ({ranking}) and its probabilities "
                f"are closer to what happened ({probabilities}).")
    if not ranks_better and not closer:
        return (f"{against} does not win: it ranks the holdout buyers no better ({ranking}) and its probabilities are "
                f"no closer to what happened ({probabilities}), so on these data its per-person predictions add "
                "nothing to the segment rates: decide by segment.")
    if ranks_better:
        return (f"{against} ranks the holdout buyers better ({ranking}) but its probabilities are no closer to what "
                f"happened ({probabilities}): trust its order of people, not its probabilities.")
    return (f"{against} has probabilities closer to what happened ({probabilities}) but ranks the holdout buyers no "
            f"better ({ranking}): for choosing whom to contact, the segment rates do as well.")


def backtest_chart(results: Results) -> Chart:
    """Mean holdout purchases per person, actual vs each model's prediction, by calibration repeat purchases."""
    predicted = results.predicted
    title = f"Backtest: holdout purchases per person, predicted vs actual ({predicted.backtest.holdout_days} days)"
    if predicted.backtest.unavailable:
        return _no_backtest("clv_backtest", title, predicted)
    table = predicted.backtest.table
    rows = table.loc[table["table"] == "by_calibration_repeat_purchases"]
    checked = predicted.backtest.model
    main = rows.loc[rows["model"] == checked]
    figure = go.Figure([go.Bar(name="Actual", x=main["group"], y=main["actual_mean"], marker_color="#adb5bd",
                               customdata=main[["people"]],
                               hovertemplate="%{x} repeat purchases: %{y:.3f} actual per person "
                                             "(%{customdata[0]:,} people)<extra></extra>")])
    for model in (MAIN_MODEL, "bgnbd"):
        line = rows.loc[rows["model"] == model]
        if line.empty:  # a model the calibration period does not identify is not compared
            continue
        colour, dash = SCORER_STYLE[model]
        figure.add_trace(go.Scatter(name=f"Predicted ({MODEL_LABELS[model]})", x=line["group"],
                                    y=line["predicted_mean"], mode="lines+markers",
                                    line={"color": colour, "dash": dash},
                                    hovertemplate="%{x}: %{y:.3f} predicted per person<extra></extra>"))
    figure.update_layout(xaxis_title="repeat purchases in the calibration period", xaxis_type="category",
                         yaxis_title="holdout purchases per person", legend={"orientation": "h", "y": -0.2})
    return Chart("clv_backtest", title, styled(figure, title), backtest_reading(predicted, checked))


def calibration_chart(results: Results) -> Chart:
    """Per decile of each scorer's predicted probability of a holdout purchase: the mean prediction against the
    share who bought, the diagonal being perfect calibration; the model beside the no-model baseline."""
    predicted = results.predicted
    backtest = predicted.backtest
    title = "Backtest: predicted probability of a holdout purchase against the share who bought, by decile"
    if backtest.unavailable:
        return _no_backtest("clv_calibration", title, predicted)
    rows = backtest.table.loc[backtest.table["table"] == "calibration_by_decile"]
    top = float(max(rows["mean_p_purchase"].max(), rows["share_bought"].max(), 1e-6)) * 1.05
    figure = go.Figure([go.Scatter(name="Perfect calibration", x=[0, top], y=[0, top], mode="lines",
                                   line={"color": "#ced4da", "width": 1}, hoverinfo="skip")])
    for scorer in (MAIN_MODEL, "bgnbd", BASELINE):
        line = rows.loc[rows["model"] == scorer]
        if line.empty:
            continue
        colour, dash = SCORER_STYLE[scorer]
        figure.add_trace(go.Scatter(
            name=MODEL_LABELS[scorer], x=line["mean_p_purchase"], y=line["share_bought"], mode="lines+markers",
            line={"color": colour, "dash": dash}, customdata=line[["group", "people", "holdout_buyers"]],
            hovertemplate="decile %{customdata[0]}: predicted %{x:.2%}, bought %{y:.2%} "
                          "(%{customdata[2]:,} of %{customdata[1]:,})<extra></extra>"))
    figure.update_layout(xaxis_title="mean predicted probability of at least one holdout purchase",
                         yaxis_title="share who bought in the holdout", xaxis_tickformat=".1%",
                         yaxis_tickformat=".1%", legend={"orientation": "h", "y": -0.2})
    return Chart("clv_calibration", title, styled(figure, title), baseline_sentence(backtest))


def _no_backtest(name: str, title: str, predicted: PredictedValue) -> Chart:
    figure = go.Figure()
    figure.add_annotation(text="no backtest on these data", showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5)
    return Chart(name, title, styled(figure, title), backtest_unavailable(predicted))


def backtest_table(predicted: PredictedValue) -> pd.DataFrame:
    """The backtest's long table with P10 / P90 of the predicted holdout purchases on each model's totals row."""
    table = predicted.backtest.table.copy()
    intervals = predicted.intervals.backtest_purchases if predicted.intervals else {}
    totals = table["table"] == "totals"
    for column, field in (("predicted_purchases_p10", "p10"), ("predicted_purchases_p90", "p90")):
        table[column] = [getattr(intervals[model], field) if is_total and model in intervals else None
                         for model, is_total in zip(table["model"], totals)]
    return table


def interval_text(low, high, show) -> str:
    """"low – high", or a dash when there is no interval."""
    return "—" if low is None or high is None or pd.isna(low) or pd.isna(high) else f"{show(low)} – {show(high)}"


def totals_table(predicted: PredictedValue) -> Table:
    """Per model: holdout purchases predicted against actual, with P10 – P90, the top-decile capture and verdict."""
    backtest = predicted.backtest
    rows = []
    for model in backtest.totals:  # the models the calibration period identifies
        totals, capture = backtest.totals[model], backtest.capture[model]
        interval = predicted.intervals.backtest_purchases.get(model) if predicted.intervals else None
        rows.append([MODEL_LABELS[model], count(totals.people), count(totals.actual_purchases),
                     count(totals.predicted_purchases, 1),
                     interval_text(*(interval.p10, interval.p90) if interval else (None, None),
                                   lambda v: count(v, 1)),
                     percent(totals.relative_error, 1), percent(capture.share, 1), verdict(totals, capture)])
    return Table(["model", "people", "actual holdout purchases", "predicted", "P10 – P90", "error",
                  "top-decile capture", "verdict"], rows)


def scores_table(backtest: Backtest) -> Table:
    """Per model and the baseline: the probability of a holdout purchase scored against what happened."""
    rows = []
    for scorer, scores in backtest.scores.items():
        p = scores.probabilities
        rows.append([MODEL_LABELS[scorer], count(p.people), f"{count(p.buyers)} ({percent(p.share_bought, 2)})",
                     percent(p.mean_predicted, 2), _auc(p.auc), f"{p.brier:.4g}", f"{p.log_loss:.4g}",
                     percent(scores.capture.share, 1),
                     optional(backtest.totals[scorer].relative_error if scorer in backtest.totals else None,
                              lambda v: percent(v, 1))])
    return Table(["predicted by", "people", "bought in the holdout", "mean predicted probability", "AUC",
                  "Brier score", "log loss", "top-decile capture (by this probability)",
                  "error in total purchases"], rows)


def context(predicted: PredictedValue) -> dict:
    """The backtest's part of the report section."""
    backtest = predicted.backtest
    baseline = backtest.baseline
    baseline_text = "" if baseline is None else (
        f"The baseline needs no model: each person's probability is the share of their segment (at "
        f"{backtest.calibration_end:%Y-%m-%d}) that bought again within {baseline.horizon_months} months, measured "
        f"on the {count(baseline.person_snapshots)} people of the segment history's snapshot(s) "
        f"{', '.join(f'{day:%Y-%m-%d}' for day in baseline.snapshots)}, whose window ends by the calibration end (so "
        f"no holdout purchase is used), rescaled from {baseline.measured_days:.0f} to {backtest.holdout_days} days "
        f"under a constant rate; a segment not measured there gets the rate over everyone, "
        f"{percent(baseline.default_rate, 2)}.")
    return {
        "backtest_available": backtest.unavailable is None,
        "backtest_table": totals_table(predicted),
        "scores_table": scores_table(backtest),
        "baseline_text": baseline_text,
        "backtest_notes": "; ".join(backtest.notes),
    }
