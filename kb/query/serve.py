"""``kb serve``: the build's Oxigraph store as a SPARQL 1.1 Protocol endpoint (``oxigraph`` server)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kb.sinks.rdf import store

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7878
#: Seconds a query may run before the server cancels it (``oxigraph --timeout-s``).
DEFAULT_TIMEOUT_S = 30


class ServeError(Exception):
    """The server cannot be found, started or reached."""


def oxigraph_binary() -> Path:
    """The ``oxigraph`` CLI of the PyPI package ``oxigraph``: next to this Python first, then PATH."""
    here = Path(sys.executable).parent / ("oxigraph.exe" if sys.platform == "win32" else "oxigraph")
    if here.is_file():
        return here
    found = shutil.which("oxigraph")
    if found:
        return Path(found)
    raise ServeError("the `oxigraph` server is not installed; `pip install oxigraph` (it ships the binary)")


def read_only_command(out: Path, host: str, port: int, timeout_s: int) -> list[str]:
    """The ``oxigraph serve-read-only`` command line for a build folder."""
    location = store.location(out)
    if not (location / "CURRENT").is_file():
        raise ServeError(f"{location}: no Oxigraph store; run `kb build --out {out}` first")
    return [
        str(oxigraph_binary()),
        "serve-read-only",
        "--location",
        str(location),
        "--bind",
        f"{host}:{port}",
        "--timeout-s",
        str(timeout_s),
    ]


def free_port(host: str = DEFAULT_HOST) -> int:
    """A TCP port nothing listens on right now (for tests and benchmarks)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@dataclass
class Endpoint:
    """A running server: its process and its SPARQL query URL."""

    process: subprocess.Popen[bytes]
    url: str


def wait_until_listening(proc: subprocess.Popen[bytes], host: str, port: int, wait_s: float = 20.0) -> None:
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise ServeError(f"the server exited with code {proc.returncode}: {err.strip()}")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise ServeError(f"the server did not listen on {host}:{port} within {wait_s:g} s")


@contextmanager
def running(argv: Sequence[str], host: str, port: int) -> Iterator[Endpoint]:
    """Start a server command, wait until it listens, yield it, and always stop it."""
    proc = subprocess.Popen(list(argv), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603
    try:
        wait_until_listening(proc, host, port)
        yield Endpoint(proc, f"http://{host}:{port}/query")
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()


def exec_server(argv: Sequence[str]) -> None:
    """Replace this process by the server, so that Ctrl-C and SIGTERM reach it directly."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(argv[0], list(argv))  # noqa: S606 - argv[0] is the oxigraph binary found above
