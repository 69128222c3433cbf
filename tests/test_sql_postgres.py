"""SqlSink on a real PostgreSQL server (tests/pg.py): the same tables, rows and views as SQLite."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect

from kb.sinks.sql import db
from kb.sinks.sql import writer as sql
from kb.sinks.sql.sink import SqlSink
from tests.seed_records import seed_records
from tests.test_sql_sink import BUILD, dump, expected_stats, synthetic_links


def test_seed_records_give_the_same_rows_in_sqlite_and_postgresql(tmp_path: Path, pg_url: str) -> None:
    records, seed_links = seed_records()
    links = seed_links + synthetic_links(7, [r.article.pmid for r in records])
    sql.write(tmp_path / "kb.sqlite", records, links, BUILD)
    sql.write(pg_url, records, links, BUILD)
    lite, pg = dump(tmp_path / "kb.sqlite"), dump(pg_url)
    assert set(pg) == set(lite)
    for name in lite:  # JSON columns (lists, dicts) and views compared as values
        assert pg[name] == lite[name], name
    assert all(lite[name] for name in ("article", "measurement", "citation", "citation_stats", "co_citation"))
    assert list(sql.read_records(pg_url)) == list(sql.read_records(tmp_path / "kb.sqlite"))
    assert sql.read_citations(pg_url) == sql.read_citations(tmp_path / "kb.sqlite")
    assert sql.read_build(pg_url).model_dump() == BUILD.model_dump()
    got = {p: r.model_dump() for p, r in sql.read_citation_stats(pg_url).items()}
    assert got == expected_stats(records, links)


def test_the_seed_kb_copied_into_postgresql_holds_the_same_rows(seed_kb: Path, pg_url: str) -> None:
    """The records the real pipeline extracted (seed KB), written again through the sink into PostgreSQL."""
    source = seed_kb / "kb.sqlite"
    records, links = list(sql.read_records(source)), sql.read_citations(source)
    sql.write(pg_url, records, links, sql.read_build(source))
    lite, pg = dump(source), dump(pg_url)
    for name in lite:
        assert pg[name] == lite[name], name


def test_postgresql_reingest_is_idempotent_and_indexed(pg_url: str) -> None:
    records, links = seed_records()
    sql.write(pg_url, records, links, BUILD)
    first = dump(pg_url)
    sink = SqlSink(pg_url)
    assert not sink.fresh
    sink.write(sql.entries(records, links))
    sink.close(BUILD)
    assert dump(pg_url) == first
    eng = db.engine(pg_url)
    with eng.connect() as conn:
        made = {i["name"] for name in db.TABLE_NAMES for i in inspect(conn).get_indexes(name)}
    eng.dispose()
    assert made == {str(i.name) for name in db.TABLE_NAMES for i in db.table(name).indexes}
