"""SqlSink against its floor: a plain ``sqlite3`` executemany of the same rows into the same tables.

Usage: .venv/bin/python benchmarks/bench_sql.py [ARTICLES ...] [--pg URL] [--old N] [--links-only K]
(default: 10000 articles)

Synthetic: the seed records of tests/data (the seed with its 17 gold measurements and its citing
stubs) repeated under new PMIDs, each citing the seed and up to three earlier synthetic articles.
Prints CPU seconds (process time: SQLite runs in this process, so other load on the machine does
not inflate it) and wall seconds per stage, and rows/s against the floor. ``--pg`` times the sink
on a PostgreSQL URL too; ``--old N`` times the previous ORM ``session.merge`` writer on N articles.
Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import JSON  # noqa: E402
from sqlalchemy.dialects import sqlite as sqlite_dialect  # noqa: E402
from sqlalchemy.schema import CreateTable  # noqa: E402

from kb.pipeline import citegraph  # noqa: E402
from kb.records.models import Citation  # noqa: E402
from kb.sinks.base import Entry  # noqa: E402
from kb.sinks.sql import db  # noqa: E402
from kb.sinks.sql.rows import RECORD_TABLES, citation_row, record_rows  # noqa: E402
from kb.sinks.sql.sink import SqlSink  # noqa: E402
from kb.sinks.sql.tables import BuildRow  # noqa: E402
from tests.seed_records import seed_records  # noqa: E402

BUILD = BuildRow(
    name="bench", title="bench", run_at="2026-01-01T00:00:00Z", kb_version="0", manifest_sha256="0" * 64
)


def synthetic_entries(n: int) -> list[Entry]:
    """``n`` synthetic articles: the seed records under new PMIDs, linked to the seed and each other."""
    records, _ = seed_records()
    seed = next(r for r in records if r.extraction.measurements).article.pmid
    rng = random.Random(0)  # noqa: S311
    out = []
    for i in range(n):
        base = records[i % len(records)]
        pmid = str(40_000_000 + i)
        rec = base.model_copy(
            update={
                "article": base.article.model_copy(update={"pmid": pmid}),
                "extraction": base.extraction.model_copy(update={"pmid": pmid}),
            }
        )
        cited = {seed} | {str(40_000_000 + rng.randrange(i)) for _ in range(min(i, 3))}
        links = tuple(Citation(citing=pmid, cited=c, origin="synthetic") for c in sorted(cited))
        out.append(Entry(pmid, rec, links, 0))
    return out


@contextmanager
def timed(into: dict[str, tuple[float, float]], stage: str) -> Iterator[None]:
    cpu, wall = time.process_time(), time.perf_counter()
    yield
    into[stage] = (time.process_time() - cpu, time.perf_counter() - wall)


def row_dicts(entries: Sequence[Entry]) -> dict[str, list[dict[str, Any]]]:
    tables: dict[str, list[dict[str, Any]]] = {t: [] for t in (*RECORD_TABLES, "citation")}
    for e in entries:
        assert e.record is not None
        for name, rows in record_rows(e.record, e.cited_by_ingested).items():
            tables[name] += rows
        tables["citation"] += [citation_row(c) for c in e.citations]
    return tables


def as_tuples(tables: dict[str, list[dict[str, Any]]]) -> dict[str, tuple[str, list[tuple[Any, ...]]]]:
    """Each table's INSERT statement and its rows as tuples, JSON columns encoded, bools as ints."""
    out = {}
    for name, rows in tables.items():
        t = db.table(name)
        cols = [c.name for c in t.columns]
        is_json = [isinstance(c.type, JSON) for c in t.columns]
        sql = f"INSERT INTO {name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"  # noqa: S608
        out[name] = (
            sql,
            [
                tuple(json.dumps(r[c]) if j else r[c] for c, j in zip(cols, is_json, strict=True))
                for r in rows
            ],
        )
    return out


def floor(path: Path, prepared: dict[str, tuple[str, list[tuple[Any, ...]]]]) -> None:
    """The floor: one transaction of plain executemany calls, same pragmas, same tables."""
    con = sqlite3.connect(path)
    for pragma in db.BULK_PRAGMAS:
        con.execute(pragma)
    for name in db.TABLE_NAMES:
        con.execute(str(CreateTable(db.table(name)).compile(dialect=sqlite_dialect.dialect())))
    for sql, rows in prepared.values():
        con.executemany(sql, rows)
    con.commit()
    con.close()


def sink_run(url: str, entries: Sequence[Entry], into: dict[str, tuple[float, float]], label: str) -> None:
    with timed(into, f"{label} write"):
        sink = SqlSink(url)
        sink.write(entries)
    with timed(into, f"{label} close (indexes, stats, views)"):
        sink.close(BUILD)


def networkx_stats(entries: Sequence[Entry]) -> int:
    """What the previous writer computed for ``citation_stats``: the whole graph in networkx."""
    arts = {e.pmid: e.record.article for e in entries if e.record is not None}
    links = [c for e in entries for c in e.citations]
    g = citegraph.citation_graph(links, {p: a.year for p, a in arts.items()}, arts)
    return len(citegraph.article_stats(g, {p: a.cited_by_count for p, a in arts.items()}))


def old_writer(path: Path, entries: Sequence[Entry]) -> None:
    """The ORM ``session.merge`` per row of the previous writer (for the record)."""
    from sqlmodel import Session, SQLModel, create_engine

    from kb.sinks.sql import tables as t

    models: dict[str, Callable[..., SQLModel]] = {
        "article": t.ArticleRow,
        "study": t.StudyRow,
        "provenance": t.ProvenanceRow,
        "author": t.AuthorRow,
        "intervention": t.InterventionRow,
        "measurement": t.MeasurementRow,
        "citation": t.CitationRow,
    }
    eng = create_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(eng)
    with Session(eng) as session:
        for name, rows in row_dicts(entries).items():
            for row in rows:
                session.merge(models[name](**row))
        session.commit()
    eng.dispose()


def report(n: int, rows: int, times: dict[str, tuple[float, float]], repeat: int) -> None:
    floor_cpu = times["floor: sqlite3 executemany"][0]
    print(f"\n{n} synthetic articles, {rows} rows; fastest of {repeat} runs per stage")
    print(f"{'stage':44} {'cpu s':>8} {'wall s':>8} {'rows/s (cpu)':>13} {'x floor':>8}")
    for stage, (cpu, wall) in times.items():
        print(f"{stage:44} {cpu:8.2f} {wall:8.2f} {rows / cpu if cpu else 0:13,.0f} {cpu / floor_cpu:8.2f}")


def main(sizes: list[int], pg: str | None, old: int | None, repeat: int) -> None:
    for n in sizes:
        entries = synthetic_entries(n)
        runs = [one_run(n, entries, pg if i == 0 else None, old if i == 0 else None) for i in range(repeat)]
        # the fastest of the runs per stage: the machine is shared, and slower runs measure the others
        best = {
            stage: min((r[1][stage] for r in runs if stage in r[1]), key=lambda t: t[0])
            for stage in runs[0][1]
        }
        report(n, runs[0][0], best, repeat)


def one_run(
    n: int, entries: Sequence[Entry], pg: str | None, old: int | None
) -> tuple[int, dict[str, tuple[float, float]]]:
    """One run of every stage: rows, and stage -> (cpu s, wall s); PostgreSQL's work is server-side."""
    times: dict[str, tuple[float, float]] = {}
    with timed(times, "row dicts (record_rows, in the sink too)"):
        tables = row_dicts(entries)
    with timed(times, "tuples for sqlite3 (JSON encoded)"):
        prepared = as_tuples(tables)
    rows = sum(len(r) for r in tables.values())
    with tempfile.TemporaryDirectory() as tmp:
        with timed(times, "floor: sqlite3 executemany"):
            floor(Path(tmp) / "floor.sqlite", prepared)
        times["floor incl. dicts and tuples"] = tuple(  # type: ignore[assignment]
            sum(v[k] for v in times.values()) for k in (0, 1)
        )
        sink_run(f"sqlite:///{tmp}/kb.sqlite", entries, times, "SqlSink sqlite")
        times["SqlSink sqlite total"] = tuple(  # type: ignore[assignment]
            sum(v[k] for s, v in times.items() if s.startswith("SqlSink sqlite")) for k in (0, 1)
        )
        with timed(times, "citation stats by networkx (the old path)"):
            networkx_stats(entries)
        if pg:
            sink_run(pg, entries, times, "SqlSink postgresql")
        if old:
            with timed(times, f"old writer, {old} articles (x{n / old:g})"):
                old_writer(Path(tmp) / "old.sqlite", entries[:old])
            cpu, wall = times.popitem()[1]
            times[f"old ORM merge writer, scaled from {old}"] = (cpu * n / old, wall * n / old)
    return rows, times


def links_only(n: int, per_article: int) -> None:
    """Citation statistics alone at scale: ``n`` synthetic citing PMIDs (no records), each citing
    PMID 1 (a hub cited by all) and ``per_article`` random earlier ones; times ``close``."""
    rng = random.Random(0)  # noqa: S311
    with tempfile.TemporaryDirectory() as tmp:
        sink = SqlSink(f"sqlite:///{tmp}/kb.sqlite")
        cpu = time.process_time()
        links = 0
        for start in range(2, n + 2, 10_000):
            batch = []
            for i in range(start, min(start + 10_000, n + 2)):
                cited = {"1"} | {str(rng.randrange(1, i)) for _ in range(per_article)}
                batch.append(
                    Entry(str(i), None, tuple(Citation(citing=str(i), cited=c, origin="s") for c in cited))
                )
                links += len(cited)
            sink.write(batch)
        print(f"{n} citing PMIDs, {links} links: write {time.process_time() - cpu:.1f} s cpu", end="")
        cpu, wall2 = time.process_time(), time.perf_counter()
        sink.close(BUILD)
        print(
            f", close (stats) {time.process_time() - cpu:.1f} s cpu, {time.perf_counter() - wall2:.1f} s wall"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000])
    parser.add_argument("--pg", help="also time the sink on this PostgreSQL URL (an empty database)")
    parser.add_argument("--old", type=int, help="also time the old ORM writer on this many articles")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size; the fastest is shown")
    parser.add_argument(
        "--links-only", type=int, metavar="K", help="stats alone: each size's PMIDs cite K random"
    )
    args = parser.parse_args()
    if args.links_only is not None:
        for n in args.sizes:
            links_only(n, args.links_only)
    else:
        main(args.sizes, args.pg, args.old, args.repeat)
