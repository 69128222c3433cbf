"""The compiled shapes (kb check's SHACL) against pyshacl, on graphs broken one way at a time."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rdflib import RDF, SH, XSD, Graph, Literal, URIRef

from kb.records import ids
from kb.records.vocab import FABIO, FHIR, KB, OA, PICO
from kb.sinks.check import Violation, shacl
from kb.sinks.rdf import graph as rdf
from kb.sinks.rdf import ntriples, quads, shacl_fast
from tests import synthetic
from tests.seed_records import seed_records

Mutation = Callable[[Graph], object]


@pytest.fixture(scope="module")
def seed_graph() -> Graph:
    return rdf.build_graph(*seed_records())


def _measurement(g: Graph) -> URIRef:
    return sorted(URIRef(str(s)) for s in g.subjects(RDF.type, KB.Measurement))[0]


def _article(g: Graph) -> URIRef:
    return sorted(URIRef(str(s)) for s in g.subjects(RDF.type, FABIO.JournalArticle))[0]


def _replace(g: Graph, s: URIRef, p: URIRef, value: Literal | URIRef) -> None:
    g.remove((s, p, None))
    g.add((s, p, value))


def _statistic(g: Graph) -> URIRef:
    return next(URIRef(str(s)) for s, _ in g.subject_objects(FHIR.numberOfEvents))


MUTATIONS: dict[str, Mutation] = {
    "required value removed": lambda g: g.remove((_measurement(g), KB.endpoint, None)),
    "second value and not in the list": lambda g: g.add(
        (_measurement(g), KB.measurementKind, Literal("harm"))
    ),
    "value not in the list": lambda g: _replace(g, _measurement(g), KB.measurementKind, Literal("harm")),
    "string where a number belongs": lambda g: _replace(g, _statistic(g), FHIR.numberOfEvents, Literal("29")),
    "ill-typed number": lambda g: _replace(
        g, _statistic(g), FHIR.numberOfEvents, Literal("many", datatype=XSD.nonNegativeInteger)
    ),
    "below the minimum": lambda g: _replace(
        g, _article(g), FABIO.hasPublicationYear, Literal(999, datatype=XSD.nonNegativeInteger)
    ),
    "literal where an IRI belongs": lambda g: _replace(g, _measurement(g), PICO.population, Literal("all")),
    "IRI of the wrong class": lambda g: _replace(g, _measurement(g), PICO.population, _article(g)),
    "pattern broken": lambda g: _replace(g, _article(g), FABIO.hasPubMedId, Literal("PMID31002989")),
    "empty string": lambda g: _replace(g, _measurement(g), KB.endpoint, Literal("")),
    "quote of a span removed": lambda g: g.remove(
        (ids.step(ids.step(ids.child(_measurement(g), "evidence"), "target"), "quote"), OA.exact, None)
    ),
    "typed node left untyped by its class": lambda g: g.remove((_measurement(g), RDF.type, KB.Measurement)),
}


def _fast(g: Graph) -> list[Violation]:
    return shacl_fast.validate(quads.index(ntriples.lines(g)))


def _key(v: Violation) -> tuple[str, str, str, str]:
    return v.focus, v.path, v.component, v.value


def test_both_accept_the_graphs_the_records_make(seed_graph: Graph) -> None:
    assert shacl(seed_graph) == [] == _fast(seed_graph)
    small = rdf.build_graph(*synthetic.small())
    assert shacl(small) == [] == _fast(small)


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_compiled_shapes_give_the_violations_pyshacl_gives(seed_graph: Graph, name: str) -> None:
    g = Graph()
    g += seed_graph
    MUTATIONS[name](g)
    reference = {_key(v) for v in shacl(g)}
    fast = {_key(v) for v in _fast(g)}
    if name == "typed node left untyped by its class":
        assert reference == fast  # the measurement is no longer a focus node: neither says anything
        return
    assert reference, f"{name}: the mutation should break a shape"
    assert fast == reference, name


def test_messages_name_focus_path_and_problem(seed_graph: Graph) -> None:
    g = Graph()
    g += seed_graph
    m = _measurement(g)
    g.remove((m, KB.endpoint, None))
    (v,) = _fast(g)
    assert (v.focus, v.path, v.component) == (str(m), "kb:endpoint", "sh:MinCountConstraintComponent")
    assert "Less than 1 values" in str(v) and "path: kb:endpoint" in str(v)


def test_a_constraint_the_compiler_does_not_know_is_refused() -> None:
    g = Graph()
    shape, prop = URIRef("urn:synthetic:shape"), URIRef("urn:synthetic:prop")
    g.add((shape, SH.property, prop))
    g.add((prop, SH.path, KB.endpoint))
    g.add((prop, SH.hasValue, Literal("x")))
    with pytest.raises(ValueError, match="not supported"):
        shacl_fast._compile(g, str(KB.Measurement), prop)
