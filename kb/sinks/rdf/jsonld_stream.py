"""JSON-LD written one node at a time, under the published context (schema/context.jsonld).

Why not a JSON-LD library: compaction (rdflib, pyld) needs the whole graph in memory, and the
pyoxigraph serializer cannot use our context. The document here is ``{"@context": <published
context>, "@graph": [node, ...]}`` with one node object per subject, written as the sorted triples
stream past, so memory holds one node. Each value is written so that it expands to exactly the
triple it came from, whatever the context coerces:

* a key is the context's term for the predicate (``endpoint``), else the absolute predicate IRI;
* an IRI value is the bare IRI string under a term coerced to ``@id``, else ``{"@id": iri}``;
* a literal is the bare lexical string when the term's coercion (or its absence, for
  ``xsd:string``) already gives its datatype, else ``{"@value": ..., "@type"/"@language": ...}``;
  numbers and booleans stay strings, so lexical forms (``45.0`` vs ``45``) survive a round trip;
* IRIs are never compacted to ``prefix:local``: JSON-LD 1.1 refuses prefixes such as ``ncit``
  whose IRI does not end in ``/`` or ``#``.
"""

from __future__ import annotations

import json
import re
from typing import IO, Any

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _expand(value: str, prefixes: dict[str, str]) -> str:
    prefix, colon, local = value.partition(":")
    return prefixes[prefix] + local if colon and prefix in prefixes else value


def context_terms(ctx: dict[str, Any]) -> tuple[dict[str, tuple[str, str | None]], dict[str, str]]:
    """(predicate IRI -> (term, coercion IRI or '@id' or None), class IRI -> term) of a context."""
    prefixes = {k: v for k, v in ctx.items() if isinstance(v, str)}
    properties: dict[str, tuple[str, str | None]] = {}
    classes: dict[str, str] = {}
    for name, definition in sorted(ctx.items()):
        if not isinstance(definition, dict):
            continue
        iri = _expand(str(definition["@id"]), prefixes)
        coercion = definition.get("@type")
        if coercion is None:
            classes.setdefault(iri, name)
        properties.setdefault(iri, (name, None if coercion is None else _expand(str(coercion), prefixes)))
    return properties, classes


_ESCAPES = {"\\\\": "\\", "\\n": "\n", "\\r": "\r", '\\"': '"'}
_ESCAPED = re.compile(r'\\[\\nr"]')


def unquote(text: str) -> str:
    """The string inside an N-Triples literal as ``kb.sinks.rdf.ntriples.quote`` wrote it."""
    return _ESCAPED.sub(lambda m: _ESCAPES[m.group(0)], text) if "\\" in text else text


class JsonLdWriter:
    """Writes a JSON-LD document node by node; feed it N-Triples lines grouped by subject, then ``close``."""

    def __init__(self, out: IO[bytes], ctx: dict[str, Any]) -> None:
        self.out = out
        self.properties, self.classes = context_terms(ctx)
        self.node: dict[str, Any] | None = None
        self.nodes = 0
        head = json.dumps(ctx, indent=2, sort_keys=True, ensure_ascii=False).replace("\n", "\n  ")
        out.write(f'{{\n  "@context": {head},\n  "@graph": [\n'.encode())

    def add(self, line: str) -> None:
        # <s> <p> o . with IRIs holding no spaces (split inline: this runs once per triple)
        end_s = line.index("> ")
        end_p = line.index("> ", end_s + 2)
        subject, predicate, obj = line[1:end_s], line[end_s + 3 : end_p], line[end_p + 2 : -2]
        node = self.node
        if node is None or node["@id"] != subject:
            self._flush()
            node = self.node = {"@id": subject}
        if predicate == RDF_TYPE and obj[0] == "<":
            iri = obj[1:-1]
            node.setdefault("@type", []).append(self.classes.get(iri, iri))
            return
        term, coercion = self.properties.get(predicate) or (predicate, None)
        values = node.get(term)
        if values is None:
            values = node[term] = []
        values.append(value(obj, coercion))

    def _flush(self) -> None:
        if self.node is None:
            return
        node = {k: v[0] if isinstance(v, list) and len(v) == 1 else v for k, v in self.node.items()}
        text = json.dumps(node, sort_keys=True, ensure_ascii=False)
        self.out.write(((",\n    " if self.nodes else "    ") + text).encode())
        self.nodes += 1
        self.node = None

    def close(self) -> None:
        self._flush()
        self.out.write(b"\n  ]\n}\n")


def value(obj: str, coercion: str | None) -> Any:
    """The JSON-LD value of an N-Triples object term under a term's coercion (see the module doc)."""
    if obj[0] == "<":
        return obj[1:-1] if coercion == "@id" else {"@id": obj[1:-1]}
    if obj[0] != '"':
        raise ValueError(f"cannot write {obj} as JSON-LD: the knowledge base has no blank nodes")
    close = obj.rindex('"')
    text, rest = unquote(obj[1:close]), obj[close + 1 :]
    if rest.startswith("@"):
        return {"@value": text, "@language": rest[1:]}
    datatype = rest[3:-1] if rest else XSD_STRING
    if datatype == (coercion or XSD_STRING):
        return text
    if datatype == XSD_STRING:
        return {"@value": text}
    return {"@value": text, "@type": datatype}
