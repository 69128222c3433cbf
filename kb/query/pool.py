"""Worker processes of ``kb serve``: a query runs in one, which is killed and replaced past its bounds."""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from kb.query.protocol import Job, Reply, error_reply

#: Seconds a new worker may take to open the store before the pool gives up on it.
START_TIMEOUT_S = 30.0
#: How often a waiting request checks its client, its deadline and its worker's memory, seconds.
POLL_S = 0.05
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@dataclass(eq=False)
class Worker:
    process: BaseProcess
    conn: Connection
    ready: bool = False


@dataclass(frozen=True)
class Limits:
    """What one query may use: wall time, result bytes, worker memory (resident, bytes; 0: no cap)."""

    timeout_s: float
    max_result_bytes: int
    max_memory_bytes: int = 0


def rss_bytes(pid: int | None) -> int:
    """Resident memory of a process from /proc (0 where it cannot be read)."""
    try:
        fields = Path(f"/proc/{pid}/statm").read_text(encoding="ascii").split()
        return int(fields[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return 0


class Pool:
    """``size`` worker processes over one read-only store; each request borrows one.

    Workers are forked from a fork server that has imported the worker module but never opened
    the store (RocksDB handles must not cross a fork), so replacing a killed worker is cheap.
    """

    def __init__(self, location: Path, size: int, limits: Limits) -> None:
        self.location = str(location)
        self.limits = limits
        self._ctx = multiprocessing.get_context("forkserver")
        self._ctx.set_forkserver_preload(["kb.query.worker"])
        self._idle: queue.Queue[Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._closed = False
        self._all: set[Worker] = set()
        for _ in range(max(1, size)):
            self._idle.put(self._start())

    def _start(self) -> Worker:
        from kb.query import worker

        receive, send = self._ctx.Pipe(duplex=True)
        process = self._ctx.Process(
            target=worker.main,
            args=(send, self.location, self.limits.max_result_bytes),
            daemon=True,
            name="kb-serve-worker",
        )
        with self._lock:
            process.start()
        send.close()
        w = Worker(process, receive)
        with self._lock:
            self._all.add(w)
        return w

    def _retire(self, w: Worker) -> None:
        """Kill a worker (its query, its memory) and put a fresh one in its place."""
        w.process.kill()
        w.process.join(5)
        w.conn.close()
        with self._lock:
            self._all.discard(w)
            closed = self._closed
        if not closed:
            self._idle.put(self._start())

    def _release(self, w: Worker) -> None:
        self._idle.put(w)

    def pids(self) -> list[int]:
        """Process ids of the live workers (for tests and diagnostics)."""
        with self._lock:
            return [w.process.pid for w in self._all if w.process.pid is not None]

    def _wait_ready(self, w: Worker, deadline: float) -> Reply | None:
        """None once ``w`` has opened the store; an error Reply when it failed or is not ready in time."""
        if w.ready:
            return None
        if w.conn.poll(max(0.0, min(START_TIMEOUT_S, deadline - time.monotonic()))):
            try:
                first = w.conn.recv()
            except (EOFError, OSError):
                first = None
            if first == "ready":
                w.ready = True
                return None
            if isinstance(first, Reply):
                return first
            return error_reply(500, "Internal Server Error: a query worker did not start")
        return None if w.process.is_alive() else error_reply(500, "Internal Server Error: a worker died")

    def run(self, job: Job, client_gone: Callable[[], bool]) -> Reply | None:
        """The reply to ``job`` within the limits; None when the client left (the work is killed)."""
        deadline = time.monotonic() + self.limits.timeout_s
        try:
            w = self._idle.get(timeout=self.limits.timeout_s)
        except queue.Empty:
            return error_reply(503, "Service Unavailable: every query worker is busy; try again later")
        failed = self._wait_ready(w, deadline)
        if failed is not None:
            self._retire(w)
            return failed
        if not w.ready:  # still opening the store: keep it, and answer within the time limit
            self._release(w)
            return error_reply(503, "Service Unavailable: the query workers are starting; try again")
        try:
            w.conn.send(job)
            return self._await(w, deadline, client_gone)
        except BaseException:
            self._retire(w)
            raise

    def _await(self, w: Worker, deadline: float, client_gone: Callable[[], bool]) -> Reply | None:
        limits = self.limits
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._retire(w)
                return error_reply(
                    503, f"Service Unavailable: the query ran past the {limits.timeout_s:g} s timeout"
                )
            if w.conn.poll(min(POLL_S, remaining)):
                try:
                    reply = w.conn.recv()
                except (EOFError, OSError):
                    self._retire(w)
                    return error_reply(500, "Internal Server Error: the query process ended unexpectedly")
                self._release(w)
                assert isinstance(reply, Reply)  # noqa: S101 - workers send only Replies after "ready"
                return reply
            if client_gone():
                self._retire(w)
                return None
            if limits.max_memory_bytes and rss_bytes(w.process.pid) > limits.max_memory_bytes:
                self._retire(w)
                return error_reply(
                    503,
                    f"Service Unavailable: the query used more than {limits.max_memory_bytes / 1e6:g} MB",
                )

    def close(self) -> None:
        """Kill every worker."""
        with self._lock:
            self._closed = True
            workers = list(self._all)
        for w in workers:
            w.process.kill()
        for w in workers:
            w.process.join(5)
            w.conn.close()
