"""Query text: parameters as escaped terms in VALUES blocks, the project's prefixes, the query form."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Literal as RdfLiteral
from rdflib import URIRef
from rdflib.term import Identifier

from kb.query.answer import XSD, cell
from kb.records.vocab import PREFIXES

#: An absolute IRI that is also a valid SPARQL IRIREF: nothing that could close ``<...>``.
IRI_PATTERN = re.compile(r"^(https?|urn|file|ftp|mailto):[^<>\"{}|^`\\\x00-\x20]+$")
#: The project's prefixes (kb:, pico:, cito:, fabio:, oa:, prov:, fhir:, xsd:, rdf:, rdfs:, dcterms:,
#: schema: and the rest of kb/records/vocab.py), declared for every query on every engine so
#: that an inline question means the same everywhere; a query's own PREFIX lines take precedence.
WELL_KNOWN: dict[str, str] = {name: str(ns) for name, ns in PREFIXES.items()}


class QueryError(Exception):
    """A query that cannot be found, parsed or bound; exit code 2 on the command line."""


class QueryTimeout(QueryError):
    """A query stopped because it ran past its time limit; exit code 3 on the command line."""


def sparql_term(term: Identifier) -> str:
    """A term in SPARQL syntax, escaped so that it can only ever be read back as this one term."""
    if isinstance(term, URIRef):
        if not IRI_PATTERN.match(str(term)):
            raise QueryError(f"not an IRI that can be bound: {str(term)!r}")
        return f"<{term}>"
    if isinstance(term, RdfLiteral):
        text = str(term)
        for raw, esc in (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t")):
            text = text.replace(raw, esc)
        # Every other control character as \\uXXXX so no character of the value is left bare.
        text = re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\u{ord(m.group()):04X}", text)
        if term.language:
            return f'"{text}"@{term.language}'
        if term.datatype is not None and str(term.datatype) != XSD + "string":
            return f'"{text}"^^{sparql_term(URIRef(term.datatype))}'
        return f'"{text}"'
    raise QueryError(f"cannot bind a {type(term).__name__} as a parameter")


def checked_term(term: Identifier) -> str:
    """``sparql_term``, then read it back with a real SPARQL parser: it must be exactly ``term``."""
    text = sparql_term(term)
    probe = ox.Store()
    try:
        result = probe.query(f"SELECT ?v WHERE {{ VALUES ?v {{ {text} }} }}")
        got = list(result) if isinstance(result, ox.QuerySolutions) else []
    except SyntaxError as exc:
        raise QueryError(f"parameter value {str(term)!r} cannot be bound: {exc}") from None
    if len(got) != 1 or cell(got[0]["v"]) != cell(term):
        raise QueryError(f"parameter value {str(term)!r} does not survive escaping; refused")
    return text


def masked(text: str) -> str:
    """The query with comments, strings and IRIs blanked, keeping every offset.

    Braces and variables found in it are the query's own, never characters of a literal or an IRI.
    """
    out = list(text)
    i, n = 0, len(text)
    iri = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")
    while i < n:
        c = text[i]
        j = i
        if c == "#":
            nl = text.find("\n", i)
            j = n if nl < 0 else nl
        elif c in "\"'":
            quote = c * 3 if text.startswith(c * 3, i) else c
            j = i + len(quote)
            while j < n and not text.startswith(quote, j):
                j += 2 if text[j] == "\\" else 1
            j = min(n, j + len(quote))
        elif c == "<" and (m := iri.match(text, i)):
            j = m.end()
        if j > i:
            out[i:j] = [ch if ch == "\n" else " " for ch in text[i:j]]
            i = j
        else:
            i += 1
    return "".join(out)


@dataclass
class _Group:
    """A ``{ ... }`` of the query: offsets of its braces and its nesting depth."""

    start: int
    end: int
    depth: int


def _groups(blanked: str) -> list[_Group]:
    found: list[_Group] = []
    stack: list[int] = []
    for i, c in enumerate(blanked):
        if c == "{":
            stack.append(i)
        elif c == "}" and stack:
            start = stack.pop()
            found.append(_Group(start, i, len(stack)))
    return sorted(found, key=lambda g: g.start)


_DATA_BLOCK = re.compile(r"(?i)\bVALUES\s*([?$]\w+|\([^()]*\))\s*$")
_SERVICE = re.compile(r"(?i)\bSERVICE\s+(SILENT\s+)?([?$]\w+\s*)?$")


def query_form(text: str) -> str:
    """SELECT, CONSTRUCT, DESCRIBE or ASK: the first query-form keyword outside comments."""
    form = re.search(r"\b(SELECT|CONSTRUCT|DESCRIBE|ASK)\b", masked(text).upper())
    return form.group(1) if form else "SELECT"


def with_values(text: str, bindings: Mapping[str, Identifier]) -> str:
    """The query with ``VALUES (?a ?b) { (t1 t2) }`` first in its WHERE group.

    This is how parameters reach Oxigraph and any SPARQL 1.1 server. Inside the group (rather
    than after it) FILTERs and OPTIONALs see the bound values, as with rdflib's initBindings;
    and every nested group that uses a parameter (OPTIONAL, UNION branch, EXISTS...) gets the
    same VALUES for the parameters it uses, so that a FILTER there sees them too and engines
    can apply it early. Sub-SELECTs and SERVICE calls keep their own scope.
    """
    if not bindings:
        return text
    blanked = masked(text)
    groups = _groups(blanked)
    top = [g for g in groups if g.depth == 0]
    index = 0
    if query_form(text) == "CONSTRUCT":
        if re.search(r"(?i)\bCONSTRUCT\s+WHERE\b", blanked):
            raise QueryError("parameters need CONSTRUCT { template } WHERE { pattern }, not CONSTRUCT WHERE")
        index = 1
    if len(top) <= index:
        raise QueryError("the query has no WHERE group to bind parameters in")
    where = top[index]
    terms = {k: checked_term(v) for k, v in bindings.items()}
    inserts: list[tuple[int, list[str]]] = [(where.start + 1, list(bindings))]
    closed: list[_Group] = []  # sub-SELECTs and SERVICE groups: nothing inside them is bound
    for g in groups:
        if not where.start < g.start < where.end or any(c.start < g.start < c.end for c in closed):
            continue
        before = blanked[: g.start]
        if _DATA_BLOCK.search(before):
            continue
        if blanked[g.start + 1 : g.end].lstrip().upper().startswith("SELECT") or _SERVICE.search(before):
            closed.append(g)
            continue
        used = [k for k in bindings if re.search(rf"[?$]{k}\b", blanked[g.start : g.end])]
        if used:
            inserts.append((g.start + 1, used))
    out = text
    for at, names in sorted(inserts, reverse=True):
        block = f" VALUES ({' '.join(f'?{k}' for k in names)}) {{ ({' '.join(terms[k] for k in names)}) }}"
        out = out[:at] + block + out[at:]
    return out


def declared_prefixes(text: str) -> set[str]:
    """The prefix names a query declares itself (``PREFIX name: <...>``)."""
    return {m.group(1) for m in re.finditer(r"(?i)\bPREFIX\s+([\w.-]*):", masked(text))}


def with_prefixes(text: str) -> str:
    """The query with the well-known prefixes it does not declare itself, declared on a first line.

    For engines that take no prefix map (any SPARQL server); error positions move down one line.
    """
    missing = {k: v for k, v in WELL_KNOWN.items() if k not in declared_prefixes(text)}
    if not missing:
        return text
    return " ".join(f"PREFIX {k}: <{v}>" for k, v in missing.items()) + "\n" + text
