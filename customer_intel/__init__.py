"""Customer intelligence for e-commerce: the Python side of the dbt project.

Modules and packages:
- ``olist_files``: the contract of the nine Olist CSV files (names, headers, raw column types).
- ``generate/``: writes Olist-format files of any size, deterministically for a seed, in bounded memory.
- ``load/``: validates the files and bulk-loads them into schema ``raw`` of a dbt target (DuckDB, PostgreSQL, Spark).
- ``profile``: reads the dbt profile, the one source of connection settings, and the project's vars.
- ``spark``: the SparkSession of the profile's spark target (as dbt-spark's session method builds it) and the raw
  tables written through it.
- ``embedded_pg``: an embedded PostgreSQL 18 for the tests, the benchmarks and ``make demo TARGET=postgres`` when
  the profile's ``postgres`` target does not answer.
- ``errors``: the first line of an error's message, as every part of the project reports it.
- ``clv/``: buy-till-you-die models (BG/NBD, MBG/NBD, Gamma-Gamma): fits and their states, predictions, backtest;
  pure functions, no warehouse.
- ``roi/``: the business cases computed from the marts, their CSV tables, charts and report, and the per-person
  predictions written back to the warehouse (``scripts/roi.py``).
"""
