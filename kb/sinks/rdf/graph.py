"""Records to RDF: the only place triples are made; predicates come from the records' field metadata.

The shape of the graph (query authors depend on it; schema/kb.ttl and schema/shapes.ttl are the
formal version, site/reference/vocabulary.md the prose one). Every node has a stable IRI from
``kb.records.ids``; there are no blank nodes. ``<m>`` is ``https://w3id.org/evidence-kb/article/PMID/
measurement/LOCAL`` and its parts hang below it (``<m>/statistic``, ``<m>/evidence``...)::

    <m> a kb:Measurement, kb:OutcomeMeasurement (or kb:SafetyMeasurement), fhir:Evidence ;
        rdfs:label "CR/CRh (proportion)" ; kb:measurementKind "outcome" ; kb:endpoint "CR/CRh" ;
        kb:statistic "proportion" ; kb:percent 45.0 ; kb:timepoint "2 cycles" ;
        kb:grade "3" ; kb:gradeCode ncit:C41340 ; kb:gradingSystem "CTCAE v4.0" ;   # safety only
        kb:subgroup "..." ; kb:arm "..." ; kb:derivedField "percent" ;           # when present
        kb:endpointCode ncit:C... ;                 # a schema:MedicalCode, when the record has one
        pico:population <pmid/population> ; prov:wasDerivedFrom <article> ;
        prov:wasGeneratedBy <pmid/extraction> ; kb:check <m>/checks/0 ;
        fhir:statistic <m>/statistic ; kb:evidence <m>/evidence .
    <study> pico:outcome <m> .
    # FHIR R5 Evidence.statistic, element names as predicates; primitives are plain typed
    # literals (no fhir:v wrapper) and codes are IRIs (no Coding node): FHIR-shaped, SPARQL-friendly.
    <m>/statistic fhir:statisticType stype:C44256 ;          # only for verified codes
        fhir:numberOfEvents 29 ;
        fhir:sampleSize <m>/statistic/sample-size ;            # fhir:numberOfParticipants 64
        fhir:quantity <m>/statistic/quantity ;                 # fhir:value 0.45 (proportion from
                                                               # percent/100, else value); fhir:unit
                                                               # "months", fhir:system <http://unitsofmeasure.org>,
                                                               # fhir:code "mo" (UCUM, where obvious)
        fhir:attributeEstimate <m>/statistic/ci, <m>/statistic/p-value .
    <m>/statistic/ci fhir:type aetype:C53324 ; fhir:level 0.95 ;
        fhir:range <m>/statistic/ci/range .      # fhir:low/fhir:value 0.3 ; fhir:high/fhir:value 0.6
    <m>/statistic/p-value fhir:type aetype:C44185 ; fhir:description "<.001" ;
        fhir:quantity <m>/statistic/p-value/quantity .   # fhir:comparator "<" ; fhir:value 0.001
    # W3C Web Annotation: the measurement is the body, the article's abstract text the target.
    <m>/evidence a oa:Annotation ; oa:motivatedBy oa:describing ; oa:hasBody <m> ;
        oa:hasTarget <m>/evidence/target .
    <m>/evidence/target a oa:SpecificResource ; oa:hasSource <article> ;
        oa:hasSelector <m>/evidence/target/quote, <m>/evidence/target/position .
    <m>/evidence/target/quote a oa:TextQuoteSelector ; oa:exact "29 of 64" ;
        oa:prefix "...up to 32 characters before" ; oa:suffix "up to 32 after..." .
    <m>/evidence/target/position a oa:TextPositionSelector ; oa:start 800 ; oa:end 808 .

Offsets count Unicode code points in the article's ``dcterms:abstract``. Provenance: the named
graph ``<graph/PMID>`` (N-Quads) is a ``prov:Entity`` with ``foaf:primaryTopic <article>``,
``prov:wasGeneratedBy <run>``, ``prov:wasDerivedFrom <snapshot>``, ``prov:generatedAtTime``.
Citations: ``<citing> cito:cites <cited>`` plus a ``cito:Citation`` node, in the citing article's graph.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from types import NoneType, UnionType
from typing import Any, Protocol, Union, get_args, get_origin

from annotated_types import Ge, Gt
from rdflib import FOAF as _FOAF
from rdflib import PROV as _PROV
from rdflib import RDF as _RDF
from rdflib import RDFS as _RDFS
from rdflib import XSD as _XSD
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from kb.pipeline.citegraph import cited_by_counts
from kb.records import ids
from kb.records.models import Article, Citation, EvidenceRecord, Measurement, Record
from kb.records.vocab import ATTRIBUTE_ESTIMATE_TYPE, PREFIXES, STATISTIC_TYPE, UCUM, expand
from kb.records.vocab import CITO as _CITO
from kb.records.vocab import FABIO as _FABIO
from kb.records.vocab import FHIR as _FHIR
from kb.records.vocab import KB as _KB
from kb.records.vocab import OA as _OA
from kb.records.vocab import PICO as _PICO
from kb.records.vocab import SCHEMA as _SCHEMA


class Terms:
    """A namespace whose terms are made once, on first use.

    rdflib builds and validates a new URIRef on every namespace attribute access, which was a
    sixth of the time to make an article's triples.
    """

    def __init__(self, namespace: object) -> None:
        self._namespace = namespace

    def __getattr__(self, name: str) -> URIRef:
        term = getattr(self._namespace, name)
        assert isinstance(term, URIRef)  # noqa: S101  (namespaces give URIRefs)
        setattr(self, name, term)  # later lookups find the attribute and skip __getattr__
        return term


CITO, FABIO, FHIR, KB, OA = Terms(_CITO), Terms(_FABIO), Terms(_FHIR), Terms(_KB), Terms(_OA)
PICO, SCHEMA, FOAF, PROV = Terms(_PICO), Terms(_SCHEMA), Terms(_FOAF), Terms(_PROV)
RDF, RDFS, XSD = Terms(_RDF), Terms(_RDFS), Terms(_XSD)

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
#: FHIR attribute-estimate-type codes (verified, shared/VOCABULARY.md).
CONFIDENCE_INTERVAL = "C53324"
P_VALUE = "C44185"
#: NCIt CTCAE grade concepts (verified, shared/VOCABULARY.md); grade 5 is death.
CTCAE_GRADES = {"1": "C41338", "2": "C41339", "3": "C41340", "4": "C41337", "5": "C48275"}
#: UCUM codes of the units abstracts write, where the mapping is unambiguous.
UCUM_CODES = {
    "month": "mo",
    "months": "mo",
    "mo": "mo",
    "week": "wk",
    "weeks": "wk",
    "day": "d",
    "days": "d",
    "year": "a",
    "years": "a",
    "hour": "h",
    "hours": "h",
    "%": "%",
    "percent": "%",
}
#: Fields whose ISO 8601 text gets the xsd date type of its precision.
DATE_FIELDS = frozenset({"pub_date", "revised", "run_at"})
#: Characters of context kept on each side of an evidence quote (oa:prefix / oa:suffix).
CONTEXT = 32
#: Intervention names published as the comparator group rather than an intervention group.
COMPARATOR = re.compile(r"\b(placebo|standard of care|best supportive care|observation)\b", re.IGNORECASE)


Triple = tuple[Node, Node, Node]

# Terms used per triple, looked up once: a namespace attribute builds a new URIRef on every access.
RDF_TYPE = RDF.type
POSITION = KB.position
NON_NEGATIVE = XSD.nonNegativeInteger
DATE_TYPES = {4: XSD.gYear, 7: XSD.gYearMonth, 10: XSD.date}
DATE_TIME, DECIMAL, BOOLEAN, XSD_STRING = XSD.dateTime, XSD.decimal, XSD.boolean, XSD.string
INTEGERS = (XSD.integer, XSD.nonNegativeInteger)


class Sink(Protocol):
    """Where triples go: an rdflib Graph, or a plain set (much cheaper while a graph is built)."""

    def add(self, triple: Triple, /) -> object: ...


@dataclass(frozen=True)
class Step:
    """One property of a field's RDF path and the IRI segment of the node it reaches."""

    predicate: URIRef
    key: str


@dataclass(frozen=True)
class FieldRdf:
    """How one record field is published: parsed from its ``json_schema_extra`` metadata.

    ``path`` is ``prefix:local[@key]/...``: every step but the last reaches an intermediate node
    minted by ``kb.records.ids.step`` (shared by fields with the same path prefix); ``types`` are the
    rdf:types of the last intermediate node; ``parts`` continue the path for each item of a tuple;
    ``scale`` multiplies a number; ``ref='pubmed'`` makes a PMID an article IRI; ``concept``
    makes a code a ``schema:MedicalCode`` IRI.
    """

    field: str
    path: tuple[Step, ...]
    types: tuple[URIRef, ...] = ()
    parts: tuple[tuple[Step, ...], ...] = ()
    scale: Decimal | None = None
    ref: str | None = None
    concept: bool = False


def parse_path(text: str) -> tuple[Step, ...]:
    steps = []
    for part in text.split("/"):
        curie, _, key = part.partition("@")
        steps.append(Step(expand(curie), key or curie.partition(":")[2]))
    return tuple(steps)


@cache
def field_rdf(model: type[Record], field: str) -> FieldRdf | None:
    """The parsed RDF metadata of ``model.field``, or None when the field is not published."""
    extra = model.model_fields[field].json_schema_extra
    if not isinstance(extra, dict) or not isinstance(extra.get("rdf"), str):
        return None
    types = extra.get("types") or []
    parts = extra.get("parts") or []
    scale = extra.get("scale")
    ref = extra.get("ref")
    assert isinstance(types, list) and isinstance(parts, list)  # noqa: S101  (records.rdf() builds these)
    return FieldRdf(
        field=field,
        path=parse_path(str(extra["rdf"])),
        types=tuple(expand(str(t)) for t in types),
        parts=tuple(parse_path(str(p)) for p in parts),
        scale=Decimal(str(scale)) if scale is not None else None,
        ref=str(ref) if ref is not None else None,
        concept=bool(extra.get("concept", False)),
    )


@cache
def model_types(model: type[Record]) -> tuple[URIRef, ...]:
    """The rdf:types a record class declares in its ``model_config`` (``rdf_type``)."""
    extra = model.model_config.get("json_schema_extra")
    names = extra.get("rdf_type", []) if isinstance(extra, dict) else []
    assert isinstance(names, list)  # noqa: S101
    return tuple(expand(str(n)) for n in names)


@cache
def field_type(model: type[Record], field: str) -> tuple[Any, bool]:
    """(item type, is_list) of a field, with Optional stripped."""
    ann = model.model_fields[field].annotation
    if get_origin(ann) in (Union, UnionType):
        ann = next(a for a in get_args(ann) if a is not NoneType)
    if get_origin(ann) is list:
        return get_args(ann)[0], True
    if get_origin(ann) is tuple:
        return get_args(ann)[0], False
    return ann, False


def non_negative(model: type[Record], field: str) -> bool:
    return any(
        (isinstance(m, Ge) and m.ge >= 0) or (isinstance(m, Gt) and m.gt >= 0)  # type: ignore[operator]
        for m in model.model_fields[field].metadata
    )


@cache  # a property of the class: computing it per value was a fifth of the RDF sink's time
def datatype(model: type[Record], field: str) -> URIRef | None:
    """The xsd datatype of a published field's literals (None: varies with the value, or an IRI)."""
    spec = field_rdf(model, field)
    if field in DATE_FIELDS or spec is None or spec.ref or spec.concept:
        return None
    item, _ = field_type(model, field)
    if item is bool:
        return XSD.boolean
    if item is int:
        return XSD.nonNegativeInteger if non_negative(model, field) else XSD.integer
    if item is float:
        return XSD.decimal
    if item is str:
        return XSD.string
    return None


def decimal(value: float | int) -> Decimal:
    """xsd:decimal from the shortest repr: exact and deterministic (0.1 stays 0.1)."""
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def plain(number: Decimal) -> Decimal:
    """Without trailing zeros and never in exponent form (xsd:decimal has no '1E+1')."""
    return Decimal(format(number.normalize(), "f"))


def literal(value: Any, model: type[Record], field: str) -> Literal:
    """A typed literal for one field value."""
    if field in DATE_FIELDS and isinstance(value, str):
        return Literal(value, datatype=DATE_TYPES.get(len(value), DATE_TIME))
    dt = datatype(model, field)
    if dt is None or dt == XSD_STRING:
        return Literal(str(value))
    if dt == DECIMAL:
        number = decimal(value)
        spec = field_rdf(model, field)
        if spec is not None and spec.scale is not None:
            number = plain(number * spec.scale)
        return Literal(number, datatype=DECIMAL)
    if dt == BOOLEAN:
        return Literal(bool(value))
    if dt in INTEGERS:
        return Literal(int(value), datatype=dt)
    return Literal(str(value))


def new_graph() -> Graph:
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=True)
    return g


def walk(g: Sink, subject: URIRef, steps: Iterable[Step]) -> URIRef:
    """Follow (and create) the intermediate nodes of a path; returns the last node reached."""
    node = subject
    for step in steps:
        nxt = ids.step(node, step.key)
        g.add((node, step.predicate, nxt))
        node = nxt
    return node


def code_node(g: Sink, owner: URIRef, field: str, code: str) -> URIRef:
    """A record's vocabulary code as a schema:MedicalCode (the NCIt/MeSH IRI where recognised)."""
    node = ids.concept(code) or ids.child(owner, field)
    g.add((node, RDF.type, SCHEMA.MedicalCode))
    g.add((node, SCHEMA.codeValue, Literal(code.partition(":")[2] or code)))
    if code.partition(":")[1]:
        g.add((node, SCHEMA.codingSystem, Literal(code.partition(":")[0].upper())))
    return node


def emit(g: Sink, subject: URIRef, record: Record, skip: Iterable[str] = ()) -> None:
    """Add the triples of every field value along the field's declared RDF path.

    Nested records get a child IRI minted by ``kb.records.ids.child`` and their class's rdf:types;
    lists keep their order with ``kb:position``; fields without metadata, or in ``skip``, are
    left to the caller.
    """
    model = type(record)
    for field in model.model_fields:
        spec = field_rdf(model, field)
        value = getattr(record, field)
        if field in skip or spec is None or value is None:
            continue
        values = value if isinstance(value, list) else [value]
        *inner, last = spec.path
        for i, v in enumerate(values):
            holder = walk(g, subject, inner)
            for t in spec.types:
                g.add((holder, RDF_TYPE, t))
            if isinstance(v, Record):
                node = ids.child(holder, field, i if isinstance(value, list) else None)
                g.add((holder, last.predicate, node))
                for t in model_types(type(v)):
                    g.add((node, RDF_TYPE, t))
                if isinstance(value, list):
                    g.add((node, POSITION, Literal(i, datatype=NON_NEGATIVE)))
                emit(g, node, v)
            elif isinstance(v, tuple):
                node = walk(g, holder, [last])
                for item, part in zip(v, spec.parts, strict=True):
                    *p_inner, p_last = part
                    g.add((walk(g, node, p_inner), p_last.predicate, literal(item, model, field)))
            elif spec.ref == "pubmed":
                g.add((holder, last.predicate, ids.article(str(v))))
            elif spec.concept:
                g.add((holder, last.predicate, code_node(g, holder, field, str(v))))
            else:
                g.add((holder, last.predicate, literal(v, model, field)))


def add_article(g: Sink, article: Article, cited_by_ingested: int | None = None) -> URIRef:
    s = ids.article(article.pmid)
    for t in model_types(Article):
        g.add((s, RDF_TYPE, t))
    if any("Review" in t for t in article.publication_types):
        g.add((s, RDF.type, FABIO.ReviewArticle))
    g.add((s, RDFS.label, Literal(f"PMID {article.pmid}")))
    emit(g, s, article)
    g.add((s, KB.retracted, Literal(article.retracted)))
    if cited_by_ingested is not None:
        g.add((s, KB.ingestedCitedByCount, Literal(cited_by_ingested, datatype=XSD.nonNegativeInteger)))
    return s


def context(abstract: str, start: int, end: int) -> tuple[str, str]:
    """Up to CONTEXT characters before and after a span, for a TextQuoteSelector."""
    return abstract[max(0, start - CONTEXT) : start], abstract[end : end + CONTEXT]


def p_value_parts(text: str) -> tuple[str | None, Decimal] | None:
    """'<.001' -> ('<', 0.001); 'P = 0.03' -> (None, 0.03); None when not a number."""
    m = re.fullmatch(r"\s*(?:p\s*)?(<=|>=|<|>|=|≤|≥)?\s*(\d*\.?\d+)\s*", text, re.IGNORECASE)
    if not m:
        return None
    comparator = {"≤": "<=", "≥": ">=", "=": None}.get(m.group(1) or "=", m.group(1))
    return comparator, Decimal(m.group(2))


def add_statistic(g: Sink, m_iri: URIRef, m: Measurement) -> None:
    """The FHIR parts the field paths cannot say: codes, UCUM, proportions, p-value numbers."""
    stat = walk(g, m_iri, [Step(FHIR.statistic, "statistic")])
    code = STATISTIC_CODES.get(m.statistic)
    if code:
        g.add((stat, FHIR.statisticType, STATISTIC_TYPE[code]))
    if m.value is None and m.percent is not None:
        # FHIR states a proportion as a fraction (29/64 -> 0.45); kb:percent keeps the percentage.
        quantity = walk(g, stat, [Step(FHIR.quantity, "quantity")])
        g.add((quantity, FHIR.value, Literal(plain(decimal(m.percent) / 100), datatype=XSD.decimal)))
    ucum = UCUM_CODES.get((m.unit or "").strip().lower())
    if m.value is not None and ucum:
        quantity = walk(g, stat, [Step(FHIR.quantity, "quantity")])
        g.add((quantity, FHIR.system, UCUM))
        g.add((quantity, FHIR.code, Literal(ucum)))
    if m.ci is not None or m.ci_level is not None:
        g.add((ids.step(stat, "ci"), FHIR.type, ATTRIBUTE_ESTIMATE_TYPE[CONFIDENCE_INTERVAL]))
    if m.p_value is not None:
        estimate = ids.step(stat, "p-value")
        g.add((estimate, FHIR.type, ATTRIBUTE_ESTIMATE_TYPE[P_VALUE]))
        parts = p_value_parts(m.p_value)
        if parts is not None:
            quantity = walk(g, estimate, [Step(FHIR.quantity, "quantity")])
            if parts[0]:
                g.add((quantity, FHIR.comparator, Literal(parts[0])))
            g.add((quantity, FHIR.value, Literal(parts[1], datatype=XSD.decimal)))


def add_evidence(g: Sink, m_iri: URIRef, article: URIRef, m: Measurement, abstract: str) -> None:
    """The Web Annotation parts beyond the Span fields: body, source, motivation, quote context."""
    ann = ids.child(m_iri, "evidence")
    target = ids.step(ann, "target")
    quote = ids.step(target, "quote")
    g.add((ann, OA.hasBody, m_iri))
    g.add((ann, OA.motivatedBy, OA.describing))
    g.add((target, RDF.type, OA.SpecificResource))
    g.add((target, OA.hasSource, article))
    prefix, suffix = context(abstract, m.evidence.start, m.evidence.end)
    g.add((quote, OA.prefix, Literal(prefix)))
    g.add((quote, OA.suffix, Literal(suffix)))


def add_measurement(
    g: Sink, pmid: str, local: str, m: Measurement, population: URIRef, abstract: str
) -> URIRef:
    s = ids.measurement(pmid, local)
    art = ids.article(pmid)
    for t in model_types(Measurement):
        g.add((s, RDF_TYPE, t))
    g.add((s, RDF.type, KB.OutcomeMeasurement if m.kind == "outcome" else KB.SafetyMeasurement))
    g.add((s, RDFS.label, Literal(f"{m.endpoint} ({m.statistic})")))
    g.add((s, PICO.population, population))
    g.add((s, PROV.wasDerivedFrom, art))
    g.add((s, PROV.wasGeneratedBy, ids.extraction_run(pmid)))
    emit(g, s, m)
    add_statistic(g, s, m)
    add_evidence(g, s, art, m, abstract)
    system = (m.grading_system or "ctcae").lower()
    if m.grade in CTCAE_GRADES and "ctcae" in system:
        concept = ids.concept(CTCAE_GRADES[m.grade])
        assert concept is not None  # noqa: S101  (the table holds NCIt codes)
        g.add((s, KB.gradeCode, concept))
    return s


def add_provenance(g: Sink, rec: EvidenceRecord) -> None:
    """The named graph of an article is the prov:Entity a run generated from a snapshot."""
    a, p = rec.article, rec.provenance
    snap = ids.snapshot(p.snapshot.sha256)
    run = ids.extraction_run(a.pmid)
    graph = ids.graph(a.pmid)
    for t in model_types(type(p.snapshot)):
        g.add((snap, RDF.type, t))
    emit(g, snap, p.snapshot)
    for t in model_types(type(p)):
        g.add((run, RDF.type, t))
    emit(g, run, p, skip={"snapshot"})
    g.add((run, PROV.used, snap))
    g.add((graph, RDF.type, PROV.Entity))
    g.add((graph, FOAF.primaryTopic, ids.article(a.pmid)))
    g.add((graph, PROV.wasGeneratedBy, run))
    g.add((graph, PROV.wasDerivedFrom, snap))
    g.add((graph, PROV.generatedAtTime, literal(p.run_at, type(p), "run_at")))
    for name, version in ((p.reader, p.reader_version), (p.extractor, p.extractor_version)):
        agent = ids.software(name, version)
        g.add((agent, RDF.type, PROV.SoftwareAgent))
        g.add((agent, RDFS.label, Literal(f"{name} {version}")))
        g.add((run, PROV.wasAssociatedWith, agent))


def add_record(g: Sink, rec: EvidenceRecord, cited_by_ingested: int | None = None) -> None:
    a, x = rec.article, rec.extraction
    art = add_article(g, a, cited_by_ingested)
    add_provenance(g, rec)
    if a.status == "stub" or not x.abstract:
        return
    study = ids.study(a.pmid)
    pop = ids.population(a.pmid)
    for t in model_types(type(x.study)):
        g.add((study, RDF.type, t))
    g.add((study, expand("dcterms:isReferencedBy"), art))
    emit(g, study, x.study)
    g.add((study, PICO.population, pop))
    for t in model_types(type(x.population)):
        g.add((pop, RDF.type, t))
    emit(g, pop, x.population)
    for iv in x.interventions:
        node = ids.intervention(a.pmid, iv.name)
        for t in model_types(type(iv)):
            g.add((node, RDF_TYPE, t))
        group = PICO.comparatorGroup if COMPARATOR.search(iv.name) else PICO.interventionGroup
        g.add((study, group, node))
        emit(g, node, iv)
    for local, m in zip(ids.measurement_local_names(x.measurements), x.measurements, strict=True):
        node = add_measurement(g, a.pmid, local, m, pop, x.abstract)
        g.add((study, PICO.outcome, node))


def add_citation(g: Sink, c: Citation) -> None:
    citing, cited = ids.article(c.citing), ids.article(c.cited)
    g.add((citing, CITO.cites, cited))
    node = ids.citation(c.citing, c.cited)
    for t in model_types(Citation):
        g.add((node, RDF_TYPE, t))
    emit(g, node, c)


def article_graphs(
    records: Iterable[EvidenceRecord], citations: Iterable[Citation]
) -> Iterator[tuple[URIRef, set[Triple]]]:
    """(named graph IRI, its triples), one graph per source article.

    An article's graph holds its records and the citations it makes, so a merge of two
    knowledge bases keeps who said what.
    """
    cits = sorted(citations, key=lambda c: (c.citing, c.cited, c.origin))
    ingested = cited_by_counts(cits)
    by_citing: dict[str, list[Citation]] = {}
    for c in cits:
        by_citing.setdefault(c.citing, []).append(c)
    seen: set[str] = set()
    for rec in records:
        triples: set[Triple] = set()
        add_record(triples, rec, ingested.get(rec.article.pmid, 0))
        for c in by_citing.get(rec.article.pmid, []):
            add_citation(triples, c)
        seen.add(rec.article.pmid)
        yield ids.graph(rec.article.pmid), triples
    for citing in sorted(set(by_citing) - seen, key=int):  # links from articles not ingested
        triples = set()
        for c in by_citing[citing]:
            add_citation(triples, c)
        yield ids.graph(citing), triples


def build_dataset(records: Iterable[EvidenceRecord], citations: Iterable[Citation]) -> Dataset:
    """All records as quads: one named graph per source article (see ``article_graphs``)."""
    ds = Dataset()
    for prefix, ns in PREFIXES.items():
        ds.bind(prefix, ns, override=True)
    for name, triples in article_graphs(records, citations):
        named = ds.graph(name)
        named.addN((s, p, o, named) for s, p, o in triples)
    return ds


def union(ds: Dataset) -> Graph:
    """The merged triples of every named graph (what kb.ttl holds)."""
    g = new_graph()
    g.addN((s, p, o, g) for s, p, o, _ in ds.quads((None, None, None, None)))
    return g


def build_graph(records: Iterable[EvidenceRecord], citations: Iterable[Citation]) -> Graph:
    """All records as one graph (no named graphs)."""
    g = new_graph()
    merged: set[Triple] = set()
    for _, triples in article_graphs(records, citations):
        merged |= triples
    g.addN((s, p, o, g) for s, p, o in merged)
    return g
