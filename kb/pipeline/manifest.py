"""The ingest manifest (TOML): which knowledge base, which snapshot files, which reader each."""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kb.errors import KBError
from kb.sources.base import SourceError


class ManifestError(KBError):
    """A manifest that cannot be used; the message names the file and the offending key."""


class SnapshotPathError(SourceError, ManifestError):
    """A snapshot path that leaves the manifest's folder (``../``, absolute, or through a symlink).

    Both a SourceError (the build reports it like any unreadable snapshot) and a ManifestError
    (the fault is in the manifest, which the message names with the entry).
    """


class _Strict(BaseModel):
    # An unknown key is an error, never silently ignored.
    model_config = ConfigDict(extra="forbid")


class KBInfo(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    description: str = ""
    # [0-9], not \d: pydantic's \d also accepts other scripts' digits ('٣٤٥')
    seed_pmids: list[Annotated[str, Field(pattern=r"^[0-9]{1,9}$")]] = Field(min_length=1)


class SnapshotEntry(_Strict):
    path: str
    reader: str
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    retrieved: str | None = None
    note: str | None = None


class Manifest(_Strict):
    kb: KBInfo
    snapshot: list[SnapshotEntry] = Field(min_length=1)
    #: the manifest file itself; snapshot paths are relative to its folder
    source: Path = Field(default=Path("."), exclude=True)

    def resolve(self, entry: SnapshotEntry) -> Path:
        """The snapshot's real path (symlinks followed), refused when it is outside the manifest's folder.

        A manifest may come from someone else: ``../../`` or a symlink must not make the build
        read, and publish, a file from elsewhere on the machine.
        """
        root = self.source.parent.resolve()
        where = f"{self.source}: {self._key(entry)}.path {entry.path!r}"
        if Path(entry.path).is_absolute():
            # provenance records paths relative to the manifest; an absolute one would not travel
            raise SnapshotPathError(where, "snapshot path must be relative to the manifest's folder")
        try:
            target = (root / entry.path).resolve()
        except (OSError, RuntimeError) as exc:  # a symlink loop (RuntimeError before Python 3.13)
            raise SnapshotPathError(where, f"cannot be resolved: {exc}") from None
        if not target.is_relative_to(root):
            raise SnapshotPathError(where, f"leads to {target}, outside the manifest's folder {root}")
        return target

    def _key(self, entry: SnapshotEntry) -> str:
        """'snapshot.3' for the fourth entry: how validation errors name a manifest key."""
        index = next((i for i, e in enumerate(self.snapshot) if e is entry), None)
        return "snapshot" if index is None else f"snapshot.{index}"


def load_manifest(path: Path) -> Manifest:
    """Parse and validate a manifest; errors name the file and the key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(f"{path}: manifest not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{path}: not valid TOML: {exc}") from None
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors())
        raise ManifestError(f"{path}: {problems}") from None
    manifest.source = path.resolve()
    _check_readers(path, manifest)
    return manifest


def _check_readers(path: Path, manifest: Manifest) -> None:
    """Unknown reader names fail before any snapshot is read, naming the manifest entry."""
    from kb.sources.registry import all_readers  # the registry imports every reader module

    known = all_readers()
    for i, entry in enumerate(manifest.snapshot):
        if entry.reader not in known:
            names = ", ".join(sorted(known))
            raise ManifestError(
                f"{path}: snapshot.{i}.reader: unknown reader {entry.reader!r} (known: {names})"
            )


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
