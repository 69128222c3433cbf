"""``kb check``: SHACL per article graph of kb.nq, and SQLite/RDF agreement by per-article digests.

Both run in bounded memory: ``kb.nq`` is read one named graph at a time (``kb.sinks.rdf.quads``),
validated by the compiled shapes (``kb.sinks.rdf.shacl_fast``) and reduced to a digest of its
comparable facts (``kb.sinks.agreement``), which is compared with the digest of the same PMID's
rows in SQLite. ``shacl`` (pyshacl over an rdflib graph) is the reference the compiled shapes are
tested against.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pyshacl import validate
from rdflib import RDF, SH, Graph, URIRef
from rdflib.collection import Collection
from rdflib.term import BNode, Node

from kb.records import ids
from kb.records.schema import shapes_graph
from kb.records.vocab import curie
from kb.sinks import agreement
from kb.sinks.agreement import Facts
from kb.sinks.rdf import ntriples, quads, shacl_fast
from kb.sinks.rdf.shacl_fast import Violation

__all__ = ["CheckError", "Report", "Violation", "check", "check_files", "check_graph", "shacl"]

#: The RDF file ``kb check`` reads: one named graph per article, graph after graph.
NQ = "kb.nq"


class CheckError(Exception):
    """A built knowledge base failed ``kb check``; the message is the readable report."""


@dataclass
class Report:
    """Everything ``kb check`` found; ``ok`` when there is nothing to report."""

    violations: list[Violation] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    #: the RDF file compared with kb.sqlite (named in the report)
    rdf_name: str = "kb.nq"

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
            lines.append(f"{len(self.mismatches)} difference(s) between kb.sqlite and {self.rdf_name}:")
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
                component=_show(results, results.value(result, SH.sourceConstraintComponent)),
            )
        )
    return sorted(out, key=lambda v: (v.focus, v.path, v.message, v.value))


def check_graph(db: Path, g: Graph, rdf_name: str = "kb.ttl") -> Report:
    """Check a small in-memory graph (the union, as one graph) against the shapes and ``db``."""
    index = quads.index(ntriples.lines(g))
    sql: Facts = {}
    for _, kind, facts in agreement.sql_facts(db):
        sql.setdefault(kind, {}).update(facts)
    mismatches, counts = agreement.differences(sql, agreement.rdf_facts(index), rdf_name)
    return Report(shacl_fast.validate(index), mismatches, counts, rdf_name)


def _pmid(graph: str) -> str:
    # a graph is ``ids.graph(PMID)``; anything else keeps its IRI and so matches no SQLite row
    prefix = str(ids.graph("1"))[:-1]
    return graph.removeprefix(prefix) if graph.startswith(prefix) else graph


def _sql_digests(db: Path) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for pmid, kind, facts in agreement.sql_facts(db):
        out.setdefault(pmid, {})[kind] = agreement.digest(facts)
    return out


def _details(nq: Path, db: Path, pmids: set[str]) -> tuple[list[str], dict[str, int]]:
    """The differences of the PMIDs whose digests differ, read again from both sides."""
    sql: Facts = {}
    for _, kind, facts in agreement.sql_facts(db, pmids):
        sql.setdefault(kind, {}).update(facts)
    graph: Facts = {}
    for name, g in quads.read_graphs(nq):
        if _pmid(name) in pmids:
            for kind, facts in agreement.rdf_facts(g).items():
                graph.setdefault(kind, {}).update(facts)
    return agreement.differences(sql, graph, NQ)


def check_files(nq: Path, db: Path) -> Report:
    """SHACL per named graph of ``nq`` and SQLite/RDF agreement per PMID, one graph in memory at a time."""
    sql = _sql_digests(db)
    violations: set[Violation] = set()  # a node shared by graphs (a snapshot) is reported once
    counts = dict.fromkeys(agreement.KINDS, 0)
    differ: set[str] = set()
    seen: set[str] = set()
    try:
        for name, g in quads.read_graphs(nq):
            violations.update(shacl_fast.validate(g))
            pmid = _pmid(name)
            seen.add(pmid)
            facts = agreement.rdf_facts(g)
            if sql.get(pmid, {}) != {k: agreement.digest(f) for k, f in facts.items() if f}:
                differ.add(pmid)
                continue
            for kind, f in facts.items():
                counts[kind] += len(f)
    except quads.QuadsError as exc:
        raise CheckError(str(exc)) from None
    differ |= sql.keys() - seen
    mismatches: list[str] = []
    if differ:
        mismatches, more = _details(nq, db, differ)
        counts = {kind: counts[kind] + more[kind] for kind in counts}
    ordered = sorted(violations, key=lambda v: (v.focus, v.path, v.message, v.value))
    return Report(ordered, mismatches, counts, NQ)


def check(out: Path) -> Report:
    """Check a build folder: ``out/kb.nq`` against the shapes and against ``out/kb.sqlite``."""
    nq, db = out / NQ, out / "kb.sqlite"
    for path in (nq, db):
        if not path.is_file():
            raise CheckError(f"{path}: missing; run `kb build --out {out}` first")
    return check_files(nq, db)
