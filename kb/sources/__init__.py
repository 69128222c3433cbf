"""Readers, one module per snapshot format; importing this package registers them all."""

from kb.sources import elink, europepmc, medline, plaintext, pubmed_page, pubmed_xml  # noqa: F401
from kb.sources.base import Reader, Skipped, SourceError, SourceItem
from kb.sources.registry import all_readers, get_reader

__all__ = ["Reader", "SourceError", "SourceItem", "Skipped", "all_readers", "get_reader"]
