"""A short Word report: what the forecast says about each target, the table, charts, sources."""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import pandas as pd
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.shared import Cm, Mm

from ntm_forecast.atomic import atomic_write_bytes, fixed_zip_times
from ntm_forecast.labels import column_label, status_label
from ntm_forecast.metrics import COMMUNE_STANDARDS
from ntm_forecast.numfmt import (
    fmt_number,
    fmt_percent,
    fmt_year,
    is_missing,
    metric_label,
    run_note,
)

# The target table in a report: what a planning officer reads, not every column.
REPORT_COLUMNS = [
    "metric",
    "target_year",
    "target_value",
    "projected_median",
    "projected_p10",
    "projected_p90",
    "probability",
    "required_per_year",
    "recent_per_year",
    "status_label",
]
PERCENT_COLUMNS = {"probability", "probability_max"}
YEAR_COLUMNS = {"target_year", "baseline_year", "earliest_year_p50", "earliest_year_p80"}

WORDS = {
    "vi": {
        "title": "Báo cáo dự báo xây dựng nông thôn mới — {}",
        "summary_title": "Tổng hợp khả năng đạt mục tiêu xây dựng nông thôn mới",
        "locality": "Địa phương: {}",
        "findings": "Khả năng đạt các mục tiêu",
        "table": "Bảng mục tiêu",
        "charts": "Biểu đồ dự báo",
        "sources": "Nguồn số liệu",
        "chance": "Khả năng đạt mục tiêu {what} năm {year}: {p} ({status}).",
        "no_chance": "Mục tiêu {what} năm {year}: {status}.",
        "median": " Dự báo trung vị {m} (khoảng 80%: {lo}–{hi}).",
        "pace": " Cần bình quân {req}/năm, gần đây đạt {recent}/năm.",
        "increment": "thêm {v} {label}",
        "maintain": "duy trì 100% {label}",
    },
    "en": {
        "title": "New Rural Development forecast report — {}",
        "summary_title": "Probability of reaching New Rural Development targets",
        "locality": "Locality: {}",
        "findings": "Probability of reaching each target",
        "table": "Targets",
        "charts": "Forecast charts",
        "sources": "Sources",
        "chance": "Probability of reaching {what} in {year}: {p} ({status}).",
        "no_chance": "Target {what} in {year}: {status}.",
        "median": " Forecast median {m} (80% interval {lo}–{hi}).",
        "pace": " Needs {req} a year against {recent} a year recently.",
        "increment": "{v} more {label}",
        "maintain": "maintain 100% {label}",
    },
}

FIXED_TIME = datetime(2000, 1, 1)  # fixed document times: equal input, equal bytes
PICTURE_WIDTH = Cm(22)


def _lower_first(text: str) -> str:
    """'Xã đạt chuẩn NTM' -> 'xã đạt chuẩn NTM', but 'NTM communes' stays as it is."""
    if len(text) > 1 and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def _total_at(communes_total: dict | None, year: int) -> float | None:
    """The latest known commune total at or before ``year``."""
    known = {int(y): v for y, v in (communes_total or {}).items() if int(y) <= year}
    return known[max(known)] if known else None


def target_phrase(row: pd.Series, communes_total: dict | None, lang: str) -> str:
    """'39/51 xã đạt chuẩn NTM', 'thêm 20 xã đạt chuẩn NTM nâng cao', '1–2 ...'."""
    words = WORDS[lang]
    label = _lower_first(metric_label(row["metric"], lang))
    value = fmt_number(row["target_value"], lang)
    if not is_missing(row.get("target_value_max")):
        value += "–" + fmt_number(row["target_value_max"], lang)
    kind = row.get("target_kind", "level")
    if kind == "increment":
        return words["increment"].format(v=value, label=label)
    if kind == "maintain":
        return words["maintain"].format(label=label)
    if kind == "share":
        return f"{value}% {label}"
    total = _total_at(communes_total, int(row["target_year"]))
    if row["metric"] in COMMUNE_STANDARDS and total is not None:
        value += "/" + fmt_number(total, lang)
    return f"{value} {label}"


def target_sentence(row: pd.Series, communes_total: dict | None, lang: str) -> str:
    words = WORDS[lang]
    fields = {
        "what": target_phrase(row, communes_total, lang),
        "year": fmt_year(row["target_year"]),
        "status": status_label(row["status"], lang),
    }
    if is_missing(row["probability"]):
        return words["no_chance"].format(**fields)
    text = words["chance"].format(p=fmt_percent(row["probability"], lang, digits=1), **fields)
    if not is_missing(row.get("projected_median")):
        text += words["median"].format(
            m=fmt_number(row["projected_median"], lang, digits=1),
            lo=fmt_number(row["projected_p10"], lang, digits=1),
            hi=fmt_number(row["projected_p90"], lang, digits=1),
        )
    if not is_missing(row.get("required_per_year")) and not is_missing(row.get("recent_per_year")):
        text += words["pace"].format(
            req=fmt_number(row["required_per_year"], lang, digits=1),
            recent=fmt_number(row["recent_per_year"], lang, digits=1),
        )
    return text


def cell_text(column: str, row: pd.Series, lang: str) -> str:
    value = row[column]
    if column == "status_label":
        return status_label(row["status"], lang)
    if column == "metric":
        return metric_label(value, lang)
    if is_missing(value):
        return ""
    if column in PERCENT_COLUMNS:
        return fmt_percent(value, lang)
    if column in YEAR_COLUMNS:
        return fmt_year(value)
    if column == "target_value" and not is_missing(row.get("target_value_max")):
        return fmt_number(value, lang) + "–" + fmt_number(row["target_value_max"], lang)
    if isinstance(value, (int, float)):
        return fmt_number(value, lang)
    return str(value)


def _new_document() -> DocxDocument:
    doc = Document()
    # A4 landscape: the target table is wide.
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))
    return doc


def _add_table(doc: DocxDocument, targets: pd.DataFrame, columns: list[str], lang: str) -> None:
    table = doc.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    for cell, column in zip(table.rows[0].cells, columns, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(column_label(column, lang)).bold = True
    for _, row in targets.iterrows():
        cells = table.add_row().cells
        for cell, column in zip(cells, columns, strict=True):
            cell.text = cell_text(column, row, lang)


def _save(doc: DocxDocument, path: str | os.PathLike[str]) -> Path:
    props = doc.core_properties
    props.created = props.modified = props.last_printed = FIXED_TIME
    props.revision = 1
    buffer = io.BytesIO()
    doc.save(buffer)
    return atomic_write_bytes(path, fixed_zip_times(buffer.getvalue()))


def write_locality_report(
    path: str | os.PathLike[str],
    *,
    targets: pd.DataFrame,
    data: pd.DataFrame,
    charts: Sequence[str | os.PathLike[str]],
    meta: dict,
    lang: str,
) -> Path:
    """Title, locality, one sentence per target, the target table, charts, sources."""
    words = WORDS[lang]
    doc = _new_document()
    doc.add_heading(words["title"].format(meta["locality"]), level=0)
    doc.add_paragraph(words["locality"].format(meta["locality"]))
    doc.add_paragraph(run_note(meta, lang)).runs[0].italic = True

    doc.add_heading(words["findings"], level=1)
    for _, row in targets.iterrows():
        doc.add_paragraph(target_sentence(row, meta.get("communes_total"), lang))

    doc.add_heading(words["table"], level=1)
    _add_table(doc, targets, REPORT_COLUMNS, lang)

    if charts:
        doc.add_heading(words["charts"], level=1)
        for chart in charts:
            doc.add_picture(str(chart), width=PICTURE_WIDTH)

    sources = data[["source", "quote"]].drop_duplicates()
    if not sources.empty:
        doc.add_heading(words["sources"], level=1)
        for source, quote in sources.itertuples(index=False):
            text = str(source) if is_missing(quote) else f"{source}: “{quote}”"
            doc.add_paragraph(text, style="List Bullet")
    return _save(doc, path)


def write_summary_report(
    path: str | os.PathLike[str],
    *,
    summary: pd.DataFrame,
    chart: str | os.PathLike[str] | None,
    meta: dict,
    lang: str,
) -> Path:
    """Every target of every locality: one sentence each, the table and the overview chart."""
    words = WORDS[lang]
    doc = _new_document()
    doc.add_heading(words["summary_title"], level=0)
    note = run_note(meta, lang)
    if note:
        doc.add_paragraph(note).runs[0].italic = True
    doc.add_heading(words["findings"], level=1)
    for _, row in summary.iterrows():
        doc.add_paragraph(f"{row['locality']}: " + target_sentence(row, None, lang))
    doc.add_heading(words["table"], level=1)
    _add_table(doc, summary, ["locality", *REPORT_COLUMNS], lang)
    if chart is not None:
        doc.add_picture(str(chart), width=PICTURE_WIDTH)
    return _save(doc, path)
