"""The one way a field from a source enters the site: escaped text, and links from validated ids only.

Every title, author, journal, DOI, abstract, quote, label or note read from a snapshot reaches
Markdown or HTML through ``text`` (HTML contexts) or ``inline`` (Markdown contexts). Links to
DOI, PMC and PubMed are built only from identifiers that match their published syntax; anything
else is shown as escaped text, never as a link (issue 13 item 1).
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote

#: C0/C1 controls (tab, newline and carriage return excepted) and lone surrogates: Python-Markdown
#: uses \x02 and \x03 to delimit its placeholders, and a lone surrogate cannot be written as UTF-8.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

#: Markdown syntax in inline text: tables (|), links and images ([]!), emphasis (*_~), code (`),
#: escapes (\), attr_list attributes ({}) and closing ATX hashes (#). Numeric entities keep the
#: characters visible and inert. One table with the HTML escapes, applied in one pass, so that
#: no entity written here is escaped again.
_MARKDOWN = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"}
    | {c: f"&#{ord(c)};" for c in "|[]!*_~`\\{}#"}
)

_SPACE = re.compile(r"\s+")

DOI = re.compile(r"^10\.[0-9]{4,9}/\S+$")
PMCID = re.compile(r"^PMC[0-9]+$")
PMID = re.compile(r"^[0-9]{1,9}$")


def clean(value: object) -> str:
    """The value as a string without control characters or lone surrogates (each becomes U+FFFD)."""
    return _CONTROL.sub("\ufffd", "" if value is None else str(value))


def text(value: object) -> str:
    """HTML-escaped text, quotes included, so it is safe in element content and in attributes."""
    return html.escape(clean(value))


def inline(value: object) -> str:
    """Text for one line of Markdown (a table cell, a heading, a list item): escaped and inert.

    Each run of whitespace, line breaks included, becomes one space (kept at the ends, where a
    quote meets its context): a line break would end the table row or start a new block (a
    heading, a list, an ``{: attr }`` line) from the source's text.
    """
    return _SPACE.sub(" ", clean(value)).translate(_MARKDOWN)


def valid_pmid(pmid: object) -> bool:
    return isinstance(pmid, str) and PMID.fullmatch(pmid) is not None


def doi_url(doi: str | None) -> str | None:
    """https://doi.org/ plus the percent-encoded DOI, or None when it is not a DOI."""
    if not doi or not DOI.fullmatch(doi):
        return None
    return "https://doi.org/" + quote(doi, safe="/")


def pmcid_url(pmcid: str | None) -> str | None:
    if not pmcid or not PMCID.fullmatch(pmcid):
        return None
    return f"https://www.ncbi.nlm.nih.gov/pmc/articles/{pmcid}/"


def pmid_url(pmid: str | None) -> str | None:
    return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if valid_pmid(pmid) else None


def link(label_html: str, url: str | None, css: str = "") -> str:
    """``<a href=url>label</a>``, or the label alone when there is no (valid) URL.

    ``label_html`` must already be escaped; the URL is escaped here (it comes from the
    validators above or from a validated PMID, so it holds no quote or bracket anyway).
    """
    if url is None:
        return label_html
    cls = f' class="{text(css)}"' if css else ""
    return f'<a href="{text(url)}"{cls}>{label_html}</a>'


def article_href(pmid: str, prefix: str = "") -> str | None:
    """The relative address of an article page, for a PMID that is ASCII digits only."""
    return f"{prefix}{pmid}.html" if valid_pmid(pmid) else None


def title_meta(title: object, fallback: str) -> str:
    """A page title for YAML front matter and ``<title>``: no brackets, ``&`` escaped, one line.

    MkDocs takes the title from the front matter and the theme prints it through ``striptags``,
    which un-escapes entities once: with the brackets gone no entity can become a tag.
    """
    plain = " ".join(re.sub(r"[<>]", "", clean(title)).split()).replace("&", "&amp;")
    return plain or fallback
