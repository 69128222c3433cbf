"""Every reader module under kb/sources/ registers its readers, and every reader keeps the protocol."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import kb.sources
from kb.sources.base import Reader
from kb.sources.registry import MODULES, all_readers

# Modules of kb/sources/ that are not readers (shared helpers, the protocol, the registry,
# the network client). Every other module must register at least one reader.
# Helpers and the E-utilities client (eutils, fetch) live beside the readers but read no snapshot.
NOT_READERS = frozenset({"base", "registry", "dates", "xmlsafe", "detect", "client", "eutils", "fetch"})


def _modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(kb.sources.__path__))


def test_every_reader_module_is_registered() -> None:
    registered = set(MODULES[name].rsplit(".", 1)[-1] for name in all_readers())
    missing = [m for m in _modules() if m not in NOT_READERS and m not in registered]
    assert missing == [], (
        f"reader modules not registered (decorate with @register, import in __init__): {missing}"
    )


def test_every_reader_class_is_registered() -> None:
    """A class with a ``read`` method and a ``name`` in any module must be a registered reader."""
    readers = {type(r) for r in all_readers().values()}
    for module_name in _modules():
        module = importlib.import_module(f"kb.sources.{module_name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__ or cls is Reader:
                continue
            if callable(getattr(cls, "read", None)) and isinstance(getattr(cls, "name", None), str):
                assert cls in readers, (
                    f"{module.__name__}.{cls.__name__} looks like a reader but is not registered"
                )


def test_allowlist_names_no_reader_module() -> None:
    # the allowlist must not hide a module that does register readers
    registered = {MODULES[name].rsplit(".", 1)[-1] for name in all_readers()}
    assert not (registered & NOT_READERS)


def test_readers_keep_the_protocol() -> None:
    readers = all_readers()
    assert {"pubmed-xml", "medline", "europepmc-json", "pubmed-page"} <= set(readers)
    for name, reader in readers.items():
        assert isinstance(reader, Reader) and reader.name == name
        assert reader.version and reader.description
