"""Namespaces: our closed ``kb:`` vocabulary and the reused ones, with their CURIE prefixes."""

from __future__ import annotations

from rdflib import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SH, SKOS, XSD, Namespace, URIRef
from rdflib.namespace import DefinedNamespace

from kb.ids import BASE


class KB(DefinedNamespace):
    """evidence-kb's own terms; closed, so a typo raises instead of minting a wrong IRI."""

    _NS = Namespace(BASE + "vocab#")
    _fail = True

    # classes
    Measurement: URIRef
    OutcomeMeasurement: URIRef
    SafetyMeasurement: URIRef
    ArithmeticCheck: URIRef
    AbstractSection: URIRef
    Snapshot: URIRef
    ExtractionRun: URIRef
    CommentOrCorrection: URIRef
    ConfidenceInterval: URIRef
    # properties
    abstractSection: URIRef
    abstractSectionLabel: URIRef
    arm: URIRef
    characteristic: URIRef
    check: URIRef
    checkName: URIRef
    checkPassed: URIRef
    ciLevel: URIRef
    ciLow: URIRef
    ciHigh: URIRef
    collectiveAuthor: URIRef
    commentOrCorrection: URIRef
    confidenceInterval: URIRef
    derivedField: URIRef
    endpoint: URIRef
    endpointCode: URIRef
    evidence: URIRef
    extractorName: URIRef
    extractorVersion: URIRef
    grade: URIRef
    gradingSystem: URIRef
    linkOrigin: URIRef
    measurementKind: URIRef
    nlmCategory: URIRef
    orcid: URIRef
    pValue: URIRef
    percent: URIRef
    publicationType: URIRef
    pubmedVersion: URIRef
    reader: URIRef
    readerName: URIRef
    readerVersion: URIRef
    recordStatus: URIRef
    refType: URIRef
    reportedCitedByCount: URIRef
    ingestedCitedByCount: URIRef
    retracted: URIRef
    snapshotPath: URIRef
    sha256: URIRef
    subgroup: URIRef
    timepoint: URIRef
    unit: URIRef
    statistic: URIRef
    position: URIRef


PICO = Namespace("http://data.cochrane.org/ontologies/pico/")
FHIR = Namespace("http://hl7.org/fhir/")
CITO = Namespace("http://purl.org/spar/cito/")
FABIO = Namespace("http://purl.org/spar/fabio/")
PRISM = Namespace("http://prismstandard.org/namespaces/basic/2.0/")
SCHEMA = Namespace("https://schema.org/")
OA = Namespace("http://www.w3.org/ns/oa#")
NCIT = Namespace("http://purl.obolibrary.org/obo/NCIT_")
STATO = Namespace("http://purl.obolibrary.org/obo/STATO_")
MESH = Namespace("http://id.nlm.nih.gov/mesh/")
STATISTIC_TYPE = Namespace("http://terminology.hl7.org/CodeSystem/statistic-type#")
ATTRIBUTE_ESTIMATE_TYPE = Namespace("http://terminology.hl7.org/CodeSystem/attribute-estimate-type#")

#: prefix -> namespace, used to expand the CURIEs records declare and to bind prefixes.
PREFIXES: dict[str, Namespace] = {
    "kb": KB._NS,
    "pico": PICO,
    "fhir": FHIR,
    "cito": CITO,
    "fabio": FABIO,
    "prism": PRISM,
    "dcterms": Namespace(str(DCTERMS)),
    "schema": SCHEMA,
    "prov": Namespace(str(PROV)),
    "oa": OA,
    "ncit": NCIT,
    "stato": STATO,
    "mesh": MESH,
    "foaf": Namespace(str(FOAF)),
    "rdf": Namespace(str(RDF)),
    "rdfs": Namespace(str(RDFS)),
    "owl": Namespace(str(OWL)),
    "skos": Namespace(str(SKOS)),
    "xsd": Namespace(str(XSD)),
    "sh": Namespace(str(SH)),
}


def expand(curie: str) -> URIRef:
    """'dcterms:title' -> full IRI; a ``kb:`` CURIE goes through the closed namespace."""
    prefix, _, local = curie.partition(":")
    if prefix == "kb":
        return URIRef(getattr(KB, local))
    if prefix not in PREFIXES:
        raise KeyError(f"unknown prefix in {curie!r}")
    return URIRef(PREFIXES[prefix][local])
