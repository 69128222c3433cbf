"""``kb check``: SHACL-validate the built graph and check that SQLite and RDF hold the same records."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from pyshacl import validate
from rdflib import RDF, SH, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import BNode, Node

from kb.records import ids
from kb.records.models import Article, Citation, Measurement, Record, Span
from kb.records.schema import shapes_graph
from kb.records.vocab import CITO, FABIO, KB, curie
from kb.sinks.rdf import graph as rdf


class CheckError(Exception):
    """A built knowledge base failed ``kb check``; the message is the readable report."""


@dataclass(frozen=True)
class Violation:
    """One SHACL result: which node, along which path, and what is wrong."""

    focus: str
    path: str
    message: str
    value: str = ""
    severity: str = "Violation"

    def __str__(self) -> str:
        value = f" (value: {self.value})" if self.value else ""
        return f"{self.severity}: {self.focus}\n    path: {self.path}\n    {self.message}{value}"


@dataclass
class Report:
    """Everything ``kb check`` found; ``ok`` when there is nothing to report."""

    violations: list[Violation] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.violations and not self.mismatches

    def text(self, limit: int = 50) -> str:
        lines = []
        if self.violations:
            lines.append(
                f"{len(self.violations)} SHACL violation(s) against the SHACL shapes generated from "
                "kb/records/models.py (published as schema/shapes.ttl):"
            )
            lines += [str(v) for v in self.violations[:limit]]
            if len(self.violations) > limit:
                lines.append(f"... and {len(self.violations) - limit} more")
        if self.mismatches:
            lines.append(f"{len(self.mismatches)} difference(s) between kb.sqlite and kb.ttl:")
            lines += [f"  {m}" for m in self.mismatches[:limit]]
            if len(self.mismatches) > limit:
                lines.append(f"... and {len(self.mismatches) - limit} more")
        if not lines:
            counts = ", ".join(f"{n} {k}" for k, n in self.counts.items())
            lines.append(f"ok: the graph conforms to the shapes; SQLite and RDF agree ({counts})")
        return "\n".join(lines)


def _show(g: Graph, node: Node | None) -> str:
    """A result term as text: CURIEs for IRIs, 'a/b/c' for a sequence path."""
    if node is None:
        return ""
    if isinstance(node, BNode):
        items = list(Collection(g, node)) if (node, RDF.first, None) in g else []
        return "/".join(_show(g, i) for i in items) if items else "(blank node)"
    if isinstance(node, URIRef):
        return curie(node)
    return str(node)


def shacl(data: Graph, shapes: Graph | None = None) -> list[Violation]:
    """Validate ``data`` against the shapes (generated from the records unless given)."""
    conforms, results, _text = validate(
        data, shacl_graph=shapes if shapes is not None else shapes_graph(), inference="none"
    )
    if conforms:
        return []
    assert isinstance(results, Graph)  # noqa: S101  (pyshacl returns a graph by default)
    out = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        out.append(
            Violation(
                focus=str(focus),
                path=_show(results, results.value(result, SH.resultPath)),
                message=str(results.value(result, SH.resultMessage) or ""),
                value=_show(results, results.value(result, SH.value)),
                severity=_show(results, results.value(result, SH.resultSeverity)).partition(":")[2],
            )
        )
    return sorted(out, key=lambda v: (v.focus, v.path, v.message, v.value))


def _sqlite_sets(db: Path) -> dict[str, set[str]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        articles = {r[0] for r in con.execute("SELECT iri FROM article")}
        measurements = {r[0] for r in con.execute("SELECT iri FROM measurement")}
        citations = {str(ids.citation(a, b)) for a, b in con.execute("SELECT citing, cited FROM citation")}
    return {"articles": articles, "measurements": measurements, "citations": citations}


def _rdf_sets(g: Graph) -> dict[str, set[str]]:
    return {
        "articles": {str(s) for s in g.subjects(RDF.type, FABIO.JournalArticle)},
        "measurements": {str(s) for s in g.subjects(RDF.type, KB.Measurement)},
        "citations": {str(s) for s in g.subjects(RDF.type, CITO.Citation)},
    }


Row = dict[str, object]


@dataclass(frozen=True)
class Compared:
    """One SQLite column compared with the values along the RDF path of the record field it stores.

    ``fields`` name the record field (and, for a nested record, its field) whose declared RDF
    path is followed, so the comparison follows the same metadata kb/sinks/rdf/graph.py publishes with.
    ``expect`` gives the RDF values a row implies, when kb/sinks/rdf/graph.py adds more than the field.
    """

    column: str
    fields: tuple[tuple[type[Record], str], ...]
    expect: Callable[[Row], set[object]] | None = None

    def predicates(self) -> list[URIRef]:
        out: list[URIRef] = []
        for model, name in self.fields:
            spec = rdf.field_rdf(model, name)
            assert spec is not None  # noqa: S101  (the table below names published fields)
            out += [s.predicate for s in spec.path]
        return out

    def expected(self, row: Row) -> set[object]:
        if self.expect is not None:
            return self.expect(row)
        return set() if row[self.column] is None else {row[self.column]}


def _fhir_value(row: Row) -> set[object]:
    # FHIR states a proportion as a fraction: with no value, fhir:value holds percent/100
    # (kb.sinks.rdf.graph.add_statistic), so that is what a row without a value implies.
    value, percent = row["value"], row["percent"]
    if value is not None:
        return {value}
    if isinstance(percent, (int, float)):
        return {rdf.plain(rdf.decimal(percent) / 100)}
    return set()


#: Per kind: the SQLite table and its columns compared with RDF.
COMPARED: dict[str, tuple[str, tuple[Compared, ...]]] = {
    "articles": (
        "article",
        (Compared("title", ((Article, "title"),)), Compared("year", ((Article, "year"),))),
    ),
    "measurements": (
        "measurement",
        (
            Compared("numerator", ((Measurement, "numerator"),)),
            Compared("denominator", ((Measurement, "denominator"),)),
            Compared("percent", ((Measurement, "percent"),)),
            Compared("value", ((Measurement, "value"),), _fhir_value),
            Compared("evidence_text", ((Measurement, "evidence"), (Span, "text"))),
            Compared("evidence_start", ((Measurement, "evidence"), (Span, "start"))),
            Compared("evidence_end", ((Measurement, "evidence"), (Span, "end"))),
        ),
    ),
    "citations": ("citation", (Compared("origin", ((Citation, "origin"),)),)),
}


def _norm(value: object) -> object:
    """A value comparable across SQLite and RDF: numbers as plain decimals, text as str."""
    if isinstance(value, Literal):
        value = value.toPython()
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return rdf.plain(rdf.decimal(value))
    if isinstance(value, Decimal):
        return rdf.plain(value)
    return str(value)


def _show_values(values: set[object]) -> str:
    if not values:
        return "no value"
    shown = []
    for v in sorted(values, key=str):
        text = json.dumps(v if len(v) <= 80 else v[:77] + "...") if isinstance(v, str) else str(v)
        shown.append(text)
    return ", ".join(shown)


def _objects(g: Graph, index: dict[URIRef, dict[Node, list[Node]]], node: Node, p: URIRef) -> list[Node]:
    # One pass over each predicate's triples beats a lookup per node on a large graph.
    if p not in index:
        by_subject: dict[Node, list[Node]] = {}
        for s, o in g.subject_objects(p):
            by_subject.setdefault(s, []).append(o)
        index[p] = by_subject
    return index[p].get(node, [])


def _rdf_values(
    g: Graph, index: dict[URIRef, dict[Node, list[Node]]], iri: str, predicates: Iterable[URIRef]
) -> set[object]:
    nodes: list[Node] = [URIRef(iri)]
    for p in predicates:
        nodes = [o for n in nodes for o in _objects(g, index, n, p)]
    return {_norm(n) for n in nodes}


def _sqlite_rows(db: Path, kind: str) -> dict[str, list[Row]]:
    table, compared = COMPARED[kind]
    columns = [c.column for c in compared]
    # A citation row has no IRI column: the node is minted from the pair (one node, and one
    # kb:linkOrigin per source the link was read from).
    key = "citing, cited" if kind == "citations" else "iri"
    out: dict[str, list[Row]] = {}
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        for r in con.execute(f"SELECT {key}, {', '.join(columns)} FROM {table}"):  # noqa: S608  (names from COMPARED)
            if kind == "citations":
                iri, values = str(ids.citation(r[0], r[1])), r[2:]
            else:
                iri, values = r[0], r[1:]
            out.setdefault(iri, []).append(dict(zip(columns, values, strict=True)))
    return out


def field_differences(db: Path, g: Graph, iris: dict[str, set[str]]) -> list[str]:
    """Key field values that differ between SQLite and RDF, for the IRIs both hold."""
    index: dict[URIRef, dict[Node, list[Node]]] = {}
    out = []
    for kind, (_select, compared) in COMPARED.items():
        rows = _sqlite_rows(db, kind)
        for iri in sorted(iris[kind]):
            for c in compared:
                in_sql = {_norm(v) for row in rows.get(iri, []) for v in c.expected(row)}
                in_rdf = _rdf_values(g, index, iri, c.predicates())
                if in_sql != in_rdf:
                    out.append(
                        f"{kind}: {iri} {c.column}: kb.sqlite has {_show_values(in_sql)}, "
                        f"kb.ttl has {_show_values(in_rdf)}"
                    )
    return out


def consistency(db: Path, g: Graph) -> tuple[list[str], dict[str, int]]:
    """Differences between SQLite and RDF, and how many records of each kind are in both.

    First the IRIs only one side holds, then key field values that differ for an IRI both hold.
    """
    sql, graph = _sqlite_sets(db), _rdf_sets(g)
    out = []
    for kind in sql:
        for iri in sorted(sql[kind] - graph[kind]):
            out.append(f"{kind}: {iri} is in kb.sqlite but not in kb.ttl")
        for iri in sorted(graph[kind] - sql[kind]):
            out.append(f"{kind}: {iri} is in kb.ttl but not in kb.sqlite")
    both = {kind: sql[kind] & graph[kind] for kind in sql}
    out += field_differences(db, g, both)
    return out, {kind: len(iris) for kind, iris in both.items()}


def check_graph(db: Path, g: Graph) -> Report:
    mismatches, counts = consistency(db, g)
    return Report(violations=shacl(g), mismatches=mismatches, counts=counts)


def check(out: Path) -> Report:
    """Check a build folder: ``out/kb.ttl`` against the shapes and against ``out/kb.sqlite``."""
    ttl, db = out / "kb.ttl", out / "kb.sqlite"
    for path in (ttl, db):
        if not path.is_file():
            raise CheckError(f"{path}: missing; run `kb build --out {out}` first")
    return check_graph(db, Graph().parse(ttl, format="turtle"))
