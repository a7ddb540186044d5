"""Shared fixtures: real warehouses, real files.

- ``generated_data``: a small Olist-format dataset made once per test session by the project's own generator.
- ``duckdb_env``: environment pointing the dbt profile's duckdb target at a fresh DuckDB file.
- ``postgres_env``: environment pointing the profile's postgres target at a fresh, empty test database.
  PostgreSQL tests are skipped when no server answers, unless REQUIRE_POSTGRES=1 (as in CI), where they fail.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SMALL_ORDERS = int(os.environ.get("TEST_ORDERS", "3000"))


def run_script(script: str, *args: str, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    """Run one of the project's scripts the way a user does, from the project root."""
    proc = subprocess.run(
        [PYTHON, str(PROJECT_ROOT / "scripts" / script), *args],
        cwd=PROJECT_ROOT, env=env or os.environ.copy(), capture_output=True, text=True,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"{script} {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="session", autouse=True)
def _profile_and_quiet_dbt():
    """dbt and the scripts read ./profiles.yml; a clean clone has only the example."""
    profile = PROJECT_ROOT / "profiles.yml"
    if not profile.exists():
        shutil.copy(PROJECT_ROOT / "profiles.yml.example", profile)
    os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"


@pytest.fixture(scope="session")
def generated_data(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("olist_generated")
    run_script("generate_data.py", "--orders", str(SMALL_ORDERS), "--seed", "7", "--out", str(out))
    return out


@pytest.fixture
def duckdb_env(tmp_path) -> dict:
    env = os.environ.copy()
    env["DBT_TARGET"] = "duckdb"
    env["DUCKDB_PATH"] = str(tmp_path / "warehouse.duckdb")
    return env


def _postgres_settings() -> dict:
    return {
        "host": os.environ.get("POSTGRES_HOST", "localhost"),
        "port": int(os.environ.get("POSTGRES_PORT", "5432")),
        "user": os.environ.get("POSTGRES_USER", "olist"),
        "password": os.environ.get("POSTGRES_PASSWORD", ""),
    }


def _postgres_admin_connection():
    import psycopg2

    settings = _postgres_settings()
    try:
        conn = psycopg2.connect(dbname=os.environ.get("POSTGRES_DB", "olist"), connect_timeout=3, **settings)
    except psycopg2.OperationalError as exc:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            raise
        pytest.skip(f"PostgreSQL not reachable: {str(exc).strip().splitlines()[0]}")
    conn.autocommit = True
    return conn


@pytest.fixture(scope="session")
def postgres_database_factory():
    """Creates fresh, empty databases on demand; all are dropped at the end of the session.
    Returns the environment that points the profile's postgres target at the new database."""
    conn = _postgres_admin_connection()
    created: list[str] = []

    def create() -> dict:
        dbname = f"olist_test_{uuid.uuid4().hex[:10]}"
        with conn.cursor() as cur:
            cur.execute(f'create database "{dbname}"')
        created.append(dbname)
        env = os.environ.copy()
        env.update({"DBT_TARGET": "postgres", "POSTGRES_DB": dbname})
        for key, value in _postgres_settings().items():
            env[f"POSTGRES_{key.upper()}"] = str(value)
        return env

    yield create
    with conn.cursor() as cur:
        for dbname in created:
            cur.execute(f'drop database if exists "{dbname}" with (force)')
    conn.close()


@pytest.fixture
def postgres_env(postgres_database_factory) -> dict:
    """A fresh database for one test; the environment points the profile at it."""
    return postgres_database_factory()
