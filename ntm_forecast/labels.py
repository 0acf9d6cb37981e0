"""The column lists of the tables, and lookups of their headers and codes in the catalogue."""

from __future__ import annotations

from ntm_forecast.messages import CATALOGUES, LANGS

FORECAST_COLUMNS = [
    "locality",
    "metric",
    "year",
    "kind",
    "value",
    "median",
    "p05",
    "p10",
    "p25",
    "p75",
    "p90",
    "p95",
    "model",
    "own_weight",
]

TARGET_COLUMNS = [
    "locality",
    "metric",
    "target_year",
    "target_kind",
    "target_value",
    "target_value_max",
    "baseline_year",
    "baseline_value",
    "projected_median",
    "projected_p10",
    "projected_p90",
    "probability",
    "probability_max",
    "required_per_year",
    "recent_per_year",
    "pace_ratio",
    "pace_category",
    "status",
    "status_label",
    "earliest_year_p50",
    "earliest_year_p80",
    "model",
    "note",
]


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
