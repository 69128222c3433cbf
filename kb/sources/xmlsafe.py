"""The one safe way readers parse XML: no DTDs, no entities, no network, gzip checked to the end."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, cast

from lxml import etree

from kb.sources.base import SourceError, open_regular

# Parser settings shared by every reader (spelled out in both calls below so the type checker sees
# them). resolve_entities=False keeps entity references as inert nodes (an XXE reference is never
# fetched or expanded), load_dtd=False and no_network=True stop libxml2 from fetching the NLM DTD
# named in the DOCTYPE line (there is no network, and a remote DTD is itself an XXE vector),
# huge_tree=False keeps libxml2's size and depth limits (billion laughs is stopped by them too).
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 16


def safe_parser() -> etree.XMLParser:
    """An XMLParser with the safe settings, for small documents parsed whole (e.g. eLink results)."""
    return etree.XMLParser(
        resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False, dtd_validation=False
    )


def _is_gzip(path: Path) -> bool:
    with open_regular(path) as fh:  # refuses a FIFO (which would block) or a directory
        return fh.read(2) == _GZIP_MAGIC


@contextmanager
def open_binary(path: Path) -> Iterator[IO[bytes]]:
    """Open a snapshot for reading, decompressing gzip (by content, not only by the .gz name).

    lxml is never handed a file *name*: libxml2 would then decompress .gz files itself and
    silently stop at a truncation. Python's gzip raises at the truncation instead.
    """
    gz = _is_gzip(path)
    if path.suffix == ".gz" and not gz:
        raise SourceError(path, "named .gz but is not gzip data")
    if path.stat().st_size == 0:
        raise SourceError(path, "file is empty")
    fh = cast(IO[bytes], gzip.open(path, "rb") if gz else path.open("rb"))
    with fh:
        yield fh


def _drain(path: Path, fh: IO[bytes]) -> None:
    """Read to the end so a gzip trailer (CRC, length) is checked even after the XML has ended."""
    while fh.read(_CHUNK):
        pass


def _explain(path: Path, exc: etree.XMLSyntaxError) -> SourceError:
    """Turn a libxml2 error into a SourceError that names the file and says what is wrong."""
    msg = str(exc.msg or exc)
    line = exc.lineno or None
    low = msg.lower()
    if "utf-8" in low or "encoding" in low or "char out of allowed range" in low:
        return SourceError(path, f"not valid UTF-8 text (or not the declared encoding): {msg}", line=line)
    if "amplification" in low or "entity" in low:
        return SourceError(path, f"refused: XML entity declarations or references ({msg})", line=line)
    if "document is empty" in low or "start tag expected" in low:
        return SourceError(path, f"not an XML document: {msg}", line=line)
    return SourceError(path, f"malformed XML: {msg}", line=line)


def _refuse_entities(path: Path, root: etree._Element) -> None:
    """PubMed XML never declares entities; any declaration (XXE, billion laughs) is refused."""
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is None:
        return
    # lxml-stubs lacks DTD.iterentities (lxml has had it since 2.x)
    names = [str(e.name) for e in dtd.iterentities()]  # type: ignore[attr-defined]
    if names:
        raise SourceError(
            path,
            f"refused: the DOCTYPE declares entities ({', '.join(sorted(names)[:5])}); "
            "external and nested entities are never resolved",
            line=line_of(root),
        )


def iter_records(path: Path, roots: frozenset[str]) -> Iterator[tuple[str, etree._Element]]:
    """Stream the children of the root element as (root tag, child), freeing each after use.

    The caller must finish with a child before asking for the next one: it is cleared and
    detached from the tree when the generator resumes, so memory stays flat on large files.
    Raises SourceError for anything that keeps the file from being read as a whole.
    """
    with open_binary(path) as fh:
        context = etree.iterparse(
            fh,
            events=("start", "end"),
            resolve_entities=False,
            load_dtd=False,
            no_network=True,
            huge_tree=False,
            dtd_validation=False,
        )
        depth = 0
        root: etree._Element | None = None
        try:
            for event, elem in context:
                if event == "start":
                    if depth == 0:
                        root = elem
                        _refuse_entities(path, elem)
                        if not isinstance(elem.tag, str) or elem.tag not in roots:
                            raise SourceError(
                                path,
                                f"unexpected root element <{elem.tag}> (expected one of "
                                f"{', '.join(sorted(roots))})",
                                line=line_of(elem),
                            )
                    depth += 1
                    continue
                depth -= 1
                if depth == 1 and root is not None:
                    if isinstance(elem.tag, str):  # comments and processing instructions are skipped
                        yield str(root.tag), elem
                    elem.clear(keep_tail=False)
                    while elem.getprevious() is not None:
                        del root[0]
            _drain(path, fh)
        except etree.XMLSyntaxError as exc:
            raise _explain(path, exc) from None
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise SourceError(path, f"gzip data is truncated or corrupt: {exc}") from None
        except UnicodeDecodeError as exc:
            raise SourceError(path, f"not valid UTF-8 text: {exc}") from None
        if root is None:
            raise SourceError(path, "not an XML document: no root element")


def text_of(elem: etree._Element | None) -> str:
    """All text inside an element, inline markup (<i>, <sup>, <sub>) kept as text, stripped."""
    if elem is None:
        return ""
    return "".join(str(t) for t in elem.itertext()).strip()


def line_of(elem: etree._Element) -> int | None:
    """The line an element starts on (lxml-stubs types ``sourceline`` oddly, hence the helper)."""
    line = getattr(elem, "sourceline", None)
    return line if isinstance(line, int) else None
