"""Same inline question, same answer on every engine (issue 12 item 5): prefixes and JSON datatypes."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from kb.cli.app import app
from kb.query import serve
from kb.query import sparql as q
from kb.query.answer import XSD
from kb.query.render import json_value
from kb.records.vocab import PREFIXES

runner = CliRunner()
SEED = "31002989"
#: The prefixes issue 12 names; each must be declared for inline queries everywhere.
NAMED = ("kb", "pico", "cito", "fabio", "oa", "prov", "fhir", "xsd", "rdf", "rdfs", "dcterms", "schema")
#: One IRI per prefix, made from the prefix name: an engine that lacks one fails to parse.
EVERY_PREFIX = (
    f"SELECT {' '.join(f'?{p}' for p in NAMED)} WHERE {{ "
    + " ".join(f"BIND({p}:x AS ?{p})" for p in NAMED)
    + " }"
)
CITING = (
    "SELECT ?a WHERE { ?a cito:cites ?b . ?b fabio:hasPubMedId ?pmid . FILTER(?pmid = ?seed) } ORDER BY ?a"
)


@pytest.fixture(scope="module")
def endpoint(seed_kb: Path) -> Iterator[str]:
    port = serve.free_port()
    argv = [str(Path(sys.executable).parent / "kb"), "serve", "--out", str(seed_kb)]
    with serve.running([*argv, "--port", str(port)], "127.0.0.1", port) as ep:
        yield ep.url


def test_the_named_prefixes_are_the_project_ones() -> None:
    assert set(NAMED) <= set(q.WELL_KNOWN)
    assert all(q.WELL_KNOWN[p] == str(PREFIXES[p]) for p in NAMED)


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_inline_query_without_prefix_lines(seed_kb: Path, engine: str) -> None:
    got = q.ask(q.engine_for(seed_kb, engine), q.Question("inline", EVERY_PREFIX))
    assert got.names == list(NAMED)
    assert got.rows == [[str(PREFIXES[p]) + "x" for p in NAMED]]


@pytest.mark.slow
def test_same_inline_answer_on_every_engine(seed_kb: Path, endpoint: str) -> None:
    question = q.Question("inline", CITING)
    answers = [
        q.ask(q.engine_for(seed_kb, "oxigraph"), question, {"seed": SEED}),
        q.ask(q.engine_for(seed_kb, "rdflib"), question, {"seed": SEED}),
        q.ask(q.HttpEngine(endpoint), question, {"seed": SEED}),
    ]
    assert len(answers[0].rows) == 5 and all(a == answers[0] for a in answers)


@pytest.mark.slow
def test_endpoint_declares_the_prefixes_itself(endpoint: str) -> None:
    # raw protocol, no client help: the query text has no PREFIX line
    reply = httpx.get(endpoint, params={"query": EVERY_PREFIX}, headers={"Accept": "text/csv"})
    assert reply.status_code == 200, reply.text
    assert reply.text.splitlines()[1].split(",") == [str(PREFIXES[p]) + "x" for p in NAMED]


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_a_query_own_prefix_wins(seed_kb: Path, engine: str) -> None:
    text = "PREFIX kb: <https://example.org/other#> SELECT (kb:x AS ?x) WHERE { }"
    assert q.ask(q.engine_for(seed_kb, engine), q.Question("inline", text)).rows == [
        ["https://example.org/other#x"]
    ]


def test_with_prefixes_declares_only_what_is_missing() -> None:
    text = "PREFIX kb: <https://example.org/other#>\nSELECT * WHERE { ?s kb:p ?o }"
    out = q.with_prefixes(text)
    assert out.endswith("\n" + text) and "PREFIX kb:" not in out.split("\n", 1)[0]
    assert "PREFIX cito: <http://purl.org/spar/cito/>" in out.split("\n", 1)[0]


# --- JSON keeps datatypes -------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_cli_json_numbers_are_numbers(seed_kb: Path, engine: str) -> None:
    result = runner.invoke(
        app, ["sparql", "citation-coverage", "--format", "json", "--out", str(seed_kb), "--engine", engine]
    )
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)
    # PMIDs are identifiers (text in the data); counts are integers
    assert row["pmid"] == SEED and (row["reported"], row["ingested"], row["missing"]) == (31, 5, 26)


def test_cli_json_decimals_and_booleans(seed_kb: Path) -> None:
    text = 'SELECT (8.5 AS ?d) (1.0e0 AS ?f) (true AS ?b) ("8.5" AS ?s) (<https://e.org/x> AS ?i) WHERE { }'
    result = runner.invoke(app, ["sparql", text, "--format", "json", "--out", str(seed_kb)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [{"d": 8.5, "f": 1.0, "b": True, "s": "8.5", "i": "https://e.org/x"}]
    ask = runner.invoke(
        app, ["sparql", "ASK { ?s cito:cites ?o }", "--format", "json", "--out", str(seed_kb)]
    )
    assert json.loads(ask.stdout) == [{"ask": True}]


def test_json_value_loses_no_digit() -> None:
    assert json_value("45", XSD + "decimal") == 45
    assert json_value("0.1", XSD + "decimal") == 0.1
    long = "1.00000000000000000001"
    assert json_value(long, XSD + "decimal") == long  # a float would round it: kept as text
    assert json_value("NaN", XSD + "double") == "NaN" and json_value("INF", XSD + "double") == "INF"
    assert json_value("x", XSD + "integer") == "x"  # malformed stays text
    assert json_value("12", XSD + "string") == "12" and json_value(None, None) is None
