"""Reading the N-Quads a build writes one named graph at a time, into a small per-graph index."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from kb.errors import KBError
from kb.sinks.rdf.jsonld_stream import RDF_TYPE, XSD_STRING, unquote

RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


class QuadsError(KBError):
    """kb.nq cannot be read graph by graph; names the file and line."""


@dataclass
class GraphIndex:
    """One graph's triples by subject and predicate; objects stay N-Triples text (``<iri>``, ``"x"``)."""

    objects: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    typed: dict[str, list[str]] = field(default_factory=dict)  # class IRI -> subjects

    def add(self, line: str, end: int = -2) -> None:
        """Index ``<s> <p> o`` from ``line``, whose object ends at ``end`` (before `` .`` by default)."""
        end_s = line.index("> ")  # IRIs hold no spaces; split inline: this runs once per quad
        end_p = line.index("> ", end_s + 2)
        s, p, o = line[1:end_s], line[end_s + 3 : end_p], line[end_p + 2 : end]
        by_p = self.objects.get(s)
        if by_p is None:
            by_p = self.objects[s] = {}
        by_p.setdefault(p, []).append(o)
        if p == RDF_TYPE and o[0] == "<":
            self.typed.setdefault(o[1:-1], []).append(s)

    def values(self, focus: str, path: Iterable[str]) -> set[str]:
        """Object terms reached from ``focus`` along a sequence of predicates (a SHACL sequence path)."""
        first, *rest = path
        nodes = set(self.objects.get(focus, {}).get(first, ()))
        for p in rest:
            nodes = {o for n in nodes if n[0] == "<" for o in self.objects.get(n[1:-1], {}).get(p, ())}
        return nodes

    def has_type(self, term: str, cls: str) -> bool:
        return term[0] == "<" and f"<{cls}>" in self.objects.get(term[1:-1], {}).get(RDF_TYPE, ())


def index(lines: Iterable[str]) -> GraphIndex:
    out = GraphIndex()
    for line in lines:
        out.add(line)
    return out


def literal(term: str) -> tuple[str, str, str]:
    """(lexical form, datatype IRI, language) of a literal term's text."""
    close = term.rindex('"')
    rest = term[close + 1 :]
    if rest.startswith("@"):
        return unquote(term[1:close]), RDF_LANG_STRING, rest[1:]
    return unquote(term[1:close]), rest[3:-1] if rest else XSD_STRING, ""


def number(term: str) -> Decimal | None:
    """A literal's value as a decimal, or None when it is not a number."""
    if term[0] != '"':
        return None
    try:
        return Decimal(literal(term)[0])
    except InvalidOperation:
        return None


def read_graphs(path: Path) -> Iterator[tuple[str, GraphIndex]]:
    """(graph IRI, its index) for each named graph of an N-Quads file whose graphs are contiguous.

    ``kb.nq`` is written graph by graph (``kb.sinks.rdf.sink``); a graph that comes back after
    another one started is an error, not a second graph, so memory holds one graph at a time.
    """
    seen: set[str] = set()
    current: str | None = None
    graph = GraphIndex()
    with path.open(encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not line:
                continue
            cut = line.rfind(" <", 0, len(line) - 2)
            name = line[cut + 1 : -2]
            if cut < 0 or not line.endswith("> ."):
                raise QuadsError(f"{path}:{n}: not a quad of a named graph: {line[:120]}")
            if name != current:
                if current is not None:
                    yield current[1:-1], graph
                if name in seen:
                    raise QuadsError(f"{path}:{n}: graph {name} appears again after other graphs")
                seen.add(name)
                current, graph = name, GraphIndex()
            try:
                graph.add(line, cut)
            except ValueError:
                raise QuadsError(f"{path}:{n}: not an N-Quads line: {line[:120]}") from None
    if current is not None:
        yield current[1:-1], graph
