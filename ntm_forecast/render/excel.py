"""Excel workbooks for planning documents: Vietnamese headers, real numbers with formats.

Cells hold numbers, not text, so a planner can sum and chart them; the number formats are
locale-neutral codes that Excel shows with the computer's own separators (206.989,3 on a
Vietnamese system).
"""

from __future__ import annotations

import io
import math
import os
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.functions import tostring

from ntm_forecast.engine.forecast import FORECAST_COLUMNS
from ntm_forecast.files import atomic_write_bytes, fixed_zip_times
from ntm_forecast.i18n.labels import (
    STATUS_COLOURS,
    code_label,
    column_label,
    run_note,
)
from ntm_forecast.i18n.messages import word
from ntm_forecast.i18n.numbers import as_number, is_missing
from ntm_forecast.i18n.textsafe import FORMULA_STARTS
from ntm_forecast.render import office, planner
from ntm_forecast.render.tables import DATA_COLUMNS, TARGET_COLUMNS

PERCENT = "0.0%"
COUNT = "#,##0"
DECIMAL = "#,##0.0"
YEAR = "0"  # a year never takes a thousands separator
RATIO = "0.00"
PACE_FACTOR = "#,##0.00"

PERCENT_COLUMNS = {"probability", "probability_max", "own_weight"}
YEAR_COLUMNS = {"year", "target_year", "baseline_year", "earliest_year_p50", "earliest_year_p80"}
RATIO_COLUMNS = {"pace_ratio"}
# The pace a year: the planner's cells and the target table's columns they show.
DECIMAL_COLUMNS = {*planner.PACE_SOURCES, *planner.PACE_SOURCES.values()}

# Header and code words for the data sheet, whose "status" is the data status, not a target's.
DATA_KEYS = {"status": "status_data"}

MAX_WIDTH = 50
SENTENCE_WIDTH = 100
LINE_HEIGHT = 15  # points: a line of 11 pt Calibri
WIDE_LETTERS = 1.2  # a text's letters against as many '0's, which set a column's width
HEADER_ROW = 2  # row 1 is the note saying what produced the workbook


def number_format(column: str, value: float) -> str:
    if column in PERCENT_COLUMNS:
        return PERCENT
    if column in YEAR_COLUMNS:
        return YEAR
    if column in RATIO_COLUMNS:
        return RATIO
    if column in DECIMAL_COLUMNS:
        return DECIMAL
    return COUNT if isinstance(as_number(value), int) else DECIMAL


def _cell_value(value: object) -> object:
    """Python scalars for openpyxl; NaN becomes an empty cell."""
    if is_missing(value):
        return None
    return value.item() if hasattr(value, "item") else value


def put(ws: Worksheet, row: int, column: int, value: object):
    """Write one cell; text that looks like a formula stays text (never evaluated)."""
    cell = ws.cell(row=row, column=column)
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        # openpyxl would store "=..." as a formula: keep it a string, marked as text
        # (quotePrefix) so Excel and LibreOffice do not evaluate it, even after an edit.
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def sheet_name(key: str, lang: str) -> str:
    return word(f"sheet.{key}", lang)


def write_sheet(
    ws: Worksheet,
    frame: pd.DataFrame,
    columns: list[str],
    *,
    note: str,
    lang: str,
    keys: dict[str, str] | None = None,
) -> None:
    """Note row, header row, then one row per frame row; frozen header, filter, widths."""
    keys = keys or {}
    put(ws, 1, 1, note).font = Font(italic=True)
    widths = []
    for j, column in enumerate(columns, start=1):
        header = column_label(keys.get(column, column), lang)
        cell = put(ws, HEADER_ROW, j, header)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        widths.append(len(header))
    for i, row in enumerate(frame[columns].itertuples(index=False), start=HEADER_ROW + 1):
        record = dict(zip(columns, row, strict=True))
        fill = None
        if "status" in record and record["status"] in STATUS_COLOURS and "status_label" in record:
            fill = PatternFill("solid", fgColor=STATUS_COLOURS[record["status"]])
        for j, column in enumerate(columns, start=1):
            key = keys.get(column, column)
            if key == "status_label" and "status" in record:
                # Re-worded from the code so the label is in the sheet's language.
                value = code_label("status", record["status"], lang)
            elif key == "status":
                value = record[column]  # the code itself, for filters and formulas
            elif key == "unit":
                value = planner.unit_words(record[column], lang)
            else:
                value = code_label(key, record[column], lang)
            value = _cell_value(value)
            cell = put(ws, i, j, value)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                cell.number_format = number_format(column, value)
            if fill is not None and column in ("status", "status_label"):
                cell.fill = fill
            widths[j - 1] = max(widths[j - 1], len(str(value)) if value is not None else 0)
    _finish_sheet(ws, widths, len(columns), len(frame))


def workbook_bytes(wb: Workbook, *, title: str = "", meta: dict | None = None) -> bytes:
    """Serialise with properties naming the toolkit, dated by the newest figure of `meta`
    (`office.document_time`), and fixed zip times: equal content, equal bytes."""
    buffer = io.BytesIO()
    wb.save(buffer)
    # Workbook.save stamps "modified" with the clock, so the core part is written again after.
    props = wb.properties
    props.creator = props.lastModifiedBy = office.APPLICATION
    props.title = title or None
    props.created = props.modified = office.document_time(meta)
    core = tostring(props.to_tree())
    parts = {"docProps/core.xml": core, office.APP_PART: office.app_properties()}
    return fixed_zip_times(buffer.getvalue(), replace=parts)


def _new_workbook() -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    return wb


def write_planner_sheet(
    ws: Worksheet,
    records: list[dict],
    statuses: list[str],
    columns: list[str],
    *,
    note: str,
    lang: str,
    formats: dict[str, str] | None = None,
) -> None:
    """The planner's table: words and formatted figures, the probability a real percentage.

    ``formats``: a number format per column where its name does not say it."""
    put(ws, 1, 1, note).font = Font(italic=True)
    widths = []
    for j, column in enumerate(columns, start=1):
        header = column_label(column, lang)
        cell = put(ws, HEADER_ROW, j, header)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        widths.append(len(header))
    for i, (record, status) in enumerate(zip(records, statuses), start=HEADER_ROW + 1):
        fill = PatternFill("solid", fgColor=STATUS_COLOURS.get(status, "D9D9D9"))
        for j, column in enumerate(columns, start=1):
            value = _cell_value(record[column])
            if value == "":
                value = None
            cell = put(ws, i, j, value)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                cell.number_format = (formats or {}).get(column) or number_format(column, value)
            if column in ("status_label", "outcome"):
                cell.fill = fill
            widths[j - 1] = max(widths[j - 1], len(str(value)) if value is not None else 0)
    _finish_sheet(ws, widths, len(columns), max(len(records), 1))


def _finish_sheet(ws, widths: list[int], n_columns: int, n_rows: int) -> None:
    """Column widths from the longest text (a longer text wraps in its cell), the header row
    frozen, an autofilter, the note across the table; printed one page wide."""
    sizes = [min(max(width + 2, 8), MAX_WIDTH) for width in widths]
    for j, size in enumerate(sizes, start=1):
        ws.column_dimensions[get_column_letter(j)].width = size
    for row in ws.iter_rows(min_row=HEADER_ROW + 1):
        lines = 1
        for cell, size in zip(row, sizes):
            if isinstance(cell.value, str) and len(cell.value) > size:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                lines = max(lines, _lines(cell.value, size))
        if lines > 1:  # neither Excel nor LibreOffice sizes a row on opening a file
            ws.row_dimensions[row[0].row].height = LINE_HEIGHT * lines
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=1)
    ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(n_columns)}{HEADER_ROW + n_rows}"
    _wrap_note(ws, sum(sizes), n_columns)
    _print_setup(ws)


def _wrap_note(ws: Worksheet, width: float, n_columns: int) -> None:
    """The note of row 1 wrapped across ``n_columns`` columns of ``width`` characters in all,
    its row as tall as its lines (a merged cell is not sized by Excel or LibreOffice)."""
    if n_columns > 1:
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=n_columns)
    note = ws.cell(row=1, column=1)
    note.alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[1].height = LINE_HEIGHT * _lines(str(note.value or ""), width)


def _lines(text: str, width: float) -> int:
    """The lines ``text`` takes wrapped in ``width`` characters, with room for wider letters."""
    return max(1, math.ceil(len(text) * WIDE_LETTERS / max(width - 1, 1)))


def _print_setup(ws: Worksheet) -> None:
    """Printed or made a PDF: A4 landscape, one page wide, the header row on every page."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"


def _sentence(ws: Worksheet, text: str, *, note: str) -> None:
    """A sheet that says in one sentence why it has no table."""
    ws.column_dimensions["A"].width = SENTENCE_WIDTH
    put(ws, 1, 1, note).font = Font(italic=True)
    put(ws, HEADER_ROW, 1, text).alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[HEADER_ROW].height = LINE_HEIGHT * _lines(text, SENTENCE_WIDTH)
    _wrap_note(ws, SENTENCE_WIDTH, 1)
    _print_setup(ws)


def _planner_sheets(wb: Workbook, targets, *, note, lang, names, communes_total) -> None:
    kw = {"names": names, "communes_total": communes_total}
    ws = wb.create_sheet(sheet_name("targets", lang))
    instead = planner.instead_of_coming(targets, lang)
    if instead is None:
        rows, statuses = planner.coming_records(targets, lang, numbers=True, **kw)
        write_planner_sheet(ws, rows, statuses, planner.COMING_COLUMNS, note=note, lang=lang)
    else:
        _sentence(ws, instead, note=note)
    full = wb.create_sheet(sheet_name("all_targets", lang))
    write_sheet(full, targets, TARGET_COLUMNS, note=note, lang=lang)
    rows, statuses = planner.past_records(targets, lang, numbers=True, **kw)
    if rows:
        ws = wb.create_sheet(sheet_name("past", lang))
        write_planner_sheet(ws, rows, statuses, planner.PAST_COLUMNS, note=note, lang=lang)


def _whatif_sheet(ws: Worksheet, whatif: pd.DataFrame, *, note, lang, communes_total) -> None:
    """The Word report's what-if with numbers: a row per coming target with a probability, a
    column per pace factor, the pace needed for 80%; one sentence when no target has one."""
    table = planner.whatif_table(whatif, lang, communes_total=communes_total, numbers=True)
    table = table.assessed()
    year, pace_p80 = column_label("target_year", lang), column_label("required_pace_p80", lang)
    words = {column_label(c, lang) for c in ("locality", "metric", "target")}
    paces = [c for c in table.frame.columns if c not in {*words, year, pace_p80}]
    if not len(table):
        _sentence(ws, word("sheet.whatif_none", lang), note=note)
        return
    formats = {year: YEAR, pace_p80: PACE_FACTOR, **dict.fromkeys(paces, PERCENT)}
    rows = table.frame.to_dict("records")
    columns = list(table.frame.columns)
    write_planner_sheet(ws, rows, table.statuses, columns, note=note, lang=lang, formats=formats)


def write_locality_workbook(
    path: str | os.PathLike[str],
    *,
    forecast: pd.DataFrame,
    targets: pd.DataFrame,
    data: pd.DataFrame,
    meta: dict,
    lang: str,
    whatif: pd.DataFrame | None = None,
) -> Path:
    """Sheets: the planner's targets, the full target table, past targets, the what-if (when
    given), forecast, data.

    `targets` in the reader's words (TARGET_COLUMNS, `render.tables.in_words`); `whatif` in
    codes (`assess.whatif`)."""
    note = run_note(meta, lang)
    wb = _new_workbook()
    _planner_sheets(
        wb,
        targets,
        note=note,
        lang=lang,
        names={meta.get("slug"): meta.get("locality")} if meta.get("slug") else None,
        communes_total=meta.get("communes_total"),
    )
    if whatif is not None:
        ws = wb.create_sheet(sheet_name("whatif", lang))
        _whatif_sheet(ws, whatif, note=note, lang=lang, communes_total=meta.get("communes_total"))
    write_sheet(
        wb.create_sheet(sheet_name("forecast", lang)),
        forecast,
        FORECAST_COLUMNS,
        note=note,
        lang=lang,
    )
    write_sheet(
        wb.create_sheet(sheet_name("data", lang)),
        data,
        DATA_COLUMNS,
        note=note,
        lang=lang,
        keys=DATA_KEYS,
    )
    title = word("report.title", lang, name=meta.get("locality", ""))
    return atomic_write_bytes(path, workbook_bytes(wb, title=title, meta=meta))


def write_summary_workbook(
    path: str | os.PathLike[str],
    *,
    summary: pd.DataFrame,
    meta: dict,
    lang: str,
    names: dict | None = None,
) -> Path:
    """The planner's table of every target (names, one row each, autofilter), then in full."""
    wb = _new_workbook()
    note = run_note(meta, lang)
    _planner_sheets(wb, summary, note=note, lang=lang, names=names or {}, communes_total=None)
    title = word("report.summary_title", lang)
    return atomic_write_bytes(path, workbook_bytes(wb, title=title, meta=meta))
