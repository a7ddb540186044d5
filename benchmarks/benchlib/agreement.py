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


# The refresh check: cheap totals of the history marts, read after the incremental `dbt build` and after the
# `--full-refresh` build of the same files (same warehouse); they must be equal. mart → (totals, select list).
HISTORY_TOTALS = {
    "segment_history": (("rows", "snapshots", "frequency", "monetary", "recency_days", "r_score", "f_score",
                         "m_score"),
                        "count(*), count(distinct snapshot_date), sum(frequency), sum(monetary), sum(recency_days), "
                        "sum(r_score), sum(f_score), sum(m_score)"),
    "segment_transitions": (("rows", "people", "from_revenue", "to_revenue"),
                            "count(*), sum(people), sum(from_revenue), sum(to_revenue)"),
    "segment_reactivation": (("rows", "people", "returned"), "count(*), sum(people), sum(returned)"),
}
MONEY_TOTALS = ("monetary", "from_revenue", "to_revenue")


def history_totals_sql(schema: str = "analytics") -> list[tuple[str, str]]:
    """(mart, query) per history mart: one row of totals each."""
    return [(mart, f"select {select} from {schema}.{mart}") for mart, (_, select) in HISTORY_TOTALS.items()]


def _history_totals(rows: dict[str, tuple]) -> dict[str, float]:
    """{"<mart> <total>": value} from each mart's row of totals."""
    return {f"{mart} {name}": float(value or 0)
            for mart, row in rows.items() for name, value in zip(HISTORY_TOTALS[mart][0], row)}


def duckdb_history_totals(database: Path, schema: str = "analytics") -> dict[str, float]:
    import duckdb

    with duckdb.connect(str(database), read_only=True) as con:
        return _history_totals({mart: con.execute(sql).fetchone() for mart, sql in history_totals_sql(schema)})


def postgres_history_totals(target, schema: str = "analytics") -> dict[str, float]:
    import psycopg2

    conn = psycopg2.connect(**target.postgres_dsn())
    try:
        rows = {}
        with conn.cursor() as cur:
            for mart, sql in history_totals_sql(schema):
                cur.execute(sql)
                rows[mart] = cur.fetchone()
        return _history_totals(rows)
    finally:
        conn.close()


def refresh_differences(refresh: dict[str, float], full: dict[str, float], money_tolerance: float = 0.005) -> list[str]:
    """The totals in which the incremental refresh differs from the full refresh (money: to half a cent, sums of
    decimals added in another order; every other total exactly)."""
    problems = []
    for key in sorted(refresh.keys() | full.keys()):
        if key not in refresh or key not in full:
            problems.append(f"{key} only in the {'refresh' if key in refresh else 'full refresh'}")
            continue
        tolerance = money_tolerance if key.split(" ", 1)[1] in MONEY_TOTALS else 0.0
        if abs(refresh[key] - full[key]) > tolerance:
            problems.append(f"{key}: refresh {refresh[key]:,.2f}, full refresh {full[key]:,.2f}")
    return problems
