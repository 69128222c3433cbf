"""Run SPARQL questions (``queries/*.rq`` by name, a path, or inline) on a build, with bound parameters.

Two engines answer the same question with the same rows: the build's on-disk Oxigraph store
(``OUT/oxigraph``, fast) and rdflib over ``OUT/kb.ttl`` (small cases, no store). Parameters are
RDF terms, never text pasted into the query: rdflib binds them with ``initBindings``; for Oxigraph
(and any SPARQL server) they become a ``VALUES`` block built from escaped terms, inserted at the
top of the query's WHERE group (and of each nested group that uses them), and each term is
checked to read back as itself. A time limit is enforced by answering in a child process. The
project's prefixes (``kb:``, ``pico:``, ``cito:``...) are declared for every query on every engine.
The engines live in kb/query/engines.py, query-text handling in values.py, output in render.py;
this module keeps the names callers use.
"""

from __future__ import annotations

import multiprocessing
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import Literal as RdfLiteral
from rdflib import URIRef
from rdflib.term import Identifier

from kb.query.answer import XSD, Answer, canonical
from kb.query.engines import Engine, HttpEngine, OxigraphEngine, RdflibEngine, engine_for, syntax_message
from kb.query.render import render, to_json, to_turtle
from kb.query.values import (
    IRI_PATTERN,
    WELL_KNOWN,
    QueryError,
    QueryTimeout,
    masked,
    query_form,
    sparql_term,
    with_prefixes,
    with_values,
)

__all__ = [
    "XSD",
    "WELL_KNOWN",
    "Answer",
    "Engine",
    "HttpEngine",
    "OxigraphEngine",
    "QueryError",
    "QueryTimeout",
    "Question",
    "RdflibEngine",
    "ask",
    "ask_with_timeout",
    "bind",
    "canonical",
    "engine_for",
    "library",
    "masked",
    "query_form",
    "render",
    "resolve",
    "sparql_term",
    "syntax_message",
    "to_json",
    "to_turtle",
    "with_prefixes",
    "with_values",
]

ROOT = Path(__file__).resolve().parents[2]
QUERIES = ROOT / "queries"
#: Default time limit of one query, seconds (``kb sparql --timeout-s``, ``kb serve --timeout-s``).
DEFAULT_TIMEOUT_S = 30.0
VAR = re.compile(r"[A-Za-z_]\w*")


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
        if not VAR.fullmatch(key):
            raise QueryError(f"parameter name {key!r} is not a SPARQL variable name")
        if question is not None and not re.search(rf"[?$]{key}\b", masked(question.text)):
            declared = ", ".join(f"?{p}" for p in question.parameters) or "none"
            raise QueryError(f"{question.name}: has no variable ?{key} (its parameters: {declared})")
        out[key] = URIRef(value) if IRI_PATTERN.match(value) else RdfLiteral(value)
    return out


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
