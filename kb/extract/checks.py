"""Arithmetic self-checks of a measurement and the fields it derives."""

from __future__ import annotations

from kb.records.models import Check

_EPS = 1e-9


def decimals(text: str) -> int:
    """How many decimals a written number has ("23" -> 0, "26.3" -> 1, "5·9" -> 1)."""
    t = text.replace("\u00b7", ".")
    return len(t.split(".", 1)[1]) if "." in t else 0


def rounding_tolerance(n_decimals: int) -> float:
    """Half a unit of the last printed digit: 0.5 for "45%", 0.05 for "26.3%"."""
    return 0.5 * 10.0 ** (-n_decimals) + _EPS


def percent_agrees(numerator: int, denominator: int, percent: float, tolerance: float = 0.5 + _EPS) -> bool:
    """True when n/N, as a percentage, rounds to the reported percent."""
    if denominator <= 0:
        return False
    return abs(100.0 * numerator / denominator - percent) <= tolerance


def integer_share_exists(denominator: int, percent: float, tolerance: float) -> bool:
    """True when some whole count k gives k/N that rounds to the reported percent."""
    if denominator <= 0:
        return False
    k = round(percent * denominator / 100.0)
    return any(
        0 <= c <= denominator and percent_agrees(c, denominator, percent, tolerance)
        for c in (k - 1, k, k + 1)
    )


def run_checks(
    numerator: int | None,
    denominator: int | None,
    percent: float | None,
    value: float | None,
    ci: tuple[float, float] | None,
    population_n: int | None,
    is_ratio: bool,
) -> list[Check]:
    """The checks that apply to the numbers a measurement has."""
    out: list[Check] = []
    if numerator is not None and denominator is not None:
        ok = numerator <= denominator
        out.append(Check(name="numerator<=denominator", ok=ok, detail=f"{numerator} <= {denominator}"))
        if percent is not None and denominator > 0:
            computed = 100.0 * numerator / denominator
            ok = abs(computed - percent) <= 0.5 + 1e-6
            out.append(
                Check(
                    name="percent matches n/N",
                    ok=ok,
                    detail=f"{numerator}/{denominator} = {computed:.2f}% vs reported {percent:g}%",
                )
            )
    if ci is not None:
        est = value if value is not None else percent
        if est is not None:
            lo, hi = min(ci), max(ci)
            ok = lo - 1e-9 <= est <= hi + 1e-9
            out.append(Check(name="CI contains estimate", ok=ok, detail=f"{lo:g} <= {est:g} <= {hi:g}"))
        if is_ratio:
            out.append(Check(name="ratio CI positive", ok=min(ci) > 0, detail=f"[{ci[0]:g}, {ci[1]:g}]"))
    if numerator is not None and population_n is not None:
        ok = numerator <= population_n
        out.append(Check(name="count within population", ok=ok, detail=f"{numerator} <= {population_n}"))
    if percent is not None:
        ok = 0.0 <= percent <= 100.0
        out.append(Check(name="percent in 0-100", ok=ok, detail=f"{percent:g}"))
    return out
