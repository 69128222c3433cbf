"""Which reader reads a file, decided by sniffing its content (the file name is only a tie-breaker)."""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Iterator
from pathlib import Path

from kb.sources.base import SourceError, SourceItem
from kb.sources.registry import get_reader

#: Human names of the formats, for messages.
FORMATS = {
    "text": "plain-text abstract",
    "pubmed-page": "saved PubMed article page",
    "pubmed-xml": "PubMed XML",
    "medline": "MEDLINE text",
    "elink-xml": "E-utilities eLink result",
    "europepmc-json": "Europe PMC search response (JSON)",
}
_HEAD = 1 << 16  # enough bytes to see an XML root element or the first MEDLINE tags
_GZIP_MAGIC = b"\x1f\x8b"
# MEDLINE (.nbib) records: "PMID- 31002989" at the start of a line (tag padded to 4 characters).
_MEDLINE = re.compile(r"^PMID- *\d+\s*$", re.MULTILINE)
# A saved page has these headings alone on their lines and a "PMID <digits>" overview line.
_PAGE_PMID = re.compile(r"^PMID\s+\d+\s*$", re.MULTILINE)
_XML_ROOT = re.compile(r"<(?!\?|!)([A-Za-z_][\w.-]*)")


def _head(path: Path) -> bytes:
    """The first bytes of the file, decompressed when it is gzip (checked by content)."""
    try:
        with path.open("rb") as fh:
            raw = fh.read(_HEAD)
            if not raw.startswith(_GZIP_MAGIC):
                return raw
        with gzip.open(path, "rb") as gz:
            return gz.read(_HEAD)
    except FileNotFoundError:
        raise SourceError(path, "file not found") from None
    except IsADirectoryError:
        raise SourceError(path, "is a directory, not a file") from None
    except (OSError, EOFError, zlib.error) as exc:
        raise SourceError(path, f"unreadable gzip data: {exc}") from None


def detect_format(path: Path) -> str:
    """The registry name of the reader for ``path`` (pubmed-xml, medline, pubmed-page, text, ...)."""
    head = _head(path).decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if head.startswith("<"):
        root = next((m[1] for m in _XML_ROOT.finditer(head)), "")
        return "elink-xml" if root == "eLinkResult" else "pubmed-xml"
    if head.startswith("{"):
        return "europepmc-json"  # the only JSON format read; its reader rejects any other JSON
    if _MEDLINE.search(head):
        return "medline"
    lines = {line.strip() for line in head.splitlines()}
    if {"Overview", "Abstract"} <= lines and _PAGE_PMID.search(head):
        return "pubmed-page"
    return "text"


def read_any(path: Path) -> tuple[str, Iterator[SourceItem]]:
    """Detect the format of ``path`` and read it with the registered reader of that format."""
    name = detect_format(path)
    try:
        reader = get_reader(name)
    except KeyError:
        raise SourceError(
            path, f"looks like {FORMATS.get(name, name)}, but no reader {name!r} is registered yet"
        ) from None
    return name, reader.read(path)
