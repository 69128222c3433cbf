"""Finding the numeric shapes of result statements in one sentence: n/N, n (x%), x%, values, estimates."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache

from kb.extract import fastscan
from kb.extract import patterns as P
from kb.extract.checks import decimals, percent_agrees, rounding_tolerance
from kb.extract.numbers import Number, find_numbers

_SP = P.SP
_STAT_CUE = re.compile(
    r"\bmean\s+(?:percentage|proportion|rate|change|number|score)s?\b|\b(?:median|mean|average|averaged)\b"
    r"|\b(?:rates?|proportions?|percentages?|incidences?|probability|estimate)\b"
    # "1-year overall survival 70%": a landmark survival is a rate
    r"|\b(?:\d+|one|two|three|four|five|ten)-(?:year|month|week|day)\b",
    re.IGNORECASE,
)
# Every branch starts at a word boundary with one of the letters in the lookahead (which only spares trials).
_EFFECT_CUE = re.compile(
    r"\b(?i:(?=[hordeamsi]))(?P<stat>(?i:(?:hazard|odds|risk|rate)\s+ratio|relative\s+risk|(?:risk|mean|absolute)\s+difference|"
    r"difference|effect\s+size)|(?:a?HR|a?OR|RR|IRR|ES|RD|MD|SMD))\b"
)


_NEGATED = re.compile(r"\b(?:no|not|any|without)\s+(?:\w+\s+){0,2}$|\bsignificant(?:ly)?\s+$", re.IGNORECASE)
# Nouns after a number that are not what a share is of ("2 groups (0.43% versus ...)").
_NOT_COUNTED = r"(?:groups?|arms?|cohorts?|times|studies|trials|doses|visits|centers|centres|sites|hospitals)"


@dataclass(frozen=True)
class Interval:
    """A blocked or qualifying stretch of the text."""

    start: int
    end: int
    kind: str
    data: tuple[str, ...] = ()


@dataclass
class Mention:
    """One numeric result as written: its shape, numbers and the span that shows them."""

    shape: str  # "proportion", "count", "percent", "value", "effect"
    start: int
    end: int
    anchor: int  # offset of the main number
    numerator: int | None = None
    denominator: int | None = None
    percent: float | None = None
    value: float | None = None
    unit: str | None = None
    statistic: str | None = None
    ci: tuple[float, float] | None = None
    ci_level: float | None = None
    p_value: str | None = None
    subset: bool = False  # "of whom", "of these": denominator is the previous numerator
    sub_count: bool = False  # "including 5 due to ...", "(2 with ...)": part of the previous count
    numbers: list[Number] = field(default_factory=list)


_CI_WORD = re.compile(r"\bCI\b|confidence|credible", re.IGNORECASE)


def _val(text: str) -> float:
    return float(text.replace("\u2212", "-").replace("\u00b7", ".").replace(",", ""))


def blocked_intervals(text: str, start: int, end: int) -> list[Interval]:
    """Stretches of the sentence whose numbers are not results (with what they tell, if anything)."""
    out: list[Interval] = []
    has_ci_word = fastscan.search(_CI_WORD, text, start, end) is not None
    for m in fastscan.finditer(P.CI, text, start, end):
        out.append(Interval(m.start(), m.end(), "ci", (m["level"], m["lo"], m["hi"])))
    if has_ci_word:
        for m in fastscan.finditer(P.BARE_CI, text, start, end):
            if not any(iv.start <= m.start() < iv.end for iv in out):
                out.append(Interval(m.start(), m.end(), "ci", ("95", m["lo"], m["hi"])))
    for m in fastscan.finditer(P.P_VALUE, text, start, end):
        out.append(Interval(m.start(), m.end(), "p", (m.group(),)))
    for m in fastscan.finditer(P.GRADE, text, start, end):
        out.append(Interval(m.start(), m.end(), "grade", (m.group(),)))
    for rx in (P.FOLLOW_UP, P.TIMEPOINT, P.TIME_SPAN, P.TIME_AFTER_EVENT, P.TIME_ADJECTIVE):
        for m in fastscan.finditer(rx, text, start, end):
            out.append(Interval(m.start(), m.end(), "time", (m.group(),)))
    if fastscan.search(P.ACUITY, text, start, end):
        for m in fastscan.finditer(P.SNELLEN, text, start, end):
            out.append(Interval(m.start(), m.end(), "snellen", (m.group(),)))
    for m in fastscan.finditer(P.SD_AFTER_SIGN, text, start, end):
        out.append(Interval(m.start(), m.end(), "sd", (m.group(),)))
    for m in fastscan.finditer(P.SD_PAREN, text, start, end):
        out.append(Interval(m.start(), m.end(), "sd", (m.group(),)))
    for m in fastscan.finditer(P.PLAIN_RANGE, text, start, end):
        out.append(Interval(m.start(), m.end(), "range", (m.group(),)))
    for m in fastscan.finditer(P.NOT_RESULT, text, start, end):
        kind = m.lastgroup or "other"
        out.append(Interval(m.start(), m.end(), kind, (m.group(),)))
    return out


def count_of(n: Number) -> Number:
    """The number as a count: a count is never negative, so a sign before a whole number is a dash.

    "Of 40 patients, -3 had a response" reports 3 patients; values and estimates keep their sign.
    """
    if n.is_integer and n.text[:1] in ("-", "\u2212"):
        return Number(n.start + 1, n.end, n.text[1:], abs(n.value))
    return n


def _blocked(n: Number, blocks: list[Interval]) -> bool:
    return any(b.start < n.end and n.start < b.end for b in blocks)


def _ci_after(text: str, pos: int, end: int, blocks: list[Interval]) -> Interval | None:
    """A CI that starts right after ``pos`` (only brackets, punctuation or a short label between)."""
    for b in blocks:
        if b.kind == "ci" and pos <= b.start <= pos + 40 and b.start <= end:
            gap = text[pos : b.start]
            if (
                re.fullmatch(rf"[{_SP[1:-1]}%,;:(\[\w/°\u00b5\u03bc=]*", gap)
                and len(re.findall(r"\d", gap)) == 0
            ):
                return b
    return None


def _p_after(text: str, pos: int, blocks: list[Interval]) -> str | None:
    for b in blocks:
        if b.kind == "p" and pos <= b.start <= pos + 60 and ")" not in text[pos : b.start].replace("])", ""):
            v = re.sub(r"^[Pp](?:\s*-?\s*values?)?", "", b.data[0]).strip()
            return v.replace(" ", "").replace("\u2009", "").replace("\u00a0", "")
    return None


@lru_cache(maxsize=32)
def _sentence_cues(text: str, start: int, end: int) -> tuple[tuple[tuple[int, str], ...], tuple[int, ...]]:
    """Statistic words of a sentence, in order, and the offsets of its semicolons (found once).

    Words inside an effect name ("incidence rate ratio") count as the effect, not as "rate".
    """
    effects = [
        (m.start(), m.end(), m["stat"])
        for m in fastscan.finditer(_EFFECT_CUE, text, start, end)
        # "no significant difference" states a test result, not an estimate
        if not _NEGATED.search(text, max(start, m.start() - 30), m.start())
    ]
    cues: list[tuple[int, str]] = [(a, "effect:" + stat) for a, _b, stat in effects]
    k = 0
    for m in fastscan.finditer(_STAT_CUE, text, start, end):
        while k < len(effects) and effects[k][1] <= m.start():
            k += 1
        if k < len(effects) and effects[k][0] <= m.start() < effects[k][1]:
            continue
        cue = m.group().lower()
        cues.append((m.start(), "rate" if re.search(r"-(?:year|month|week|day)$", cue) else cue))
    cues.sort(key=lambda c: (c[0], c[1].startswith("effect:")))
    semis = tuple(i for i in range(start, end) if text[i] == ";")
    return tuple(cues), semis


def _stat_cue_before(
    text: str,
    sent_start: int,
    pos: int,
    clause: bool = True,
    effects: bool = True,
    sent_end: int | None = None,
) -> str | None:
    """The nearest statistic word before ``pos`` in the same clause (``;`` ends a clause) or sentence."""
    cues, semis = _sentence_cues(text, sent_start, len(text) if sent_end is None else sent_end)
    lo = sent_start
    if clause:
        i = bisect_left(semis, pos)
        if i > 0:
            lo = semis[i - 1] + 1
    j = bisect_left(cues, (pos, ""))
    while j > 0:
        j -= 1
        at, cue = cues[j]
        if at < lo:
            return None
        if effects or not cue.startswith("effect:"):
            return cue
    return None


def _stat_from_cue(cue: str | None, default: str) -> str:
    if cue is None:
        return default
    if cue.startswith("effect:"):
        return _effect_name(cue[7:])
    if cue.startswith("mean"):
        return "mean"
    if cue in ("average", "averaged"):
        return "mean"
    if cue == "median":
        return "median"
    return default


def _effect_name(raw: str) -> str:
    s = re.sub(r"\s+", " ", raw.strip()).lower()
    s = re.sub(r"^(?:adjusted|unadjusted|pooled) ", "", s)
    s = s[:-1] if s.endswith("s") and s[:-1] in P.STAT_NAMES else s
    if s.endswith("ratios"):
        s = s[:-1]
    return P.STAT_NAMES.get(s, s)


def find_mentions(text: str, start: int, end: int) -> tuple[list[Mention], list[Interval]]:
    """Numeric result mentions of the sentence ``text[start:end]`` and its blocked intervals."""
    found = find_numbers(text, start, end)
    if not found:
        return [], []  # every mention is built on a number: nothing to find, nothing to block
    blocks = blocked_intervals(text, start, end)
    nums = [n for n in found if not _blocked(n, blocks)]
    used: set[int] = set()
    out: list[Mention] = []
    by_start = {n.start: i for i, n in enumerate(nums)}

    def nxt(i: int, gap_re: str) -> int | None:
        """Index of the number after nums[i] when the text between them fully matches ``gap_re``."""
        if i + 1 >= len(nums):
            return None
        j = i + 1
        gap = text[nums[i].end : nums[j].start]
        return j if re.fullmatch(gap_re, gap, re.IGNORECASE) else None

    # Effect estimates first: "hazard ratio, 0.35", "OR 1.14", "ES, -0.93".
    for m in fastscan.finditer(P.EFFECT, text, start, end):
        i = by_start.get(m.end())
        if i is None or i in used:
            continue
        n = nums[i]
        mention = Mention("effect", m.start(), n.end, n.start, value=n.value, numbers=[n])
        mention.statistic = _effect_name(m["stat"])
        um = P.VALUE_UNIT.match(text[n.end : n.end + 30])
        if um:
            mention.unit = um["unit"]
            mention.end = n.end + um.end()
        out.append(mention)
        used.add(i)

    sp = r"[\s\u00a0\u2009\u202f]"
    has_sd_cue = fastscan.search(P.SD_CUE, text, start, end) is not None
    has_ci_word = fastscan.search(_CI_WORD, text, start, end) is not None
    pct_gap = rf"{sp}*(?:%|percent|per{sp}cent)"
    for i, n in enumerate(nums):
        if i in used:
            continue
        right = text[n.end : min(end, n.end + 120)]
        pm = P.PERCENT_SIGN.match(right)
        if pm:
            # x% (n/N) or x% of the patients (n of N)
            j = nxt(
                i, rf"{pct_gap}{sp}*(?:of{sp}+(?:the{sp}+|all{sp}+)?[a-z]+(?:{sp}+[a-z]+)?{sp}*)?[(\[]{sp}*"
            )
            if j is not None and j + 1 < len(nums) and n.value <= 100:
                k = nxt(j, rf"{sp}*(?:/|of|out{sp}+of){sp}*")
                if k is not None and nums[j].is_integer and nums[k].is_integer:
                    cj, ck = count_of(nums[j]), count_of(nums[k])
                    ment = Mention(
                        "proportion",
                        n.start,
                        nums[k].end,
                        n.start,
                        numerator=int(cj.value),
                        denominator=int(ck.value),
                        percent=n.value,
                        numbers=[n, cj, ck],
                    )
                    used.update({i, j, k})
                    out.append(ment)
                    continue
            ment = Mention("percent", n.start, n.end + pm.end(), n.start, percent=n.value, numbers=[n])
            rest = text[ment.end : min(end, ment.end + 80)]
            # Effect names ("rate ratio") qualify the estimate they introduce, not the shares near them.
            cue = _stat_cue_before(text, start, n.start, effects=False, sent_end=end)
            if cue is None:
                cue = _stat_cue_before(text, start, n.start, clause=False, effects=False, sent_end=end)
            if cue is None and _ci_after(text, ment.end, end, blocks) is not None:
                cue = _stat_cue_before(text, start, n.start, clause=False, sent_end=end)
            pmm = P.PLUS_MINUS.match(rest)
            rmm = P.RANGE_PAREN.match(rest)
            if rmm and not pmm and has_ci_word and not (cue or "").startswith(("mean", "median", "average")):
                rmm = None  # "74% (63-82)" in a sentence that reports CIs: the brackets hold a CI
            if pmm or rmm or (cue is not None and (cue.startswith(("effect:", "mean", "median", "average")))):
                # a mean, median or difference expressed in percent is a value, not a share of patients
                ment = Mention("value", n.start, ment.end, n.start, value=n.value, unit="%", numbers=[n])
                ment.statistic = _stat_from_cue(cue, "mean" if pmm else "median" if rmm else "value")
                qualifier = pmm or rmm
                if qualifier is not None:
                    ment.end += qualifier.end()
                    _consume_inner(nums, i, ment.end, used)
            used.add(i)
            out.append(ment)
            continue
        # n/N (x%) and n of N (x%); the counts below read a sign before a whole number as a dash
        c = count_of(n)
        j = nxt(i, rf"{sp}*/{sp}*") if n.is_integer else None
        if j is None and n.is_integer:
            j = nxt(i, rf"{sp}+(?:of|out{sp}+of){sp}+(?:the{sp}+|all{sp}+)?")
        if (
            j is not None
            and nums[j].is_word
            and not P.COUNT_AFTER.match(text[nums[j].end : min(end, nums[j].end + 60)])
        ):
            j = None  # "one of the two groups": a phrase, not a count of patients
        den = count_of(nums[j]) if j is not None else None
        if j is not None and den is not None and den.is_integer and den.value >= c.value and den.value > 0:
            ment = Mention(
                "proportion",
                c.start,
                nums[j].end,
                c.start,
                numerator=int(c.value),
                denominator=int(den.value),
                numbers=[c, den],
            )
            used.update({i, j})
            k = nxt(j, rf"(?:{sp}+[a-z][\w-]*){{0,4}}{sp}*[(\[]{sp}*")
            worded = False
            if k is None:
                # "33 of the 34 patients (remission rate 97.1 %)": words name the share inside the bracket
                k = nxt(j, rf"(?:{sp}+[a-z][\w-]*){{0,4}}{sp}*[(\[]{_WORDED_SHARE}")
                worded = True
            plen = _percent_sign_length(text, nums[k].end) if k is not None else None
            if (
                k is not None
                and plen is not None
                and (not worded or _share_agrees(int(c.value), int(den.value), nums[k]))
            ):
                ment.percent = nums[k].value
                ment.end = nums[k].end + plen
                used.add(k)
            out.append(ment)
            continue
        # n (x%) [of N]
        count_gap = rf"(?:{sp}+(?!{P.TIME_UNIT}\b|{_NOT_COUNTED}\b)[A-Za-z][\w-]*){{0,2}}{sp}*[(\[]"
        j = nxt(i, rf"{count_gap}{sp}*") if n.is_integer else None
        if j is None and n.is_integer:
            # "12 patients (relapse rate 21.4%)": kept only when some whole N gives that share of n
            j = nxt(i, rf"{count_gap}{_WORDED_SHARE}")
            if j is not None and not _share_agrees(int(c.value), None, nums[j]):
                j = None
        plen = _percent_sign_length(text, nums[j].end) if j is not None else None
        if j is not None and plen is not None:
            pe = nums[j].end + plen
            ment = Mention("proportion", c.start, pe, c.start, numerator=int(c.value), percent=nums[j].value)
            ment.numbers = [c, nums[j]]
            used.update({i, j})
            k = nxt(j, rf"{pct_gap}{sp}*\){sp}*(?:of|out{sp}+of){sp}+(?:the{sp}+|all{sp}+)?")
            if k is not None and nums[k].is_integer and not P.PERCENT_SIGN.match(text[nums[k].end :]):
                ment.denominator = int(count_of(nums[k]).value)
                ment.end = nums[k].end
                used.add(k)
            elif P.SUBSET_AFTER.match(text[pe + 1 : pe + 40]) or P.SUBSET_AFTER.match(text[pe : pe + 40]):
                ment.subset = True
            out.append(ment)
            continue
        # mean ± SD
        pmm = P.PLUS_MINUS.match(right)
        if pmm:
            ment = Mention("value", n.start, n.end + pmm.end(), n.start, value=n.value, numbers=[n])
            um = P.VALUE_UNIT.match(right)
            after = text[n.end + pmm.end() : n.end + pmm.end() + 30]
            if um:
                ment.unit = um["unit"]
            elif pmm["sunit"] and P.VALUE_UNIT.match(" " + pmm["sunit"]):
                ment.unit = pmm["sunit"]
            else:
                um2 = P.VALUE_UNIT.match(after)
                if um2 and um2["unit"] != "%":
                    ment.unit = um2["unit"]
                    ment.end = n.end + pmm.end() + um2.end()
            ment.statistic = _stat_from_cue(_stat_cue_before(text, start, n.start, sent_end=end), "mean")
            _consume_inner(nums, i, ment.end, used)
            out.append(ment)
            used.add(i)
            continue
        # mean (SD) written without the sign: "-12.4 (8.1) mm Hg" where the sentence says "(SD)"
        psd = P.PAREN_SD.match(right) if has_sd_cue else None
        if psd and not n.is_word:
            ment = Mention("value", n.start, n.end + psd.end(), n.start, value=n.value, numbers=[n])
            unit = psd["sunit"]
            if P.PERCENT_SIGN.match(right):
                unit = "%"
            if unit and P.VALUE_UNIT.match(" " + unit):
                ment.unit = unit
            elif unit:
                ment.end = n.end + psd.end("sd") + 1
            ment.statistic = "mean"
            _consume_inner(nums, i, ment.end, used)
            out.append(ment)
            used.add(i)
            continue
        # median (IQR or range)
        rm = P.RANGE_PAREN.match(right)
        if rm:
            ment = Mention("value", n.start, n.end + rm.end(), n.start, value=n.value, numbers=[n])
            um = P.VALUE_UNIT.match(right)
            if um:
                ment.unit = um["unit"]
            ment.statistic = _stat_from_cue(_stat_cue_before(text, start, n.start, sent_end=end), "median")
            _consume_inner(nums, i, ment.end, used)
            out.append(ment)
            used.add(i)
            continue
        um = P.VALUE_UNIT.match(right)
        if um:
            ment = Mention(
                "value", n.start, n.end + um.end(), n.start, value=n.value, unit=um["unit"], numbers=[n]
            )
            ment.statistic = _stat_from_cue(_stat_cue_before(text, start, n.start, sent_end=end), "value")
            out.append(ment)
            used.add(i)
            continue
        if n.is_integer and P.COUNT_AFTER.match(right):
            cm = P.COUNT_AFTER.match(right)
            span_end = n.end + (cm.end() if cm else 0)
            ment = Mention("count", c.start, span_end, c.start, numerator=int(c.value), numbers=[c])
            if P.SUBSET_AFTER.match(right):
                ment.subset = True
            out.append(ment)
            used.add(i)
            continue
        # a number directly followed by a CI is an estimate; a bare decimal after a statistic word is a value
        ci = _ci_after(text, n.end, end, blocks)
        cue = _stat_cue_before(text, start, n.start, sent_end=end)
        if ci is not None or (not n.is_integer and cue is not None):
            ment = Mention("value", n.start, n.end, n.start, value=n.value, numbers=[n])
            ment.statistic = _stat_from_cue(cue, "estimate" if ci is not None else "value")
            if cue and cue.startswith("effect:"):
                ment.shape = "effect"
            out.append(ment)
            used.add(i)
            continue
    # Numbers left alone but listed with a shaped neighbour ("6 and 25 months", "82 vs. 93 beats/minute",
    # "8 and 2 patients") take the neighbour's shape.
    by_num = {m.anchor: m for m in out}
    for i in range(len(nums) - 1, -1, -1):
        if i in used:
            continue
        n = nums[i]
        j = nxt(i, rf"{sp}*(?:,{sp}*)?(?:vs\.?|versus|v\.?|and|or|,|to){sp}*(?:and{sp}+)?")
        if j is None or nums[j].start not in by_num:
            continue
        partner = by_num[nums[j].start]
        if (
            partner.shape == "value"
            and partner.unit
            and not (n.is_integer != nums[j].is_integer and partner.unit in ("%",))
        ):
            ment = Mention("value", n.start, n.end, n.start, value=n.value, unit=partner.unit, numbers=[n])
            ment.statistic = partner.statistic
        elif partner.shape == "count" and n.is_integer:
            c = count_of(n)
            ment = Mention("count", c.start, c.end, c.start, numerator=int(c.value), numbers=[c])
        else:
            continue
        out.append(ment)
        by_num[n.start] = ment
        used.add(i)
    out.sort(key=lambda m: m.anchor)
    merged: set[int] = set()
    for idx, mt in enumerate(out):
        if mt.shape != "percent" or mt.percent is None:
            continue
        prev = out[idx - 1] if idx > 0 else None
        if (
            prev is not None
            and prev.shape == "count"
            and re.fullmatch(rf"{sp}*[;,]{sp}*", text[prev.end : mt.start])
            and re.search(rf"[(\[]{sp}*$", text[max(start, prev.start - 3) : prev.start])
        ):
            # "(53 participants; 38.7%)": one count with its share
            prev.shape, prev.percent, prev.end = "proportion", mt.percent, mt.end
            prev.numbers = prev.numbers + mt.numbers
            merged.add(idx)
            continue
        if (
            prev is not None
            and prev.shape in ("proportion", "count")
            and prev.numerator is not None
            and prev.denominator is not None
            and prev.percent is None
            and _RESTATED_SHARE.fullmatch(text[prev.end : mt.start])
            and _share_agrees(prev.numerator, prev.denominator, mt.numbers[0])
        ):
            # "33 of 34 patients achieved a CR, a remission rate of 97.1%": one result written twice
            prev.shape, prev.percent, prev.end = "proportion", mt.percent, mt.end
            prev.numbers = prev.numbers + mt.numbers
            merged.add(idx)
            continue
        _n_beside_percent(text, start, mt)
    out = [mt for idx, mt in enumerate(out) if idx not in merged]
    # Attach CIs and p-values to the estimate they follow.
    for mt in out:
        ci = _ci_after(text, mt.end, end, blocks)
        if ci is not None:
            if not re.match(r"[-\u2212]?\d", ci.data[2]):
                continue  # "95% CI 17 months to not reached": no upper bound to record
            lo, hi = _val(ci.data[1]), _val(ci.data[2])
            mt.ci = (lo, hi)
            mt.ci_level = float(ci.data[0].replace("\u00b7", "."))
            if mt.shape == "percent" or mt.shape == "value" or mt.shape == "effect":
                mt.end = max(mt.end, ci.end) if ci.start - mt.end < 4 else mt.end
        mt.p_value = _p_after(text, mt.end, blocks)
    return out, blocks


_COUNT_AFTER_PERCENT = re.compile(
    rf"^{_SP}*[(\[]{_SP}*(?P<k>\d+){_SP}+(?:[a-z-]+{_SP}+)?{P.COUNT_NOUN}{_SP}*[)\];,]", re.IGNORECASE
)


def _n_beside_percent(text: str, sent_start: int, mt: Mention) -> None:
    """Read "x% (n = k)", "x% [n = k/N]" and "(n = k; x%)" as a share with its count."""
    after = P.N_AFTER_PERCENT.match(text[mt.end : mt.end + 30])
    before = P.N_BEFORE_PERCENT.search(text[max(sent_start, mt.start - 20) : mt.start])
    k = d = None
    if after:
        k, d = int(after["k"]), int(after["d"]) if after["d"] else None
        end = mt.end + after.end() - (1 if after.group().endswith((";", ",")) else 0)
    elif before:
        k, end = int(before["k"]), mt.end
    if k is None:
        # "Thirty-nine percent (19 eyes)": the count of the share, when some whole N gives that percent
        counted = _COUNT_AFTER_PERCENT.match(text[mt.end : mt.end + 60])
        if counted and mt.numbers and _share_agrees(int(counted["k"]), None, mt.numbers[0]):
            k, end = int(counted["k"]), mt.end + counted.end() - 1
    if k is None or (d is not None and d < k):
        return
    mt.shape = "proportion"
    mt.numerator, mt.denominator = k, d
    mt.end = end


# Words that name a share inside a bracket before its percent: "(remission rate 97.1 %)", "(rate: 21%)".
_WORDED_SHARE = (
    rf"{_SP}*(?:[A-Za-z][\w/-]*{_SP}+){{0,2}}(?i:rates?|proportion|percentage|incidence|frequency|prevalence)"
    rf"{_SP}*(?:[:=,]|of|was|were)?{_SP}*"
)


# Between "n of N" and a percent that restates it: a few words ending in a rate word, no other number.
_RESTATED_SHARE = re.compile(
    rf"[^\d%;.()\[\]]{{0,60}}?\b(?i:rates?|proportion|percentage|i\.e\.)"
    rf"(?:{_SP}+(?i:of|was|were|is))?{_SP}*[:=,]?{_SP}*(?:[(\[]{_SP}*)?"
)


def _share_agrees(numerator: int, denominator: int | None, pct: Number) -> bool:
    """True when a percent printed near a count is that count's share (n/N within the printed rounding).

    Without N, some whole N >= n must give the percent: "12 patients (rate 21.4%)" -> 12/56.
    """
    if not 0 < pct.value <= 100:
        return False
    tol = rounding_tolerance(decimals(pct.text))
    if denominator is not None:
        return percent_agrees(numerator, denominator, pct.value, tol)
    if numerator == 0:
        return False
    guess = round(100.0 * numerator / pct.value)
    return any(
        c >= numerator and percent_agrees(numerator, c, pct.value, tol) for c in (guess - 1, guess, guess + 1)
    )


def _percent_sign_length(text: str, pos: int) -> int | None:
    """Length of the percent sign or word right after ``pos``, or None when there is none."""
    m = P.PERCENT_SIGN.match(text[pos : pos + 12])
    return m.end() if m else None


def _consume_inner(nums: list[Number], i: int, end: int, used: set[int]) -> None:
    """Mark numbers inside a mention's span (SDs, range bounds) as used."""
    for k in range(i + 1, len(nums)):
        if nums[k].start < end:
            used.add(k)
        else:
            break
