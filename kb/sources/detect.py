"""Which reader reads a file, decided by sniffing its content (the file name is only a tie-breaker)."""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Iterator
from pathlib import Path

from kb.sources.base import SourceError, SourceItem, open_regular, text_encoding
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
# Any token after the tag: a PMID in other digits ('٣٤٥') still marks the format, and the reader
# then refuses that record by name instead of the file being read as one plain-text abstract.
_MEDLINE = re.compile(r"^PMID- *\S+\s*$", re.MULTILINE)
# A saved page has these headings alone on their lines and a "PMID <id>" overview line.
_PAGE_PMID = re.compile(r"^PMID\s+\S+\s*$", re.MULTILINE)
_XML_ROOT = re.compile(r"<(?!\?|!)([A-Za-z_][\w.-]*)")


def _head(path: Path) -> bytes:
    """The first bytes of the file, decompressed when it is gzip (checked by content)."""
    with open_regular(path) as fh:  # a FIFO or a directory is refused here, before any read
        raw = fh.read(_HEAD)
        if not raw.startswith(_GZIP_MAGIC):
            return raw
        fh.seek(0)
        try:
            with gzip.open(fh, "rb") as gz:
                return gz.read(_HEAD)
        except (OSError, EOFError, zlib.error) as exc:
            raise SourceError(path, f"unreadable gzip data: {exc}") from None


def detect_format(path: Path) -> str:
    """The registry name of the reader for ``path`` (pubmed-xml, medline, pubmed-page, text, ...)."""
    raw = _head(path)
    # UTF-16/32 text (with or without a BOM) must be decoded as such, or an XML file reads as
    # NUL-riddled plain text.
    head = raw.decode(text_encoding(raw), errors="replace").lstrip("\ufeff \t\r\n")
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
