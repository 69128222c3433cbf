"""`kb check`: SHACL validation with a readable report, and SQLite/RDF agreement."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from rdflib import RDF, Graph, Literal, URIRef
from typer.testing import CliRunner

from kb.cli.app import app
from kb.pipeline.build import BuildSummary, build
from kb.records import ids
from kb.records.vocab import CITO, KB, OA
from kb.sinks.check import CheckError, check, check_graph, shacl
from kb.sinks.rdf import graph as rdf
from kb.sinks.sql import writer as sql
from kb.sinks.sql.tables import BuildRow
from tests.conftest import MANIFEST
from tests.seed_records import seed_records

runner = CliRunner()


@pytest.fixture(scope="module")
def gold_kb(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Graph]:
    """SQLite and RDF of the seed records with their gold measurements."""
    records, citations = seed_records()
    db = tmp_path_factory.mktemp("gold") / "kb.sqlite"
    row = BuildRow(
        name="t", title="t", run_at="2026-01-01T00:00:00Z", kb_version="0", manifest_sha256="0" * 64
    )
    sql.write(db, records, citations, row)
    return db, rdf.build_graph(records, citations)


def _measurement(g: Graph) -> URIRef:
    return sorted(URIRef(str(s)) for s in g.subjects(RDF.type, KB.Measurement))[0]


def test_the_built_seed_kb_passes(seed_build: BuildSummary) -> None:
    report = check(seed_build.out)
    assert report.ok, report.text()
    result = runner.invoke(app, ["check", "--out", str(seed_build.out)])
    assert result.exit_code == 0 and "ok:" in result.output


def test_records_with_measurements_conform_and_agree(gold_kb: tuple[Path, Graph]) -> None:
    db, g = gold_kb
    report = check_graph(db, g)
    assert report.ok, report.text()
    assert report.counts["measurements"] == 17 and report.counts["citations"] == 5


def test_a_broken_graph_fails_with_focus_path_and_message(gold_kb: tuple[Path, Graph]) -> None:
    _, good = gold_kb
    g = Graph()
    g += good
    m = _measurement(g)
    g.remove((m, KB.endpoint, None))  # required field gone
    g.add((m, KB.measurementKind, Literal("harm")))  # a second value, and not in sh:in
    quote = URIRef(f"{ids.child(m, 'evidence')}/target/quote")
    g.remove((quote, OA.exact, None))  # the verbatim text of the span gone
    found = {(v.focus, v.path) for v in shacl(g)}
    assert (str(m), "kb:endpoint") in found
    assert (str(m), "kb:measurementKind") in found
    assert (str(ids.child(m, "evidence")), "oa:hasTarget/oa:hasSelector/oa:exact") in found
    text = "\n".join(str(v) for v in shacl(g))
    assert str(m) in text and "path: kb:endpoint" in text and "Less than 1 values" in text


def test_sqlite_rdf_mismatch_is_reported(gold_kb: tuple[Path, Graph]) -> None:
    db, good = gold_kb
    g = Graph()
    g += good
    dropped = sorted(URIRef(str(s)) for s in g.subjects(RDF.type, CITO.Citation))[0]
    g.remove((dropped, None, None))
    report = check_graph(db, g)
    assert not report.ok
    assert report.mismatches == [f"citations: {dropped} is in kb.sqlite but not in kb.ttl"]
    assert "difference(s) between kb.sqlite and kb.ttl" in report.text()


def test_kb_check_cli_exits_non_zero_on_a_violation(seed_build: BuildSummary, tmp_path: Path) -> None:
    out = tmp_path / "build"
    out.mkdir()
    shutil.copy(seed_build.out / "kb.sqlite", out / "kb.sqlite")
    g = Graph().parse(seed_build.out / "kb.ttl", format="turtle")
    art = ids.article("31002989")
    g.add((art, KB.recordStatus, Literal("draft")))
    g.serialize(out / "kb.ttl", format="turtle")
    result = runner.invoke(app, ["check", "--out", str(out)])
    assert result.exit_code == 1
    assert str(art) in result.output and "kb:recordStatus" in result.output


def test_a_failing_check_fails_the_build_and_keeps_the_previous_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "build"
    build(MANIFEST, out, with_site=False)
    before = (out / "kb.ttl").read_bytes()

    def untyped_citation(g: Graph, c: object) -> None:  # the RDF side loses its cito:Citation nodes
        pass

    monkeypatch.setattr(rdf, "add_citation", untyped_citation)
    with pytest.raises(CheckError, match="is in kb.sqlite but not in kb.ttl"):
        build(MANIFEST, out, with_site=False)
    assert (out / "kb.ttl").read_bytes() == before


def test_check_names_a_missing_build(tmp_path: Path) -> None:
    with pytest.raises(CheckError, match="kb.ttl: missing"):
        check(tmp_path)


def test_a_changed_field_value_is_reported_per_iri(gold_kb: tuple[Path, Graph], tmp_path: Path) -> None:
    db, g = gold_kb
    changed = tmp_path / "kb.sqlite"
    shutil.copy(db, changed)
    with sqlite3.connect(changed) as con:
        iri, n = con.execute(
            "SELECT iri, numerator FROM measurement WHERE numerator IS NOT NULL ORDER BY iri LIMIT 1"
        ).fetchone()
        con.execute("UPDATE measurement SET numerator = ? WHERE iri = ?", (n + 1, iri))
        (pmid,) = con.execute("SELECT pmid FROM article ORDER BY pmid LIMIT 1").fetchone()
        con.execute("UPDATE article SET title = 'Edited title' WHERE pmid = ?", (pmid,))
    assert check_graph(db, g).ok  # the untouched copy agrees
    report = check_graph(changed, g)
    assert not report.ok
    title_line, numerator_line = report.mismatches
    assert numerator_line == f"measurements: {iri} numerator: kb.sqlite has {n + 1}, kb.ttl has {n}"
    assert title_line.startswith(
        f'articles: {ids.article(pmid)} title: kb.sqlite has "Edited title", kb.ttl has "'
    )
    assert "difference(s) between kb.sqlite and kb.ttl" in report.text()


def test_shacl_report_names_the_generated_shapes(gold_kb: tuple[Path, Graph]) -> None:
    db, good = gold_kb
    g = Graph()
    g += good
    g.remove((_measurement(g), KB.endpoint, None))
    text = check_graph(db, g).text()
    assert "SHACL shapes generated from kb/records/models.py (published as schema/shapes.ttl)" in text
