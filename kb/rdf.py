"""Records to an rdflib graph: the only place triples are made; predicates come from the records."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from rdflib import PROV, RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.term import Node

from kb import ids
from kb.citegraph import cited_by_counts
from kb.records import Article, Citation, EvidenceRecord, Measurement, Record
from kb.sql import measurement_locals
from kb.vocab import CITO, FABIO, KB, OA, PICO, PREFIXES, SCHEMA, STATISTIC_TYPE, expand

#: FHIR statistic-type codes (verified, see shared/VOCABULARY.md) by our statistic label.
STATISTIC_CODES = {
    "proportion": "C44256",
    "median": "C28007",
    "count": "C25463",
    "incidence": "C16726",
    "hazard ratio": "C93150",
    "odds ratio": "C16932",
    "relative risk": "C93152",
    "risk ratio": "C93152",
}


def new_graph() -> Graph:
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=True)
    return g


def literal(value: Any, field: str = "") -> Literal:
    """A typed literal; dates get the xsd type matching their precision."""
    if isinstance(value, bool):
        return Literal(value)
    if isinstance(value, int):
        return Literal(value, datatype=XSD.integer)
    if isinstance(value, float):
        # xsd:decimal from the shortest repr keeps serialisation deterministic and exact.
        return Literal(Decimal(repr(value)), datatype=XSD.decimal)
    if field in {"pub_date", "revised", "run_at"} and isinstance(value, str):
        kind = {4: XSD.gYear, 7: XSD.gYearMonth, 10: XSD.date}.get(len(value), XSD.dateTime)
        return Literal(value, datatype=kind)
    return Literal(str(value))


def _predicate(model: type[BaseModel], field: str) -> URIRef | None:
    extra = model.model_fields[field].json_schema_extra
    if isinstance(extra, dict) and isinstance(extra.get("rdf"), str):
        return expand(str(extra["rdf"]))
    return None


def emit(g: Graph, subject: URIRef, record: Record, skip: Iterable[str] = ()) -> None:
    """Add one triple per field value, using each field's declared predicate.

    Nested records get a child IRI minted by ``kb.ids.child``; lists keep their order with
    ``kb:position``; fields without a predicate, or in ``skip``, are left to the caller.
    """
    model = type(record)
    for field in model.model_fields:
        if field in skip:
            continue
        pred = _predicate(model, field)
        value = getattr(record, field)
        if pred is None or value is None:
            continue
        values = value if isinstance(value, list) else [value]
        for i, v in enumerate(values):
            if isinstance(v, Record):
                node = ids.child(subject, field, i if isinstance(value, list) else None)
                g.add((subject, pred, node))
                if isinstance(value, list):
                    g.add((node, KB.position, Literal(i, datatype=XSD.integer)))
                emit(g, node, v)
            else:
                g.add((subject, pred, literal(v, field)))


def add_article(g: Graph, article: Article, cited_by_ingested: int | None = None) -> URIRef:
    s = ids.article(article.pmid)
    review = any("Review" in t for t in article.publication_types)
    g.add((s, RDF.type, FABIO.ReviewArticle if review else FABIO.JournalArticle))
    g.add((s, RDFS.label, Literal(f"PMID {article.pmid}")))
    emit(g, s, article)
    g.add((s, KB.retracted, Literal(article.retracted)))
    if cited_by_ingested is not None:
        g.add((s, KB.ingestedCitedByCount, Literal(cited_by_ingested, datatype=XSD.integer)))
    return s


def add_measurement(g: Graph, pmid: str, local: str, m: Measurement, population: URIRef) -> URIRef:
    s = ids.measurement(pmid, local)
    g.add((s, RDF.type, KB.Measurement))
    g.add((s, RDF.type, KB.OutcomeMeasurement if m.kind == "outcome" else KB.SafetyMeasurement))
    g.add((s, RDFS.label, Literal(f"{m.endpoint} ({m.statistic})")))
    g.add((s, PICO.population, population))
    emit(g, s, m, skip={"ci", "evidence"})
    code = STATISTIC_CODES.get(m.statistic)
    if code:
        g.add((s, expand("fhir:statisticType"), STATISTIC_TYPE[code]))
    if m.ci is not None:
        ci = ids.child(s, "ci")
        g.add((s, KB.confidenceInterval, ci))
        g.add((ci, RDF.type, KB.ConfidenceInterval))
        g.add((ci, KB.ciLow, literal(m.ci[0])))
        g.add((ci, KB.ciHigh, literal(m.ci[1])))
        if m.ci_level is not None:
            g.add((ci, KB.ciLevel, literal(m.ci_level)))
    ev = ids.child(s, "evidence")
    g.add((s, KB.evidence, ev))
    g.add((ev, RDF.type, OA.TextQuoteSelector))
    g.add((ev, RDF.type, OA.TextPositionSelector))
    emit(g, ev, m.evidence)
    return s


def add_record(g: Graph, rec: EvidenceRecord, cited_by_ingested: int | None = None) -> None:
    a, x, p = rec.article, rec.extraction, rec.provenance
    art = add_article(g, a, cited_by_ingested)
    # provenance: the article record was derived from a snapshot by an extraction run
    snap = ids.snapshot(p.snapshot.sha256)
    run = ids.extraction_run(a.pmid)
    g.add((snap, RDF.type, KB.Snapshot))
    emit(g, snap, p.snapshot)
    g.add((art, PROV.wasDerivedFrom, snap))
    g.add((art, PROV.wasGeneratedBy, run))
    g.add((run, RDF.type, PROV.Activity))
    g.add((run, RDF.type, KB.ExtractionRun))
    emit(g, run, p, skip={"snapshot"})
    g.add((run, PROV.used, snap))
    for name, version in ((p.reader, p.reader_version), (p.extractor, p.extractor_version)):
        agent = ids.software(name, version)
        g.add((agent, RDF.type, PROV.SoftwareAgent))
        g.add((agent, RDFS.label, Literal(f"{name} {version}")))
        g.add((run, PROV.wasAssociatedWith, agent))
    if a.status == "stub" or not x.abstract:
        return
    study = ids.study(a.pmid)
    pop = ids.population(a.pmid)
    g.add((study, RDF.type, SCHEMA.MedicalTrial))
    g.add((study, expand("dcterms:isReferencedBy"), art))
    emit(g, study, x.study)
    g.add((study, PICO.population, pop))
    g.add((pop, RDF.type, PICO.Population))
    emit(g, pop, x.population)
    for iv in x.interventions:
        node = ids.intervention(a.pmid, iv.name)
        g.add((node, RDF.type, PICO.Intervention))
        g.add((node, RDF.type, SCHEMA.Drug))
        g.add((study, PICO.interventionGroup, node))
        emit(g, node, iv)
    for local, m in zip(measurement_locals(a.pmid, x.measurements), x.measurements, strict=True):
        node = add_measurement(g, a.pmid, local, m, pop)
        g.add((study, PICO.outcome, node))
        g.add((node, PROV.wasDerivedFrom, art))


def add_citation(g: Graph, c: Citation) -> None:
    citing, cited = ids.article(c.citing), ids.article(c.cited)
    g.add((citing, CITO.cites, cited))
    node = ids.citation(c.citing, c.cited)
    g.add((node, RDF.type, CITO.Citation))
    g.add((node, CITO.hasCitingEntity, citing))
    g.add((node, CITO.hasCitedEntity, cited))
    g.add((node, KB.linkOrigin, Literal(c.origin)))


def build_graph(records: Iterable[EvidenceRecord], citations: Iterable[Citation]) -> Graph:
    g = new_graph()
    cits = list(citations)
    ingested = cited_by_counts(cits)
    for rec in records:
        add_record(g, rec, ingested.get(rec.article.pmid, 0))
    for c in cits:
        add_citation(g, c)
    return g


def write_turtle(g: Graph, path: Path) -> None:
    g.serialize(destination=str(path), format="turtle")


def objects(g: Graph, s: Node, p: URIRef) -> list[Node]:
    return sorted(g.objects(s, p), key=str)
