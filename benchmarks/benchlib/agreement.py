"""Agreement checks: the RFM and cohort totals of the engines, the machine limit and the baseline."""
from __future__ import annotations

from pathlib import Path



RFM_TOTALS = ("customers", "purchases", "recency_days", "monetary")
COHORT_TOTALS = ("cohort_cells", "cohort_people", "active_customers")


def _totals(rfm_row, cohort_row) -> dict[str, float]:
    values = [float(v or 0) for v in (*rfm_row, *cohort_row)]
    return dict(zip(RFM_TOTALS + COHORT_TOTALS, values))


def _mart_totals_sql(schema: str) -> tuple[str, str]:
    return (
        f"select count(*), sum(frequency), sum(recency_days), sum(monetary) from {schema}.rfm_segments",
        f"select count(*), sum(case when months_since_first_purchase = 0 then cohort_size end), "
        f"sum(active_customers) from {schema}.cohort_retention",
    )


def duckdb_totals(database: Path, rfm_sql: str, cohort_sql: str) -> dict[str, float]:
    import duckdb

    with duckdb.connect(str(database), read_only=True) as con:
        return _totals(con.execute(rfm_sql).fetchone(), con.execute(cohort_sql).fetchone())


def postgres_totals(target, rfm_sql: str, cohort_sql: str) -> dict[str, float]:
    import psycopg2

    conn = psycopg2.connect(**target.postgres_dsn())
    try:
        with conn.cursor() as cur:
            cur.execute(rfm_sql)
            rfm = cur.fetchone()
            cur.execute(cohort_sql)
            return _totals(rfm, cur.fetchone())
    finally:
        conn.close()


LIMIT_TOTALS_SQL = (
    "select count(*), sum(frequency), sum(recency_days), sum(monetary) from machine_limit where part = 'rfm'",
    "select count(*), sum(case when months_since_first_purchase = 0 then cohort_size end), sum(active_customers) "
    "from machine_limit where part = 'cohort'",
)
BASELINE_TOTALS_SQL = (
    "select count(*), sum(frequency), sum(recency_days), sum(monetary) from rfm",
    "select count(*), sum(case when months_since_first_purchase = 0 then cohort_size end), sum(active_customers) "
    "from cohort_retention",
)


def disagreements(totals: dict[str, dict[str, float]], money_tolerance: float = 1.0) -> list[str]:
    """Sources whose totals differ from the first source's (money: doubles in the baseline, so a tolerance)."""
    if len(totals) < 2:
        return []
    (reference_name, reference), *others = totals.items()
    problems = []
    for name, values in others:
        for key, expected in reference.items():
            tolerance = money_tolerance if key == "monetary" else 0.0
            if abs(values[key] - expected) > tolerance:
                problems.append(f"{name} {key} = {values[key]:,.2f}, {reference_name} {expected:,.2f}")
    return problems
