"""SqlSink on SQLite: the rows it stores, re-ingesting, deferred indexes, key checks, citation stats."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, text

from kb.pipeline import citegraph
from kb.records.models import Citation, EvidenceRecord
from kb.sinks.base import Entry
from kb.sinks.sql import db
from kb.sinks.sql import writer as sql
from kb.sinks.sql.sink import SqlSink, SqlSinkError
from kb.sinks.sql.tables import VIEWS, BuildRow
from tests.seed_records import seed_records

BUILD = BuildRow(name="t", title="t", run_at="2026-01-01T00:00:00Z", kb_version="0", manifest_sha256="0" * 64)


def cite(citing: int | str, cited: int | str, origin: str = "synthetic") -> Citation:
    return Citation(citing=str(citing), cited=str(cited), origin=origin)


def synthetic_links(seed: int, pmids: list[str], n: int = 60, links: int = 400) -> list[Citation]:
    """Synthetic random links among small PMIDs and the given real ones, with a self-link and duplicates."""
    rng = random.Random(seed)  # noqa: S311
    nodes = [str(i) for i in range(1, n + 1)] + pmids
    out = [cite(4, 4)]
    for _ in range(links):
        a, b = rng.sample(nodes, 2)
        out.append(cite(a, b, rng.choice(["x", "y"])))
    return out


def dump(target: Path | str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table and view, sorted (orders differ between SQLite and PostgreSQL)."""
    eng = db.engine(target)
    out: dict[str, list[tuple[Any, ...]]] = {}
    with eng.connect() as conn:
        for name in db.TABLE_NAMES:
            out[name] = sorted((tuple(r) for r in conn.execute(select(db.table(name)))), key=repr)
        for view in VIEWS:
            out[view] = sorted((tuple(r) for r in conn.execute(text(f"SELECT * FROM {view}"))), key=repr)  # noqa: S608
    eng.dispose()
    return out


def expected_stats(records: list[EvidenceRecord], citations: list[Citation]) -> dict[str, dict[str, Any]]:
    """The citation_stats rows as the networkx path (kb.pipeline.citegraph) computes them."""
    arts = {r.article.pmid: r.article for r in records}
    g = citegraph.citation_graph(citations, {p: a.year for p, a in arts.items()}, arts)
    stats = citegraph.article_stats(g, {p: a.cited_by_count for p, a in arts.items()})
    out = {}
    for pmid, s in stats.items():
        row = {k: v for k, v in vars(s).items() if k != "citing_years"}
        out[pmid] = {
            **row,
            "in_kb": pmid in arts,
            "citing_years": {str(y): n for y, n in s.citing_years.items()},
        }
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_citation_stats_by_sql_equal_the_networkx_counts(tmp_path: Path, seed: int) -> None:
    records, seed_links = seed_records()
    links = seed_links + synthetic_links(seed, [r.article.pmid for r in records])
    sql.write(tmp_path / "kb.sqlite", records, links, BUILD)
    got = {p: r.model_dump() for p, r in sql.read_citation_stats(tmp_path / "kb.sqlite").items()}
    assert got == expected_stats(records, links)


def test_stats_of_a_star_and_of_articles_without_links(tmp_path: Path) -> None:
    """A seed cited by many (synthetic): every citer is coupled to all the others through it."""
    records, _ = seed_records()
    seed = next(r for r in records if r.extraction.measurements).article.pmid
    links = [cite(1000 + i, seed) for i in range(200)] + [cite(1000, 1001)]
    sql.write(tmp_path / "kb.sqlite", records, links, BUILD)
    got = sql.read_citation_stats(tmp_path / "kb.sqlite")
    assert got["1000"].coupled_with == 199 and got["1000"].couplings == 199 + 0
    assert got["1001"].co_cited_with == 1 and got[seed].cited_by == 200
    assert {p: r.model_dump() for p, r in got.items()} == expected_stats(records, links)


def test_rows_are_the_records_and_read_back_equal(tmp_path: Path) -> None:
    records, links = seed_records()
    path = tmp_path / "kb.sqlite"
    sql.write(path, records, links, BUILD)
    assert list(sql.read_records(path)) == sorted(records, key=lambda r: r.article.pmid)
    assert {(c.citing, c.cited, c.origin) for c in sql.read_citations(path)} == {
        (c.citing, c.cited, c.origin) for c in links
    }
    assert sql.read_build(path).model_dump() == BUILD.model_dump()
    rows = dump(path)
    assert len(rows["article"]) == len(records) and len(rows["measurement"]) == sum(
        len(r.extraction.measurements) for r in records
    )


def test_reingesting_is_idempotent_and_replaces_a_pmid(tmp_path: Path) -> None:
    records, links = seed_records()
    path = tmp_path / "kb.sqlite"
    sql.write(path, records, links, BUILD)
    first = dump(path)
    sql.write(path, records, links, BUILD)  # the same entries again: the same rows, none doubled
    assert dump(path) == first
    seed = next(r for r in records if r.extraction.measurements)
    changed = seed.model_copy(
        update={
            "article": seed.article.model_copy(update={"title": "synthetic new title"}),
            "extraction": seed.extraction.model_copy(
                update={"measurements": seed.extraction.measurements[:2]}
            ),
        }
    )
    sink = SqlSink(str(path))
    assert not sink.fresh
    sink.write([Entry(seed.article.pmid, changed, (cite(seed.article.pmid, 1),))])
    sink.close(BUILD)
    after = dump(path)
    assert [r for r in after["measurement"] if r[1] == seed.article.pmid] == sorted(
        (r for r in first["measurement"] if r[1] == seed.article.pmid and r[2] < 2), key=repr
    )
    assert ("synthetic new title" in {r[2] for r in after["article"]}) and len(after["article"]) == len(
        records
    )
    assert [r for r in after["citation"] if r[0] == seed.article.pmid] == [
        (seed.article.pmid, "1", "synthetic")
    ]


def test_a_later_entry_of_the_same_pmid_in_one_batch_wins(tmp_path: Path) -> None:
    records, _ = seed_records()
    rec = next(r for r in records if r.extraction.measurements)
    pmid = rec.article.pmid
    stub = rec.model_copy(update={"extraction": rec.extraction.model_copy(update={"measurements": []})})
    sink = SqlSink(str(tmp_path / "kb.sqlite"))
    sink.write([Entry(pmid, rec, (cite(pmid, 1),)), Entry(pmid, stub, (cite(pmid, 2),))])
    sink.close(BUILD)
    rows = dump(tmp_path / "kb.sqlite")
    assert rows["measurement"] == [] and [r[1] for r in rows["citation"]] == ["2"]


def test_indexes_are_deferred_in_a_fresh_store_and_all_exist_after_close(tmp_path: Path) -> None:
    path = tmp_path / "kb.sqlite"
    sink = SqlSink(str(path))
    assert sink.fresh
    with sqlite3.connect(path) as con:
        early = {
            n
            for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type='index' AND name LIKE 'ix_%'")
        }
    assert early == set(db.EARLY_INDEXES)
    records, links = seed_records()
    sink.write(sql.entries(records, links))
    sink.close(BUILD)
    wanted = {str(i.name) for name in db.TABLE_NAMES for i in db.table(name).indexes}
    with sqlite3.connect(path) as con:
        made = {
            n
            for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type='index' AND name LIKE 'ix_%'")
        }
        views = {n for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type='view'")}
    assert made == wanted and views == set(VIEWS)


def test_foreign_keys_are_checked_at_close(tmp_path: Path) -> None:
    sink = SqlSink(str(tmp_path / "kb.sqlite"))
    row = {"pmid": "999", "position": 0, "name": "synthetic orphan"}
    sink._conn.execute(insert(db.table("author")), [row])  # noqa: SLF001  (what a buggy writer would leave)
    with pytest.raises(SqlSinkError, match=r"without their article, first in table author for PMID 999"):
        sink.close(BUILD)


def test_an_entry_holding_another_pmid_is_refused(tmp_path: Path) -> None:
    records, _ = seed_records()
    sink = SqlSink(str(tmp_path / "kb.sqlite"))
    with pytest.raises(SqlSinkError, match=r"entry 1: holds the record of PMID \d+"):
        sink.write([Entry("1", records[0])])
    sink = SqlSink(str(tmp_path / "kb2.sqlite"))
    with pytest.raises(SqlSinkError, match="entry 1: carries a link made by PMID 2"):
        sink.write([Entry("1", None, (cite(2, 1),))])


def test_a_refused_row_names_the_store_and_the_pmids(tmp_path: Path) -> None:
    records, _ = seed_records()
    rec = next(r for r in records if r.extraction.measurements)
    sink = SqlSink(str(tmp_path / "kb.sqlite"))
    sink._conn.exec_driver_sql(
        "CREATE TRIGGER no_title BEFORE INSERT ON article BEGIN SELECT RAISE(ABORT, 'synthetic refusal'); END"
    )  # noqa: SLF001,E501
    with pytest.raises(
        SqlSinkError,
        match=rf"kb\.sqlite: writing PMIDs {rec.article.pmid} to {rec.article.pmid}: synthetic refusal",
    ):  # noqa: E501
        sink.write([Entry(rec.article.pmid, rec)])
        sink.close(BUILD)


def test_urls_are_normalised() -> None:
    assert db.normalise_url("postgresql://u:pw@h:5/d") == "postgresql+psycopg://u:pw@h:5/d"
    assert db.normalise_url("postgres://h/d") == "postgresql+psycopg://h/d"
    assert db.normalise_url(Path("/x/kb.sqlite")) == "sqlite:////x/kb.sqlite"
    assert db.normalise_url("build/kb.sqlite") == "sqlite:///build/kb.sqlite"
    assert "pw" not in db.display_url("postgresql+psycopg://u:pw@h:5/d")


def test_an_empty_store_closes_with_its_build_row_and_views(tmp_path: Path) -> None:
    path = tmp_path / "kb.sqlite"
    sink = SqlSink(str(path))
    sink.write([])
    sink.close(BUILD)
    rows = dump(path)
    assert rows["build"] and all(not rows[name] for name in rows if name != "build")
    assert sql.read_build(path).name == BUILD.name


def test_a_record_given_twice_keeps_its_links(tmp_path: Path) -> None:
    records, links = seed_records()
    twice = next(r for r in records if r.extraction.measurements)
    seed = twice.article.pmid
    own = [cite(seed, 1)]
    sql.write(tmp_path / "kb.sqlite", [*records, twice], links + own, BUILD)
    stored = {(c.citing, c.cited) for c in sql.read_citations(tmp_path / "kb.sqlite")}
    assert (seed, "1") in stored and len(list(sql.read_records(tmp_path / "kb.sqlite"))) == len(records)
