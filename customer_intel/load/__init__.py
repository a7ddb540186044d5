"""Load the nine Olist CSV files into schema ``raw`` of the dbt target: validated, bulk, atomic, audited.

An optional tenth file, ``campaign_contacts.csv`` (a campaign's contact list, ``olist_files.CAMPAIGN_CONTACTS_FILE``),
goes through the same steps into ``raw.campaign_contacts`` when it is in the folder; without it the load still
replaces that table, with an empty one (the contract's columns), so that dbt finds an empty table, not a missing one.

Design, in the order a load runs:

1. **Check every file before touching the warehouse.** One streaming pass per file computes the sha256 and byte
   size, decodes it as strict UTF-8 (a byte-order mark is allowed; a NUL byte is not), checks the header against
   the contract in ``olist_files`` (names, quoted or not; the order may differ) and counts the records with
   ``RecordScanner``, a byte-level CSV record counter that follows the csv module's rules (the tests hold it to
   that) at a fraction of its cost. That count is independent of the parser below and is what ``rows_read``
   reports. The pass also notes where multi-line records shift physical line numbers, so that a rejected record is
   reported at the line an editor shows. A missing file, a bad header, invalid UTF-8 (reported with line and byte
   offset) or an empty file (no header line) stops the load: ``LoadError("<file name>: <problem>")``.
   A header-only file is valid and loads an empty table.
2. **Parse with DuckDB, whatever the target**: ``read_csv`` with the contract's columns and types, no sniffing,
   ``"`` as quote and escape, the contract's timestamp format, strict mode and ``store_rejects``. A record that
   does not parse (wrong number of columns, unterminated quote, a value that does not cast) lands in DuckDB's
   rejects table, becomes one row of ``raw.load_rejects`` (physical line, raw text cut at 10,000 characters,
   reasons) and is counted. Both targets therefore keep and reject exactly the same rows. Empty values, quoted or
   not, are NULL. Numbers are doubles (``44.0`` is fine) and zip prefixes text as written (``1529`` stays ``1529``).
3. **Account for every record**: records counted in step 1 = rows loaded + records rejected, else the load stops.
   The two parsers agree on every well-formed file; they can disagree only on stray quote characters, where
   refusing is safer than guessing. The campaign file's parsed rows then go through checks of their own
   (``campaign_contacts``): a ``group`` other than ``treatment``/``control``, a missing campaign_id,
   customer_unique_id or contacted_at, a customer_unique_id not among this load's customers, or a second row for
   the same (campaign_id, customer_unique_id) (the first line is kept) is rejected like an unparseable row (line,
   raw text, reason) and counted in the same accounting.
4. **Write everything in one transaction**: the nine tables and raw.campaign_contacts, the rejects and
   ``raw.load_audit`` commit together or not at all, so a load that fails or is killed leaves the previous load
   intact. Rejects and audit keep history.

   - DuckDB target: after all checks, the warehouse connection parses straight into
     ``create or replace table raw.<table>`` inside BEGIN … COMMIT (DuckDB views bind by name when queried, so
     dbt's views survive the replacement).
   - PostgreSQL target: after all checks, one transaction creates missing tables (recreating a table only when its
     columns differ from the contract), TRUNCATEs the ten tables (never DROP: dbt's views depend on them) and
     streams each file with ``COPY … FROM STDIN (FORMAT csv, FREEZE)``, then its rejects. The rows come from an
     in-memory DuckDB that writes each file's clean typed rows to a temporary CSV file, one file ahead of COPY.
     TRUNCATE's lock keeps readers waiting until the commit, so FREEZE shows nobody a half-loaded table.
   - Spark target (``customer_intel.spark``): Spark has no transaction spanning tables, so this one is weaker. An
     in-memory DuckDB stages every file's clean typed rows and rejects as Parquet files first (any parse problem
     stops the load before Spark starts); Spark then writes each new table in full beside the old one
     (``raw.<table>__incoming``; for load_rejects and load_audit, their previous rows plus this load's), and only
     when all twelve are written swaps them in (drop old, rename new: a few metastore operations during which a
     reader can see a table missing or a mix of old and new tables). A failure before the swap leaves the
     previous load intact.

A line per table goes to ``out`` as it is written (before the commit) and a final ``committed …`` line after it;
files over 20 MB get a byte progress bar on stderr when stderr is a terminal.

Modules, in that order: ``file_checks`` (with ``record_scanner`` and ``progress``), ``duckdb_parsing``,
``campaign_contacts`` (the campaign file's checks), ``raw_tables`` (rejects and audit), ``staging``,
``duckdb_target``, ``postgres_target``, ``spark_target``, and
``run`` (``load`` and ``load_into``); ``results`` holds ``LoadError`` and what a load reports.
"""
from __future__ import annotations

from customer_intel.load.file_checks import check_file, check_files
from customer_intel.load.record_scanner import RecordScanner
from customer_intel.load.results import CheckedFile, LoadedFile, LoadError, LoadResult
from customer_intel.load.run import load, load_into, new_load_id

__all__ = ["load", "load_into", "new_load_id", "check_file", "check_files", "RecordScanner", "LoadError",
           "CheckedFile", "LoadedFile", "LoadResult"]
