"""The published schema, generated from ``kb.records.models`` and the SQL tables, never written by hand.

``kb schema export`` writes ``schema/``: the ``kb:`` ontology (kb.ttl), SHACL shapes (shapes.ttl),
a JSON-LD context, the JSON Schema of the ``kb extract`` object and the SQLite DDL. The shapes are
also built in memory (``shapes_graph``) so ``kb check`` works from an installed package; a test
fails when the committed files differ from what this module generates.
"""

from __future__ import annotations

import json
import re
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen
from pydantic.fields import FieldInfo
from rdflib import DCTERMS, OWL, RDF, RDFS, SH, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import VANN

from kb import __version__
from kb.records import ids
from kb.records.models import (
    AbstractSection,
    Article,
    Author,
    Check,
    Citation,
    CommentCorrection,
    Extraction,
    Intervention,
    Measurement,
    Population,
    Provenance,
    Record,
    Snapshot,
    Span,
    Study,
)
from kb.records.vocab import (
    FABIO,
    FHIR,
    KB,
    KB_COMMENTS,
    KB_SIGNATURES,
    KB_SUBCLASS_OF,
    OA,
    PICO,
    PREFIXES,
    SCHEMA,
    curie,
    expand,
)
from kb.sinks.rdf.graph import FieldRdf, Step, datatype, field_rdf, model_types

#: The records published as RDF nodes, in the order their shapes are listed.
MODELS: tuple[type[Record], ...] = (
    Article,
    Author,
    AbstractSection,
    CommentCorrection,
    Citation,
    Study,
    Population,
    Intervention,
    Measurement,
    Span,
    Check,
    Snapshot,
    Provenance,
)
ONTOLOGY = URIRef(str(KB._NS).rstrip("#"))
SHAPES = Namespace(ids.BASE + "shapes#")
FILES = ("kb.ttl", "shapes.ttl", "context.jsonld", "extraction.schema.json", "kb.sql")


@dataclass(frozen=True)
class Extra:
    """A constraint on structure the RDF sink adds beyond the field paths (annotation links, FHIR nodes)."""

    model: type[Record]
    name: str
    path: tuple[URIRef, ...]
    min_count: int = 0
    max_count: int | None = 1
    cls: URIRef | None = None
    datatype: URIRef | None = None
    description: str = ""


EXTRAS: tuple[Extra, ...] = (
    Extra(
        Measurement, "fhir-statistic", (FHIR.statistic,), 1, 1, description="the FHIR Evidence.statistic node"
    ),
    Extra(Measurement, "population", (PICO.population,), 1, 1, cls=PICO.Population),
    Extra(Measurement, "source", (expand("prov:wasDerivedFrom"),), 1, 1, cls=FABIO.JournalArticle),
    Extra(
        Span,
        "body",
        (OA.hasBody,),
        1,
        1,
        cls=KB.Measurement,
        description="the measurement read from the span",
    ),
    Extra(Span, "motivation", (OA.motivatedBy,), 1, 1),
    Extra(Span, "target", (OA.hasTarget,), 1, 1, cls=OA.SpecificResource),
    Extra(
        Span,
        "source",
        (OA.hasTarget, OA.hasSource),
        1,
        1,
        cls=FABIO.JournalArticle,
        description="the article whose dcterms:abstract the offsets count into",
    ),
    Extra(Span, "prefix", (OA.hasTarget, OA.hasSelector, OA.prefix), 1, 1, datatype=XSD.string),
    Extra(Span, "suffix", (OA.hasTarget, OA.hasSelector, OA.suffix), 1, 1, datatype=XSD.string),
)


def label(name: str) -> str:
    """'numberOfEvents' -> 'number of events'."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).lower()


def primary_type(model: type[Record]) -> URIRef:
    types = model_types(model)
    if not types:
        raise ValueError(f"{model.__name__} declares no rdf_type")
    return types[0]


def published(model: type[Record]) -> Iterator[tuple[str, FieldInfo, FieldRdf]]:
    for name, info in model.model_fields.items():
        spec = field_rdf(model, name)
        if spec is not None:
            yield name, info, spec


def item_model(model: type[Record], field: str) -> type[Record] | None:
    """The record class a field holds (directly or in a list), if any."""
    ann = model.model_fields[field].annotation
    for arg in (ann, *typing.get_args(ann)):
        for inner in (arg, *typing.get_args(arg)):
            if isinstance(inner, type) and issubclass(inner, Record):
                return inner
    return None


def value_range(model: type[Record], field: str, spec: FieldRdf) -> URIRef:
    """What the last step of a field's path points at: a datatype or a class."""
    nested = item_model(model, field)
    if nested is not None:
        return primary_type(nested)
    if spec.ref == "pubmed":
        return FABIO.JournalArticle
    if spec.concept:
        return SCHEMA.MedicalCode
    return datatype(model, field) or RDFS.Literal


# -- the ontology ---------------------------------------------------------------------------------


def ontology_graph() -> Graph:
    """The ``kb:`` vocabulary as OWL: every term with label, comment, domain and range."""
    g = _graph()
    g.add((ONTOLOGY, RDF.type, OWL.Ontology))
    g.add((ONTOLOGY, RDFS.label, Literal("evidence-kb vocabulary", lang="en")))
    g.add((ONTOLOGY, DCTERMS.description, Literal((__doc__ or "").splitlines()[0], lang="en")))
    g.add((ONTOLOGY, OWL.versionInfo, Literal(__version__)))
    g.add((ONTOLOGY, VANN.preferredNamespacePrefix, Literal("kb")))
    g.add((ONTOLOGY, VANN.preferredNamespaceUri, Literal(str(KB._NS))))
    domains: dict[str, set[URIRef]] = {}
    ranges: dict[str, set[URIRef]] = {}
    for model in MODELS:
        for name, _info, spec in published(model):
            steps = spec.path
            for i, step in enumerate(steps):
                local = _kb_local(step.predicate)
                if local is None:
                    continue
                if i == 0:
                    domains.setdefault(local, set()).add(primary_type(model))
                elif i == len(steps) - 1 and spec.types:
                    domains.setdefault(local, set()).add(spec.types[0])
                rng = value_range(model, name, spec) if i == len(steps) - 1 else OWL.Thing
                ranges.setdefault(local, set()).add(rng)
    for local, (dom_curie, rng_curie) in KB_SIGNATURES.items():
        domains.setdefault(local, set()).add(expand(dom_curie))
        ranges.setdefault(local, set()).add(expand(rng_curie))
    superclasses: dict[str, set[URIRef]] = {k: {expand(v)} for k, v in KB_SUBCLASS_OF.items()}
    for model in MODELS:
        first, *others = model_types(model)
        if _kb_local(first) is not None:
            superclasses.setdefault(str(_kb_local(first)), set()).update(others)
    for local in sorted(KB.__annotations__):
        term = URIRef(KB[local])
        if local not in KB_COMMENTS:
            raise ValueError(f"kb:{local} has no comment in kb.records.vocab.KB_COMMENTS")
        g.add((term, RDFS.label, Literal(label(local), lang="en")))
        g.add((term, RDFS.comment, Literal(KB_COMMENTS[local], lang="en")))
        g.add((term, RDFS.isDefinedBy, ONTOLOGY))
        if local[0].isupper():
            g.add((term, RDF.type, OWL.Class))
            for sup in superclasses.get(local, ()):
                g.add((term, RDFS.subClassOf, sup))
            continue
        if local not in ranges:
            raise ValueError(
                f"kb:{local} is declared in kb.records.vocab.KB but no record field or the RDF sink uses it"
            )
        literal_range = all(str(r).startswith(str(XSD)) or r == RDFS.Literal for r in ranges[local])
        g.add((term, RDF.type, OWL.DatatypeProperty if literal_range else OWL.ObjectProperty))
        for key, values in ((RDFS.domain, domains.get(local, set())), (RDFS.range, ranges[local])):
            values = {v for v in values if v != OWL.Thing}
            if len(values) == 1:
                g.add((term, key, next(iter(values))))
            else:  # several: schema.org's non-inferring form instead of an OWL union (no blank nodes)
                extra = SCHEMA.domainIncludes if key == RDFS.domain else SCHEMA.rangeIncludes
                for v in values:
                    g.add((term, extra, v))
    return g


def _kb_local(iri: URIRef) -> str | None:
    return str(iri)[len(str(KB._NS)) :] if str(iri).startswith(str(KB._NS)) else None


# -- the SHACL shapes -----------------------------------------------------------------------------


def shapes_graph() -> Graph:
    """SHACL shapes for every published record: counts, datatypes, classes, enums, patterns."""
    g = _graph()
    for model in MODELS:
        node = SHAPES[model.__name__]
        g.add((node, RDF.type, SH.NodeShape))
        g.add((node, SH.targetClass, primary_type(model)))
        g.add((node, RDFS.label, Literal(model.__name__)))
        g.add((node, RDFS.comment, Literal((model.__doc__ or "").strip().splitlines()[0])))
        order = 0
        for name, info, spec in published(model):
            paths = [spec.path] if not spec.parts else [spec.path + part for part in spec.parts]
            for j, path in enumerate(paths):
                suffix = f"-{spec.parts[j][0].key}" if spec.parts else ""
                prop = SHAPES[f"{model.__name__}-{name}{suffix}"]
                g.add((node, SH.property, prop))
                g.add((prop, SH.order, Literal(order)))
                order += 1
                _field_shape(g, prop, model, name, info, spec, path)
        for extra in (e for e in EXTRAS if e.model is model):
            prop = SHAPES[f"{model.__name__}-{extra.name}"]
            g.add((node, SH.property, prop))
            g.add((prop, SH.order, Literal(order)))
            order += 1
            _path(g, prop, tuple(Step(p, "") for p in extra.path))
            g.add((prop, SH.name, Literal(extra.name)))
            if extra.description:
                g.add((prop, SH.description, Literal(extra.description)))
            if extra.min_count:
                g.add((prop, SH.minCount, Literal(extra.min_count)))
            if extra.max_count is not None:
                g.add((prop, SH.maxCount, Literal(extra.max_count)))
            if extra.cls is not None:
                g.add((prop, SH["class"], extra.cls))
            if extra.datatype is not None:
                g.add((prop, SH.datatype, extra.datatype))
    return g


def _path(g: Graph, prop: URIRef, path: tuple[Step, ...]) -> None:
    if len(path) == 1:
        g.add((prop, SH.path, path[0].predicate))
        return
    head = BNode()  # a SHACL sequence path is an RDF list; Turtle prints it inline as ( ... )
    Collection(g, head, [s.predicate for s in path])
    g.add((prop, SH.path, head))


def _field_shape(
    g: Graph,
    prop: URIRef,
    model: type[Record],
    name: str,
    info: FieldInfo,
    spec: FieldRdf,
    path: tuple[Step, ...],
) -> None:
    _path(g, prop, path)
    g.add((prop, SH.name, Literal(info.alias or name)))
    if info.description:
        g.add((prop, SH.description, Literal(info.description)))
    if info.is_required():
        g.add((prop, SH.minCount, Literal(1)))
    many = typing.get_origin(_strip_optional(info.annotation)) is list
    if not many:
        g.add((prop, SH.maxCount, Literal(1)))
    nested = item_model(model, name)
    if nested is not None or spec.ref or spec.concept:
        g.add((prop, SH.nodeKind, SH.IRI))
        if nested is not None or spec.concept:
            g.add((prop, SH["class"], value_range(model, name, spec)))
        return
    dt = datatype(model, name)
    if dt is None:
        g.add((prop, SH.nodeKind, SH.Literal))
    else:
        g.add((prop, SH.datatype, dt))
    choices = _enum(info.annotation)
    if choices:
        head = BNode()
        Collection(g, head, [Literal(c) for c in choices])
        g.add((prop, SH["in"], head))
    if spec.scale is not None:
        return  # bounds are stated on the unscaled value; the published number is scaled
    for m in info.metadata:
        if isinstance(m, Ge):
            g.add((prop, SH.minInclusive, _number(m.ge)))
        elif isinstance(m, Gt):
            g.add((prop, SH.minExclusive, _number(m.gt)))
        elif isinstance(m, Le):
            g.add((prop, SH.maxInclusive, _number(m.le)))
        elif isinstance(m, Lt):
            g.add((prop, SH.maxExclusive, _number(m.lt)))
        elif isinstance(m, MinLen):
            g.add((prop, SH.minLength, Literal(m.min_length)))
        elif isinstance(m, MaxLen):
            g.add((prop, SH.maxLength, Literal(m.max_length)))
        elif hasattr(m, "pattern") and isinstance(m.pattern, str):
            g.add((prop, SH.pattern, Literal(m.pattern)))


def _number(value: object) -> Literal:
    return Literal(value) if isinstance(value, int) else Literal(str(value), datatype=XSD.decimal)


def _strip_optional(ann: object) -> object:
    args = [a for a in typing.get_args(ann) if a is not type(None)]
    return args[0] if typing.get_origin(ann) in (typing.Union, _union_type()) and len(args) == 1 else ann


def _union_type() -> object:
    import types

    return types.UnionType


def _enum(ann: object) -> list[str]:
    ann = _strip_optional(ann)
    return [str(a) for a in typing.get_args(ann)] if typing.get_origin(ann) is typing.Literal else []


# -- the JSON-LD context, JSON Schema and SQL DDL -------------------------------------------------


def context() -> dict[str, object]:
    """JSON-LD context: every prefix, and every ``kb:`` property as a short term."""
    onto = ontology_graph()
    terms: dict[str, object] = {prefix: str(ns) for prefix, ns in sorted(PREFIXES.items())}
    for local in sorted(KB.__annotations__):
        term = URIRef(KB[local])
        if local[0].isupper():
            terms[local] = {"@id": f"kb:{local}"}
            continue
        rng = list(onto.objects(term, RDFS.range))
        if (term, RDF.type, OWL.ObjectProperty) in onto:
            terms[local] = {"@id": f"kb:{local}", "@type": "@id"}
        elif len(rng) == 1 and str(rng[0]).startswith(str(XSD)) and rng[0] != XSD.string:
            terms[local] = {"@id": f"kb:{local}", "@type": curie(URIRef(str(rng[0])))}
        else:
            terms[local] = {"@id": f"kb:{local}"}
    return {"@context": terms}


def extraction_schema() -> dict[str, object]:
    """JSON Schema of the public ``kb extract`` object."""
    return Extraction.model_json_schema(by_alias=True)


def sql_ddl() -> str:
    """CREATE TABLE / CREATE INDEX statements of the SQLite store, in dependency order."""
    from sqlalchemy.dialects import sqlite
    from sqlalchemy.schema import CreateIndex, CreateTable
    from sqlmodel import SQLModel

    import kb.sinks.sql.tables  # noqa: F401  (registers the tables on SQLModel.metadata)

    dialect = sqlite.dialect()
    out = ["-- evidence-kb SQLite schema, generated from kb/sinks/sql/tables.py by `kb schema export`.", ""]
    for table in SQLModel.metadata.sorted_tables:
        out.append(str(CreateTable(table).compile(dialect=dialect)).strip() + ";")
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            out.append(str(CreateIndex(index).compile(dialect=dialect)).strip() + ";")
        out.append("")
    return "\n".join(out)


# -- files -----------------------------------------------------------------------------------------


def _graph() -> Graph:
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=True)
    g.bind("vann", VANN)
    return g


def render() -> dict[str, str]:
    """File name -> exact text of every schema file (deterministic)."""
    header = "# Generated from kb/records/models.py by `kb schema export`; do not edit.\n"
    return {
        "kb.ttl": header + ontology_graph().serialize(format="turtle"),
        "shapes.ttl": header + shapes_graph().serialize(format="turtle"),
        "context.jsonld": json.dumps(context(), indent=2, sort_keys=True) + "\n",
        "extraction.schema.json": json.dumps(
            extraction_schema(), indent=2, sort_keys=True, ensure_ascii=False
        )
        + "\n",
        "kb.sql": sql_ddl(),
    }


def export(out: Path) -> list[Path]:
    """Write every schema file into ``out`` (created if needed); returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render().items():
        path = out / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def drift(committed: Path) -> list[str]:
    """Names of the schema files in ``committed`` that differ from what the models generate."""
    return [
        name
        for name, text in render().items()
        if not (committed / name).is_file() or (committed / name).read_text(encoding="utf-8") != text
    ]
