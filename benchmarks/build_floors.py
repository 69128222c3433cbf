"""Floors for the build benchmark: the same work done the fastest plain way, and an extraction sample.

lxml ``iterparse`` + ``clear`` (reading), ``sqlite3.executemany`` of the built rows (SQLite),
pyoxigraph bulk load + dump of the built N-Quads (RDF). Used by bench_build.py.
"""

from __future__ import annotations

import gzip
import shutil
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree

#: a floor's result: (items, wall seconds, CPU seconds of this process, all its threads)
Floor = tuple[int, float, float]


def timed(fn: Callable[[], int]) -> Floor:
    wall, cpu = time.perf_counter(), time.process_time()
    items = fn()
    return items, time.perf_counter() - wall, time.process_time() - cpu


def floor_read(files: list[Path]) -> int:
    """lxml iterparse + clear over the files: articles."""
    n = 0
    for path in files:
        with gzip.open(path, "rb") as fh:
            for _, elem in etree.iterparse(fh, events=("end",), tag="PubmedArticle"):
                n += 1
                elem.clear(keep_tail=False)
                while elem.getprevious() is not None:
                    del elem.getparent()[0]  # type: ignore[index]
    return n


def floor_sqlite(built: Path, scratch: Path) -> Floor:
    """executemany of every row of the built database into an empty copy of its tables.

    Only the executemany calls and the commit are timed, not reading the rows back.
    """
    target = scratch / "floor.sqlite"
    target.unlink(missing_ok=True)
    src = sqlite3.connect(built)
    dst = sqlite3.connect(target)
    tables = src.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL")
    rows = 0
    wall = cpu = 0.0
    for name, ddl in tables.fetchall():
        if name.startswith("sqlite_"):
            continue
        dst.execute(ddl)
        cur = src.execute(f'SELECT * FROM "{name}"')  # noqa: S608 - a table name from sqlite_master
        width = len(cur.description)
        insert = f'INSERT INTO "{name}" VALUES ({", ".join("?" * width)})'  # noqa: S608
        while chunk := cur.fetchmany(50_000):
            _, w, c = timed(lambda: dst.executemany(insert, chunk).rowcount)  # noqa: B023 - called at once
            wall, cpu, rows = wall + w, cpu + c, rows + len(chunk)
    _, w, c = timed(lambda: dst.commit() or 0)
    wall, cpu = wall + w, cpu + c
    src.close()
    dst.close()
    target.unlink()
    return rows, wall, cpu


def floor_rdf(nq: Path, scratch: Path) -> int:
    """pyoxigraph: bulk-load the build's N-Quads into a new store and dump them back: quads."""
    import pyoxigraph as ox

    where = scratch / "floor-store"
    shutil.rmtree(where, ignore_errors=True)
    store = ox.Store(str(where))
    store.bulk_load(path=str(nq), format=ox.RdfFormat.N_QUADS)
    # a path, not a Python file object: writing through Python callbacks is several times slower
    store.dump(str(scratch / "floor.nq"), format=ox.RdfFormat.N_QUADS)
    quads = len(store)
    del store
    shutil.rmtree(where, ignore_errors=True)
    (scratch / "floor.nq").unlink()
    return quads


def best(floor: Callable[[], Floor], repeats: int) -> Floor:
    """The fastest of ``repeats`` runs: other processes on the machine only ever slow a run down."""
    runs = [floor() for _ in range(max(1, repeats))]
    return min(runs, key=lambda r: r[1])


def extraction_sample(files: list[Path], size: int = 500) -> tuple[int, float]:
    """In-process extraction of up to ``size`` abstracts of the corpus: (abstracts, CPU seconds).

    CPU time of one process is abstracts per second per core, whatever else runs on the machine.
    """
    from kb import extract
    from kb.records.models import Article
    from kb.sources.registry import get_reader

    articles: list[Article] = []
    for item in get_reader("pubmed-xml").read(files[0]):
        if isinstance(item, Article) and item.status == "full" and item.abstract:
            articles.append(item)
        if len(articles) >= size:
            break
    started = time.process_time()
    for article in articles:
        extract.extract(article)
    return len(articles), time.process_time() - started
