"""The review of a plan period as a planner reads it: a table in words, a Word document, an
Excel workbook and one chart of the share of targets met by province, each in one language.

The review's tables (`assess.review`) hold codes; here they get names, metric labels, the
outcome in words (đã đạt / không đạt / chưa rõ) and numbers in the language's style. In the
workbook the figures stay numbers. Each says first when its newest figure is from (the CSV
files, for machines, hold the codes only). The country's targets standing in for a unit's own
are said so ("chỉ tiêu chung cả nước") and left out of the counts and the chart, counted apart.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter
from openpyxl import Workbook
from openpyxl.styles import PatternFill

from ntm_forecast.assess.review import COUNT_COLUMNS, NATIONAL_COLUMNS, OUTCOMES, TOTAL
from ntm_forecast.files import atomic_write_bytes
from ntm_forecast.i18n.labels import STATUS_COLOURS, code_label, column_label, data_as_of
from ntm_forecast.i18n.messages import has, metric_label, render_notes, word
from ntm_forecast.i18n.numbers import fmt_number, fmt_percent, fmt_year, is_missing
from ntm_forecast.i18n.textsafe import chart_text, xml_text
from ntm_forecast.render import excel
from ntm_forecast.render.charts import in_rc, new_figure, png_bytes
from ntm_forecast.render.planner import PlannerTable, target_words
from ntm_forecast.render.tables import render
from ntm_forecast.render.word import add_picture, add_table, docx_bytes, new_document

FILES = {
    "csv": "review.csv",
    "summary_csv": "review_summary.csv",
    "xlsx": "review.xlsx",
    "docx": "review.docx",
    "png": "review.png",
}
# Each outcome coloured as the target tables colour a past target's status.
OUTCOME_STATUS = {"met": "met", "missed": "missed", "unknown": "past"}
# What a reader sees of each target, and of the counts.
TEXT_COLUMNS = [
    "name",
    "province",
    "metric",
    "target_year",
    "target",
    "set_by",
    "outcome",
    "decided_value",
    "decided_as_of",
    "decided_source",
    "stated",
    "forms",
]


def header(column: str, lang: str) -> str:
    key = f"review.col.{column}"
    return word(key, lang) if has(key) else column_label(column, lang)


def outcome_word(code: str, lang: str) -> str:
    return word(f"review.outcome.{code}", lang)


def _or_none(words, values, lang: str) -> list:
    return [None if is_missing(v) else words(v, lang) for v in values]


def _level(code: str, lang: str) -> str:
    return word(f"level.{code}", lang)


def _share_of(code: str, lang: str) -> str:
    return word(f"review.share_of.{code}", lang)


def _period(period: tuple[int, int]) -> dict:
    return {"first": str(period[0]), "last": str(period[1])}


def _target(row, lang: str) -> str:
    """'40–50 xã', '30% số xã', '40% số xã đạt chuẩn NTM'."""
    if row["target_kind"] == "share" and row["share_of"] == "communes_ntm":
        return word("review.target_share_ntm", lang, value=row["target_value"])
    return target_words(row, lang)


def _figure(value: object, metric: object, lang: str) -> str:
    """The deciding figure as read: a share with its %, anything else as a number."""
    if is_missing(value):
        return ""
    return fmt_number(value, lang) + ("%" if str(metric).endswith("_share") else "")


def _names(table: pd.DataFrame, names: dict | None) -> dict:
    """Slug → name: the table's own localities, then the names given (provinces of districts)."""
    return {**dict(zip(table["locality"], table["name"], strict=True)), **(names or {})}


def _summary_names(summary: pd.DataFrame, lang: str) -> list[str]:
    return [
        word("review.total", lang) if slug == TOTAL else name
        for slug, name in zip(summary["locality"], summary["name"], strict=True)
    ]


def in_words(table: pd.DataFrame, lang: str, names: dict | None = None) -> pd.DataFrame:
    """The review table with its codes in words and the target in words (`target`, before
    `outcome`); the figures stay numbers. Column names stay codes."""
    names = _names(table, names)
    out = table.copy()
    out["level"] = [_level(x, lang) for x in table["level"]]
    out["province"] = [names.get(p, p) for p in table["province"]]
    out["metric"] = [metric_label(m, lang) for m in table["metric"]]
    out["target_kind"] = [
        word("review.kind_share_ntm", lang)
        if kind == "share" and share_of == "communes_ntm"
        else code_label("target_kind", kind, lang)
        for kind, share_of in zip(table["target_kind"], table["share_of"], strict=True)
    ]
    out["share_of"] = _or_none(_share_of, table["share_of"], lang)
    out["set_by"] = [word(f"review.set_by.{code}", lang) for code in table["set_by"]]
    out["outcome"] = [outcome_word(o, lang) for o in table["outcome"]]
    out["forms"] = [render_notes([forms], lang) for forms in table["forms"]]
    out["decided_metric"] = _or_none(metric_label, table["decided_metric"], lang)
    targets = [_target(row, lang) for _, row in table.iterrows()]
    out.insert(out.columns.get_loc("outcome"), "target", targets)
    return out


def review_text_table(table: pd.DataFrame, lang: str, names: dict | None = None) -> pd.DataFrame:
    """Each target as text (TEXT_COLUMNS under headers in ``lang``): console and Word."""
    worded = in_words(table, lang, names)
    worded["target_year"] = [fmt_year(y) for y in table["target_year"]]
    worded["decided_value"] = [
        _figure(v, m, lang)
        for v, m in zip(table["decided_value"], table["decided_metric"], strict=True)
    ]
    for column in ("decided_as_of", "decided_source"):
        worded[column] = ["" if is_missing(x) else str(x) for x in table[column]]
    worded["stated"] = [str(n) for n in table["stated"]]
    return pd.DataFrame({header(c, lang): worded[c].to_list() for c in TEXT_COLUMNS})


def _has_national(summary: pd.DataFrame) -> bool:
    return bool(summary["set_national"].iloc[-1])


def summary_text_table(summary: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The counts per locality as text, the last row every locality together; the national
    stand-ins counted apart where there are any."""
    columns = ["name", *COUNT_COLUMNS, "share_met"]
    columns += NATIONAL_COLUMNS if _has_national(summary) else []
    cells = {"name": _summary_names(summary, lang)}
    cells.update({c: [str(int(x)) for x in summary[c]] for c in COUNT_COLUMNS + NATIONAL_COLUMNS})
    cells["share_met"] = [fmt_percent(x, lang, digits=1) for x in summary["share_met"]]
    return pd.DataFrame({header(c, lang): cells[c] for c in columns})


def review_text(
    table: pd.DataFrame,
    summary: pd.DataFrame,
    lang: str,
    names: dict | None = None,
    *,
    period: tuple[int, int],
    newest: tuple[int, int | None] | None,
) -> str:
    """What `review --format table` prints: when the newest figure is from, each target,
    then the counts (the total last); one line where the period holds no target."""
    if table.empty:
        return word("review.empty", lang, **_period(period)) + "\n"
    targets = render(review_text_table(table, lang, names), "table")
    counts = render(summary_text_table(summary, lang), "table")
    dated = data_as_of(newest, lang)
    return (f"{dated}\n" if dated else "") + targets + "\n" + counts


# ---------------------------------------------------------------- the chart


def by_province(table: pd.DataFrame) -> pd.DataFrame:
    """Targets set, met, missed and unknown per province (a district's under its parent; the
    country's own targets and its stand-ins for a unit's left out), the highest share met
    first."""
    rows = table[(table["level"] != "national") & (table["set_by"] == "locality")]
    counts = pd.crosstab(rows["province"], rows["outcome"]).reindex(columns=list(OUTCOMES))
    counts = counts.fillna(0).astype(int)
    counts.insert(0, "set", counts.sum(axis=1))
    counts["share_met"] = counts["met"] / counts["set"]
    counts = counts.reset_index().rename_axis(columns=None)
    order = ["share_met", "province"]
    return counts.sort_values(order, ascending=[False, True], ignore_index=True)


@in_rc
def draw_share_met(
    table: pd.DataFrame, *, lang: str, period: tuple[int, int], names: dict | None = None
) -> Figure:
    """One bar per province: the shares of its targets met, missed and unknown; met/set."""
    names = _names(table, names)
    counts = by_province(table)
    fig = new_figure((9.0, max(2.5, 0.3 * len(counts) + 1.6)))
    ax = fig.add_subplot()
    positions = list(range(len(counts)))
    left = pd.Series(0.0, index=counts.index)
    for outcome in OUTCOMES:
        share = counts[outcome] / counts["set"]
        colour = "#" + STATUS_COLOURS[OUTCOME_STATUS[outcome]]
        label = outcome_word(outcome, lang)
        ax.barh(positions, share, left=left, color=colour, edgecolor="#595959", label=label)
        left += share
    for y, (met, total) in enumerate(counts[["met", "set"]].itertuples(index=False)):
        ax.text(1.01, y, f"{met}/{total}", va="center")
    ax.set_yticks(positions, [chart_text(str(names.get(p, p))) for p in counts["province"]])
    ax.set_ylim(max(len(counts), 1) - 0.5, -0.5)  # the highest share met on top, no margin
    ax.set_xlim(0, 1.12)
    ax.set_xticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: fmt_percent(v, lang, digits=0)))
    ax.set_xlabel(word("review.chart_axis", lang))
    ax.set_title(chart_text(word("review.chart_title", lang, **_period(period))))
    fig.legend(loc="outside lower center", ncols=len(OUTCOMES), fontsize="small")
    return fig


# ---------------------------------------------------------------- the workbook


def _sheet(wb: Workbook, key: str, frame: pd.DataFrame, *, note: str, lang: str) -> None:
    """A sheet of ``frame`` (columns named by code) under headers in ``lang``."""
    ws = wb.create_sheet(word(key, lang))
    columns = list(frame.columns)
    # A header's words as its key: write_sheet shows a key it has no label for as it is,
    # and leaves the (already worded) cells as they are; number formats follow the codes.
    keys = {c: header(c, lang) for c in columns}
    excel.write_sheet(ws, frame, columns, note=note, lang=lang, keys=keys)


def _shade_column(ws, column: int, statuses: list[str]) -> None:
    for i, status in enumerate(statuses, start=excel.HEADER_ROW + 1):
        fill = PatternFill("solid", fgColor=STATUS_COLOURS[status])
        ws.cell(row=i, column=column).fill = fill


def workbook_bytes(
    table: pd.DataFrame,
    summary: pd.DataFrame,
    *,
    lang: str,
    period: tuple[int, int],
    names: dict | None = None,
    newest: tuple[int, int | None] | None,
) -> bytes:
    """Two sheets: the counts per locality (the share met a percentage), every target; each
    says first when the newest figure is from."""
    names = _names(table, names)
    note = " · ".join(
        x for x in (data_as_of(newest, lang), word("review.note", lang, **_period(period))) if x
    )
    counts = summary.copy()
    counts["name"] = _summary_names(summary, lang)
    counts["level"] = _or_none(_level, summary["level"], lang)
    counts["province"] = [None if is_missing(p) else names.get(p, p) for p in summary["province"]]
    wb = Workbook()
    wb.remove(wb.active)
    _sheet(wb, "review.sheet_summary", counts, note=note, lang=lang)
    ws = wb[word("review.sheet_summary", lang)]
    share = counts.columns.get_loc("share_met") + 1
    for row in range(excel.HEADER_ROW + 1, excel.HEADER_ROW + 1 + len(counts)):
        ws.cell(row=row, column=share).number_format = excel.PERCENT
    targets = in_words(table, lang, names)
    _sheet(wb, "review.sheet_targets", targets, note=note, lang=lang)
    ws = wb[word("review.sheet_targets", lang)]
    statuses = [OUTCOME_STATUS[o] for o in table["outcome"]]
    _shade_column(ws, targets.columns.get_loc("outcome") + 1, statuses)
    title = word("review.title", lang, **_period(period))
    return excel.workbook_bytes(wb, title=title, meta={"data_as_of": newest})


# ---------------------------------------------------------------- the document


def document_bytes(
    table: pd.DataFrame,
    summary: pd.DataFrame,
    *,
    chart: bytes,
    lang: str,
    period: tuple[int, int],
    names: dict | None = None,
    newest: tuple[int, int | None] | None,
) -> bytes:
    """Title, when the newest figure is from, how outcomes are read, the totals in one
    sentence (and the national stand-ins in another), the counts per locality, the chart,
    then every target with its outcome (coloured) and its deciding figure."""
    doc = new_document()
    title = word("review.title", lang, **_period(period))
    doc.add_heading(xml_text(title), level=0)
    if newest:
        doc.add_paragraph(xml_text(data_as_of(newest, lang))).runs[0].italic = True
    doc.add_paragraph(xml_text(word("review.method", lang))).runs[0].italic = True
    total = summary.iloc[-1]
    share = fmt_percent(total["share_met"], lang, digits=1)
    counts = {c: int(total[c]) for c in COUNT_COLUMNS + NATIONAL_COLUMNS}
    headline = word("review.headline", lang, share=share, **counts)
    doc.add_paragraph(xml_text(headline)).runs[0].bold = True
    if _has_national(summary):
        doc.add_paragraph(xml_text(word("review.headline_national", lang, **counts)))
    doc.add_heading(xml_text(word("review.heading_summary", lang)), level=1)
    add_table(doc, PlannerTable(summary_text_table(summary, lang), []))
    doc.add_heading(xml_text(word("review.heading_chart", lang)), level=1)
    add_picture(doc, chart)
    doc.add_heading(xml_text(word("review.heading_targets", lang)), level=1)
    statuses = [OUTCOME_STATUS[o] for o in table["outcome"]]
    add_table(doc, PlannerTable(review_text_table(table, lang, names), statuses))
    return docx_bytes(doc, title=title, meta={"data_as_of": newest})


def write_review(
    folder: str | os.PathLike[str],
    table: pd.DataFrame,
    summary: pd.DataFrame,
    *,
    lang: str,
    period: tuple[int, int],
    names: dict | None = None,
    newest: tuple[int, int | None] | None,
) -> list[Path]:
    """review.csv and review_summary.csv (codes), review.xlsx, review.docx and review.png
    (in ``lang``) in ``folder``; `newest` is when the newest figure reviewed is from
    (`domain.history.newest_of`). Every file is made before the first is written, each
    written whole: a failure in the making leaves the folder as it was."""
    folder = Path(folder)
    chart = png_bytes(draw_share_met(table, lang=lang, period=period, names=names))
    kw = {"lang": lang, "period": period, "names": names, "newest": newest}
    # CSV files for Excel carry a BOM so that the diacritics survive.
    made = {
        "csv": render(table, "csv").encode("utf-8-sig"),
        "summary_csv": render(summary, "csv").encode("utf-8-sig"),
        "xlsx": workbook_bytes(table, summary, **kw),
        "docx": document_bytes(table, summary, chart=chart, **kw),
        "png": chart,
    }
    return [atomic_write_bytes(folder / FILES[kind], data) for kind, data in made.items()]
