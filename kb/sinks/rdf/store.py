"""The on-disk Oxigraph store of a build (``OUT/oxigraph/``): loading it and opening it read-only."""

from __future__ import annotations

import itertools
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


#: Line-based files are loaded this many lines at a time. Oxigraph's bulk loader buffers a whole
#: call in memory before it writes (1.64 GB peak for 2M triples in one call; 375 MB in chunks of
#: 250k lines, at the same CPU time), so chunks keep a build's peak memory flat as it grows.
CHUNK_LINES = 250_000

#: Formats whose statements never span lines, so a file can be cut between any two lines.
LINE_BASED = (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS)


def _bulk_load(source: Path, target: Path, fmt: ox.RdfFormat, lenient: bool) -> int:
    # The handle is dropped on return, before the build folder is renamed into place
    # (RocksDB closes when the Store is freed).
    store = ox.Store(str(target))
    if fmt in LINE_BASED:
        _load_in_chunks(store, source, fmt, lenient)
    else:
        store.bulk_load(path=str(source), format=fmt, lenient=lenient)
    store.flush()
    store.optimize()
    return len(store)


def _load_in_chunks(store: ox.Store, source: Path, fmt: ox.RdfFormat, lenient: bool) -> None:
    """Bulk-load a line-based file CHUNK_LINES lines at a time; errors name the file's own line."""
    first = 1
    with source.open("rb") as f:
        while lines := list(itertools.islice(f, CHUNK_LINES)):
            try:
                store.bulk_load(b"".join(lines), format=fmt, lenient=lenient)
            except SyntaxError as exc:
                raise SyntaxError(f"in lines {first}-{first + len(lines) - 1}: {exc}") from None
            first += len(lines)


def open_read_only(target: Path) -> ox.Store:
    """Open a built store for queries; several readers (and ``oxigraph serve-read-only``) may share it."""
    if not (target / "CURRENT").is_file():
        raise StoreError(f"{target}: no Oxigraph store here; run `kb build` first")
    try:
        return ox.Store.read_only(str(target))
    except OSError as exc:
        raise StoreError(f"{target}: cannot open the Oxigraph store: {exc}") from None
