"""PubMed's date spellings ('2019 Apr 20', '2019 Spring', '2016 Jan-Feb') to ISO 8601."""

from __future__ import annotations

import re

from kb.records.ids import is_digits

_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
        start=1,
    )
}
_SEASONS = {"spring": 3, "summer": 6, "fall": 9, "autumn": 9, "winter": 12}
# (?!\d) keeps the year of a range ("1998 Dec-1999 Jan") from being read as a day or month.
# re.ASCII: a Unicode \d would take other scripts' digits ('٢٠١٩') as a year.
_DATE = re.compile(
    r"^(\d{4})(?:[ /-]([A-Za-z]+|\d{1,2}(?!\d))(?:[-/][A-Za-z]+)?(?:[ /-](\d{1,2})(?!\d))?)?", re.ASCII
)


def month_number(text: str) -> int | None:
    """'Apr', 'April', '04', 'Spring' -> month number, or None."""
    t = text.strip().lower()
    if is_digits(t):
        n = int(t)
        return n if 1 <= n <= 12 else None
    return _MONTHS.get(t[:3]) or _SEASONS.get(t)


def iso_date(year: str | int, month: str | int | None = None, day: str | int | None = None) -> str:
    """Join the parts that are known: '2019', '2019-04' or '2019-04-20'."""
    out = f"{int(year):04d}"
    m = month_number(str(month)) if month is not None and str(month).strip() else None
    if m is None:
        return out
    out += f"-{m:02d}"
    if day is not None and is_digits(str(day).strip()) and 1 <= int(day) <= 31:
        out += f"-{int(day):02d}"
    return out


def parse_date(text: str) -> str | None:
    """Free PubMed date text to ISO 8601 at the precision given; None when there is no year."""
    m = _DATE.match(text.strip())
    if m is None:
        return None
    return iso_date(m[1], m[2], m[3])
