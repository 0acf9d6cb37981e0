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
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm

from ntm_forecast.files import atomic_write_bytes, fixed_zip_times
from ntm_forecast.i18n.labels import STATUS_COLOURS, column_label, run_note, status_label
from ntm_forecast.i18n.messages import LANGS, metric_label, word
from ntm_forecast.i18n.numbers import fmt_number, fmt_percent, fmt_year, is_missing
from ntm_forecast.i18n.textsafe import xml_text
from ntm_forecast.render import planner

FIXED_TIME = datetime(2000, 1, 1)  # fixed document times: equal input, equal bytes
PICTURE_WIDTH = Cm(22)


def target_sentence(row: pd.Series, communes_total: dict | None, lang: str) -> str:
    """'Khả năng đạt mục tiêu 39/51 xã (xã đạt chuẩn NTM) năm 2022: 11,7% (Khó đạt). …'"""
    fields = {
        "what": planner.target_words(row, lang, communes_total),
        "label": planner.lower_first(metric_label(str(row["metric"]), lang)),
        "year": fmt_year(row["target_year"]),
        "status": status_label(row["status"], lang),
    }
    if row["status"] in planner.PAST:
        return word("report.sentence_past", lang, **fields)
    if is_missing(row["probability"]):
        return word("report.sentence_no_p", lang, **fields)
    p = fmt_percent(row["probability"], lang, digits=planner.PERCENT_DIGITS)
    text = word("report.sentence", lang, p=p, **fields)
    if not is_missing(row.get("projected_median")):
        text += word(
            "report.sentence_median",
            lang,
            m=fmt_number(row["projected_median"], lang, digits=1),
            lo=fmt_number(row["projected_p10"], lang, digits=1),
            hi=fmt_number(row["projected_p90"], lang, digits=1),
        )
    if not is_missing(row.get("required_per_year")) and not is_missing(row.get("recent_per_year")):
        text += word(
            "report.sentence_pace",
            lang,
            req=fmt_number(row["required_per_year"], lang, digits=1),
            recent=fmt_number(row["recent_per_year"], lang, digits=1),
        )
    return text


def new_document() -> DocxDocument:
    doc = Document()
    # A4 landscape: the target table is wide.
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))
    return doc


def _shade(cell, colour: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), colour)
    cell._tc.get_or_add_tcPr().append(shading)


def add_table(doc: DocxDocument, table: planner.PlannerTable) -> None:
    """The planner's table: header in bold, status cells coloured (python-docx escapes XML)."""
    frame = table.frame
    coloured = {column_label(c, x) for c in ("status_label", "outcome") for x in LANGS}
    out = doc.add_table(rows=1, cols=len(frame.columns))
    out.style = "Table Grid"
    for cell, column in zip(out.rows[0].cells, frame.columns, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(xml_text(column)).bold = True
    for i, row in enumerate(frame.itertuples(index=False)):
        cells = out.add_row().cells
        for cell, column, value in zip(cells, frame.columns, row, strict=True):
            cell.text = xml_text(value)
            if column in coloured and i < len(table.statuses):
                _shade(cell, STATUS_COLOURS.get(table.statuses[i], "D9D9D9"))


def _paragraph(doc: DocxDocument, text: str, style: str | None = None):
    return doc.add_paragraph(xml_text(text), style=style)


def _targets_part(doc, targets, lang, *, names, communes_total, with_locality) -> None:
    kw = {"names": names, "communes_total": communes_total}
    _paragraph(doc, planner.headline(targets, lang, **kw)).runs[0].bold = True
    doc.add_heading(word("report.coming", lang), level=1)
    coming = planner.coming_table(targets, lang, **kw)
    if len(coming):
        add_table(doc, coming)
    else:
        _paragraph(doc, word("report.no_coming", lang))
    past = planner.past_table(targets, lang, **kw)
    if len(past):
        doc.add_heading(word("report.past", lang), level=1)
        add_table(doc, past)
    coming_rows, _ = planner.split(targets)
    if not coming_rows.empty:
        doc.add_heading(word("report.findings", lang), level=1)
        for _, row in coming_rows.iterrows():
            text = target_sentence(row, communes_total, lang)
            if with_locality:
                text = f"{(names or {}).get(row['locality'], row['locality'])}: {text}"
            _paragraph(doc, text, style="List Bullet")


def save_document(doc: DocxDocument, path: str | os.PathLike[str]) -> Path:
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
    """Title, headline, coming and past targets, one sentence per coming target, charts,
    sources."""
    doc = new_document()
    name = meta["locality"]
    doc.add_heading(xml_text(word("report.title", lang, name=name)), level=0)
    _paragraph(doc, run_note(meta, lang)).runs[0].italic = True
    names = {meta["slug"]: name} if meta.get("slug") else None
    _targets_part(
        doc,
        targets,
        lang,
        names=names,
        communes_total=meta.get("communes_total"),
        with_locality=False,
    )
    if charts:
        doc.add_heading(word("report.chart", lang), level=1)
        for chart in charts:
            doc.add_picture(str(chart), width=PICTURE_WIDTH)

    sources = data[["source", "quote"]].drop_duplicates()
    if not sources.empty:
        doc.add_heading(word("report.sources", lang), level=1)
        for source, quote in sources.itertuples(index=False):
            text = str(source) if is_missing(quote) else f"{source}: “{quote}”"
            _paragraph(doc, text, style="List Bullet")
    return save_document(doc, path)


def write_summary_report(
    path: str | os.PathLike[str],
    *,
    summary: pd.DataFrame,
    charts: Sequence[str | os.PathLike[str]] = (),
    meta: dict,
    lang: str,
    names: dict | None = None,
) -> Path:
    """The batch's targets: headline, coming and past tables, a sentence each, the charts."""
    doc = new_document()
    doc.add_heading(word("report.summary_title", lang), level=0)
    note = run_note(meta, lang)
    if note:
        _paragraph(doc, note).runs[0].italic = True
    _targets_part(doc, summary, lang, names=names or {}, communes_total=None, with_locality=True)
    for chart in charts:
        doc.add_picture(str(chart), width=PICTURE_WIDTH)
    return save_document(doc, path)
