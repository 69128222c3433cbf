"""The RDF shape of the records: FHIR statistic, PICO, Web Annotation selectors, codes, stable IRIs."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import rdflib
from rdflib import RDF, BNode, Graph, Literal, URIRef

from kb.records import ids
from kb.records.models import EvidenceRecord, Intervention, Measurement, Span
from kb.records.vocab import ATTRIBUTE_ESTIMATE_TYPE, FHIR, KB, NCIT, OA, PICO, SCHEMA, STATISTIC_TYPE
from kb.sinks.rdf import graph as rdf
from tests.seed_records import GOLD, seed_records


@pytest.fixture(scope="module")
def seed() -> tuple[list[EvidenceRecord], Graph]:
    records, citations = seed_records()
    return records, rdf.build_graph(records, citations)


def _one(g: Graph, s: URIRef, path: str) -> object:
    """The single value at a property path (CURIEs joined by '/')."""
    rows = list(g.query(f"SELECT ?o WHERE {{ <{s}> {path} ?o }}", initNs=dict(g.namespaces())))
    assert len(rows) == 1, f"{s} {path}: {rows}"
    return rows[0][0]  # type: ignore[index]


def _measurement_iris(rec: EvidenceRecord) -> list[URIRef]:
    names = ids.measurement_local_names(rec.extraction.measurements)
    return [ids.measurement(rec.article.pmid, local) for local in names]


def test_every_gold_number_is_on_the_fhir_statistic(seed: tuple[list[EvidenceRecord], Graph]) -> None:
    records, g = seed
    rec = next(r for r in records if r.extraction.measurements)
    gold = json.loads(GOLD.read_text(encoding="utf-8"))["measurements"]
    for iri, m, item in zip(_measurement_iris(rec), rec.extraction.measurements, gold, strict=True):
        assert (iri, RDF.type, FHIR.Evidence) in g
        if "numerator" in item:
            assert _one(g, iri, "fhir:statistic/fhir:numberOfEvents").toPython() == item["numerator"]
        if "denominator" in item:
            n = _one(g, iri, "fhir:statistic/fhir:sampleSize/fhir:numberOfParticipants")
            assert n == Literal(item["denominator"], datatype=rdflib.XSD.nonNegativeInteger)
        if "value" in item:
            assert _one(g, iri, "fhir:statistic/fhir:quantity/fhir:value").toPython() == Decimal(
                str(item["value"])
            )
        elif "percent" in item:  # a proportion's FHIR quantity is the fraction; kb:percent the percentage
            fraction = _one(g, iri, "fhir:statistic/fhir:quantity/fhir:value").toPython()
            assert fraction * 100 == Decimal(str(item["percent"]))
            assert _one(g, iri, "kb:percent").toPython() == Decimal(str(float(item["percent"])))
        code = rdf.STATISTIC_CODES.get(m.statistic)
        types = set(g.objects(ids.step(iri, "statistic"), FHIR.statisticType))
        assert types == ({STATISTIC_TYPE[code]} if code else set())
        assert (ids.study(rec.article.pmid), PICO.outcome, iri) in g
        assert (iri, PICO.population, ids.population(rec.article.pmid)) in g


def test_every_span_has_quote_and_position_selectors_matching_the_abstract(
    seed: tuple[list[EvidenceRecord], Graph],
) -> None:
    records, g = seed
    rec = next(r for r in records if r.extraction.measurements)
    abstract = rec.extraction.abstract
    for iri in _measurement_iris(rec):
        ann = _one(g, iri, "kb:evidence")
        assert (ann, RDF.type, OA.Annotation) in g and (ann, OA.hasBody, iri) in g
        assert _one(g, iri, "kb:evidence/oa:hasTarget/oa:hasSource") == ids.article(rec.article.pmid)
        start = int(_one(g, iri, "kb:evidence/oa:hasTarget/oa:hasSelector/oa:start").toPython())  # type: ignore[attr-defined]
        end = int(_one(g, iri, "kb:evidence/oa:hasTarget/oa:hasSelector/oa:end").toPython())  # type: ignore[attr-defined]
        quote = ann + "/target/quote"
        assert (URIRef(quote), RDF.type, OA.TextQuoteSelector) in g
        assert str(_one(g, URIRef(quote), "oa:exact")) == abstract[start:end]
        prefix = str(_one(g, URIRef(quote), "oa:prefix"))
        suffix = str(_one(g, URIRef(quote), "oa:suffix"))
        assert abstract[start - len(prefix) : end + len(suffix)] == prefix + abstract[start:end] + suffix
        assert len(prefix) == min(rdf.CONTEXT, start) and len(suffix) == min(rdf.CONTEXT, len(abstract) - end)


def test_single_ctcae_grades_get_their_ncit_code(seed: tuple[list[EvidenceRecord], Graph]) -> None:
    records, g = seed
    rec = next(r for r in records if r.extraction.measurements)
    graded = 0
    for iri, m in zip(_measurement_iris(rec), rec.extraction.measurements, strict=True):
        codes = set(g.objects(iri, KB.gradeCode))
        if m.grade in rdf.CTCAE_GRADES:
            assert codes == {NCIT[rdf.CTCAE_GRADES[m.grade]]}
            graded += 1
        else:  # a band like "<=3" is not one grade
            assert codes == set()
    assert graded >= 3  # the seed gold has grade 3, 4 and 5 events


def test_no_blank_nodes_and_iris_are_stable(seed: tuple[list[EvidenceRecord], Graph]) -> None:
    records, g = seed
    assert not any(isinstance(t, BNode) for triple in g for t in triple)
    again = rdf.build_graph(*seed_records())
    assert set(g) == set(again)


def _synthetic(records: list[EvidenceRecord], **changes: object) -> EvidenceRecord:
    """Synthetic: the seed record with one measurement and intervention replaced."""
    rec = next(r for r in records if r.extraction.measurements)
    x = rec.extraction
    text = "29 of 64"
    start = x.abstract.index(text)
    m = Measurement(
        kind="outcome",
        endpoint="overall survival",
        statistic="hazard ratio",
        value=0.35,
        ci=(0.13, 0.92),
        ci_level=95,
        p_value="<.001",
        evidence=Span(start=start, end=start + len(text), text=text),
    )
    ext = x.model_copy(update={"measurements": [m], **changes})
    return rec.model_copy(update={"extraction": ext})


def test_ci_and_p_value_are_fhir_attribute_estimates(seed: tuple[list[EvidenceRecord], Graph]) -> None:
    rec = _synthetic(seed[0])
    g = rdf.build_graph([rec], [])
    iri = _measurement_iris(rec)[0]
    stat = ids.step(iri, "statistic")
    ci, pv = ids.step(stat, "ci"), ids.step(stat, "p-value")
    assert set(g.objects(stat, FHIR.attributeEstimate)) == {ci, pv}
    assert (ci, FHIR.type, ATTRIBUTE_ESTIMATE_TYPE["C53324"]) in g
    assert _one(g, ci, "fhir:level").toPython() == Decimal("0.95")
    assert _one(g, ci, "fhir:range/fhir:low/fhir:value").toPython() == Decimal("0.13")
    assert _one(g, ci, "fhir:range/fhir:high/fhir:value").toPython() == Decimal("0.92")
    assert (pv, FHIR.type, ATTRIBUTE_ESTIMATE_TYPE["C44185"]) in g
    assert str(_one(g, pv, "fhir:description")) == "<.001"
    assert str(_one(g, pv, "fhir:quantity/fhir:comparator")) == "<"
    assert _one(g, pv, "fhir:quantity/fhir:value").toPython() == Decimal("0.001")
    assert (stat, FHIR.statisticType, STATISTIC_TYPE["C93150"]) in g


def test_drug_code_only_when_the_record_has_it(seed: tuple[list[EvidenceRecord], Graph]) -> None:
    coded = _synthetic(seed[0], interventions=[Intervention(name="blinatumomab", code="NCIT:C62528")])
    plain = _synthetic(seed[0], interventions=[Intervention(name="blinatumomab")])
    node = ids.intervention(coded.article.pmid, "blinatumomab")
    g = rdf.build_graph([coded], [])
    assert (node, SCHEMA.code, NCIT.C62528) in g and (NCIT.C62528, RDF.type, SCHEMA.MedicalCode) in g
    assert (node, RDF.type, PICO.Intervention) in g and (node, RDF.type, SCHEMA.Drug) in g
    assert not list(rdf.build_graph([plain], []).objects(node, SCHEMA.code))


def test_ucum_code_for_months(seed: tuple[list[EvidenceRecord], Graph]) -> None:
    records, g = seed
    rec = next(r for r in records if r.extraction.measurements)
    for iri, m in zip(_measurement_iris(rec), rec.extraction.measurements, strict=True):
        if m.unit == "months" and m.value is not None:
            assert str(_one(g, iri, "fhir:statistic/fhir:quantity/fhir:code")) == "mo"
            assert str(_one(g, iri, "fhir:statistic/fhir:quantity/fhir:unit")) == "months"


def test_kb_namespace_is_closed() -> None:
    with pytest.raises(AttributeError):
        _ = KB.notATerm
