"""The ``kb`` command line: parses arguments and calls the library, nothing more."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rdflib import Graph
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from kb import __version__

app = typer.Typer(
    help="evidence-kb: build, query and serve a structured evidence knowledge base from PubMed records.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)
out = Console(soft_wrap=True)

DEFAULT_MANIFEST = Path("ingest/manifest.toml")
DEFAULT_OUT = Path("build")


class Fmt(StrEnum):
    table = "table"
    csv = "csv"
    tsv = "tsv"
    json = "json"


def fail(message: str, code: int = 1) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def version_callback(value: bool) -> None:
    if value:
        out.print(f"evidence-kb {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=version_callback, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """evidence-kb command line."""


@app.command()
def build(
    manifest: Annotated[Path, typer.Option(help="Ingest manifest (TOML).")] = DEFAULT_MANIFEST,
    out_dir: Annotated[
        Path, typer.Option("--out", help="Output folder (replaced atomically).")
    ] = DEFAULT_OUT,
    site: Annotated[bool, typer.Option(help="Also render the MkDocs site into OUT/site.")] = True,
) -> None:
    """Build OUT/kb.sqlite, OUT/kb.ttl and the evidence site OUT/site from a manifest."""
    from kb.build import build as run_build
    from kb.manifest import ManifestError
    from kb.site import SiteError
    from kb.sources.base import SourceError

    with Progress(
        TextColumn("[bold]{task.description:<8}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total or None)
            bar.update(tasks[stage], completed=done, total=total or None)

        try:
            summary = run_build(manifest, out_dir, progress=progress, with_site=site)
        except (ManifestError, SourceError, SiteError, KeyError) as exc:
            raise fail(str(exc).strip("'\"")) from None
    for line in summary.skipped:
        console.print(f"[yellow]warning:[/] {line}", highlight=False)
    table = Table(title=f"Built {summary.out}", show_header=False)
    for key, value in (
        ("articles", f"{summary.articles} ({summary.full_articles} full records)"),
        ("measurements", summary.measurements),
        ("citations", summary.citations),
        ("triples", summary.triples),
        ("pages", summary.pages),
        ("skipped records", len(summary.skipped)),
        ("deleted records", summary.deleted),
        ("seconds", f"{summary.seconds:.1f}"),
    ):
        table.add_row(key, str(value))
    console.print(table)


@app.command()
def readers() -> None:
    """List the snapshot readers a manifest can name."""
    from kb.sources.registry import all_readers

    table = Table("reader", "version", "reads")
    for name, reader in sorted(all_readers().items()):
        table.add_row(name, reader.version, reader.description)
    out.print(table)


@app.command()
def sparql(
    query: Annotated[str, typer.Argument(help="A name in queries/, a .rq path, or inline SPARQL.")],
    fmt: Annotated[Fmt, typer.Option("--format", help="Output format.")] = Fmt.table,
    param: Annotated[list[str] | None, typer.Option(help="NAME=VALUE, bound to ?NAME (repeatable).")] = None,
    data: Annotated[Path, typer.Option(help="The Turtle file to query.")] = DEFAULT_OUT / "kb.ttl",
) -> None:
    """Answer a SPARQL question over the built knowledge base."""
    from kb import query as q

    params: dict[str, str] = {}
    for item in param or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise fail(f"--param {item!r}: expected NAME=VALUE", 2)
        params[key] = value
    if not data.is_file():
        raise fail(f"{data}: no built knowledge base; run `kb build` first")
    try:
        question = q.resolve(query)
        graph = Graph().parse(data, format="turtle")
        result = q.run(graph, question, params)
    except q.QueryError as exc:
        raise fail(str(exc), 2) from None
    if fmt is Fmt.table and result.type == "SELECT":
        names, rows = q.rows(result)
        table = Table(*names, title=question.title)
        for row in rows:
            table.add_row(*["" if v is None else v for v in row])
        out.print(table)
    else:
        out.print(
            q.render(result, "csv" if fmt is Fmt.table else fmt.value),
            end="",
            markup=False,
            highlight=False,
        )


@app.command()
def synth(
    endpoint: Annotated[str | None, typer.Argument(help="Endpoint, e.g. 'CR/CRh' (default all).")] = None,
    kind: Annotated[str | None, typer.Option(help="outcome or safety.")] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="The build folder.")] = DEFAULT_OUT,
    csv_path: Annotated[Path | None, typer.Option("--csv", help="Write a metafor-ready CSV here.")] = None,
) -> None:
    """Tabulate events/n per study for pooling, and pool each endpoint reported by 2+ studies."""
    from kb import synth as sy

    db = out_dir / "kb.sqlite"
    if not db.is_file():
        raise fail(f"{db}: no built knowledge base; run `kb build` first")
    rows = sy.proportions(db, endpoint, kind)
    columns = ("PMID", "endpoint", "events/n", "time point", "arm / subgroup", "grade", "reported", "quote")
    table = Table(*columns)
    for r in rows:
        who = " / ".join(x for x in (r.arm, r.subgroup) if x)
        table.add_row(r.pmid, r.endpoint, f"{r.events}/{r.n}", r.timepoint or "", who, r.grade or "",
                      r.reported, r.evidence)  # fmt: skip
    out.print(table)
    by_endpoint: dict[str, list[sy.ProportionRow]] = {}
    for r in rows:
        by_endpoint.setdefault(r.endpoint, []).append(r)
    for ep, group in sorted(by_endpoint.items()):
        studies = {r.pmid for r in group}
        if len(studies) < 2:
            continue
        p = sy.pool([next(r for r in group if r.pmid == s) for s in sorted(studies)])
        out.print(f"{ep}: pooled {p.proportion:.1%} (95% CI {p.ci_low:.1%} to {p.ci_high:.1%}), "
                  f"k={p.k}, tau²={p.tau2:.3f}, I²={p.i2:.0%} ({p.method.upper()}, logit)")  # fmt: skip
    if csv_path is not None:
        sy.write_csv(rows, csv_path)
        console.print(f"wrote {len(rows)} rows to {csv_path}")


if __name__ == "__main__":
    app()
