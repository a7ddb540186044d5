"""Measuring one step: wall time, CPU, and peak memory of its process tree (and of PostgreSQL's backends)."""
from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from .config import MB, PAGE_BYTES, PROJECT_ROOT, SAMPLE_SECONDS


@dataclass
class Measurement:
    """One step at one size on one engine."""

    scale: float
    orders: int
    engine: str            # duckdb | postgres | - (engine-independent)
    step: str
    wall_s: float
    peak_rss_mb: float     # max(sampled peak of the process tree's summed PSS, largest single process's RSS)
    max_process_rss_mb: float
    server_rss_mb: float | None = None   # PostgreSQL backends' private memory (RssAnon), sampled
    returncode: int = 0
    detail: str = ""
    cpu_s: float = 0.0                   # CPU time of the step's process tree (exact, rusage)
    server_cpu_s: float | None = None    # CPU time of the PostgreSQL backends serving it (sampled)
    others_cpu_s: float = 0.0            # CPU time the rest of the machine used meanwhile (/proc/stat)

    @property
    def s_per_million_orders(self) -> float:
        return self.wall_s / (self.orders / 1e6)

    def row(self) -> dict:
        def optional(value):
            return "" if value is None else round(value, 1)

        return {
            "scale": f"{self.scale:g}", "orders": self.orders, "engine": self.engine, "step": self.step,
            "wall_s": round(self.wall_s, 3), "s_per_million_orders": round(self.s_per_million_orders, 3),
            "peak_rss_mb": round(self.peak_rss_mb, 1), "max_process_rss_mb": round(self.max_process_rss_mb, 1),
            "server_rss_mb": optional(self.server_rss_mb), "cpu_s": round(self.cpu_s, 2),
            "server_cpu_s": optional(self.server_cpu_s), "others_cpu_s": round(self.others_cpu_s, 1),
            "returncode": self.returncode, "detail": self.detail,
        }


CSV_FIELDS = ("run_id", "preset", "scale", "orders", "engine", "step", "wall_s", "s_per_million_orders",
              "peak_rss_mb", "max_process_rss_mb", "server_rss_mb", "cpu_s", "server_cpu_s", "others_cpu_s",
              "returncode", "detail")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Proc:
    ppid: int
    rss_bytes: int
    name: str
    cpu_ticks: int


def read_proc_table() -> dict[int, Proc]:
    """Every process, from /proc/<pid>/stat."""
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read().decode("utf-8", "replace")
        except OSError:
            continue
        name_start, name_end = stat.find("("), stat.rfind(")")
        fields = stat[name_end + 2:].split()
        # fields[0] is field 3 of proc(5) (state): ppid is field 4, utime 14, stime 15, rss (pages) 24.
        table[int(entry.name)] = Proc(int(fields[1]), int(fields[21]) * PAGE_BYTES, stat[name_start + 1:name_end],
                                      int(fields[11]) + int(fields[12]))
    return table


def machine_busy_ticks() -> int:
    """CPU ticks spent by the whole machine (all CPUs, everything but idle and iowait) since boot."""
    fields = [int(v) for v in _read_text("/proc/stat").splitlines()[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return user + nice + system + irq + softirq + steal


def tree_pids(root: int, table: dict[int, Proc]) -> set[int]:
    children: dict[int, list[int]] = {}
    for pid, proc in table.items():
        children.setdefault(proc.ppid, []).append(pid)
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid in found:
            continue
        found.add(pid)
        todo.extend(children.get(pid, ()))
    return found


def _read_text(path: str) -> str:
    try:
        with open(path, "rb") as fh:
            return fh.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _pss_bytes(pid: int, rss_bytes: int) -> int:
    """Proportional set size: resident memory with shared pages divided among the processes sharing them, so
    that a tree of processes (Chromium under roi.py, say) is not counted several times over."""
    for line in _read_text(f"/proc/{pid}/smaps_rollup").splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) * 1024
    return rss_bytes


def _rss_anon_bytes(pid: int) -> int:
    for line in _read_text(f"/proc/{pid}/status").splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) * 1024
    return 0


def postgres_backends(table: dict[int, Proc], databases: Sequence[str]) -> set[int]:
    """Server processes working for ``databases``: their backends (process title 'postgres: user db host ...')
    and the parallel workers those backends started ('parallel worker for PID n')."""
    if not databases:
        return set()
    backends, workers = set(), {}
    for pid, proc in table.items():
        if not proc.name.startswith("postgres"):
            continue
        title = _read_text(f"/proc/{pid}/cmdline").replace("\0", " ").strip()
        words = title.split()
        if "parallel worker for PID" in title:
            workers[pid] = int(words[-1])
        elif words[:1] == ["postgres:"]:
            # 'postgres: [cluster_name:] user database host state' (Debian's clusters set cluster_name)
            fields = words[2:] if len(words) > 1 and words[1].endswith(":") else words[1:]
            if len(fields) >= 3 and fields[1] in databases:
                backends.add(pid)
    return backends | {pid for pid, leader in workers.items() if leader in backends}


class Sampler(threading.Thread):
    """Samples, every ``interval`` seconds, the summed memory (PSS) of a process tree and, for the PostgreSQL
    backends serving ``databases``, their summed private memory (RssAnon) and CPU time; keeps the peaks."""

    def __init__(self, root_pid: int, databases: Sequence[str] = (), interval: float = SAMPLE_SECONDS):
        super().__init__(daemon=True)
        self.root_pid = root_pid
        self.databases = tuple(databases)
        self.interval = interval
        self.peak_tree_bytes = 0
        self.peak_server_bytes = 0
        self._server_ticks: dict[int, list[int]] = {}     # pid → [ticks when first seen, ticks when last seen]
        self._tree_ticks: dict[int, int] = {}              # pid → CPU ticks when last seen (tree processes)
        self._first = True
        self._stop_event = threading.Event()

    @property
    def tree_cpu_s(self) -> float:
        """CPU time of the tree's processes as sampled (catches processes whose parent never waits for them,
        Chromium's helpers under roi.py, which rusage misses; loses each process's last interval)."""
        return sum(self._tree_ticks.values()) / CLOCK_TICKS

    @property
    def server_cpu_s(self) -> float:
        return sum(last - first for first, last in self._server_ticks.values()) / CLOCK_TICKS

    def sample(self) -> None:
        table = read_proc_table()
        tree = tree_pids(self.root_pid, table) if self.root_pid in table else set()
        self.peak_tree_bytes = max(self.peak_tree_bytes,
                                   sum(_pss_bytes(pid, table[pid].rss_bytes) for pid in tree))
        for pid in tree:
            self._tree_ticks[pid] = table[pid].cpu_ticks
        if self.databases:
            backends = postgres_backends(table, self.databases)
            self.peak_server_bytes = max(self.peak_server_bytes, sum(_rss_anon_bytes(pid) for pid in backends))
            for pid in backends:
                ticks = table[pid].cpu_ticks
                # A backend already running at the first sample counts from then; a later one from its start.
                self._server_ticks.setdefault(pid, [ticks if self._first else 0, ticks])[1] = ticks
        self._first = False

    def run(self) -> None:
        while True:
            try:
                self.sample()
            except Exception:  # noqa: BLE001 - a vanished process must not end the sampling
                pass
            if self._stop_event.wait(self.interval):
                return

    def stop(self) -> None:
        self._stop_event.set()
        self.join()
        try:
            self.sample()
        except Exception:  # noqa: BLE001
            pass


@dataclass
class ProcessResult:
    wall_s: float
    peak_rss_mb: float
    max_process_rss_mb: float
    server_rss_mb: float | None
    returncode: int
    cpu_s: float = 0.0
    server_cpu_s: float | None = None
    others_cpu_s: float = 0.0


def measure(command: Sequence[str], env: dict, log_path: Path, databases: Sequence[str] = (),
            timeout: float | None = None, cwd: Path | None = None) -> ProcessResult:
    """Run ``command`` from the project root, output to ``log_path``; wall time, peak memory, CPU time."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w", encoding="utf-8") as log:
        log.write("$ " + " ".join(str(part) for part in command) + "\n")
        log.flush()
        busy_before = machine_busy_ticks()
        started = time.perf_counter()
        proc = subprocess.Popen([str(part) for part in command], cwd=cwd or PROJECT_ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        sampler = Sampler(proc.pid, databases)
        sampler.start()
        timer = None
        if timeout:
            timer = threading.Timer(timeout, lambda: os.killpg(proc.pid, signal.SIGTERM))
            timer.start()
        # wait4 gives this child's own rusage, its waited-for descendants included: ru_maxrss is the largest
        # single process, ru_utime + ru_stime the CPU time of the tree (of the processes that were waited for).
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            # Interrupted (SIGTERM, Ctrl-C): stop the step's whole process group, then let the caller clean up.
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
            sampler.stop()
            raise
        wall = time.perf_counter() - started
        busy = (machine_busy_ticks() - busy_before) / CLOCK_TICKS
        if timer:
            timer.cancel()
        sampler.stop()
        proc.returncode = os.waitstatus_to_exitcode(status)
    max_process = usage.ru_maxrss * 1024 / MB
    cpu = max(usage.ru_utime + usage.ru_stime, sampler.tree_cpu_s)
    server_cpu = sampler.server_cpu_s if databases else None
    return ProcessResult(
        wall_s=wall, peak_rss_mb=max(sampler.peak_tree_bytes / MB, max_process), max_process_rss_mb=max_process,
        server_rss_mb=sampler.peak_server_bytes / MB if databases else None, returncode=proc.returncode,
        cpu_s=cpu, server_cpu_s=server_cpu, others_cpu_s=max(0.0, busy - cpu - (server_cpu or 0.0)),
    )
