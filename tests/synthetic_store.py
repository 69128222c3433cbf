"""A synthetic knowledge base written straight into an Oxigraph store, from generated quads (no build).

The triples are the build's own (``kb.sinks.rdf.graph.article_graphs``), converted to pyoxigraph
terms and bulk-loaded into the default graph, as ``kb build`` loads ``kb.ttl``. It skips the
Turtle round trip that makes a 10k-article knowledge base slow to set up.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from kb.records.models import Citation, EvidenceRecord
from kb.sinks.rdf.graph import article_graphs
from kb.sinks.rdf.store import location as store_location


def ox_term(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term as the pyoxigraph term with the same value."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def quads(records: Iterable[EvidenceRecord], citations: Iterable[Citation]) -> Iterator[ox.Quad]:
    """The merged graph's triples as default-graph quads (duplicates across articles included)."""
    for _, triples in article_graphs(records, citations):
        for s, p, o in triples:
            yield ox.Quad(ox_term(s), ox_term(p), ox_term(o))  # type: ignore[arg-type]


def write_store(records: Iterable[EvidenceRecord], citations: Iterable[Citation], out: Path) -> Path:
    """``OUT/oxigraph`` holding the records and citations; returns ``out``."""
    target = store_location(out)
    target.mkdir(parents=True, exist_ok=True)
    store = ox.Store(str(target))
    store.bulk_extend(quads(records, citations))
    store.flush()
    store.optimize()
    del store  # RocksDB closes when the handle is freed; readers open it read-only afterwards
    return out
