"""Steps 2 and 3: DuckDB's read_csv of a checked file, its rejects as raw.load_rejects rows, the accounting."""
from __future__ import annotations

from datetime import datetime

from customer_intel.load.raw_tables import DUCKDB_TYPES
from customer_intel.load.results import CheckedFile, LoadError
from customer_intel.olist_files import TIMESTAMP_FORMAT

RAW_TEXT_MAX_CHARS = 10_000


def sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def parsed_rows_sql(checked: CheckedFile, rejects_name: str | None = None) -> str:
    """The file's rows in contract column order and types; unparseable records go to rejects_<table> (or
    rejects_<rejects_name>, for a second parse of the same file)."""
    types = dict(checked.spec.columns)
    columns = ", ".join(f"{sql_text(name)}: '{DUCKDB_TYPES[types[name]]}'" for name in checked.header)
    select_list = ", ".join(f'"{name}"' for name in checked.spec.header)
    table = rejects_name or checked.spec.table_name
    return (
        f"select {select_list} from read_csv({sql_text(str(checked.path))}, columns = {{{columns}}}, "
        "header = true, auto_detect = false, delim = ',', quote = '\"', escape = '\"', "
        f"timestampformat = {sql_text(TIMESTAMP_FORMAT)}, strict_mode = true, null_padding = false, "
        f"store_rejects = true, rejects_table = 'rejects_{table}', rejects_scan = 'rejects_scan_{table}')"
    )


def rejects_sql(checked: CheckedFile, load_id: str, loaded_at: datetime) -> str:
    """One row per rejected record of the last parse, in the layout of raw.load_rejects."""
    shift_records = ", ".join(str(record) for record, _ in checked.line_shifts)
    shifts = ", ".join(str(shift) for _, shift in checked.line_shifts)
    return f"""
        with errors_by_type as (
            select
                line as record_number,
                error_type::varchar || ': ' || arg_min(error_message, column_idx) as reason,
                any_value(csv_line) as raw_text
            from rejects_{checked.spec.table_name}
            -- a cast error per column; a wrong column count once per record (DuckDB repeats it per column)
            group by line, error_type, case when error_type = 'CAST' then column_idx end
        ),
        rejected_records as (
            select
                record_number,
                string_agg(reason, '; ' order by reason) as reason,
                any_value(raw_text) as raw_text
            from errors_by_type
            group by record_number
        ),
        line_shifts as (
            select unnest([{shift_records}]) as record_number, unnest([{shifts}]) as shift
        )
        select
            {sql_text(load_id)} as load_id,
            {sql_text(checked.spec.file_name)} as file_name,
            rejected_records.record_number + line_shifts.shift as line_number,
            left(ltrim(rejected_records.raw_text, chr(13) || chr(10)), {RAW_TEXT_MAX_CHARS}) as raw_text,
            rejected_records.reason,
            {sql_text(loaded_at.isoformat(sep=' '))}::timestamp as loaded_at
        from rejected_records
        asof join line_shifts on rejected_records.record_number >= line_shifts.record_number
        order by line_number
    """


def check_accounting(checked: CheckedFile, rows_loaded: int, rows_rejected: int) -> None:
    if rows_loaded + rows_rejected != checked.records:
        raise LoadError(
            f"{checked.spec.file_name}: record count {checked.records} but DuckDB loaded {rows_loaded} and rejected "
            f"{rows_rejected}; not loading: the two parsers disagree on where records end (a stray quote?)"
        )
