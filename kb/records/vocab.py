"""Namespaces: our closed ``kb:`` vocabulary and the reused ones, with their CURIE prefixes."""

from __future__ import annotations

from rdflib import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SH, SKOS, XSD, Namespace, URIRef
from rdflib.namespace import DefinedNamespace

from kb.records.ids import BASE


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
    # properties
    abstractSection: URIRef
    abstractSectionLabel: URIRef
    arm: URIRef
    characteristic: URIRef
    check: URIRef
    checkName: URIRef
    checkPassed: URIRef
    collectiveAuthor: URIRef
    commentOrCorrection: URIRef
    derivedField: URIRef
    endpoint: URIRef
    endpointCode: URIRef
    evidence: URIRef
    extractorName: URIRef
    extractorVersion: URIRef
    grade: URIRef
    gradeCode: URIRef
    gradingSystem: URIRef
    linkOrigin: URIRef
    measurementKind: URIRef
    nlmCategory: URIRef
    orcid: URIRef
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
    statistic: URIRef
    position: URIRef


#: What each ``kb:`` term means (its rdfs:comment in schema/kb.ttl); a test checks every term has one.
KB_COMMENTS: dict[str, str] = {
    "Measurement": "One reported number of an article (an FHIR R5 Evidence with one statistic), "
    "tied to the verbatim text it was read from.",
    "OutcomeMeasurement": "A measurement of an efficacy outcome.",
    "SafetyMeasurement": "A measurement of harm: adverse events, with their grade where stated.",
    "ArithmeticCheck": "One arithmetic self-check of a measurement (n/N against the percent...).",
    "AbstractSection": "A labelled part of a structured abstract, as offsets into the abstract text.",
    "Snapshot": "A raw input file the knowledge base was built from, identified by its SHA-256.",
    "ExtractionRun": "The build step that read one article from a snapshot and extracted its records.",
    "CommentOrCorrection": "A PubMed CommentsCorrections link of an article (erratum, retraction, comment).",
    "abstractSection": "Links an article to a labelled section of its abstract.",
    "abstractSectionLabel": "Label of the abstract section a measurement was read from (RESULTS...).",
    "arm": "In a comparative study, the group a measurement belongs to (or 'A vs B' for an effect).",
    "characteristic": "A stated characteristic of the studied population (e.g. 'adults').",
    "check": "Links a measurement to one of its arithmetic self-checks.",
    "checkName": "Name of an arithmetic self-check.",
    "checkPassed": "Whether an arithmetic self-check passed.",
    "collectiveAuthor": "True when the author is a group (collective) name.",
    "commentOrCorrection": "Links an article to a PubMed comment, erratum or retraction link.",
    "derivedField": "Name of a measurement field computed by the extractor rather than read from the text "
    "(e.g. 'percent' from n/N); every field not listed was reported.",
    "endpoint": "The project's canonical label of the endpoint measured (e.g. 'CR/CRh', 'overall survival').",
    "endpointCode": "A vocabulary code (schema:MedicalCode) for the endpoint.",
    "evidence": "Links a measurement to the Web Annotation that selects the text it was read from.",
    "extractorName": "Name of the extractor software of an extraction run.",
    "extractorVersion": "Version of the extractor software of an extraction run.",
    "grade": "Adverse-event grade band as written: '3', '>=3', '<=3' or '3-4'.",
    "gradeCode": "The NCIt CTCAE grade concept of a single-grade safety measurement (CTCAE or unstated "
    "grading system only).",
    "gradingSystem": "Grading system and version of a safety measurement (e.g. 'CTCAE v4.0', 'ASTCT').",
    "linkOrigin": "How a citation link is known (e.g. 'pubmed-page', 'elink:pubmed_pubmed_citedin').",
    "measurementKind": "'outcome' (efficacy) or 'safety'.",
    "nlmCategory": "NLM category of an abstract section (BACKGROUND, METHODS, RESULTS, CONCLUSIONS).",
    "orcid": "ORCID iD of an author, as given by PubMed.",
    "percent": "Percentage as reported (or derived from n/N when kb:derivedField says so).",
    "publicationType": "PubMed publication type (e.g. 'Clinical Trial, Phase II', 'Review').",
    "pubmedVersion": "PubMed version number of the record the article was read from.",
    "reader": "Name of the reader a snapshot is read with.",
    "readerName": "Name of the reader software of an extraction run.",
    "readerVersion": "Version of the reader software of an extraction run.",
    "recordStatus": "'full' for a full record, 'stub' for an article known only from a citing list.",
    "refType": "PubMed CommentsCorrections RefType (ErratumIn, RetractionIn, CommentIn...).",
    "reportedCitedByCount": "How many citing articles the source reports (not how many are ingested).",
    "ingestedCitedByCount": "How many articles in this knowledge base cite the article.",
    "retracted": "True when PubMed links a retraction notice or types the article as retracted.",
    "snapshotPath": "Path of a snapshot file, relative to its manifest.",
    "sha256": "SHA-256 of a snapshot file.",
    "subgroup": "Who the denominator is, when not the whole population (e.g. 'CR/CRh').",
    "timepoint": "Time point of a measurement as written (e.g. '2 cycles', '1 year').",
    "statistic": "The statistic as the extractor names it (proportion, median, hazard ratio...); "
    "fhir:statisticType holds its code where one is verified.",
    "position": "0-based order of an item in a list (authors, sections, checks).",
}

#: Class hierarchy among our own classes (rdfs:subClassOf); record classes add their other types.
KB_SUBCLASS_OF: dict[str, str] = {
    "OutcomeMeasurement": "kb:Measurement",
    "SafetyMeasurement": "kb:Measurement",
}

#: (domain, range) of the ``kb:`` properties kb.sinks.rdf.graph adds itself (the others are record fields).
KB_SIGNATURES: dict[str, tuple[str, str]] = {
    "gradeCode": ("kb:Measurement", "owl:Thing"),
    "retracted": ("fabio:JournalArticle", "xsd:boolean"),
    "ingestedCitedByCount": ("fabio:JournalArticle", "xsd:nonNegativeInteger"),
    "position": ("owl:Thing", "xsd:nonNegativeInteger"),
}

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
UCUM = URIRef("http://unitsofmeasure.org")

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
    "stype": STATISTIC_TYPE,
    "aetype": ATTRIBUTE_ESTIMATE_TYPE,
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


def curie(iri: URIRef) -> str:
    """The inverse of ``expand`` for the bound prefixes (longest namespace wins); else the IRI."""
    best = ""
    for prefix, ns in PREFIXES.items():
        if str(iri).startswith(str(ns)) and len(str(ns)) > len(str(PREFIXES.get(best, ""))):
            best = prefix
    return f"{best}:{str(iri)[len(str(PREFIXES[best])) :]}" if best else str(iri)
