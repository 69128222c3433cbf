"""Answers as text: CSV, TSV, JSON (numbers as numbers, booleans as booleans) or Turtle."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from rdflib import Graph

from kb.query.answer import INTEGERS, XSD, Answer
from kb.query.values import QueryError

JsonValue = str | int | float | bool | None


def to_turtle(triples: Iterable[str]) -> str:
    """CONSTRUCT/DESCRIBE triples as Turtle with the project's prefixes."""
    from kb.records.vocab import PREFIXES

    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=True)
    g.parse(data="\n".join(triples), format="nt")
    return g.serialize(format="turtle")


def json_value(text: str | None, datatype: str | None) -> JsonValue:
    """A cell as JSON: numbers as numbers and booleans as booleans, where the literal's type says so.

    A decimal becomes a JSON number only when that number reads back as the same decimal, so no
    digit is lost; otherwise (and for NaN and infinities, which JSON lacks) it stays text.
    """
    if text is None or datatype is None:
        return text
    try:
        if datatype in INTEGERS:
            return int(text)
        if datatype == XSD + "boolean":
            return text == "true"
        if datatype in (XSD + "decimal", XSD + "double", XSD + "float"):
            number = Decimal(text)
            if not number.is_finite():
                return text
            if datatype == XSD + "decimal" and number == number.to_integral_value():
                return int(number)
            as_float = float(number)
            return as_float if datatype != XSD + "decimal" or Decimal(repr(as_float)) == number else text
    except (ValueError, InvalidOperation):
        return text
    return text


def to_json(answer: Answer) -> str:
    """SELECT/ASK rows as a JSON list of objects, typed by each literal's datatype."""
    types = answer.types or [[None] * len(answer.names) for _ in answer.rows]
    records = [
        {n: json_value(v, t) for n, v, t in zip(answer.names, row, kinds, strict=True)}
        for row, kinds in zip(answer.rows, types, strict=True)
    ]
    return json.dumps(records, indent=2, ensure_ascii=False) + "\n"


def render(answer: Answer, fmt: str) -> str:
    """An answer as csv, tsv or json (SELECT/ASK); CONSTRUCT/DESCRIBE always as Turtle."""
    if answer.kind in ("CONSTRUCT", "DESCRIBE"):
        return to_turtle(answer.triples)
    if fmt == "json":
        return to_json(answer)
    if fmt in ("csv", "tsv"):
        buf = io.StringIO()
        w = csv.writer(buf, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        w.writerow(answer.names)
        w.writerows([["" if v is None else v for v in r] for r in answer.rows])
        return buf.getvalue()
    raise QueryError(f"unknown format {fmt!r}")
