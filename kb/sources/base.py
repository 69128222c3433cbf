"""The reader protocol, the items readers yield, and the errors they raise."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar, Protocol, runtime_checkable

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


def read_text(path: Path, *, allow_empty: bool = False) -> str:
    """Read a UTF-8 text snapshot (a leading BOM dropped), with errors that name the file."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(path, "file not found") from None
    except IsADirectoryError:
        raise SourceError(path, "is a directory, not a file") from None
    if not data.strip() and not allow_empty:
        raise SourceError(path, "file is empty")
    try:
        return data.decode("utf-8-sig")  # a BOM is an encoding mark, not text
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceError(path, f"not valid UTF-8 (byte {exc.start})", line=line) from None
