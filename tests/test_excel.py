from export_fixtures import META, data_frame, forecast_frame, summary_frame, target_frame
from openpyxl import load_workbook

from ntm_forecast.excel import write_locality_workbook, write_summary_workbook


def write(path, lang="vi"):
    return write_locality_workbook(
        path, forecast=forecast_frame(), targets=target_frame(), data=data_frame(), meta=META,
        lang=lang,
    )  # fmt: skip


def column(ws, header, row=2):
    headers = [c.value for c in ws[row]]
    return headers.index(header) + 1


def test_sheets_headers_numbers_and_formats(tmp_path):
    wb = load_workbook(write(tmp_path / "r.xlsx"))
    assert wb.sheetnames == ["Mục tiêu", "Dự báo", "Số liệu"]
    ws = wb["Mục tiêu"]
    assert ws["A1"].value.startswith("Hậu Giang · năm gốc 2021")
    assert ws.freeze_panes == "A3"
    p = ws.cell(row=3, column=column(ws, "Khả năng đạt"))
    assert p.value == 0.7059 and p.number_format == "0.0%"
    year = ws.cell(row=3, column=column(ws, "Năm mục tiêu"))
    assert year.value == 2022 and year.number_format == "0"
    big = ws.cell(row=5, column=column(ws, "Giá trị mục tiêu"))
    assert big.value == 206989.3 and big.number_format == "#,##0.0"
    count = ws.cell(row=3, column=column(ws, "Giá trị mục tiêu"))
    assert count.number_format == "#,##0"
    assert ws.cell(row=4, column=column(ws, "Chỉ tiêu")).value == "Xã đạt chuẩn NTM nâng cao"
    assert ws.cell(row=3, column=column(ws, "Dự báo P90")).value == 38


def test_status_cells_are_coloured(tmp_path):
    ws = load_workbook(write(tmp_path / "r.xlsx"))["Mục tiêu"]
    j = column(ws, "Đánh giá")
    colours = [ws.cell(row=i, column=j).fill.fgColor.rgb for i in (3, 4, 5)]
    assert colours == ["00C6EFCE", "00FFC7CE", "00D9D9D9"]
    assert ws.cell(row=3, column=j).value == "Có khả năng đạt"


def test_data_sheet_keeps_sources(tmp_path):
    ws = load_workbook(write(tmp_path / "r.xlsx"))["Số liệu"]
    assert ws.cell(row=3, column=column(ws, "Trích dẫn")).value == "30 xã đạt chuẩn"
    assert ws.cell(row=3, column=column(ws, "Tình trạng số liệu")).value == "Thực tế"
    assert ws.cell(row=5, column=column(ws, "Thời điểm")).value is None  # NaN -> empty


def test_english_workbook(tmp_path):
    wb = load_workbook(write(tmp_path / "r.xlsx", "en"))
    assert wb.sheetnames == ["Targets", "Forecast", "Data"]
    ws = wb["Targets"]
    assert ws.cell(row=3, column=column(ws, "Status")).value == "Likely"
    assert ws.cell(row=3, column=column(ws, "Metric")).value == "NTM communes"


def test_two_writes_are_identical_bytes(tmp_path):
    assert write(tmp_path / "a.xlsx").read_bytes() == write(tmp_path / "b.xlsx").read_bytes()


def test_summary_workbook(tmp_path):
    path = write_summary_workbook(
        tmp_path / "s.xlsx", summary=summary_frame(), meta={"version": "0.1.0"}, lang="vi"
    )
    ws = load_workbook(path)["Mục tiêu"]
    assert ws.max_row == 2 + len(summary_frame())
    assert ws.cell(row=6, column=column(ws, "Địa phương")).value == "Hà Tĩnh"
