"""schema/ is generated from the models: the committed files must equal a fresh `kb schema export`."""

from __future__ import annotations

import json
from pathlib import Path

from rdflib import OWL, RDF, RDFS, SH, Graph, URIRef
from rdflib.compare import isomorphic
from typer.testing import CliRunner

from kb.cli.app import app
from kb.records import schema
from kb.records.models import Extraction
from kb.records.vocab import KB
from kb.sinks.rdf import graph as rdf
from tests.seed_records import seed_records

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "schema"


def test_committed_schema_matches_the_models(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["schema", "export", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for name in schema.FILES:
        fresh = (tmp_path / name).read_text(encoding="utf-8")
        committed = COMMITTED / name
        assert committed.is_file(), f"schema/{name} is missing: run `kb schema export`"
        assert committed.read_text(encoding="utf-8") == fresh, (
            f"schema/{name} differs from what kb/records/models.py generates: run `kb schema export`"
        )


def test_drift_detects_an_edited_file(tmp_path: Path) -> None:
    schema.export(tmp_path)
    assert schema.drift(tmp_path) == []
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(shapes.read_text(encoding="utf-8").replace("sh:minCount 1", "sh:minCount 0", 1))
    assert schema.drift(tmp_path) == ["shapes.ttl"]


def test_shapes_in_the_package_equal_the_file() -> None:
    """kb check uses the in-memory shapes (an installed package has no schema/ folder)."""
    assert isomorphic(schema.shapes_graph(), Graph().parse(COMMITTED / "shapes.ttl", format="turtle"))


def test_extraction_schema_is_the_models_json_schema() -> None:
    data = json.loads((COMMITTED / "extraction.schema.json").read_text(encoding="utf-8"))
    assert data == Extraction.model_json_schema(by_alias=True)
    assert "class" in data["$defs"]["Intervention"]["properties"]  # the public alias, not drug_class


def test_every_kb_term_used_in_the_graph_is_in_the_ontology() -> None:
    onto = Graph().parse(COMMITTED / "kb.ttl", format="turtle")
    declared = {s for s in onto.subjects(RDFS.isDefinedBy, None)}
    assert declared == {URIRef(KB[t]) for t in KB.__annotations__}
    for term in declared:  # every term is documented
        assert onto.value(term, RDFS.label) is not None and onto.value(term, RDFS.comment) is not None
    g = rdf.build_graph(*seed_records())
    used = {p for p in g.predicates() if str(p).startswith(str(KB._NS))}
    used |= {o for o in g.objects(None, RDF.type) if str(o).startswith(str(KB._NS))}
    assert used and used <= declared


def test_field_metadata_becomes_shape_constraints() -> None:
    shapes = schema.shapes_graph()
    kind = URIRef(schema.SHAPES["Measurement-kind"])
    assert shapes.value(kind, SH.minCount).toPython() == 1  # type: ignore[union-attr]
    assert shapes.value(kind, SH.maxCount).toPython() == 1  # type: ignore[union-attr]
    enum = shapes.value(kind, SH["in"])
    assert {str(v) for v in shapes.items(enum)} == {"outcome", "safety"}  # type: ignore[arg-type]
    authors = URIRef(schema.SHAPES["Article-authors"])
    assert shapes.value(authors, SH.maxCount) is None  # a list field is multi-valued
    onto = schema.ontology_graph()
    assert (KB.percent, RDF.type, OWL.DatatypeProperty) in onto
    assert (KB.check, RDF.type, OWL.ObjectProperty) in onto
