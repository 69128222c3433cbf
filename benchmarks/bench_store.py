"""rdflib in memory vs Oxigraph on disk: load time and time per library question, and their ratio.

Usage: .venv/bin/python benchmarks/bench_store.py [--articles N] [--repeat R] [--rdflib-limit-s S]
                                                   [--cache DIR] [--oxigraph-only]

Two knowledge bases: the seed (built from ingest/manifest.toml, without its site) and a
synthetic one of N articles (default 10000; tests/synthetic.py ``scaled``: 4 measurements each,
up to 5 citations to earlier articles). For each: the time to load kb.ttl into an rdflib Graph
and to bulk-load it into a fresh Oxigraph store on disk; then for every question in queries/
(with its header's example parameters) the best of R runs on each engine, the rows returned
(both engines must agree), and rdflib time / Oxigraph time. rdflib questions slower than
S seconds (default 120) are run once only.

``--oxigraph-only`` skips rdflib and Turtle: the synthetic store is written straight from
generated quads (tests/synthetic_store.py), and every question runs with and without its
parameters, reporting process CPU seconds (what contention on a shared machine distorts least)
beside wall seconds, best of R.
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.synthetic generates the scaled knowledge base

from kb.pipeline.build import build  # noqa: E402
from kb.query import sparql as q  # noqa: E402
from kb.records.models import Citation, EvidenceRecord  # noqa: E402
from kb.records.vocab import PREFIXES  # noqa: E402
from kb.sinks.rdf import graph as rdf  # noqa: E402
from kb.sinks.rdf import store  # noqa: E402
from tests import synthetic  # noqa: E402
from tests.synthetic_store import write_store  # noqa: E402


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def best(fn: Callable[[], q.Answer], repeat: int, limit_s: float) -> tuple[float, q.Answer]:
    first, answer = timed(fn)
    times = [first]
    if first < limit_s:
        for _ in range(repeat - 1):
            times.append(timed(fn)[0])
    assert isinstance(answer, q.Answer)
    return min(times), answer


#: Parameters that select data in the scaled synthetic KB (the headers' examples name seed PMIDs).
SCALED_PARAMS = {
    "pmid": "1000000",
    "cited": "1000000",
    "article": "1000010",
    "drug": "blinatumomab",
    "endpoint": "overall response",
    "term": "lymphoblastic",
}


def rdflib_best(
    graph: Graph, question: q.Question, params: dict[str, str], repeat: int, limit_s: float
) -> tuple[float | None, q.Answer | None]:
    """Best of ``repeat`` rdflib runs in a forked child (it shares the parsed graph), or
    (None, None) when the first run passes ``limit_s``: rdflib cannot be interrupted otherwise."""
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)

    def child() -> None:
        # repeat only while all runs together stay well inside the limit the parent waits for
        first, answer = timed(lambda: q.ask(q.RdflibEngine(graph), question, params))
        runs = [first]
        if first * repeat < limit_s / 2:
            runs += [
                timed(lambda: q.ask(q.RdflibEngine(graph), question, params))[0] for _ in range(repeat - 1)
            ]
        send.send((min(runs), answer))

    proc = ctx.Process(target=child)
    proc.start()
    send.close()
    try:
        if receive.poll(limit_s):
            took, answer = receive.recv()
            return took, answer
        return None, None
    finally:
        proc.kill()
        proc.join()


def bench(
    label: str, out: Path, repeat: int, limit_s: float, overrides: dict[str, str] | None = None
) -> None:
    ttl = out / "kb.ttl"
    print(f"\n## {label}: {ttl.stat().st_size / 1e6:.1f} MB of Turtle", flush=True)
    t_rdflib, graph = timed(lambda: Graph().parse(ttl, format="turtle"))
    assert isinstance(graph, Graph)
    print(f"load   rdflib (parse into memory) {t_rdflib:8.2f} s   {len(graph):>9} triples", flush=True)
    questions = [
        (question, {k: (overrides or {}).get(k, v) for k, v in question.parameters.items() if v is not None})
        for question in q.library()
    ]
    # rdflib first, in forked children, before Oxigraph's threads exist in this process
    by_rdflib = {
        question.name: rdflib_best(graph, question, params, repeat, limit_s) for question, params in questions
    }
    del graph
    location = out / "bench-oxigraph"
    t_ox, quads = timed(lambda: store.load(ttl, location))
    print(
        f"load   oxigraph (bulk load, disk) {t_ox:8.2f} s   {quads:>9} quads   ratio {t_rdflib / t_ox:6.1f}x"
    )
    ox_engine = q.OxigraphEngine(store.open_read_only(location))
    print(f"{'question':<26} {'rows':>6} {'rdflib s':>10} {'oxigraph s':>11} {'ratio':>8}")
    ratios, total_r, total_o = [], 0.0, 0.0
    for question, params in questions:

        def on_oxigraph(question: q.Question = question, params: dict[str, str] = params) -> q.Answer:
            return q.ask(ox_engine, question, params)

        t_o, a_o = best(on_oxigraph, repeat, limit_s)
        t_r, a_r = by_rdflib[question.name]
        if t_r is None:
            stopped = ">" + format(limit_s, "g")
            print(f"{question.name:<26} {len(a_o.rows):>6} {stopped:>10} {t_o:>11.4f}   (rdflib stopped)")
            continue
        same = "" if a_o == a_r else "  ENGINES DISAGREE"
        ratio = t_r / t_o if t_o > 0 else float("inf")
        ratios.append(ratio)
        total_r, total_o = total_r + t_r, total_o + t_o
        print(
            f"{question.name:<26} {len(a_o.rows):>6} {t_r:>10.4f} {t_o:>11.4f} {ratio:>7.1f}x{same}",
            flush=True,
        )
    print(
        f"{'finished by both':<26} {'':>6} {total_r:>10.3f} {total_o:>11.3f} {total_r / total_o:>7.1f}x"
        f"   (median ratio per question {statistics.median(ratios):.1f}x)"
    )
    shutil.rmtree(location)


def write_turtle(records: list[EvidenceRecord], citations: list[Citation], path: Path) -> None:
    """kb.ttl as the build makes it, but through N-Triples and pyoxigraph: rdflib's Turtle
    serialiser would take minutes at this size, and the file content is what is compared."""
    nt = path.with_suffix(".nt")
    rdf.build_graph(records, citations).serialize(destination=str(nt), format="nt", encoding="utf-8")
    # sorted lines group each subject's triples, so the Turtle is as compact as rdflib's
    nt.write_text("".join(sorted(nt.read_text(encoding="utf-8").splitlines(keepends=True))), encoding="utf-8")
    prefixes = {k: str(v) for k, v in PREFIXES.items()}
    ox.serialize(
        ox.parse(path=str(nt), format=ox.RdfFormat.N_TRIPLES),
        str(path),
        ox.RdfFormat.TURTLE,
        prefixes=prefixes,
    )
    nt.unlink()


def cpu_and_wall(fn: Callable[[], q.Answer], repeat: int) -> tuple[float, float, q.Answer]:
    """Best process CPU seconds and best wall seconds of ``repeat`` runs, and the answer."""
    cpus, walls, answer = [], [], None
    for _ in range(repeat):
        cpu, wall = time.process_time(), time.perf_counter()
        answer = fn()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    assert answer is not None
    return min(cpus), min(walls), answer


def bench_oxigraph_only(articles: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        t_gen, made = timed(lambda: synthetic.scaled(articles))
        records, citations = made  # type: ignore[misc]
        t_store, out = timed(lambda: write_store(records, citations, Path(tmp) / "kb"))
        print(
            f"synthetic, {articles} articles, {len(citations)} citations: generated in {t_gen:.1f} s, "
            f"store written from quads in {t_store:.1f} s"
        )
        engine = q.OxigraphEngine(store.open_read_only(store.location(Path(tmp) / "kb")))
        print(f"{'question':<26} {'parameters':<28} {'rows':>7} {'cpu s':>7} {'wall s':>7}")
        for question in q.library():
            bound = {k: SCALED_PARAMS[k] for k in question.parameters if k in SCALED_PARAMS}
            for params in ({}, bound) if bound else ({},):

                def run(question: q.Question = question, params: dict[str, str] = params) -> q.Answer:
                    return q.ask(engine, question, params)

                cpu, wall, answer = cpu_and_wall(run, repeat)
                shown = ",".join(f"{k}={v}" for k, v in params.items()) or "-"
                print(
                    f"{question.name:<26} {shown:<28} {len(answer.rows):>7} {cpu:>7.3f} {wall:>7.3f}",
                    flush=True,
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rdflib-limit-s", type=float, default=300.0)
    parser.add_argument("--cache", type=Path, help="keep (and reuse) the synthetic kb-N.ttl here")
    parser.add_argument("--oxigraph-only", action="store_true", help="no rdflib; store from quads")
    args = parser.parse_args()
    if args.oxigraph_only:
        bench_oxigraph_only(args.articles, args.repeat)
        return
    with tempfile.TemporaryDirectory() as tmp:
        seed = Path(tmp) / "seed"
        build(ROOT / "ingest" / "manifest.toml", seed, with_site=False)
        bench("seed (ingest/manifest.toml)", seed, args.repeat, args.rdflib_limit_s)
        scaled = Path(tmp) / "synthetic"
        scaled.mkdir()
        cached = args.cache / f"kb-{args.articles}.ttl" if args.cache else None
        if cached and cached.is_file():
            shutil.copy(cached, scaled / "kb.ttl")
            print(f"\n(synthetic: {args.articles} articles, kb.ttl from {cached})")
        else:
            t_gen, made = timed(lambda: synthetic.scaled(args.articles))
            records, citations = made  # type: ignore[misc]
            t_ttl, _ = timed(lambda: write_turtle(records, citations, scaled / "kb.ttl"))
            print(
                f"\n(synthetic: {args.articles} articles, {len(citations)} citations generated in "
                f"{t_gen:.1f} s; kb.ttl written by rdflib in {t_ttl:.1f} s)"
            )
            if cached:
                cached.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(scaled / "kb.ttl", cached)
        bench(f"synthetic, {args.articles} articles", scaled, args.repeat, args.rdflib_limit_s, SCALED_PARAMS)


if __name__ == "__main__":
    main()
