"""Run SPARQL questions (``queries/*.rq`` by name, a path, or inline) on a build, with bound parameters.

Two engines answer the same question with the same rows: the build's on-disk Oxigraph store
(``OUT/oxigraph``, fast) and rdflib over ``OUT/kb.ttl`` (small cases, no store). Parameters are
RDF terms, never text pasted into the query: rdflib binds them with ``initBindings``; for Oxigraph
(and any SPARQL server) they become a ``VALUES`` block built from escaped terms, inserted at the
top of the query's WHERE group (and of each nested group that uses them), and each term is
checked to read back as itself. A time limit is enforced by answering in a child process.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal, Protocol

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib import Literal as RdfLiteral
from rdflib.term import BNode, Identifier

from kb.sinks.rdf import store as kbstore

ROOT = Path(__file__).resolve().parents[2]
QUERIES = ROOT / "queries"
#: Default time limit of one query, seconds (``kb sparql --timeout-s``, ``kb serve --timeout-s``).
DEFAULT_TIMEOUT_S = 30.0

XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGERS = {
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
#: An absolute IRI that is also a valid SPARQL IRIREF: nothing that could close ``<...>``.
_IRI = re.compile(r"^(https?|urn|file|ftp|mailto):[^<>\"{}|^`\\\x00-\x20]+$")
_VAR = re.compile(r"[A-Za-z_]\w*")


class QueryError(Exception):
    """A query that cannot be found, parsed or bound; exit code 2 on the command line."""


class QueryTimeout(QueryError):
    """A query stopped because it ran past its time limit; exit code 3 on the command line."""


@dataclass
class Question:
    """One SPARQL question: its name, header comment and text."""

    name: str
    text: str
    path: Path | None = None

    @property
    def header(self) -> str:
        """The leading ``#`` comment lines, without the ``#``."""
        lines = []
        for line in self.text.splitlines():
            if not line.startswith("#"):
                break
            lines.append(line[1:].strip())
        return "\n".join(lines).strip()

    @property
    def title(self) -> str:
        return self.header.splitlines()[0] if self.header else self.name

    @property
    def parameters(self) -> dict[str, str | None]:
        """Parameters the header declares, one per line under ``Parameters:``, as name -> example.

        A declaration reads ``?drug: what it is (example: blinatumomab)``; the site page and the
        tests run parameterised questions with these examples (None where there is none).
        """
        out: dict[str, str | None] = {}
        section = False
        for line in self.header.splitlines():
            if re.match(r"(?i)^parameters?:", line):
                section, line = True, line.split(":", 1)[1].strip()
            elif not line.startswith("?"):
                section = False
            m = re.match(r"^\?(\w+)", line) if section else None
            if m:
                example = re.search(r"\(example:\s*([^)]*)\)", line)
                out[m.group(1)] = example.group(1).strip() if example else None
        return out


def resolve(query: str, queries_dir: Path = QUERIES) -> Question:
    """A name in ``queries/`` ('seed-outcomes'), a path to a ``.rq`` file, or inline SPARQL."""
    named = queries_dir / f"{query.removesuffix('.rq')}.rq"
    if re.fullmatch(r"[\w.-]+", query) and named.is_file():
        return Question(named.stem, named.read_text(encoding="utf-8"), named)
    path = Path(query)
    if query.endswith(".rq") or (len(query) < 4096 and "\n" not in query and path.is_file()):
        if not path.is_file():
            raise QueryError(f"{query}: no such query file (and no query of that name in {queries_dir})")
        return Question(path.stem, path.read_text(encoding="utf-8"), path)
    if re.fullmatch(r"[\w.-]+", query):
        if not queries_dir.is_dir():  # queries/ is in the source checkout, not in a wheel
            raise QueryError(f"unknown query {query!r}: no query library at {queries_dir} (use a .rq path)")
        known = ", ".join(sorted(p.stem for p in queries_dir.glob("*.rq")))
        raise QueryError(f"unknown query {query!r}; known: {known}")
    return Question("inline", query)


def library(queries_dir: Path = QUERIES) -> list[Question]:
    return [Question(p.stem, p.read_text(encoding="utf-8"), p) for p in sorted(queries_dir.glob("*.rq"))]


# --- parameters -------------------------------------------------------------------------------


def bind(params: Mapping[str, str], question: Question | None = None) -> dict[str, Identifier]:
    """NAME=VALUE pairs become RDF terms bound to ``?NAME``: an absolute IRI, or a plain literal.

    A value is never part of the query text; names must be variables of the question.
    """
    out: dict[str, Identifier] = {}
    for key, value in params.items():
        if not _VAR.fullmatch(key):
            raise QueryError(f"parameter name {key!r} is not a SPARQL variable name")
        if question is not None and not re.search(rf"[?$]{key}\b", _masked(question.text)):
            declared = ", ".join(f"?{p}" for p in question.parameters) or "none"
            raise QueryError(f"{question.name}: has no variable ?{key} (its parameters: {declared})")
        out[key] = URIRef(value) if _IRI.match(value) else RdfLiteral(value)
    return out


def sparql_term(term: Identifier) -> str:
    """A term in SPARQL syntax, escaped so that it can only ever be read back as this one term."""
    if isinstance(term, URIRef):
        if not _IRI.match(str(term)):
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


def _checked_term(term: Identifier) -> str:
    """``sparql_term``, then read it back with a real SPARQL parser: it must be exactly ``term``."""
    text = sparql_term(term)
    probe = ox.Store()
    try:
        result = probe.query(f"SELECT ?v WHERE {{ VALUES ?v {{ {text} }} }}")
        got = list(result) if isinstance(result, ox.QuerySolutions) else []
    except SyntaxError as exc:
        raise QueryError(f"parameter value {str(term)!r} cannot be bound: {exc}") from None
    if len(got) != 1 or _cell(got[0]["v"]) != _cell(term):
        raise QueryError(f"parameter value {str(term)!r} does not survive escaping; refused")
    return text


def _masked(text: str) -> str:
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


def _groups(masked: str) -> list[_Group]:
    found: list[_Group] = []
    stack: list[int] = []
    for i, c in enumerate(masked):
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
    form = re.search(r"\b(SELECT|CONSTRUCT|DESCRIBE|ASK)\b", _masked(text).upper())
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
    masked = _masked(text)
    groups = _groups(masked)
    top = [g for g in groups if g.depth == 0]
    index = 0
    if query_form(text) == "CONSTRUCT":
        if re.search(r"(?i)\bCONSTRUCT\s+WHERE\b", masked):
            raise QueryError("parameters need CONSTRUCT { template } WHERE { pattern }, not CONSTRUCT WHERE")
        index = 1
    if len(top) <= index:
        raise QueryError("the query has no WHERE group to bind parameters in")
    where = top[index]
    terms = {k: _checked_term(v) for k, v in bindings.items()}
    inserts: list[tuple[int, list[str]]] = [(where.start + 1, list(bindings))]
    closed: list[_Group] = []  # sub-SELECTs and SERVICE groups: nothing inside them is bound
    for g in groups:
        if not where.start < g.start < where.end or any(c.start < g.start < c.end for c in closed):
            continue
        before = masked[: g.start]
        if _DATA_BLOCK.search(before):
            continue
        if masked[g.start + 1 : g.end].lstrip().upper().startswith("SELECT") or _SERVICE.search(before):
            closed.append(g)
            continue
        used = [k for k in bindings if re.search(rf"[?$]{k}\b", masked[g.start : g.end])]
        if used:
            inserts.append((g.start + 1, used))
    out = text
    for at, names in sorted(inserts, reverse=True):
        block = f" VALUES ({' '.join(f'?{k}' for k in names)}) {{ ({' '.join(terms[k] for k in names)}) }}"
        out = out[:at] + block + out[at:]
    return out


# --- answers ----------------------------------------------------------------------------------


@dataclass
class Answer:
    """A query result in a form both engines produce identically (terms as canonical text)."""

    kind: Literal["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"]
    names: list[str] = field(default_factory=list)
    rows: list[list[str | None]] = field(default_factory=list)
    #: CONSTRUCT/DESCRIBE: sorted N-Triples lines with canonical literals.
    triples: list[str] = field(default_factory=list)


def canonical(lexical: str, datatype: str | None) -> str:
    """The canonical lexical form of a literal (Oxigraph stores '45.0'^^xsd:decimal as '45')."""
    try:
        if datatype in _INTEGERS:
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


def _cell(term: Any) -> str | None:
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


def _nt(term: Any) -> str:
    """One term in N-Triples with canonical literals, so both engines' triples compare equal."""
    if isinstance(term, ox.Literal | RdfLiteral):
        if isinstance(term, ox.Literal):
            lexical, dt, lang = term.value, term.datatype.value, term.language
        else:
            lexical, dt, lang = str(term), str(term.datatype or XSD + "string"), term.language
        text = sparql_term(RdfLiteral(canonical(lexical, dt), lang=lang.lower() if lang else None))
        return text if lang or dt == XSD + "string" else f"{text}^^<{dt}>"
    cell = _cell(term) or ""
    return cell if cell.startswith("_:") else f"<{cell}>"


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
            result = self.graph.query(text, initBindings=dict(bindings))
        except ParseException as exc:
            raise QueryError(syntax_message(name, exc)) from None
        except Exception as exc:  # noqa: BLE001 - rdflib raises many types for a bad query
            raise QueryError(f"{name}: {type(exc).__name__}: {exc}") from None
        if result.type == "ASK":
            return Answer("ASK", ["ask"], [[str(bool(result.askAnswer)).lower()]])
        if result.type in ("CONSTRUCT", "DESCRIBE"):
            lines = sorted({" ".join(_nt(t) for t in triple) + " ." for triple in result})  # type: ignore[union-attr]
            return Answer(result.type, triples=lines)  # type: ignore[arg-type]
        names = [str(v) for v in (result.vars or [])]
        rows = [[_cell(v) for v in row] for row in result]  # type: ignore[union-attr]
        return Answer("SELECT", names, rows)


class OxigraphEngine:
    """pyoxigraph over the build's on-disk store, opened read-only."""

    name = "oxigraph"

    def __init__(self, store: ox.Store) -> None:
        self.store = store

    def answer(self, text: str, bindings: Mapping[str, Identifier], name: str = "query") -> Answer:
        try:
            result = self.store.query(with_values(text, bindings))
        except SyntaxError as exc:
            raise QueryError(syntax_message(name, exc)) from None
        except (OSError, RuntimeError, ValueError) as exc:
            raise QueryError(f"{name}: {exc}") from None
        if isinstance(result, ox.QueryBoolean):
            return Answer("ASK", ["ask"], [[str(bool(result)).lower()]])
        if isinstance(result, ox.QueryTriples):
            lines = sorted({f"{_nt(t.subject)} {_nt(t.predicate)} {_nt(t.object)} ." for t in result})
            kind: Literal["CONSTRUCT", "DESCRIBE"] = (
                "DESCRIBE" if query_form(text) == "DESCRIBE" else "CONSTRUCT"
            )
            return Answer(kind, triples=lines)
        names = [v.value for v in result.variables]
        rows = [[_cell(sol[n]) for n in names] for sol in result]
        return Answer("SELECT", names, rows)


class HttpEngine:
    """A SPARQL 1.1 Protocol endpoint (``kb serve``, or any server holding the same data)."""

    name = "http"

    def __init__(self, url: str, timeout_s: float = 60.0) -> None:
        self.url = url
        self.timeout_s = timeout_s

    def answer(self, text: str, bindings: Mapping[str, Identifier], name: str = "query") -> Answer:
        import httpx

        body = with_values(text, bindings)
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
        if reply.status_code != 200:
            raise QueryError(f"{name}: {self.url} answered {reply.status_code}: {reply.text.strip()}")
        if "operation has been cancelled" in reply.text[-200:]:
            # Oxigraph has already sent 200 when its --timeout-s strikes; the body ends with this.
            raise QueryTimeout(f"{name}: the server stopped the query at its timeout")
        try:
            if graph_form:
                quads = ox.parse(reply.content, ox.RdfFormat.N_TRIPLES)
                lines = sorted({f"{_nt(q.subject)} {_nt(q.predicate)} {_nt(q.object)} ." for q in quads})
                kind: Literal["CONSTRUCT", "DESCRIBE"] = (
                    "DESCRIBE" if query_form(text) == "DESCRIBE" else "CONSTRUCT"
                )
                return Answer(kind, triples=lines)
            result = ox.parse_query_results(reply.content, ox.QueryResultsFormat.JSON)
        except SyntaxError as exc:
            raise QueryError(f"{name}: unreadable answer from {self.url}: {exc}") from None
        if isinstance(result, ox.QueryBoolean):
            return Answer("ASK", ["ask"], [[str(bool(result)).lower()]])
        names = [v.value for v in result.variables]
        return Answer("SELECT", names, [[_cell(sol[n]) for n in names] for sol in result])


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


def ask(engine: Engine, question: Question, params: Mapping[str, str] | None = None) -> Answer:
    """Answer one question with its parameters bound; errors name the question."""
    return engine.answer(question.text, bind(params or {}, question), question.name)


# --- time limit -------------------------------------------------------------------------------


def _worker(conn: Any, out: str, which: str, question: Question, params: dict[str, str]) -> None:
    """Child process: open the build, answer, send the Answer (or the QueryError) back."""
    try:
        conn.send(ask(engine_for(Path(out), which), question, params))
    except QueryError as exc:
        conn.send(QueryError(str(exc)))
    finally:
        conn.close()


def ask_with_timeout(
    out: Path,
    question: Question,
    params: Mapping[str, str] | None = None,
    *,
    which: str = "auto",
    timeout_s: float | None = DEFAULT_TIMEOUT_S,
) -> Answer:
    """Answer in a child process that is killed after ``timeout_s`` seconds (None: no limit).

    Neither engine can interrupt a running query from inside, so the limit is enforced by running
    it in its own process, which is stopped (and its work discarded) when time runs out.
    """
    bind(params or {}, question)  # refuse bad parameters before starting anything
    if timeout_s is None:
        return ask(engine_for(out, which), question, params)
    ctx = multiprocessing.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(
        target=_worker, args=(send, str(out), which, question, dict(params or {})), daemon=True
    )
    proc.start()
    send.close()
    try:
        if not receive.poll(timeout_s):
            raise QueryTimeout(
                f"{question.name}: stopped after {timeout_s:g} s (the query timeout); "
                "narrow the query or raise --timeout-s"
            )
        try:
            got = receive.recv()
        except EOFError:
            raise QueryError(f"{question.name}: the query process ended without an answer") from None
    finally:
        if proc.is_alive():
            proc.terminate()
        proc.join(5)
        receive.close()
    if isinstance(got, QueryError):
        raise got
    assert isinstance(got, Answer)  # noqa: S101 - the worker sends only these two types
    return got


# --- output -----------------------------------------------------------------------------------


def to_turtle(triples: Iterable[str]) -> str:
    """CONSTRUCT/DESCRIBE triples as Turtle with the project's prefixes."""
    from kb.records.vocab import PREFIXES

    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=True)
    g.parse(data="\n".join(triples), format="nt")
    return g.serialize(format="turtle")


def render(answer: Answer, fmt: str) -> str:
    """An answer as csv, tsv or json (SELECT/ASK); CONSTRUCT/DESCRIBE always as Turtle."""
    if answer.kind in ("CONSTRUCT", "DESCRIBE"):
        return to_turtle(answer.triples)
    if fmt == "json":
        records = [dict(zip(answer.names, r, strict=True)) for r in answer.rows]
        return json.dumps(records, indent=2, ensure_ascii=False) + "\n"
    if fmt in ("csv", "tsv"):
        buf = io.StringIO()
        w = csv.writer(buf, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        w.writerow(answer.names)
        w.writerows([["" if v is None else v for v in r] for r in answer.rows])
        return buf.getvalue()
    raise QueryError(f"unknown format {fmt!r}")
