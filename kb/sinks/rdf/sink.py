"""The streaming RDF sink: each article's named graph is spooled as it arrives; files and store at close.

Nothing holds the corpus: ``write`` turns one entry into the sorted N-Triples lines of its named
graph (``kb.sinks.rdf.graph``, the only place triples are made) and appends them to a spool
file, remembering (graph IRI, offset, length). ``close`` reads the graphs back in graph-IRI order,
so the bytes do not depend on the order entries arrived in, and writes in one pass:

* ``kb.nq``: every graph's lines with its graph IRI (one named graph per source article);
* ``kb.nt``: the union of the graphs, each triple once; a triple about a node the article owns
  (its IRI, ``article/PMID/...``, ``graph/PMID``, ``citation/PMID-...``) is in no other graph, so only
  the few shared nodes (snapshots, software agents, codes) need remembering to drop repeats;
* ``kb.ttl`` (pyoxigraph's streaming Turtle writer, with the project prefixes) and ``kb.jsonld``
  (``kb.sinks.rdf.jsonld_stream``, under the published context) from the same union triples;
* the Oxigraph store ``oxigraph/``, bulk-loaded from ``kb.nt`` into the default graph, which is the
  graph ``kb sparql`` and ``kb serve`` query (the store used to be loaded from ``kb.ttl``).

The exports are not dumped from the store: Oxigraph stores typed literals by value, so a dump
rewrites lexical forms and even datatypes (``"5"^^xsd:nonNegativeInteger`` comes back as
``xsd:integer``), which would not be the graph the records make.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from kb.errors import KBError
from kb.records import ids, schema
from kb.records.vocab import PREFIXES
from kb.sinks.base import Entry
from kb.sinks.rdf import graph as rdf
from kb.sinks.rdf import ntriples, store
from kb.sinks.rdf.jsonld_stream import JsonLdWriter
from kb.sinks.sql.tables import BuildRow

#: export format -> file name in the build folder (``kb export --format``).
FILES: dict[str, str] = {"ttl": "kb.ttl", "nt": "kb.nt", "nq": "kb.nq", "jsonld": "kb.jsonld"}


class RdfSinkError(KBError):
    """The entries cannot be written as asked (e.g. one PMID twice); names the folder and PMID."""


def article_triples(entry: Entry) -> set[rdf.Triple]:
    """The triples of one entry's named graph, exactly as ``graph.article_graphs`` makes them."""
    triples: set[rdf.Triple] = set()
    if entry.record is not None:
        rdf.add_record(triples, entry.record, entry.cited_by_ingested)
    for c in entry.citations:
        rdf.add_citation(triples, c)
    return triples


def owned_prefixes(pmid: str) -> tuple[str, ...]:
    """N-Triples line starts of the subjects only this PMID's graph has triples about."""
    under = str(ids.extraction_run(pmid)).removesuffix("extraction")
    citations = str(ids.citation(pmid, pmid)).rpartition("-")[0]
    return (f"<{ids.article(pmid)}> ", f"<{under}", f"<{ids.graph(pmid)}> ", f"<{citations}-")


class RdfSink:
    """Writes ``out/kb.{nq,nt,ttl,jsonld}`` and ``out/oxigraph/`` from entries (see the module doc).

    ``triples`` (the union) and ``quads`` are counted at ``close``. ``load_store=False`` skips
    the Oxigraph store (``kb export`` when only files are asked for).
    """

    name = "rdf"

    def __init__(self, out: Path, *, load_store: bool = True) -> None:
        self.out = out
        self.load_store = load_store
        out.mkdir(parents=True, exist_ok=True)
        self._spool_path = out / f".rdf-spool.{os.getpid()}.nt"
        self._spool: IO[bytes] | None = self._spool_path.open("wb")
        self._index: list[tuple[str, str, int, int]] = []  # (graph IRI, pmid, offset, length)
        self._pmids: set[str] = set()
        self._offset = 0
        self.triples = 0
        self.quads = 0

    def write(self, batch: Sequence[Entry]) -> None:
        if self._spool is None:
            raise RdfSinkError(f"{self.out}: the RDF sink is closed")
        for entry in batch:
            if entry.pmid in self._pmids:
                raise RdfSinkError(f"{self.out}: PMID {entry.pmid} was handed to the RDF sink twice")
            self._pmids.add(entry.pmid)
            data = "".join(line + "\n" for line in ntriples.lines(article_triples(entry))).encode()
            self._spool.write(data)
            self._index.append((str(ids.graph(entry.pmid)), entry.pmid, self._offset, len(data)))
            self._offset += len(data)

    def close(self, build: BuildRow | None = None) -> None:
        """Write the four files (atomically, each renamed into place) and load the store."""
        if self._spool is None:
            return
        self._spool.close()
        self._spool = None
        tmp = {fmt: self.out / f".{name}.{os.getpid()}.tmp" for fmt, name in FILES.items()}
        try:
            self._write_files(tmp)
            for fmt, path in tmp.items():
                os.replace(path, self.out / FILES[fmt])
        finally:
            for path in tmp.values():
                path.unlink(missing_ok=True)
            self._spool_path.unlink(missing_ok=True)
        if self.load_store:
            store.load(self.out / FILES["nt"], store.location(self.out), lenient=True)

    def _write_files(self, tmp: dict[str, Path]) -> None:
        self._index.sort()
        with (
            self._spool_path.open("rb") as spool,
            tmp["nq"].open("wb") as nq,
            tmp["nt"].open("wb") as nt,
            tmp["jsonld"].open("wb") as jsonld,
        ):
            writer = JsonLdWriter(jsonld, schema.context()["@context"])  # type: ignore[arg-type]
            for union in self._graphs(spool, nq):
                nt.write("".join(line + "\n" for line in union).encode("utf-8"))
                for line in union:
                    writer.add(line)
            writer.close()
        # pyoxigraph's streaming Turtle writer groups the subjects and predicates the sorted
        # lines keep together; parsing does not touch lexical forms (only a store would).
        prefixes = {prefix: str(ns) for prefix, ns in sorted(PREFIXES.items())}
        triples = ox.parse(path=str(tmp["nt"]), format=ox.RdfFormat.N_TRIPLES)
        ox.serialize(triples, str(tmp["ttl"]), ox.RdfFormat.TURTLE, prefixes=prefixes)

    def _graphs(self, spool: IO[bytes], nq: IO[bytes]) -> Iterator[list[str]]:
        """Write kb.nq graph by graph; yield each graph's lines not already in the union."""
        shared: set[str] = set()  # lines about nodes several graphs describe, written once
        for graph, pmid, offset, length in self._index:
            spool.seek(offset)
            lines = spool.read(length).decode("utf-8").splitlines()
            suffix = f" <{graph}> .\n"
            nq.write("".join(line[:-2] + suffix for line in lines).encode("utf-8"))
            owned = owned_prefixes(pmid)
            union = []
            for line in lines:
                if line.startswith(owned):
                    union.append(line)
                elif line not in shared:
                    shared.add(line)
                    union.append(line)
            self.quads += len(lines)
            self.triples += len(union)
            yield union
