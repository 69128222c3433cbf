"""`kb check`: SHACL validation with a readable report, and SQLite/RDF agreement."""

from __future__ import annotations

import re
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


def _with_quad(nq: Path, graph: URIRef, quad: str) -> str:
    """kb.nq text with one more line at the end of ``graph``'s lines (graphs stay contiguous)."""
    lines = nq.read_text(encoding="utf-8").splitlines()
    last = max(i for i, line in enumerate(lines) if line.endswith(f" <{graph}> ."))
    return "\n".join([*lines[: last + 1], quad, *lines[last + 1 :]]) + "\n"


def test_kb_check_cli_exits_non_zero_on_a_violation(seed_build: BuildSummary, tmp_path: Path) -> None:
    out = tmp_path / "build"
    out.mkdir()
    shutil.copy(seed_build.out / "kb.sqlite", out / "kb.sqlite")
    art = ids.article("31002989")
    extra = f'<{art}> <{KB.recordStatus}> "draft" <{ids.graph("31002989")}> .'
    (out / "kb.nq").write_text(_with_quad(seed_build.out / "kb.nq", ids.graph("31002989"), extra))
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
    with pytest.raises(CheckError, match="is in kb.sqlite but not in kb.nq"):
        build(MANIFEST, out, with_site=False)
    assert (out / "kb.ttl").read_bytes() == before


def test_check_names_a_missing_build(tmp_path: Path) -> None:
    with pytest.raises(CheckError, match="kb.nq: missing"):
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


def _copy_build(src: Path, dst: Path) -> Path:
    dst.mkdir()
    for name in ("kb.nq", "kb.sqlite"):
        shutil.copy(src / name, dst / name)
    return dst


def test_check_of_files_finds_a_changed_row_by_its_article_digest(seed_kb: Path, tmp_path: Path) -> None:
    out = _copy_build(seed_kb, tmp_path / "build")
    assert check(out).ok
    with sqlite3.connect(out / "kb.sqlite") as con:
        iri, n = con.execute(
            "SELECT iri, numerator FROM measurement WHERE numerator IS NOT NULL ORDER BY iri LIMIT 1"
        ).fetchone()
        con.execute("UPDATE measurement SET numerator = ? WHERE iri = ?", (n + 1, iri))
    report = check(out)
    assert report.mismatches == [f"measurements: {iri} numerator: kb.sqlite has {n + 1}, kb.nq has {n}"]
    assert "difference(s) between kb.sqlite and kb.nq" in report.text()


def test_check_of_files_counts_what_the_whole_graph_check_counts(seed_kb: Path) -> None:
    whole = check_graph(seed_kb / "kb.sqlite", Graph().parse(seed_kb / "kb.ttl", format="turtle"))
    streamed = check(seed_kb)
    assert streamed.ok and whole.ok
    assert streamed.counts == whole.counts and sum(streamed.counts.values()) > 0


def test_a_graph_missing_from_kb_nq_is_reported(seed_kb: Path, tmp_path: Path) -> None:
    out = _copy_build(seed_kb, tmp_path / "build")
    graph = f" <{ids.graph('31002989')}> ."
    lines = (out / "kb.nq").read_text(encoding="utf-8").splitlines()
    (out / "kb.nq").write_text("".join(f"{line}\n" for line in lines if not line.endswith(graph)))
    report = check(out)
    assert f"articles: {ids.article('31002989')} is in kb.sqlite but not in kb.nq" in report.mismatches


def test_a_graph_split_in_two_is_an_error_naming_the_line(seed_kb: Path, tmp_path: Path) -> None:
    out = _copy_build(seed_kb, tmp_path / "build")
    lines = (out / "kb.nq").read_text(encoding="utf-8").splitlines()
    first = lines[0].rsplit(" ", 2)[-2]
    moved = lines[0]
    (out / "kb.nq").write_text("".join(f"{line}\n" for line in [*lines[1:], moved]))
    with pytest.raises(CheckError, match=rf"kb\.nq:{len(lines)}: graph {re.escape(first)} appears again"):
        check(out)
