"""The citation graph: citation records as a networkx DiGraph and the counts derived from it."""

from __future__ import annotations

from collections.abc import Iterable

from kb.records import Citation


def cited_by_counts(citations: Iterable[Citation]) -> dict[str, int]:
    """PMID -> how many distinct articles in the knowledge base cite it."""
    counts: dict[str, int] = {}
    for _citing, cited in {(c.citing, c.cited) for c in citations}:
        counts[cited] = counts.get(cited, 0) + 1
    return counts
