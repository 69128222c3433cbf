"""site/reference/vocabulary.md: its hand-written Turtle and SPARQL match what the code publishes."""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import RDF, Graph, URIRef

from kb.records import schema
from kb.records.models import Measurement, Span
from kb.records.vocab import KB
from kb.sinks.rdf import graph as rdf
from tests.seed_records import seed_records

PAGE = Path(__file__).resolve().parent.parent / "site" / "reference" / "vocabulary.md"


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.DOTALL)


def _published() -> Graph:
    """What the code publishes: the seed graph plus a synthetic measurement with a CI."""
    records, citations = seed_records()
    rec = next(r for r in records if r.extraction.measurements)
    x = rec.extraction
    start = x.abstract.index("29 of 64")
    synthetic = Measurement(
        kind="outcome",
        endpoint="CR/CRh",
        statistic="proportion",
        numerator=29,
        denominator=64,
        percent=45,
        ci=(0.33, 0.58),
        ci_level=95,
        evidence=Span(start=start, end=start + 8, text="29 of 64"),
    )
    extra = rec.model_copy(update={"extraction": x.model_copy(update={"measurements": [synthetic]})})
    return rdf.build_graph([*records, extra], citations)


def test_the_turtle_example_uses_only_published_terms() -> None:
    (example,) = _blocks("turtle")
    doc = Graph().parse(data=example, format="turtle")
    published = _published()
    onto = schema.ontology_graph()
    terms = {p for p in doc.predicates()} | {o for o in doc.objects(None, RDF.type)}
    for term in terms:
        if str(term).startswith(str(KB._NS)):
            assert (term, None, None) in onto, f"{term} is not in the kb: ontology"
        elif term != RDF.type:
            used = (None, term, None) in published or (None, RDF.type, term) in published
            assert used, f"{term} is in the docs but the code never publishes it"
    # and the example's measurement is what the code makes of the same record, triple for triple
    m = URIRef("https://w3id.org/evidence-kb/article/31002989/measurement/cr-crh-proportion-2-cycles")
    for p, o in doc.predicate_objects(m):
        assert (m, p, o) in published, (p, o)


def test_the_sparql_example_answers_from_the_seed_graph() -> None:
    (query,) = _blocks("sparql")
    g = rdf.build_graph(*seed_records())
    rows = {(str(r[0]), r[1] and int(r[1]), r[2] and int(r[2])) for r in g.query(query)}  # type: ignore[index]
    assert ("CR/CRh", 29, 64) in rows
    assert len({r[0] for r in rows}) >= 5
