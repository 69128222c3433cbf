"""The schema in code: validated pydantic records; every field names its RDF predicate."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

MeasurementKind = Literal["outcome", "safety"]
ArticleStatus = Literal["full", "stub"]


def rdf(predicate: str, **extra: Any) -> dict[str, Any]:
    """Field metadata naming the RDF predicate (CURIE) a field is published under."""
    return {"rdf": predicate, **extra}


class Record(BaseModel):
    """Base of every record: strict about unknown fields so typos fail loudly."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Span(Record):
    """A verbatim piece of an abstract: ``abstract[start:end] == text``."""

    model_config = ConfigDict(json_schema_extra={"rdf_type": ["oa:Annotation"]})

    start: int = Field(
        ge=0,
        description="offset of the first character in the abstract (Unicode code points)",
        json_schema_extra=rdf(
            "oa:hasTarget@target/oa:hasSelector@position/oa:start", types=["oa:TextPositionSelector"]
        ),
    )
    end: int = Field(
        ge=0,
        description="offset just past the last character in the abstract",
        json_schema_extra=rdf(
            "oa:hasTarget@target/oa:hasSelector@position/oa:end", types=["oa:TextPositionSelector"]
        ),
    )
    text: str = Field(
        min_length=1,
        description="the verbatim text of the span",
        json_schema_extra=rdf(
            "oa:hasTarget@target/oa:hasSelector@quote/oa:exact", types=["oa:TextQuoteSelector"]
        ),
    )

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if self.end - self.start != len(self.text):
            raise ValueError(f"span {self.start}:{self.end} does not fit text {self.text!r}")
        return self


class Check(Record):
    """One arithmetic self-check of a measurement and its outcome."""

    model_config = ConfigDict(json_schema_extra={"rdf_type": ["kb:ArithmeticCheck"]})

    name: str = Field(json_schema_extra=rdf("kb:checkName"))
    ok: bool = Field(json_schema_extra=rdf("kb:checkPassed"))
    detail: str = Field(default="", json_schema_extra=rdf("rdfs:comment"))


class AbstractSection(Record):
    """A labelled part of a structured abstract, as offsets into the abstract text."""

    model_config = ConfigDict(json_schema_extra={"rdf_type": ["kb:AbstractSection"]})

    label: str | None = Field(default=None, json_schema_extra=rdf("rdfs:label"))
    category: str | None = Field(default=None, json_schema_extra=rdf("kb:nlmCategory"))
    start: int = Field(ge=0, json_schema_extra=rdf("oa:start"))
    end: int = Field(ge=0, json_schema_extra=rdf("oa:end"))


class Author(Record):
    """One author, in byline order; a collective (group) name has no personal parts."""

    model_config = ConfigDict(json_schema_extra={"rdf_type": ["foaf:Agent"]})

    name: str = Field(json_schema_extra=rdf("foaf:name"))
    last_name: str | None = Field(default=None, json_schema_extra=rdf("foaf:familyName"))
    fore_name: str | None = Field(default=None, json_schema_extra=rdf("foaf:givenName"))
    orcid: str | None = Field(default=None, json_schema_extra=rdf("kb:orcid"))
    collective: bool = Field(default=False, json_schema_extra=rdf("kb:collectiveAuthor"))


class CommentCorrection(Record):
    """A PubMed CommentsCorrections link (erratum, retraction, comment...)."""

    model_config = ConfigDict(json_schema_extra={"rdf_type": ["kb:CommentOrCorrection"]})

    ref_type: str = Field(json_schema_extra=rdf("kb:refType"))
    pmid: str | None = Field(default=None, json_schema_extra=rdf("fabio:hasPubMedId"))
    source: str | None = Field(default=None, json_schema_extra=rdf("dcterms:bibliographicCitation"))


RETRACTION_TYPES = frozenset({"RetractionIn", "Retracted Publication"})


class Article(Record):
    """Bibliographic record of one PubMed article (no interpretation of its content)."""

    model_config = ConfigDict(json_schema_extra={"rdf_type": ["fabio:JournalArticle"]})

    pmid: str = Field(pattern=r"^[0-9]{1,9}$", json_schema_extra=rdf("fabio:hasPubMedId"))
    title: str = Field(default="", json_schema_extra=rdf("dcterms:title"))
    journal: str | None = Field(default=None, json_schema_extra=rdf("prism:publicationName"))
    pub_date: str | None = Field(
        default=None,
        description="ISO 8601 date, as precise as the source: 2019, 2019-04 or 2019-04-20",
        pattern=r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$",
        json_schema_extra=rdf("dcterms:issued"),
    )
    year: int | None = Field(
        default=None, ge=1000, le=2999, json_schema_extra=rdf("fabio:hasPublicationYear")
    )
    volume: str | None = Field(default=None, json_schema_extra=rdf("prism:volume"))
    issue: str | None = Field(default=None, json_schema_extra=rdf("prism:issueIdentifier"))
    pages: str | None = Field(default=None, json_schema_extra=rdf("prism:pageRange"))
    doi: str | None = Field(default=None, json_schema_extra=rdf("prism:doi"))
    pmcid: str | None = Field(default=None, json_schema_extra=rdf("fabio:hasPubMedCentralId"))
    language: str | None = Field(default=None, json_schema_extra=rdf("dcterms:language"))
    authors: list[Author] = Field(default_factory=list, json_schema_extra=rdf("dcterms:creator"))
    publication_types: list[str] = Field(default_factory=list, json_schema_extra=rdf("kb:publicationType"))
    mesh_headings: list[str] = Field(default_factory=list, json_schema_extra=rdf("dcterms:subject"))
    keywords: list[str] = Field(default_factory=list, json_schema_extra=rdf("prism:keyword"))
    abstract: str | None = Field(default=None, json_schema_extra=rdf("dcterms:abstract"))
    sections: list[AbstractSection] = Field(default_factory=list, json_schema_extra=rdf("kb:abstractSection"))
    comments_corrections: list[CommentCorrection] = Field(
        default_factory=list, json_schema_extra=rdf("kb:commentOrCorrection")
    )
    cited_by_count: int | None = Field(
        default=None,
        ge=0,
        description="how many citing articles the source reports (not how many are ingested)",
        json_schema_extra=rdf("kb:reportedCitedByCount"),
    )
    version: int = Field(default=1, ge=1, json_schema_extra=rdf("kb:pubmedVersion"))
    revised: str | None = Field(default=None, json_schema_extra=rdf("dcterms:modified"))
    status: ArticleStatus = Field(
        default="full",
        description="'stub' when known only from another article's citing list",
        json_schema_extra=rdf("kb:recordStatus"),
    )

    @property
    def retracted(self) -> bool:
        """True when PubMed links a retraction notice or types this as retracted."""
        return any(c.ref_type in RETRACTION_TYPES for c in self.comments_corrections) or (
            "Retracted Publication" in self.publication_types
        )


class Citation(Record):
    """A citing article -> cited article link and where the link was read."""

    model_config = ConfigDict(json_schema_extra={"rdf_type": ["cito:Citation"]})

    citing: str = Field(
        pattern=r"^[0-9]{1,9}$",
        description="PMID of the citing article",
        json_schema_extra=rdf("cito:hasCitingEntity", ref="pubmed"),
    )
    cited: str = Field(
        pattern=r"^[0-9]{1,9}$",
        description="PMID of the cited article",
        json_schema_extra=rdf("cito:hasCitedEntity", ref="pubmed"),
    )
    origin: str = Field(
        description="how the link is known, e.g. 'pubmed-page', 'elink:pubmed_pubmed_citedin'",
        json_schema_extra=rdf("kb:linkOrigin"),
    )


class Deletion(Record):
    """A MEDLINE DeleteCitation entry: the article must leave the knowledge base."""

    pmid: str = Field(pattern=r"^[0-9]{1,9}$")


class Study(Record):
    """Design labels and size of the study an abstract reports."""

    model_config = ConfigDict(json_schema_extra={"rdf_type": ["schema:MedicalTrial"]})

    design: list[str] = Field(default_factory=list, json_schema_extra=rdf("schema:trialDesign"))
    n: int | None = Field(default=None, ge=0, json_schema_extra=rdf("pico:numberOfParticipants"))


class Population(Record):
    """Who was studied: condition, size, characteristics."""

    model_config = ConfigDict(json_schema_extra={"rdf_type": ["pico:Population"]})

    n: int | None = Field(default=None, ge=0, json_schema_extra=rdf("pico:numberOfParticipants"))
    condition: str | None = Field(
        default=None,
        description="the condition studied, as worded in the abstract",
        json_schema_extra=rdf(
            "schema:healthCondition@condition/rdfs:label", types=["pico:Condition", "schema:MedicalCondition"]
        ),
    )
    characteristics: list[str] = Field(default_factory=list, json_schema_extra=rdf("kb:characteristic"))


class Intervention(Record):
    """A drug or procedure given, with its class and regimen where stated."""

    model_config = ConfigDict(json_schema_extra={"rdf_type": ["pico:Intervention", "schema:Drug"]})

    name: str = Field(min_length=1, json_schema_extra=rdf("schema:name"))
    drug_class: str | None = Field(default=None, alias="class", json_schema_extra=rdf("schema:drugClass"))
    regimen: str | None = Field(default=None, json_schema_extra=rdf("schema:doseSchedule"))
    code: str | None = Field(
        default=None,
        description="a vocabulary code for the drug, e.g. 'NCIT:C62528'",
        json_schema_extra=rdf("schema:code", concept=True),
    )


class Measurement(Record):
    """One reported number (outcome or safety) tied to the exact text it was read from."""

    model_config = ConfigDict(json_schema_extra={"rdf_type": ["kb:Measurement", "fhir:Evidence"]})

    kind: MeasurementKind = Field(json_schema_extra=rdf("kb:measurementKind"))
    endpoint: str = Field(min_length=1, json_schema_extra=rdf("kb:endpoint"))
    code: str | None = Field(
        default=None,
        description="a vocabulary code for the endpoint, e.g. 'NCIT:C...'",
        json_schema_extra=rdf("kb:endpointCode", concept=True),
    )
    statistic: str = Field(
        description="the statistic as the extractor names it: proportion, median, hazard ratio...",
        json_schema_extra=rdf("kb:statistic"),
    )
    numerator: int | None = Field(
        default=None,
        ge=0,
        description="number of events (patients with the outcome)",
        json_schema_extra=rdf("fhir:statistic@statistic/fhir:numberOfEvents"),
    )
    denominator: int | None = Field(
        default=None,
        ge=0,
        description="number of participants the events are counted in",
        json_schema_extra=rdf(
            "fhir:statistic@statistic/fhir:sampleSize@sample-size/fhir:numberOfParticipants"
        ),
    )
    percent: float | None = Field(
        default=None,
        description="the percentage as reported (or derived from n/N, see derived)",
        json_schema_extra=rdf("kb:percent"),
    )
    value: float | None = Field(
        default=None,
        description="the number of a median, mean or ratio",
        json_schema_extra=rdf("fhir:statistic@statistic/fhir:quantity@quantity/fhir:value"),
    )
    unit: str | None = Field(
        default=None,
        description="unit of value as written, e.g. 'months'",
        json_schema_extra=rdf("fhir:statistic@statistic/fhir:quantity@quantity/fhir:unit"),
    )
    ci: tuple[float, float] | None = Field(
        default=None,
        description="confidence interval [low, high]",
        json_schema_extra=rdf(
            "fhir:statistic@statistic/fhir:attributeEstimate@ci/fhir:range@range",
            parts=["fhir:low@low/fhir:value", "fhir:high@high/fhir:value"],
        ),
    )
    ci_level: float | None = Field(
        default=None,
        gt=0,
        lt=100,
        description="confidence level in percent (95); published as a FHIR level in 0..1 (0.95)",
        json_schema_extra=rdf("fhir:statistic@statistic/fhir:attributeEstimate@ci/fhir:level", scale="0.01"),
    )
    p_value: str | None = Field(
        default=None,
        description="as written, e.g. '<.001' or '0.03'",
        json_schema_extra=rdf("fhir:statistic@statistic/fhir:attributeEstimate@p-value/fhir:description"),
    )
    timepoint: str | None = Field(default=None, json_schema_extra=rdf("kb:timepoint"))
    grade: str | None = Field(
        default=None, pattern=r"^(<=|>=)?[1-5](-[1-5])?$", json_schema_extra=rdf("kb:grade")
    )
    grading_system: str | None = Field(default=None, json_schema_extra=rdf("kb:gradingSystem"))
    subgroup: str | None = Field(default=None, json_schema_extra=rdf("kb:subgroup"))
    arm: str | None = Field(default=None, json_schema_extra=rdf("kb:arm"))
    section: str | None = Field(default=None, json_schema_extra=rdf("kb:abstractSectionLabel"))
    evidence: Span = Field(
        description="where the number was read: a Web Annotation with quote and position selectors",
        json_schema_extra=rdf("kb:evidence"),
    )
    derived: list[str] = Field(
        default_factory=list,
        description="names of fields computed by the extractor rather than read from the text",
        json_schema_extra=rdf("kb:derivedField"),
    )
    checks: list[Check] = Field(default_factory=list, json_schema_extra=rdf("kb:check"))

    @property
    def checks_ok(self) -> bool:
        return all(c.ok for c in self.checks)


class Extraction(Record):
    """What the extractor reads from one abstract: the public ``kb extract`` JSON object."""

    pmid: str | None = None
    abstract: str = ""
    study: Study = Field(default_factory=Study)
    population: Population = Field(default_factory=Population)
    interventions: list[Intervention] = Field(default_factory=list)
    measurements: list[Measurement] = Field(default_factory=list)

    @model_validator(mode="after")
    def _spans_point_into_abstract(self) -> Extraction:
        for m in self.measurements:
            if self.abstract[m.evidence.start : m.evidence.end] != m.evidence.text:
                raise ValueError(f"evidence span {m.evidence.start}:{m.evidence.end} does not match abstract")
        return self


class Snapshot(Record):
    """A raw input file the knowledge base was built from."""

    model_config = ConfigDict(json_schema_extra={"rdf_type": ["kb:Snapshot", "prov:Entity"]})

    path: str = Field(json_schema_extra=rdf("kb:snapshotPath"))
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", json_schema_extra=rdf("kb:sha256"))
    reader: str = Field(json_schema_extra=rdf("kb:reader"))


class Provenance(Record):
    """Where a record came from and which software made it."""

    model_config = ConfigDict(json_schema_extra={"rdf_type": ["kb:ExtractionRun", "prov:Activity"]})

    snapshot: Snapshot = Field(
        description="the input file the run read the article from",
        json_schema_extra=rdf("prov:used"),
    )
    reader: str = Field(json_schema_extra=rdf("kb:readerName"))
    reader_version: str = Field(json_schema_extra=rdf("kb:readerVersion"))
    extractor: str = Field(json_schema_extra=rdf("kb:extractorName"))
    extractor_version: str = Field(json_schema_extra=rdf("kb:extractorVersion"))
    run_at: str = Field(
        description="ISO 8601 UTC time of the build run",
        json_schema_extra=rdf("prov:endedAtTime"),
    )
    note: str | None = Field(
        default=None, description="e.g. 'replaced version 1'", json_schema_extra=rdf("rdfs:comment")
    )


class EvidenceRecord(Record):
    """Everything the knowledge base holds about one article after a build."""

    article: Article
    extraction: Extraction
    provenance: Provenance
