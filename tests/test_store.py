"""The on-disk Oxigraph store of a build: loading, read-only sharing, bad input, rdflib fallback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Graph

from kb.query import sparql as q
from kb.sinks.rdf import store


def test_store_holds_exactly_the_turtle(seed_kb: Path) -> None:
    triples = len(Graph().parse(seed_kb / "kb.ttl", format="turtle"))
    first = store.open_read_only(store.location(seed_kb))
    second = store.open_read_only(store.location(seed_kb))  # readers share the store
    assert len(first) == len(second) == triples


def test_bad_turtle_names_the_file_and_leaves_no_store(tmp_path: Path) -> None:
    bad = tmp_path / "kb.ttl"
    bad.write_text('<https://e.org/a> <https://e.org/b> "unterminated .\n', encoding="utf-8")
    with pytest.raises(store.StoreError, match=r"kb\.ttl: not valid Turtle: Parser error .*line 1"):
        store.load(bad, tmp_path / "oxigraph")
    assert not (tmp_path / "oxigraph").exists()
    with pytest.raises(store.StoreError, match="cannot load files of type '.csv'"):
        store.load(tmp_path / "kb.csv", tmp_path / "oxigraph")


def test_line_based_files_load_in_chunks_to_the_same_store(
    seed_kb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunked loading (bounded memory) gives the store a one-call load gives, triple for triple."""
    whole = store.open_read_only(store.location(seed_kb))
    monkeypatch.setattr(store, "CHUNK_LINES", 7)  # the seed's kb.nt spans many chunks
    assert store.load(seed_kb / "kb.nt", tmp_path / "oxigraph") == len(whole)
    chunked = store.open_read_only(tmp_path / "oxigraph")
    assert set(chunked) == set(whole)


def test_a_bad_line_in_a_later_chunk_names_its_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = "<https://e.org/a> <https://e.org/b> <https://e.org/c> .\n"
    bad = tmp_path / "kb.nt"
    bad.write_text(good * 5 + '<https://e.org/a> <https://e.org/b> "unterminated .\n', encoding="utf-8")
    monkeypatch.setattr(store, "CHUNK_LINES", 2)
    with pytest.raises(store.StoreError, match=r"kb\.nt: not valid N-Triples: in lines 5-6: "):
        store.load(bad, tmp_path / "oxigraph")
    assert not (tmp_path / "oxigraph").exists()


def test_no_store_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(store.StoreError, match="no Oxigraph store here; run `kb build` first"):
        store.open_read_only(tmp_path)
    with pytest.raises(q.QueryError, match="no built knowledge base"):
        q.engine_for(tmp_path)


def test_without_a_store_sparql_falls_back_to_rdflib(seed_kb: Path, tmp_path: Path) -> None:
    shutil.copy(seed_kb / "kb.ttl", tmp_path / "kb.ttl")
    engine = q.engine_for(tmp_path)
    assert engine.name == "rdflib"
    question = q.resolve("citing-articles")
    params = {"cited": "31002989"}
    assert q.ask(engine, question, params) == q.ask(q.engine_for(seed_kb), question, params)
    assert q.engine_for(seed_kb).name == "oxigraph"
