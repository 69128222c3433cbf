"""SQLite and RDF agreement: the comparable facts of each article on each side, compared by digest.

A fact is an IRI of a kind (article, measurement, citation) and the values of its compared
columns. Each side is read one article at a time (RDF: one named graph of ``kb.nq``; SQLite: rows
grouped by PMID) and reduced to a digest per PMID, so neither store is loaded whole; only the
PMIDs whose digests differ are read again to say what differs.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import groupby
from pathlib import Path

from kb.records import ids
from kb.records.models import Article, Citation, Measurement, Record, Span
from kb.records.vocab import CITO, FABIO, KB
from kb.sinks.rdf import graph as rdf
from kb.sinks.rdf.quads import GraphIndex, literal

Row = dict[str, object]
#: kind -> IRI -> column -> normalised values
Facts = dict[str, dict[str, dict[str, frozenset[object]]]]
NUMERIC = {
    f"http://www.w3.org/2001/XMLSchema#{t}"
    for t in ("integer", "nonNegativeInteger", "decimal", "double", "float", "int", "long")
}
BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"


@dataclass(frozen=True)
class Compared:
    """One SQLite column compared with the values along the RDF path of the record field it stores.

    ``fields`` name the record field (and, for a nested record, its field) whose declared RDF
    path is followed, so the comparison follows the metadata kb/sinks/rdf/graph.py publishes with.
    ``expect`` gives the RDF values a row implies, when kb/sinks/rdf/graph.py adds more than the field.
    """

    column: str
    fields: tuple[tuple[type[Record], str], ...]
    expect: Callable[[Row], set[object]] | None = None

    def predicates(self) -> tuple[str, ...]:
        out: list[str] = []
        for model, name in self.fields:
            spec = rdf.field_rdf(model, name)
            assert spec is not None  # noqa: S101  (the table below names published fields)
            out += [str(s.predicate) for s in spec.path]
        return tuple(out)

    def expected(self, row: Row) -> set[object]:
        if self.expect is not None:
            return self.expect(row)
        return set() if row[self.column] is None else {row[self.column]}


def _fhir_value(row: Row) -> set[object]:
    # FHIR states a proportion as a fraction: with no value, fhir:value holds percent/100
    # (kb.sinks.rdf.graph.add_statistic), so that is what a row without a value implies.
    value, percent = row["value"], row["percent"]
    if value is not None:
        return {value}
    if isinstance(percent, (int, float)):
        return {rdf.plain(rdf.decimal(percent) / 100)}
    return set()


@dataclass(frozen=True)
class Kind:
    """A kind of record both stores hold: its RDF class, SQLite table and owning-PMID column."""

    rdf_class: str
    table: str
    pmid_column: str
    compared: tuple[Compared, ...]


KINDS: dict[str, Kind] = {
    "articles": Kind(
        str(FABIO.JournalArticle),
        "article",
        "pmid",
        (Compared("title", ((Article, "title"),)), Compared("year", ((Article, "year"),))),
    ),
    "measurements": Kind(
        str(KB.Measurement),
        "measurement",
        "pmid",
        (
            Compared("numerator", ((Measurement, "numerator"),)),
            Compared("denominator", ((Measurement, "denominator"),)),
            Compared("percent", ((Measurement, "percent"),)),
            Compared("value", ((Measurement, "value"),), _fhir_value),
            Compared("evidence_text", ((Measurement, "evidence"), (Span, "text"))),
            Compared("evidence_start", ((Measurement, "evidence"), (Span, "start"))),
            Compared("evidence_end", ((Measurement, "evidence"), (Span, "end"))),
        ),
    ),
    "citations": Kind(
        str(CITO.Citation), "citation", "citing", (Compared("origin", ((Citation, "origin"),)),)
    ),
}


def norm(value: object) -> object:
    """A value comparable across SQLite and RDF: numbers as plain decimals, text as str."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return rdf.plain(rdf.decimal(value))
    if isinstance(value, Decimal):
        return rdf.plain(value)
    return str(value)


def norm_term(term: str) -> object:
    """``norm`` of an N-Triples term: an IRI as its text, a literal by its datatype."""
    if term[0] == "<":
        return term[1:-1]
    text, datatype, _ = literal(term)
    if datatype in NUMERIC:
        try:
            return rdf.plain(Decimal(text))
        except InvalidOperation:
            return text
    if datatype == BOOLEAN:
        return text in ("true", "1")
    return text


def rdf_facts(g: GraphIndex) -> Facts:
    """The comparable facts of one graph (or of a whole graph, for small in-memory checks)."""
    out: Facts = {}
    for name, kind in KINDS.items():
        paths = [(c.column, c.predicates()) for c in kind.compared]
        out[name] = {
            iri: {col: frozenset(norm_term(t) for t in g.values(iri, path)) for col, path in paths}
            for iri in set(g.typed.get(kind.rdf_class, ()))
        }
    return out


def _sql_rows(
    con: sqlite3.Connection, name: str, pmids: Iterable[str] | None
) -> Iterator[tuple[str, str, Row]]:
    """(owning PMID, IRI, compared columns) of a kind's rows, ordered by PMID."""
    kind = KINDS[name]
    columns = [c.column for c in kind.compared]
    # A citation row has no IRI column: the node is minted from the pair (one node, and one
    # kb:linkOrigin per source the link was read from).
    key = "citing, cited" if name == "citations" else "iri"
    where = ""
    args: list[str] = []
    if pmids is not None:
        args = sorted(pmids)
        where = f" WHERE {kind.pmid_column} IN ({', '.join('?' * len(args))})"
    sql = f"SELECT {kind.pmid_column}, {key}, {', '.join(columns)} FROM {kind.table}{where} ORDER BY 1"  # noqa: S608  (names from KINDS)
    width = 2 if name == "citations" else 1
    for r in con.execute(sql, args):
        iri = str(ids.citation(r[1], r[2])) if name == "citations" else r[1]
        yield r[0], iri, dict(zip(columns, r[1 + width :], strict=True))


def _kind_facts(name: str, rows: Iterable[tuple[str, Row]]) -> dict[str, dict[str, frozenset[object]]]:
    by_iri: dict[str, list[Row]] = {}
    for iri, row in rows:
        by_iri.setdefault(iri, []).append(row)
    return {
        iri: {
            c.column: frozenset(norm(v) for row in rs for v in c.expected(row)) for c in KINDS[name].compared
        }
        for iri, rs in by_iri.items()
    }


def sql_facts(
    db: Path, pmids: Iterable[str] | None = None
) -> Iterator[tuple[str, str, dict[str, dict[str, frozenset[object]]]]]:
    """(PMID, kind, facts) from SQLite, one PMID of one kind at a time (all PMIDs, or the given ones)."""
    wanted = None if pmids is None else list(pmids)
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        for name in KINDS:
            for start in range(0, len(wanted), 500) if wanted is not None else [0]:
                chunk = None if wanted is None else wanted[start : start + 500]
                rows = _sql_rows(con, name, chunk)
                for pmid, group in groupby(rows, key=lambda r: r[0]):
                    yield pmid, name, _kind_facts(name, ((iri, row) for _, iri, row in group))


def digest(facts: dict[str, dict[str, frozenset[object]]]) -> str:
    """A digest of one kind's facts that does not depend on order."""
    lines = sorted(
        json.dumps([iri, col, sorted(repr(v) for v in values)])
        for iri, cols in facts.items()
        for col, values in cols.items()
    )
    lines += sorted(json.dumps([iri]) for iri in facts)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _show_values(values: frozenset[object]) -> str:
    if not values:
        return "no value"
    shown = []
    for v in sorted(values, key=str):
        text = json.dumps(v if len(v) <= 80 else v[:77] + "...") if isinstance(v, str) else str(v)
        shown.append(text)
    return ", ".join(shown)


def differences(sql: Facts, graph: Facts, rdf_name: str) -> tuple[list[str], dict[str, int]]:
    """What differs between the two sides' facts, and how many IRIs of each kind both hold.

    First the IRIs only one side holds, then key field values that differ for an IRI both hold.
    """
    out = []
    for kind in KINDS:
        s, r = sql.get(kind, {}), graph.get(kind, {})
        out += [f"{kind}: {iri} is in kb.sqlite but not in {rdf_name}" for iri in sorted(s.keys() - r.keys())]
        out += [f"{kind}: {iri} is in {rdf_name} but not in kb.sqlite" for iri in sorted(r.keys() - s.keys())]
    for kind, spec in KINDS.items():
        s, r = sql.get(kind, {}), graph.get(kind, {})
        for iri in sorted(s.keys() & r.keys()):
            for c in spec.compared:
                if s[iri][c.column] != r[iri][c.column]:
                    out.append(
                        f"{kind}: {iri} {c.column}: kb.sqlite has {_show_values(s[iri][c.column])}, "
                        f"{rdf_name} has {_show_values(r[iri][c.column])}"
                    )
    counts = {kind: len(sql.get(kind, {}).keys() & graph.get(kind, {}).keys()) for kind in KINDS}
    return out, counts
