"""A small NCBI E-utilities client: efetch and elink with rate limiting, retries and a secret API key."""

from __future__ import annotations

import email.utils
import os
import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import urlencode

import httpx
from lxml import etree

from kb.records.ids import is_digits
from kb.sources.xmlsafe import safe_parser

DEFAULT_BASE_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
#: Registered software name sent as ``tool`` (NCBI asks for one without spaces).
TOOL = "evidence-kb"
#: NCBI's limits: 3 requests/s from one IP without a key, 10/s with one.
RATE_WITHOUT_KEY = 3.0
RATE_WITH_KEY = 10.0
#: ids per efetch request; NCBI asks for POST beyond about 200 UIDs, so each batch is one POST.
EFETCH_BATCH = 200
#: source PMIDs per elink request (each its own id= parameter, so links map back to it).
ELINK_BATCH = 100
CITEDIN = "pubmed_pubmed_citedin"

_PMID = re.compile(r"^[0-9]{1,9}$")
# An api_key parameter as a query string, a form, JSON or a log line may spell it: the name,
# a separator, then the value up to the next delimiter. Redacted even when the value is cut off.
_KEY_PARAM = re.compile(r"""(api[_-]?key["']?\s*[=:]\s*["']?)[^&\s"',;<>}]*""", re.IGNORECASE)
#: At most this much of a response that is not the expected XML is quoted in an error.
QUOTE_CHARS = 80
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})

Log = Callable[[str], None]


class EutilsError(Exception):
    """A request that failed for good; the message never contains the API key."""


class Clock(Protocol):
    """Time source of the limiter and the retries; tests inject a fake one."""

    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock: monotonic time and a real sleep."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class RateLimiter:
    """At most ``rate`` request starts in any one-second window: starts are 1/rate seconds apart.

    An interval limiter rather than a bursty token bucket, because NCBI counts requests per
    second and a burst at a second boundary is exactly what earns a 429.
    """

    def __init__(self, rate: float, clock: Clock) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = 1.0 / rate
        self.clock = clock
        self._next: float | None = None

    def wait(self) -> float:
        """Block until the next request may start; returns the seconds waited."""
        now = self.clock.now()
        delay = 0.0 if self._next is None else max(0.0, self._next - now)
        if delay > 0:
            self.clock.sleep(delay)
        self._next = now + delay + self.interval
        return delay


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries with exponential backoff and full jitter (AWS architecture blog's scheme)."""

    attempts: int = 5
    base_delay: float = 1.0
    max_delay: float = 30.0
    #: a Retry-After longer than this is not waited for: the request fails with a clear error
    max_retry_after: float = 300.0

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Delay before retry number ``attempt`` (1 = first retry)."""
        return rng.uniform(0, min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header: delta-seconds or an HTTP date (RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if is_digits(value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def check_pmids(pmids: Sequence[str]) -> list[str]:
    """PMIDs as strings of digits, duplicates dropped in order; a bad one is an error naming it."""
    out: list[str] = []
    for p in pmids:
        p = str(p).strip()
        if not _PMID.match(p):
            raise EutilsError(f"not a PMID: {p!r} (expected 1 to 9 digits)")
        if p not in out:
            out.append(p)
    return out


def batches(items: Sequence[str], size: int) -> list[list[str]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


class EutilsClient:
    """efetch (PubMed XML) and elink (cited-by) over HTTP POST; returns the raw response bytes."""

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_BASE_URL,
        api_key: str | None = None,
        email: str | None = None,
        tool: str = TOOL,
        timeout: float = 60.0,
        clock: Clock | None = None,
        retry: RetryPolicy | None = None,
        rng: random.Random | None = None,
        log: Log | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self._api_key = api_key or None
        self.email = email or None
        self.tool = tool
        self.clock = clock or SystemClock()
        self.limiter = RateLimiter(RATE_WITH_KEY if self._api_key else RATE_WITHOUT_KEY, self.clock)
        self.retry = retry or RetryPolicy()
        self.rng = rng or random.Random()  # noqa: S311  (jitter, not cryptography)
        self.log: Log = log or (lambda _msg: None)
        self.requests = 0
        self._http = httpx.Client(timeout=timeout, transport=transport, follow_redirects=False)

    @classmethod
    def from_env(
        cls, *, email: str | None = None, base_url: str = DEFAULT_BASE_URL, log: Log | None = None
    ) -> EutilsClient:
        """API key from NCBI_API_KEY (only there: never an option, which would show in ``ps``)."""
        return cls(
            api_key=os.environ.get("NCBI_API_KEY") or None,
            email=email or os.environ.get("NCBI_EMAIL") or None,
            base_url=base_url,
            log=log,
        )

    @property
    def has_key(self) -> bool:
        return self._api_key is not None

    def __repr__(self) -> str:  # never show the key
        key = "set" if self._api_key else "none"
        return f"EutilsClient(base_url={self.base_url!r}, api_key={key}, email={self.email!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> EutilsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _form(self, params: list[tuple[str, str]]) -> list[tuple[str, str]]:
        form = [*params, ("tool", self.tool)]
        if self.email:
            form.append(("email", self.email))
        if self._api_key:  # in the POST body, so it is never part of a URL that gets logged
            form.append(("api_key", self._api_key))
        return form

    def redact(self, text: str) -> str:
        """``text`` without the API key: every ``api_key=...`` value, and the key however encoded."""
        return redact(text, self._api_key)

    def _error(self, message: str) -> EutilsError:
        return EutilsError(self.redact(message))

    def _log(self, message: str) -> None:
        self.log(self.redact(message))

    def _check(self, body: bytes, root: str, what: str) -> None:
        """The response must not echo the key (it would be saved and published), then be ``root`` XML."""
        if self._api_key and _key_pattern(self._api_key).search(body.decode("utf-8", "replace")):
            raise self._error(f"{what}: the response contains the API key; it is not saved")
        try:
            check_xml(body, root, what)
        except EutilsError as exc:
            raise self._error(str(exc)) from None

    def post(self, endpoint: str, params: list[tuple[str, str]]) -> bytes:
        """POST one request with rate limiting and bounded retries; the body of a 200 response."""
        url = self.base_url + endpoint
        what = endpoint.removesuffix(".fcgi")
        problem = ""
        for attempt in range(1, self.retry.attempts + 1):
            self.limiter.wait()
            self.requests += 1
            wait: float | None = None
            try:
                response = self._http.post(
                    url,
                    content=urlencode(self._form(params)).encode("ascii"),
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                )
            except httpx.TimeoutException:
                problem = "timed out"
            except httpx.TransportError as exc:
                problem = f"connection failed ({type(exc).__name__})"
            else:
                if response.status_code == 200:
                    return response.content
                problem = f"HTTP {response.status_code}"
                if response.status_code not in _RETRY_STATUS:
                    raise self._error(f"{what}: {problem} from {url}; not retried")
                wait = retry_after(response.headers.get("Retry-After"))
                if wait is not None and wait > self.retry.max_retry_after:
                    raise self._error(
                        f"{what}: {problem} from {url} asks to retry after {wait:.0f} s; giving up"
                    )
            if attempt == self.retry.attempts:
                break
            delay = max(wait or 0.0, self.retry.backoff(attempt, self.rng))
            self._log(f"{what}: {problem}; retry {attempt}/{self.retry.attempts - 1} in {delay:.1f} s")
            self.clock.sleep(delay)
        raise self._error(f"{what}: {problem} from {url}, {self.retry.attempts} attempts; giving up")

    def efetch(self, pmids: Sequence[str]) -> bytes:
        """PubMed XML (a PubmedArticleSet) for up to EFETCH_BATCH PMIDs."""
        ids = check_pmids(pmids)
        if not 0 < len(ids) <= EFETCH_BATCH:
            raise ValueError(f"efetch takes 1 to {EFETCH_BATCH} PMIDs, got {len(ids)}")
        body = self.post("efetch.fcgi", [("db", "pubmed"), ("retmode", "xml"), ("id", ",".join(ids))])
        self._check(body, "PubmedArticleSet", "efetch")
        return body

    def elink_citedin(self, pmids: Sequence[str]) -> bytes:
        """The eLinkResult with one LinkSet per PMID (one id= each) of the articles citing it."""
        ids = check_pmids(pmids)
        if not 0 < len(ids) <= ELINK_BATCH:
            raise ValueError(f"elink takes 1 to {ELINK_BATCH} PMIDs, got {len(ids)}")
        params = [("dbfrom", "pubmed"), ("db", "pubmed"), ("linkname", CITEDIN), ("retmode", "xml")]
        body = self.post("elink.fcgi", params + [("id", p) for p in ids])
        self._check(body, "eLinkResult", "elink")
        return body


def _key_pattern(key: str) -> re.Pattern[str]:
    """The key with each character raw or percent-encoded, as a proxy or an error page may echo it."""
    chars = [f"(?:{re.escape(c)}|{''.join(f'%{b:02X}' for b in c.encode())})" for c in key]
    return re.compile("".join(chars), re.IGNORECASE)


def redact(text: str, key: str | None) -> str:
    """``text`` with every ``api_key`` parameter value and every spelling of ``key`` replaced by ***."""
    text = _KEY_PARAM.sub(r"\1***", text)
    return _key_pattern(key).sub("***", text) if key else text


def check_xml(body: bytes, root: str, what: str) -> None:
    """A 200 response must be the expected XML document before it is saved as a snapshot."""
    try:
        doc = etree.fromstring(body, safe_parser())
    except etree.XMLSyntaxError as exc:
        # Redacted before it is cut: a key cut in half at the limit would no longer be recognised.
        head = redact(body.decode("utf-8", "replace"), None)[:QUOTE_CHARS]
        raise EutilsError(f"{what}: response is not XML ({exc}); starts {head!r}") from None
    if doc.tag != root:
        raise EutilsError(f"{what}: expected <{root}>, got <{doc.tag}>")
    errors = [(e.text or "").strip() for e in doc.findall("ERROR")]
    if errors:
        raise EutilsError(f"{what}: E-utilities error: {'; '.join(errors)}")
