"""Query answers in a form every engine produces identically: terms as canonical text, with datatypes."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import pyoxigraph as ox
from rdflib import Literal as RdfLiteral
from rdflib import URIRef
from rdflib.term import BNode

XSD = "http://www.w3.org/2001/XMLSchema#"
INTEGERS = {
    XSD + t
    for t in (
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    )
}


RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
#: The type of a result cell that is not a literal.
IRI, BLANK = "iri", "bnode"


@dataclass
class Answer:
    """A query result in a form both engines produce identically (terms as canonical text)."""

    kind: Literal["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"]
    names: list[str] = field(default_factory=list)
    rows: list[list[str | None]] = field(default_factory=list)
    #: CONSTRUCT/DESCRIBE: sorted N-Triples lines with canonical literals.
    triples: list[str] = field(default_factory=list)
    #: SELECT/ASK: what each cell of ``rows`` is: a literal's datatype IRI, "iri", "bnode" or None.
    types: list[list[str | None]] = field(default_factory=list)


def canonical(lexical: str, datatype: str | None) -> str:
    """The canonical lexical form of a literal (Oxigraph stores '45.0'^^xsd:decimal as '45')."""
    try:
        if datatype in INTEGERS:
            return str(int(lexical))
        if datatype == XSD + "decimal":
            return format(Decimal(lexical).normalize(), "f")
        if datatype in (XSD + "double", XSD + "float"):
            return repr(float(lexical))
        if datatype == XSD + "boolean":
            return "true" if lexical.strip() in ("true", "1") else "false"
    except (ValueError, InvalidOperation):
        return lexical
    return lexical


def cell(term: Any) -> str | None:
    """One result term as text: IRI, canonical literal value, or ``_:id`` for a blank node."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        return canonical(term.value, term.datatype.value)
    if isinstance(term, RdfLiteral):
        return canonical(str(term), str(term.datatype) if term.datatype else None)
    if isinstance(term, ox.NamedNode | URIRef):
        return term.value if isinstance(term, ox.NamedNode) else str(term)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def kind(term: Any) -> str | None:
    """What a result term is, the same for both engines: its datatype IRI, "iri", "bnode" or None.

    rdflib gives a plain literal no datatype and a language-tagged one no datatype either; RDF 1.1
    (and Oxigraph) types them xsd:string and rdf:langString. Every integer type is given as
    xsd:integer: the engines disagree on whether arithmetic keeps a subtype such as
    xsd:nonNegativeInteger, and the value is the same integer either way.
    """
    if term is None:
        return None
    if isinstance(term, ox.Literal | RdfLiteral):
        return _literal_type(term)
    if isinstance(term, ox.BlankNode | BNode):
        return BLANK
    return IRI


def _literal_type(term: ox.Literal | RdfLiteral) -> str:
    if isinstance(term, ox.Literal):
        datatype = str(term.datatype.value)
    elif term.language:
        datatype = RDF_LANG_STRING
    else:
        datatype = str(term.datatype) if term.datatype else XSD + "string"
    return XSD + "integer" if datatype in INTEGERS else datatype
