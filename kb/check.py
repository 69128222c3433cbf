"""``kb check``: SHACL-validate the built graph and check that SQLite and RDF hold the same records."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from pyshacl import validate
from rdflib import RDF, SH, Graph, URIRef
from rdflib.collection import Collection
from rdflib.term import BNode, Node

from kb import ids
from kb.schema import shapes_graph
from kb.vocab import CITO, FABIO, KB, curie


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
            lines.append(f"{len(self.violations)} SHACL violation(s) against schema/shapes.ttl:")
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


def consistency(db: Path, g: Graph) -> tuple[list[str], dict[str, int]]:
    """Differences between the IRIs SQLite and RDF hold, and how many of each kind agree."""
    sql, rdf = _sqlite_sets(db), _rdf_sets(g)
    out = []
    for kind in sql:
        for iri in sorted(sql[kind] - rdf[kind]):
            out.append(f"{kind}: {iri} is in kb.sqlite but not in kb.ttl")
        for iri in sorted(rdf[kind] - sql[kind]):
            out.append(f"{kind}: {iri} is in kb.ttl but not in kb.sqlite")
    return out, {kind: len(sql[kind] & rdf[kind]) for kind in sql}


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
