"""The ingest manifest (TOML): which knowledge base, which snapshot files, which reader each."""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kb.errors import KBError


class ManifestError(KBError):
    """A manifest that cannot be used; the message names the file and the offending key."""


class _Strict(BaseModel):
    # An unknown key is an error, never silently ignored.
    model_config = ConfigDict(extra="forbid")


class KBInfo(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    description: str = ""
    seed_pmids: list[Annotated[str, Field(pattern=r"^\d{1,9}$")]] = Field(min_length=1)


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
        return (self.source.parent / entry.path).resolve()


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
