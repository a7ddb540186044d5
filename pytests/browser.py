"""Headless Chromium for the browser checks (the ROI report, dbt docs): find it, load a page, read what it logged.

Browser checks are skipped without a Chromium, except where REQUIRE_CHROMIUM=1 (CI installs Debian's chromium):
there they fail.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

CHROMIUM = next((path for name in ("chromium", "chromium-browser", "google-chrome")
                 if (path := shutil.which(name))), None)
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None and os.environ.get("REQUIRE_CHROMIUM") != "1", reason="no Chromium installed")


def load_in_chromium(page: Path | str, profile: Path, budget_ms: int = 15000,
                     timeout_s: float = 180) -> tuple[list[str], str]:
    """Console messages (Chromium logs them as ``...:CONSOLE...`` lines) and the DOM after scripts ran, for a
    file or a URL. ``budget_ms`` of virtual time: timers run until then, without waiting in real time. A page that
    never settles (Chromium then prints no DOM) is killed, with its helper processes, after ``timeout_s`` of real
    time: the console lines it logged are returned with an empty DOM."""
    url = page.as_uri() if isinstance(page, Path) else page
    proc = subprocess.Popen(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
         "--enable-logging=stderr", "--v=0", f"--virtual-time-budget={budget_ms}", "--dump-dom", url],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    try:
        dom, stderr = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        _, stderr = proc.communicate()
        dom = ""
    console = [line for line in stderr.splitlines() if ":CONSOLE" in line]
    return console, dom
