"""Deterministic RDF files of a build: Turtle, N-Triples, N-Quads (a graph per article) and JSON-LD.

``write_entries`` is what ``kb export`` uses: the streaming sink (``kb.sinks.rdf.sink``), the same
bytes a build writes. The in-memory functions below (``render``, ``write``) serve small graphs
and tests; ``kb build`` does not use them.

The same records always give the same bytes: rdflib's Turtle serializer sorts subjects,
predicates and objects; N-Triples and N-Quads lines are sorted here; JSON-LD nodes and values are
sorted here. Nodes have stable IRIs (no blank nodes), so sorting is enough.

Files are replaced atomically (a reader sees the old file or the new one, never half of one), and
rewriting ``kb.ttl`` in a build folder that has an Oxigraph store reloads the store from it, so
``kb sparql`` and ``kb serve`` answer over the same triples as the file.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rdflib import Dataset, Graph
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from kb.records import schema
from kb.sinks.base import Entry
from kb.sinks.rdf import graph as rdf
from kb.sinks.rdf import store
from kb.sinks.rdf.sink import FILES, RdfSink

#: --format name -> file name written into the build folder.
FORMATS: dict[str, str] = FILES
#: entries handed to the sink at a time by ``write_entries``
BATCH = 500


def turtle(g: Graph) -> str:
    return g.serialize(format="turtle")


def _sorted_lines(text: str) -> str:
    lines = sorted({line for line in text.splitlines() if line.strip()})
    return "\n".join(lines) + "\n" if lines else ""


def ntriples(g: Graph) -> str:
    return _sorted_lines(g.serialize(format="nt", encoding="utf-8").decode("utf-8"))


def nquads(ds: Dataset) -> str:
    """One named graph per source article (``kb.records.ids.graph``), graph after graph.

    Each graph's sorted N-Triples lines get the graph IRI as fourth term (a default-graph triple
    stays a triple), which is what N-Quads is. Graphs come in IRI order and each graph's lines
    together, as the streaming sink writes them, so ``kb check`` can read one graph at a time.
    """
    blocks = []
    for g in sorted(ds.graphs(), key=lambda g: str(g.identifier)):
        named = g.identifier != DATASET_DEFAULT_GRAPH_ID
        text = g.serialize(format="nt", encoding="utf-8").decode("utf-8")
        lines = sorted({line for line in text.splitlines() if line.strip()})
        blocks += [
            f"{line.rstrip().removesuffix(' .')} <{g.identifier}> ." if named else line for line in lines
        ]
    return "\n".join(blocks) + "\n" if blocks else ""


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


def replace_file(path: Path, text: str) -> None:
    """Write ``text`` next to ``path`` and rename it over ``path`` (atomic on one file system)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("xb") as f:  # "x": never write through a stale temp file; umask applies
            f.write(text.encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def reload_store(out: Path) -> Path:
    """Reload ``out``'s Oxigraph store from ``out/kb.ttl``; the old store stays if loading fails.

    The new store is loaded beside the old one and renamed into place, as ``kb build`` does with
    the whole build folder.
    """
    target = store.location(out)
    fresh, old = target.with_name(f".{target.name}.new"), target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    try:
        store.load(out / FORMATS["ttl"], fresh)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)  # half a store must not be picked up later
        raise
    if target.exists():
        target.rename(old)
    fresh.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    return target


def write_entries(
    entries: Iterable[Entry], out: Path, formats: tuple[str, ...] = tuple(FORMATS)
) -> list[Path]:
    """Write the chosen formats of ``entries`` into ``out`` through the streaming ``RdfSink``.

    The same bytes ``kb build`` writes. The sink works in a scratch folder inside ``out``; each
    file asked for is then renamed into place, and a rewritten ``kb.ttl`` reloads an existing store.
    """
    unknown = [fmt for fmt in formats if fmt not in FORMATS]
    if unknown:
        raise ValueError(f"unknown export format {unknown[0]!r} (known: {', '.join(FORMATS)})")
    scratch = out / f".export.{os.getpid()}"
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        rdf_sink = RdfSink(scratch, load_store=False)
        batch: list[Entry] = []
        for entry in entries:
            batch.append(entry)
            if len(batch) >= BATCH:
                rdf_sink.write(batch)
                batch = []
        rdf_sink.write(batch)
        rdf_sink.close()
        written = []
        for fmt in formats:
            os.replace(scratch / FORMATS[fmt], out / FORMATS[fmt])
            written.append(out / FORMATS[fmt])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if "ttl" in formats and store.location(out).is_dir():
        written.append(reload_store(out))
    return written


def write(ds: Dataset, out: Path, formats: tuple[str, ...] = tuple(FORMATS)) -> list[Path]:
    """Write the chosen formats of ``ds`` into ``out``; returns the files (and store) written.

    When ``kb.ttl`` is rewritten and ``out`` already has an Oxigraph store, the store is reloaded
    from the new file (``kb build`` loads its fresh store itself, after this).
    """
    merged = rdf.union(ds)
    written = []
    for fmt in formats:
        path = out / FORMATS[fmt]
        replace_file(path, render(ds, fmt, merged))
        written.append(path)
    if "ttl" in formats and store.location(out).is_dir():
        written.append(reload_store(out))
    return written
