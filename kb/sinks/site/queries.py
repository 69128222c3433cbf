"""The site's query page: every ``queries/*.rq`` with its text and its results on the built store."""

from __future__ import annotations

from pathlib import Path

from kb.query import sparql as q
from kb.sinks.site.evidence_html import cell
from kb.sinks.site.pages import WIDE, SiteError

#: Rows shown per question; the page says how many more there are.
MAX_ROWS = 50


def _anchor(name: str) -> str:
    return name.lower().replace(".", "-")


def _results(answer: q.Answer) -> list[str]:
    if answer.kind in ("CONSTRUCT", "DESCRIBE"):
        shown = answer.triples[:MAX_ROWS]
        more = len(answer.triples) - len(shown)
        lines = [f"{len(answer.triples)} triples" + (f"; the first {len(shown)}:" if more else ":"), ""]
        return lines + ["```turtle", *shown, "```"]
    if not answer.rows:
        return ["No rows: the knowledge base holds nothing this question asks for."]
    shown_rows = answer.rows[:MAX_ROWS]
    lines = [
        "| " + " | ".join(cell(n) for n in answer.names) + " |",
        "|" + "---|" * len(answer.names),
    ]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in shown_rows]
    if len(answer.rows) > len(shown_rows):
        lines += ["", f"First {len(shown_rows)} of {len(answer.rows)} rows; run the command for all."]
    return lines


def describe(question: q.Question) -> list[str]:
    """The header below the title as Markdown: prose, then Parameters and Columns as a list."""
    body = question.header.split("\n", 1)[1] if "\n" in question.header else ""
    prose: list[str] = []
    items: list[str] = []
    for line in body.splitlines():
        key = line.split(":", 1)[0].lower()
        if key in ("parameters", "parameter", "columns"):
            value = line.split(":", 1)[1].strip()
            items.append(f"- **{line.split(':', 1)[0]}:** {cell(value)}".rstrip())
        elif line.startswith("?") and items:
            items.append(
                f"    - `{cell(line.split(':', 1)[0])}`:{cell(line.split(':', 1)[1] if ':' in line else '')}"
            )
        elif items and line:
            items[-1] += " " + cell(line)  # a wrapped Columns line
        else:
            prose.append(cell(line))
    return [*prose, "", *items] if items else prose


def command(question: q.Question, params: dict[str, str]) -> str:
    args = "".join(f" --param {k}={v}" if " " not in v else f" --param '{k}={v}'" for k, v in params.items())
    return f"kb sparql {question.name}{args}"


def queries_page(out: Path, queries_dir: Path = q.QUERIES) -> str:
    """Markdown for ``queries.md``: each question run on the build in ``out`` (with its examples)."""
    engine = q.engine_for(out)
    questions = q.library(queries_dir)
    sections: list[str] = []
    summary = ["| Question | Command | Rows |", "|---|---|---|"]
    for question in questions:
        params = {k: v for k, v in question.parameters.items() if v is not None}
        try:
            answer = q.ask(engine, question, params)
        except q.QueryError as exc:
            raise SiteError(f"{question.path}: {exc}") from None
        size = len(answer.triples) if answer.kind in ("CONSTRUCT", "DESCRIBE") else len(answer.rows)
        link = f"[{cell(question.title)}](#{_anchor(question.name)})"
        summary.append(f"| {link} | `{command(question, params)}` | {size} |")
        sections += [
            f"## {question.name} {{#{_anchor(question.name)}}}",
            "",
            f"**{cell(question.title)}**",
            "",
            *describe(question),
            "",
            f"    {command(question, params)}",
            "",
            "```sparql",
            *question.text.rstrip().splitlines(),
            "```",
            "",
            f"Results at build time ({engine.name}):",
            "",
            *_results(answer),
            "",
        ]
    intro = [
        "# Queries",
        "",
        f"The {len(questions)} questions of `queries/`, each run on this build when the site was made,",
        "with the example parameters its header names. Run one yourself with `kb sparql NAME",
        "[--param NAME=VALUE]` (add `--format csv|tsv|json`), or send its text to the SPARQL",
        "endpoint `kb serve` starts at `http://127.0.0.1:7878/query`.",
        "",
    ]
    return WIDE + "\n".join(intro + summary + [""] + sections) + "\n"
