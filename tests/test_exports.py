"""Exports: Turtle, N-Triples, N-Quads (a graph per article) and JSON-LD, byte-identical across builds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import RDF, Dataset, Graph, URIRef
from rdflib.compare import isomorphic
from typer.testing import CliRunner

from kb.cli.app import app
from kb.pipeline.build import build
from kb.records import ids, schema
from kb.records.vocab import CITO, KB
from kb.sinks.rdf import export, store
from kb.sinks.rdf import graph as rdf
from tests import synthetic
from tests.conftest import MANIFEST
from tests.seed_records import seed_records

FILES = tuple(export.FORMATS.values())


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return rdf.build_dataset(*seed_records())


def test_two_builds_give_byte_identical_exports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    first, second = tmp_path / "a", tmp_path / "b"
    build(MANIFEST, first, with_site=False)
    build(MANIFEST, second, with_site=False)
    for name in FILES:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    # `kb export` re-serialises from kb.sqlite to the very same bytes
    for fmt, name in export.FORMATS.items():
        (second / name).unlink()
        result = CliRunner().invoke(app, ["export", "--format", fmt, "--out", str(second)])
        assert result.exit_code == 0, result.output
        assert (second / name).read_bytes() == (first / name).read_bytes(), name


def test_serialisation_does_not_depend_on_input_order(dataset: Dataset) -> None:
    records, citations = seed_records()
    shuffled = rdf.build_dataset(list(reversed(records)), list(reversed(citations)))
    for fmt in export.FORMATS:
        assert export.render(shuffled, fmt) == export.render(dataset, fmt), fmt


def test_every_format_parses_back_to_the_same_graph(dataset: Dataset) -> None:
    merged = rdf.union(dataset)
    assert isomorphic(Graph().parse(data=export.render(dataset, "ttl"), format="turtle"), merged)
    assert isomorphic(Graph().parse(data=export.render(dataset, "nt"), format="nt"), merged)
    assert isomorphic(Graph().parse(data=export.render(dataset, "jsonld"), format="json-ld"), merged)
    quads = Dataset()
    quads.parse(data=export.render(dataset, "nq"), format="nquads")
    for g in dataset.graphs():
        assert isomorphic(quads.graph(g.identifier), g), g.identifier


def test_line_formats_are_sorted_and_unique(dataset: Dataset) -> None:
    lines = export.render(dataset, "nt").splitlines()
    assert lines == sorted(set(lines))
    # N-Quads: graph after graph in IRI order (kb check reads one graph at a time), each sorted
    quads = export.render(dataset, "nq").splitlines()
    graphs = [line.rsplit(" ", 2)[-2] for line in quads]
    assert graphs == sorted(graphs) and len(quads) == len(set(quads))
    for name in set(graphs):
        mine = [line for line in quads if line.endswith(f" {name} .")]
        assert mine == sorted(mine), name


def test_one_named_graph_per_source_article(dataset: Dataset) -> None:
    records, citations = seed_records()
    names = {g.identifier for g in dataset.graphs() if len(g)}
    assert names == {ids.graph(r.article.pmid) for r in records}
    for rec in records:
        graph = dataset.graph(ids.graph(rec.article.pmid))
        for m in graph.subjects(RDF.type, KB.Measurement):
            assert str(m).startswith(f"{ids.BASE}article/{rec.article.pmid}/")
    for c in citations:  # a citation lives in the citing article's graph
        citing = dataset.graph(ids.graph(c.citing))
        assert (ids.article(c.citing), CITO.cites, ids.article(c.cited)) in citing
        assert (ids.citation(c.citing, c.cited), RDF.type, CITO.Citation) in citing


def test_jsonld_uses_the_published_context(dataset: Dataset) -> None:
    doc = json.loads(export.render(dataset, "jsonld"))
    published = json.loads((Path(__file__).resolve().parent.parent / "schema" / "context.jsonld").read_text())
    assert doc["@context"] == published["@context"] == schema.context()["@context"]
    nodes = {n["@id"]: n for n in doc["@graph"]}
    m = next(n for i, n in nodes.items() if i.endswith("/measurement/cr-crh-proportion-2-cycles"))
    assert m["endpoint"] == "CR/CRh"  # kb: terms are short names in the context
    assert URIRef(m["@id"]) in set(rdf.union(dataset).subjects(RDF.type, KB.Measurement))


def _store_triples(out: Path) -> int:
    return len(store.open_read_only(store.location(out)))


def test_export_replaces_kb_ttl_and_reloads_the_store(tmp_path: Path) -> None:
    """Synthetic: a store loaded from two articles follows kb.ttl when export rewrites it."""
    records, citations = synthetic.small()
    out = synthetic.write_kb(records[:2], [], tmp_path / "build")
    before = _store_triples(out)
    written = export.write(rdf.build_dataset(records, citations), out, ("ttl",))
    assert written == [out / "kb.ttl", store.location(out)]
    g = Graph().parse(out / "kb.ttl", format="turtle")
    assert _store_triples(out) == len(g) > before
    added = ids.article(records[-1].article.pmid)
    assert store.open_read_only(store.location(out)).query(f"ASK {{ <{added}> ?p ?o }}")
    # exactly what a build writes: no temp files left
    assert sorted(p.name for p in out.iterdir()) == sorted([*export.FORMATS.values(), "oxigraph"])


def test_a_failed_export_leaves_the_old_file_and_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records, citations = synthetic.small()
    out = synthetic.write_kb(records[:2], [], tmp_path / "build")
    old_ttl, old_count = (out / "kb.ttl").read_bytes(), _store_triples(out)
    dataset = rdf.build_dataset(records, citations)

    def broken_load(source: Path, target: Path) -> int:
        target.mkdir(parents=True)
        raise store.StoreError(f"{source}: synthetic failure")

    monkeypatch.setattr(store, "load", broken_load)
    with pytest.raises(store.StoreError, match="synthetic failure"):
        export.write(dataset, out, ("ttl",))
    # kb.ttl was replaced whole (it is the new file); the store is the old one, intact.
    assert Graph().parse(out / "kb.ttl", format="turtle")
    assert _store_triples(out) == old_count
    monkeypatch.undo()

    def broken_render(ds: Dataset, fmt: str, merged: Graph | None = None) -> str:
        raise RuntimeError("synthetic failure while serialising")

    (out / "kb.ttl").write_bytes(old_ttl)
    monkeypatch.setattr(export, "render", broken_render)
    with pytest.raises(RuntimeError):
        export.write(dataset, out, ("ttl",))
    assert (out / "kb.ttl").read_bytes() == old_ttl
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
