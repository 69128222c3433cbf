"""Evidence extraction: pure functions from an article's abstract to typed records."""

from __future__ import annotations

from kb.extract import study as _study
from kb.extract.assemble import Context, assemble, collect_denominators, group_sizes, prevented_endpoints
from kb.extract.text import background_sentences, find_sections, methods_sentences, split_sentences
from kb.records.models import Article, Extraction, Measurement

NAME = "kb.extract"
VERSION = "1.2.0"


def extract(article: Article) -> Extraction:
    """Read study, population, interventions and measurements from the article's abstract."""
    text = article.abstract or ""
    if not text.strip():
        return Extraction(pmid=article.pmid, abstract=text)
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
