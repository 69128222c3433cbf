"""The endpoint and drug lexicons (package data, kb/data/*.toml) and matchers built from them."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from kb.extract import fastscan
from kb.extract.fastscan import trie_regex


@dataclass(frozen=True)
class Endpoint:
    """A canonical endpoint: label, kind (outcome/safety) and an optional verified code."""

    label: str
    kind: str
    code: str | None = None


@dataclass(frozen=True)
class EndpointHit:
    """An endpoint mention in the text."""

    start: int
    end: int
    endpoint: Endpoint


@dataclass(frozen=True)
class Drug:
    """A drug name with its class and an optional verified code."""

    name: str
    drug_class: str | None
    code: str | None = None


def _load(name: str) -> dict[str, Any]:
    data = resources.files("kb").joinpath("data", name).read_text(encoding="utf-8")
    return tomllib.loads(data)


def _alternation(terms: list[str], plural: bool) -> str:
    """Longest-first alternation of the terms, each a whole word (optionally plural)."""
    unique = set(terms)
    if not unique:
        return r"(?!)"  # an empty lexicon matches nothing
    suffix = r"(?:e?s)?" if plural else ""
    return rf"(?<![\w-])(?:{trie_regex(unique)}){suffix}(?![\w/-])"


class EndpointLexicon:
    """Finds endpoint mentions: synonyms case-insensitively, abbreviations case-sensitively."""

    def __init__(self, entries: list[dict[str, Any]]) -> None:
        self._by_term: dict[str, Endpoint] = {}
        self._by_abbr: dict[str, Endpoint] = {}
        self.endpoints: list[Endpoint] = []
        for e in entries:
            if e.get("kind") not in ("outcome", "safety"):
                raise ValueError(f"endpoints.toml: endpoint {e.get('label')!r} has kind {e.get('kind')!r}")
            ep = Endpoint(e["label"], e["kind"], e.get("code"))
            self.endpoints.append(ep)
            for s in [e["label"], *e.get("synonyms", [])]:
                self._by_term.setdefault(s.lower(), ep)
            for a in e.get("abbreviations", []):
                self._by_abbr.setdefault(a, ep)
        self._terms = re.compile(_alternation(list(self._by_term), plural=True), re.IGNORECASE)
        self._abbrs = re.compile(_alternation(list(self._by_abbr), plural=True))

    def _lookup_term(self, text: str) -> Endpoint | None:
        t = text.lower()
        for cand in (t, t[:-1], t[:-2]):
            if cand in self._by_term:
                return self._by_term[cand]
        return None

    def _lookup_abbr(self, text: str) -> Endpoint | None:
        for cand in (text, text[:-1], text[:-2]):
            if cand in self._by_abbr:
                return self._by_abbr[cand]
        return None

    def find(self, text: str, start: int = 0, end: int | None = None) -> list[EndpointHit]:
        """Endpoint mentions in ``text[start:end]``, non-overlapping, longest first, in text order."""
        stop = len(text) if end is None else end
        hits: list[EndpointHit] = []
        for m in self._terms.finditer(text, start, stop):
            ep = self._lookup_term(m.group())
            if ep is not None:
                hits.append(EndpointHit(m.start(), m.end(), ep))
        for m in self._abbrs.finditer(text, start, stop):
            ep = self._lookup_abbr(m.group())
            if ep is not None and not any(h.start < m.end() and m.start() < h.end for h in hits):
                hits.append(EndpointHit(m.start(), m.end(), ep))
        hits.sort(key=lambda h: h.start)
        return hits


class DrugLexicon:
    """Finds drug names from the list and from INN stems."""

    def __init__(
        self, drugs: list[dict[str, Any]], stems: list[dict[str, Any]], not_drugs: list[str] | None = None
    ) -> None:
        self._not_drugs = frozenset(w.lower() for w in (not_drugs or []))
        self._by_name: dict[str, Drug] = {}
        for d in drugs:
            drug = Drug(d["name"], d.get("class"), d.get("code"))
            for n in [d["name"], *d.get("synonyms", [])]:
                self._by_name[n.lower()] = drug
        self._names = re.compile(_alternation(list(self._by_name), plural=False), re.IGNORECASE)
        self._stems = sorted(((s["suffix"], s["class"]) for s in stems), key=lambda s: -len(s[0]))
        suffixes = "|".join(re.escape(s) for s, _ in self._stems)
        # One word of letters ending in a stem; at least 4 letters before the stem.
        self._stem_words = re.compile(rf"\b[A-Za-z]{{4,30}}(?:{suffixes})\b")

    def find(self, text: str) -> list[Drug]:
        """Drugs named in the text, in order of first mention, each once."""
        found: dict[str, tuple[int, Drug]] = {}
        for m in fastscan.finditer(self._names, text):
            d = self._by_name[m.group().lower()]
            found.setdefault(d.name, (m.start(), d))
        for m in fastscan.finditer(self._stem_words, text):
            word = m.group().lower()
            if word in self._by_name or word in self._not_drugs or any(word in n for n in found):
                continue
            cls = next(c for s, c in self._stems if word.endswith(s))
            found.setdefault(word, (m.start(), Drug(word, cls)))
        return [d for _, d in sorted(found.values(), key=lambda x: x[0])]


@cache
def endpoints() -> EndpointLexicon:
    """The project's endpoint lexicon (loaded once)."""
    return EndpointLexicon(_load("endpoints.toml")["endpoint"])


@cache
def drugs() -> DrugLexicon:
    """The project's drug lexicon (loaded once)."""
    data = _load("drugs.toml")
    return DrugLexicon(data.get("drug", []), data.get("stem", []), data.get("not_drugs", []))
