"""Reader for a plain-text abstract (``.txt``): the whole file is the abstract of one article."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from kb.records.models import Article
from kb.sources.base import SourceItem, read_text
from kb.sources.registry import register

#: The PMID given to an abstract whose file name carries none. No PubMed record has PMID 0,
#: and ``Article`` requires a PMID, so ``kb extract`` turns this placeholder back into null.
NO_PMID = "0"


def pmid_from_name(path: Path) -> str | None:
    """The digits of the file name (without extension) when they form a PMID (1-9 digits), else None."""
    digits = "".join(c for c in path.stem if "0" <= c <= "9").lstrip("0")
    return digits if 0 < len(digits) <= 9 else None


@register
class PlainTextReader:
    """A ``.txt`` file holding only an abstract; the PMID comes from the file name's digits."""

    name: ClassVar[str] = "text"
    version: ClassVar[str] = "1.0"
    description: ClassVar[str] = "plain-text abstract (.txt); PMID from the file name's digits"

    def read(self, path: Path) -> Iterator[SourceItem]:
        text = read_text(path, allow_empty=True)
        # Trailing whitespace (the file's final newline) is dropped; leading text is kept so that
        # evidence offsets are offsets into the file. An empty file is an article without abstract.
        abstract = text.rstrip()
        yield Article(pmid=pmid_from_name(path) or NO_PMID, abstract=abstract or None)
