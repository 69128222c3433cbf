"""kb.sinks.site.safe: the one escaping and link-validation path of the site (issue 13 item 1)."""

from __future__ import annotations

import re

import lxml.html
import pytest

from kb.sinks.site import safe
from kb.sinks.site.evidence_html import in_context


@pytest.mark.parametrize(
    "doi",
    [
        "10.1000/x)<img src=x onerror=alert(1)>",
        "javascript:alert(1)",
        "10.1/short",
        "10.1000/",
        "10.1000/a b",
    ],
)
def test_invalid_dois_make_no_link(doi: str) -> None:
    assert safe.doi_url(doi) is None
    assert safe.link(safe.inline(doi), safe.doi_url(doi)) == safe.inline(doi)


def test_a_valid_doi_is_percent_encoded() -> None:
    assert (
        safe.doi_url("10.1016/S0140-6736(19)30000-1") == "https://doi.org/10.1016/S0140-6736%2819%2930000-1"
    )
    url = safe.doi_url('10.1000/a"><script>')
    assert url is not None and not set(url) & set("<>\"' ()")


@pytest.mark.parametrize("pmcid", ['PMC1"><script>', "PMC", "pmc123", "PMC١٢٣", "PMC12 "])
def test_invalid_pmcids_make_no_link(pmcid: str) -> None:
    assert safe.pmcid_url(pmcid) is None


def test_pmids_are_ascii_digits_only() -> None:
    assert safe.pmid_url("31002989") == "https://pubmed.ncbi.nlm.nih.gov/31002989/"
    for bad in ("٣٤٥", "12a", "", "1234567890", "../1"):
        assert safe.pmid_url(bad) is None and safe.article_href(bad) is None


def test_inline_text_is_inert_markdown_and_html() -> None:
    hostile = "a|b [x](javascript:y) {: onclick=z } *e* `c` \\ # <i>&amp;</i> \"q\" 'q'\n# h\r{: .x }"
    out = safe.inline(hostile)
    assert not set(re.sub(r"&#?\w+;", "", out)) & set("|[]{}*`\\#<>\"'\n\r")
    shown: lxml.html.HtmlElement = lxml.html.fromstring(f"<p>{out}</p>")
    assert shown.text_content() == " ".join(hostile.split())


def test_control_characters_and_lone_surrogates_are_replaced() -> None:
    # \x02...\x03 delimit Python-Markdown's placeholders; a lone surrogate cannot be written as UTF-8.
    out = safe.text("a\x02wzxhzdk:0\x03b\ud800c")
    assert out == "a\ufffdwzxhzdk:0\ufffdb\ufffdc"
    out.encode("utf-8")


def test_a_quote_keeps_the_space_before_its_context() -> None:
    """Regression: collapsing whitespace must not glue the quote to the words after it."""
    text = "Of 64 patients, 29 of 64 achieved a CR within 2 cycles."
    start = text.index("29 of 64")
    before, after = in_context(text, start, start + len("29 of 64"))
    assert safe.inline(before).endswith(" ") and safe.inline(after).startswith(" ")


def test_title_meta_has_no_brackets() -> None:
    assert safe.title_meta("</title><script>x</script> & y", "fallback") == "/titlescriptx/script &amp; y"
    assert safe.title_meta(" \n ", "fallback") == "fallback"
