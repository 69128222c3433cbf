"""``kb fetch``: PMIDs and their citing articles from E-utilities into snapshot files and manifest entries."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from kb.pipeline.manifest import Manifest, ManifestError, load_manifest
from kb.records.models import Citation
from kb.sources.base import Skipped
from kb.sources.elink import ELinkReader
from kb.sources.eutils import CITEDIN, EFETCH_BATCH, ELINK_BATCH, EutilsClient, batches, check_pmids
from kb.sources.xmlsafe import iter_records

#: Snapshots land here, relative to the manifest's folder.
SNAPSHOT_DIR = Path("snapshots") / "eutils"
#: The readers that read what each E-utility returns.
READERS = {"efetch": "pubmed-xml", "elink": "elink-xml"}

Progress = Callable[[str, int, int], None]


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


@dataclass
class Saved:
    """One response saved as a snapshot; ``new`` is False when the manifest already listed it."""

    path: str
    reader: str
    sha256: str
    retrieved: str
    note: str
    new: bool = True


@dataclass
class FetchSummary:
    """What a fetch did, for the command's closing table and for tests."""

    manifest: Path
    requested: list[str]
    records: set[str] = field(default_factory=set)
    missing: list[str] = field(default_factory=list)
    citing_links: int = 0
    truncated: bool = False
    #: records the elink reader skipped (e.g. an <ERROR> for an unknown PMID), as messages
    warnings: list[str] = field(default_factory=list)
    snapshots: list[Saved] = field(default_factory=list)
    requests: int = 0

    @property
    def added(self) -> list[Saved]:
        return [s for s in self.snapshots if s.new]


def _timestamp(now: datetime) -> str:
    return now.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _write_atomic(path: Path, data: bytes, like: Path | None = None) -> None:
    """Write a temporary file beside ``path`` and rename it over: readers never see half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if like is not None and like.exists():
            shutil.copymode(like, tmp)
        else:
            os.chmod(tmp, 0o644)  # noqa: S103  (snapshots are shared, readable data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _entry_toml(s: Saved) -> str:
    # json.dumps gives a valid TOML basic string (same escapes); the result is re-parsed below.
    lines = [
        "[[snapshot]]",
        f"path = {json.dumps(s.path)}",
        f"reader = {json.dumps(s.reader)}",
        f"sha256 = {json.dumps(s.sha256)}",
        f"retrieved = {json.dumps(s.retrieved)}",
        f"note = {json.dumps(s.note)}",
    ]
    return "\n".join(lines) + "\n"


def append_entries(manifest_path: Path, entries: list[Saved]) -> None:
    """Append [[snapshot]] tables as text (comments and layout kept), validated, then renamed in."""
    if not entries:
        return
    text = manifest_path.read_text(encoding="utf-8")
    if text and not text.endswith("\n"):
        text += "\n"
    new_text = text + "".join("\n" + _entry_toml(e) for e in entries)
    try:
        Manifest.model_validate(tomllib.loads(new_text))
    except (tomllib.TOMLDecodeError, ValidationError) as exc:  # never write a manifest we cannot read
        raise ManifestError(f"{manifest_path}: appending snapshot entries would break it: {exc}") from None
    _write_atomic(manifest_path, new_text.encode("utf-8"), like=manifest_path)


class _Session:
    """Saves responses under the manifest's folder and remembers which ones the manifest has."""

    def __init__(self, manifest: Manifest, now: Callable[[], datetime]) -> None:
        self.root = manifest.source.parent
        self.folder = self.root / SNAPSHOT_DIR
        self.now = now
        self.known_sha = {e.sha256 for e in manifest.snapshot if e.sha256}
        self.known_path = {manifest.resolve(e) for e in manifest.snapshot}
        self.saved: list[Saved] = []

    def save(self, body: bytes, utility: str, note: str) -> Path:
        digest = hashlib.sha256(body).hexdigest()
        # Named by content: fetching identical content again reuses the file and the entry.
        path = self.folder / f"{digest[:16]}-{utility}.xml"
        if not path.is_file():
            self.folder.mkdir(parents=True, exist_ok=True)
            _write_atomic(path, body)
        rel = path.relative_to(self.root).as_posix()
        new = digest not in self.known_sha and path.resolve() not in self.known_path
        self.known_sha.add(digest)
        self.known_path.add(path.resolve())
        self.saved.append(Saved(rel, READERS[utility], digest, _timestamp(self.now()), note, new))
        return path


def _ids_note(ids: list[str]) -> str:
    shown = ", ".join(ids[:5])
    return f"{len(ids)} PMID{'s' if len(ids) != 1 else ''}: {shown}{', ...' if len(ids) > 5 else ''}"


def _efetched(path: Path) -> set[str]:
    """PMIDs of the records in a saved efetch response (a light scan; the reader does the rest)."""
    found: set[str] = set()
    for _root, elem in iter_records(path, frozenset({"PubmedArticleSet"})):
        pmid = elem.findtext("MedlineCitation/PMID") or elem.findtext("BookDocument/PMID")
        if pmid:
            found.add(pmid.strip())
    return found


def _citing(path: Path, sources: set[str], warnings: list[str], redact: Callable[[str], str]) -> list[str]:
    """Citing PMIDs that a saved elink response gives for the requested sources, in file order."""
    out: list[str] = []
    for item in ELinkReader().read(path):
        if isinstance(item, Citation) and item.origin == f"elink:{CITEDIN}" and item.cited in sources:
            out.append(item.citing)
        elif isinstance(item, Skipped):
            warnings.append(redact(str(item)))  # an <ERROR> text is the server's, and may quote the request
    return out


def fetch(
    manifest_path: Path,
    pmids: list[str],
    client: EutilsClient,
    *,
    citing: bool = False,
    depth: int = 1,
    max_articles: int = 5000,
    progress: Progress = _no_progress,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> FetchSummary:
    """Fetch records (and, with ``citing``, citing articles ``depth`` levels out) into the manifest.

    Every response is saved under the manifest's ``snapshots/eutils/`` and listed in the
    manifest, so that ``kb build`` then reads only local files. Snapshots saved before an
    error are still listed, and fetching again adds only what changed.
    """
    if depth < 1:
        raise ValueError("depth must be at least 1")
    manifest = load_manifest(manifest_path)
    wanted = check_pmids(pmids)
    summary = FetchSummary(manifest=manifest_path, requested=wanted)
    session = _Session(manifest, now)
    try:
        # Requests list ids in numeric order, so the same ids give the same request and response.
        order = sorted(wanted, key=int)
        seen = set(order)
        frontier = list(order)
        for level in range(1, depth + 1 if citing else 1):
            found: list[str] = []
            groups = batches(frontier, ELINK_BATCH)
            for i, group in enumerate(groups):
                body = client.elink_citedin(group)
                note = f"elink {CITEDIN} (depth {level}) for {_ids_note(group)}"
                saved = session.save(body, "elink", note)
                links = _citing(saved, set(group), summary.warnings, client.redact)
                summary.citing_links += len(links)
                found += links
                progress(f"elink {level}", i + 1, len(groups))
            frontier = []
            for pmid in sorted(set(found), key=int):  # breadth first; each article is fetched once
                if pmid in seen:
                    continue
                if len(order) >= max_articles:
                    summary.truncated = True
                    break
                seen.add(pmid)
                order.append(pmid)
                frontier.append(pmid)
            if not frontier:
                break
        groups = batches(sorted(order, key=int), EFETCH_BATCH)
        for i, group in enumerate(groups):
            body = client.efetch(group)
            note = f"efetch pubmed XML for {_ids_note(group)}"
            path = session.save(body, "efetch", note)
            got = _efetched(path)
            if not got:  # an empty PubmedArticleSet adds nothing: keep no snapshot of it
                if session.saved.pop().new:
                    path.unlink(missing_ok=True)
            summary.records |= got
            summary.missing += [p for p in group if p not in got]
            progress("efetch", i + 1, len(groups))
    finally:
        summary.requests = client.requests
        # efetch entries first, so an elink stub never looks like the record a full one replaced
        ordered = sorted(session.saved, key=lambda s: s.reader != READERS["efetch"])
        summary.snapshots = ordered
        append_entries(manifest_path, [s for s in ordered if s.new])
    return summary
