"""Synthetic PubMed baseline corpora: real fixture records under new PMIDs, gzipped, with a manifest.

Usage: .venv/bin/python benchmarks/synthetic_corpus.py N OUT_DIR [--per-file 1000] [--seed 1]

Every article is a real PubMed record from tests/data/pubmed (byte-for-byte copies of
/work/shared/fixtures/pubmed; the 604 citations of the 2016 MEDLINE update file and the
PubmedArticle records of the other XML fixtures), given a new PMID from 900,000,001 upwards (far
above any real PMID), a synthetic DOI, and a fresh reference list that cites earlier synthetic
PMIDs only (older articles are cited more, so the citation graph has a heavy tail). Its own
reference links, PMC ids and publisher DOIs are dropped so that no link leaves the corpus.

Files are named ``synthetic-pubmedNNNN.xml.gz`` (a ``PubmedArticleSet`` like a baseline file)
and ``manifest.toml`` lists them with their sha256; the same N, per-file and seed always give the
same bytes. Each file draws from its own random stream, so ``revise`` can rewrite one file
(same PMIDs, other records) for an incremental-build measurement.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

REPO = Path(__file__).resolve().parent.parent
SOURCE = REPO / "tests" / "data" / "pubmed"
#: Synthetic PMIDs start above every real one (PubMed is near 41M in 2026) and stay within 9 digits.
FIRST_PMID = 900_000_001
#: A reference list averages this many links (PubMed resolves a few tens per article; fewer here).
MEAN_REFERENCES = 8
_PMID, _REFS = "@@PMID@@", "@@REFS@@"
_HEAD = '<?xml version="1.0" encoding="utf-8"?>\n<PubmedArticleSet>\n'
_TAIL = "</PubmedArticleSet>\n"
_PARSER = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True)


def _units(path: Path) -> Iterator[etree._Element]:
    """The PubmedArticle elements of a fixture; a bare MedlineCitation is wrapped into one."""
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    root = etree.fromstring(data, _PARSER)
    for unit in root:
        if unit.tag == "PubmedArticle":
            yield unit
        elif unit.tag == "MedlineCitation":
            wrapper = etree.Element("PubmedArticle")
            wrapper.append(unit)
            yield wrapper


def _template(unit: etree._Element) -> str:
    """The record as XML text with placeholders for its PMID and its reference list."""
    unit = etree.fromstring(etree.tostring(unit), _PARSER)  # a detached copy
    citation = unit.find("MedlineCitation")
    assert citation is not None
    pmid = citation.find("PMID")
    assert pmid is not None
    pmid.text = _PMID
    for cc in citation.iterfind("CommentsCorrectionsList/CommentsCorrections[@RefType='Cites']"):
        cc.getparent().remove(cc)  # type: ignore[union-attr]
    for loc in citation.iterfind("Article/ELocationID[@EIdType='doi']"):
        loc.getparent().remove(loc)  # type: ignore[union-attr]
    data = unit.find("PubmedData")
    if data is not None:
        unit.remove(data)
    data = etree.SubElement(unit, "PubmedData")
    ids = etree.SubElement(data, "ArticleIdList")
    etree.SubElement(ids, "ArticleId", IdType="pubmed").text = _PMID
    etree.SubElement(ids, "ArticleId", IdType="doi").text = f"10.5555/synthetic.{_PMID}"
    etree.SubElement(data, "ReferenceList").text = _REFS
    return etree.tostring(unit, encoding="unicode") + "\n"


def templates(source: Path = SOURCE) -> list[str]:
    """One template per distinct real record (by original PMID), in a fixed order."""
    seen: dict[str, str] = {}
    for path in sorted(source.rglob("*.xml*")):
        if path.name.startswith("elink"):
            continue
        for unit in _units(path):
            pmid = unit.findtext("MedlineCitation/PMID") or ""
            if pmid.isdigit() and pmid not in seen:
                seen[pmid] = _template(unit)
    return [seen[k] for k in sorted(seen, key=int)]


def _references(rng: random.Random, index: int) -> str:
    """A reference list citing earlier synthetic articles; low indexes (older ones) are cited more."""
    wanted = min(index, int(rng.expovariate(1 / MEAN_REFERENCES)))
    cited = sorted({int(index * rng.random() ** 2) for _ in range(wanted)})
    return "".join(
        "<Reference><Citation>synthetic reference</Citation><ArticleIdList>"
        f'<ArticleId IdType="pubmed">{FIRST_PMID + j}</ArticleId></ArticleIdList></Reference>'
        for j in cited
    )


@dataclass(frozen=True)
class Layout:
    """How many articles, in files of how many, from which random seed."""

    n: int
    per_file: int = 1000
    seed: int = 1

    @property
    def files(self) -> int:
        return -(-self.n // self.per_file)

    def name(self, file: int) -> str:
        return f"synthetic-pubmed{file + 1:04d}.xml.gz"

    def span(self, file: int) -> range:
        return range(file * self.per_file, min(self.n, (file + 1) * self.per_file))


def write_file(layout: Layout, file: int, out: Path, pool: list[str], revision: int = 0) -> Path:
    """Write one gzipped file; ``revision`` > 0 draws other records for the same PMIDs."""
    rng = random.Random(f"{layout.seed}:{file}:{revision}")  # noqa: S311 - test data, not secrets
    parts = [_HEAD]
    for index in layout.span(file):
        template = pool[rng.randrange(len(pool))]
        parts.append(template.replace(_PMID, str(FIRST_PMID + index)).replace(_REFS, _references(rng, index)))
    parts.append(_TAIL)
    path = out / layout.name(file)
    # mtime=0 keeps the gzip header, hence the bytes and the sha256, the same on every run.
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as gz:
        gz.write("".join(parts).encode("utf-8"))
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_manifest(layout: Layout, out: Path) -> Path:
    """manifest.toml naming every file with its reader and sha256."""
    lines = [
        "# Generated by benchmarks/synthetic_corpus.py: synthetic, do not edit.",
        "[kb]",
        f'name = "synthetic-pubmed-{layout.n}"',
        f'title = "Synthetic PubMed corpus of {layout.n} articles"',
        'description = "synthetic: real PubMed fixture records re-emitted under new PMIDs '
        f'(from {FIRST_PMID}) with generated citation links; seed {layout.seed}"',
        f'seed_pmids = ["{FIRST_PMID}"]',
    ]
    for file in range(layout.files):
        path = out / layout.name(file)
        lines += [
            "",
            "[[snapshot]]",
            f'path = "{path.name}"',
            'reader = "pubmed-xml"',
            f'sha256 = "{sha256(path)}"',
            'note = "synthetic"',
        ]
    manifest = out / "manifest.toml"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return manifest


def generate(layout: Layout, out: Path, source: Path = SOURCE) -> Path:
    """Write the corpus and its manifest into ``out``; returns the manifest path."""
    out.mkdir(parents=True, exist_ok=True)
    pool = templates(source)
    for file in range(layout.files):
        write_file(layout, file, out, pool)
    return write_manifest(layout, out)


def revise(layout: Layout, out: Path, file: int = 0, source: Path = SOURCE) -> Path:
    """Rewrite one file with other records under the same PMIDs and update the manifest's sha256."""
    write_file(layout, file, out, templates(source), revision=1)
    return write_manifest(layout, out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of articles")
    parser.add_argument("out", type=Path, help="folder for the files and manifest.toml")
    parser.add_argument("--per-file", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    manifest = generate(Layout(args.n, args.per_file, args.seed), args.out)
    print(f"{manifest} ({args.n} synthetic articles) in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
