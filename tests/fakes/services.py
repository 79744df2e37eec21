"""Real PostgreSQL and Redis servers for the test run.

Both servers are started from their binaries on free loopback ports, with their data in
temporary directories, and stopped (and the directories removed) at the end. An ``atexit``
hook and a SIGTERM/SIGHUP handler stop them if the test process is interrupted.

Plain classes, usable outside pytest::

    pg = PostgresServer()
    pg.start()                     # initdb + pg_ctl start + CREATE DATABASE devbot_test
    pg.url()                       # postgresql+asyncpg://postgres@127.0.0.1:PORT/devbot_test
    pg.create_database("other")    # fresh empty database
    pg.stop()

    rd = RedisServer()
    rd.start()
    rd.url                         # redis://127.0.0.1:PORT/0
    rd.stop()

An outage, for fault tests: ``halt()`` stops the server process but keeps its port and data
directory, ``resume()`` starts it again on the same port (PostgreSQL with its data, Redis
empty: it keeps nothing on disk).

Pytest fixtures (register the module via ``pytest_plugins = ["tests.fakes.services"]``):
``postgres_server`` and ``redis_server`` (session), ``postgres_url`` (a fresh empty database
per test) and ``redis_url`` (FLUSHALL before each test).

When a binary is missing the fixtures skip, or fail when ``CI`` is "true"/"1" or
``DEVBOT_REQUIRE_SERVICES`` is "1". A server that fails to start always fails the test,
with the tail of the server's log in the message.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import glob
import itertools
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

import pytest

__all__ = [
    "PostgresServer",
    "RedisServer",
    "ServiceStartError",
    "ServiceUnavailableError",
    "find_postgres_bindir",
    "find_redis_server",
    "postgres_server",
    "postgres_url",
    "redis_server",
    "redis_url",
]

INSTALL_HINT = "`.ci/run` installs postgresql and redis-server"
PG_BINARIES = ("initdb", "pg_ctl", "postgres")
PG_FALLBACK_USER = "devbot-pg"
DEFAULT_DATABASE = "devbot_test"
START_ATTEMPTS = 3  # a free port can be taken by someone else before the server binds it
LOG_TAIL_LINES = 25

_T = TypeVar("_T")


class ServiceUnavailableError(RuntimeError):
    """A server binary is not installed."""


class ServiceStartError(RuntimeError):
    """A server binary exists but the server could not be started."""


# --------------------------------------------------------------------------- helpers


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"(no log at {path})"
    tail = text.strip().splitlines()[-lines:]
    return "\n".join(tail) if tail else f"(empty log at {path})"


def _version_key(path: str) -> tuple[int, ...]:
    """Sort key for /usr/lib/postgresql/<version>/bin: numeric version, newest first."""
    match = re.search(r"/postgresql/([0-9][0-9.]*)/", path)
    if not match:
        return (0,)
    return tuple(int(part) for part in match.group(1).split(".") if part)


def _has_pg_binaries(bindir: str) -> bool:
    return all(os.access(os.path.join(bindir, name), os.X_OK) for name in PG_BINARIES)


def find_postgres_bindir() -> str | None:
    """Directory holding initdb, pg_ctl and postgres, or None.

    Looks at ``$DEVBOT_PG_BINDIR``, then PATH (following symlinks to the real directory, so
    that initdb finds its sibling ``postgres``), then ``pg_config --bindir``, then
    ``/usr/lib/postgresql/*/bin`` and ``/usr/local/pgsql/bin``, newest version first.
    """
    candidates: list[str] = []
    override = os.environ.get("DEVBOT_PG_BINDIR")
    if override:
        candidates.append(override)
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(os.path.dirname(os.path.realpath(initdb)))
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"],
                capture_output=True,
                text=True,
                timeout=10,
                check=True,
            ).stdout.strip()
            if out:
                candidates.append(out)
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)
    candidates.append("/usr/local/pgsql/bin")
    for candidate in candidates:
        if _has_pg_binaries(candidate):
            return os.path.realpath(candidate)
    return None


def find_redis_server() -> str | None:
    """Path of redis-server, or None (``$DEVBOT_REDIS_SERVER``, PATH, usual locations)."""
    override = os.environ.get("DEVBOT_REDIS_SERVER")
    candidates = [override] if override else []
    found = shutil.which("redis-server")
    if found:
        candidates.append(found)
    candidates += [
        "/usr/bin/redis-server",
        "/usr/local/bin/redis-server",
        "/usr/sbin/redis-server",
    ]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK) and os.path.isfile(candidate):
            return candidate
    return None


def _run_in_thread(factory: Callable[[], Coroutine[Any, Any, _T]]) -> _T:
    """Run a coroutine to completion in a private thread with its own event loop.

    Works whether or not the calling thread is already running an event loop (sync pytest
    fixtures may be set up while pytest-asyncio's session loop is running).
    """
    result: list[_T] = []
    error: list[BaseException] = []

    def target() -> None:
        try:
            result.append(asyncio.run(factory()))
        except BaseException as exc:
            error.append(exc)

    thread = threading.Thread(target=target, name="devbot-services", daemon=True)
    thread.start()
    thread.join()
    if error:
        raise error[0]
    return result[0]


def _pid_alive(pid: int) -> bool:
    """True while the process exists, zombies included (until its parent reaps it)."""
    if os.path.isdir("/proc/self"):
        return os.path.exists(f"/proc/{pid}")
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _pid_alive(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
    return True


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --------------------------------------------------------------------------- cleanup registry

_LIVE: set[PostgresServer | RedisServer] = set()
_LIVE_LOCK = threading.Lock()
_HANDLERS_INSTALLED = False


def _register(server: PostgresServer | RedisServer) -> None:
    global _HANDLERS_INSTALLED
    with _LIVE_LOCK:
        _LIVE.add(server)
        if _HANDLERS_INSTALLED:
            return
        _HANDLERS_INSTALLED = True
    atexit.register(stop_all)
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in (signal.SIGTERM, signal.SIGHUP):
        # Only take over signals nobody else handles: default action would skip atexit.
        if signal.getsignal(signum) is signal.SIG_DFL:
            signal.signal(signum, _on_signal)


def _unregister(server: PostgresServer | RedisServer) -> None:
    with _LIVE_LOCK:
        _LIVE.discard(server)


def stop_all() -> None:
    """Stop every server this process started (atexit / signal safety net)."""
    with _LIVE_LOCK:
        servers = list(_LIVE)
    for server in servers:
        with contextlib.suppress(Exception):
            server.stop()


def _on_signal(signum: int, frame: FrameType | None) -> None:
    stop_all()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


# --------------------------------------------------------------------------- PostgreSQL


def _tmp_parent_for(uid: int) -> str | None:
    """A temp parent directory that another user (uid) can traverse."""
    parent = tempfile.gettempdir()
    if uid == os.geteuid():
        return parent
    path = Path(parent).resolve()
    for part in (path, *path.parents):
        try:
            if not part.stat().st_mode & 0o001:
                return "/tmp" if os.path.isdir("/tmp") else None
        except OSError:
            return None
    return parent


def _postgres_account() -> tuple[int, int] | None:
    """(uid, gid) to run PostgreSQL as, or None to run as the current user.

    PostgreSQL refuses to run as root; as root we use the ``postgres`` system user from the
    Debian package, or create a ``devbot-pg`` system user when there is none.
    """
    if os.geteuid() != 0:
        return None
    for name in ("postgres", PG_FALLBACK_USER):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        if entry.pw_uid != 0:
            return entry.pw_uid, entry.pw_gid
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    proc = subprocess.run(
        [
            useradd,
            "--system",
            "--no-create-home",
            "--user-group",
            "--shell",
            "/bin/false",
            PG_FALLBACK_USER,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        entry = pwd.getpwnam(PG_FALLBACK_USER)
    except KeyError:
        raise ServiceStartError(
            "running as root, no `postgres` user and `useradd "
            f"{PG_FALLBACK_USER}` failed: {(proc.stderr or proc.stdout).strip()}"
        ) from None
    return entry.pw_uid, entry.pw_gid


class PostgresServer:
    """A throw-away PostgreSQL cluster: initdb into a temp dir, pg_ctl start on a free port."""

    def __init__(self, database: str = DEFAULT_DATABASE, bindir: str | None = None) -> None:
        self.database = database
        self.bindir = bindir
        self.port = 0
        self.tmpdir: Path | None = None
        self._account: tuple[int, int] | None = None
        self._postmaster_pid: int | None = None
        self._started = False
        self._lock = threading.Lock()
        self._counter = itertools.count(1)

    # paths -----------------------------------------------------------------
    @property
    def datadir(self) -> Path:
        assert self.tmpdir is not None, "PostgresServer not started"
        return self.tmpdir / "data"

    @property
    def logfile(self) -> Path:
        assert self.tmpdir is not None, "PostgresServer not started"
        return self.tmpdir / "postgres.log"

    @property
    def sockdir(self) -> Path:
        assert self.tmpdir is not None, "PostgresServer not started"
        return self.tmpdir

    def url(self, database: str | None = None) -> str:
        """SQLAlchemy URL: postgresql+asyncpg://postgres@127.0.0.1:PORT/DB."""
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database or self.database}"

    def dsn(self, database: str | None = None) -> str:
        """libpq/asyncpg DSN: postgresql://postgres@127.0.0.1:PORT/DB."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database or self.database}"

    # process helpers ---------------------------------------------------------
    def _bin(self, name: str) -> str:
        assert self.bindir is not None
        return os.path.join(self.bindir, name)

    def _run(self, args: list[str], output: Path, timeout: float) -> int:
        """Run a PostgreSQL tool as the server account, output appended to a file.

        Output goes to a file rather than a pipe: the postmaster started by pg_ctl inherits
        descriptors, and a pipe it keeps open would make us wait forever.
        """
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("PG") and not key.startswith("LC_")
        }
        env.update(LC_ALL="C", LANG="C", TZ=env.get("TZ", "UTC"))
        assert self.tmpdir is not None
        env["HOME"] = str(self.tmpdir)
        user: dict[str, Any] = {}
        if self._account is not None:
            uid, gid = self._account
            user = {"user": uid, "group": gid, "extra_groups": []}
            with contextlib.suppress(KeyError):
                env["USER"] = env["LOGNAME"] = pwd.getpwuid(uid).pw_name
        with open(output, "ab") as out:
            if self._account is not None:
                os.fchown(out.fileno(), *self._account)
            proc = subprocess.run(
                args,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.tmpdir,
                env=env,
                timeout=timeout,
                check=False,
                **user,
            )
        return proc.returncode

    def _fail(self, what: str, *logs: Path) -> ServiceStartError:
        tails = "\n".join(f"log tail ({log}):\n{_log_tail(log)}" for log in logs if log.exists())
        return ServiceStartError(f"PostgreSQL {what} failed; {tails or '(no log written)'}")

    # lifecycle ------------------------------------------------------------------
    def start(self) -> PostgresServer:
        with self._lock:
            if self._started:
                return self
            if self.bindir is None:
                self.bindir = find_postgres_bindir()
            if self.bindir is None or not _has_pg_binaries(self.bindir):
                raise ServiceUnavailableError(
                    "PostgreSQL binaries (initdb, pg_ctl, postgres) not found in PATH, "
                    f"`pg_config --bindir` or /usr/lib/postgresql/*/bin; {INSTALL_HINT}"
                )
            self._account = _postgres_account()
            uid = self._account[0] if self._account else os.geteuid()
            self.tmpdir = Path(tempfile.mkdtemp(prefix="devbot-pg-", dir=_tmp_parent_for(uid)))
            _register(self)
            self._started = True
            try:
                if self._account is not None:
                    os.chown(self.tmpdir, *self._account)
                self._initdb()
                self._start_postmaster()
                if self.database:
                    self.create_database(self.database)
            except BaseException:
                self._stop_locked()
                raise
            return self

    def _initdb(self) -> None:
        assert self.tmpdir is not None
        log = self.tmpdir / "initdb.log"
        args = [
            self._bin("initdb"), "-D", str(self.datadir), "-A", "trust", "-U", "postgres",
            "--no-sync", "-E", "UTF8", "--locale=C",
        ]  # fmt: skip
        try:
            code = self._run(args, log, timeout=120)
        except subprocess.TimeoutExpired:
            raise self._fail("initdb (timed out)", log) from None
        if code != 0:
            raise self._fail(f"initdb (exit {code})", log)

    def _start_postmaster(self) -> None:
        for attempt in range(1, START_ATTEMPTS + 1):
            self.port = free_port()
            code, log_text = self._pg_ctl_start()
            if code == 0:
                return
            self._pg_ctl_stop("immediate")
            if "already in use" in log_text and attempt < START_ATTEMPTS:
                continue
            raise self._start_failed(code)

    def _pg_ctl_start(self) -> tuple[int, str]:
        """`pg_ctl start` on ``self.port``: the exit code and this attempt's server log."""
        assert self.tmpdir is not None
        log_size = self.logfile.stat().st_size if self.logfile.exists() else 0
        options = (  # pg_ctl passes -o through /bin/sh
            f"-p {self.port} -k {shlex.quote(str(self.sockdir))} "
            "-c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        args = [
            self._bin("pg_ctl"), "start", "-w", "-t", "60", "-D", str(self.datadir),
            "-l", str(self.logfile), "-o", options,
        ]  # fmt: skip
        try:
            code = self._run(args, self.tmpdir / "pg_ctl.log", timeout=90)
        except subprocess.TimeoutExpired:
            code = -1
        if code == 0:
            self._postmaster_pid = self._read_postmaster_pid()
            return 0, ""
        log_text = ""
        with contextlib.suppress(OSError), open(self.logfile, "rb") as fh:
            fh.seek(log_size)
            log_text = fh.read().decode(errors="replace")  # this attempt's lines only
        return code, log_text

    def _start_failed(self, code: int) -> ServiceStartError:
        assert self.tmpdir is not None
        return self._fail(
            f"pg_ctl start on port {self.port} (exit {code})",
            self.tmpdir / "pg_ctl.log",
            self.logfile,
        )

    def _pg_ctl_stop(self, mode: str) -> bool:
        if self.tmpdir is None or not (self.datadir / "postmaster.pid").exists():
            return True
        args = [self._bin("pg_ctl"), "stop", "-w", "-t", "30", "-m", mode, "-D", str(self.datadir)]
        try:
            return self._run(args, self.tmpdir / "pg_ctl.log", timeout=45) == 0
        except (subprocess.TimeoutExpired, OSError):
            return False

    def _read_postmaster_pid(self) -> int | None:
        with contextlib.suppress(OSError, ValueError, IndexError):
            return int((self.datadir / "postmaster.pid").read_text().splitlines()[0])
        return None

    def _kill_postmaster(self) -> None:
        pid = self._read_postmaster_pid() or self._postmaster_pid
        if pid:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)

    def stop(self) -> None:
        with self._lock:
            self._stop_locked()

    def _stop_locked(self) -> None:
        if not self._started:
            return
        try:
            if self.tmpdir is not None and self.datadir.exists():
                if not self._pg_ctl_stop("fast") and not self._pg_ctl_stop("immediate"):
                    self._kill_postmaster()
                if self._postmaster_pid:
                    # pg_ctl daemonizes the postmaster, so init (not us) reaps it; wait for
                    # that so that no `[postgres] <defunct>` is left behind after stop().
                    _wait_gone(self._postmaster_pid, timeout=5)
        finally:
            if self.tmpdir is not None:
                shutil.rmtree(self.tmpdir, ignore_errors=True)
            self._started = False
            self._postmaster_pid = None
            _unregister(self)

    def halt(self) -> None:
        """Stop the server (`pg_ctl stop -m fast`: sessions are cut), keeping its data and port
        for `resume()`."""
        with self._lock:
            assert self._started, "PostgresServer not started"
            if not self._pg_ctl_stop("fast") and not self._pg_ctl_stop("immediate"):
                self._kill_postmaster()
            if self._postmaster_pid:
                _wait_gone(self._postmaster_pid, timeout=5)
            self._postmaster_pid = None

    def resume(self) -> None:
        """Start the server again after `halt()`: the same data directory and port."""
        with self._lock:
            assert self._started, "PostgresServer not started"
            code, _log = self._pg_ctl_start()
            if code != 0:
                self._pg_ctl_stop("immediate")
                raise self._start_failed(code)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # databases ------------------------------------------------------------------
    async def _execute(self, *statements: str) -> None:
        import asyncpg  # local: keep module import cheap for non-DB users

        conn = await asyncpg.connect(
            host="127.0.0.1", port=self.port, user="postgres", database="postgres", timeout=30
        )
        try:
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()

    def execute(self, *statements: str) -> None:
        """Run SQL statements in the ``postgres`` maintenance database (autocommit)."""
        _run_in_thread(lambda: self._execute(*statements))

    def create_database(self, name: str, template: str | None = None) -> str:
        """Create an empty database (or a copy of ``template``); returns its SQLAlchemy URL."""
        sql = f"CREATE DATABASE {_quote_ident(name)}"
        if template:
            sql += f" TEMPLATE {_quote_ident(template)}"
        self.execute(sql)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, disconnecting its remaining sessions."""
        self.execute(f"DROP DATABASE IF EXISTS {_quote_ident(name)} WITH (FORCE)")

    def new_database(self, prefix: str = "devbot_t", template: str | None = None) -> str:
        """Create a counter-named fresh database; returns its name."""
        name = f"{prefix}_{next(self._counter)}"
        self.create_database(name, template=template)
        return name


# --------------------------------------------------------------------------- Redis


def _redis_ping(port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """A throw-away redis-server subprocess on a free loopback port, no persistence."""

    def __init__(self, binary: str | None = None) -> None:
        self.binary = binary
        self.port = 0
        self.tmpdir: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def logfile(self) -> Path:
        assert self.tmpdir is not None, "RedisServer not started"
        return self.tmpdir / "redis.log"

    def start(self) -> RedisServer:
        with self._lock:
            if self.process is not None:
                return self
            if self.binary is None:
                self.binary = find_redis_server()
            if self.binary is None:
                raise ServiceUnavailableError(
                    f"redis-server binary not found in PATH or /usr/bin; {INSTALL_HINT}"
                )
            self.tmpdir = Path(tempfile.mkdtemp(prefix="devbot-redis-"))
            _register(self)
            try:
                self._start_process()
            except BaseException:
                self._stop_locked()
                raise
            return self

    def _start_process(self) -> None:
        for attempt in range(1, START_ATTEMPTS + 1):
            self.port = free_port()
            reason, log_text = self._launch()
            if reason is None:
                return
            if "already in use" in log_text and attempt < START_ATTEMPTS:
                continue
            raise self._start_failed(reason)

    def _launch(self) -> tuple[str | None, str]:
        """Start redis-server on ``self.port`` and wait for PONG: (None, "") once it answers,
        else why not and this attempt's log."""
        assert self.binary is not None and self.tmpdir is not None
        args = [
            self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--daemonize", "no",
            "--dir", str(self.tmpdir), "--logfile", "", "--protected-mode", "yes",
        ]  # fmt: skip
        log_size = self.logfile.stat().st_size if self.logfile.exists() else 0
        with open(self.logfile, "ab") as out:
            self.process = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.tmpdir,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if _redis_ping(self.port):
                return None, ""
            if self.process.poll() is not None:
                break
            time.sleep(0.02)
        code = self.process.poll()
        self._terminate()
        with open(self.logfile, "rb") as fh:
            fh.seek(log_size)
            log_text = fh.read().decode(errors="replace")
        return ("timed out" if code is None else f"exit {code}"), log_text

    def _start_failed(self, reason: str) -> ServiceStartError:
        return ServiceStartError(
            f"redis-server on port {self.port} failed to start ({reason}); "
            f"log tail ({self.logfile}):\n{_log_tail(self.logfile)}"
        )

    def halt(self) -> None:
        """Stop redis-server (its clients are disconnected), keeping the port for `resume()`."""
        with self._lock:
            assert self.tmpdir is not None, "RedisServer not started"
            self._terminate()

    def resume(self) -> None:
        """Start redis-server again on the same port after `halt()` (empty: no persistence)."""
        with self._lock:
            assert self.tmpdir is not None, "RedisServer not started"
            if self.process is not None:
                return
            reason, _log = self._launch()
            if reason is not None:
                raise self._start_failed(reason)

    def _terminate(self) -> None:
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def stop(self) -> None:
        with self._lock:
            self._stop_locked()

    def _stop_locked(self) -> None:
        try:
            self._terminate()
        finally:
            if self.tmpdir is not None:
                shutil.rmtree(self.tmpdir, ignore_errors=True)
                self.tmpdir = None
            _unregister(self)

    def flushall(self) -> None:
        import redis  # local: keep module import cheap

        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=10)
        try:
            client.flushall()
        finally:
            client.close()

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --------------------------------------------------------------------------- pytest fixtures


def services_required() -> bool:
    """True when missing binaries must fail the run instead of skipping."""
    ci = os.environ.get("CI", "").strip().lower()
    return ci in ("true", "1") or os.environ.get("DEVBOT_REQUIRE_SERVICES", "").strip() == "1"


_ServerT = TypeVar("_ServerT", PostgresServer, RedisServer)


def _start_or_bail(server: PostgresServer | RedisServer) -> None:
    """Start a server for a fixture: skip/fail on a missing binary, fail on a start error."""
    missing = error = None
    try:
        server.start()
    except ServiceUnavailableError as exc:
        missing = str(exc)
    except ServiceStartError as exc:
        error = str(exc)
    # Outside the except blocks, so the report is not a chained traceback.
    if missing is not None:
        if services_required():
            pytest.fail(missing, pytrace=False)
        pytest.skip(missing)
    if error is not None:
        pytest.fail(error, pytrace=False)


@contextlib.contextmanager
def running(server: _ServerT) -> Iterator[_ServerT]:
    """`server` started (or the test failed or skipped as `_start_or_bail` says), then stopped."""
    _start_or_bail(server)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole session, with an empty ``devbot_test`` database."""
    with running(PostgresServer()) as server:
        yield server


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A redis-server for the whole session."""
    with running(RedisServer()) as server:
        yield server


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """SQLAlchemy URL of a fresh, empty database (dropped after the test)."""
    name = postgres_server.new_database()
    try:
        yield postgres_server.url(name)
    finally:
        with contextlib.suppress(Exception):
            postgres_server.drop_database(name)


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """URL of the session redis-server, flushed (FLUSHALL) before the test."""
    redis_server.flushall()
    return redis_server.url
