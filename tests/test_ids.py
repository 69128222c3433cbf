"""Measurement local names: readable, stable for the common case, and never two the same."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from rdflib import RDF

from kb.records import ids
from kb.records.vocab import KB
from kb.sinks.rdf import graph as rdf
from kb.sinks.sql import writer as sql
from kb.sinks.sql.tables import BuildRow
from tests.synthetic import Paper


def test_repeats_get_numbered_in_text_order() -> None:
    keys = [
        ("CR/CRh", "proportion"),
        ("CR/CRh", "proportion"),
        ("OS", "median", ""),
        ("CR/CRh", "proportion"),
    ]
    assert ids.measurement_locals(keys) == [
        "cr-crh-proportion",
        "cr-crh-proportion-2",
        "os-median",
        "cr-crh-proportion-3",
    ]


def test_a_suffix_never_takes_a_name_another_key_makes() -> None:
    keys = [("adverse event", "count"), ("adverse event", "count"), ("adverse event", "count", "2")]
    names = ids.measurement_locals(keys)
    assert len(set(names)) == len(names) == 3, names
    # The first and the bare '-2' key keep their readable names; the repeat moves out of the way.
    assert names[0] == "adverse-event-count" and names[2] == "adverse-event-count-2"
    assert names[1] == "adverse-event-count-3"


def test_many_colliding_keys_stay_unique() -> None:
    keys = [("a",), ("a-2",), ("a",), ("a-2",), ("a", "2"), ("a",), ("a-3",)]
    names = ids.measurement_locals(keys)
    assert len(set(names)) == len(names), names


def _colliding_paper() -> Paper:
    """Synthetic: three safety counts whose names collide as in the review finding."""
    abstract = "Adverse events: 4 patients overall, 3 patients early, and 2 patients at week 2."
    return Paper(
        pmid="900001",
        title="Synthetic colliding measurement names",
        abstract=abstract,
        measurements=[
            {
                "kind": "safety",
                "endpoint": "adverse event",
                "statistic": "count",
                "numerator": 4,
                "quote": "4 patients",
            },
            {
                "kind": "safety",
                "endpoint": "adverse event",
                "statistic": "count",
                "numerator": 3,
                "quote": "3 patients",
            },
            {
                "kind": "safety",
                "endpoint": "adverse event",
                "statistic": "count",
                "timepoint": "2",
                "numerator": 2,
                "quote": "2 patients",
            },
        ],
    )


def test_sqlite_and_rdf_store_every_measurement_under_its_own_iri(tmp_path: Path) -> None:
    rec = _colliding_paper().record()
    names = ids.measurement_local_names(rec.extraction.measurements)
    assert names == ["adverse-event-count", "adverse-event-count-3", "adverse-event-count-2"]
    db = tmp_path / "kb.sqlite"
    row = BuildRow(
        name="t", title="t", run_at="2026-01-01T00:00:00Z", kb_version="0", manifest_sha256="0" * 64
    )
    sql.write(db, [rec], [], row)  # an IRI collision would raise sqlite3.IntegrityError here
    with sqlite3.connect(db) as con:
        stored = {iri: n for iri, n in con.execute("SELECT iri, numerator FROM measurement")}
    expected = {
        str(ids.measurement("900001", name)): m.numerator
        for name, m in zip(names, rec.extraction.measurements, strict=True)
    }
    assert stored == expected
    g = rdf.build_graph([rec], [])
    assert {str(s) for s in g.subjects(RDF.type, KB.Measurement)} == set(expected)


def test_identifiers_are_ascii_digits_only() -> None:
    # synthetic: other scripts' digits and superscripts pass str.isdigit() but are no identifier
    assert ids.is_pmid("31002989") and not ids.is_pmid("٣٤٥") and not ids.is_pmid("1234567890")
    assert ids.is_digits("0042") and not ids.is_digits("3²1") and not ids.is_digits("")
    assert ids.ascii_int(" 31 ") == 31 and ids.ascii_int("3²1") is None and ids.ascii_int("٣") is None
    assert ids.pmcid("11899621") == ids.pmcid("PMC11899621") == "PMC11899621"
    assert ids.pmcid("PMC٣٤٥") is None
    for mint in (ids.article, ids.study, ids.graph):
        with pytest.raises(ValueError, match="not a PMID"):
            mint("٣٤٥")
    with pytest.raises(ValueError, match="not a PMID"):
        ids.citation("1", "٣٤٥")
