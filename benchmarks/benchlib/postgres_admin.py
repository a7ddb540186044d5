"""PostgreSQL administration: the profile's postgres target, creating and dropping the benchmark's databases."""
from __future__ import annotations


def postgres_target(database: str | None = None):
    from dataclasses import replace

    from customer_intel.profile import load_target

    target = load_target("postgres")
    if database:
        target = replace(target, settings={**target.settings, "dbname": database})
    return target


def _admin_connection(target):
    import psycopg2

    dsn = target.postgres_dsn()
    last_error = None
    for maintenance_db in ("postgres", dsn["dbname"], "template1"):
        try:
            conn = psycopg2.connect(**{**dsn, "dbname": maintenance_db}, connect_timeout=5)
            conn.autocommit = True
            return conn
        except psycopg2.Error as exc:
            last_error = exc
    raise last_error


def recreate_database(name: str) -> None:
    conn = _admin_connection(postgres_target())
    try:
        with conn.cursor() as cur:
            cur.execute(f'drop database if exists "{name}" with (force)')
            cur.execute(f'create database "{name}"')
    finally:
        conn.close()


def drop_database(name: str) -> None:
    conn = _admin_connection(postgres_target())
    try:
        with conn.cursor() as cur:
            cur.execute(f'drop database if exists "{name}" with (force)')
    finally:
        conn.close()
