"""Build benchmark: `kb build --no-site` on synthetic PubMed corpora, per stage, beside floors.

Usage: .venv/bin/python benchmarks/bench_build.py [N ...] [--incremental] [--work DIR] [--per-file K]
       (default N: 1000; the issue's sizes are 1000 10000 20000 100000)

For each N it generates a synthetic corpus (benchmarks/synthetic_corpus.py: real PubMed fixture
records under new PMIDs, gzipped baseline-style files), then runs the installed CLI's ``build``
command in a child process, so it measures whatever pipeline is there. The child records every
``progress(stage, done, total)`` call of the build (the CLI's progress bar is swapped for a
recorder); a stage's time runs from the event before its first one to its last one, so
overlapping (streamed) stages each show their own span. The child also times the pipeline's
parts (pass 1, the reader, pass 2, each sink, kb check) by wrapping their functions. A thread
samples the RSS of the child and all its descendants every 50 ms (the sum: workers count). CPU time is the
larger of the children's ``getrusage`` and the sum of the last CPU times sampled per process.

Floors, measured in the same run on the same data: lxml ``iterparse`` + ``clear`` over the
corpus files (reading); ``sqlite3.executemany`` of the very rows the build stored, into an empty
copy of its schema (SQLite); pyoxigraph bulk-loading the build's ``kb.nq`` into a new store and
serialising it back to N-Quads (RDF). ``--incremental`` rewrites one file of the largest corpus
and rebuilds into the same output folder (the issue's goal: at most 5 % of the full build).

Results go to benchmarks/results/build-N.json (small files, meant to be committed).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_floors import best, extraction_sample, floor_rdf, floor_read, floor_sqlite, timed  # noqa: E402
from synthetic_corpus import Layout, generate, revise  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"

# Runs in the child: the installed CLI, with its progress bar replaced by a recorder of
# (wall time, stage, done, total), and best-effort timers around the pipeline's parts (pass 1,
# the reader inside it, the entries of pass 2, each sink's write + close, kb check). A part the
# pipeline no longer has is simply not timed; without a progress_bar only the whole build is.
PROBE = r"""
import collections, contextlib, functools, json, sys, time
log = open(sys.argv[1], "w", buffering=1 << 16)
timers = collections.Counter()
cpu = collections.Counter()
def clocks():
    return time.perf_counter(), time.process_time()
def add(name, start):
    timers[name] += time.perf_counter() - start[0]
    cpu[name] += time.process_time() - start[1]
def record(stage, done, total):
    log.write(json.dumps([time.time(), stage, done, total]) + "\n")
@contextlib.contextmanager
def recorder():
    yield record
def timed_iter(name, items):
    it = iter(items)
    while True:
        t = clocks()
        try:
            item = next(it)
        except StopIteration:
            add(name, t)
            return
        add(name, t)
        yield item
def wrap(module, attr, name, generator=False):
    f = getattr(module, attr, None)
    if f is None:
        return
    @functools.wraps(f)
    def timed(*args, **kwargs):
        if generator:
            return timed_iter(name, f(*args, **kwargs))
        t = clocks()
        try:
            return f(*args, **kwargs)
        finally:
            add(name, t)
    setattr(module, attr, timed)
class TimedSink:
    def __init__(self, sink):
        self._sink, self.name = sink, sink.name
    def __getattr__(self, attr):
        return getattr(self._sink, attr)
    def write(self, batch):
        t = clocks()
        self._sink.write(batch)
        add("sink " + self.name, t)
    def close(self, row):
        t = clocks()
        self._sink.close(row)
        add("sink " + self.name, t)
import kb.cli.app as cli
if hasattr(cli, "progress_bar"):
    cli.progress_bar = recorder
with contextlib.suppress(ImportError):
    import kb.pipeline.build as b, kb.pipeline.stream as st, kb.sinks.check as ck
    wrap(b, "index_snapshots", "pass 1 (read+merge)")
    wrap(st, "read_snapshot", "reader", generator=True)
    wrap(b, "iter_entries", "pass 2 (entries)", generator=True)
    wrap(ck, "check", "check")
    if hasattr(b, "_sinks"):
        make = b._sinks
        b._sinks = lambda *a, **k: [TimedSink(x) for x in make(*a, **k)]
sys.argv = ["kb", *sys.argv[2:]]
try:
    cli.app()
finally:
    both = {name: [timers[name], cpu[name]] for name in timers}
    log.write(json.dumps([time.time(), "__timers__", both, 0]) + "\n")
    log.close()
"""


@dataclass
class Stage:
    """A stage as the progress events show it; ``items`` is its last ``done`` (snapshots, articles, 1)."""

    name: str
    items: int
    seconds: float
    peak_rss_mb: float


@dataclass
class Run:
    """One child build: wall and CPU time, peak RSS (sampled tree sum and largest process)."""

    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    max_process_rss_mb: float
    returncode: int
    stages: list[Stage] = field(default_factory=list)
    #: [wall s, CPU s of the build's main process] inside each timed part of the pipeline (see PROBE)
    timers: dict[str, list[float]] = field(default_factory=dict)
    stderr_tail: str = ""


class _Sampler(threading.Thread):
    """Samples the RSS of a process and all its descendants until it ends."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.proc = psutil.Process(pid)
        self.samples: list[tuple[float, float]] = []
        #: last CPU seconds (user + system) seen per process: worker processes that a
        #: forkserver reaps never reach this process's getrusage(RUSAGE_CHILDREN)
        self.cpu: dict[int, float] = {}
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            try:
                procs = [self.proc, *self.proc.children(recursive=True)]
                rss = 0
                for p in procs:
                    try:
                        rss += p.memory_info().rss
                        times = p.cpu_times()
                        self.cpu[p.pid] = times.user + times.system
                    except psutil.Error:
                        pass  # a worker that just exited
                self.samples.append((time.time(), rss / 2**20))
            except psutil.Error:
                return
            self.done.wait(0.05)

    def peak(self, start: float = 0.0, end: float = float("inf")) -> float:
        inside = [mb for t, mb in self.samples if start <= t <= end]
        return max(inside, default=0.0)


def _stages(
    events: list[tuple[float, str, int, int]], sampler: _Sampler, t0: float, t1: float
) -> list[Stage]:
    """Per stage: items done, span from the event before its first one to its last, peak RSS in it.

    The time after the last event (kb check, the swap, process exit) is the stage "after".
    """
    stages: dict[str, Stage] = {}
    previous = t0
    firsts: dict[str, float] = {}
    for t, name, done, _total in events:
        if name not in firsts:
            firsts[name] = previous
        start = firsts[name]
        stage = stages.setdefault(name, Stage(name, 0, 0.0, 0.0))
        stage.items = max(stage.items, done)
        stage.seconds = t - start
        previous = t
    for stage in stages.values():
        stage.peak_rss_mb = sampler.peak(firsts[stage.name], firsts[stage.name] + stage.seconds + 0.05)
    tail = Stage("after", 1, t1 - previous, sampler.peak(previous, t1))
    return [*stages.values(), tail]


def run_build(manifest: Path, out: Path, extra: list[str]) -> Run:
    """`kb build --no-site` in a child process, measured."""
    log = Path(tempfile.mkstemp(prefix="kb-bench-", suffix=".jsonl")[1])
    cmd = [sys.executable, "-c", PROBE, str(log), "build", "--no-site", "--manifest", str(manifest)]
    cmd += ["--out", str(out), *extra]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.time()
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # noqa: S603
    sampler = _Sampler(child.pid)
    sampler.start()
    _, stderr = child.communicate()
    t1 = time.time()
    sampler.done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    events = [tuple(json.loads(line)) for line in log.read_text().splitlines() if line.strip()]
    log.unlink()
    timers = next((e[2] for e in events if e[1] == "__timers__"), {})
    events = [e for e in events if e[1] != "__timers__"]
    return Run(
        wall_s=t1 - t0,
        cpu_s=max(
            (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), sum(sampler.cpu.values())
        ),
        peak_rss_mb=sampler.peak(),
        max_process_rss_mb=after.ru_maxrss / 1024,  # kB on Linux; the largest single process
        returncode=child.returncode,
        stages=_stages(events, sampler, t0, t1),  # type: ignore[arg-type]
        timers=timers,
        stderr_tail=stderr[-2000:],
    )


TASK = r"""
import json, sys, time
from kb.pipeline.dask import read_and_extract
started = time.process_time()
result = read_and_extract(sys.argv[1], 0)
print(json.dumps([result.articles, time.process_time() - started, len(result.items)]))
"""


def dask_task(manifest: Path) -> dict[str, float]:
    """One Dask task (read + extract the first snapshot) in a fresh process: CPU s and peak RSS."""
    child = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", TASK, str(manifest)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    sampler = _Sampler(child.pid)
    sampler.start()
    stdout, stderr = child.communicate()
    sampler.done.set()
    sampler.join()
    if child.returncode:
        return {"error": child.returncode}
    articles, cpu, items_bytes = json.loads(stdout)
    return {
        "articles": articles,
        "cpu_s": cpu,
        "peak_rss_mb": sampler.peak(),
        "items_mb": items_bytes / 2**20,
    }


def measure(n: int, work: Path, per_file: int, extra: list[str], repeats: int) -> dict[str, Any]:
    """Generate, build and measure one size; the output folder is kept for --incremental."""
    corpus = work / f"corpus-{n}"
    shutil.rmtree(corpus, ignore_errors=True)
    started = time.perf_counter()
    manifest = generate(Layout(n, per_file), corpus)
    generated = time.perf_counter() - started
    out = work / f"out-{n}"
    # a full build starts cold: no earlier output and no incremental-build cache beside it
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(work / f".{out.name}.cache", ignore_errors=True)
    run = run_build(manifest, out, extra)
    files = sorted(corpus.glob("*.xml.gz"))
    result: dict[str, Any] = {"n": n, "files": len(files), "generate_s": generated, "build": asdict(run)}
    # rates per article whatever a stage counts (snapshots, articles, or a single step)
    result["build"]["stages"] = [
        asdict(s) | {"rate": n / s.seconds if s.seconds else 0.0} for s in run.stages
    ]
    result["floors"] = {"read": best(lambda: timed(lambda: floor_read(files)), repeats)}
    if (out / "kb.sqlite").is_file():
        result["floors"]["sqlite"] = best(lambda: floor_sqlite(out / "kb.sqlite", work), repeats)
    if (out / "kb.nq").is_file():
        result["floors"]["rdf"] = best(lambda: timed(lambda: floor_rdf(out / "kb.nq", work)), repeats)
    result["extraction_sample"] = extraction_sample(files)
    result["dask_task"] = dask_task(manifest)
    return result


def incremental(n: int, work: Path, per_file: int, extra: list[str], full: dict[str, Any]) -> dict[str, Any]:
    """Rewrite one snapshot of the corpus and rebuild into the same folder."""
    revise(Layout(n, per_file), work / f"corpus-{n}", file=0)
    run = run_build(work / f"corpus-{n}" / "manifest.toml", work / f"out-{n}", extra)
    ratio = run.wall_s / full["build"]["wall_s"]
    return {"wall_s": run.wall_s, "cpu_s": run.cpu_s, "ratio": ratio, "timers": run.timers}


def _stage_seconds(result: dict[str, Any], *names: str) -> float:
    return sum(s["seconds"] for s in result["build"]["stages"] if s["name"] in names)


def print_result(r: dict[str, Any]) -> None:
    b = r["build"]
    print(f"\n== {r['n']} synthetic articles in {r['files']} files (generated in {r['generate_s']:.1f} s)")
    status = "ok" if b["returncode"] == 0 else f"FAILED (exit {b['returncode']})"
    print(
        f"build {status}: wall {b['wall_s']:.1f} s, CPU {b['cpu_s']:.1f} s, "
        f"peak RSS {b['peak_rss_mb']:.0f} MB (tree), largest process {b['max_process_rss_mb']:.0f} MB"
    )
    if b["returncode"]:
        print(b["stderr_tail"])
    print(f"{'stage':<12}{'events':>10}{'seconds':>10}{'articles/s':>12}{'peak MB':>10}")
    for s in b["stages"]:
        line = (
            f"{s['name']:<12}{s['items']:>10}{s['seconds']:>10.2f}{s['rate']:>12.0f}{s['peak_rss_mb']:>10.0f}"
        )
        print(line)
    if b["timers"]:
        print(f"{'timed part':<24}{'seconds':>10}{'CPU s':>10}{'articles/s':>12}")
        for name, (seconds, cpu) in b["timers"].items():
            print(f"{name:<24}{seconds:>10.2f}{cpu:>10.2f}{r['n'] / max(seconds, 1e-9):>12.0f}")
    abstracts, cpu = r["extraction_sample"]
    print(
        f"extraction sample: {abstracts} abstracts in {cpu:.2f} CPU s, "
        f"{abstracts / max(cpu, 1e-9):.0f}/s per core"
    )
    task = r["dask_task"]
    if "cpu_s" in task:
        rate = task["articles"] / max(task["cpu_s"], 1e-9)
        print(
            f"Dask task (read + extract 1 file, 1 core): {task['articles']} articles in "
            f"{task['cpu_s']:.1f} CPU s, {rate:.0f}/s per core, peak RSS {task['peak_rss_mb']:.0f} MB"
        )
    print(f"{'floor':<12}{'items':>10}{'seconds':>10}{'CPU s':>10}{'items/s':>12}{'articles/s':>12}")
    for name, (items, seconds, cpu) in r["floors"].items():
        rate, per_article = items / max(seconds, 1e-9), r["n"] / max(seconds, 1e-9)
        print(f"{name:<12}{items:>10}{seconds:>10.2f}{cpu:>10.2f}{rate:>12.0f}{per_article:>12.0f}")


def _goal(text: str, value: float | None, ok: bool | None, cpu: float | None = None) -> None:
    shown = "n/a" if value is None else f"{value:.2f}"
    verdict = "n/a" if ok is None else ("met" if ok else "NOT met")
    extra = "" if cpu is None else f"  [{cpu:.2f}]"
    print(f"  {text:<60}{shown:>10}  {verdict}{extra}")


def print_goals(results: dict[int, dict[str, Any]]) -> None:
    """The issue's goals beside what this run measured (n/a: size not run or stage not reported)."""
    print("\nGoals (issue 8)")

    def get(n: int, key: str) -> float | None:
        return results[n]["build"][key] if n in results else None

    w100, m100 = get(100_000, "wall_s"), get(100_000, "peak_rss_mb")
    m10, m20 = get(10_000, "peak_rss_mb"), get(20_000, "peak_rss_mb")
    _goal("100k build wall s (<= 180)", w100, None if w100 is None else w100 <= 180)
    _goal("100k peak RSS MB (<= 2048)", m100, None if m100 is None else m100 <= 2048)
    ratio = m100 / m10 if m100 and m10 else None
    _goal("RSS 100k / RSS 10k (<= 1.5)", ratio, None if ratio is None else ratio <= 1.5)
    w10 = get(10_000, "wall_s")
    _goal("10k build wall s (<= 90)", w10, None if w10 is None else w10 <= 90)
    _goal("10k peak RSS MB (<= 1229)", m10, None if m10 is None else m10 <= 1229)
    ratio = m20 / m10 if m20 and m10 else None
    _goal("RSS 20k / RSS 10k (<= 1.3)", ratio, None if ratio is None else ratio <= 1.3)
    for n, r in sorted(results.items()):
        floors, timers = r["floors"], r["build"]["timers"]
        # (wall, CPU) of each part; CPU ratios are what a loaded machine distorts least
        sql = timers.get("sink sql") or [_stage_seconds(r, "sqlite", "sql"), 0.0]
        rdf = timers.get("sink rdf") or [_stage_seconds(r, "rdf", "oxigraph"), 0.0]
        read = timers.get("reader") or [_stage_seconds(r, "read"), 0.0]
        for label, part, floor, limit in (("SQLite", sql, "sqlite", 3.0), ("RDF", rdf, "rdf", 1.5)):
            if floor in floors and part[0]:
                x, cpu_x = part[0] / floors[floor][1], part[1] / max(floors[floor][2], 1e-9)
                _goal(f"{n}: {label} / floor time (<= {limit}) [CPU ratio]", x, x <= limit, cpu_x)
        if read[0]:
            # the same articles: the rate ratio is the inverse of the time ratio
            x, cpu_x = floors["read"][1] / read[0], floors["read"][2] / max(read[1], 1e-9)
            _goal(f"{n}: reader rate / floor rate (>= 0.5) [CPU ratio]", x, x >= 0.5, cpu_x)
        abstracts, cpu = r["extraction_sample"]
        if abstracts:
            per_core = abstracts / cpu
            _goal(f"{n}: extraction abstracts/s per core (>= 1000)", per_core, per_core >= 1000)
        if "incremental" in r:
            x = r["incremental"]["ratio"]
            cpu_x = r["incremental"]["cpu_s"] / max(r["build"]["cpu_s"], 1e-9)
            _goal(f"{n}: incremental rebuild / full build (<= 0.05) [CPU ratio]", x, x <= 0.05, cpu_x)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000])
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "kb-bench-build")
    parser.add_argument("--per-file", type=int, default=1000, help="articles per snapshot file")
    parser.add_argument("--incremental", action="store_true", help="rebuild the largest after one change")
    parser.add_argument("--floor-repeats", type=int, default=2, help="runs of each floor (the best counts)")
    parser.add_argument("--build-arg", action="append", default=[], help="passed to kb build (repeatable)")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(exist_ok=True)
    results: dict[int, dict[str, Any]] = {}
    for n in args.sizes:
        results[n] = measure(n, args.work, args.per_file, args.build_arg, args.floor_repeats)
        if args.incremental and n == max(args.sizes) and results[n]["build"]["returncode"] == 0:
            results[n]["incremental"] = incremental(n, args.work, args.per_file, args.build_arg, results[n])
        print_result(results[n])
        if "incremental" in results[n]:
            inc = results[n]["incremental"]
            print(
                f"incremental rebuild (one file rewritten): {inc['wall_s']:.1f} s, {inc['ratio']:.1%} of full"
            )
        results[n]["command"] = " ".join([sys.executable, *sys.argv])
        results[n]["cores"] = len(os.sched_getaffinity(0))
        (RESULTS / f"build-{n}.json").write_text(json.dumps(results[n], indent=1) + "\n")
    print_goals(results)
    print(f"\nJSON results in {RESULTS}/build-N.json; corpora and builds in {args.work}")


if __name__ == "__main__":
    main()
