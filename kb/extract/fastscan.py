"""Exact shortcuts for the extractor's regexes: skip a scan when a text lacks what every match needs.

Python's regex engine enters a pattern at every character, which costs about as much on a text with
no match as on one with many. Most patterns here need some literal word ("grade", "follow", "phase")
that most sentences lack. ``required_literals`` reads, once, from the parsed pattern the words one of
which must appear in any match; ``may_match`` looks for them with ``str.find`` (C speed) in a
case-folded copy of the text, so the answer is a superset: it never skips a scan that would match.
"""

from __future__ import annotations

import re
import re._parser as _parser  # type: ignore[import-not-found]  # CPython's own regex parser
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

# Under re.IGNORECASE these four non-ASCII characters match ASCII letters (checked over all of Unicode
# by tests/test_extract_fastscan.py); folding them first makes ``lower()`` agree with the regex engine
# on every ASCII letter and keeps offsets (U+0130 is the one character ``lower()`` would lengthen).
_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})
_FOLDED_CHARS = "\u0130\u0131\u017f\u212a"
_MIN_LENGTH = 2  # shorter literals ("a", "h") are in every sentence and only cost the look-up


@lru_cache(maxsize=256)
def folded(text: str) -> str:
    """``text`` in lower case, with the same length and offsets, as the engine compares it caselessly."""
    if not text.isascii() and any(ch in text for ch in _FOLDED_CHARS):
        text = text.translate(_FOLD)  # slow (a dict look-up per character), so only when needed
    return text.lower()


def _sequence(items: Any) -> list[str] | None:
    """Literals, one of which every match of this sequence of parsed items contains (None: unknown)."""
    best: list[str] | None = None
    run: list[str] = []

    def consider(cand: list[str] | None) -> None:
        nonlocal best
        if cand and (best is None or _score(cand) > _score(best)):
            best = cand

    for op, av in items:
        name = str(op)
        if name == "LITERAL" and _usable(chr(av)):
            run.append(chr(av).lower())
            continue
        consider(_run(run))
        run = []
        consider(_item(name, av))
    consider(_run(run))
    return best


def _usable(ch: str) -> bool:
    """A character the folded text shows as the engine compares it: ASCII, or a symbol without case."""
    return ch.isascii() or (not ch.isalnum() and ch.lower() == ch == ch.upper())


def _run(chars: list[str]) -> list[str] | None:
    """A run of literal characters as a requirement: two or more, or one symbol ("%", "=", "±")."""
    if len(chars) >= _MIN_LENGTH or (len(chars) == 1 and not chars[0].isalnum() and not chars[0].isspace()):
        return ["".join(chars)]
    return None


def _item(name: str, av: Any) -> list[str] | None:
    """Literals required by one parsed item that is not a plain ASCII literal."""
    if name == "SUBPATTERN":
        return _sequence(av[-1])
    if name == "ATOMIC_GROUP":
        return _sequence(av)
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, _high, body = av
        return _sequence(body) if low >= 1 else None
    if name == "IN":
        # a small class of symbols ("[<>=]"); letters, ranges and categories are too common to help
        members = [chr(v) for kind, v in av if str(kind) == "LITERAL"]
        if len(members) == len(av) and all(_run([c]) and _usable(c) for c in members):
            return sorted(members)
        return None
    if name == "BRANCH":
        out: list[str] = []
        for alternative in av[1]:
            alt = _sequence(alternative)
            if alt is None:
                return None  # one alternative needs nothing in particular: neither does the branch
            out.extend(alt)
        return sorted(set(out))
    # Lookarounds, anchors, classes, backreferences and conditionals consume no literal we can rely on.
    return None


# Punctuation in nearly every sentence: a requirement made of it rarely lets a scan be skipped.
_COMMON = frozenset("(),.-/;:")


def _score(literals: list[str]) -> float:
    """Prefer few, long literals: they are rare in text and cheap to look for."""
    common = 0.5 if all(s in _COMMON for s in literals) else 0.0
    return min(len(s) for s in literals) - 0.5 * (len(literals) - 1) - common


def required_literals(rx: re.Pattern[str]) -> tuple[str, ...] | None:
    """Lower-case strings one of which (caselessly) lies inside every match of ``rx``, or None."""
    found = _sequence(_parser.parse(rx.pattern, rx.flags))
    return tuple(found) if found else None


# Per pattern (by identity: hashing a compiled pattern hashes its whole program), how to look for its
# literals in the folded text: a short tuple is looked for with str.find, a long one with one regex.
_GATES: dict[int, tuple[re.Pattern[str], tuple[str, ...] | re.Pattern[str] | None]] = {}
_FIND_LIMIT = 3


def _gate(rx: re.Pattern[str]) -> tuple[str, ...] | re.Pattern[str] | None:
    entry = _GATES.get(id(rx))
    if entry is None or entry[0] is not rx:
        needed = required_literals(rx)
        gate: tuple[str, ...] | re.Pattern[str] | None = needed
        if needed is not None and len(needed) > _FIND_LIMIT:
            gate = re.compile(trie_regex(set(needed)))  # starts with a letter class: a fast scan
        entry = (rx, gate)  # the pattern is kept, so its id cannot be reused by another
        _GATES[id(rx)] = entry
    return entry[1]


def may_match(rx: re.Pattern[str], text: str, start: int = 0, end: int | None = None) -> bool:
    """False only when ``rx`` cannot match anywhere in ``text[start:end]``."""
    gate = _gate(rx)
    if gate is None:
        return True
    stop = len(text) if end is None else end
    low = folded(text)
    if isinstance(gate, tuple):
        return any(low.find(s, start, stop) >= 0 for s in gate)
    return gate.search(low, start, stop) is not None


def finditer(
    rx: re.Pattern[str], text: str, start: int = 0, end: int | None = None
) -> Iterator[re.Match[str]]:
    """``rx.finditer(text, start, end)``, skipped when the text cannot hold a match."""
    stop = len(text) if end is None else end
    return rx.finditer(text, start, stop) if may_match(rx, text, start, stop) else iter(())


def search(rx: re.Pattern[str], text: str, start: int = 0, end: int | None = None) -> re.Match[str] | None:
    """``rx.search(text, start, end)``, skipped when the text cannot hold a match."""
    stop = len(text) if end is None else end
    return rx.search(text, start, stop) if may_match(rx, text, start, stop) else None


def trie_regex(terms: set[str]) -> str:
    """A prefix tree of the terms as one regex: a longer term is tried before any term it extends.

    A flat alternation of hundreds of terms makes the engine try every term at every word; the tree
    tries only the terms that share the characters read so far. The terms that match at one place are
    prefixes of each other, so longer-first here is the same order as longest-first over the list.
    """
    children: dict[str, set[str]] = {}
    for t in terms:
        if t:
            children.setdefault(t[0], set()).add(t[1:])
    alts = [re.escape(ch) + trie_regex(rest) for ch, rest in sorted(children.items())]
    if "" in terms:
        alts.append("")  # the term ending here, after every longer one
    if len(alts) == 1:
        return alts[0]
    return "(?:" + "|".join(alts) + ")"
