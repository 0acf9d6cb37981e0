"""How values read in exported documents: numbers, percentages and code words, vi or en.

Number style comes from Babel's CLDR data (vi: ``206.989,3`` and ``70,59%``), not from
hand-written rules, so it matches what Vietnamese office software shows.
"""

from __future__ import annotations

import math

import pandas as pd
from babel.numbers import format_decimal, format_percent

from ntm_forecast.errors import InputError
from ntm_forecast.labels import LANGS, status_label
from ntm_forecast.messages import has, word

LOCALES = {"vi": "vi_VN", "en": "en_US"}
EMPTY = ""

# Some CLDR versions put a (narrow) no-break space before "%"; planning documents write 70,59%.
_SPACES = ("\u00a0", "\u202f", " ")

# Columns whose values are codes with words in the catalogue ("kind.level", ...).
CODE_COLUMNS = ("kind", "target_kind", "status_data", "pace_category", "model")

# Fill colours (RGB hex) for a target's status, shared by the workbook and the charts.
STATUS_COLOURS = {
    "likely": "C6EFCE",
    "at_risk": "FFEB9C",
    "unlikely": "FFC7CE",
    "insufficient": "D9D9D9",
    "not_modelled": "D9D9D9",
    "met": "A9D08E",
    "missed": "FFC7CE",
    "past": "D9D9D9",
}


def is_missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
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


def metric_label(metric: str, lang: str = "vi") -> str:
    key = f"metric.{metric}"
    return word(key, lang) if has(key) else word("metric.other", lang, code=metric)


def code_label(column: str, code: object, lang: str = "vi") -> object:
    """The words for a code in ``column`` (metric, kind, status...); other values unchanged."""
    if is_missing(code):
        return code
    if column == "metric":
        return metric_label(str(code), lang)
    if column == "status":
        return status_label(str(code), lang)
    key = f"{column}.{code}"
    return word(key, lang) if column in CODE_COLUMNS and has(key) else code


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise InputError.at("--lang", "lang", f"one of {', '.join(LANGS)}", repr(lang))
    return lang


def run_note(meta: dict, lang: str = "vi") -> str:
    """One line saying what produced a document: locality, origin year, seed, paths, version."""
    parts = [str(meta["locality"])] if meta.get("locality") else []
    if not is_missing(meta.get("origin_year")):
        parts.append(word("report.run_origin", lang, year=meta["origin_year"]))
    if meta.get("seed") is not None:
        parts.append(word("report.run_seed", lang, seed=str(meta["seed"])))
    if meta.get("n_paths") is not None:
        parts.append(word("report.run_paths", lang, paths=int(meta["n_paths"])))
    if meta.get("version"):
        parts.append(f"ntm-forecast {meta['version']}")
    return " · ".join(parts)
