"""The optional tenth file, ``campaign_contacts.csv``: parsed like the nine, then its rows that a campaign readout
cannot use are rejected too, with line number, raw text and reason, as unparseable rows are.

A parsed row is rejected when (its reasons joined by "; " when there are several):

- ``INVALID GROUP``: ``group`` is not exactly ``treatment`` or ``control`` (an empty one included);
- ``MISSING VALUE``: campaign_id, customer_unique_id or contacted_at is empty;
- ``UNKNOWN PERSON``: its customer_unique_id is not among the rows loaded from this load's customers file;
- ``DUPLICATE``: among the rows that pass the checks above, a later row for the same (campaign_id,
  customer_unique_id): the first line is kept.

How: DuckDB parses the file into a temporary table, whose row order is the file's (DuckDB preserves insertion order),
and the checks run in SQL on it, by row index: the unknown-person check is one anti-join against the customers
(``known_people_sql``), duplicates one aggregation. Only the rejected rows, usually few, get a line number and raw
text, in Python: the n-th parsed row is the n-th record number (header = 1, blank lines numbered, as in DuckDB's
rejects table) that is neither a blank line (``CheckedFile.blank_records``) nor a record the parse rejected;
``line_shifts`` turn it into the physical line, as for unparseable rows; the raw text is read back from those lines.
"""
from __future__ import annotations

import bisect
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from customer_intel.campaign import GROUPS
from customer_intel.load.duckdb_parsing import (
    RAW_TEXT_MAX_CHARS,
    check_accounting,
    parsed_rows_sql,
    rejects_sql,
    sql_text,
)
from customer_intel.load.results import CheckedFile, LoadError
from customer_intel.olist_files import BY_TABLE_NAME, CAMPAIGN_CONTACTS_FILE

CUSTOMERS = BY_TABLE_NAME["customers"]
# Temporary objects of the parsing connection, gone when it closes.
PARSED_TABLE = "campaign_contacts_parsed"
UNUSABLE_TABLE = "campaign_contacts_unusable"
REJECTS_FRAME = "campaign_contacts_unusable_rejects"


def is_campaign_file(checked: CheckedFile) -> bool:
    return checked.spec == CAMPAIGN_CONTACTS_FILE


def known_people_from_file(checked_files: list[CheckedFile]) -> str:
    """SQL of the customer_unique_ids this load loads, parsed again from the customers file (for a parsing
    connection that has no raw.customers): the same options give the same rows (its columns are all text)."""
    customers = next(checked for checked in checked_files if checked.spec == CUSTOMERS)
    return f"select customer_unique_id from ({parsed_rows_sql(customers, rejects_name='known_people')})"


def parse_sql(con: duckdb.DuckDBPyConnection, checked: CheckedFile, known_people_sql: str, load_id: str,
              loaded_at: datetime) -> tuple[str, str]:
    """The SQL of a file's rows to load and of its rejects (layout of raw.load_rejects). For the nine, the parse
    itself; for the campaign file, its checked rows (``check_campaign_contacts``)."""
    if is_campaign_file(checked):
        return check_campaign_contacts(con, checked, known_people_sql, load_id, loaded_at)
    return parsed_rows_sql(checked), rejects_sql(checked, load_id, loaded_at)


def _indexed_rows_sql(con: duckdb.DuckDBPyConnection) -> str:
    """The parsed rows with row_index, 0-based in file order. rowid follows insertion order but starts at 2**55
    inside a transaction: offset it when it is dense (one bulk insert: always, in practice), else rank it."""
    low, high, count = con.execute(f"select min(rowid), max(rowid), count(*) from {PARSED_TABLE}").fetchone()
    index = f"rowid - {low}" if count and high - low + 1 == count else "row_number() over (order by rowid) - 1"
    return f"(select {index} as row_index, * from {PARSED_TABLE})"


def _unusable_rows_sql(indexed_rows: str, known_people_sql: str) -> str:
    """row_index, reason and, for a duplicate, first_index (the row kept) of every parsed row that cannot be used."""
    groups = ", ".join(sql_text(group) for group in GROUPS)
    return f"""
        with parsed as (
            select * from {indexed_rows}
        ),
        unknown_people as (
            select customer_unique_id from parsed where customer_unique_id is not null
            except
            select customer_unique_id from ({known_people_sql}) as customers
        ),
        checked as (
            select
                parsed.row_index,
                parsed.campaign_id,
                parsed.customer_unique_id,
                nullif(concat_ws('; ',
                    case
                        when parsed."group" is null then 'INVALID GROUP: empty; expected treatment or control'
                        when parsed."group" not in ({groups})
                            then 'INVALID GROUP: "' || left(regexp_replace(parsed."group", '\\s+', ' ', 'g'), 40)
                                || '" is not treatment or control'
                    end,
                    case when parsed.campaign_id is null or parsed.customer_unique_id is null
                            or parsed.contacted_at is null
                        then 'MISSING VALUE: ' || concat_ws(', ',
                            case when parsed.campaign_id is null then 'campaign_id' end,
                            case when parsed.customer_unique_id is null then 'customer_unique_id' end,
                            case when parsed.contacted_at is null then 'contacted_at' end)
                    end,
                    case when unknown_people.customer_unique_id is not null
                        then 'UNKNOWN PERSON: customer_unique_id not in {CUSTOMERS.file_name}'
                    end
                ), '') as reason
            from parsed
            left join unknown_people on parsed.customer_unique_id = unknown_people.customer_unique_id
        ),
        repeated_pairs as (
            select campaign_id, customer_unique_id, min(row_index) as first_index
            from checked
            where reason is null
            group by campaign_id, customer_unique_id
            having count(*) > 1
        )
        select row_index, reason, null::bigint as first_index from checked where reason is not null
        union all
        select checked.row_index, null, repeated_pairs.first_index
        from checked
        inner join repeated_pairs
            on checked.campaign_id = repeated_pairs.campaign_id
            and checked.customer_unique_id = repeated_pairs.customer_unique_id
        where checked.reason is null and checked.row_index > repeated_pairs.first_index
    """


class _LineNumbers:
    """Physical lines of parsed rows by row index (``locate`` takes the indexes in increasing order)."""

    def __init__(self, checked: CheckedFile, unparsed_records: list[int]):
        self._skipped = sorted({*checked.blank_records, *unparsed_records})  # record numbers without a parsed row
        self._shift_records = [record for record, _ in checked.line_shifts]
        self._shifts = [shift for _, shift in checked.line_shifts]

    def _shift(self, record: int) -> int:
        return self._shifts[bisect.bisect_right(self._shift_records, record) - 1]

    def locate(self, row_indexes: list[int]) -> dict[int, tuple[int, int]]:
        """row index → (first, last physical line of its record)."""
        located = {}
        skipped = 0
        for index in row_indexes:
            # the record numbers of the parsed rows are 2, 3, … (header = 1) less the skipped ones
            while skipped < len(self._skipped) and self._skipped[skipped] <= index + 2 + skipped:
                skipped += 1
            record = index + 2 + skipped
            located[index] = (record + self._shift(record), record + self._shift(record + 1))
        return located


def _raw_texts(path: Path, spans: list[tuple[int, int]]) -> list[str]:
    """The text of physical lines first..last (1-based) of each span, sorted and not overlapping: line breaks within
    a span kept, the last one dropped; cut at RAW_TEXT_MAX_CHARS characters, as DuckDB's rejects are."""
    texts: list[str] = []
    parts: list[str] = []
    if not spans:
        return texts
    with open(path, encoding="utf-8-sig", newline="") as fh:  # newline="": lines end at \n, \r\n or \r, kept
        for number, line in enumerate(fh, start=1):
            first, last = spans[len(texts)]
            if number < first:
                continue
            parts.append(line)
            if number == last:
                text = "".join(parts)
                text = text[:-2] if text.endswith("\r\n") else text[:-1] if text.endswith(("\n", "\r")) else text
                texts.append(text[:RAW_TEXT_MAX_CHARS])
                parts = []
                if len(texts) == len(spans):
                    break
    if len(texts) != len(spans):
        raise LoadError(f"{CAMPAIGN_CONTACTS_FILE.file_name}: line {spans[len(texts)][0]} not found when reading "
                        "the rejected rows back")
    return texts


def _unusable_rejects(con: duckdb.DuckDBPyConnection, checked: CheckedFile) -> pd.DataFrame:
    """line_number, raw_text and reason of the rows in UNUSABLE_TABLE, in line order."""
    unusable = con.execute(f"select row_index, reason, first_index from {UNUSABLE_TABLE} order by row_index").fetchall()
    unparsed = [line for (line,) in con.execute(f"select distinct line from rejects_{checked.spec.table_name}")
                .fetchall()]
    wanted = sorted({index for index, _, _ in unusable} | {first for _, _, first in unusable if first is not None})
    lines = _LineNumbers(checked, unparsed).locate(wanted)
    spans = [lines[index] for index, _, _ in unusable]
    reasons = [reason if first is None else
               f"DUPLICATE: same campaign_id and customer_unique_id as line {lines[first][0]} (the first line is kept)"
               for _, reason, first in unusable]
    return pd.DataFrame({
        "line_number": pd.Series([first for first, _ in spans], dtype="int64"),
        "raw_text": pd.Series(_raw_texts(checked.path, spans), dtype=object),
        "reason": pd.Series(reasons, dtype=object),
    })


def check_campaign_contacts(con: duckdb.DuckDBPyConnection, checked: CheckedFile, known_people_sql: str,
                            load_id: str, loaded_at: datetime) -> tuple[str, str]:
    """Parse the campaign file and find the rows that cannot be used. Returns the SQL of the rows to load (in file
    order) and of all its rejects (unparseable and unusable rows), both on temporary objects of ``con``."""
    try:
        con.execute(f"create or replace temp table {PARSED_TABLE} as {parsed_rows_sql(checked)}")
    except duckdb.Error as exc:
        raise checked.parse_error(exc) from None
    parsed = con.execute(f"select count(*) from {PARSED_TABLE}").fetchone()[0]
    unparsed = con.execute(f"select count(distinct line) from rejects_{checked.spec.table_name}").fetchone()[0]
    check_accounting(checked, parsed, unparsed)  # the line numbers of the rows rely on it
    indexed_rows = _indexed_rows_sql(con)
    con.execute(f"create or replace temp table {UNUSABLE_TABLE} as "
                f"{_unusable_rows_sql(indexed_rows, known_people_sql)}")
    con.register(REJECTS_FRAME, _unusable_rejects(con, checked))
    columns = ", ".join(f'"{name}"' for name in checked.spec.header)
    rows = (f"select {columns} from {indexed_rows} as parsed "
            f"where row_index not in (select row_index from {UNUSABLE_TABLE}) order by row_index")
    rejects = f"""
        select load_id, file_name, line_number::bigint as line_number, raw_text, reason, loaded_at
        from ({rejects_sql(checked, load_id, loaded_at)})
        union all
        select
            {sql_text(load_id)}, {sql_text(checked.spec.file_name)}, line_number::bigint, raw_text::varchar,
            reason::varchar, {sql_text(loaded_at.isoformat(sep=' '))}::timestamp
        from {REJECTS_FRAME}
        order by line_number
    """
    return rows, rejects
