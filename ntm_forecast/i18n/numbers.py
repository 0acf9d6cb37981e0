"""How numbers read in documents: thousands, decimals, percentages and years, vi or en.

Number style comes from Babel's CLDR data (vi: ``206.989,3`` and ``70,59%``), not from
hand-written rules, so it matches what Vietnamese office software shows.
"""

from __future__ import annotations

import math
import sys

from babel.numbers import format_decimal, format_percent

LOCALES = {"vi": "vi_VN", "en": "en_US"}
EMPTY = ""

# Some CLDR versions put a (narrow) no-break space before "%"; planning documents write 70,59%.
_SPACES = ("\u00a0", "\u202f", " ")


def is_missing(value: object) -> bool:
    """None, NaN, and pandas' NA and NaT. Pandas is not imported for it: a value can only be
    NA or NaT once pandas is loaded (this keeps `extract` and `check` quick to start)."""
    if value is None:
        return True
    pd = sys.modules.get("pandas")
    if pd is not None and (value is pd.NA or value is pd.NaT):
        return True
    try:
        return math.isnan(value)  # type: ignore[arg-type]
    except TypeError:
        return False


def fmt_number(value: object, lang: str = "vi", digits: int = 2) -> str:
    """``206989.3`` -> ``206.989,3`` (vi) or ``206,989.3`` (en); at most ``digits`` decimals."""
    if is_missing(value):
        return EMPTY
    pattern = "#,##0" + ("." + "#" * digits if digits > 0 else "")
    if value == 0:
        value = 0  # not "-0"
    return format_decimal(value, format=pattern, locale=LOCALES[lang])


def fmt_percent(value: object, lang: str = "vi", digits: int = 2) -> str:
    """A share 0–1 as a percentage: ``0.7059`` -> ``70,59%`` (vi) or ``70.59%`` (en)."""
    if is_missing(value):
        return EMPTY
    pattern = "#,##0" + ("." + "#" * digits if digits > 0 else "") + "%"
    text = format_percent(value, format=pattern, locale=LOCALES[lang])
    for space in _SPACES:
        text = text.replace(space + "%", "%")
    return text


def fmt_year(value: object) -> str:
    """Years never take a thousands separator."""
    return EMPTY if is_missing(value) else str(int(value))  # type: ignore[call-overload]


def as_number(value: float | int) -> int | float:
    """A whole float as an int (``36.0`` -> ``36``), any other number unchanged: the one rule
    for how a figure is kept in params files and tables."""
    return int(value) if float(value).is_integer() else float(value)


def plain(value: object) -> str:
    """A number as plain text, the same in every language: ``36``, ``70.59`` (no separators,
    no exponent); other values as ``str``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return str(as_number(value))
