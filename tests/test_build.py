"""`kb build` end to end on the seed manifest: stores agree, bad input fails safely."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from rdflib import RDF, Graph, URIRef
from rdflib.compare import isomorphic
from typer.testing import CliRunner

from kb.cli.app import app
from kb.errors import KBError
from kb.pipeline.build import BuildError, BuildSummary, build
from kb.pipeline.manifest import ManifestError
from kb.records import ids
from kb.records.vocab import CITO, KB
from kb.sources.base import SourceError

runner = CliRunner()


def _sql(db: Path, query: str) -> set[tuple[object, ...]]:
    with sqlite3.connect(db) as con:
        return set(con.execute(query).fetchall())


def test_seed_build_outputs(seed_build: BuildSummary) -> None:
    out = seed_build.out
    assert (out / "kb.sqlite").is_file() and (out / "kb.ttl").is_file()
    assert (out / "site" / "index.html").is_file()
    assert (out / "site" / "articles" / "31002989.html").is_file()
    assert seed_build.articles == 6 and seed_build.full_articles == 1 and seed_build.citations == 5


def test_sqlite_and_rdf_hold_the_same_records(seed_build: BuildSummary) -> None:
    out = seed_build.out
    g = Graph().parse(out / "kb.ttl", format="turtle")
    db = out / "kb.sqlite"
    sql_articles = {URIRef(r[0]) for r in _sql(db, "SELECT iri FROM article")}
    rdf_articles = {s for s in g.subjects(KB.recordStatus, None) if isinstance(s, URIRef)}
    assert sql_articles == rdf_articles and ids.article("31002989") in sql_articles
    sql_meas = {URIRef(r[0]) for r in _sql(db, "SELECT iri FROM measurement")}
    rdf_meas = set(g.subjects(RDF.type, KB.Measurement))
    assert sql_meas == rdf_meas
    sql_cites = {(ids.article(a), ids.article(b)) for a, b in _sql(db, "SELECT citing, cited FROM citation")}
    rdf_cites = set(g.subject_objects(CITO.cites))
    assert sql_cites == rdf_cites and len(sql_cites) == 5


def test_rebuild_is_idempotent(manifest_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # the same recorded build time twice
    out = tmp_path / "out"
    first = build(manifest_copy, out, with_site=False)
    before = Graph().parse(out / "kb.ttl", format="turtle")
    second = build(manifest_copy, out, with_site=False)
    assert (first.articles, first.measurements, first.citations, first.triples) == (
        second.articles,
        second.measurements,
        second.citations,
        second.triples,
    )
    assert isomorphic(before, Graph().parse(out / "kb.ttl", format="turtle"))


def test_same_snapshot_twice_keeps_one(manifest_copy: Path, tmp_path: Path) -> None:
    text = manifest_copy.read_text(encoding="utf-8")
    entry = text[text.index("\n[[snapshot]]") :]
    manifest_copy.write_text(text + "\n" + entry, encoding="utf-8")
    summary = build(manifest_copy, tmp_path / "out", with_site=False)
    assert (summary.articles, summary.citations) == (6, 5)


def _break(manifest: Path, how: str) -> Path:
    snap = manifest.parent / "snapshots" / "pubmed-31002989.txt"
    text = manifest.read_text(encoding="utf-8")
    if how == "missing":
        snap.unlink()
    elif how == "empty":
        snap.write_bytes(b"")
    elif how == "malformed":
        snap.write_text("this is not a saved PubMed page\n", encoding="utf-8")
    if how in ("empty", "malformed"):  # the declared hash would catch it first; test the reader
        manifest.write_text("\n".join(x for x in text.splitlines() if not x.startswith("sha256")))
    if how == "hash":
        snap.write_text(snap.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    if how == "unknown-key":
        manifest.write_text(text.replace('reader = "pubmed-page"', 'reader = "pubmed-page"\nreeder = 1'))
    if how == "unknown-reader":
        manifest.write_text(text.replace('reader = "pubmed-page"', 'reader = "no-such-reader"'))
    return snap


@pytest.mark.parametrize(
    ("how", "error", "pattern"),
    [
        ("missing", SourceError, "pubmed-31002989.txt: snapshot named in the manifest is missing"),
        ("empty", SourceError, "pubmed-31002989.txt: snapshot is empty"),
        ("malformed", SourceError, "pubmed-31002989.txt: not a saved PubMed page"),
        ("hash", SourceError, "pubmed-31002989.txt: sha256 is"),
        ("unknown-key", ManifestError, r"manifest.toml: snapshot.0.reeder: Extra inputs"),
        (
            "unknown-reader",
            ManifestError,
            r"manifest.toml: snapshot.0.reader: unknown reader 'no-such-reader'",
        ),
    ],
)
def test_bad_input_fails_and_keeps_previous_build(
    manifest_copy: Path, tmp_path: Path, how: str, error: type[Exception], pattern: str
) -> None:
    out = tmp_path / "out"
    build(manifest_copy, out, with_site=False)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    _break(manifest_copy, how)
    with pytest.raises(error, match=pattern):
        build(manifest_copy, out, with_site=False)
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    # no temporary folder, lock or half-swapped build is left; the cache (.out.cache) stays
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.")] == [".out.cache"]


def test_cli_build_error_exit_code(manifest_copy: Path, tmp_path: Path) -> None:
    _break(manifest_copy, "malformed")
    result = runner.invoke(app, ["build", "--manifest", str(manifest_copy), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "pubmed-31002989.txt" in result.output and "not a saved PubMed page" in result.output


def test_cli_build_summary(manifest_copy: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["build", "--manifest", str(manifest_copy), "--out", str(tmp_path / "o"), "--no-site"]
    )
    assert result.exit_code == 0, result.output
    for word in ("articles", "measurements", "citations", "triples", "pages", "seconds"):
        assert word in result.output


def test_out_folder_that_is_not_a_build_is_never_replaced(manifest_copy: Path, tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("synthetic: not a build output", encoding="utf-8")
    with pytest.raises(BuildError, match="is not a kb build output"):
        build(manifest_copy, precious, with_site=False)
    assert (precious / "notes.txt").read_text(encoding="utf-8") == "synthetic: not a build output"
    with pytest.raises(BuildError, match="holding the manifest"):
        build(manifest_copy, manifest_copy.parent, with_site=False)
    assert manifest_copy.is_file()


def test_plain_text_snapshot_needs_a_pmid(manifest_copy: Path, tmp_path: Path) -> None:
    snap = manifest_copy.parent / "snapshots" / "synthetic-abstract.txt"
    snap.write_text("Synthetic abstract: 3 of 10 patients responded.", encoding="utf-8")
    with manifest_copy.open("a", encoding="utf-8") as fh:
        fh.write('\n[[snapshot]]\npath = "snapshots/synthetic-abstract.txt"\nreader = "text"\n')
    with pytest.raises(SourceError, match="synthetic-abstract.txt: no PMID"):
        build(manifest_copy, tmp_path / "out", with_site=False)


def test_absolute_snapshot_path_is_refused(manifest_copy: Path, tmp_path: Path) -> None:
    text = manifest_copy.read_text(encoding="utf-8")
    outside = tmp_path / "elsewhere.txt"
    outside.write_bytes((manifest_copy.parent / "snapshots" / "pubmed-31002989.txt").read_bytes())
    manifest_copy.write_text(text.replace('path = "snapshots/pubmed-31002989.txt"', f'path = "{outside}"'))
    with pytest.raises(SourceError, match="must be relative to the manifest's folder"):
        build(manifest_copy, tmp_path / "out", with_site=False)


def test_bad_source_date_epoch(manifest_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(KBError, match="SOURCE_DATE_EPOCH must be whole seconds"):
        build(manifest_copy, tmp_path / "out", with_site=False)
