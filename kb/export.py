"""Deterministic RDF files of a build: Turtle, N-Triples, N-Quads (a graph per article) and JSON-LD.

The same records always give the same bytes: rdflib's Turtle serializer sorts subjects,
predicates and objects; N-Triples and N-Quads lines are sorted here; JSON-LD nodes and values are
sorted here. Nodes have stable IRIs (no blank nodes), so sorting is enough.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rdflib import Dataset, Graph
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from kb import rdf, schema

#: --format name -> file name written into the build folder.
FORMATS: dict[str, str] = {"ttl": "kb.ttl", "nt": "kb.nt", "nq": "kb.nq", "jsonld": "kb.jsonld"}


def turtle(g: Graph) -> str:
    return g.serialize(format="turtle")


def _sorted_lines(text: str) -> str:
    lines = sorted({line for line in text.splitlines() if line.strip()})
    return "\n".join(lines) + "\n" if lines else ""


def ntriples(g: Graph) -> str:
    return _sorted_lines(g.serialize(format="nt", encoding="utf-8").decode("utf-8"))


def nquads(ds: Dataset) -> str:
    """One named graph per source article (``kb.ids.graph``), lines sorted.

    Each graph's N-Triples lines get the graph IRI as fourth term (a default-graph triple stays a
    triple), which is what N-Quads is.
    """
    lines = []
    for g in ds.graphs():
        named = g.identifier != DATASET_DEFAULT_GRAPH_ID
        for line in g.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines():
            if line.strip():
                lines.append(f"{line.rstrip().removesuffix(' .')} <{g.identifier}> ." if named else line)
    return _sorted_lines("\n".join(lines))


def _canonical(value: Any) -> Any:
    """Sort JSON-LD node arrays by @id and value arrays by their JSON text (we use no @list)."""
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_canonical(v) for v in value]
        return sorted(
            items,
            key=lambda v: (
                (str(v.get("@id", "")), json.dumps(v, sort_keys=True))
                if isinstance(v, dict)
                else ("", json.dumps(v, sort_keys=True))
            ),
        )
    return value


def jsonld(g: Graph) -> str:
    """JSON-LD compacted with the generated context (schema/context.jsonld), nodes sorted."""
    ctx = schema.context()["@context"]
    data = json.loads(g.serialize(format="json-ld", context=ctx, auto_compact=True))
    body = {k: v for k, v in data.items() if k != "@context"}
    return (
        json.dumps({"@context": ctx, **_canonical(body)}, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    )


def render(ds: Dataset, fmt: str, merged: Graph | None = None) -> str:
    """The text of one export format of a dataset."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (known: {', '.join(FORMATS)})")
    if fmt == "nq":
        return nquads(ds)
    g = merged if merged is not None else rdf.union(ds)
    return {"ttl": turtle, "nt": ntriples, "jsonld": jsonld}[fmt](g)


def write(ds: Dataset, out: Path, formats: tuple[str, ...] = tuple(FORMATS)) -> list[Path]:
    """Write the chosen formats of ``ds`` into ``out``; returns the files written."""
    merged = rdf.union(ds)
    written = []
    for fmt in formats:
        path = out / FORMATS[fmt]
        path.write_text(render(ds, fmt, merged), encoding="utf-8")
        written.append(path)
    return written
