"""The streaming RDF sink: the same graph as the in-memory writer, reproducible bytes, bounded state."""

from __future__ import annotations

import io
import json
import random
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from kb.records import ids, schema
from kb.records.models import Citation, EvidenceRecord
from kb.sinks.base import Entry
from kb.sinks.rdf import export, store
from kb.sinks.rdf import graph as rdf
from kb.sinks.rdf.jsonld_stream import JsonLdWriter
from kb.sinks.rdf.sink import FILES, RdfSink, RdfSinkError
from kb.sinks.sql import writer as sql
from tests import synthetic
from tests.seed_records import seed_records

Corpus = tuple[list[EvidenceRecord], list[Citation]]


def _sink(entries: list[Entry], out: Path, batch: int = 7) -> RdfSink:
    sink = RdfSink(out)
    for start in range(0, len(entries), batch):
        sink.write(entries[start : start + batch])
    sink.close()
    return sink


def assert_same_graph_as_in_memory(
    out: Path, records: list[EvidenceRecord], citations: list[Citation]
) -> None:
    """Every file of ``out`` holds what ``graph.build_dataset`` makes of the same records."""
    ds = rdf.build_dataset(records, citations)
    merged = rdf.union(ds)
    assert (out / "kb.nq").read_text(encoding="utf-8") == export.nquads(ds)
    nt = (out / "kb.nt").read_text(encoding="utf-8").splitlines()
    assert len(nt) == len(set(nt)) and sorted(nt) == export.ntriples(merged).splitlines()
    assert isomorphic(Graph().parse(out / "kb.ttl", format="turtle"), merged)
    assert isomorphic(Graph().parse(out / "kb.jsonld", format="json-ld"), merged)
    assert len(store.open_read_only(store.location(out))) == len(merged)


@pytest.mark.parametrize("corpus", ["seed", "small", "scaled"])
def test_files_hold_the_graph_the_records_make(corpus: str, tmp_path: Path) -> None:
    makers: dict[str, Callable[[], Corpus]] = {
        "seed": seed_records,
        "small": synthetic.small,
        "scaled": lambda: synthetic.scaled(40),
    }
    records, citations = makers[corpus]()
    sink = _sink(sql.entries(records, citations), tmp_path)
    assert_same_graph_as_in_memory(tmp_path, records, citations)
    assert sink.triples == len((tmp_path / "kb.nt").read_text().splitlines())
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*FILES.values(), "oxigraph"])


def test_built_seed_kb_is_the_graph_of_its_sqlite_records(seed_kb: Path) -> None:
    db = seed_kb / "kb.sqlite"
    assert_same_graph_as_in_memory(seed_kb, list(sql.read_records(db)), sql.read_citations(db))


@pytest.mark.slow
def test_built_fixture_kb_is_the_graph_of_its_sqlite_records(tmp_path: Path) -> None:
    from kb.pipeline.build import build
    from tests.test_fixtures_build import MANIFEST as FIXTURES

    out = build(FIXTURES, tmp_path / "out", with_site=False).out
    db = out / "kb.sqlite"
    assert_same_graph_as_in_memory(out, list(sql.read_records(db)), sql.read_citations(db))


def test_entry_order_and_batching_do_not_change_a_byte(tmp_path: Path) -> None:
    entries = sql.entries(*synthetic.scaled(30))
    shuffled = list(entries)
    random.Random(3).shuffle(shuffled)  # noqa: S311 - a reproducible order, not a secret
    _sink(entries, tmp_path / "a", batch=1000)
    _sink(shuffled, tmp_path / "b", batch=4)
    for name in FILES.values():
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_a_node_shared_by_graphs_is_in_each_graph_and_once_in_the_union(tmp_path: Path) -> None:
    records, citations = synthetic.small()
    snapshot = records[0].provenance.snapshot
    shared = [
        r.model_copy(update={"provenance": r.provenance.model_copy(update={"snapshot": snapshot})})
        for r in records
    ]
    _sink(sql.entries(shared, citations), tmp_path)
    node = f"<{ids.snapshot(snapshot.sha256)}> "
    nq = [line for line in (tmp_path / "kb.nq").read_text().splitlines() if line.startswith(node)]
    nt = [line for line in (tmp_path / "kb.nt").read_text().splitlines() if line.startswith(node)]
    assert len({line.rsplit(" ", 2)[-2] for line in nq}) == len(records)  # in every article's graph
    assert len(nt) == len(set(nt)) == len(nq) // len(records)


def test_a_pmid_written_twice_is_an_error(tmp_path: Path) -> None:
    entry = sql.entries(*synthetic.small())[0]
    sink = RdfSink(tmp_path)
    sink.write([entry])
    with pytest.raises(RdfSinkError, match=f"PMID {entry.pmid} was handed to the RDF sink twice"):
        sink.write([entry])


def test_the_build_does_not_go_through_the_in_memory_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kb.pipeline.build import build
    from tests.conftest import MANIFEST

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the build must stream, not build an in-memory dataset")

    monkeypatch.setattr(rdf, "build_dataset", refuse)
    monkeypatch.setattr(export, "write", refuse)
    summary = build(MANIFEST, tmp_path / "out", with_site=False)
    assert summary.triples == len((summary.out / "kb.nt").read_text().splitlines()) > 0


def test_jsonld_values_keep_datatypes_languages_and_escapes() -> None:
    """Synthetic lines: every kind of term the writer must turn into JSON-LD and back."""
    kb = "https://w3id.org/evidence-kb/vocab#"
    xsd = "http://www.w3.org/2001/XMLSchema#"
    s = "<https://w3id.org/evidence-kb/article/1/measurement/synthetic>"
    lines = sorted(
        [
            f"{s} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{kb}Measurement> .",
            f'{s} <{kb}endpoint> "line\\nbreak \\"quoted\\" back\\\\slash" .',
            f'{s} <{kb}position> "3"^^<{xsd}nonNegativeInteger> .',  # the term's own coercion
            f'{s} <{kb}position> "4"^^<{xsd}integer> .',  # another datatype under the same term
            f'{s} <{kb}checkPassed> "true"^^<{xsd}boolean> .',
            f'{s} <{kb}percent> "45.0"^^<{xsd}decimal> .',  # a lexical form a number would lose
            f'{s} <http://www.w3.org/2000/01/rdf-schema#label> "étiquette"@fr .',
            f"{s} <{kb}check> <https://w3id.org/evidence-kb/article/1/measurement/synthetic/checks/0> .",
            f"{s} <http://www.w3.org/ns/prov#wasDerivedFrom> <https://identifiers.org/pubmed:1> .",
        ]
    )
    buffer = io.BytesIO()
    writer = JsonLdWriter(buffer, schema.context()["@context"])  # type: ignore[arg-type]
    for line in lines:
        writer.add(line)
    writer.close()
    doc = buffer.getvalue().decode()
    assert json.loads(doc)["@context"] == schema.context()["@context"]
    expected = Graph().parse(data="\n".join(lines), format="nt")
    assert isomorphic(Graph().parse(data=doc, format="json-ld"), expected)
    parsed = list(ox.parse(input=doc.encode(), format=ox.RdfFormat.JSON_LD))
    assert len(parsed) == len(lines)  # a second JSON-LD processor reads the same number of triples


def test_kb_export_from_sqlite_writes_the_build_bytes(seed_kb: Path, tmp_path: Path) -> None:
    out = tmp_path / "copy"
    out.mkdir()
    (out / "kb.sqlite").write_bytes((seed_kb / "kb.sqlite").read_bytes())
    db = out / "kb.sqlite"
    written = export.write_entries(
        sql.entries(sql.read_records(db), sql.read_citations(db)), out, ("nq", "jsonld")
    )
    assert written == [out / "kb.nq", out / "kb.jsonld"]
    for name in ("kb.nq", "kb.jsonld"):
        assert (out / name).read_bytes() == (seed_kb / name).read_bytes(), name
    assert sorted(p.name for p in out.iterdir()) == ["kb.jsonld", "kb.nq", "kb.sqlite"]  # no scratch left


def test_dataset_of_nquads_has_one_graph_per_article(seed_kb: Path) -> None:
    ds = Dataset()
    ds.parse(seed_kb / "kb.nq", format="nquads")
    names = {str(g.identifier) for g in ds.graphs() if len(g)}
    db = seed_kb / "kb.sqlite"
    assert {str(ids.graph(r.article.pmid)) for r in sql.read_records(db)} <= names
