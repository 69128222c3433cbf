"""Regular expressions for the pieces of result statements (all linear: bounded repetition only)."""

from __future__ import annotations

import re

from kb.extract.fastscan import trie_regex
from kb.extract.numbers import NUMBER, WORD_NUMBER

# A signed decimal written with digits ("-5·7", "0.45", "32.8").
DEC = r"[-\u2212]?(?:\d{1,3}(?:,\d{3})+(?![\d])|\d+)(?:[.\u00b7]\d+)?"
# DEC where a match may start anywhere: never inside a digit run, so a long run is not rescanned.
DEC_START = r"(?<![\w.\u00b7])" + DEC
SP = r"[\s\u00a0\u2009\u202f]"

PERCENT_SIGN = re.compile(rf"^{SP}*(?:%|percent\b|per{SP}cent\b)")

# p-values: "P<.001", "p = 0.03", "P value < 0·05", "(NS)".
# (Lookaheads such as "(?=[Pp(])" below name the characters a match can start with: they change no
# match, and spare the engine the trial of every branch at every other character.)
P_VALUE = re.compile(
    rf"(?=[Pp(])\b[Pp](?:{SP}*-?{SP}*values?|{SP}*(?:for{SP}+)?-?{SP}*(?:interaction|trend|heterogeneity|difference))?{SP}*(?:[<>=\u2264\u2265]|&lt;|&gt;){{1,2}}{SP}*(?:0?[.\u00b7]\d+|\d+(?:[.\u00b7]\d+)?(?:{SP}*[x\u00d7]{SP}*10\S{{1,4}})?)"
    rf"|\((?:NS|ns|n\.s\.)\)"
)

# Confidence intervals: "95% CI, 32.8-58.3", "95% CI 0.45 to 0.89", "95% confidence interval [CI], 10%-56%",
# "95% CI=0.7, 2.1", "95% CI: 77-96%".
CI = re.compile(
    rf"(?P<level>\d{{2}}(?:[.\u00b7]\d)?){SP}*%{SP}*(?:CI|CrI|Cl|confidence{SP}+intervals?|credible{SP}+intervals?)"
    rf"(?:{SP}*\[(?:CI|CrI)\])?{SP}*(?:[,:=]|was|of|is)?{SP}*"
    rf"(?P<lo>{DEC}){SP}*%?(?:{SP}*(?:months?|years?|weeks?|days?|mo))?{SP}*(?:to|,|;|\u2013|\u2014|-){SP}*"
    rf"(?P<hi>{DEC}|not{SP}+reached|not{SP}+estimable|NR|NE|NA){SP}*%?"
)
# A bracketed pair after an estimate where the sentence already speaks of CIs: "0·5% [-5·6 to 6·5]".
BARE_CI = re.compile(
    rf"[\[(]{SP}*(?P<lo>{DEC}){SP}*%?{SP}*(?:to|,|\u2013){SP}*(?P<hi>{DEC}){SP}*%?{SP}*[\])]"
)

# Ranges, IQRs and SDs that qualify a preceding number (never a measurement themselves).
RANGE_PAREN = re.compile(
    rf"^{SP}*[%\w/°\u00b5\u03bc]{{0,12}}{SP}*[\[(]{SP}*(?:(?:range|IQR|interquartile{SP}range|min-max){SP}*[,:=]?{SP}*)?"
    rf"(?P<lo>{DEC}){SP}*[%\w/°]{{0,12}}{SP}*(?:-|\u2013|to|,){SP}*(?P<hi>{DEC}){SP}*[%\w/°]{{0,12}}{SP}*[\])]"
)
PLUS_MINUS = re.compile(
    rf"^{SP}*(?:%|[A-Za-z/\u00b5\u03bc°]{{1,12}})?{SP}*(?P<paren>\()?{SP}*(?:\u00b1|\+/-|\+-){SP}*(?P<sd>{DEC})"
    rf"(?:{SP}*(?P<sunit>%|[A-Za-z/\u00b5\u03bc°][\w/\u00b5\u03bc°]{{0,11}}(?:{SP}Hg)?))?(?(paren){SP}*\))"
)
PLAIN_RANGE = re.compile(
    rf"(?=[\dbr])(?:(?<![\w.\u00b7])\d+(?:[.\u00b7]\d+)?{SP}*(?:-|\u2013|to){SP}*\d+(?:[.\u00b7]\d+)?(?![\w.\u00b7])"
    rf"|(?<![\w.\u00b7])\d+(?:[.\u00b7]\d+)?{SP}*%{SP}*(?:-|\u2013){SP}*\d+(?:[.\u00b7]\d+)?{SP}*%"
    rf"|\bbetween{SP}+{DEC}{SP}*\S{{0,6}}{SP}+and{SP}+{DEC}"
    rf"|\brang(?:e|es|ed|ing){SP}+from{SP}+{DEC}{SP}*\S{{0,6}}{SP}+to{SP}+{DEC})"
)

# Grades: "grade 3", "Grade 3 and 4", "grade >=3", "grade ≤ 3", "grades 3-4", "grade 3 or higher".
GRADE = re.compile(
    rf"\bgrades?{SP}*(?P<op>\u2265|\u2264|>=|<=|>|<)?{SP}*(?P<g1>[1-5]|I{{1,3}}|IV|V)\b"
    rf"(?P<rest>(?:{SP}*(?:-|\u2013|to|and|or|/|,){SP}*(?:[1-5]|I{{1,3}}|IV|V)\b){{0,3}})"
    rf"(?P<higher>{SP}+or{SP}+(?:higher|greater|above|more))?",
    re.IGNORECASE,
)

# Time points: "at 1 year", "within the first 2 cycles", "after 1 year and 3 years", "4-month", "by 4 weeks".
TIME_UNIT = r"(?:years?|yrs?|months?|mo|weeks?|wks?|days?|hours?|hrs?|h|minutes?|min|cycles?|courses?)"
TIMEPOINT = re.compile(
    rf"\b(?=[awbodifu])(?:at|within|after|by|over|during|in|for|up{SP}to)(?:{SP}+(?:the|a|an))?(?:{SP}+(?:first|initial|last|median))?"
    rf"(?:{SP}+(?:follow-up|treatment){SP}+of)?"
    rf"{SP}+(?P<num>{NUMBER})(?:{SP}*(?:,|and|or|,{SP}*and){SP}*{NUMBER}){{0,6}}{SP}*(?:treatment{SP}+)?{TIME_UNIT}\b"
    # "at 1 week and 1, 3, and 6 months": further lists of time points, each closed by its unit
    rf"(?:{SP}*(?:,|and|or|,{SP}*and){SP}*{NUMBER}(?:{SP}*(?:,|and|or|,{SP}*and){SP}*{NUMBER}){{0,6}}{SP}*{TIME_UNIT}\b){{0,3}}",
    re.IGNORECASE,
)
TIME_AFTER_EVENT = re.compile(
    rf"\b(?P<num>{NUMBER}){SP}*{TIME_UNIT}{SP}+(?:post-?operatively|postoperative|post-?treatment|after|later|"
    rf"following|post|from{SP}+(?:baseline|randomi[sz]ation|diagnosis)|of{SP}+(?:follow-?up|treatment|therapy))\b",
    re.IGNORECASE,
)
# "from baseline to 12 months", "(up to a maximum of 24 months)": spans of time, not results.
TIME_SPAN = re.compile(
    rf"\bfrom{SP}+(?:(?:the{SP}+)?(?:baseline|admission|surgery|randomi[sz]ation|enrol?lment|inclusion|diagnosis|"
    rf"pre-?(?:operative(?:ly)?|treatment)|(?:{NUMBER}){SP}*{TIME_UNIT}){SP}+)?(?:to|until|through){SP}+(?:the{SP}+)?"
    rf"(?P<num>{NUMBER}){SP}*{TIME_UNIT}\b"
    rf"|\bup{SP}+to{SP}+(?:a{SP}+)?(?:maximum|max\.?|total){SP}+of{SP}+(?P<num2>{NUMBER}){SP}*{TIME_UNIT}\b",
    re.IGNORECASE,
)
TIME_ADJECTIVE = re.compile(rf"\b(?P<num>{NUMBER})-{SP}?(?:year|month|week|day|hour|cycle)\b", re.IGNORECASE)
FOLLOW_UP = re.compile(
    rf"(?:\b(?:median|mean)?{SP}*follow-?{SP}?up(?:{SP}+(?:time|period|duration))?{SP}+(?:of|was|was{SP}+\w+)"
    rf"|\bfollowed(?:{SP}+up)?{SP}+(?:for{SP}+)?(?:a{SP}+)?(?:median|mean)(?:{SP}+(?:interval|time|period|duration))?"
    rf"(?:{SP}+of)?){SP}+(?P<num>{NUMBER}){SP}*{TIME_UNIT}",
    re.IGNORECASE,
)

# Numbers that are never results: doses, money, dates, registration ids, ratios, thresholds, ages.
DOSE_UNIT = (
    r"(?:mg|g|kg|\u00b5g|\u03bcg|ug|mcg|ng|mL|ml|L|IU|U|units?|Gy|cGy|MBq|mCi|mmol|\u00b5mol|mEq|"
    r"mg/kg|mg/m2|mg/m\(2\)|mg/m\u00b2|\u03bcg/kg|mcg/kg|mg/d|mg/day|ml/h|mL/h|mcg/h|mg/h|\u03bcg/h)"
)
# Where a NOT_RESULT branch can start: a digit, sign or symbol; "R²"/"I²"; a comparative before
# "than" (which may end a longer word); or a word that starts one of the worded branches (a superset:
# case-insensitive, prefixes only). This lookahead fails at once at most characters and so spares the
# engine the trial of every branch there; it changes no match.
_NOT_RESULT_WORDS = (
    "kappa icc i2 tau jan feb mar apr may jun jul aug sep oct nov dec at up above below exceeding beyond "
    "under cut threshold age phase stage grade group arm cohort type class level day visit cycle week month "
    "year version study trial part step nct isrctn"
).split()
_NOT_RESULT_FIRST = "".join(sorted({w[0] for w in _NOT_RESULT_WORDS} | set("rnt")))
_NOT_RESULT_START = (
    rf"(?=[\d\-\u2212$\u20ac\u00a3<>\u2264\u2265&(\u03c1\u03ba\u03c4]|[RI]\u00b2"
    rf"|[lmgfhsoybw](?:ess|ore|reater|ewer|igher|ower|arger|maller|onger|horter|lder|ounger|igger|ider){SP}"
    rf"|\b(?i:(?=[{_NOT_RESULT_FIRST}])(?:r(?:s|ho|2)?{SP}*[=:]|n{SP}*=|ts?{SP}*[iv\d]"
    rf"|{trie_regex(set(_NOT_RESULT_WORDS))})))"
)
NOT_RESULT = re.compile(
    rf"{_NOT_RESULT_START}(?:(?P<dose>(?<![\w.])\d+(?:[.\u00b7]\d+)?(?:{SP}*(?:-|\u2013|to|and){SP}*\d+(?:[.\u00b7]\d+)?)?{SP}*"
    rf"{DOSE_UNIT}(?![\w])(?!/(?:m?L|dL|dl|l)\b)(?:/(?:kg|m2|m\(2\)|day|d|h|week|wk))?)"
    rf"|(?P<level>\d{{2}}(?:[.\u00b7]\d)?{SP}*%{SP}*(?:CI|CrI|confidence|credible|limits?{SP}+of{SP}+agreement|prediction{SP}+intervals?|power|"
    rf"significance|level{SP}+of{SP}+significance|tolerance{SP}+intervals?|percentile|quantile))"
    rf"|(?P<coef>(?:\b(?:r|rs|rho|R2|kappa|ICC|I2|tau)|\u03c1|\u03ba|R\u00b2|I\u00b2|\u03c4){SP}*[=:]{SP}*{DEC}(?:{SP}*(?:-|\u2013|to){SP}*{DEC})?)"
    rf"|(?P<money>[$\u20ac\u00a3]{SP}?\d[\d,.]*)"
    rf"|(?P<date>\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?{SP}+(?:\d{{1,2}},?{SP}+)?(?:19|20)\d\d\b)"
    rf"|(?P<year>(?<![\w.\u00b7])(?:19[5-9]\d|20[0-4]\d)(?![\w%.\u00b7]))"
    rf"|(?P<ratio>\b\d+:\d+\b(?![.\u00b7]\d))"
    rf"|(?P<orabove>{DEC_START}{SP}*(?:%|[A-Za-z]{{1,10}})?(?:{SP}*\([^()]{{0,6}}\))?{SP}+or{SP}+(?:greater|more|higher|less|lower|above|below|fewer)\b)"
    rf"|(?P<threshold>(?:[<>\u2264\u2265]|&lt;|&gt;){SP}*=?{SP}*{DEC}(?:{SP}*(?:and|or|,|to){SP}+{DEC}(?![\w.\u00b7%]))?|(?:less|more|greater|fewer|higher|lower|larger|smaller|longer|shorter|older|younger|bigger|wider){SP}+than{SP}+(?:{NUMBER})(?:{SP}*[^\s\d,;]{{1,8}})?(?:{SP}*(?:and|or|,){SP}*{DEC})?|\bat{SP}+least{SP}+(?:{NUMBER})|\bup{SP}+to{SP}+(?:{NUMBER})"
    rf"|\b(?:above|below|exceeding|beyond|under){SP}+(?:a{SP}+|the{SP}+)?(?:(?:cut-?off|threshold|level|value){SP}+(?:of{SP}+)?)?{DEC_START}"
    rf"|\b(?:cut-?off|threshold)(?:{SP}+(?:value|level|point))?{SP}+(?:of|was|at|=|:){SP}*{DEC_START})"
    rf"|(?P<age>\baged?{SP}+(?:of{SP}+)?(?:{DEC})(?:{SP}*(?:-|\u2013|to){SP}*{DEC})?|{DEC_START}{SP}*(?:years?|yrs?){SP}+(?:of{SP}+age|old))"
    rf"|(?P<label>(?i:\b(?:phase|stage|grade|group|arm|cohort|type|class|level|day|days|visit|cycle|cycles|week|month|year|version|study|trial|part|step|T|NCT|ISRCTN)s?{SP}*(?:[IV]+|\d+)(?:{SP}*(?:-|/|and|or|\u2013|through|to){SP}*\d+)?\b))"
    rf"|(?P<n>\(?\b[nN]{SP}*={SP}*\d+(?:{SP}+each)?\)?)"
    rf"|(?P<temp>{DEC_START}{SP}*\u00b0{SP}?[CF])"
    # a place or distance at which something was measured: "at 15 cm", "at 1 mm under the crest"
    rf"|(?P<position>\bat{SP}+(?:a{SP}+distance{SP}+of{SP}+)?{DEC}{SP}*(?:cm|mm|m|meters?|metres?|feet|ft|inches)\b)"
    # exposure time, not people: "285,332 person-years"
    rf"|(?P<persontime>{DEC_START}{SP}*(?:person|patient|man|woman|child)[-{SP[1:-1]}]?(?:years?|months?|days?)\b))",
)

# Effect estimates between groups and their keyword.
EFFECT = re.compile(
    r"\b(?=[aupohrimdeHORIMSE])(?P<stat>(?:adjusted\s+|unadjusted\s+|pooled\s+)?(?:hazard\s+ratio|odds\s+ratio|risk\s+ratio|rate\s+ratio|relative\s+risk|"
    r"incidence\s+rate\s+ratio|risk\s+difference|rate\s+difference|absolute\s+difference|mean\s+difference|"
    r"difference|effect\s+size|ratio)s?|HRs?|ORs?|aORs?|aHRs?|RRs?|IRRs?|RD|MD|SMD|ES)\b"
    r"(?:\s*(?:\[[^\]\[]{1,20}\]|\([^()]{1,20}\)))?(?:\s*(?:,|:|=|was|were|of|is|for))?\s*(?=[-\u2212]?\d)"
)
EFFECT_KEYWORD = re.compile(
    r"\b(?:hazard ratio|odds ratio|risk ratio|rate ratio|relative risk|risk difference|mean difference|"
    r"difference|"
    r"effect size|HR|OR|RR|IRR|ES)\b|\b(?:median|mean|average|rate|proportion|percentage|incidence)\b",
    re.IGNORECASE,
)
STAT_NAMES = {
    "hr": "hazard ratio",
    "ahr": "hazard ratio",
    "or": "odds ratio",
    "aor": "odds ratio",
    "rr": "risk ratio",
    "irr": "rate ratio",
    "rd": "risk difference",
    "md": "mean difference",
    "smd": "standardized mean difference",
    "es": "effect size",
}

# Units of measured values (not doses), kept as written.
VALUE_UNIT = re.compile(
    rf"^{SP}*(?P<unit>{TIME_UNIT}|mmHg|mm{SP}?Hg|cmH2O|cm{SP}?H2O|beats/min(?:ute)?|bpm|breaths/min|"
    r"\u00b5m|\u03bcm|um|nm|mm|cm|km|logMAR|msec|letters|points?|°|degrees?|kg/m2|kg/m\u00b2|"
    r"mg/dL|mg/dl|mmol/L|mmol/l|g/dL|g/dl|ng/mL|pg/mL|IU/L|U/L|cells/\u00b5L|cells/mm3|"
    r"servings/day|grams/day|g/day|kcal/day|kcal|steps/day|hours/day|h/day|min/day|ms|sec|seconds|Hz|"
    r"mL/min|ml/min|mL/min/1\.73\s?m2|pmol/L|nmol/L|\u00b5mol/L|\u03bcmol/L|mEq/L|IU/mL|U/mL|mmol/mol|%)(?![\w])"
)
TIME_UNIT_RE = re.compile(rf"^{TIME_UNIT}$")

# Nouns that make a number a count of people or events.
# As a prefix tree (see fastscan.trie_regex): no noun is a prefix of another, so the order in which the
# words are tried changes no match, and the tree spares the engine a trial of each word at every word.
_COUNT_NOUNS = (
    "patient patients participant participants subject subjects women men girls boys children adults infants "
    "neonates person persons people individual individuals case cases volunteers responder responders "
    "survivors births deliveries pregnancies deaths event events episode episodes eyes teeth lesions embryos "
    "infections hospitalisations hospitalizations admissions recipients"
).split()
COUNT_NOUN = f"(?:{trie_regex(set(_COUNT_NOUNS))})"
# "48% (n = 94)", "28% [n = 176/629]" and "(n = 55; 77.5%)": an n written beside a share counts the share's
# patients (it is the numerator, with its denominator when written as n/N), not a group size.
N_AFTER_PERCENT = re.compile(
    rf"^{SP}*[(\[]{SP}*[nN]{SP}*={SP}*(?P<k>\d+)(?:{SP}*/{SP}*(?P<d>\d+))?{SP}*[)\];,]"
)
N_BEFORE_PERCENT = re.compile(rf"[(\[]{SP}*[nN]{SP}*={SP}*(?P<k>\d+){SP}*[;,]{SP}*$")

COUNT_AFTER = re.compile(
    rf"(?i)^(?:{SP}+(?:[A-Za-z][\w/-]*)){{0,2}}?{SP}+{COUNT_NOUN}\b"
    rf"|^{SP}+(?:of{SP}+(?:whom|these|them|which|those)|due{SP}+to|died|developed|experienced|achieved|had|have|"
    rf"required|receiving|treated{SP}+with|with{SP}+(?![\d])|in{SP}+(?:the{SP}+)?(?:[\w/.+-]+{SP}+){{0,3}}?(?:group|arm)s?\b|in{SP}+(?:group|arm){SP}+\S)"
)
IN_COUNT_BEFORE = re.compile(rf"\b(?:in|among|for){SP}+$")
GROUP_SIZE_PAREN = re.compile(rf"\({SP}*{NUMBER}{SP}+(?:[a-z-]+{SP}+)?{COUNT_NOUN}{SP}*[);]")
# "-12.4 (8.1) mm Hg" after "mean (SD)": a number, its SD in brackets, then the unit.
PAREN_SD = re.compile(
    rf"^{SP}*(?:%{SP}*)?\({SP}*(?P<sd>{DEC}){SP}*%?{SP}*\)"
    rf"(?:{SP}*(?P<sunit>%|[A-Za-z/\u00b5\u03bc°][\w/\u00b5\u03bc°]{{0,11}}(?:{SP}Hg)?))?"
)
SD_CUE = re.compile(r"\(\s*SDs?\s*\)|\bmean\s*\(\s*SD|\b(?:SD|standard\s+deviation)\b")
SD_AFTER_SIGN = re.compile(rf"(?:\u00b1|\+/-|\+-){SP}*{DEC}")
SD_PAREN = re.compile(
    rf"[(\[]{SP}*(?:SD|SE|SEM|s\.d\.|standard{SP}+deviation|standard{SP}+error){SP}*[=:,]?{SP}*{DEC}{SP}*%?{SP}*[)\]]"
)
# "30 patients who were given crizotinib": a group being described, not an event count.
GROUP_DESCRIPTION_AFTER = re.compile(
    rf"^{SP}+(?:[\w-]+{SP}+){{0,2}}?{COUNT_NOUN}{SP}+(?:who|that){SP}+(?:were{SP}+|had{SP}+been{SP}+)?"
    rf"(?:given|treated|received|receiving|assigned|randomi[sz]ed|enrolled|underwent|started|initiated)\b"
    # "56 eyes of 28 patients": the units of a sample and the people they belong to
    rf"|^{SP}+(?:[\w-]+{SP}+){{0,2}}?{COUNT_NOUN}{SP}+(?:of|from|in){SP}+(?:{NUMBER}){SP}+(?:[\w-]+{SP}+){{0,2}}?{COUNT_NOUN}\b",
    re.IGNORECASE,
)
GROUP_DESCRIPTION_BEFORE = re.compile(
    rf"(?:\d|\b(?i:{WORD_NUMBER})){SP}+(?:[\w-]+{SP}+){{0,2}}?{COUNT_NOUN}{SP}+(?:of|from){SP}+$",
    re.IGNORECASE,
)
SUBSET_AFTER = re.compile(rf"^{SP}*(?:\([^()]{{0,20}}\){SP}*)?of{SP}+(?:whom|these|them|which|those)\b")
DENOM_MARKER = re.compile(
    # the lookahead names what a branch can start with (a letter of among/of/for/in, or a space): it
    # only spares the engine a trial of each branch at every other character
    rf"(?=[afio]|{SP})(?:\bamong{SP}+(?:the{SP}+|all{SP}+|these{SP}+|those{SP}+)?|(?:^|(?<=[.;:,(]){SP}*)of{SP}+(?:the{SP}+|all{SP}+)?|"
    rf"\bfor{SP}+(?:the|all){SP}+|\bin{SP}+(?:all|the{SP}+(?:remaining|evaluable|assessable|analy[sz]ed|eligible)){SP}+)"
    rf"(?:(?:remaining|evaluable|assessable|analy[sz]ed|eligible){SP}+)?(?P<num>{NUMBER}){SP}+(?:(?!and\b)[a-z-]+{SP}+){{0,2}}?{COUNT_NOUN}\b"
    rf"(?!{SP}+(?:had|experienced|developed|achieved|have|in{SP}+the))",
    re.IGNORECASE,
)

# A clause that describes who made up the sample (read over the whole clause, wherever the cue stands).
SAMPLE_COMPOSITION = re.compile(
    r"\b(?:(?:formed|made\s+up|constituted)\s+the\s+(?:study\s+)?(?:sample|cohort|population)|"
    r"(?:baseline|demographic|clinical)\s+characteristics|demographics|(?:were|was)\s+(?:predominantly|mostly)|"
    r"the\s+(?:most\s+common|leading|main)\s+(?:indications?|diagnos[ie]s|causes?\s+of\s+(?:admission|referral)))\b",
    re.IGNORECASE,
)

# A clause that defines a criterion or a threshold ("was defined as", "according to the ... criteria").
DEFINITION = re.compile(
    r"\b(?:defined\s+as|(?:was|were|is|are)\s+defined\b|definition\s+of|cut-?off\s+(?:value|point|level)s?\b)",
    re.IGNORECASE,
)

# Clause cues.
ENROLMENT = re.compile(
    r"\b(?:enroll?(?:ed|ment)?|randomi[sz](?:ed|ation)|randomly|recruited|included|eligible|screened|"
    r"registered|assigned|allocated|analy[sz]ed|evaluable|assessable|accrued|consented|excluded|withdr[ae]w\w*|"
    r"underwent\s+randomi[sz]ation|completed|lost\s+to\s+follow|comprised|consisted|participated|"
    r"study\s+population|cohort\s+(?:of|included|comprised))\b",
    re.IGNORECASE,
)
BASELINE = re.compile(
    r"\b(?:female|male|women\s+were|men\s+were|were\s+(?:men|women|boys|girls)|age|aged|median\s+age|mean\s+age|years\s+old|stage|"
    r"body\s+mass\s+index|BMI|at\s+baseline|baseline\s+(?:characteristics|values?|levels?)|white|black|caucasian|asian|hispanic|ECOG|performance\s+status|"
    r"prior|previously|history\s+of|diagnosed|smokers?|were\s+treated\s+with|"
    # who the patients were and what was done to them, reported in Results before the outcomes
    r"(?<!\bin\s)(?<!among\s)(?:females|males)|gender|sex|ethnicity|comorbidit(?:y|ies)|indications?|"
    r"(?:procedures?|operations?|surger(?:y|ies))\s+(?:was|were)\s+performed|most\s+commonly\s+performed|"
    r"(?:consisted|comprised)\s+of|already|formed\s+the\s+(?:study\s+)?sample|(?:were|was)\s+(?:predominantly|mostly))\b",
    re.IGNORECASE,
)
# What a patient was or had when the study began, said of a count or share as its predicate
# ("8 (14.3%) had a positive family history", "34 (60.7%) also had plantar involvement",
# "62 (55.9%) injuries were penetrating", "19 (33.9%) had moderate disease").
BASELINE_STATE = re.compile(
    r"\b(?:present(?:ed|ing)(?:\s+with)?|at\s+(?:the\s+time\s+of\s+)?(?:presentation|admission|diagnosis|referral|"
    r"inclusion|enrol?ment|entry)|on\s+(?:presentation|admission)|"
    r"(?:family|medical|past|previous|prior|personal|positive|negative)\s+history|history\s+of|"
    r"(?:had\s+been|were|was)\s+(?:previously\s+)?(?:diagnosed|known)\s+(?:with|to\s+have)|suffer(?:ed|ing)\s+from|"
    r"(?:were|was)\s+(?:brought|referred|transferred)\b|came\s+(?:by|from)|arrived\s+by|"
    r"(?:were|was)\s+(?:located|situated|localized|localised)\b|(?:were\s+from|lived|living|resided|residing)\s+in\b|"
    r"rural|urban|income|(?:university|college|high\s+school|secondary|primary)\s+(?:education|degree|school)|"
    r"living\s+as\s+married|ASA\s+(?:class|grade|physical)|"
    r"had\s+(?:an?\s+)?(?:known\s+)?(?:type\s+[12]\s+)?(?:diabetes|hypertension|dyslipid\w+|hyperlipid\w+|obesity)|"
    r"co-?morbid\w*|underlying|pre-?existing|involvement|"
    r"(?:mild|moderate|severe|advanced|early|localized|localised|metastatic|limited|extensive)\s+"
    r"(?:disease|forms?|stages?|illness|subtype)|"
    r"(?:were|was)\s+(?:penetrating|blunt|unilateral|bilateral|congenital|acquired|idiopathic|familial|sporadic|"
    r"primary|secondary|married|single|divorced|widowed|employed|unemployed|illiterate|literate|smokers?|"
    r"non-?smokers|obese|overweight|hypertensive|diabetic|nulliparous|primiparous|multiparous|right-handed|"
    r"left-handed|asymptomatic|symptomatic)|"
    r"(?:were|was)\s+(?:classified|categori[sz]ed|staged|typed)\s+as|(?:current|former|ex-)\s*smokers)\b",
    re.IGNORECASE,
)
# The clause names what is being described before the number ("Mechanism of injury was blunt in 307").
BASELINE_SUBJECT = re.compile(
    r"\b(?:mechanisms?\s+of\s+(?:injury|trauma)|(?:primary|main|leading)\s+causes?\s+of\s+(?!death|mortality)|"
    r"(?:the\s+)?most\s+(?:common|frequent)\s+(?:causes?(?!\s+of\s+(?:death|mortality))|mechanisms?|sites?|"
    r"locations?|types?|presenting|presentations?|etiolog(?:y|ies)|aetiolog(?:y|ies))|"
    r"(?:presenting|initial)\s+(?:symptoms?|signs?|complaints?|features?|visual\s+acuity|vision))\b",
    re.IGNORECASE,
)
# Words that put a state after the intervention, so it is an outcome even with a baseline cue nearby.
OUTCOME_TIME = re.compile(
    r"\b(?:after|following|post-?(?:operative(?:ly)?|treatment|procedure)|at\s+(?:the\s+)?(?:last|final|end)|"
    r"(?:during|at)\s+(?:the\s+)?follow-?up|developed|new(?:-|\s+)onset|recurrences?|recurred|relapsed?|"
    r"de\s+novo|remission|responded|improved|resolved|worsened|died|complications?|adverse|toxicit(?:y|ies)|"
    r"side\s+effects?)\b",
    re.IGNORECASE,
)
# A predicate with a verb of its own; without one, a listed number shares the verb of the one before it.
ANY_VERB = re.compile(
    r"\b(?:had|has|have|was|were|is|are|been|being|showed|developed|achieved|experienced|died|required|"
    r"received|underwent|remained|presented|reported|occurred|did|could|would|\w+ed)\b",
    re.IGNORECASE,
)
EVENT_VERB = re.compile(
    r"\b(?:had|have|has|experienced|developed|achieved|died|progressed|relapsed|required|received|needed|"
    r"reported|observed|occurred|showed|remained|responded|attained|suffered|presented|underwent|were\s+in|"
    r"could|did|failed|needed|were\s+(?:able|unable|free|alive|discharged|readmitted|cured|converted))\b",
    re.IGNORECASE,
)
RESPECTIVELY = re.compile(r"\brespectively\b", re.IGNORECASE)
VERSUS = re.compile(
    rf"^{SP}*(?:,{SP}*)?(?:vs\.?|versus|v\.?|compared{SP}+with|and|or|,|;|to){SP}*", re.IGNORECASE
)
FATAL = re.compile(
    r"\b(?:fatal|grade\s*5|died\s+(?:of|from|due\s+to)|deaths?\s+(?:due\s+to|from|related))\b", re.IGNORECASE
)
FORMULATION_AFTER = re.compile(
    r"^(?:[^.;]|\.\d){0,50}?\b(?:solution|ointment|cream|gel|drops|spray|tears|infusion|w/v|concentration|"
    r"eye\s+drops|mouthwash|lotion|patch)\b",
    re.IGNORECASE,
)
DOSE_CONTEXT = re.compile(rf"^{SP}*%?{SP}*of{SP}+(?:the{SP}+)?(?:dose|doses)\b", re.IGNORECASE)

# Arm labels near a number: "in the placebo group", "in Group B", "with terbutaline", "(Natural)", "EE, 18%".
ARM_AFTER = re.compile(
    rf"^[\s)\]%]*(?:(?!\band\b|\bvs\b|\bversus\b)[^.;()\d]){{0,40}}?\b(?:in|for|with|among){SP}+(?:the{SP}+)?"
    rf"(?P<arm>(?:group|arm){SP}+[\w/.+-]+|(?:[\w/.+-]+{SP}+){{0,3}}?[\w/.+-]+{SP}+(?:group|arm)s?)\b",
    re.IGNORECASE,
)
# "5 patients receiving drug A", "12% of those treated with placebo"
ARM_RECEIVING = re.compile(
    rf"^[\s)\]%]*(?:(?:patients|participants|subjects|of{SP}+(?:those|patients|participants)){SP}+)?"
    rf"(?:receiving|treated{SP}+with|given|assigned{SP}+to|randomi[sz]ed{SP}+to|on)"
    rf"{SP}+(?P<arm>[\w/+.-]+(?:{SP}+(?!and\b|or\b|vs\b|versus\b)[\w/+.-]+){{0,2}})",
    re.IGNORECASE,
)
ARM_PAREN_AFTER = re.compile(r"^\s*(?:%\s*)?\((?P<arm>[A-Z][\w/.+-]{0,24})\)")
ARM_LABEL_BEFORE = re.compile(r"(?:^|[(;,\s])(?P<arm>[A-Z][A-Z0-9/.+-]{0,15}|Group\s+\w+),?:?\s*$")

BASELINE_VALUE = re.compile(
    r"\b(?:age|aged|years\s+old|body\s+mass\s+index|BMI|at\s+baseline|baseline\s+(?:characteristics|values?|levels?)|"
    r"at\s+diagnosis|at\s+enrol?lment|at\s+entry)\b",
    re.IGNORECASE,
)
SNELLEN = re.compile(r"(?<![\w/.])(?:20/\d{2,3}|6/\d{1,2}(?:\.5)?)(?![\w/.])")
ACUITY = re.compile(r"\b(?:acuity|acuities|vision|visual|Snellen|UDVA|CDVA|BCVA|UCVA)\b", re.IGNORECASE)
