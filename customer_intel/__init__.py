"""Customer intelligence for e-commerce: the Python side of the dbt project.

Modules:
- ``olist_files``: the contract of the nine Olist CSV files (names, headers, raw column types).
- ``generate``: writes Olist-format files of any size, deterministically for a seed.
- ``load``: validates the files and bulk-loads them into schema ``raw`` of a dbt target.
- ``profile``: reads the dbt profile, the one source of connection settings.
"""
