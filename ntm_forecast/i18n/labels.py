"""The words for the tables' headers and codes, in the reader's language."""

from __future__ import annotations

from ntm_forecast.i18n.messages import CATALOGUES, LANGS, has, metric_label, word
from ntm_forecast.i18n.numbers import is_missing


def _section(prefix: str, lang: str) -> dict[str, str]:
    return {k.removeprefix(prefix): v for k, v in CATALOGUES[lang].items() if k.startswith(prefix)}


COLUMN_LABELS_VI = _section("col.", "vi")
COLUMN_LABELS_EN = _section("col.", "en")
STATUS_LABELS = {lang: _section("status.", lang) for lang in LANGS}
PACE_CATEGORY_LABELS = {lang: _section("pace_category.", lang) for lang in LANGS}


def column_label(column: str, lang: str = "vi") -> str:
    table = COLUMN_LABELS_VI if lang == "vi" else COLUMN_LABELS_EN
    return table.get(column, column)


def status_label(status: str, lang: str = "vi") -> str:
    return STATUS_LABELS[lang].get(status, status)


def pace_category_label(code: object, lang: str = "vi") -> str:
    return PACE_CATEGORY_LABELS[lang].get(str(code), "") if isinstance(code, str) else ""


# Columns whose values are codes with words in the catalogue ("kind.level", ...).
CODE_COLUMNS = ("kind", "target_kind", "status_data", "pace_category", "model", "set_by")

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


def data_as_of(newest: tuple[int, int | None] | None, lang: str = "vi") -> str:
    """ "Số liệu đến tháng 6/2025": when the newest figure behind a document is from."""
    if not newest:
        return ""
    year, month = newest
    if month:
        return word("report.data_as_of_month", lang, month=month, year=year)
    return word("report.data_as_of_year", lang, year=year)


def run_note(meta: dict, lang: str = "vi") -> str:
    """One line saying what produced a document, first when its newest figure is from:
    data date, locality, origin year, seed, paths, version."""
    parts = [data_as_of(meta.get("data_as_of"), lang)] if meta.get("data_as_of") else []
    if meta.get("rests_on"):
        parts.append(str(meta["rests_on"]))
    if meta.get("locality"):
        parts.append(str(meta["locality"]))
    if not is_missing(meta.get("origin_year")):
        parts.append(word("report.run_origin", lang, year=meta["origin_year"]))
    if meta.get("seed") is not None:
        parts.append(word("report.run_seed", lang, seed=str(meta["seed"])))
    if meta.get("n_paths") is not None:
        parts.append(word("report.run_paths", lang, paths=int(meta["n_paths"])))
    if meta.get("version"):
        parts.append(f"ntm-forecast {meta['version']}")
    return " · ".join(parts)
