"""The ``kb`` command line: parses arguments and calls the library, nothing more."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
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


def restore_interrupted(out_dir: Path) -> None:
    """Before opening a build: bring back the previous build if a ``kb build`` was killed mid-swap."""
    from kb.pipeline.lock import ensure_build

    for line in ensure_build(out_dir.resolve()):
        console.print(f"note: {line}", highlight=False, markup=False)


@contextmanager
def progress_bar() -> Iterator[Callable[[str, int, int], None]]:
    """A rich progress display; yields the ``progress(stage, done, total)`` callback the library takes."""
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

        yield progress


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
        Path,
        typer.Option("--out", help="New, empty or earlier-build folder (replaced atomically)."),
    ] = DEFAULT_OUT,
    site: Annotated[bool, typer.Option(help="Also render the MkDocs site into OUT/site.")] = True,
    db: Annotated[
        str | None,
        typer.Option(
            help="Also write the tables here: sqlite:///PATH or postgresql://... (besides OUT/kb.sqlite)."
        ),
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option(min=1, help="Extraction processes (default: the cores available; 1: in this process)."),
    ] = None,
    wait: Annotated[
        bool, typer.Option(help="If another build is writing OUT, wait for it instead of failing.")
    ] = False,
    cache: Annotated[
        bool, typer.Option(help="Reuse parsed snapshots and extractions from .OUT.cache/ beside OUT.")
    ] = True,
    dask: Annotated[
        str | None,
        typer.Option(
            metavar="SCHEDULER",
            help="Read and extract each snapshot on this Dask scheduler (tcp://HOST:PORT or its JSON file).",
        ),
    ] = None,
) -> None:
    """Build OUT/kb.sqlite, OUT/kb.{ttl,nt,nq,jsonld} and the site OUT/site, then run `kb check`."""
    from kb.errors import KBError
    from kb.pipeline.build import build as local_build
    from kb.pipeline.dask import scheduled
    from kb.sinks.check import CheckError
    from kb.sinks.site.pages import SiteError

    run_build = local_build if dask is None else scheduled(dask)
    with progress_bar() as progress:
        try:
            summary = run_build(
                manifest, out_dir, progress=progress, with_site=site, db_url=db, jobs=jobs, wait=wait,
                cache=cache, notify=lambda line: console.print(line, highlight=False, soft_wrap=True),
            )  # fmt: skip
        except (KBError, SiteError, CheckError) as exc:
            raise fail(str(exc)) from None
    for line in [*summary.skipped, *summary.warnings]:
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
        ("extractions", f"{summary.extracted} run, {summary.reused} reused from the cache"),
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


class Engine(StrEnum):
    auto = "auto"
    oxigraph = "oxigraph"
    rdflib = "rdflib"


#: Below this many characters per column a table is unreadable; rows are printed as records.
MIN_COLUMN_WIDTH = 14


def print_rows(title: str, names: list[str], rows: list[list[str | None]]) -> None:
    """A table when it fits the terminal, otherwise one 'column: value' block per row."""
    if len(names) * MIN_COLUMN_WIDTH <= out.width:
        table = Table(*names, title=title)
        for row in rows:
            table.add_row(*["" if v is None else v for v in row])
        out.print(table)
        return
    out.print(f"[bold]{title}[/]", highlight=False)
    width = max(len(n) for n in names)
    for i, row in enumerate(rows, start=1):
        out.rule(f"row {i} of {len(rows)}", align="left")
        for name, value in zip(names, row, strict=True):
            if value is not None:
                out.print(f"[cyan]{name:>{width}}[/]  {value}", highlight=False)
    if not rows:
        out.print("no rows")


@app.command()
def sparql(
    query: Annotated[str, typer.Argument(help="A name in queries/, a .rq path, or inline SPARQL.")],
    fmt: Annotated[Fmt, typer.Option("--format", help="Output format.")] = Fmt.table,
    param: Annotated[list[str] | None, typer.Option(help="NAME=VALUE, bound to ?NAME (repeatable).")] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="The build folder to query.")] = DEFAULT_OUT,
    engine: Annotated[
        Engine, typer.Option(help="oxigraph: OUT/oxigraph store; rdflib: OUT/kb.ttl; auto: store if built.")
    ] = Engine.auto,
    timeout_s: Annotated[
        float, typer.Option("--timeout-s", help="Stop a query after this many seconds (0: no limit).")
    ] = 30.0,
) -> None:
    """Answer a SPARQL question over the built knowledge base (exit 2: bad query, 3: timeout)."""
    restore_interrupted(out_dir)
    from kb.query import sparql as q

    params: dict[str, str] = {}
    for item in param or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise fail(f"--param {item!r}: expected NAME=VALUE", 2)
        params[key] = value
    if not (out_dir / "kb.ttl").is_file():
        raise fail(f"{out_dir / 'kb.ttl'}: no built knowledge base; run `kb build` first")
    try:
        question = q.resolve(query)
        answer = q.ask_with_timeout(
            out_dir, question, params, which=engine.value, timeout_s=timeout_s if timeout_s > 0 else None
        )
    except q.QueryTimeout as exc:
        raise fail(str(exc), 3) from None
    except q.QueryError as exc:
        raise fail(str(exc), 2) from None
    if fmt is Fmt.table and answer.kind in ("SELECT", "ASK"):
        print_rows(question.title, answer.names, answer.rows)
    else:
        out.print(
            q.render(answer, "csv" if fmt is Fmt.table else fmt.value),
            end="",
            markup=False,
            highlight=False,
        )


@app.command()
def serve(
    out_dir: Annotated[Path, typer.Option("--out", help="The build folder to serve.")] = DEFAULT_OUT,
    host: Annotated[
        str, typer.Option(help="Loopback address to bind (127.0.0.1, ::1 or localhost; nothing else).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 7878,
    timeout_s: Annotated[
        float, typer.Option("--timeout-s", help="Kill a query after this many seconds (answer 503).")
    ] = 30.0,
    max_result_mb: Annotated[
        float, typer.Option("--max-result-mb", help="Largest result, MB (larger: answer 500).")
    ] = 64.0,
    max_memory_mb: Annotated[
        float, typer.Option("--max-memory-mb", help="Kill a query whose process passes this, MB (0: no cap).")
    ] = 2048.0,
    workers: Annotated[int, typer.Option(help="Queries answered at once, each in its own process.")] = 2,
) -> None:
    """Serve OUT/oxigraph read-only as a SPARQL 1.1 Protocol endpoint at http://HOST:PORT/query.

    Updates, SERVICE (federation) and cross-origin browser requests are refused; each query runs
    in a worker process that is killed at the timeout, past the memory cap or when the client leaves.
    """
    restore_interrupted(out_dir)
    from kb.query import serve as srv

    settings = srv.Settings(out_dir, host, port, timeout_s, max_result_mb, max_memory_mb, workers)
    try:
        srv.serve(settings, lambda line: console.print(line, highlight=False))
    except srv.ServeError as exc:
        raise fail(str(exc)) from None


@app.command()
def synth(
    endpoint: Annotated[str | None, typer.Argument(help="Endpoint, e.g. 'CR/CRh' (default all).")] = None,
    kind: Annotated[str | None, typer.Option(help="outcome or safety.")] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="The build folder.")] = DEFAULT_OUT,
    csv_path: Annotated[Path | None, typer.Option("--csv", help="Write a metafor-ready CSV here.")] = None,
    include_retracted: Annotated[
        bool,
        typer.Option("--include-retracted", help="Keep rows of retracted articles (left out by default)."),
    ] = False,
) -> None:
    """Tabulate events/n per study for pooling, and pool each endpoint reported by 2+ studies."""
    restore_interrupted(out_dir)
    from kb import synth as sy

    db = out_dir / "kb.sqlite"
    if not db.is_file():
        raise fail(f"{db}: no built knowledge base; run `kb build` first")
    rows = sy.proportions(db, endpoint, kind, include_retracted=include_retracted)
    columns = ("PMID", "endpoint", "events/n", "time point", "arm / subgroup", "grade", "reported", "quote")
    table = Table(*columns)
    for r in rows:
        who = " / ".join(x for x in (r.arm, r.subgroup) if x)
        pmid = f"{r.pmid} (retracted)" if r.retracted else r.pmid
        table.add_row(pmid, r.endpoint, f"{r.events}/{r.n}", r.timepoint or "", who, r.grade or "",
                      r.reported, r.evidence)  # fmt: skip
    out.print(table)
    out.print(sy.retraction_note(db, endpoint, kind, include_retracted=include_retracted), highlight=False)
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


@app.command()
def fetch(
    pmids: Annotated[list[str], typer.Argument(help="PubMed ids to fetch.")],
    citing: Annotated[bool, typer.Option(help="Also fetch the articles citing them (elink).")] = False,
    depth: Annotated[int, typer.Option(min=1, help="With --citing: levels of citing articles.")] = 1,
    manifest: Annotated[Path, typer.Option(help="Manifest to add the snapshots to.")] = DEFAULT_MANIFEST,
    email: Annotated[
        str | None, typer.Option(envvar="NCBI_EMAIL", help="Contact email sent to NCBI.")
    ] = None,
    base_url: Annotated[
        str, typer.Option(envvar="NCBI_EUTILS_URL", help="E-utilities base URL (a mirror, or a test server).")
    ] = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/",
    max_articles: Annotated[
        int, typer.Option(min=1, help="At most this many articles in all; citing ones beyond are left out.")
    ] = 5000,
) -> None:
    """Fetch PubMed records (and citing articles) as snapshots and list them in the manifest.

    The API key is read from the NCBI_API_KEY environment variable only, and never written.
    """
    from kb.pipeline.manifest import ManifestError
    from kb.sources.base import SourceError
    from kb.sources.eutils import EutilsClient, EutilsError
    from kb.sources.fetch import fetch as run_fetch

    if depth != 1 and not citing:
        raise fail("--depth follows citing articles: add --citing", 2)
    if not email:
        console.print("[yellow]note:[/] NCBI asks for a contact: --email or NCBI_EMAIL", highlight=False)

    def warn(message: str) -> None:
        console.print(f"[yellow]warning:[/] {message}", highlight=False)

    with (
        EutilsClient.from_env(email=email, base_url=base_url, log=warn) as client,
        progress_bar() as progress,
    ):
        try:
            summary = run_fetch(
                manifest,
                pmids,
                client,
                citing=citing,
                depth=depth,
                max_articles=max_articles,
                progress=progress,
            )
        except (EutilsError, ManifestError, SourceError) as exc:
            raise fail(str(exc)) from None
    for line in summary.warnings:
        warn(line)
    if summary.missing:
        gone = ", ".join(summary.missing[:20])
        warn(f"PubMed returned no record for {len(summary.missing)} PMID(s): {gone}")
    if summary.truncated:
        warn(f"stopped adding citing articles at --max-articles {max_articles}")
    table = Table(title=f"Fetched into {manifest}", show_header=False)
    for key, value in (
        ("records", len(summary.records)),
        ("citing links", summary.citing_links),
        ("snapshots added", len(summary.added)),
        ("already listed", len(summary.snapshots) - len(summary.added)),
        ("requests", summary.requests),
    ):
        table.add_row(key, str(value))
    console.print(table)
    for s in summary.added:
        out.print(s.path, highlight=False)


class ExtractFmt(StrEnum):
    json = "json"


class EvalFmt(StrEnum):
    table = "table"
    json = "json"


@app.command("extract")
def extract_cmd(
    path: Annotated[Path, typer.Argument(help="A .txt abstract, saved PubMed page, PubMed XML or MEDLINE.")],
    fmt: Annotated[ExtractFmt, typer.Option("--format", help="Output format: JSON Lines.")] = ExtractFmt.json,
) -> None:
    """Extract evidence from each article in PATH; print one JSON object per article (JSON Lines)."""
    import json
    import os
    import sys

    from kb.extract.files import extract_path, public_json
    from kb.sources.base import Skipped, SourceError

    try:
        for item in extract_path(path):
            if isinstance(item, Skipped):
                console.print(f"[yellow]warning:[/] {item}", highlight=False)
            else:
                print(json.dumps(public_json(item), ensure_ascii=False), flush=True)
    except SourceError as exc:
        raise fail(str(exc)) from None
    except BrokenPipeError:  # `kb extract big.xml | head`: the reader left, nothing is wrong
        # Python's documented recipe: point stdout at devnull so the exit-time flush cannot fail.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _share(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


@app.command("eval")
def eval_cmd(
    gold_dir: Annotated[Path, typer.Argument(help="Folder of gold files <name>.json (+ <name>.txt).")],
    pred: Annotated[
        Path | None, typer.Argument(help="`kb extract` JSON Lines to score; default: run the extractor.")
    ] = None,
    fmt: Annotated[EvalFmt, typer.Option("--format", help="Output format.")] = EvalFmt.table,
) -> None:
    """Score extractions against gold files: precision, recall, F1 per file and micro-averaged."""
    import json

    from rich.markup import escape as esc

    from kb.extract import evaluate as ev
    from kb.extract.files import lexicon_judge, predict_gold
    from kb.sources.base import SourceError

    try:
        golds = ev.load_gold_dir(gold_dir)
        notes: list[str] = []
        if pred is None:
            predicted = predict_gold(golds)
        else:
            predicted, notes = ev.pair_predictions(golds, ev.read_predictions(pred))
    except (ev.EvalError, SourceError) as exc:
        raise fail(str(exc)) from None
    report = ev.score(golds, predicted, endpoints=lexicon_judge, warnings=notes)
    if fmt is EvalFmt.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        return
    table = Table(
        title=f"Extraction scored against {gold_dir}",
        caption="req ok/opt ok: matched required/optional gold items; endpt: endpoint agreement",
    )
    table.add_column("file", no_wrap=True)
    for name in ("pred", "req", "req ok", "opt ok", "P", "R", "F1", "endpt"):
        table.add_column(name, justify="right")
    for f in [*report.files, None]:
        c = report.micro if f is None else f.counts
        table.add_row(
            "[bold]micro-average[/]" if f is None else f.name,
            str(c.predictions), str(c.required), str(c.matched_required), str(c.matched_optional),
            _share(c.precision), _share(c.recall), _share(c.f1), _share(c.endpoint_agreement),
            end_section=f is report.files[-1],
        )  # fmt: skip
    out.print(table)
    for f in report.files:
        lines = [f"  [yellow]note[/] {esc(w)}" for w in f.warnings]
        for m in f.missed:
            tag = "missed (optional)" if m.gold.optional else "[red]missed[/]"
            lines.append(f"  {tag} gold {esc(m.gold.describe())}")
            if m.nearest is not None:
                lines.append(f"      nearest: {esc(m.nearest.describe())}")
            lines.extend(f"      - {esc(r)}" for r in m.reasons)
        lines.extend(f"  [red]extra[/] predicted {esc(p.describe())}" for p in f.unmatched_predictions)
        lines.extend(
            f"  [cyan]endpoint[/] {esc(repr(p.gold.endpoint))} (gold) vs {esc(repr(p.predicted.endpoint))}"
            f" @ {esc(repr(p.gold.anchor))}"
            for p in f.pairs
            if not p.same_endpoint
        )
        if lines:
            out.print(f"[bold]{esc(f.name)}[/]", *lines, sep="\n", highlight=False)
    for w in report.warnings:
        console.print(f"[yellow]warning:[/] {esc(w)}", highlight=False)


class ExportFmt(StrEnum):
    ttl = "ttl"
    nt = "nt"
    nq = "nq"
    jsonld = "jsonld"


@app.command()
def check(
    out_dir: Annotated[Path, typer.Option("--out", help="The build folder to check.")] = DEFAULT_OUT,
) -> None:
    """SHACL-validate OUT/kb.nq graph by graph and check SQLite and RDF hold the same records."""
    restore_interrupted(out_dir)
    from kb.sinks.check import CheckError
    from kb.sinks.check import check as run_check

    try:
        report = run_check(out_dir)
    except CheckError as exc:
        raise fail(str(exc)) from None
    if not report.ok:
        console.print(report.text(), highlight=False, markup=False)
        raise typer.Exit(1)
    out.print(report.text(), highlight=False, markup=False)


@app.command("export")
def export_cmd(
    fmt: Annotated[ExportFmt, typer.Option("--format", help="RDF format to write.")] = ExportFmt.ttl,
    out_dir: Annotated[
        Path, typer.Option("--out", help="The build folder (reads OUT/kb.sqlite).")
    ] = DEFAULT_OUT,
) -> None:
    """Write OUT/kb.{ttl,nt,nq,jsonld} from the records in OUT/kb.sqlite (deterministic bytes)."""
    restore_interrupted(out_dir)
    from kb.sinks.rdf import export
    from kb.sinks.sql import writer as sql

    db = out_dir / "kb.sqlite"
    if not db.is_file():
        raise fail(f"{db}: no built knowledge base; run `kb build --out {out_dir}` first")
    entries = sql.entries(sql.read_records(db), sql.read_citations(db))
    for path in export.write_entries(entries, out_dir, (fmt.value,)):
        out.print(str(path), highlight=False)


schema_app = typer.Typer(help="The published schema generated from the record models.", no_args_is_help=True)
app.add_typer(schema_app, name="schema")


@schema_app.command("export")
def schema_export(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the schema files into.")] = Path(
        "schema"
    ),
) -> None:
    """Regenerate schema/ (ontology, SHACL shapes, JSON-LD context, JSON Schema, SQL DDL)."""
    from kb.records import schema

    for path in schema.export(out_dir):
        out.print(str(path), highlight=False)


if __name__ == "__main__":
    app()
