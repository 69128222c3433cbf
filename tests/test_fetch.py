"""``kb fetch`` and the E-utilities client, offline against a local server serving real responses."""

from __future__ import annotations

import logging
import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kb.cli.app import app
from kb.pipeline.build import build
from kb.pipeline.manifest import load_manifest, sha256_file
from kb.sources.eutils import EFETCH_BATCH, EutilsClient, EutilsError, RateLimiter, RetryPolicy, retry_after
from kb.sources.fetch import fetch
from tests.conftest import DATA
from tests.eutils_server import Action, FakeEutils, serve
from tests.hostile_corpus import KEY_ECHOES

PUBMED = DATA / "pubmed"
ELINK1 = PUBMED / "biopython" / "elink1.xml"  # 9298984: 39 citing PMIDs
PUBMED1 = PUBMED / "biopython" / "pubmed1.xml"  # 12091962, 9997
PUBMED2 = PUBMED / "biopython" / "pubmed2.xml"  # 11748933, 11700088
EMPTY = PUBMED / "ncbiutils" / "duplicate.xml"  # what efetch returns for no records
SECRET = "k3y-0f-the-t3st-5uite-do-not-leak"  # noqa: S105  (a fake key that must never leak)


class FakeClock:
    """Injected time: sleeping advances it instantly and is recorded."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds


@pytest.fixture
def fake() -> FakeEutils:
    return FakeEutils([PUBMED1, PUBMED2], [ELINK1])


def client(url: str, clock: FakeClock | None = None, **kw: object) -> EutilsClient:
    retry = kw.pop("retry", RetryPolicy(attempts=4, base_delay=0.5, max_delay=4.0))
    return EutilsClient(
        base_url=url,
        clock=clock or FakeClock(),
        rng=random.Random(7),  # noqa: S311  (seeded jitter)
        retry=retry,  # type: ignore[arg-type]
        timeout=kw.pop("timeout", 5.0),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


# --- rate limiting ---------------------------------------------------------------------------


def _max_in_any_second(starts: list[float]) -> int:
    return max(sum(1 for t in starts if s <= t < s + 1.0) for s in starts)


@pytest.mark.parametrize(
    ("rate", "gaps"), [(3.0, [0.0] * 12), (10.0, [0.0] * 30), (3.0, [0.05, 0.4, 0.0, 1.3])]
)
def test_rate_limiter_never_exceeds_rate_in_any_second(rate: float, gaps: list[float]) -> None:
    clock = FakeClock()
    limiter = RateLimiter(rate, clock)
    starts = []
    for gap in gaps:
        clock.t += gap  # time the caller spends between requests
        limiter.wait()
        starts.append(clock.t)
    assert _max_in_any_second(starts) <= rate
    assert all(b - a >= 1.0 / rate - 1e-9 for a, b in zip(starts, starts[1:], strict=False))


def test_rate_limiter_does_not_wait_when_caller_is_slow() -> None:
    clock = FakeClock()
    limiter = RateLimiter(3.0, clock)
    limiter.wait()
    clock.t += 2.0
    assert limiter.wait() == 0.0
    assert clock.sleeps == []


def test_rate_depends_on_api_key() -> None:
    assert EutilsClient(clock=FakeClock()).limiter.interval == pytest.approx(1 / 3)
    assert EutilsClient(api_key=SECRET, clock=FakeClock()).limiter.interval == pytest.approx(1 / 10)


def test_requests_are_spaced_by_the_limiter(fake: FakeEutils) -> None:
    clock = FakeClock()
    with serve(fake) as url, client(url, clock) as c:
        for _ in range(4):
            c.efetch(["9997"])
    assert len(clock.sleeps) == 3 and all(s == pytest.approx(1 / 3, abs=1e-6) for s in clock.sleeps)


# --- retries ---------------------------------------------------------------------------------


def test_retry_after_forms() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after("7") == 7.0
    later = (now + timedelta(seconds=30)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert retry_after(later, now) == pytest.approx(30.0)
    assert retry_after("soon") is None and retry_after(None) is None


def test_429_honours_retry_after(fake: FakeEutils) -> None:
    fake.queue("efetch.fcgi", Action(429, {"Retry-After": "3"}, b'{"error":"API rate limit exceeded"}'))
    clock = FakeClock()
    with serve(fake) as url, client(url, clock) as c:
        body = c.efetch(["12091962", "9997"])
    assert body == PUBMED1.read_bytes()
    assert len(fake.requests_to("efetch.fcgi")) == 2
    assert max(clock.sleeps) >= 3.0  # waited at least as long as the server asked


def test_5xx_retried_with_growing_backoff(fake: FakeEutils) -> None:
    fake.queue("elink.fcgi", Action(500, body=b"oops"), Action(502, body=b""), Action(503, body=b""))
    clock = FakeClock()
    logs: list[str] = []
    with serve(fake) as url, client(url, clock, log=logs.append) as c:
        body = c.elink_citedin(["9298984"])
    assert body == ELINK1.read_bytes()
    assert len(fake.requests_to("elink.fcgi")) == 4
    assert [m.split(";")[0] for m in logs] == ["elink: HTTP 500", "elink: HTTP 502", "elink: HTTP 503"]
    # full jitter: each delay lies within its doubling cap (0.5, 1, 2 s)
    backoffs = [float(m.rsplit("in ", 1)[1].split(" ")[0]) for m in logs]
    assert all(0 <= b <= cap for b, cap in zip(backoffs, [0.5, 1.0, 2.0], strict=True))


def test_persistent_errors_end_in_a_clear_error(fake: FakeEutils) -> None:
    fake.queue("efetch.fcgi", *[Action(500, body=b"down")] * 4)
    with serve(fake) as url, client(url) as c, pytest.raises(EutilsError, match=r"HTTP 500 .* 4 attempts"):
        c.efetch(["9997"])
    assert len(fake.requests_to("efetch.fcgi")) == 4


def test_client_errors_are_not_retried(fake: FakeEutils) -> None:
    fake.queue("efetch.fcgi", Action(400, body=b"bad request"))
    with serve(fake) as url, client(url) as c, pytest.raises(EutilsError, match="HTTP 400"):
        c.efetch(["9997"])
    assert len(fake.requests_to("efetch.fcgi")) == 1


def test_huge_retry_after_is_not_waited_for(fake: FakeEutils) -> None:
    fake.queue("efetch.fcgi", Action(429, {"Retry-After": "86400"}, b""))
    clock = FakeClock()
    with serve(fake) as url, client(url, clock) as c, pytest.raises(EutilsError, match="retry after 86400"):
        c.efetch(["9997"])
    assert clock.sleeps == []


def test_timeout_is_retried(fake: FakeEutils) -> None:
    fake.queue("efetch.fcgi", Action(delay=1.5))  # the real response, too late
    with serve(fake) as url, client(url, timeout=0.3) as c:
        body = c.efetch(["12091962", "9997"])
    assert body == PUBMED1.read_bytes()
    assert len(fake.requests_to("efetch.fcgi")) == 2


def test_a_200_that_is_not_the_expected_xml_is_an_error(fake: FakeEutils) -> None:
    fake.queue("efetch.fcgi", Action(200, body=b"<eFetchResult><ERROR>Empty id list</ERROR></eFetchResult>"))
    with (
        serve(fake) as url,
        client(url) as c,
        pytest.raises(EutilsError, match="expected <PubmedArticleSet>"),
    ):
        c.efetch(["9997"])


# --- request shape ---------------------------------------------------------------------------


def test_batches_post_tool_email_and_one_id_per_elink_source(fake: FakeEutils) -> None:
    ids = [str(10_000 + i) for i in range(2 * EFETCH_BATCH + 50)]
    with serve(fake) as url, client(url, email="curator@example.org") as c:
        for start in range(0, len(ids), EFETCH_BATCH):
            c.efetch(ids[start : start + EFETCH_BATCH])
        c.elink_citedin(["9298984", "12091962", "9997"])
    efetches = fake.requests_to("efetch.fcgi")
    assert [len(r.values("id")[0].split(",")) for r in efetches] == [200, 200, 50]
    assert all(r.method == "POST" and r.query == [] for r in fake.seen)  # ids never in the URL
    link = fake.requests_to("elink.fcgi")[0]
    assert link.values("id") == ["9298984", "12091962", "9997"]
    assert link.values("linkname") == ["pubmed_pubmed_citedin"] and link.values("dbfrom") == ["pubmed"]
    for r in fake.seen:
        assert r.values("tool") == ["evidence-kb"] and r.values("email") == ["curator@example.org"]
        assert r.values("api_key") == []


def test_bad_pmid_is_refused_before_any_request(fake: FakeEutils) -> None:
    with serve(fake) as url, client(url) as c, pytest.raises(EutilsError, match="not a PMID: '12a'"):
        c.efetch(["9997", "12a"])
    assert fake.seen == []


# --- kb fetch --------------------------------------------------------------------------------


def _files_text(root: Path) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in root.rglob("*") if p.is_file())


def test_fetch_citing_then_build_offline(
    fake: FakeEutils, manifest_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = manifest_copy.read_text(encoding="utf-8")
    monkeypatch.setenv("NCBI_API_KEY", SECRET)
    stages: list[str] = []
    with serve(fake) as url:
        c = EutilsClient.from_env(email="curator@example.org", base_url=url)
        c.clock = FakeClock()
        c.limiter.clock = c.clock
        with c:
            summary = fetch(
                manifest_copy,
                ["9298984", "12091962", "9997"],
                c,
                citing=True,
                progress=lambda stage, done, total: stages.append(stage),
            )
    assert {"elink 1", "efetch"} <= set(stages)
    assert SECRET not in repr(c) and c.has_key
    # the server saw the key in the POST body, never in a URL
    assert all(r.values("api_key") == [SECRET] and SECRET not in r.path for r in fake.seen)
    assert summary.records == {"12091962", "9997"}
    assert summary.citing_links == 39
    assert "9298984" in summary.missing and len(summary.missing) == 40  # the citing records are unknown here
    after = manifest_copy.read_text(encoding="utf-8")
    assert after.startswith(before)  # appended as text: comments and layout kept
    entries = load_manifest(manifest_copy).snapshot
    assert [e.reader for e in entries[1:]] == ["pubmed-xml", "elink-xml"]  # records before links
    for e in entries[1:]:
        path = manifest_copy.parent / e.path
        assert e.path.startswith("snapshots/eutils/") and e.sha256 == sha256_file(path)
        assert e.retrieved and e.note
    assert (manifest_copy.parent / entries[2].path).read_bytes().count(b"<LinkSet>") == 3  # one per id=
    assert SECRET not in _files_text(tmp_path)

    # the build reads only local files: the server is gone
    result = build(manifest_copy, tmp_path / "out", with_site=False)
    assert result.skipped == []
    db = sqlite3.connect(tmp_path / "out" / "kb.sqlite")
    arts = dict(db.execute("SELECT pmid, status FROM article").fetchall())
    assert arts["12091962"] == "full" and arts["9997"] == "full" and arts["9298984"] == "stub"
    reported = db.execute("SELECT cited_by_count FROM article WHERE pmid='9298984'").fetchone()[0]
    n_citing = db.execute(
        "SELECT COUNT(*) FROM citation WHERE cited='9298984' AND origin='elink:pubmed_pubmed_citedin'"
    ).fetchone()[0]
    assert reported == n_citing == 39
    db.close()
    assert SECRET not in _files_text(tmp_path)


def test_fetch_again_is_idempotent(fake: FakeEutils, manifest_copy: Path) -> None:
    with serve(fake) as url:
        with client(url) as c:
            first = fetch(manifest_copy, ["12091962", "9997"], c, citing=True)
        text = manifest_copy.read_text(encoding="utf-8")
        files = sorted(p.name for p in (manifest_copy.parent / "snapshots" / "eutils").iterdir())
        with client(url) as c:
            second = fetch(manifest_copy, ["9997", "12091962"], c, citing=True)
    assert len(first.added) == 2 and second.added == [] and len(second.snapshots) == 2
    assert manifest_copy.read_text(encoding="utf-8") == text
    assert sorted(p.name for p in (manifest_copy.parent / "snapshots" / "eutils").iterdir()) == files


def test_depth_two_follows_citing_articles_breadth_first(fake: FakeEutils, manifest_copy: Path) -> None:
    with serve(fake) as url, client(url) as c:
        summary = fetch(manifest_copy, ["9298984"], c, citing=True, depth=2)
    links = fake.requests_to("elink.fcgi")
    assert [r.values("id") for r in links][0] == ["9298984"]
    second_level = [i for r in links[1:] for i in r.values("id")]
    assert len(second_level) == 39 and len(set(second_level)) == 39 and "9298984" not in second_level
    efetched = [i for r in fake.requests_to("efetch.fcgi") for i in r.values("id")[0].split(",")]
    assert len(efetched) == 40 and len(set(efetched)) == 40  # each article fetched once
    assert summary.records == set()


def test_max_articles_bounds_the_walk(fake: FakeEutils, manifest_copy: Path) -> None:
    with serve(fake) as url, client(url) as c:
        summary = fetch(manifest_copy, ["9298984"], c, citing=True, depth=3, max_articles=10)
    assert summary.truncated
    efetched = [i for r in fake.requests_to("efetch.fcgi") for i in r.values("id")[0].split(",")]
    assert len(efetched) == 10


def test_empty_result_set_adds_nothing(manifest_copy: Path) -> None:
    fake = FakeEutils([PUBMED1], [ELINK1])
    fake.queue("efetch.fcgi", Action(200, {"Content-Type": "text/xml"}, EMPTY.read_bytes()))
    before = manifest_copy.read_bytes()
    with serve(fake) as url, client(url) as c:
        summary = fetch(manifest_copy, ["99999999"], c)
    assert summary.records == set() and summary.missing == ["99999999"]
    assert manifest_copy.read_bytes() == before
    assert not any((manifest_copy.parent / "snapshots" / "eutils").glob("*.xml"))


def test_failure_keeps_what_was_saved_and_the_manifest_readable(
    fake: FakeEutils, manifest_copy: Path
) -> None:
    fake.queue("efetch.fcgi", *[Action(503, body=b"")] * 4)
    with serve(fake) as url, client(url) as c, pytest.raises(EutilsError):
        fetch(manifest_copy, ["9298984"], c, citing=True)
    entries = load_manifest(manifest_copy).snapshot
    assert [e.reader for e in entries[1:]] == ["elink-xml"]  # the elink response that did arrive


def test_cli_fetch(
    fake: FakeEutils, manifest_copy: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    fake.queue("efetch.fcgi", Action(429, {"Retry-After": "0"}, b'{"error":"API rate limit exceeded"}'))
    monkeypatch.setenv("NCBI_API_KEY", SECRET)
    caplog.set_level(logging.DEBUG)
    with serve(fake) as url:
        result = CliRunner().invoke(
            app, ["fetch", "12091962", "9997", "--manifest", str(manifest_copy), "--base-url", url]
        )
    assert result.exit_code == 0, result.output
    assert "snapshots/eutils/" in result.output and "HTTP 429" in result.output
    assert SECRET not in result.output and SECRET not in caplog.text
    assert load_manifest(manifest_copy).snapshot[-1].reader == "pubmed-xml"


def test_cli_fetch_error_names_the_problem(fake: FakeEutils, manifest_copy: Path) -> None:
    with serve(fake) as url:
        result = CliRunner().invoke(
            app, ["fetch", "12x", "--manifest", str(manifest_copy), "--base-url", url]
        )
    assert result.exit_code == 1 and "not a PMID: '12x'" in result.output


def test_cli_depth_needs_citing(manifest_copy: Path) -> None:
    before = manifest_copy.read_bytes()
    result = CliRunner().invoke(app, ["fetch", "9997", "--depth", "2", "--manifest", str(manifest_copy)])
    assert result.exit_code == 2 and "--citing" in result.output
    assert manifest_copy.read_bytes() == before


def test_elink_error_for_one_pmid_is_a_warning_not_a_failure(fake: FakeEutils, manifest_copy: Path) -> None:
    real = ELINK1.read_text(encoding="utf-8").split("<eLinkResult>", 1)[1].rsplit("</eLinkResult>", 1)[0]
    synthetic = (  # elink's answer shape for an id it cannot resolve, next to the real LinkSet
        "<eLinkResult><LinkSet><DbFrom>pubmed</DbFrom><IdList><Id>77</Id></IdList>"
        f"<ERROR>UID=77: cannot get document summary</ERROR></LinkSet>{real}</eLinkResult>"
    )
    fake.queue("elink.fcgi", Action(200, {"Content-Type": "text/xml"}, synthetic.encode()))
    with serve(fake) as url, client(url) as c:
        summary = fetch(manifest_copy, ["77", "9298984"], c, citing=True)
    assert summary.citing_links == 39
    assert len(summary.warnings) == 1 and "PMID 77" in summary.warnings[0]


# --- the API key never leaks (issue 13 item 8) -------------------------------------------------

KEY_FORMS = (SECRET, SECRET.replace("-", "%2D"))  # raw, and percent-encoded as a proxy may echo it


def _leaks(text: str) -> bool:
    return any(form in text for form in KEY_FORMS) or "k3y-0f" in text


@pytest.mark.parametrize(("endpoint", "template"), KEY_ECHOES)
def test_a_response_echoing_the_key_never_shows_it(
    endpoint: str, template: bytes, fake: FakeEutils, manifest_copy: Path, tmp_path: Path
) -> None:
    fake.queue(endpoint, Action(200, {"Content-Type": "text/plain"}, template, echo=True))
    logged: list[str] = []
    with serve(fake) as url, client(url, api_key=SECRET, log=logged.append) as c:
        with pytest.raises(EutilsError) as err:
            fetch(manifest_copy, ["9997"], c, citing=endpoint == "elink.fcgi")
    assert fake.requests_to(endpoint)[0].values("api_key") == [SECRET]  # the key was sent
    assert not _leaks(str(err.value)) and not any(_leaks(m) for m in logged), str(err.value)
    assert not _leaks(_files_text(tmp_path))  # nothing saved holds it either


def test_cli_fetch_with_an_echoing_server_keeps_the_key_out_of_the_output(
    fake: FakeEutils, manifest_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.queue("efetch.fcgi", Action(200, {"Content-Type": "text/html"}, b"{body}", echo=True))
    monkeypatch.setenv("NCBI_API_KEY", SECRET)
    with serve(fake) as url:
        result = CliRunner().invoke(
            app, ["fetch", "9997", "--manifest", str(manifest_copy), "--base-url", url]
        )
    assert result.exit_code == 1 and "efetch" in result.output
    assert not _leaks(result.output), result.output


def test_redact_removes_the_key_and_any_api_key_value() -> None:
    from kb.sources.eutils import check_xml, redact

    cut = f"id=1&api_key={SECRET[:10]}"  # a key cut off mid-way is still a key
    assert redact(f"x {SECRET} y {SECRET.replace('-', '%2D')}", SECRET) == "x *** y ***"
    assert not _leaks(redact(cut, None)) and redact(cut, None) == "id=1&api_key=***"
    assert not _leaks(redact('{"api_key": "' + SECRET + '"}', None))
    with pytest.raises(EutilsError) as err:
        check_xml(f"db=pubmed&api_key={SECRET}".encode(), "PubmedArticleSet", "efetch")
    assert "not XML" in str(err.value) and not _leaks(str(err.value))
