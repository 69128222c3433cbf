"""The engines that answer SPARQL: the on-disk Oxigraph store, rdflib over kb.ttl, a SPARQL endpoint."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, Protocol

import pyoxigraph as ox
from rdflib import Graph
from rdflib import Literal as RdfLiteral
from rdflib.term import Identifier

from kb.query.answer import XSD, Answer, canonical, cell, kind
from kb.query.values import (
    WELL_KNOWN,
    QueryError,
    QueryTimeout,
    query_form,
    sparql_term,
    with_prefixes,
    with_values,
)
from kb.sinks.rdf import store as kbstore


def nt(term: Any) -> str:
    """One term in N-Triples with canonical literals, so both engines' triples compare equal."""
    if isinstance(term, ox.Literal | RdfLiteral):
        if isinstance(term, ox.Literal):
            lexical, dt, lang = term.value, term.datatype.value, term.language
        else:
            lexical, dt, lang = str(term), str(term.datatype or XSD + "string"), term.language
        text = sparql_term(RdfLiteral(canonical(lexical, dt), lang=lang.lower() if lang else None))
        return text if lang or dt == XSD + "string" else f"{text}^^<{dt}>"
    text = cell(term) or ""
    return text if text.startswith("_:") else f"<{text}>"


def _ask(value: bool) -> Answer:
    return Answer("ASK", ["ask"], [[str(value).lower()]], types=[[XSD + "boolean"]])


def _graph_kind(text: str) -> Literal["CONSTRUCT", "DESCRIBE"]:
    return "DESCRIBE" if query_form(text) == "DESCRIBE" else "CONSTRUCT"


def _solutions(result: Any) -> Answer:
    """A pyoxigraph SELECT result (from the store or parsed from a server's JSON) as an Answer."""
    names = [v.value for v in result.variables]
    rows, types = [], []
    for solution in result:
        terms = [solution[n] for n in names]
        rows.append([cell(t) for t in terms])
        types.append([kind(t) for t in terms])
    return Answer("SELECT", names, rows, types=types)


class Engine(Protocol):
    """Something that answers SPARQL text with parameters."""

    name: str

    def answer(self, text: str, bindings: Mapping[str, Identifier], name: str = "query") -> Answer: ...


def syntax_message(name: str, exc: BaseException) -> str:
    """Parser errors of both engines as 'NAME: syntax error at line L, column C: message'."""
    text = str(exc)
    m = re.search(r"error at (\d+):(\d+):\s*(.*)", text, re.S)  # Oxigraph
    if m:
        return f"{name}: syntax error at line {m.group(1)}, column {m.group(2)}: {m.group(3).strip()}"
    line, col = getattr(exc, "lineno", None), getattr(exc, "col", None)  # rdflib (pyparsing)
    if line is not None and col is not None:
        msg = getattr(exc, "msg", text)
        return f"{name}: syntax error at line {line}, column {col}: {msg}"
    return f"{name}: {type(exc).__name__}: {text}"


class RdflibEngine:
    """rdflib over an in-memory graph (``kb.ttl``): for small knowledge bases and tests."""

    name = "rdflib"

    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    def answer(self, text: str, bindings: Mapping[str, Identifier], name: str = "query") -> Answer:
        from pyparsing import ParseException

        try:
            result = self.graph.query(text, initNs=WELL_KNOWN, initBindings=dict(bindings))
        except ParseException as exc:
            raise QueryError(syntax_message(name, exc)) from None
        except Exception as exc:  # noqa: BLE001 - rdflib raises many types for a bad query
            raise QueryError(f"{name}: {type(exc).__name__}: {exc}") from None
        if result.type == "ASK":
            return _ask(bool(result.askAnswer))
        if result.type in ("CONSTRUCT", "DESCRIBE"):
            lines = sorted({" ".join(nt(t) for t in triple) + " ." for triple in result})  # type: ignore[union-attr]
            return Answer(result.type, triples=lines)  # type: ignore[arg-type]
        names = [str(v) for v in (result.vars or [])]
        rows = [list(row) for row in result]  # type: ignore[arg-type]
        return Answer(
            "SELECT", names, [[cell(t) for t in r] for r in rows], types=[[kind(t) for t in r] for r in rows]
        )


class OxigraphEngine:
    """pyoxigraph over the build's on-disk store, opened read-only."""

    name = "oxigraph"

    def __init__(self, store: ox.Store) -> None:
        self.store = store

    def answer(self, text: str, bindings: Mapping[str, Identifier], name: str = "query") -> Answer:
        try:
            result = self.store.query(with_values(text, bindings), prefixes=WELL_KNOWN)
        except SyntaxError as exc:
            raise QueryError(syntax_message(name, exc)) from None
        except (OSError, RuntimeError, ValueError) as exc:
            raise QueryError(f"{name}: {exc}") from None
        if isinstance(result, ox.QueryBoolean):
            return _ask(bool(result))
        if isinstance(result, ox.QueryTriples):
            lines = sorted({f"{nt(t.subject)} {nt(t.predicate)} {nt(t.object)} ." for t in result})
            return Answer(_graph_kind(text), triples=lines)
        return _solutions(result)


class HttpEngine:
    """A SPARQL 1.1 Protocol endpoint (``kb serve``, or any server holding the same data)."""

    name = "http"

    def __init__(self, url: str, timeout_s: float = 60.0) -> None:
        self.url = url
        self.timeout_s = timeout_s

    def answer(self, text: str, bindings: Mapping[str, Identifier], name: str = "query") -> Answer:
        import httpx

        body = with_prefixes(with_values(text, bindings))
        graph_form = query_form(text) in ("CONSTRUCT", "DESCRIBE")
        accept = "application/n-triples" if graph_form else "application/sparql-results+json"
        try:
            reply = httpx.post(
                self.url, data={"query": body}, headers={"Accept": accept}, timeout=self.timeout_s
            )
        except httpx.TimeoutException:
            raise QueryTimeout(f"{name}: no answer from {self.url} within {self.timeout_s:g} s") from None
        except httpx.HTTPError as exc:
            raise QueryError(f"{name}: {self.url}: {exc}") from None
        if reply.status_code == 503 and "timeout" in reply.text:
            raise QueryTimeout(f"{name}: the server stopped the query at its timeout ({reply.text.strip()})")
        if reply.status_code != 200:
            raise QueryError(f"{name}: {self.url} answered {reply.status_code}: {reply.text.strip()}")
        if "operation has been cancelled" in reply.text[-200:]:
            # Oxigraph has already sent 200 when its --timeout-s strikes; the body ends with this.
            raise QueryTimeout(f"{name}: the server stopped the query at its timeout")
        try:
            if graph_form:
                quads = ox.parse(reply.content, ox.RdfFormat.N_TRIPLES)
                lines = sorted({f"{nt(q.subject)} {nt(q.predicate)} {nt(q.object)} ." for q in quads})
                return Answer(_graph_kind(text), triples=lines)
            result = ox.parse_query_results(reply.content, ox.QueryResultsFormat.JSON)
        except SyntaxError as exc:
            raise QueryError(f"{name}: unreadable answer from {self.url}: {exc}") from None
        if isinstance(result, ox.QueryBoolean):
            return _ask(bool(result))
        return _solutions(result)


def engine_for(out: Path, which: str = "auto") -> Engine:
    """The engine for a build folder: its Oxigraph store when present (or asked), else rdflib."""
    location = kbstore.location(out)
    if which == "oxigraph" or (which == "auto" and (location / "CURRENT").is_file()):
        try:
            return OxigraphEngine(kbstore.open_read_only(location))
        except kbstore.StoreError as exc:
            raise QueryError(str(exc)) from None
    ttl = out / "kb.ttl"
    if not ttl.is_file():
        raise QueryError(f"{ttl}: no built knowledge base; run `kb build` first")
    return RdflibEngine(Graph().parse(ttl, format="turtle"))
