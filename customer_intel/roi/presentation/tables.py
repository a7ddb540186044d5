"""Every CSV table roi.py writes, by file stem, made from the cases' results."""
from __future__ import annotations

import pandas as pd

from customer_intel.roi.cases import Results
from customer_intel.roi.presentation import campaign, predicted_value, second_purchase


def summary_table(results: Results) -> pd.DataFrame:
    """The headline numbers of both cases, one (case, metric, value) row each."""
    wb, ws = results.win_back, results.welcome_series
    metrics = {
        "data": {"as_of_date": results.as_of_date.isoformat(), "target": results.target_name},
        "win_back": {
            "people": wb.inputs.people, "avg_monetary": wb.inputs.avg_monetary,
            "campaign_window_months": wb.organic.window_months, "organic_rate": wb.organic.rate,
            "organic_returned": wb.organic.returned, "organic_people": wb.organic.people,
            "break_even_success_rate": wb.break_even_success_rate,
        },
        "welcome_series": {
            "baseline_month1_retention": ws.baseline.rate, "baseline_returners": ws.baseline.returners,
            "baseline_customers": ws.baseline.customers, "baseline_cohorts_used": ws.baseline.cohorts_used,
            "new_customers_per_month": ws.inputs.new_customers_per_month,
            "value_per_customer": ws.inputs.value_per_customer,
            "break_even_improvement": ws.break_even_improvement,
        },
        "campaign": campaign.summary_metrics(wb.campaign),
    }
    rows = [(case, metric, value) for case, values in metrics.items() for metric, value in values.items()]
    return pd.DataFrame(rows, columns=["case", "metric", "value"])


def simulation_table(results: Results) -> pd.DataFrame:
    """One row per case: runs, seed, P(net > 0), P10, P50, P90, mean (BRL; welcome series per year)."""
    summaries = {"win_back": results.win_back.simulation, "welcome_series": results.welcome_series.simulation}
    return pd.DataFrame([{"case": case, **summary.__dict__} for case, summary in summaries.items()])


def result_tables(results: Results) -> dict[str, pd.DataFrame]:
    """Every result table by file stem."""
    wb, ws = results.win_back, results.welcome_series
    return {
        "business_case_summary": summary_table(results),
        "win_back_scenarios": wb.scenarios,
        "win_back_targets_by_segment": wb.targets.by_segment,
        "win_back_sensitivity": wb.sensitivity,
        "welcome_series_scenarios": ws.scenarios,
        "welcome_series_cohorts": ws.baseline.cohorts.assign(
            cohort_month=ws.baseline.cohorts["cohort_month"].dt.date,
            month1_returners=ws.baseline.cohorts["month1_returners"].astype("Int64"),
        ),
        "welcome_series_sensitivity": ws.sensitivity,
        "monte_carlo_summary": simulation_table(results),
        "organic_return_rates": results.moves.organic_rates,
        "campaign_contacts": wb.campaign.contacts,
        "campaign_readout": results.readout.table,
        **predicted_value.tables(results),
        **second_purchase.tables(results),
    }
