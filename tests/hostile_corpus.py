"""Synthetic hostile inputs (issue 13), each made by mutating a real fixture of tests/data.

``python -m tests.hostile_corpus OUT`` writes every case into OUT (plus a FIFO and manifests
that escape their folder); tests/test_hostile_inputs.py generates them into a temporary folder
and checks that each one ends in a clean result: a record skipped with a warning, a SourceError
naming the file (and line), or a correct reading. ``KEY_ECHOES`` are server answers that echo
the API key (tests/test_fetch.py). A later fuzzing issue extends ``CASES``.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

DATA = Path(__file__).parent / "data"
SEED_PAGE = DATA / "seed" / "pubmed-31002989.txt"
BIO = DATA / "pubmed" / "biopython"
PUBMED2 = BIO / "pubmed2.xml"  # 11748933, 11700088
MEDLINE1 = BIO / "pubmed_result1.txt"  # 12230038
MEDLINE2 = BIO / "pubmed_result2.txt"  # 16403221, 16377612, 14871861, 14630660
ELINK1 = BIO / "elink1.xml"  # 9298984 and its links
EUROPEPMC = DATA / "pubmed" / "europepmc" / "search_cancer_core.json"

#: Arabic-Indic digits: str.isdigit() and a Unicode \d accept them, an identifier must not.
ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
#: The ids line of the seed page's first citing article, and the line it is on.
IDS_LINE = "PMID: 40075627 PMC: 11899621. DOI: 10.3390/cancers17050779."
IDS_LINE_NUMBER = 22

Expect = Literal["read", "skip", "error"]
Escape = Literal["dotdot", "symlink", "symlinked-dir", "inside"]
#: The ways a manifest's snapshot path can leave its folder.
ESCAPES: tuple[Escape, ...] = ("dotdot", "symlink", "symlinked-dir")


@dataclass(frozen=True)
class Hostile:
    """One hostile input: its file name, the reader a manifest would name, and the clean outcome.

    ``expect``: "read" (articles, nothing skipped), "skip" (the bad records skipped with a
    warning, the rest read) or "error" (a SourceError naming the file). ``extract``: whether
    ``kb extract`` runs on it in the tests (not for inputs only the reader is about).
    """

    name: str
    reader: str
    expect: Expect
    issue: str
    make: Callable[[], bytes]
    extract: bool = True


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _europepmc(results: list[dict[str, Any]]) -> dict[str, Any]:
    return {"version": "6.9", "hitCount": len(results), "resultList": {"result": results}}


def _real_results(n: int) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = json.loads(_text(EUROPEPMC))["resultList"]["result"]
    return [r for r in results if r.get("pmid")][:n]


def lone_surrogate_json() -> bytes:
    """Three real results; the second's title holds the JSON escape of a lone surrogate."""
    results = _real_results(3)
    results[1]["title"] = "SURROGATE-HERE " + str(results[1].get("title", ""))
    text = json.dumps(_europepmc(results), indent=1)  # ASCII: the escape stays an escape
    return text.replace("SURROGATE-HERE", "\\ud800", 1).encode("ascii")


def list_fields_json() -> bytes:
    """Real results: text fields given as lists, list fields as a lone text or nested lists.

    The first result's fields were stored as the text "['x']"; the second's were refused.
    """
    first, second = _real_results(2)
    first["title"] = [str(first["title"])]
    first["pubTypeList"] = {"pubType": "Journal Article"}
    first["keywordList"] = {"keyword": [["cancer"], "radiotherapy"]}
    second["language"] = ["eng"]
    second["journalInfo"]["journal"]["title"] = ["Lancet", "(London, England)"]
    return json.dumps(_europepmc([first, second]), indent=1, ensure_ascii=False).encode("utf-8")


def arabic_pmid_json() -> bytes:
    """Two real results; the first's PMID in Arabic-Indic digits."""
    results = _real_results(2)
    results[0]["pmid"] = str(results[0]["pmid"]).translate(ARABIC)
    return json.dumps(_europepmc(results), indent=1, ensure_ascii=False).encode("utf-8")


def superscript_count_page() -> bytes:
    """The seed page with its citation count written '3²1' (isdigit() is True, int() fails)."""
    return _text(SEED_PAGE).replace("Citations 31\n", "Citations 3²1\n", 1).encode("utf-8")


def split_ids_page() -> bytes:
    """The seed page with each citing article's ids line wrapped, inside a number or a DOI too."""
    text = _text(SEED_PAGE)
    cuts = {  # where each ids line is broken: inside the PMID, PMC id, DOI, and at spaces
        "PMID: 40075627 ": 10,
        "PMID: 39258182 ": 24,
        "PMID: 38977689 ": 45,
        "PMID: 38916714 ": 15,
        "PMID: 38003295 ": 36,
    }
    lines = []
    for line in text.split("\n"):
        cut = next((c for start, c in cuts.items() if line.startswith(start)), None)
        lines.append(line if cut is None else line[:cut] + "\n" + line[cut:])
    return "\n".join(lines).encode("utf-8")


def ids_trailer_page() -> bytes:
    """The seed page with text after the first ids line, in the same paragraph."""
    return _text(SEED_PAGE).replace(IDS_LINE, IDS_LINE + "\nFree PMC article.", 1).encode("utf-8")


def arabic_pmid_page() -> bytes:
    """The seed page whose own PMID is written in Arabic-Indic digits."""
    return _text(SEED_PAGE).replace("PMID 31002989", "PMID " + "31002989".translate(ARABIC), 1).encode()


def arabic_citing_page() -> bytes:
    """The seed page whose first citing article's PMID is in Arabic-Indic digits."""
    return _text(SEED_PAGE).replace("PMID: 40075627", "PMID: " + "40075627".translate(ARABIC), 1).encode()


def arabic_pmid_medline() -> bytes:
    """Four real MEDLINE records; the second's PMID in Arabic-Indic digits."""
    return _text(MEDLINE2).replace("PMID- 16377612", "PMID- " + "16377612".translate(ARABIC), 1).encode()


def arabic_pmid_xml() -> bytes:
    """Two real PubMed XML records: Arabic-Indic digits in one's PMID, in the other's PMC id."""
    text = _text(PUBMED2).replace(">11748933</PMID>", ">" + "11748933".translate(ARABIC) + "</PMID>", 1)
    pmc = '<ArticleId IdType="pmc">PMC' + "345".translate(ARABIC) + "</ArticleId>"
    text = text.replace(
        '<ArticleId IdType="pubmed">11700088</ArticleId>',
        f'<ArticleId IdType="pubmed">11700088</ArticleId>{pmc}',
    )
    return text.encode("utf-8")


def arabic_delete_xml() -> bytes:
    """A PubmedArticleSet whose DeleteCitation names a real PMID and one in Arabic-Indic digits."""
    bad = "26432306".translate(ARABIC)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<PubmedArticleSet>\n<DeleteCitation>\n'
        f'<PMID Version="1">26432306</PMID>\n<PMID Version="1">{bad}</PMID>\n'
        "</DeleteCitation>\n</PubmedArticleSet>\n"
    ).encode()


def arabic_elink() -> bytes:
    """The real eLink result with one citing id written in Arabic-Indic digits."""
    text = _text(ELINK1)
    at = text.index("<LinkName>pubmed_pubmed_citedin</LinkName>")
    start = text.index("<Id>", at) + len("<Id>")
    end = text.index("</Id>", start)
    return (text[:start] + text[start:end].translate(ARABIC) + text[end:]).encode("utf-8")


def _utf16_xml(encoding: str, bom: bool) -> bytes:
    text = _text(PUBMED2).replace('<?xml version="1.0" ?>', '<?xml version="1.0" encoding="UTF-16"?>', 1)
    data = text.encode(encoding)
    return (b"\xff\xfe" if encoding == "utf-16-le" else b"\xfe\xff") + data if bom else data


def utf16le_bom_xml() -> bytes:
    """Real PubMed XML in UTF-16 little-endian with a byte-order mark."""
    return _utf16_xml("utf-16-le", bom=True)


def utf16be_xml() -> bytes:
    """Real PubMed XML in UTF-16 big-endian without a byte-order mark (XML 1.0 Appendix F)."""
    return _utf16_xml("utf-16-be", bom=False)


def utf16_medline() -> bytes:
    """Real MEDLINE text in UTF-16 (with the BOM Python writes)."""
    return _text(MEDLINE2).encode("utf-16")


def utf16_json() -> bytes:
    """A real Europe PMC response in UTF-16."""
    return _text(EUROPEPMC).encode("utf-16")


def utf16_page() -> bytes:
    """The seed page in UTF-16."""
    return _text(SEED_PAGE).encode("utf-16")


def long_field_medline() -> bytes:
    """A real MEDLINE record with a 1.5 MB abstract (20,000 continuation lines)."""
    return medline_long_field(20_000)


def medline_long_field(lines: int, width: int = 76) -> bytes:
    """A real MEDLINE record whose abstract is ``lines`` continuation lines long (synthetic text)."""
    filler = ("Synthetic continuation text of a very long abstract field. " * 4)[: width - 6]
    head, _, tail = _text(MEDLINE1).partition("AB  - ")
    rest = tail[tail.index("\nAD  - ") :]
    body = "AB  - " + filler + "".join("\n      " + filler for _ in range(lines))
    return (head + body + rest).encode("utf-8")


CASES: list[Hostile] = [
    Hostile("synthetic-lone-surrogate.json", "europepmc-json", "skip", "13.5", lone_surrogate_json),
    Hostile("synthetic-superscript-count.txt", "pubmed-page", "error", "13.5", superscript_count_page),
    Hostile("synthetic-split-ids-lines.txt", "pubmed-page", "read", "13.5", split_ids_page),
    Hostile("synthetic-ids-trailer.txt", "pubmed-page", "error", "13.5", ids_trailer_page),
    Hostile("synthetic-arabic-pmid-page.txt", "pubmed-page", "error", "13.6", arabic_pmid_page),
    Hostile("synthetic-arabic-citing-pmid.txt", "pubmed-page", "error", "13.6", arabic_citing_page),
    Hostile("synthetic-arabic-pmid.nbib", "medline", "skip", "13.6", arabic_pmid_medline),
    Hostile("synthetic-arabic-pmid.xml", "pubmed-xml", "skip", "13.6", arabic_pmid_xml),
    Hostile("synthetic-arabic-delete.xml", "pubmed-xml", "skip", "13.6", arabic_delete_xml),
    Hostile("synthetic-arabic-elink.xml", "elink-xml", "skip", "13.6", arabic_elink),
    Hostile("synthetic-arabic-pmid.json", "europepmc-json", "skip", "13.6", arabic_pmid_json),
    Hostile("synthetic-long-field.nbib", "medline", "read", "13.9", long_field_medline, extract=False),
    Hostile("synthetic-list-fields.json", "europepmc-json", "read", "13.10", list_fields_json),
    Hostile("synthetic-utf16le-bom.xml", "pubmed-xml", "read", "13.10", utf16le_bom_xml),
    Hostile("synthetic-utf16be.xml", "pubmed-xml", "read", "13.10", utf16be_xml),
    Hostile("synthetic-utf16.nbib", "medline", "read", "13.10", utf16_medline),
    Hostile("synthetic-utf16.json", "europepmc-json", "read", "13.10", utf16_json),
    Hostile("synthetic-utf16-page.txt", "pubmed-page", "read", "13.10", utf16_page),
]  # fmt: skip


#: Answers of an E-utilities server that echo the request, API key included (tests/eutils_server.py
#: fills in {body}, {body_xml} and {request}): (endpoint, body template). tests/test_fetch.py
#: checks the key shows in no message, log or saved file.
KEY_ECHOES: list[tuple[str, bytes]] = [
    # a 200 that is not XML and echoes the form: the old error quoted its first 80 bytes
    ("efetch.fcgi", b"{body}"),
    ("elink.fcgi", b"{body}"),
    ("efetch.fcgi", b"Request rejected: {request}"),
    # an E-utilities error that quotes the request: the old error message repeated it
    ("elink.fcgi", b"<eLinkResult><ERROR>bad request: {body_xml}</ERROR></eLinkResult>"),
    # the same inside a LinkSet: the old code saved it as a snapshot, key and all
    ("elink.fcgi", b"<eLinkResult><LinkSet><DbFrom>pubmed</DbFrom><ERROR>{body_xml}</ERROR></LinkSet>"
                   b"</eLinkResult>"),
]  # fmt: skip


def make_fifo(folder: Path) -> Path:
    """A named pipe nobody writes to: reading it would block forever."""
    path = folder / "synthetic-fifo.xml"
    os.mkfifo(path)
    return path


def escaping_manifest(folder: Path, how: Escape) -> Path:
    """An ingest folder whose manifest names a snapshot outside it (or, for 'inside', a symlink within).

    The snapshot is the real seed page; only the paths are synthetic.
    """
    ingest = folder / "ingest"
    ingest.mkdir(parents=True)
    outside = folder / "secret" / "pubmed-31002989.txt"
    outside.parent.mkdir()
    outside.write_bytes(SEED_PAGE.read_bytes())
    if how == "dotdot":
        path = "../secret/pubmed-31002989.txt"
    elif how == "symlink":
        (ingest / "pubmed-31002989.txt").symlink_to(outside)
        path = "pubmed-31002989.txt"
    elif how == "symlinked-dir":
        (ingest / "snapshots").symlink_to(outside.parent, target_is_directory=True)
        path = "snapshots/pubmed-31002989.txt"
    else:
        (ingest / "real").mkdir()
        (ingest / "real" / "pubmed-31002989.txt").write_bytes(SEED_PAGE.read_bytes())
        (ingest / "pubmed-31002989.txt").symlink_to(Path("real") / "pubmed-31002989.txt")
        path = "pubmed-31002989.txt"
    manifest = ingest / "manifest.toml"
    manifest.write_text(
        '[kb]\nname = "synthetic-escape"\ntitle = "Synthetic: a snapshot path leaving the folder"\n'
        f'seed_pmids = ["31002989"]\n\n[[snapshot]]\npath = "{path}"\nreader = "pubmed-page"\n',
        encoding="utf-8",
    )
    return manifest


def write(folder: Path) -> dict[str, Path]:
    """Write every case into ``folder``; returns name -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for case in CASES:
        paths[case.name] = folder / case.name
        paths[case.name].write_bytes(case.make())
    return paths


if __name__ == "__main__":  # python -m tests.hostile_corpus OUT
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-corpus")
    written = write(out)
    make_fifo(out)
    for how in ESCAPES:
        escaping_manifest(out / f"synthetic-manifest-{how}", how)
    print(f"{len(written)} files, a FIFO and 3 escaping manifests in {out}")
