"""The one registry of readers, by name; every reader module registers itself here."""

from __future__ import annotations

from typing import TypeVar

from kb.sources.base import Reader

READERS: dict[str, Reader] = {}
#: reader name -> the module that defined it (for the registration test)
MODULES: dict[str, str] = {}

R = TypeVar("R", bound=type)


def register(cls: R) -> R:
    """Class decorator: instantiate the reader and register it under its ``name``."""
    reader = cls()
    if not isinstance(reader, Reader):
        raise TypeError(f"{cls.__name__} does not implement the Reader protocol")
    if reader.name in READERS:
        raise ValueError(f"reader name {reader.name!r} registered twice")
    READERS[reader.name] = reader
    MODULES[reader.name] = cls.__module__
    return cls


def get_reader(name: str) -> Reader:
    """The reader called ``name``; the error lists the known ones."""
    _load_all()
    try:
        return READERS[name]
    except KeyError:
        known = ", ".join(sorted(READERS)) or "none"
        raise KeyError(f"unknown reader {name!r} (known: {known})") from None


def _load_all() -> None:
    import kb.sources  # noqa: F401  (importing the package registers every reader module)


def all_readers() -> dict[str, Reader]:
    _load_all()
    return dict(READERS)
