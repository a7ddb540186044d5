"""A description of the machine and software a run measured."""
from __future__ import annotations

import os
import platform
import shutil
from pathlib import Path

from .config import RESULTS_DIR
from .measure import _read_text
from .postgres_admin import _admin_connection


def _versions() -> str:
    from importlib import metadata

    names = ("dbt-core", "dbt-duckdb", "dbt-postgres", "duckdb", "pandas", "sqlalchemy", "psycopg2-binary")
    found = []
    for name in names:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            pass
    return ", ".join(found)


def _disk(path: Path) -> str:
    usage = shutil.disk_usage(path)
    device, kind = "?", ""
    for line in _read_text("/proc/mounts").splitlines():
        fields = line.split()
        if len(fields) > 2 and str(path.resolve()).startswith(fields[1]) and (
                device == "?" or len(fields[1]) > len(device.split(" on ")[-1])):
            device = f"{fields[0]} ({fields[2]}) on {fields[1]}"
            block = Path(fields[0]).name
            rotational = _read_text(f"/sys/block/{block}/queue/rotational").strip()
            kind = {"0": ", non-rotational", "1": ", rotational"}.get(rotational, "")
    return f"{device}{kind}, {usage.total / 1e9:.0f} GB, {usage.free / 1e9:.0f} GB free"


def describe_machine(pg_target=None, results_dir: Path = RESULTS_DIR) -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in _read_text("/proc/cpuinfo").splitlines()
                if line.startswith("model name")), platform.processor() or "?")
    mem_kb = next((int(line.split()[1]) for line in _read_text("/proc/meminfo").splitlines()
                   if line.startswith("MemTotal:")), 0)
    machine = {
        "cpu": cpu, "nproc": os.cpu_count(), "ram": f"{mem_kb / 1024 / 1024:.1f} GiB", "disk": _disk(results_dir),
        "os": f"{platform.system()} {platform.release()}", "python": platform.python_version(),
        "versions": _versions(), "load_average": " ".join(_read_text("/proc/loadavg").split()[:3]),
    }
    if pg_target is not None:
        try:
            conn = _admin_connection(pg_target)
            with conn.cursor() as cur:
                cur.execute("show server_version")
                version = cur.fetchone()[0]
                cur.execute("select name, current_setting(name) from pg_settings where name in "
                            "('shared_buffers', 'work_mem', 'max_parallel_workers_per_gather') order by name")
                settings = ", ".join(f"{n}={s}" for n, s in cur.fetchall())
            conn.close()
            machine["postgres"] = f"PostgreSQL {version} ({settings})"
        except Exception as exc:  # noqa: BLE001
            machine["postgres"] = f"unknown ({exc.__class__.__name__})"
    return machine
