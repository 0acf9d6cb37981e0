"""The Word reports: a locality's planning annex and the batch summary, sized to A4."""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.image.image import Image
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Mm, Pt

from ntm_forecast.files import atomic_write_bytes, fixed_zip_times
from ntm_forecast.i18n.labels import STATUS_COLOURS, column_label, run_note, status_label
from ntm_forecast.i18n.messages import LANGS, metric_label, word
from ntm_forecast.i18n.numbers import fmt_number, fmt_percent, fmt_year, is_missing
from ntm_forecast.i18n.textsafe import xml_text
from ntm_forecast.render import office, planner

PICTURE_HEADROOM = Cm(1)
TABLE_FONT = Pt(9)
BACKTEST_COLUMNS = ["metric", "model", "n", "mae", "crps", "crps_vs_drift", "coverage_80"]


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


def source_line(source: str, quote: object, note: object) -> str:
    """'source: “quote” (note)': the page's words in quotation marks, the notes after them."""
    if is_missing(quote) or not quote:
        return str(source)
    line = f"{source}: “{quote}”"
    return f"{line} ({note})" if not is_missing(note) and note else line


def new_document(orientation: WD_ORIENT = WD_ORIENT.LANDSCAPE) -> DocxDocument:
    doc = Document()
    _orient(doc.sections[0], orientation)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(doc.sections[0], side, Cm(2))
    return doc


def _orient(section, orientation: WD_ORIENT) -> None:
    """A4 in the given orientation (landscape where the tables are wide)."""
    section.orientation = orientation
    short, long = Mm(210), Mm(297)
    landscape = orientation == WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = (long, short) if landscape else (short, long)


def new_section(doc: DocxDocument, orientation: WD_ORIENT) -> None:
    """A new page in `orientation` (header, footer and margins carry over)."""
    _orient(doc.add_section(WD_SECTION.NEW_PAGE), orientation)


def usable_box(section) -> tuple[int, int]:
    """Width and height (EMU) inside the margins."""
    width = section.page_width - section.left_margin - section.right_margin
    return width, section.page_height - section.top_margin - section.bottom_margin


def add_picture(doc: DocxDocument, picture: bytes | str | os.PathLike[str]) -> None:
    """A picture (PNG bytes or file) as large as the page allows, its shape kept: never wider
    than the usable width, never taller than the usable height less a line (a heading may
    share its page)."""
    data = picture if isinstance(picture, bytes) else Path(picture).read_bytes()
    width, height = usable_box(doc.sections[-1])
    height -= PICTURE_HEADROOM
    image = Image.from_blob(data)
    aspect = image.px_height / image.px_width
    fitted = min(width, int(height / aspect))
    doc.add_picture(io.BytesIO(data), width=Emu(fitted), height=Emu(int(fitted * aspect)))


def _field(paragraph, instruction: str) -> None:
    """A field Word and LibreOffice fill in (PAGE, NUMPAGES); '1' until they do."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def page_furniture(doc: DocxDocument, header: str, lang: str) -> None:
    """The header names the document; the footer says 'Trang X/Y' (the later sections keep
    both: they are linked to the first)."""
    section = doc.sections[0]
    section.header.paragraphs[0].text = xml_text(header)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    # The words around the two numbers, in the language's order.
    text = word("word.page", lang, page="\0PAGE\0", pages="\0NUMPAGES\0")
    for i, part in enumerate(text.split("\0")):
        if i % 2:
            _field(footer, part)
        elif part:
            footer.add_run(part)


def _shade(cell, colour: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), colour)
    cell._tc.get_or_add_tcPr().append(shading)


def _repeat_header(row) -> None:
    """The header row again on every page a long table runs onto."""
    mark = OxmlElement("w:tblHeader")
    mark.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(mark)


def add_table(doc: DocxDocument, table: planner.PlannerTable) -> None:
    """The planner's table: header in bold, status cells coloured (python-docx escapes XML)."""
    frame = table.frame
    coloured = {column_label(c, x) for c in ("status_label", "outcome") for x in LANGS}
    out = doc.add_table(rows=1, cols=len(frame.columns))
    out.style = "Table Grid"
    _repeat_header(out.rows[0])
    for cell, column in zip(out.rows[0].cells, frame.columns, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(xml_text(column)).bold = True
    for i, row in enumerate(frame.itertuples(index=False)):
        cells = out.add_row().cells
        for cell, column, value in zip(cells, frame.columns, row, strict=True):
            cell.text = xml_text(value)
            if column in coloured and i < len(table.statuses):
                _shade(cell, STATUS_COLOURS.get(table.statuses[i], "D9D9D9"))
    for cell in (c for r in out.rows for c in r.cells):
        for run in cell.paragraphs[0].runs:
            run.font.size = TABLE_FONT


def _paragraph(doc: DocxDocument, text: str, style: str | None = None):
    return doc.add_paragraph(xml_text(text), style=style)


def _bullets(doc: DocxDocument, lines) -> None:
    for line in lines:
        _paragraph(doc, line, style="List Bullet")


def _targets_part(doc, targets, lang, *, names, communes_total, with_locality) -> None:
    """The headline; the coming targets (a table when any has a probability, else why not in
    a sentence), a sentence each; the past targets. No coming targets: the headline says so."""
    kw = {"names": names, "communes_total": communes_total}
    _paragraph(doc, planner.headline(targets, lang, **kw)).runs[0].bold = True
    coming_rows, _ = planner.split(targets)
    if not coming_rows.empty:
        doc.add_heading(word("report.coming", lang), level=1)
        instead = planner.instead_of_coming(targets, lang)
        if instead is None:
            add_table(doc, planner.coming_table(targets, lang, **kw))
        else:
            _paragraph(doc, instead)
        doc.add_heading(word("report.findings", lang), level=2)
        for _, row in coming_rows.iterrows():
            text = target_sentence(row, communes_total, lang)
            if with_locality:
                text = f"{(names or {}).get(row['locality'], row['locality'])}: {text}"
            _paragraph(doc, text, style="List Bullet")
    past = planner.past_table(targets, lang, **kw)
    if len(past):
        doc.add_heading(word("report.past", lang), level=1)
        add_table(doc, past)


def _whatif_part(doc, whatif: pd.DataFrame, lang: str, communes_total) -> None:
    table = planner.whatif_table(whatif, lang, communes_total=communes_total).assessed()
    if not len(table):  # nothing to vary: the targets part said why
        return
    doc.add_heading(word("report.whatif", lang), level=1)
    _paragraph(doc, word("report.whatif_note", lang))
    add_table(doc, table)


def _backtest_part(doc, backtest: pd.DataFrame, lang: str) -> None:
    """An appendix on a page of its own: what the checks mean, then their scores."""
    doc.add_page_break()
    doc.add_heading(word("report.appendix", lang), level=1)
    if backtest.empty:
        _paragraph(doc, word("report.no_backtest", lang))
        return
    _paragraph(doc, word("report.appendix_note", lang))
    shown = backtest[[c for c in BACKTEST_COLUMNS if c in backtest.columns]]
    add_table(doc, planner.PlannerTable(planner.display_frame(shown, lang), []))


def docx_bytes(doc: DocxDocument, *, title: str, meta: dict | None) -> bytes:
    """The document with properties naming the toolkit, dated by the newest figure of `meta`
    (`office.document_time`), and fixed zip times: equal input, equal bytes."""
    props = doc.core_properties
    props.author = props.last_modified_by = office.APPLICATION
    props.title = xml_text(title)
    props.comments = ""
    props.created = props.modified = props.last_printed = office.document_time(meta)
    props.revision = 1
    buffer = io.BytesIO()
    doc.save(buffer)
    return fixed_zip_times(buffer.getvalue(), replace={office.APP_PART: office.app_properties()})


def save_document(
    doc: DocxDocument, path: str | os.PathLike[str], *, title: str, meta: dict
) -> Path:
    return atomic_write_bytes(path, docx_bytes(doc, title=title, meta=meta))


def write_locality_report(
    path: str | os.PathLike[str],
    *,
    targets: pd.DataFrame,
    data: pd.DataFrame,
    charts: Sequence[str | os.PathLike[str]],
    meta: dict,
    lang: str,
    whatif: pd.DataFrame | None = None,
    warnings: Sequence[str] | None = None,
    backtest: pd.DataFrame | None = None,
) -> Path:
    """A planning annex, top-down: title, data date and what the probability rests on,
    headline, coming targets (a sentence each), past targets, charts, what-if, data warnings,
    sources; the model checks as an appendix. A part given as None is left out."""
    doc = new_document()
    name = meta["locality"]
    title = word("report.title", lang, name=name)
    page_furniture(doc, name, lang)
    doc.add_heading(xml_text(title), level=0)
    _paragraph(doc, run_note(meta, lang)).runs[0].italic = True
    communes_total = meta.get("communes_total")
    names = {meta["slug"]: name} if meta.get("slug") else None
    _targets_part(
        doc, targets, lang, names=names, communes_total=communes_total, with_locality=False
    )
    if charts:
        doc.add_heading(word("report.chart", lang), level=1)
        for chart in charts:
            add_picture(doc, chart)
    if whatif is not None:
        _whatif_part(doc, whatif, lang, communes_total)
    if warnings is not None:
        doc.add_heading(word("report.warnings", lang), level=1)
        if warnings:
            _bullets(doc, warnings)
        else:
            _paragraph(doc, word("report.no_warnings", lang))
    sources = data[["source", "quote", "note"]].drop_duplicates()
    if not sources.empty:
        doc.add_heading(word("report.sources", lang), level=1)
        _bullets(doc, (source_line(*cited) for cited in sources.itertuples(index=False)))
    if backtest is not None:
        _backtest_part(doc, backtest, lang)
    return save_document(doc, path, title=title, meta=meta)


def write_summary_report(
    path: str | os.PathLike[str],
    *,
    summary: pd.DataFrame,
    charts: Sequence[str | os.PathLike[str]] = (),
    meta: dict,
    lang: str,
    names: dict | None = None,
) -> Path:
    """The batch's targets: headline, coming and past tables (landscape), a sentence each,
    the charts (portrait)."""
    doc = new_document()
    title = word("report.summary_title", lang)
    page_furniture(doc, title, lang)
    doc.add_heading(title, level=0)
    note = run_note(meta, lang)
    if note:
        _paragraph(doc, note).runs[0].italic = True
    _targets_part(doc, summary, lang, names=names or {}, communes_total=None, with_locality=True)
    if charts:  # tall: a portrait page shows them twice the size a landscape one would
        new_section(doc, WD_ORIENT.PORTRAIT)
        for chart in charts:
            add_picture(doc, chart)
    return save_document(doc, path, title=title, meta=meta)
