"""Text units of an abstract: labelled sections and sentences, as offsets into the abstract."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from kb.extract import fastscan
from kb.records.models import AbstractSection

# Inline structured-abstract labels ("RESULTS:", "PATIENTS AND METHODS:", "PATIENT(S):") at the start
# of the text or after a sentence end. Upper-case words only, bounded length.
_INLINE_LABEL = re.compile(
    r"(?:^|(?<=[.!?:;)]\s)|(?<=[.!?]\s\s))([A-Z][A-Z()/&,\-]*(?: [A-Z()/&,\-]+){0,5}):\s"
)

# Abbreviations after which a period does not end a sentence.
_ABBREVIATIONS = frozenset(
    "vs v al e.g i.e etc approx fig figs no nos ref refs dr mr mrs ms st ca cf resp incl min max mo yr yrs "
    "wk wks hr hrs sd se iqr inc ltd co jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
# Words after which a single capital letter is a label, not an initial.
_LABEL_WORDS = (
    "group",
    "groups",
    "arm",
    "arms",
    "type",
    "grade",
    "phase",
    "stage",
    "cohort",
    "part",
    "class",
    "level",
    "vitamin",
    "hepatitis",
    "period",
    "and",
    "or",
    "vs",
    "versus",
)
# A sentence may end at '.', '!' or '?' followed by space and a capital, digit or bracket.
_BOUNDARY = re.compile(r"[.!?](?=[\"')\]]?\s+[\"'(\[]?[A-Z0-9\u00c0-\u024f])")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")

# Section labels whose numbers are study design, protocol or baseline data rather than results.
_NON_RESULT = re.compile(
    r"BACKGROUND|INTRODUCTION|OBJECTIVE|PURPOSE|\bAIMS?\b|METHOD|DESIGN|SETTING|PARTICIPANT|PATIENT|"
    r"INTERVENTION|MEASURE|REGISTRATION|FUNDING|PROTOCOL|DISCLOSURE|MATERIAL|SUBJECT|CONTEXT|"
    r"IMPORTANCE|RATIONALE|STUDY SELECTION|DATA SOURCES|ELIGIBILITY|TRIAL",
    re.IGNORECASE,
)
_RESULT = re.compile(r"RESULT|FINDING|CONCLUSION|INTERPRETATION|OUTCOME[S]? AND RESULTS", re.IGNORECASE)


@dataclass(frozen=True)
class Section:
    """A labelled (or unlabelled) part of the abstract."""

    label: str | None
    start: int
    end: int
    body_start: int

    @property
    def is_results(self) -> bool:
        """True unless the label names a part that reports methods, background or logistics."""
        if self.label is None:
            return True
        if _RESULT.search(self.label):
            return True
        return not _NON_RESULT.search(self.label)


@dataclass(frozen=True)
class Sentence:
    """One sentence: offsets into the abstract and the section it belongs to."""

    start: int
    end: int
    text: str
    section: Section


def sections_fit(text: str, given: Sequence[AbstractSection]) -> bool:
    """True when every given section lies inside the text (0 <= start <= end <= len(text))."""
    return all(0 <= s.start <= s.end <= len(text) for s in given)


def find_sections(text: str, given: Sequence[AbstractSection] = ()) -> list[Section]:
    """Sections from the source's labelled parts, else from inline upper-case labels, else one.

    Given sections that do not fit the text describe some other version of it: they are set aside
    and the text's own labels are read instead.
    """
    if given and sections_fit(text, given):
        out = []
        for s in given:
            body = s.start
            if s.label and text.startswith(s.label, s.start):
                m = re.match(r"[ \t]*:?\s*", text[s.start + len(s.label) : s.start + len(s.label) + 20])
                body = s.start + len(s.label) + (m.end() if m else 0)
            out.append(Section(s.label or s.category, s.start, s.end, body))
        return out
    labels = [m for m in _INLINE_LABEL.finditer(text) if len(m.group(1)) >= 4 or m.start() == 0]
    if not labels:
        return [Section(None, 0, len(text), 0)]
    out = []
    if labels[0].start() > 0:
        out.append(Section(None, 0, labels[0].start(), 0))
    for i, m in enumerate(labels):
        end = labels[i + 1].start() if i + 1 < len(labels) else len(text)
        out.append(Section(m.group(1), m.start(), end, m.end()))
    return out


def _is_boundary(text: str, pos: int) -> bool:
    """A period ends a sentence unless it closes an abbreviation or an initial."""
    if text[pos] != ".":
        return True
    m = _WORD_BEFORE.search(text, max(0, pos - 12), pos)
    if m is None:
        return True
    word = m.group(1).rstrip(".").lower()
    if word in _ABBREVIATIONS:
        return False
    # A single capital letter ("J. Smith") is an initial, unless it names a group ("in Group B. Time ...").
    if len(word) == 1 and text[pos - 1].isupper():
        before = text[max(0, pos - 12) : pos - 1].rstrip().lower()
        return before.endswith(_LABEL_WORDS)
    return True


MAX_SENTENCE = 1500


def _cap_lengths(text: str, cuts: list[int]) -> list[int]:
    """Split run-on stretches (no sentence end for MAX_SENTENCE characters) at a space.

    This bounds the work per sentence, so the whole extraction stays linear in the text length.
    """
    out = [cuts[0]]
    for b in cuts[1:]:
        a = out[-1]
        while b - a > MAX_SENTENCE:
            cut = text.rfind(" ", a + MAX_SENTENCE // 2, a + MAX_SENTENCE)
            a = cut if cut > a else a + MAX_SENTENCE
            out.append(a)
        out.append(b)
    return out


def split_sentences(text: str, sections: Sequence[Section]) -> list[Sentence]:
    """Sentences of every section, offsets into ``text``; whitespace trimmed from both ends."""
    out: list[Sentence] = []
    for sec in sections:
        cuts = [sec.body_start]
        for m in _BOUNDARY.finditer(text, sec.body_start, sec.end):
            if _is_boundary(text, m.start()):
                cuts.append(m.start() + 1)
        cuts.append(sec.end)
        cuts = _cap_lengths(text, cuts)
        for a, b in zip(cuts, cuts[1:], strict=False):
            while a < b and text[a].isspace():
                a += 1
            while b > a and text[b - 1].isspace():
                b -= 1
            if b > a:
                out.append(Sentence(a, b, text[a:b], sec))
    return out


# A sentence that starts the report of this study ("We conducted ...", "In this phase II trial ...").
_STUDY_START = re.compile(
    r"\b(?:we|our)\b|\bthis\s+(?:[\w-]+\s+){0,3}?(?:study|trial|analysis|report|series|review)\b|"
    r"\b(?:the\s+)?(?:aim|objective|purpose|goal)\b|\bpatients\s+(?:were|received)\b|"
    r"\bwere\s+(?:randomi[sz]ed|enrolled|included|recruited|assigned|treated)\b|\bin\s+total\b|\ba\s+total\s+of\b",
    re.IGNORECASE,
)


def background_sentences(sentences: Sequence[Sentence]) -> set[int]:
    """Indexes of the opening sentences of an unlabelled abstract that precede any word of the study itself.

    Such sentences give background ("Up to 30% of patients relapse"), not this study's results.
    """
    out: set[int] = set()
    for i, s in enumerate(sentences):
        if s.section.label is not None:
            return out
        if fastscan.search(_STUDY_START, s.text):
            return out
        out.add(i)
    return set()  # no sentence names the study: nothing can be told apart as background


# In an unlabelled abstract, a sentence that tells what was done (design, allocation, treatment, data
# collection) rather than what was found.
_METHODS_CUE = re.compile(
    r"\b(?:were|was)\s+(?:randomi[sz]ed|randomly\s+(?:assigned|allocated|divided)|enrolled|recruited|included|"
    r"allocated|assigned|administered|given|measured|collected|performed\s+using|"
    r"followed\s+(?:up\s+)?(?:for|every))\b|"
    r"\b(?:received|receiving)\s+(?:either|an?\s+|intravenous|oral|a\s+single)|"
    r"\b(?:inclusion|exclusion|eligibility)\s+criteria\b|"
    r"\bwe\s+(?:\w+ly\s+)?(?:enrolled|recruited|randomi[sz]ed|reviewed|conducted|designed|included|studied|"
    r"collected|performed\s+a|used)\b",
    re.IGNORECASE,
)
# Words of a finding: a sentence with one of these reports results even when it also says what was done.
_FINDING_CUE = re.compile(
    r"\b(?:significant(?:ly)?|increased|decreased|improved|reduced|higher|lower|better|worse|achieved|"
    r"experienced|developed|died|survived|occurred|observed|found|showed|remained|median|mean|rates?|"
    r"respectively|compared|versus|vs|than|response|responded|incidence|proportion)\b|[Pp]\s*[<=>]",
    re.IGNORECASE,
)


def methods_sentences(sentences: Sequence[Sentence]) -> set[int]:
    """Indexes of sentences of unlabelled abstracts that describe methods and report no finding."""
    out: set[int] = set()
    for i, s in enumerate(sentences):
        if (
            s.section.label is None
            and fastscan.search(_METHODS_CUE, s.text)
            and not _FINDING_CUE.search(s.text)
        ):
            out.add(i)
    return out
