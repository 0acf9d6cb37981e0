import math
import zipfile
from datetime import datetime

import pytest
from export_fixtures import META, data_frame, forecast_frame, summary_frame, target_frame
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from test_word import whatif_frame

from ntm_forecast.i18n.labels import column_label
from ntm_forecast.render.excel import write_locality_workbook, write_summary_workbook
from ntm_forecast.render.planner import COMING_COLUMNS
from ntm_forecast.render.tables import TARGET_COLUMNS, in_words


def write(path, lang="vi", targets=None, whatif=None):
    targets = in_words(target_frame() if targets is None else targets, lang)
    return write_locality_workbook(
        path, forecast=forecast_frame(), targets=targets, data=data_frame(), meta=META,
        lang=lang, whatif=whatif,
    )  # fmt: skip


def column(ws, header, row=2):
    headers = [c.value for c in ws[row]]
    return headers.index(header) + 1


def test_sheets_headers_numbers_and_formats(tmp_path):
    wb = load_workbook(write(tmp_path / "r.xlsx"))
    assert wb.sheetnames == ["Mục tiêu", "Bảng đầy đủ", "Mục tiêu đã qua", "Dự báo", "Số liệu"]
    ws = wb["Bảng đầy đủ"]  # the full table: every column, real numbers
    assert ws["A1"].value.startswith("Hậu Giang · năm gốc 2021")
    assert ws.freeze_panes == "A3"
    first = target_frame().iloc[0]
    p = ws.cell(row=3, column=column(ws, "Khả năng đạt"))
    assert p.value == first.probability and p.number_format == "0.0%"
    year = ws.cell(row=3, column=column(ws, "Năm mục tiêu"))
    assert year.value == 2022 and year.number_format == "0"
    share = ws.cell(row=6, column=column(ws, "Giá trị mục tiêu"))
    assert share.value == 76.47 and share.number_format == "#,##0.0"
    count = ws.cell(row=3, column=column(ws, "Giá trị mục tiêu"))
    assert count.value == 39 and count.number_format == "#,##0"
    assert ws.cell(row=5, column=column(ws, "Chỉ tiêu")).value == "Xã đạt chuẩn NTM nâng cao"
    assert ws.cell(row=3, column=column(ws, "Dự báo P90")).value == first.projected_p90
    assert ws.max_column == len(TARGET_COLUMNS)


def test_the_full_table_says_codes_and_notes_in_the_sheets_language(tmp_path):
    for lang, label, note in (
        ("vi", "Có nguy cơ không đạt", "76,47% của 51 xã = 39 xã"),
        ("en", "At risk", "76.47% of 51 communes = 39"),
    ):
        wb = load_workbook(write(tmp_path / f"{lang}.xlsx", lang))
        ws = wb.worksheets[1]
        # the share target (row 6): the status code kept for filters, then words; its note
        # a Message in the sheet's language
        status = column(ws, column_label("status", lang))
        assert [ws.cell(row=6, column=j).value for j in (status, status + 1)] == ["at_risk", label]
        assert ws.cell(row=6, column=column(ws, column_label("note", lang))).value == note


def test_first_sheet_is_the_planners_table(tmp_path):
    ws = load_workbook(write(tmp_path / "r.xlsx"))["Mục tiêu"]
    headers = [c.value for c in ws[2]]
    assert headers == [column_label(c, "vi") for c in COMING_COLUMNS]
    assert headers[:6] == [
        "Địa phương", "Chỉ tiêu", "Mục tiêu", "Năm mục tiêu", "Khả năng đạt", "Đánh giá"
    ]  # fmt: skip
    rows = [dict(zip(headers, (c.value for c in r))) for r in ws.iter_rows(min_row=3)]
    # coming targets, lowest probability first; no probability last
    assert [r["Mục tiêu"] for r in rows] == ["39/51 xã", "76,47% số xã", "80 sản phẩm",
                                             "34/51 xã", "thêm 1–2 xã", "10 thôn",
                                             "duy trì 100%"]  # fmt: skip
    assert list(rows[0].values())[:4] == ["Hậu Giang", "Xã đạt chuẩn NTM", "39/51 xã", 2022]
    assert rows[0]["Khả năng đạt"] == target_frame().iloc[0].probability
    assert ws.cell(row=3, column=5).number_format == "0.0%"
    assert rows[0]["Tiến độ (chuẩn SDG)"] == "Tiến bộ hạn chế"  # pace ratio 2.7 / 6 < 0.5
    assert rows[5]["Khả năng đạt"] is None  # nothing: an empty cell
    assert rows[5]["Dự báo (trung vị, khoảng 80%)"] is None
    assert ws.auto_filter.ref == f"A2:{get_column_letter(len(COMING_COLUMNS))}9"


def test_the_planners_pace_cells_are_numbers(tmp_path):
    ws = load_workbook(write(tmp_path / "r.xlsx"))["Mục tiêu"]
    needed = ws.cell(row=3, column=column(ws, "Tốc độ cần/năm"))
    assert needed.value == 6 and needed.data_type == "n"  # (39 − 33) in one year
    assert needed.number_format == "#,##0.0"
    recent = ws.cell(row=3, column=column(ws, "Tốc độ gần đây/năm"))
    assert recent.data_type == "n" and recent.value == target_frame().iloc[0].recent_per_year
    # a target with no pace keeps an empty cell, not "" or 0
    assert ws.cell(row=8, column=column(ws, "Tốc độ cần/năm")).value is None


def test_status_cells_are_coloured(tmp_path):
    ws = load_workbook(write(tmp_path / "r.xlsx"))["Mục tiêu"]
    j = column(ws, "Đánh giá")
    colours = [ws.cell(row=i, column=j).fill.fgColor.rgb for i in (3, 4, 7, 8)]
    assert colours == ["00FFC7CE", "00FFEB9C", "00C6EFCE", "00D9D9D9"]
    assert ws.cell(row=7, column=j).value == "Có khả năng đạt"


def test_data_sheet_keeps_sources(tmp_path):
    data = data_frame()
    data.loc[2, "as_of"] = math.nan
    path = write_locality_workbook(
        tmp_path / "d.xlsx", forecast=forecast_frame(), targets=in_words(target_frame(), "vi"),
        data=data, meta=META, lang="vi",
    )  # fmt: skip
    ws = load_workbook(path)["Số liệu"]
    assert ws.cell(row=4, column=column(ws, "Trích dẫn")).value == "22 xã đạt chuẩn"
    assert ws.cell(row=3, column=column(ws, "Tình trạng số liệu")).value == "Thực tế"
    assert ws.cell(row=5, column=column(ws, "Thời điểm")).value is None  # NaN -> empty


def test_english_workbook(tmp_path):
    wb = load_workbook(write(tmp_path / "r.xlsx", "en"))
    assert wb.sheetnames == ["Targets", "Full table", "Past targets", "Forecast", "Data"]
    ws = wb["Targets"]
    assert ws.cell(row=3, column=column(ws, "Status")).value == "Unlikely"
    assert ws.cell(row=3, column=column(ws, "Metric")).value == "NTM communes"
    assert ws.cell(row=3, column=column(ws, "Target")).value == "39/51 communes"
    assert ws.cell(row=7, column=column(ws, "Target")).value == "1–2 more communes"


def test_two_writes_are_identical_bytes(tmp_path):
    assert write(tmp_path / "a.xlsx").read_bytes() == write(tmp_path / "b.xlsx").read_bytes()


def test_summary_workbook(tmp_path):
    summary = summary_frame()
    names = {"hau_giang": "Hậu Giang", "ha_tinh": "Hà Tĩnh"}
    path = write_summary_workbook(
        tmp_path / "s.xlsx", summary=summary, meta={"version": "0.1.0"}, lang="vi", names=names
    )
    wb = load_workbook(path)
    ws = wb["Mục tiêu"]
    coming = summary[~summary["status"].isin(["met", "missed", "past"])]
    assert ws.max_row == 2 + len(coming) == 11
    p = [ws.cell(row=i, column=5).value for i in range(3, 3 + len(coming))]
    scored = [x for x in p if x is not None]
    assert scored == sorted(scored) and p[len(scored) :] == [None, None]  # by probability
    assert {ws.cell(row=i, column=1).value for i in range(3, 12)} == {"Hậu Giang", "Hà Tĩnh"}
    assert ws.auto_filter.ref == f"A2:{get_column_letter(len(COMING_COLUMNS))}11"
    assert wb["Mục tiêu đã qua"].max_row == 2 + 3


def test_no_past_sheet_without_past_targets(tmp_path):
    t = target_frame()
    wb = load_workbook(write(tmp_path / "c.xlsx", targets=t[t["probability"].notna()]))
    assert wb.sheetnames == ["Mục tiêu", "Bảng đầy đủ", "Dự báo", "Số liệu"]
    assert wb["Mục tiêu"].max_row == 2 + 5


@pytest.mark.parametrize("text", ["-2+3", "-cmd|' /C calc'!A0", "=1+1", "+1", "@SUM(A1)"])
def test_text_that_looks_like_a_formula_is_an_inert_text_cell(tmp_path, text):
    t = target_frame()
    t.at[0, "notes"] = (text,)  # a params file's own note, written as it is
    ws = load_workbook(write(tmp_path / "f.xlsx", targets=t))["Bảng đầy đủ"]
    cell = ws.cell(row=3, column=column(ws, "Ghi chú"))
    assert cell.value == text and cell.data_type == "s" and cell.quotePrefix


def test_a_negative_number_stays_a_number_and_a_dash_inside_text_is_left_alone(tmp_path):
    t = target_frame()
    t.at[0, "pace_ratio"] = -0.25
    t.at[0, "notes"] = ("2-3",)
    ws = load_workbook(write(tmp_path / "n.xlsx", targets=t))["Bảng đầy đủ"]
    ratio = ws.cell(row=3, column=column(ws, "Tỷ lệ tốc độ"))
    assert ratio.value == -0.25 and ratio.data_type == "n"
    note = ws.cell(row=3, column=column(ws, "Ghi chú"))
    assert note.value == "2-3" and not note.quotePrefix


def test_the_whatif_sheet_has_numbers_a_row_per_assessed_target_and_a_column_per_pace(tmp_path):
    wb = load_workbook(write(tmp_path / "w.xlsx", whatif=whatif_frame()))
    assert wb.sheetnames == ["Mục tiêu", "Bảng đầy đủ", "Mục tiêu đã qua", "Kịch bản tốc độ",
                             "Dự báo", "Số liệu"]  # fmt: skip
    ws = wb["Kịch bản tốc độ"]
    assert ws["A1"].value.startswith("Hậu Giang · năm gốc 2021")
    assert [c.value for c in ws[2]] == [
        "Chỉ tiêu", "Mục tiêu", "Năm mục tiêu", "Tốc độ × 0,8", "Tốc độ × 1", "Tốc độ × 1,5",
        "Hệ số tốc độ cần cho 80%",
    ]  # fmt: skip
    # the five coming targets with a probability, lowest first; the unassessable two left out
    assert ws.max_row == 2 + 5
    first = [c.value for c in ws[3]]
    assert first == ["Xã đạt chuẩn NTM", "39/51 xã", 2022, 0.045, 0.075, 0.21, 5.33]
    assert [ws.cell(row=3, column=j).number_format for j in range(3, 8)] == [
        "0", "0.0%", "0.0%", "0.0%", "#,##0.00"
    ]  # fmt: skip
    assert all(c.data_type == "n" for r in ws.iter_rows(min_row=3, min_col=3) for c in r)
    assert ws.auto_filter.ref == "A2:G7"


@pytest.mark.parametrize("rows", [[5, 6, 7, 8, 9], []])  # none assessable; no targets at all
@pytest.mark.parametrize(
    ("lang", "sheet", "sentence"),
    [("vi", "Kịch bản tốc độ", "Không có mục tiêu sắp tới nào đánh giá được khả năng đạt"),
     ("en", "What-if", "No coming target has a probability yet")],
)  # fmt: skip
def test_a_whatif_with_nothing_to_vary_is_one_sentence_not_an_empty_table(
    tmp_path, rows, lang, sheet, sentence
):
    w = whatif_frame()
    w = w[w.groupby("pace").cumcount().isin(rows)]
    ws = load_workbook(write(tmp_path / "n.xlsx", lang=lang, whatif=w))[sheet]
    assert ws["A2"].value.startswith(sentence)
    assert (ws.max_row, ws.max_column) == (2, 1)  # the note, the sentence, no headers


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_sheet_names_are_valid_in_excel(tmp_path, lang):
    wb = load_workbook(write(tmp_path / "s.xlsx", lang=lang, whatif=whatif_frame()))
    assert len(wb.sheetnames) == 6
    for name in wb.sheetnames:
        assert len(name) <= 31 and not set(name) & set(":\\/?*[]"), name


def test_two_writes_with_the_whatif_are_identical_bytes(tmp_path):
    a = write(tmp_path / "a.xlsx", whatif=whatif_frame())
    assert a.read_bytes() == write(tmp_path / "b.xlsx", whatif=whatif_frame()).read_bytes()


@pytest.mark.parametrize(
    ("rows", "sentence"),
    [([5, 6, 7, 8, 9], "Chưa đánh giá được khả năng đạt của mục tiêu nào trong 2 mục tiêu"),
     ([7, 8, 9], "Không có mục tiêu nào sắp tới.")],
)  # fmt: skip
def test_a_targets_sheet_with_no_assessable_row_is_one_sentence(tmp_path, rows, sentence):
    ws = load_workbook(write(tmp_path / "n.xlsx", targets=target_frame().iloc[rows]))["Mục tiêu"]
    assert ws["A2"].value.startswith(sentence)
    assert (ws.max_row, ws.max_column) == (2, 1)  # the note, the sentence, no empty table


def test_the_workbook_names_the_toolkit_and_the_data_date(tmp_path):
    path = write_locality_workbook(
        tmp_path / "p.xlsx", forecast=forecast_frame(), targets=in_words(target_frame(), "vi"),
        data=data_frame(), meta={**META, "data_as_of": (2023, 6)}, lang="vi",
    )  # fmt: skip
    with zipfile.ZipFile(path) as z:
        app = z.read("docProps/app.xml").decode()
    assert "<Application>ntm-forecast 0.1.0</Application>" in app and "penpyxl" not in app
    props = load_workbook(path).properties
    assert props.creator == props.lastModifiedBy == "ntm-forecast 0.1.0"
    assert props.created == props.modified == datetime(2023, 6, 1)  # the data, not the clock
