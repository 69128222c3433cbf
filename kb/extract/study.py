"""Study design labels, population (size, condition, characteristics) and interventions of an abstract."""

from __future__ import annotations

import re
from functools import lru_cache

from kb.extract import fastscan, lexicon
from kb.extract.numbers import NUMBER, as_int, parse_number
from kb.extract.patterns import COUNT_NOUN, DOSE_UNIT, SP
from kb.records.models import Intervention, Population, Study

_ROMAN = {"I": "1", "II": "2", "III": "3", "IV": "4"}
_PHASE = re.compile(
    r"\bphase\s*(?P<a>IV|III|II|I|[1-4])(?:\s*(?:/|-|and)\s*(?P<b>IV|III|II|I|[1-4]))?(?:[ab])?\b"
    # a trial phase, not a phase of a procedure: "phase II study", "phase 3, randomized trial"
    r"(?=[^.;]{0,60}?\b(?:study|studies|trial|trials|clinical|part|portion|cohort|extension)\b)",
    re.I,
)

# (label, pattern): design labels printed in the abstract.
_DESIGN: list[tuple[str, re.Pattern[str]]] = [
    (
        "randomized",
        re.compile(r"\brandomi[sz]ed\b|\brandomly\s+(?:assigned|allocated|received)|\bRCTs?\b", re.I),
    ),
    ("single-arm", re.compile(r"\bsingle[- ]arm\b|\bnon-?randomi[sz]ed\b", re.I)),
    ("open-label", re.compile(r"\bopen[- ]label\b|\bopen,", re.I)),
    ("double-blind", re.compile(r"\bdouble[- ]blind(?:ed)?\b|\bdouble[- ]masked\b", re.I)),
    ("single-blind", re.compile(r"\bsingle[- ]blind(?:ed)?\b", re.I)),
    ("placebo-controlled", re.compile(r"\bplacebo[- ]controlled\b", re.I)),
    ("controlled", re.compile(r"\brandomi[sz]ed,?\s+controlled\b|\bcontrolled\s+trial\b", re.I)),
    ("multicenter", re.compile(r"\bmulti-?cent(?:er|re)\b|\bmulti-?institutional\b", re.I)),
    ("single-center", re.compile(r"\bsingle[- ]cent(?:er|re)\b", re.I)),
    ("retrospective", re.compile(r"\bretrospective(?:ly)?\b", re.I)),
    ("prospective", re.compile(r"\bprospective(?:ly)?\b", re.I)),
    ("crossover", re.compile(r"\bcross-?over\b", re.I)),
    ("observational", re.compile(r"\bobservational\b", re.I)),
    ("case series", re.compile(r"\bcase series\b", re.I)),
    ("pilot", re.compile(r"\bpilot\b", re.I)),
    ("non-inferiority", re.compile(r"\bnon-?inferiority\b", re.I)),
    ("exploratory analysis", re.compile(r"\bexploratory\s+(?:[\w-]+\s+){0,3}?analys[ie]s\b", re.I)),
    ("post hoc analysis", re.compile(r"\bpost[- ]hoc\b", re.I)),
    ("meta-analysis", re.compile(r"\bmeta-analys[ie]s of (?:the|these|our)\b", re.I)),
]

_VERB = (  # the lookahead names the letters the verbs start with: it only spares trials
    r"(?=[eritsaup])(?:enroll?ed|randomi[sz]ed|randomly\s+(?:assigned|allocated|received)|included|recruited|treated|studied|"
    r"evaluated|analy[sz]ed|assigned|allocated|underwent\s+randomi[sz]ation|participated)"
)
_POPULATION = [
    re.compile(rf"\b(?:a\s+)?total\s+of\s+(?P<n>{NUMBER}){SP}+(?:[\w'-]+{SP}+){{0,4}}?{COUNT_NOUN}\b", re.I),
    re.compile(
        rf"(?<![\w(])(?P<n>{NUMBER}){SP}+(?:[\w'/-]+{SP}+){{0,10}}?{COUNT_NOUN}{SP}+(?:[\w,/()'-]+{SP}+){{0,8}}?"
        rf"(?:were{SP}+|was{SP}+|had{SP}+been{SP}+)?(?:\w+{SP}+)?{_VERB}\b",
        re.I,
    ),
    re.compile(
        rf"\b{_VERB}{SP}+(?:a{SP}+total{SP}+of{SP}+)?(?P<n>{NUMBER}){SP}+(?:[\w'-]+{SP}+){{0,2}}?[\w-]+s\b",
        re.I,
    ),
    re.compile(
        rf"\b(?=[oa])(?:of|among){SP}+(?:the{SP}+)?(?P<n>{NUMBER}){SP}+{COUNT_NOUN}{SP}+{_VERB}", re.I
    ),
    re.compile(rf"\b{COUNT_NOUN}{SP}*\({SP}*[nN]{SP}*={SP}*(?P<n>\d+){SP}*\)", re.I),
]
_POPULATION_FALLBACK = re.compile(
    # "the efficacy of X in 64 patients who had relapsed": a cohort described by a relative clause
    rf"\b(?=[ioa])(?:in|of|among){SP}+(?P<n>{NUMBER}){SP}+(?:[\w-]+{SP}+){{0,3}}?{COUNT_NOUN}{SP}+(?:who|with|that|having|undergoing)\b",
    re.I,
)
_CONDITION = re.compile(
    r"\b(?=[pacwmsi])(?:patients|adults|children|women|men|participants|subjects|people|individuals)\s+with\s+"
    r"(?P<c>[^,.;:]{3,160}?)(?=\s+(?:who|were|was|following|after|undergoing|receiving|treated|have|had|and\s+no|in\s+a|at)\b|[,.;:])",
    re.I,
)
_CHARACTERISTICS: list[tuple[str, re.Pattern[str]]] = [
    ("adults", re.compile(r"\badults?\b|\badult patients\b", re.I)),
    ("children", re.compile(r"\bchildren\b|\bpediatric\b|\bpaediatric\b", re.I)),
    ("adolescents", re.compile(r"\badolescents?\b", re.I)),
    ("older adults", re.compile(r"\belderly\b|\bolder (?:adults|patients)\b", re.I)),
    ("women", re.compile(r"\bwomen\b", re.I)),
    ("relapsed/refractory", re.compile(r"\brelapsed/refractory\b|\brelapsed or refractory\b", re.I)),
    ("newly diagnosed", re.compile(r"\bnewly diagnosed\b", re.I)),
    ("previously treated", re.compile(r"\bpreviously treated\b|\bpretreated\b", re.I)),
    ("treatment-naive", re.compile(r"\btreatment-na[iï]ve\b|\buntreated\b", re.I)),
    (
        "relapse after allogeneic hematopoietic stem cell transplantation",
        re.compile(
            r"\brelapsed?\s+(?:following|after)\s+(?:allogeneic\s+(?:hematopoietic\s+stem\s+cell\s+transplant\w*|HSCT)|alloHSCT|allo-HSCT)"
            r"|\brelapsed?\s+(?:following|after)\s+alloHSCT",
            re.I,
        ),
    ),
    ("prior transplantation", re.compile(r"\bprior\s+(?:\w+\s+)?transplant\w*", re.I)),
]
_PLACEBO = re.compile(r"\bplacebo\b", re.I)
_REGIMEN = re.compile(
    rf"^{SP}*(?:\(\w+\)\s*)?,?{SP}*(?P<r>\d+(?:[.\u00b7]\d+)?{SP}*{DOSE_UNIT}(?:/(?:kg|m2|m\(2\)|day|d|h))?"
    rf"(?:[^.;()]{{0,60}}?\b(?:daily|twice|weekly|every{SP}+\d+{SP}+(?:days|weeks|hours)|per{SP}+day|orally|intravenously|as{SP}+needed)\b)?)",
    re.I,
)


def design(text: str) -> list[str]:
    """Design labels printed in the text, phase first ("phase 2", "randomized", ...)."""
    labels: list[str] = []
    m = fastscan.search(_PHASE, text)
    if m:
        a = _ROMAN.get(m["a"].upper(), m["a"])
        b = _ROMAN.get(m["b"].upper(), m["b"]) if m["b"] else None
        labels.append(f"phase {a}/{b}" if b else f"phase {a}")
    for label, rx in _DESIGN:
        if label not in labels and fastscan.search(rx, text):
            labels.append(label)
    if "placebo-controlled" not in labels and "randomized" in labels and fastscan.search(_PLACEBO, text):
        labels.append("placebo-controlled")
    return labels


#: Who was studied is said early; looking further only costs time on run-on input.
POPULATION_WINDOW = 6000


@lru_cache(maxsize=8)
def population_n(text: str) -> tuple[int | None, int | None]:
    """The number of participants the abstract reports, and the offset of that number."""
    text = text[:POPULATION_WINDOW]
    best: tuple[int, int] | None = None
    for rx in _POPULATION:
        for m in fastscan.finditer(rx, text):
            v = as_int(parse_number(m["n"]))
            if v is not None and v > 1 and (best is None or m.start("n") < best[1]):
                best = (v, m.start("n"))
            break
    if best is None:
        fm = fastscan.search(_POPULATION_FALLBACK, text)
        if fm:
            v = as_int(parse_number(fm["n"]))
            if v is not None and v > 1:
                best = (v, fm.start("n"))
    return (best[0], best[1]) if best else (None, None)


def population(text: str) -> Population:
    """Who was studied, as far as the abstract says."""
    n, _ = population_n(text)
    cm = fastscan.search(_CONDITION, text, 0, min(len(text), POPULATION_WINDOW))
    condition = re.sub(r"\s+", " ", cm["c"]).strip() if cm else None
    chars = [label for label, rx in _CHARACTERISTICS if fastscan.search(rx, text)]
    return Population(n=n, condition=condition, characteristics=chars)


def study(text: str) -> Study:
    """Design labels and size of the study."""
    n, _ = population_n(text)
    return Study(design=design(text), n=n)


def interventions(text: str) -> list[Intervention]:
    """Drugs named in the abstract (lexicon and INN stems), with class and a regimen where printed."""
    out: list[Intervention] = []
    for d in lexicon.drugs().find(text):
        regimen = None
        m = re.search(rf"\b{re.escape(d.name)}\b", text, re.I)
        if m:
            rm = _REGIMEN.match(text[m.end() : m.end() + 120])
            if rm:
                regimen = re.sub(r"\s+", " ", rm["r"]).strip()
        out.append(Intervention(name=d.name, drug_class=d.drug_class, regimen=regimen, code=d.code))
    return out
