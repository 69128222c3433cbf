"""Extraction in worker processes: bounded chunks in, results out in input order, deaths reported."""

from __future__ import annotations

import multiprocessing
import os
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TypeVar

from kb import extract as extractor
from kb.errors import KBError
from kb.records.models import Article

#: (pmid, serialised article) in; (pmid, serialised extraction) out
Task = tuple[str, str]
T = TypeVar("T")


class WorkerError(KBError):
    """Extraction failed on one article, or a worker process died; names the PMIDs and snapshots."""


@dataclass(frozen=True)
class Failure:
    """An exception raised while extracting one article, carried back from the worker."""

    pmid: str
    error: str
    trace: str


def default_jobs() -> int:
    """The cores this process may run on (the affinity mask, e.g. under taskset or a CPU quota)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def extract_chunk(tasks: list[Task], die_on: str | None = None) -> list[tuple[str, str]] | Failure:
    """Extract each article of a chunk; a pure function, run in a worker or in-process.

    ``die_on`` is a fault-injection hook for tests: the worker process exits at once (as if
    killed) when it reaches that PMID.
    """
    out: list[tuple[str, str]] = []
    for pmid, article_json in tasks:
        if pmid == die_on:
            os._exit(70)
        try:
            article = Article.model_validate_json(article_json)
            out.append((pmid, extractor.extract(article).model_dump_json()))
        except Exception as exc:  # noqa: BLE001  (reported with its PMID by the caller)
            return Failure(pmid, f"{type(exc).__name__}: {exc}", traceback.format_exc())
    return out


def _executor(jobs: int) -> ProcessPoolExecutor:
    # forkserver, not fork: the parent runs threads (the progress display), and forking a
    # threaded process can copy a held lock into the child; the server preloads the extractor.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["kb.pipeline.workers"])
    return ProcessPoolExecutor(max_workers=jobs, mp_context=context)


def ordered_map(
    fn: Callable[[list[Task]], list[tuple[str, str]] | Failure],
    chunks: Iterable[tuple[T, list[Task]]],
    jobs: int,
    describe: Callable[[T], str],
) -> Iterator[tuple[T, list[tuple[str, str]] | Failure]]:
    """``fn`` over chunks in ``jobs`` processes, results in input order, at most 2*jobs chunks in flight.

    Each chunk comes with a context value handed back with its result. ``jobs == 1`` runs in
    this process. A worker that dies raises WorkerError naming ``describe(context)`` of the
    oldest unfinished chunk, never a silent gap.
    """
    if jobs <= 1:
        for ctx, tasks in chunks:
            yield ctx, fn(tasks)
        return
    pending: deque[tuple[T, Future[list[tuple[str, str]] | Failure]]] = deque()
    with _executor(jobs) as pool:
        try:
            for ctx, tasks in chunks:
                pending.append((ctx, pool.submit(fn, tasks)))
                while len(pending) > 2 * jobs:
                    yield _result(pending, describe)
            while pending:
                yield _result(pending, describe)
        finally:
            for _, future in pending:
                future.cancel()


def _result(
    pending: deque[tuple[T, Future[list[tuple[str, str]] | Failure]]], describe: Callable[[T], str]
) -> tuple[T, list[tuple[str, str]] | Failure]:
    ctx, future = pending[0]
    try:
        result = future.result()
    except BrokenProcessPool:
        # the dead worker held one of the chunks still in flight: name them all
        lost = "; ".join(describe(c) for c, _ in pending)
        raise WorkerError(
            f"an extraction worker process died (killed, or out of memory) while extracting one of: {lost}"
        ) from None
    pending.popleft()
    return ctx, result
