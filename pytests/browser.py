"""Headless Chromium for the browser checks (the ROI report, dbt docs): find it, load a page, read what it logged.

Browser checks are skipped without a Chromium, except where REQUIRE_CHROMIUM=1 (CI installs Debian's chromium):
there they fail.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = next((path for name in ("chromium", "chromium-browser", "google-chrome")
                 if (path := shutil.which(name))), None)
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None and os.environ.get("REQUIRE_CHROMIUM") != "1", reason="no Chromium installed")


def load_in_chromium(page: Path | str, profile: Path, budget_ms: int = 15000) -> tuple[list[str], str]:
    """Console messages (Chromium logs them as ``...:CONSOLE...`` lines) and the DOM after scripts ran, for a
    file or a URL. ``budget_ms`` of virtual time: timers run until then, without waiting in real time."""
    url = page.as_uri() if isinstance(page, Path) else page
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
         "--enable-logging=stderr", "--v=0", f"--virtual-time-budget={budget_ms}", "--dump-dom", url],
        capture_output=True, text=True, timeout=180,
    )
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    return console, proc.stdout
