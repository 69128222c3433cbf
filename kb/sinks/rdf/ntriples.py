"""N-Triples text of rdflib terms, written the way rdflib's own N-Triples serializer writes them."""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import Literal, URIRef
from rdflib.term import Node

from kb.sinks.rdf.graph import Triple


def quote(text: str) -> str:
    """A string literal's quoted form (the escapes rdflib's ``nt`` serializer uses)."""
    return (
        '"' + text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"').replace("\r", "\\r") + '"'
    )


def term(node: Node) -> str:
    """``<iri>`` or ``"text"``, ``"text"@lang``, ``"text"^^<datatype>``; the graph has no blank nodes."""
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        if node.language:
            return f"{quote(str(node))}@{node.language}"
        if node.datatype is not None:
            return f"{quote(str(node))}^^<{node.datatype}>"
        return quote(str(node))
    raise ValueError(f"cannot write {node!r} as N-Triples: the knowledge base has no blank nodes")


def lines(triples: Iterable[Triple]) -> list[str]:
    """Sorted ``s p o .`` lines, one per triple (the order is what makes the exports reproducible)."""
    out = []
    for s, p, o in triples:
        # The common case inline (IRIs everywhere but literal objects): a call per term was a
        # fifth of the sink's time.
        if type(s) is URIRef and type(p) is URIRef:
            out.append(f"<{s}> <{p}> <{o}> ." if type(o) is URIRef else f"<{s}> <{p}> {term(o)} .")
        else:
            out.append(f"{term(s)} {term(p)} {term(o)} .")
    out.sort()
    return out
