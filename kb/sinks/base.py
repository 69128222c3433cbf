"""The sink protocol: what the pipeline hands every store, one bounded batch of articles at a time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from kb.records.models import Citation, EvidenceRecord
from kb.sinks.sql.tables import BuildRow


@dataclass(frozen=True)
class Entry:
    """One PMID of the knowledge base, merged and extracted, with the links it makes.

    ``record`` is None for a PMID known only as the citing end of links (an article that cites
    one of ours but was not ingested itself): its links are still stored, in its own graph.
    """

    pmid: str
    record: EvidenceRecord | None
    #: the live citation links this PMID makes (deleted articles excluded), sorted
    citations: tuple[Citation, ...] = ()
    #: how many articles of this knowledge base cite it (live links)
    cited_by_ingested: int = 0


class Sink(Protocol):
    """A store the pipeline writes into: entries arrive in a fixed order, then ``close`` once.

    A sink holds no more than one batch in memory; anything it needs across the corpus
    (indexes, statistics, exports) it builds in ``close`` from what it has written.
    On failure the pipeline abandons the whole temporary build folder, so a sink needs no undo.
    """

    name: str

    def write(self, batch: Sequence[Entry]) -> None: ...

    def close(self, build: BuildRow) -> None: ...
