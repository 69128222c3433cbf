"""The reader protocol, the items readers yield, and the errors they raise."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, ClassVar, Protocol, runtime_checkable

from kb.errors import KBError
from kb.records.models import Article, Citation, Deletion, Record


class Skipped(Record):
    """A record a reader could not read; the rest of the file is still ingested."""

    path: str
    line: int | None = None
    pmid: str | None = None
    reason: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        who = f" (PMID {self.pmid})" if self.pmid else ""
        return f"{where}{who}: skipped: {self.reason}"


#: What a reader yields: bibliographic records, citation links, deletions, skip notices.
SourceItem = Article | Citation | Deletion | Skipped


class SourceError(KBError):
    """A snapshot that cannot be read at all; names the file and, where known, the line."""

    def __init__(self, path: Path | str, message: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {message}")


@runtime_checkable
class Reader(Protocol):
    """Turns one snapshot file into raw records; no interpretation of the content."""

    name: ClassVar[str]
    version: ClassVar[str]
    description: ClassVar[str]

    def read(self, path: Path) -> Iterator[SourceItem]: ...


# Byte-order marks, longest first (a UTF-32-LE mark starts like a UTF-16-LE one).
_BOMS = (
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xfe\xff", "utf-16"),
    (b"\xff\xfe", "utf-16"),
)
# Without a mark, the first characters of an XML document ('<?' or '<') tell the width
# (XML 1.0 Appendix F); other text is UTF-16 when every other byte is NUL.
_BOMLESS = (
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<\x00", "utf-16-be"),
    (b"<\x00", "utf-16-le"),
)
_SNIFF = 512


def text_encoding(head: bytes) -> str:
    """The Python codec of a text snapshot from its first bytes: a BOM, then NUL patterns, else UTF-8."""
    for mark, codec in (*_BOMS, *_BOMLESS):
        if head.startswith(mark):
            return codec
    sample = head[:_SNIFF]
    if len(sample) >= 4:
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        half = len(sample) // 2
        if odd > half * 0.4 and even < half * 0.1:
            return "utf-16-le"
        if even > half * 0.4 and odd < half * 0.1:
            return "utf-16-be"
    return "utf-8-sig"  # also reads UTF-8 without a BOM


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def open_regular(path: Path) -> BinaryIO:
    """Open a snapshot for reading, refusing anything but a regular file (after symlinks).

    The open is non-blocking, then checked with fstat: opening a FIFO for reading would
    otherwise wait forever for a writer, and a stat-then-open check could be raced.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise SourceError(path, "file not found") from None
    except IsADirectoryError:
        raise SourceError(path, "is a directory, not a file") from None
    except OSError as exc:
        raise SourceError(path, f"cannot open: {exc.strerror or exc}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise SourceError(path, "is a directory, not a file")
        raise SourceError(path, f"is {_kind(mode)}, not a regular file; only files are read")
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def read_text(path: Path, *, allow_empty: bool = False) -> str:
    """Read a text snapshot (UTF-8, or UTF-16/32 by BOM or NUL pattern), with errors naming the file."""
    with open_regular(path) as fh:
        data = fh.read()
    if not data.strip() and not allow_empty:
        raise SourceError(path, "file is empty")
    codec = text_encoding(data)
    try:
        text = data.decode(codec)  # a BOM is an encoding mark, not text
    except UnicodeDecodeError as exc:
        line = data[: exc.start].decode(codec, errors="replace").count("\n") + 1
        name = "UTF-8" if codec == "utf-8-sig" else codec.upper()
        raise SourceError(path, f"not valid {name} (byte {exc.start})", line=line) from None
    if not text.strip("\ufeff\x00 \t\r\n") and not allow_empty:
        raise SourceError(path, "file is empty")
    return text
