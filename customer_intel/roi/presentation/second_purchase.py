"""What brings new customers back, as the user sees it: the chart of return rate and review score by lateness,
the table of adjusted effects with one plain sentence per lever, the tables written as CSV, and what the welcome
series' audience experienced on their first purchase."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from customer_intel.roi.cases import Results
from customer_intel.roi.cases.second_purchase import (FACTORS, LATENESS, MIN_LEVEL_RETURNERS,
                                                     MIN_RETURNERS_PER_EFFECT, ReturnModel)
from customer_intel.roi.formatting import brl, count, percent
from customer_intel.roi.presentation.html import Table
from customer_intel.roi.presentation.style import NEGATIVE, NEUTRAL, Chart, styled

LOW_REVIEW_LEVELS = ("1", "2")
#: Names in words of the mart's factors (the regression's levers and the rest).
FACTOR_LABELS = {**FACTORS, "is_late": "first delivery", "review_score": "review score of the first purchase",
                 "delivery_days": "days to deliver the first purchase", "main_category": "main category",
                 "customer_state": "customer state"}


def drivers_of(results: Results, factor: str) -> pd.DataFrame:
    """The mart's rows of one factor, in display order."""
    drivers = results.second_purchase.drivers
    return drivers[drivers["factor"] == factor].sort_values("level_order")


def lateness_chart(results: Results) -> Chart:
    """Return rate within 180 days and mean review score per lateness band of the first delivery, with intervals."""
    rows = drivers_of(results, LATENESS)
    figure = make_subplots(rows=1, cols=2, subplot_titles=("Came back within 180 days", "Mean review score"))
    rate = rows["return_rate"]
    figure.add_trace(go.Bar(
        x=rows["level"], y=rate, marker_color=NEUTRAL, name="return rate",
        error_y={"type": "data", "symmetric": False, "array": rows["return_rate_upper_95"] - rate,
                 "arrayminus": rate - rows["return_rate_lower_95"]},
        customdata=rows[["returned", "people"]],
        hovertemplate="%{x}: %{y:.2%} (%{customdata[0]:,} of %{customdata[1]:,})<extra></extra>"), row=1, col=1)
    score = rows["mean_review_score"]
    figure.add_trace(go.Bar(
        x=rows["level"], y=score, marker_color=NEGATIVE, name="review score",
        error_y={"type": "data", "symmetric": False, "array": rows["review_score_upper_95"] - score,
                 "arrayminus": score - rows["review_score_lower_95"]},
        customdata=rows[["reviewed_people"]],
        hovertemplate="%{x}: %{y:.2f} stars (%{customdata[0]:,} reviews)<extra></extra>"), row=1, col=2)
    figure.update_layout(showlegend=False)
    figure.update_yaxes(tickformat=".1%", rangemode="tozero", row=1, col=1)
    figure.update_yaxes(range=[0, 5], row=1, col=2)
    title = "First delivery: return rate and review score by lateness (95 % intervals)"
    return Chart("second_purchase_by_lateness", title, styled(figure, title), lateness_reading(rows))


def lateness_reading(rows: pd.DataFrame) -> str:
    """One sentence: the stars and the return rate of on-time against the latest band."""
    measured = rows[rows["reviewed_people"] > 0]
    if len(measured) < 2:
        return "Too few reviewed first purchases to compare lateness bands."
    first, last = measured.iloc[0], measured[measured["level"] != "not delivered"].iloc[-1]
    text = (f"First purchases delivered {first['level']} were reviewed {first['mean_review_score']:.1f} stars on "
            f"average, those {last['level']} {last['mean_review_score']:.1f}")
    if first["people"] and last["people"]:
        text += (f"; {percent(first['return_rate'], 2)} and {percent(last['return_rate'], 2)} of them came back "
                 f"within 180 days")
    return text + "."


def lever_sentence(lever) -> str:
    """One plain sentence per estimated effect."""
    subject = f"{FACTORS[lever.factor].capitalize()} {lever.level} (against {lever.reference_level})"
    odds = (f"odds of coming back {lever.odds_ratio:.2f}× (95 % interval {lever.odds_ratio_lower_95:.2f}–"
            f"{lever.odds_ratio_upper_95:.2f}; {count(lever.returned)} of {count(lever.people)} came back)")
    if lever.verdict == "cannot be told from no effect":
        return f"{subject}: {odds}, which cannot be told from no effect."
    return f"{subject}: {odds}: {lever.verdict}, other levers held equal."


def model_text(model: ReturnModel) -> str:
    """What the regression rests on, or why it was not fitted."""
    base = f"{count(model.returned)} of {count(model.people)} new customers whose 180 days are over came back"
    if not model.fitted:
        counts = "" if f"{count(model.returned)} of {count(model.people)}" in model.reason else f" {base}."
        return f"No regression: {model.reason}.{counts} The tables of rates above are all these data can say."
    pooled = "; ".join(f"{FACTORS[factor]} {level}" for factor, level in model.pooled)
    text = (f"A logistic regression of coming back within 180 days on the levers together ({base}), each effect an "
            f"odds ratio against its reference level with its 95 % interval.")
    if pooled:
        text += (f" Pooled with their reference for having fewer than {MIN_LEVEL_RETURNERS} returners (or "
                 f"non-returners): {pooled}.")
    if model.dropped:
        text += f" Left out (one level left): {', '.join(FACTORS[factor] for factor in model.dropped)}."
    return text


def lever_rows(results: Results) -> Table:
    """The regression's table."""
    rows = [[FACTORS[r.factor], r.level, r.reference_level, count(r.people), count(r.returned),
             percent(r.return_rate, 2, trim=False), f"{r.odds_ratio:.2f}",
             f"{r.odds_ratio_lower_95:.2f} – {r.odds_ratio_upper_95:.2f}", f"{r.p_value:.3g}", r.verdict]
            for r in results.second_purchase.model.levers.itertuples()]
    return Table(["lever", "level", "against", "people", "came back", "rate", "odds ratio", "95 % interval",
                  "p-value", "reading"], rows, text_columns=3)


def rate_rows(results: Results, factors: tuple[str, ...]) -> Table:
    """The mart's unadjusted rates of some factors."""
    rows = []
    for factor in factors:
        for r in drivers_of(results, factor).itertuples():
            rate = "—" if pd.isna(r.return_rate) else percent(r.return_rate, 2, trim=False)
            interval = ("—" if pd.isna(r.return_rate) else
                        f"{percent(r.return_rate_lower_95, 2, trim=False)} – "
                        f"{percent(r.return_rate_upper_95, 2, trim=False)}")
            review = "—" if pd.isna(r.mean_review_score) else f"{r.mean_review_score:.2f}"
            rows.append([FACTOR_LABELS[factor], r.level, count(r.people), count(r.returned),
                         rate, interval, review])
    return Table(["factor", "level", "people", "came back", "rate", "95 % interval", "mean review"], rows,
                 text_columns=2)


def audience_text(results: Results) -> str:
    """What the welcome series' audience experienced, and what on-time deliveries would be worth beside it."""
    late = drivers_of(results, "is_late").set_index("level")
    reviews = drivers_of(results, "review_score").set_index("level")
    people = int(late["people"].sum())
    if people == 0:
        return "No new customer's first 180 days are over yet, so their first purchases cannot be compared."
    share_late = late["people"].get("late", 0) / people
    low = reviews.loc[reviews.index.isin(LOW_REVIEW_LEVELS), "reviewed_people"].sum()
    share_low = low / max(int(reviews["reviewed_people"].sum()), 1)
    text = (f"The audience's first purchases: {percent(share_late, 1)} of the new customers whose 180 days are over "
            f"had a late first delivery, and {percent(share_low, 1)} of reviewed first purchases got 1 or 2 stars "
            f"(section \"What brings new customers back\").")
    fix = results.second_purchase.lateness_fix
    if fix is None:
        return text + (" The data cannot tell whether delivering first orders on time would bring more of them "
                       "back, so the welcome series is weighed on its own.")
    ws = results.welcome_series
    per_year = ws.inputs.new_customers_per_month * 12 * fix.added_return_rate
    value = per_year * ws.inputs.value_per_customer * ws.inputs.gross_margin
    return text + (f" Had every late first delivery been on time, {percent(fix.added_return_rate, 3)} more new "
                   f"customers would have come back within 180 days (P10–P90 {percent(fix.added_return_rate_p10, 3)}"
                   f"–{percent(fix.added_return_rate_p90, 3)}): about {count(per_year, 1)} a year, "
                   f"{brl(value, 0)} of gross margin before the cost of faster delivery, beside the email programme "
                   f"above.")


def context(results: Results) -> dict:
    """Everything the report's section prints."""
    model = results.second_purchase.model
    return {
        "model_text": model_text(model),
        "fitted": model.fitted,
        "lever_table": lever_rows(results),
        "sentences": [lever_sentence(lever) for lever in model.levers.itertuples()],
        "rate_table": rate_rows(results, ("is_late", "days_late", "review_score")),
        "other_rate_table": rate_rows(results, ("delivery_days", "freight_share", "installments", "items",
                                                "payment_type", "is_shipped_from_another_state")),
        "min_returners": MIN_RETURNERS_PER_EFFECT,
        "audience_text": audience_text(results),
    }


def tables(results: Results) -> dict[str, pd.DataFrame]:
    """The CSV tables: the mart's rates as read, and the regression's effects (empty when not fitted)."""
    drivers = results.second_purchase.drivers.copy()
    # 12 significant digits: the engines compute the intervals' square roots and deviations to the last bit each
    # their own way, and agree to 12 digits (the marts' cross-engine tests), so the file is the same on every engine
    for column in drivers.select_dtypes("float").columns:
        drivers[column] = drivers[column].map(lambda value: float(f"{value:.12g}"))
    return {"second_purchase_drivers": drivers, "second_purchase_levers": results.second_purchase.model.levers}
