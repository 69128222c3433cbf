"""The worker process of ``kb serve``: answers one query at a time into a bounded buffer, or is killed."""

from __future__ import annotations

import ctypes
import io
import signal
from multiprocessing.connection import Connection
from typing import Any

import pyoxigraph as ox

from kb.query.guard import inspect
from kb.query.protocol import Job, ProtocolError, Reply, error_reply, negotiate
from kb.query.values import WELL_KNOWN

#: prctl option: the signal a process gets when its parent dies (linux/prctl.h).
_PR_SET_PDEATHSIG = 1


class ResultTooLarge(Exception):
    """The serialised result passed the size cap."""


class BoundedBuffer(io.BytesIO):
    """A byte buffer that refuses to grow past ``limit`` bytes (pyoxigraph serialises into it)."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def write(self, data: Any, /) -> int:
        if self.tell() + len(memoryview(data)) > self.limit:
            raise ResultTooLarge(f"the result is larger than {self.limit / 1e6:g} MB")
        return super().write(data)


def _graphs(iris: tuple[str, ...]) -> list[ox.NamedNode]:
    try:
        return [ox.NamedNode(iri) for iri in iris]
    except ValueError as exc:
        raise ProtocolError(400, f"Bad Request: not an IRI in the dataset parameters: {exc}") from None


def _evaluate(store: ox.Store, job: Job) -> Any:
    dataset: dict[str, Any] = {}
    if job.default_graphs:
        dataset["default_graph"] = _graphs(job.default_graphs)
    if job.named_graphs:
        dataset["named_graphs"] = _graphs(job.named_graphs)
    try:
        return store.query(job.text, prefixes=WELL_KNOWN, **dataset)
    except SyntaxError as exc:
        raise ProtocolError(400, f"Bad Request: {exc}") from None


def run_job(store: ox.Store, job: Job, max_bytes: int) -> Reply:
    """Check, run and serialise one query; every outcome is a complete Reply."""
    try:
        form = inspect(job.text)
        media, fmt = negotiate(job.accept, graph=form in ("CONSTRUCT", "DESCRIBE"))
        result = _evaluate(store, job)
        buffer = BoundedBuffer(max_bytes)
        if isinstance(result, ox.QueryTriples):
            result.serialize(buffer, getattr(ox.RdfFormat, fmt))
        else:
            result.serialize(buffer, getattr(ox.QueryResultsFormat, fmt))
    except ProtocolError as exc:
        return error_reply(exc.status, exc.message)
    except ResultTooLarge as exc:
        return error_reply(500, f"Result too large: {exc}; narrow the query or raise --max-result-mb")
    except (OSError, RuntimeError, ValueError) as exc:
        # Oxigraph's evaluation errors (a bad regex, a type error raised as an error...).
        return error_reply(500, f"Query evaluation failed: {exc}")
    charset = "; charset=utf-8" if media.startswith("text/") or media.endswith("json") else ""
    return Reply(200, media + charset, buffer.getvalue())


def _die_with_parent() -> None:
    """Ask Linux to kill this worker when its parent dies, so no orphan keeps a query running."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # not Linux: the worker still ends when its pipe closes


def main(conn: Connection, location: str, max_bytes: int) -> None:
    """Worker process: open the store read-only, say ready, then answer jobs until the pipe closes."""
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle
    try:
        store = ox.Store.read_only(location)
    except OSError as exc:
        conn.send(error_reply(500, f"cannot open the Oxigraph store {location}: {exc}"))
        return
    conn.send("ready")
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(run_job(store, job, max_bytes))
