"""HTML for one article's evidence: each number, its checks, its quote in context, the marked abstract.

Pure functions from records to HTML/Markdown fragments; ``kb.sinks.site.pages`` assembles them into pages.
"""

from __future__ import annotations

import re

from kb.records.models import AbstractSection, Measurement
from kb.sinks.site import safe


def esc(text: object) -> str:
    """HTML-escaped text (quotes too, so it is safe inside attributes): ``safe.text``."""
    return safe.text(text)


def cell(text: object) -> str:
    """A Markdown table cell: no pipes, newlines or Markdown syntax leak out (``safe.inline``)."""
    return safe.inline(text)


def fmt_num(x: float | int | None) -> str:
    if x is None:
        return ""
    return f"{x:g}" if isinstance(x, float) else str(x)


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else many or word + 's'}"


# --- one number -------------------------------------------------------------------------------


def _field(m: Measurement, name: str, text: str) -> str:
    """A number as text; a number the extractor computed (not read) is marked *derived*."""
    if name in m.derived:
        return (
            f'<span class="kb-derived" title="computed by evidence-kb, not stated in the abstract">'
            f"{text}<sup>derived</sup></span>"
        )
    return text


def result_text(m: Measurement) -> str:
    """The number as a reader wants it (HTML): '29/64 (45%)', '8.5 months (95% CI 6.1 to 10.2)'."""
    parts: list[str] = []
    if m.numerator is not None:
        num = _field(m, "numerator", str(m.numerator))
        den = _field(m, "denominator", str(m.denominator)) if m.denominator is not None else None
        parts.append(f"{num}/{den}" if den else num)
    elif m.denominator is not None:
        parts.append("N = " + _field(m, "denominator", str(m.denominator)))
    if m.percent is not None:
        pct = _field(m, "percent", f"{fmt_num(m.percent)}%")
        parts.append(f"({pct})" if parts else pct)
    if m.value is not None:
        parts.append(_field(m, "value", cell(f"{fmt_num(m.value)} {m.unit or ''}".strip())))
    if m.ci is not None:
        level = f"{fmt_num(m.ci_level)}% " if m.ci_level else ""
        parts.append(_field(m, "ci", f"({level}CI {fmt_num(m.ci[0])} to {fmt_num(m.ci[1])})"))
    if m.p_value:
        p = m.p_value.strip()
        parts.append(cell(f"P {p}" if p[:1] in "<>=≤≥" else f"P = {p}"))
    return " ".join(parts) or "–"


def checks_html(m: Measurement) -> str:
    """The self-checks: failures one per line with their reason, then how many passed.

    Passed checks are counted rather than listed, to keep rows short; hovering shows each one
    with its arithmetic (e.g. "percent matches n/N: 29/64 = 45.31% vs reported 45%").
    """
    if not m.checks:
        return '<span class="kb-muted" title="no arithmetic check applies to this number">none apply</span>'
    failed = [c for c in m.checks if not c.ok]
    passed = [c for c in m.checks if c.ok]
    lines = [
        f'<span class="kb-fail">✗ {cell(c.name)}' + (f": {cell(c.detail)}" if c.detail else "") + "</span>"
        for c in failed
    ]
    if passed:
        # One line per check in the tooltip; an entity, since a raw newline would end the table row.
        detail = "&#10;".join(cell(f"✓ {c.name}" + (f": {c.detail}" if c.detail else "")) for c in passed)
        n = len(passed)
        what = plural(n, "other") if failed else f"all {n} checks" if n > 1 else "1 check"
        lines.append(f'<span class="kb-ok" title="{detail}">✓ {what} passed</span>')
    return "<br>".join(lines)


def context_html(m: Measurement) -> str:
    """Time point, subgroup and arm: who and when the number is about."""
    bits = [
        f"<small>{label}</small> {cell(value)}"
        for label, value in (("at", m.timepoint), ("in", m.subgroup), ("arm", m.arm))
        if value
    ]
    return "<br>".join(bits) or '<span class="kb-muted">whole population</span>'


def grade_html(m: Measurement) -> str:
    if not m.grade:
        return "–"
    g = cell(m.grade).replace("&lt;=", "≤").replace("&gt;=", "≥")
    fatal = " (fatal)" if m.grade == "5" else ""
    system = f"<br><small>{cell(m.grading_system)}</small>" if m.grading_system else ""
    return f"grade {g}{fatal}{system}"


# --- the abstract with its evidence marked ----------------------------------------------------


def evidence_marks(spans: list[tuple[int, int]]) -> tuple[list[tuple[int, int, list[int]]], list[str]]:
    """Merge overlapping evidence spans into marks; return the marks and each span's mark id.

    A mark is (start, end, [1-based measurement numbers]); its id is ``q<start>``, so a quote
    in a table links to the place in the abstract it was read from.
    """
    marks: list[tuple[int, int, list[int]]] = []
    for i in sorted(range(len(spans)), key=lambda i: spans[i]):
        start, end = spans[i]
        if marks and start < marks[-1][1]:
            s, e, members = marks[-1]
            marks[-1] = (s, max(e, end), [*members, i + 1])
        else:
            marks.append((start, end, [i + 1]))
    anchor = [""] * len(spans)
    for s, _e, members in marks:
        for n in members:
            anchor[n - 1] = f"q{s}"
    return marks, anchor


def _paragraphs(text: str, sections: list[AbstractSection]) -> list[tuple[int, int, str | None, int]]:
    """Paragraphs of the abstract, one per structured-abstract section (else one).

    Each is (start, end, label to add, length of the label already in the text): a reader may keep
    "RESULTS: " in the text with the section starting after it; the label then opens its paragraph.
    """
    bounds: dict[int, tuple[str | None, int]] = {0: (None, 0)}
    for sec in sorted(sections, key=lambda x: x.start):
        at, label, shown = sec.start, sec.label, 0
        if label:
            window = max(0, at - len(label) - 4)
            before = re.search(re.escape(label) + r"\s*:?\s*$", text[window:at], re.IGNORECASE)
            inside = re.match(re.escape(label) + r"\s*:?", text[at:], re.IGNORECASE)
            if before:
                shown = at - (window + before.start())
                at -= shown
            elif inside:
                shown = inside.end()
        if at and text[:at].strip() == "":
            shown, at = (
                (shown + at if shown else 0),
                0,
            )  # whitespace before the first section: no empty paragraph
        bounds[at] = (label if label and not shown else None, shown)
    starts = sorted(bounds)
    return [
        (b, starts[k + 1] if k + 1 < len(starts) else len(text), *bounds[b]) for k, b in enumerate(starts)
    ]


def abstract_html(text: str, sections: list[AbstractSection], spans: list[tuple[int, int]]) -> str:
    """The abstract as HTML, every evidence span wrapped in ``<mark id=...>`` with its numbers."""
    marks, _ = evidence_marks(spans)
    out = ['<div class="kb-abstract" markdown="0">']
    given: set[int] = set()  # marks whose id was given: a mark split by a paragraph gets it once
    for ps, pe, label, shown in _paragraphs(text, sections):
        body: list[str] = []
        if label:
            body.append(f'<strong class="kb-label">{esc(label)}:</strong> ')
        if shown:
            body.append(f'<strong class="kb-section">{esc(text[ps : ps + shown])}</strong>')
        pos = ps + shown
        for start, end, members in marks:
            s, e = max(start, pos), min(end, pe)  # a mark never crosses a paragraph
            if s >= e:
                continue
            body.append(esc(text[pos:s]))
            ident = "" if start in given else f' id="q{start}"'
            given.add(start)
            title = esc("measurement " + ", ".join(map(str, members)))
            body.append(f'<mark{ident} title="{title}">{esc(text[s:e])}</mark>')
            if e == end:
                refs = ",".join(f'<a href="#m{n}">{n}</a>' for n in members)
                body.append(f'<sup class="kb-ref">{refs}</sup>')
            pos = e
        body.append(esc(text[pos:pe]))
        out.append("<p>" + "".join(body).strip() + "</p>")
    out.append("</div>")
    return "\n".join(out)


# --- tables -------------------------------------------------------------------------------------


def in_context(text: str, start: int, end: int, width: int = 60) -> tuple[str, str]:
    """The words around ``text[start:end]`` within its sentence, at most ``width`` characters a side."""
    left = text[max(0, start - width) : start]
    cut = max(left.rfind(". "), left.rfind("; "))
    if cut >= 0:
        left = left[cut + 2 :]
    elif start > width:
        left = "…" + left[left.find(" ") + 1 :] if " " in left else "…" + left
    right = text[end : end + width]
    stop = min((i for i in (right.find(". "), right.find("; ")) if i >= 0), default=-1)
    if stop >= 0:
        right = right[: stop + 1]
    elif end + width < len(text):
        right = (right[: right.rfind(" ")] if " " in right else right) + "…"
    return left, right


def html_table(head: list[str], rows: list[list[str]]) -> str:
    """A table as Python-Markdown writes one (no class: the theme styles ``table:not([class])``).

    Cells are HTML already escaped by their makers.
    """
    out = ["<table>", "<thead>", "<tr>", *(f"<th>{h}</th>" for h in head), "</tr>", "</thead>", "<tbody>"]
    for row in rows:
        out += ["<tr>", *(f"<td>{c}</td>" for c in row), "</tr>"]
    return "\n".join([*out, "</tbody>", "</table>"])


def measurement_table(
    numbered: list[tuple[int, Measurement]], anchors: list[str], safety: bool, abstract: str = ""
) -> str:
    """One row per number: what, the result, for whom and when, the quote it was read from, checks.

    The quote is the verbatim evidence span in bold, with the rest of its sentence around it
    (muted), and links to its highlighted place in the abstract.
    """
    head = (
        ["#", "Endpoint", "Result"]
        + (["Grade"] if safety else [])
        + ["When / who", "Evidence (quoted)", "Checks"]
    )
    rows: list[list[str]] = []
    for n, m in numbered:
        endpoint = f"{cell(m.endpoint)}<br><small>{cell(m.statistic)}</small>"
        where = f" <small>({cell(m.section)})</small>" if m.section else ""
        before, after = in_context(abstract, m.evidence.start, m.evidence.end) if abstract else ("", "")
        quote = (
            f'<a class="kb-quote" href="#{anchors[n - 1]}" title="show in the abstract">'
            f'<span class="kb-ctx">{cell(before)}</span><strong>{cell(m.evidence.text)}</strong>'
            f'<span class="kb-ctx">{cell(after)}</span></a>{where}'
        )
        row = [f'<span id="m{n}">{n}</span>', endpoint, result_text(m)]
        row += [grade_html(m)] if safety else []
        rows.append([*row, context_html(m), quote, checks_html(m)])
    return html_table(head, rows)
