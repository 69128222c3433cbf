"""From numeric mentions to measurements: endpoint, kind, grade, time point, arm, denominator, checks."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache

from kb.extract import fastscan, lexicon
from kb.extract import patterns as P
from kb.extract.checks import decimals, integer_share_exists, percent_agrees, rounding_tolerance, run_checks
from kb.extract.lexicon import EndpointHit
from kb.extract.mentions import Interval, Mention, find_mentions
from kb.extract.numbers import WORD_NUMBER as WORD_NUMBER_RE
from kb.extract.numbers import as_int, parse_number
from kb.extract.text import Sentence
from kb.records.models import Measurement, Span

_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5}
_SUBJECT_VERB = re.compile(
    r"^(?:[\s\u00a0]*\([^()]{0,30}\))?[\s\u00a0]*(?:of[\s\u00a0]+(?:the[\s\u00a0]+)?(?:\w+[\s\u00a0]+){0,2}?)?"
    r"(?:patients?|participants?|subjects?|women|men|children|eyes)?[\s\u00a0]*(?:\([^()]{0,30}\))?[\s\u00a0]*"
    r"(?:of[\s\u00a0]+whom[\s\u00a0]+|of[\s\u00a0]+these[\s\u00a0]+(?:patients[\s\u00a0]+)?)?"
    r"(?:had|have|has|achieved|experienced|developed|with|due[\s\u00a0]+to|showed|required|requiring|received|"
    r"remain(?:ed)?|are|were|was|died|progressed|attained|reached|needed|did)\b",
    re.IGNORECASE,
)
_SUB_BEFORE = re.compile(
    r"(?:\bincluding|\bof\s+which|\bof\s+whom|\bamong\s+them|\bamong\s+these|\()\s*$", re.I
)


# "200 patients with NVAF who ...", "50 eyes": sizes of groups the abstract names.
_GROUP_SIZE = re.compile(rf"(?<![\w.,])(?P<num>\d+)[\s\u00a0]+(?:[\w-]+[\s\u00a0]+){{0,2}}?{P.COUNT_NOUN}\b")


@dataclass
class Context:
    """What the assembler knows about the abstract while it walks the sentences."""

    text: str
    population_n: int | None
    denominators: list[tuple[int, int]] = field(default_factory=list)  # (offset, N) seen in the text
    arm_groups: list[list[tuple[str, int]]] = field(default_factory=list)  # arm sizes printed together
    previous: Measurement | None = None
    sizes: list[int] = field(default_factory=list)  # every "N patients" group size, for inference only
    sentence: Sentence | None = None  # the sentence being assembled
    # Harms the study sets out to prevent ("to prevent hypotension"): there they are the efficacy outcome.
    prevented: frozenset[str] = frozenset()


def _grade(raw: str) -> list[str]:
    """Grade text to grade bands: "Grade 3 and 4" -> ["3", "4"]; "grade >=3" -> [">=3"]."""
    m = P.GRADE.match(raw)
    if not m:
        return []

    def num(g: str) -> int:
        return _ROMAN[g.upper()] if g.upper() in _ROMAN else int(g)

    g1 = num(m["g1"])
    op = m["op"]
    if op in ("\u2265", ">=") or m["higher"]:
        return [f">={g1}"]
    if op == ">":
        return [f">={g1 + 1}"] if g1 < 5 else []
    if op in ("\u2264", "<="):
        return [f"<={g1}"]
    if op == "<":
        return [f"<={g1 - 1}"] if g1 > 1 else []
    rest = re.findall(r"(?:-|\u2013|to|and|or|/|,)\s*([1-5]|IV|V|I{1,3})\b", m["rest"] or "", re.I)
    if rest and re.match(r"\s*(?:-|\u2013|to)", m["rest"] or ""):
        return [f"{g1}-{num(rest[-1])}"]
    return [str(g1)] + [str(num(r)) for r in rest]


@lru_cache(maxsize=32)
def _top_semicolons(text: str, start: int, end: int) -> tuple[int, ...]:
    """Offsets of the semicolons of a sentence that are not inside parentheses or brackets."""
    out: list[int] = []
    depth = 0
    for i in range(start, end):
        ch = text[i]
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif ch == ";" and depth == 0:
            out.append(i)
    return tuple(out)


def _clause_bounds(text: str, s: Sentence, pos: int) -> tuple[int, int]:
    """The clause around ``pos``: semicolons end clauses, except inside parentheses and brackets."""
    semis = _top_semicolons(text, s.start, s.end)
    i = bisect_left(semis, pos)
    a = semis[i - 1] + 1 if i > 0 else s.start
    b = semis[i] if i < len(semis) else s.end
    return a, b


def _choose_endpoint(text: str, s: Sentence, m: Mention, hits: list[EndpointHit]) -> EndpointHit | None:
    """The endpoint a number belongs to: the subject after it, else the nearest before it in its clause."""
    a, b = _clause_bounds(text, s, m.anchor)
    last_number_end = m.numbers[-1].end if m.numbers else m.end
    after = [h for h in hits if h.start >= last_number_end and h.start < b]
    before = [h for h in hits if h.end <= m.anchor and h.start >= a]
    first_end = m.numbers[0].end if m.numbers else m.end
    # Counts and shares are often the grammatical subject ("8 patients had fatal adverse events");
    # values and estimates follow their endpoint ("the median OS was 8.5 months").
    subject_like = m.shape in ("count", "proportion", "percent")
    if (
        subject_like
        and after
        and (
            _SUBJECT_VERB.match(text[m.end : m.end + 80])
            or _SUBJECT_VERB.match(text[first_end : first_end + 80])
        )
    ):
        h = after[0]
        gap = text[min(m.end, h.start) : h.start]
        if len(gap) <= 70 and not re.search(r"\d", gap):
            return h
    if subject_like and after:
        h = after[0]
        gap = text[min(m.end, h.start) : h.start]
        if len(gap) <= 40 and not re.search(r"[\d,;]", gap) and not before:
            return h
    if before:
        return before[-1]
    if subject_like and after and not _OWN_NUMBER.search(text, m.end, after[0].start):
        return after[0]
    return None


# A list item with its own bracketed number ("noncompliance (113/25%)") between a number and an endpoint
# word: the endpoint word belongs to the items after it, not to the number before.
_OWN_NUMBER = re.compile(r"[A-Za-z]{3,}[\s\u00a0]*[(\[][\s\u00a0]*\d")


def _bracket_open(text: str, lo: int, pos: int) -> int | None:
    """Offset of the bracket that encloses ``pos`` (looking back no further than ``lo``), if any."""
    depth = 0
    for i in range(pos - 1, lo - 1, -1):
        ch = text[i]
        if ch in ")]":
            depth += 1
        elif ch in "([":
            if depth == 0:
                return i
            depth -= 1
    return None


# Words that make a stretch a group, a comparison or a predicate rather than the name of a listed item.
_NOT_AN_ITEM = re.compile(
    r"\b(?:groups?|arms?|cohorts?|patients|vs|versus|to|than|compared|superior|inferior|higher|lower|greater|"
    r"less|more|better|worse|similar|increased|decreased|reduced|improved|significant(?:ly)?|respectively)\b",
    re.IGNORECASE,
)
_LIST_SEPARATOR = re.compile(
    r"[,;:]|\b(?:and|or|including|included|includes|followed\s+by|such\s+as)\b", re.IGNORECASE
)


def _list_item_label(text: str, s: Sentence, m: Mention, hit: EndpointHit | None) -> str | None:
    """The item a bracketed number belongs to in a list that follows an endpoint word.

    "complications included wound dehiscence (3%), seroma (2%)": the numbers are of the items, not of
    "complications" itself.
    """
    if m.shape not in ("count", "proportion", "percent"):
        return None  # values and estimates follow the endpoint they measure
    a, _ = _clause_bounds(text, s, m.anchor)
    op = _bracket_open(text, max(a, m.anchor - 200), m.anchor)
    if op is None or (hit is not None and hit.start < m.anchor and hit.end > op):
        return None
    # "noncompliance (113/25%), premature discontinuation (...)": no endpoint word before the item
    after = hit is None or hit.start > m.anchor
    parts = _LIST_SEPARATOR.split(text[max(a, op - 120) if after or hit is None else hit.end : op])
    if len(parts) < 2:
        return None
    item = parts[-1]
    if re.search(r"\d", item) or _NOT_AN_ITEM.search(item):
        return None
    label = _tidy_label(item)
    return None if label == "unspecified endpoint" or len(label.split()) > 6 else label


_VERB_SPLIT = re.compile(
    r"\b(?:was|were|is|are|had|has|have|showed|increased|decreased|improved|reduced|achieved|experienced|"
    r"reached|occurred|remained|averaged|averaging|did|could|required|received|found|observed|reported)\b",
    re.IGNORECASE,
)
_LEADING = re.compile(
    r"^(?:(?:in|at|after|during|among|for|with|by|on|compared\s+with|overall)\b[^,]{0,60},\s*|"
    r"(?:with\s+respect\s+to|regarding|in\s+terms\s+of|concerning)\s+|"
    r"(?:the|a|an|we|our|this|these|those|its|their|and|or|but|however|also|only)\b\s*)+",
    re.IGNORECASE,
)
_TRAILING = re.compile(
    r"(?:\s+(?:in|of|at|for|with|to|by|on|the|a|an|and|or|than|from|group|groups))+\s*$", re.I
)


_NO_DIFFERENCE = re.compile(
    r"^(?:there|no|a|the)?\s*(?:(?:statistically|clinically)\s+)?(?:significant\s+)?(?:differences?|effects?|change)?$",
    re.IGNORECASE,
)
_PREDICATE_LEAD = re.compile(
    r"^[\s\u00a0)]*(?:%\s*\)?\s*)?(?:of\s+(?:the\s+|all\s+)?(?:\w+\s+)?)?"
    r"(?:patients?|participants?|subjects?|women|men|children|eyes|cases)?\s*"
    r"(?:\([^()]{0,20}\)\s*)?(?:in\s+the\s+[\w/.+-]+(?:\s+[\w/.+-]+)?\s+(?:group|arm)\s*)?"
    r"(?:who\s+)?(?:had|have|has|were|was|experienced|developed|achieved|showed|reported|required|received|"
    r"needed|underwent)?\s*(?:an?\s+|the\s+)?",
    re.IGNORECASE,
)


def _predicate_after(tail: str) -> str | None:
    """What a count or share is of, when it is the subject: "29 of 64 achieved a CR" -> "CR"."""
    lead = _PREDICATE_LEAD.match(tail)
    rest = tail[lead.end() :] if lead else tail
    if re.match(r"\s*(?:and|or|but|in|with|versus|vs|compared|than)\b", rest, re.IGNORECASE):
        return None  # the next item of a list, not what this number is of
    rest = re.split(
        r"[,;.()\[\]]|\b(?:by|at|within|after|during|compared|versus|vs|and|or)\b", rest, maxsplit=1
    )[0]
    words = re.findall(r"[A-Za-z][\w/+-]*", rest)[:8]
    if len(words) < 1 or not re.search(r"[A-Za-z]{4}", " ".join(words)):
        return None
    label = _tidy_label(" ".join(words))
    return None if label == "unspecified endpoint" else label


def _fallback_endpoint(text: str, s: Sentence, m: Mention) -> str:
    """A readable endpoint label when the lexicon knows none: the subject of the clause, before its verb."""
    a, b = _clause_bounds(text, s, m.anchor)
    if m.shape in ("count", "proportion", "percent"):
        predicate = _predicate_after(text[m.end : min(b, m.end + 120)])
        if predicate:
            return predicate
    head = text[a : m.anchor]
    # A number inside brackets qualifies what stands before the bracket.
    depth = 0
    for i in range(len(head) - 1, -1, -1):
        if head[i] in ")]":
            depth += 1
        elif head[i] in "([":
            if depth == 0:
                head = head[:i]
                break
            depth -= 1
    # "... cell loss (Group 1: ...), corneal thickness increase (": the last item of a list of endpoints
    head = re.split(r"[)\]]\s*,\s*(?:or\s+|and\s+)?", head)[-1]
    # bracketed numbers and tests ("(P = 0.06)", "(SD)", "(n = 12)") name nothing
    head = _BRACKETED_STATS.sub(" ", head)
    parts = _VERB_SPLIT.split(head, maxsplit=1)
    subject = parts[0] if re.search(r"[A-Za-z]{3}", parts[0]) or len(parts) == 1 else parts[1]
    if len(parts) == 2 and _NO_DIFFERENCE.match(subject.strip()):
        # "No significant difference was found in the mean corneal cell loss (...)": the endpoint follows
        subject = re.sub(r"^\s*(?:\w+\s+)?(?:in|for|between|regarding|on)\s+", "", parts[1])
    subject = _LEADING.sub("", subject.strip(" ,;(")).strip()
    subject = _TRAILING.sub("", subject)
    return _tidy_label(subject)


# Brackets that hold numbers, statistics or test names rather than words of an endpoint.
_BRACKETED_STATS = re.compile(
    r"[(\[][^()\[\]]{0,40}?(?:\d|\b(?:SD|SE|SEM|IQR|range|P|n|CI)\b)[^()\[\]]{0,40}[)\]]"
)
# Words of a label that carry no meaning of their own: statistics, units, list and comparison words.
_LABEL_NOISE = frozenset("sd se sem iqr ci p n vs versus mm cm ml mg kg min mins h hr hrs s sec ms d".split())
_LABEL_EDGE = frozenset(
    "the a an of in at to for with by on and or than from who which that was were is are having had has "
    "its their these those this all both each only".split()
)


def _tidy_label(raw: str) -> str:
    """A fallback label from a stretch of words: no statistics or units, no function words at its ends."""
    words = [w for w in re.findall(r"[A-Za-z][\w/+-]*", raw) if w.lower() not in _LABEL_NOISE][:8]
    while words and words[-1].lower() in _LABEL_EDGE:
        words.pop()
    while words and words[0].lower() in _LABEL_EDGE:
        words.pop(0)
    label = " ".join(words).strip()
    if not re.search(r"[A-Za-z]{4}", label) or label.lower() in _WEAK_LABELS:
        return "unspecified endpoint"
    # keep abbreviations ("LE", "ERPs") as written; lower-case an ordinary first word
    if len(label) > 1 and label[1].islower():
        return label[0].lower() + label[1:]
    return label


# Subjects that name who was counted, not what was measured.
_WEAK_LABELS = frozenset(
    "patients participants subjects cases eyes women men children mean median total number rate rates "
    "percentage proportion lines".split()
)


def _timepoint(text: str, s: Sentence, m: Mention, blocks: list[Interval]) -> str | None:
    times = [b for b in blocks if b.kind == "time"]
    for b in times:
        gap = text[m.end : b.start]
        # "36% at 1 year", "achieved a CR within 2 cycles"; not "... for patients who ... in 2 cycles"
        if m.end <= b.start <= m.end + 40 and not re.search(r"\d|\b(?:for|who|which|that|whom)\b|[;,]", gap):
            return _norm_time(b.data[0])
    before = [b for b in times if b.end <= m.anchor]
    return _norm_time(before[-1].data[0]) if before else None


def _norm_time(raw: str) -> str:
    t = re.sub(r"\s+", " ", raw.replace("\u00a0", " ")).strip()
    t = re.sub(
        r"^(?:at|within|after|by|over|during|in|for|up to|from\s.*?\b(?:to|until|through))\s+"
        r"(?:the\s+|a\s+|an\s+)?(?:first\s+|initial\s+|maximum\s+of\s+)?",
        "",
        t,
        flags=re.I,
    )
    t = re.sub(r"\btreatment\s+", "", t)
    m = re.match(r"^(\S+)-\s?(year|month|week|day|hour|cycle)$", t, re.I)
    if m:
        v = parse_number(m.group(1))
        t = f"{m.group(1)} {m.group(2)}{'' if v == 1 else 's'}"
    return t


def _arm(text: str, s: Sentence, m: Mention) -> str | None:
    first_end = m.numbers[0].end if m.numbers else m.end
    right = text[first_end : min(s.end, first_end + 80)]
    am = P.ARM_PAREN_AFTER.match(text[m.end : min(s.end, m.end + 40)])
    if am and not re.fullmatch(r"NS|CI|n|IQR|SD|range", am["arm"]):
        return am["arm"]
    for stretch in (text[m.end : min(s.end, m.end + 80)], right):
        am = P.ARM_AFTER.match(stretch) or P.ARM_RECEIVING.match(stretch)
        if am:
            return re.sub(r"\s+", " ", am["arm"]).strip(" .,;")
    left = text[max(s.start, m.anchor - 20) : m.anchor]
    bm = P.ARM_LABEL_BEFORE.search(left)
    if bm and not re.fullmatch(r"(?:CI|OR|HR|RR|ES|The|In|Of|At|With|And|A|P)", bm["arm"]):
        return bm["arm"]
    return None


_PREVENT = re.compile(
    r"\b(?:prevent\w*|prophyla\w*|primary\s+(?:end\s*-?\s*points?|outcomes?)|main\s+outcomes?)\b",
    re.IGNORECASE,
)


def prevented_endpoints(text: str, sentences: list[Sentence]) -> frozenset[str]:
    """Safety endpoints named with "prevent", "prophylaxis" or "primary outcome" in the same sentence."""
    out: set[str] = set()
    for s in sentences:
        if fastscan.search(_PREVENT, text, s.start, s.end):
            for h in lexicon.endpoints().find(text, s.start, s.end):
                if h.endpoint.kind == "safety" and h.endpoint.label not in _GENERIC_SAFETY:
                    out.add(h.endpoint.label)
    return frozenset(out)


def group_sizes(text: str) -> list[int]:
    """Sizes of every group the abstract names ("200 patients with NVAF who ...", "50 eyes")."""
    out = []
    for m in fastscan.finditer(_GROUP_SIZE, text):
        v = as_int(parse_number(m["num"]))
        if v:
            out.append(v)
    return out


_VERSUS_AFTER = re.compile(
    r"^[^.;]{0,40}?\b(?:for|with|of)\s+(?:the\s+)?(?P<a>[\w/+.-]+(?:\s+[\w/+.-]+){0,3}?)\s+"
    r"(?:versus|vs\.?|compared\s+with)\s+(?:the\s+)?(?P<b>[\w/+.-]+(?:\s+[\w/+.-]+){0,3}?)(?=\s*(?:[,;.)]|and\b|$))",
    re.IGNORECASE,
)


def _effect_arms(text: str, s: Sentence, m: Mention, earlier: list[Measurement]) -> str | None:
    """The comparison an effect estimate makes: "for A versus B", else the two arms just reported."""
    vm = _VERSUS_AFTER.match(text[m.end : min(s.end, m.end + 160)])
    if vm:
        return f"{vm['a'].strip(' .,;')} vs {vm['b'].strip(' .,;')}"
    arms = list(dict.fromkeys(x.arm for x in earlier if x.arm and " vs " not in x.arm))
    if len(arms) >= 2:
        return f"{arms[-2]} vs {arms[-1]}"
    return None


_SIZE_STATED = re.compile(
    r"(?<![\w.])(\d+)\s+(?:patients\s+|participants\s+)?(?:were|was)\s+(?:eligible|evaluable|assessable|analy[sz]ed|included)"
)
_N_EQUALS = re.compile(r"\b[nN]\s*=\s*(\d+)")
_BRACKETED = re.compile(r"\(([^()]{3,120})\)")


def collect_denominators(text: str) -> tuple[list[tuple[int, int]], list[list[tuple[str, int]]]]:
    """Group sizes the abstract prints ("in all 53 patients", "53 were eligible", "(80 Natural; 79 HRT)")."""
    found: list[tuple[int, int]] = []
    for m in fastscan.finditer(P.DENOM_MARKER, text):
        v = as_int(parse_number(m["num"]))
        if v:
            found.append((m.start("num"), v))
    for m in fastscan.finditer(_SIZE_STATED, text):
        found.append((m.start(1), int(m.group(1))))
    for m in fastscan.finditer(_N_EQUALS, text):
        # "(n = 55; 77.5%)", "28% [n = 176/629]": the n counts a share's patients; it is no group size
        if P.N_AFTER_PERCENT.match(text[max(0, m.start() - 2) : m.end() + 12]) and re.search(
            r"%[\s\u00a0]*$", text[max(0, m.start() - 12) : max(0, m.start() - 1)]
        ):
            continue
        if re.match(r"\s*(?:/|[;,]\s*\d+(?:[.\u00b7]\d+)?\s*%)", text[m.end() : m.end() + 15]):
            continue
        found.append((m.start(1), int(m.group(1))))

    groups: list[list[tuple[str, int]]] = []
    for m in fastscan.finditer(_BRACKETED, text):
        parts = re.split(r"\s*[;,]\s*(?:and\s+)?", m.group(1))
        group: list[tuple[str, int]] = []
        for part in parts:
            pm = re.fullmatch(
                r"(\d+)\s+(?:in\s+(?:the\s+)?)?([A-Za-z][\w/.+ -]{0,30}?)", part.strip()
            ) or re.fullmatch(
                r"([A-Za-z][\w/.+ -]{0,30}?)(?:\s+group)?\s*[:,=]?\s*(?:n\s*=\s*)?(\d+)", part.strip()
            )
            if not pm:
                group = []
                break
            a, b = pm.group(1), pm.group(2)
            num, label = (a, b) if a.isdigit() else (b, a)
            group.append((label.strip(), int(num)))
        if len(group) >= 2:
            groups.append(group)
    return found, groups


def _percent_text(text: str, m: Mention) -> str:
    for n in m.numbers:
        if m.percent is not None and n.value == m.percent:
            return n.text
    return f"{m.percent:g}" if m.percent is not None else ""


_COMPARATIVE = re.compile(r"(?<![\w-])(?:vs\.?|versus|v|compared|than|groups?|arms?)(?![\w-])", re.IGNORECASE)


def _comparative(text: str, m: Mention, s: Sentence | None) -> bool:
    """True when the number sits in a comparison between groups (looked for near it, in its sentence)."""
    lo, hi = (s.start, s.end) if s is not None else (0, len(text))
    return _COMPARATIVE.search(text, max(lo, m.start - 120), min(hi, m.end + 120)) is not None


def _infer_denominator(ctx: Context, m: Mention, arm: str | None) -> int | None:
    """A denominator consistent with the reported percent, from the group sizes the abstract prints."""
    if m.percent is None:
        return None
    tol = rounding_tolerance(decimals(_percent_text(ctx.text, m)))
    cands: list[int] = []
    if arm:
        for g in ctx.arm_groups:
            for label, size in g:
                if label.lower() == arm.lower():
                    cands.append(size)
    group_sizes = [size for g in ctx.arm_groups for _label, size in g]
    if m.numerator is not None:
        num = m.numerator
        if _comparative(ctx.text, m, ctx.sentence):
            # one group of several: only that group's printed size can be its denominator
            fits = {c for c in cands if c >= num and percent_agrees(num, c, m.percent)}
            return fits.pop() if len(fits) == 1 else None
        if ctx.population_n and ctx.population_n >= num and percent_agrees(num, ctx.population_n, m.percent):
            return ctx.population_n
        # Otherwise a group size the abstract prints, when exactly one fits the reported percent.
        pool = cands + [v for _, v in ctx.denominators] + ctx.sizes + group_sizes
        fits = {c for c in pool if c >= num and percent_agrees(num, c, m.percent)}
        return fits.pop() if len(fits) == 1 else None
    if decimals(_percent_text(ctx.text, m)) == 0:
        return None
    if cands:
        pool = cands
    elif _comparative(ctx.text, m, ctx.sentence):
        return None  # a share in one of several groups: the whole cohort is not its denominator
    else:
        pool = list(
            dict.fromkeys(
                [v for _, v in ctx.denominators]
                + group_sizes
                + ([ctx.population_n] if ctx.population_n else [])
            )
        )
    ok = [c for c in pool if integer_share_exists(c, m.percent, tol)]
    return ok[0] if len(set(ok)) == 1 else None


def _sizes_previous_share(text: str, sent_start: int, off: int) -> bool:
    """True when the "n = k" at ``off`` closes a share reported just before it in the sentence."""
    before = text[max(sent_start, off - 70) : off]
    return re.search(r"%[^%;]*[(\[][\s\u00a0]*[nN][\s\u00a0]*=[\s\u00a0]*$", before) is not None


def _is_subcount(text: str, s: Sentence, m: Mention) -> bool:
    """A count that details a preceding count: "including 5 due to ...", "(one had ...; one had ...)"."""
    if m.shape != "count":
        return False
    left = text[max(s.start, m.anchor - 15) : m.anchor]
    if _SUB_BEFORE.search(left) is not None:
        return True
    # inside a bracket that opens right after another count ("three participants ... (one had ...")
    depth = 0
    for i in range(m.anchor - 1, max(s.start, m.anchor - 300) - 1, -1):
        ch = text[i]
        if ch in ")]":
            depth += 1
        elif ch in "([":
            if depth == 0:
                return bool(
                    re.search(
                        rf"\b{P.COUNT_NOUN}(?:\s+in\s+the\s+[\w/.+-]+\s+(?:group|arm))?\s*$",
                        text[max(s.start, i - 60) : i],
                    )
                )
            depth -= 1
    return False


def _window(text: str, s: Sentence, m: Mention) -> str:
    a, b = _clause_bounds(text, s, m.anchor)
    return text[max(a, m.anchor - 70) : min(b, m.end + 50)]


def _per_group(text: str, s: Sentence, m: Mention) -> bool:
    """Counts listed per group ("12, 5 and 0 in groups I-IV, respectively") are not of the whole cohort."""
    r = text[m.end : s.end]
    return (
        re.search(r"\brespectively\b", r) is not None
        and re.search(r"\b(?:groups|arms|cohorts)\b", r, re.I) is not None
    )


def _drug_follows(right: str) -> bool:
    """A concentration such as "0.5% bupivacaine" or "0.025% isobaric ropivacaine": a dose, not a result."""
    m = re.match(
        r"^[\s\u00a0]*(?:(?:isobaric|hyperbaric|hypobaric|plain|topical|w/v)[\s\u00a0]+)?([A-Za-z-]+)", right
    )
    return m is not None and bool(lexicon.drugs().find(m.group(1)))


_ENROL_BEFORE = re.compile(
    r"\b(?:enroll?ed|randomi[sz]ed|randomly\s+(?:assigned|allocated)|recruited|included|screened|assigned|"
    r"allocated|analy[sz]ed|comprised|involved|studied|(?:reviewed|examined|identified|surveyed)\s+"
    r"(?:the\s+)?(?:(?:medical|clinical|hospital)\s+)?(?:records|charts|files|data)\s+of)\s+(?:a\s+total\s+of\s+|the\s+)?$",
    re.IGNORECASE,
)


def _enrolment(text: str, s: Sentence, m: Mention) -> bool:
    """Participant flow rather than a result: "64 patients were enrolled", "we randomized 123"."""
    a, b = _clause_bounds(text, s, m.anchor)
    first_end = m.numbers[0].end if m.numbers else m.end
    for start in (m.end, first_end):
        after = text[start : min(b, start + 80)]
        local = re.split(r"[,;]|\)\s*(?:and|but)\b", after, maxsplit=1)[0]
        if P.ENROLMENT.search(local):
            return True
    return _ENROL_BEFORE.search(text, max(a, m.anchor - 40), m.anchor) is not None


def _predicate(text: str, m: Mention, clause_end: int) -> str:
    """What a count or share is said to be or have: the words after it, to the next number or clause end."""
    first_end = m.numbers[0].end if m.numbers else m.end
    start = max(m.end, first_end)
    tail = text[start : min(clause_end, start + 100)]
    cut = re.search(r"[;]|\d|\b(?:while|whereas|but|compared)\b", tail)
    return tail[: cut.start()] if cut else tail


def baseline_state(text: str, s: Sentence, m: Mention) -> bool:
    """True when a count or share describes who the patients were at the start, not what happened to them.

    "Eight patients (14.3%) had a positive family history", "62 (55.9%) injuries were penetrating",
    "Mechanism of injury was blunt in 307 patients": presentation, history, comorbidity, disease type or
    severity and sites involved. A clause that places the state after the intervention keeps the number.
    """
    if m.shape not in ("count", "proportion", "percent"):
        return False
    a, b = _clause_bounds(text, s, m.anchor)
    pred = _predicate(text, m, b)
    before = text[max(a, m.anchor - 80) : m.anchor]
    if not (P.BASELINE_STATE.search(pred) or P.BASELINE_SUBJECT.search(before)):
        return False
    # the number's own predicate and what leads up to it, not a later clause about other patients
    return P.OUTCOME_TIME.search(text[a : m.anchor] + " " + pred) is None


def _elliptic(text: str, s: Sentence, m: Mention, previous: Mention) -> bool:
    """True when ``m`` shares the verb of the number before it ("19 had moderate disease and 37 severe")."""
    a, b = _clause_bounds(text, s, m.anchor)
    if previous.anchor < a:
        return False
    pred = _predicate(text, m, b)
    gap = text[previous.end : m.start]
    return (
        re.search(r"[A-Za-z]{3}", pred) is not None
        and len(re.findall(r"[A-Za-z]+", pred)) <= 5
        and P.ANY_VERB.search(pred) is None
        and _ELLIPSIS_GAP.search(gap.rstrip()) is not None
        and P.OUTCOME_TIME.search(gap + " " + pred) is None
    )


# How an elliptic list item follows the one before it: "..., and 37", "... or 12", "... (".
_ELLIPSIS_GAP = re.compile(r"(?:,|\band|\bor|\()$")


def _baseline_word(text: str, s: Sentence, m: Mention, win: str) -> bool:
    """A baseline word near the number, unless it belongs to an earlier number and this one reports an event.

    "12 (21%) had a history of diabetes and 8 (14%) died": "history of" describes the 12, not the 8.
    """
    bm = P.BASELINE.search(win)
    if bm is None:
        return False
    a, b = _clause_bounds(text, s, m.anchor)
    win_start = max(a, m.anchor - 70)
    if win_start + bm.start() >= m.anchor:
        return True  # the word follows the number: it is said of it
    # an earlier number that the word follows, with this number's own predicate after it
    earlier = text[win_start : win_start + bm.start()]
    if not re.search(rf"\d|\b(?i:{WORD_NUMBER_RE})\b", earlier):
        return True
    return P.OUTCOME_TIME.search(_predicate(text, m, b)) is None


def _keep(ctx: Context, s: Sentence, m: Mention, hit: EndpointHit | None) -> bool:
    """Precision rules: drop enrolment, baseline, protocol and unanchored numbers."""
    text = ctx.text
    win = _window(text, s, m)
    a, b = _clause_bounds(text, s, m.anchor)
    if P.DEFINITION.search(text, a, b):
        return False  # "Success was defined as an IOP of 6-21 mm Hg": a criterion, not a result
    if m.shape in ("count", "proportion", "percent"):
        if P.SAMPLE_COMPOSITION.search(text, a, b):
            return False  # "Parents (58%), siblings (18%) ... formed the sample"
        if _baseline_word(text, s, m, win) or (m.shape != "percent" and _enrolment(text, s, m)):
            return False
        if baseline_state(text, s, m):
            return False
        if m.percent is not None and not 0 <= m.percent <= 100:
            return False
    if m.shape == "percent" and (
        P.DOSE_CONTEXT.match(text[m.end : m.end + 30])
        or _drug_follows(text[m.end : m.end + 40])
        or P.FORMULATION_AFTER.match(text[m.end : m.end + 60])
    ):
        return False
    if m.shape == "count":
        if m.numerator is not None and ctx.population_n is not None and m.numerator == ctx.population_n:
            return False
        first_end = m.numbers[0].end if m.numbers else m.end
        if P.GROUP_DESCRIPTION_AFTER.match(text[first_end : first_end + 120]):
            return False
        if P.GROUP_DESCRIPTION_BEFORE.search(text[max(s.start, m.anchor - 60) : m.anchor]):
            return False  # the 28 of "56 eyes of 28 patients"
        if P.GROUP_SIZE_PAREN.match(text, max(s.start, m.anchor - 2)) or P.GROUP_SIZE_PAREN.match(
            text, max(s.start, m.anchor - 1)
        ):
            return False  # "the hyperosmolar group (50 subjects)": a group size
        for off, _v in ctx.denominators:
            if off == m.anchor:
                return False
        first = m.numbers[0] if m.numbers else None
        if (
            first is not None
            and first.is_word
            and re.search(r"\bthe\s+$", text[max(s.start, m.anchor - 5) : m.anchor])
        ):
            return False  # "the two most frequent adverse events": a rank, not a count of patients
        if re.search(r"(?<![\w-])[A-Z]{2,6}[\s\u00a0-]$", text[max(s.start, m.anchor - 8) : m.anchor]):
            return False  # "HPV 11 infections", "CD 34 cells": a type named by a number
        if hit is None and not P.EVENT_VERB.search(win):
            return False
    if m.shape == "value":
        if P.BASELINE_VALUE.search(win):
            return False
        unit = m.unit or ""
        if P.TIME_UNIT_RE.match(unit) or unit in ("%", ""):
            cue = m.statistic not in (None, "value")
            if not cue and not re.search(
                r"\b(?:vs\.?|versus|v|respectively|than|compared)\b", text[s.start : s.end]
            ):
                return False
    return True


def _list_denominators(ctx: Context, chosen: list[tuple[Mention, EndpointHit | None]]) -> dict[int, int]:
    """Percent lists ("29.2% and 34.2%") read against group sizes printed together ("(72 X; 73 Y)")."""
    text = ctx.text
    runs: list[list[Mention]] = []
    for m, _ in chosen:
        if m.shape != "percent" or m.numerator is not None or m.denominator is not None:
            continue
        sep = r"(?:[\s\u00a0]*\([^()]{1,30}\))?[\s\u00a0]*(?:,|and|,\s*and|vs\.?|versus)[\s\u00a0]*"
        if runs and re.fullmatch(sep, text[runs[-1][-1].end : m.start]):
            runs[-1].append(m)
        else:
            runs.append([m])
    out: dict[int, int] = {}
    for run in runs:
        if len(run) < 2:
            continue
        fits = []
        for g in ctx.arm_groups:
            if len(g) != len(run):
                continue
            if all(
                # the whole list must fit, so allow one more rounding step per number
                integer_share_exists(
                    size, m.percent or 0.0, 2 * rounding_tolerance(decimals(_percent_text(text, m)))
                )
                for m, (_, size) in zip(run, g, strict=True)
            ):
                fits.append(g)
        if len(fits) == 1 and all(decimals(_percent_text(text, m)) > 0 for m in run):
            for m, (_, size) in zip(run, fits[0], strict=True):
                out[m.anchor] = size
    return out


_LIST_GAP = re.compile(
    r"^[\s\u00a0]*(?:\([^()]{1,20}\)[\s\u00a0]*)?(?:,|,?[\s\u00a0]*(?:and|or))[\s\u00a0]*(?:the[\s\u00a0]+)?$"
)
_PAIR_GAP = re.compile(
    r"^[\s\u00a0%]*(?:[a-zA-Z/\u00b5\u03bc°]{1,12})?[\s\u00a0]*(?:\([^()]{0,30}\))?[\s\u00a0,;]*"
    r"(?:vs\.?|versus|v|and|or|to|compared\s+with)?[\s\u00a0]*$",
    re.IGNORECASE,
)


def statistic_of(m: Mention) -> str:
    """The statistic a mention reports, by its shape when the text names none."""
    if m.statistic:
        return m.statistic
    if m.shape == "count" and m.percent is not None:
        return "proportion"
    return {"proportion": "proportion", "count": "count", "percent": "rate"}.get(m.shape, "value")


def _same_statement(text: str, prev: Measurement, m: Mention) -> bool:
    """True when ``m`` continues the previous number's statement ("X vs. Y", "X and Y")."""
    if prev.evidence.end > m.start:
        return False
    return _PAIR_GAP.match(text[prev.evidence.end : m.start]) is not None


def _pair_respectively(
    text: str, s: Sentence, chosen: list[tuple[Mention, EndpointHit | None]], hits: list[EndpointHit]
) -> list[tuple[Mention, EndpointHit | None]]:
    """Pair listed endpoints with listed numbers ("PFS and OS were 6 and 25 months, respectively")."""
    resp = [r.start() for r in fastscan.finditer(P.RESPECTIVELY, text, s.start, s.end)]
    if not resp:
        return chosen
    out = list(chosen)
    seg_start = s.start
    for r in resp:
        idx = [i for i, (m, _) in enumerate(out) if seg_start <= m.anchor < r]
        seg_start = r
        if len(idx) < 2:
            continue
        first = out[idx[0]][0]
        before: list[EndpointHit] = []
        for h in hits:
            if h.end > first.anchor:
                break
            # "progression-free survival (PFS)": the abbreviation repeats its term
            if (
                before
                and before[-1].endpoint == h.endpoint
                and re.fullmatch(r"\s*\(\s*", text[before[-1].end : h.start])
            ):
                continue
            before.append(h)
        k = len(idx)
        if len(before) < k:
            continue
        run = before[-k:]
        joined = all(_LIST_GAP.match(text[x.end : y.start]) for x, y in zip(run, run[1:], strict=False))
        if joined and len({h.endpoint.label for h in run}) == k:
            for i, h in zip(idx, run, strict=True):
                out[i] = (out[i][0], h)
    return out


_GENERIC_SAFETY = frozenset({"adverse event", "serious adverse event"})


def _listed_grade(
    text: str,
    s: Sentence,
    m: Mention,
    hit: EndpointHit,
    hits: list[EndpointHit],
    grades: list[tuple[Interval, list[str]]],
) -> str | None:
    """List items take the grade of their list ("grade 3-4 adverse events were neutropenia (20 [16%])")."""
    a, _ = _clause_bounds(text, s, m.anchor)
    for g in hits:
        if g.endpoint.label in _GENERIC_SAFETY and a <= g.start and g.end <= hit.start and g is not hit:
            for b, bands in grades:
                if b.end <= g.start and g.start - b.end <= 25 and bands:
                    return bands[0] if len(bands) == 1 else f"{min(bands)}-{max(bands)}"
    return None


def assemble(ctx: Context, s: Sentence) -> list[Measurement]:
    """Measurements of one sentence."""
    text = ctx.text
    ctx.sentence = s
    mentions, blocks = find_mentions(text, s.start, s.end)
    if not mentions:
        return []
    hits = lexicon.endpoints().find(text, s.start, s.end)
    grades = [(b, _grade(b.data[0])) for b in blocks if b.kind == "grade"]
    resp = [r.start() for r in fastscan.finditer(P.RESPECTIVELY, text, s.start, s.end)]
    chosen: list[tuple[Mention, EndpointHit | None]] = []
    last_baseline: Mention | None = None  # the last number dropped as a baseline state, for ellipses
    for m in mentions:
        hit = _choose_endpoint(text, s, m, hits)
        if baseline_state(text, s, m):
            last_baseline = m
            continue
        if last_baseline is not None and m.shape in ("count", "proportion", "percent"):
            if _elliptic(text, s, m, last_baseline):
                continue  # "... had moderate disease and 37 (66.1%) severe"
            last_baseline = None
        if _keep(ctx, s, m, hit):
            chosen.append((m, hit))
    chosen = _pair_respectively(text, s, chosen, hits)
    listed = _list_denominators(ctx, chosen)
    out: list[Measurement] = []
    for idx, (m, hit) in enumerate(chosen):
        kind = hit.endpoint.kind if hit else "outcome"
        label = hit.endpoint.label if hit else _fallback_endpoint(text, s, m)
        item = _list_item_label(text, s, m, hit)
        if item is not None and hit is not None:
            # items listed after "complications" are safety events; an item before an endpoint word is not it
            kind = hit.endpoint.kind if hit.end <= m.anchor else "outcome"
            if hit.start > m.anchor:
                hit = None
        same_stat = [x for x in out if x.statistic == statistic_of(m)]
        if hit is None and out and _same_statement(text, out[-1], m):
            label = out[-1].endpoint  # "82 vs. 93 beats/minute": both numbers measure the same thing
        elif (
            hit is None
            and same_stat
            and m.shape in ("count", "proportion", "percent")
            and _predicate_after(text[m.end : min(s.end, m.end + 120)]) is None
        ):
            label = same_stat[-1].endpoint  # "..., and 304 (80%) of 379 in the nifedipine group"
        elif hit is None and m.shape == "effect" and out:
            label = out[-1].endpoint  # "the rate ratio was 0.36": the ratio compares the rates just given
        if item is not None:
            label = item
        code = hit.endpoint.code if hit else None
        grade: str | None = None
        if hit is not None:
            for b, bands in grades:
                if b.end <= hit.start and hit.start - b.end <= 3 and bands:
                    if len(bands) == 1:
                        grade = bands[0]
                    else:
                        same = [x for x, h in chosen if h is hit]
                        later_resp = any(r > m.anchor for r in resp)
                        if later_resp and len(same) == len(bands):
                            grade = bands[same.index(m)]
                        else:
                            grade = f"{min(bands)}-{max(bands)}"
                    kind = "safety"
        if kind == "safety" and grade is None and hit is not None:
            grade = _listed_grade(text, s, m, hit, hits, grades)
        if kind == "safety" and grade is None and fastscan.search(P.FATAL, text, s.start, s.end):
            grade = "5"
        if kind == "safety" and grade is None and hit is not None and hit.endpoint.label in ctx.prevented:
            kind = "outcome"
        arm = _effect_arms(text, s, m, out) if m.shape == "effect" else _arm(text, s, m)
        subgroup: str | None = None
        derived: list[str] = []
        numerator, denominator, percent = m.numerator, m.denominator, m.percent
        if m.subset and ctx.previous is not None and ctx.previous.numerator is not None:
            denominator = ctx.previous.numerator
            subgroup = ctx.previous.endpoint
            derived.append("denominator")
        elif _is_subcount(text, s, m) and ctx.previous is not None:
            subgroup = ctx.previous.endpoint
            if grade is None and ctx.previous.grade:
                grade = ctx.previous.grade
            if ctx.previous.kind == "safety":
                kind = "safety"
        if denominator is None and m.shape in ("count", "proportion", "percent") and subgroup is None:
            marker = None
            for off, v in ctx.denominators:
                if s.start <= off < m.anchor and (numerator is None or v >= numerator):
                    # "13% (95% CI, 5-27) for low-risk men (n=41), 41% for ...": an n printed after a
                    # share sizes that share's group, not the groups reported after it
                    marker = None if _sizes_previous_share(text, s.start, off) else v
            if m.anchor in listed:
                denominator = listed[m.anchor]
                derived.append("denominator")
            elif marker is not None and (
                numerator is None or percent is None or percent_agrees(numerator, marker, percent, 0.6)
            ):
                denominator = marker
                derived.append("denominator")
            else:
                inferred = _infer_denominator(ctx, m, arm)
                if inferred is not None:
                    denominator = inferred
                    derived.append("denominator")
                elif (
                    m.shape == "count"
                    and arm is None
                    and not _per_group(text, s, m)
                    and not _comparative(text, m, s)
                    and ctx.population_n is not None
                    and numerator is not None
                    and numerator <= ctx.population_n
                ):
                    denominator = ctx.population_n
                    derived.append("denominator")
        if percent is None and numerator is not None and denominator:
            percent = round(100.0 * numerator / denominator, 1)
            derived.append("percent")
        statistic = statistic_of(m)
        start, end = m.start, m.end
        while end > start and text[end - 1] in " \u00a0\u2009,;(":
            end -= 1
        end = close_brackets(text, start, end)
        meas = Measurement(
            kind=kind,
            endpoint=label,
            code=code,
            statistic=statistic,
            numerator=numerator,
            denominator=denominator,
            percent=percent,
            value=m.value,
            unit=m.unit,
            ci=m.ci,
            ci_level=m.ci_level,
            p_value=m.p_value,
            timepoint=_timepoint(text, s, m, blocks),
            grade=grade,
            subgroup=subgroup,
            arm=arm,
            section=s.section.label,
            evidence=Span(start=start, end=end, text=text[start:end]),
            derived=derived,
            checks=run_checks(
                numerator,
                denominator,
                percent,
                m.value,
                m.ci,
                ctx.population_n,
                is_ratio="ratio" in statistic,
            ),
        )
        out.append(meas)
        if m.numerator is not None and not _is_subcount(text, s, m):
            ctx.previous = meas
        del idx
    return out


def close_brackets(text: str, start: int, end: int) -> int:
    """Extend a span by the closing brackets it opened: "20 patients (31%" -> "20 patients (31%)".

    A quote that stops inside its own parenthesis reads as a typo on the site; the closer is the
    next character, so the span still covers only the number's own words.
    """
    for opener, closer in ("()", "[]"):
        while (
            end < len(text)
            and text[end] == closer
            and text.count(opener, start, end) > text.count(closer, start, end)
        ):
            end += 1
    return end
