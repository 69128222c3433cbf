"""Run SPARQL questions (``queries/*.rq`` by name, a path, or inline text) with bound parameters."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.query import Result
from rdflib.term import Identifier

from kb.site import ROOT

QUERIES = ROOT / "queries"


class QueryError(Exception):
    """A query that cannot be found, parsed or bound; exit code 2 on the command line."""


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
        known = ", ".join(sorted(p.stem for p in queries_dir.glob("*.rq")))
        raise QueryError(f"unknown query {query!r}; known: {known}")
    return Question("inline", query)


def library(queries_dir: Path = QUERIES) -> list[Question]:
    return [Question(p.stem, p.read_text(encoding="utf-8"), p) for p in sorted(queries_dir.glob("*.rq"))]


def bind(params: dict[str, str]) -> dict[str, Identifier]:
    """Parameters become RDF terms bound to ``?name`` (never pasted into the query text)."""
    out: dict[str, Identifier] = {}
    for key, value in params.items():
        if not re.fullmatch(r"[A-Za-z_]\w*", key):
            raise QueryError(f"parameter name {key!r} is not a SPARQL variable name")
        out[key] = URIRef(value) if re.match(r"^https?://\S+$", value) else Literal(value)
    return out


def run(graph: Graph, q: Question, params: dict[str, str] | None = None) -> Result:
    try:
        bindings: dict[str, Identifier] = dict(bind(params or {}))
        return graph.query(q.text, initBindings=bindings)
    except QueryError:
        raise
    except Exception as exc:  # rdflib raises pyparsing errors with line and column
        raise QueryError(f"{q.name}: {type(exc).__name__}: {exc}") from None


def rows(result: Result) -> tuple[list[str], list[list[str | None]]]:
    """Header and rows as plain strings (None for unbound), the shape tests and formats use."""
    if result.type == "ASK":
        return ["ask"], [[str(bool(result.askAnswer)).lower()]]
    names = [str(v) for v in (result.vars or [])]
    out = []
    for row in result:
        out.append([None if v is None else str(v) for v in row])  # type: ignore[union-attr]
    return names, out


def render(result: Result, fmt: str) -> str:
    if result.type == "CONSTRUCT" or result.type == "DESCRIBE":
        assert result.graph is not None  # noqa: S101
        return result.graph.serialize(format="turtle")
    names, data = rows(result)
    if fmt == "json":
        return json.dumps([dict(zip(names, r, strict=True)) for r in data], indent=2, ensure_ascii=False)
    if fmt in ("csv", "tsv"):
        buf = io.StringIO()
        w = csv.writer(buf, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        w.writerow(names)
        w.writerows([["" if v is None else v for v in r] for r in data])
        return buf.getvalue()
    raise QueryError(f"unknown format {fmt!r}")
