"""A throwaway PostgreSQL server for the tests: initdb + pg_ctl in a temp folder, 127.0.0.1 only.

Debian's ``postgresql`` package puts the server binaries in /usr/lib/postgresql/<major>/bin.
initdb refuses to run as root, so as root the server runs as the ``postgres`` user (runuser).
Tests that use ``pg_url`` skip, saying why, only where those binaries are absent.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_counter = itertools.count()


def server_bin() -> Path | None:
    """The folder holding initdb and pg_ctl (newest major version), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _run(cmd: list[str], log: Path | None = None) -> None:
    done = subprocess.run(_as_server_user(cmd), capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr}{done.stdout}\n{tail}")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A running server; yields its base URL (user ``kb``, trust auth, database ``postgres``)."""
    bindir = server_bin()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not found (Debian: apt-get install -y postgresql)")
    home = Path(tempfile.mkdtemp(prefix="kb-pg-"))
    if os.geteuid() == 0:
        shutil.chown(home, "postgres")
    data, log, port = home / "data", home / "server.log", _free_port()
    _run(
        [str(bindir / "initdb"), "-D", str(data), "-U", "kb", "-A", "trust", "-E", "UTF8", "--locale=C", "-N"]
    )
    # durability off: a test server is thrown away, and fsync would only slow the tests down
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {home} -c fsync=off -c full_page_writes=off"
    _run([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start"], log)
    try:
        yield f"postgresql://kb@127.0.0.1:{port}/postgres"
    finally:
        _run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], log)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server: str) -> str:
    """A new, empty database on the session's server, for one test."""
    import psycopg

    name = f"kb_test_{os.getpid()}_{next(_counter)}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return pg_server.rsplit("/", 1)[0] + "/" + name
