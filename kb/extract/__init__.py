"""Evidence extraction: pure functions from an article's abstract to typed records."""

from __future__ import annotations

import logging

from kb.extract import study as _study
from kb.extract.assemble import Context, assemble, collect_denominators, group_sizes, prevented_endpoints
from kb.extract.text import (
    background_sentences,
    find_sections,
    methods_sentences,
    sections_fit,
    split_sentences,
)
from kb.records.models import Article, Extraction, Measurement

NAME = "kb.extract"
VERSION = "1.2.1"

_log = logging.getLogger(__name__)


def extract(article: Article) -> Extraction:
    """Read study, population, interventions and measurements from the article's abstract."""
    text = article.abstract or ""
    if not text.strip():
        return Extraction(pmid=article.pmid, abstract=text)
    if not sections_fit(text, article.sections):
        # Offsets from another version of the text: one such record should not stop a build, and the
        # text's own labels still say where the results are (find_sections reads them instead).
        _log.warning(
            "PMID %s: abstract sections lie outside its %d characters; reading labels from the text",
            article.pmid,
            len(text),
        )
    sections = find_sections(text, article.sections)
    sentences = split_sentences(text, sections)
    pop_n, _ = _study.population_n(text)
    denominators, groups = collect_denominators(text)
    ctx = Context(
        text=text,
        population_n=pop_n,
        denominators=denominators,
        arm_groups=groups,
        sizes=group_sizes(text),
        prevented=prevented_endpoints(text, sentences),
    )
    # Unlabelled abstracts: opening background and method statements are not this study's results.
    skipped = background_sentences(sentences) | methods_sentences(sentences)
    measurements: list[Measurement] = []
    for i, s in enumerate(sentences):
        if s.section.is_results and i not in skipped:
            measurements.extend(assemble(ctx, s))
    return Extraction(
        pmid=article.pmid,
        abstract=text,
        study=_study.study(text),
        population=_study.population(text),
        interventions=_study.interventions(text),
        measurements=measurements,
    )
