"""``kb serve``: the build's Oxigraph store as a bounded, read-only SPARQL 1.1 Protocol endpoint."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kb.sinks.rdf import store

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7878
#: Seconds a query may run before its worker is killed and the client gets 503.
DEFAULT_TIMEOUT_S = 30.0
#: Largest serialised result, megabytes; a larger one is a 500 with a message, never a cut-off body.
DEFAULT_MAX_RESULT_MB = 64.0
#: Largest resident memory of one query's worker, megabytes (0: no cap).
DEFAULT_MAX_MEMORY_MB = 2048.0
#: Queries answered at once (each in its own process).
DEFAULT_WORKERS = 2


class ServeError(Exception):
    """The server cannot be found, started or reached."""


def oxigraph_binary() -> Path:
    """The standalone ``oxigraph`` CLI (PyPI ``oxigraph``, for scale-out): next to this Python, then PATH."""
    here = Path(sys.executable).parent / ("oxigraph.exe" if sys.platform == "win32" else "oxigraph")
    if here.is_file():
        return here
    found = shutil.which("oxigraph")
    if found:
        return Path(found)
    raise ServeError("the `oxigraph` server is not installed; `pip install oxigraph` (it ships the binary)")


def store_location(out: Path) -> Path:
    """The build's Oxigraph store, checked to open read-only (so a bad store fails at start)."""
    location = store.location(out)
    if not (location / "CURRENT").is_file():
        raise ServeError(f"{location}: no Oxigraph store; run `kb build --out {out}` first")
    try:
        store.open_read_only(location)  # dropped at once: a store that cannot open fails here
    except store.StoreError as exc:
        raise ServeError(str(exc)) from None
    return location


@dataclass(frozen=True)
class Settings:
    """What ``kb serve`` was asked for."""

    out: Path
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    timeout_s: float = DEFAULT_TIMEOUT_S
    max_result_mb: float = DEFAULT_MAX_RESULT_MB
    max_memory_mb: float = DEFAULT_MAX_MEMORY_MB
    workers: int = DEFAULT_WORKERS


def serve(settings: Settings, announce: Callable[[str], None] = print) -> None:
    """Run the endpoint until SIGINT or SIGTERM; every worker is killed on the way out."""
    from kb.query.endpoint import EndpointError, open_server
    from kb.query.pool import Limits, Pool

    if settings.timeout_s <= 0 or settings.max_result_mb <= 0 or settings.workers < 1:
        raise ServeError("--timeout-s and --max-result-mb must be above 0, --workers at least 1")
    location = store_location(settings.out)
    try:
        server = open_server(settings.host, settings.port)
    except EndpointError as exc:
        raise ServeError(str(exc)) from None
    limits = Limits(
        timeout_s=settings.timeout_s,
        max_result_bytes=int(settings.max_result_mb * 1e6),
        max_memory_bytes=int(settings.max_memory_mb * 1e6),
    )
    pool = Pool(location, settings.workers, limits)
    server.pool = pool
    previous = signal.signal(signal.SIGTERM, _stop)
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    announce(
        f"SPARQL endpoint http://{host}:{server.server_address[1]}/query (read-only, no SERVICE, "
        f"query timeout {settings.timeout_s:g} s, results up to {settings.max_result_mb:g} MB); "
        "Ctrl-C stops it"
    )
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.server_close()
        pool.close()


def _stop(signum: int, frame: object) -> None:
    """SIGTERM ends the server like Ctrl-C, so its workers are killed before it exits."""
    raise KeyboardInterrupt


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
