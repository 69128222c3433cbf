"""The on-disk Oxigraph store of a build (``OUT/oxigraph/``): loading it and opening it read-only."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox

from kb.errors import KBError

#: Folder of the Oxigraph store inside a build output.
LOCATION = "oxigraph"

#: RDF file suffix -> pyoxigraph format, for the files a build writes.
FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
}


class StoreError(KBError):
    """The store cannot be loaded or opened; names the folder or file."""


def location(out: Path) -> Path:
    """Where a build output keeps its Oxigraph store."""
    return out / LOCATION


def load(source: Path, target: Path, *, lenient: bool = False) -> int:
    """Bulk-load an RDF file into a fresh on-disk store at ``target``; returns the number of quads.

    Triples go into the default graph (the same graph ``kb.ttl`` holds, so rdflib and Oxigraph
    answer the same questions); a quad file keeps its named graphs. ``lenient`` skips Oxigraph's
    IRI validation (about a sixth of the load): only for files this package wrote from rdflib
    terms, which were validated when made.
    """
    fmt = FORMATS.get(source.suffix)
    if fmt is None:
        raise StoreError(
            f"{source}: cannot load files of type {source.suffix!r} (known: {', '.join(FORMATS)})"
        )
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    try:
        return _bulk_load(source, target, fmt, lenient)
    except SyntaxError as exc:
        shutil.rmtree(target)  # half a store is worse than none: readers would trust it
        raise StoreError(f"{source}: not valid {fmt.name}: {exc}") from None
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise


def _bulk_load(source: Path, target: Path, fmt: ox.RdfFormat, lenient: bool) -> int:
    # The handle is dropped on return, before the build folder is renamed into place
    # (RocksDB closes when the Store is freed).
    store = ox.Store(str(target))
    store.bulk_load(path=str(source), format=fmt, lenient=lenient)
    store.flush()
    store.optimize()
    return len(store)


def open_read_only(target: Path) -> ox.Store:
    """Open a built store for queries; several readers (and ``oxigraph serve-read-only``) may share it."""
    if not (target / "CURRENT").is_file():
        raise StoreError(f"{target}: no Oxigraph store here; run `kb build` first")
    try:
        return ox.Store.read_only(str(target))
    except OSError as exc:
        raise StoreError(f"{target}: cannot open the Oxigraph store: {exc}") from None
