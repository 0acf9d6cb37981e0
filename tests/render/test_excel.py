from export_fixtures import META, data_frame, forecast_frame, summary_frame, target_frame
from openpyxl import load_workbook

from ntm_forecast.render.excel import write_locality_workbook, write_summary_workbook


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
    assert wb.sheetnames == ["Mục tiêu", "Bảng đầy đủ", "Dự báo", "Số liệu"]
    ws = wb["Bảng đầy đủ"]  # the full table: every column, real numbers
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
    assert ws.max_column == 23


def test_first_sheet_is_the_planners_table(tmp_path):
    ws = load_workbook(write(tmp_path / "r.xlsx"))["Mục tiêu"]
    headers = [c.value for c in ws[2]]
    assert headers == [
        "Địa phương", "Chỉ tiêu", "Mục tiêu", "Năm mục tiêu", "Khả năng đạt", "Đánh giá",
        "Tiến độ (chuẩn SDG)", "Dự báo (trung vị, khoảng 80%)", "Tốc độ cần/năm",
        "Tốc độ gần đây/năm",
    ]  # fmt: skip
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=3)]
    # coming targets, lowest probability first; no probability last
    assert [r[1] for r in rows] == [
        "Xã đạt chuẩn NTM nâng cao", "Xã đạt chuẩn NTM", "Sản phẩm OCOP (3 sao trở lên)",
    ]  # fmt: skip
    assert rows[1][:4] == ["Hậu Giang", "Xã đạt chuẩn NTM", "39/51 xã", 2022]
    assert rows[0][2] == "thêm 1–2 xã"
    assert rows[1][4] == 0.7059 and ws.cell(row=4, column=5).number_format == "0.0%"
    assert rows[1][6] == "Tiến bộ khá, cần tăng tốc"  # pace ratio 0.5
    assert rows[1][7] == "36 (34–38)" and rows[1][8] == "6" and rows[1][9] == "3"
    assert rows[2][4] is None and rows[2][7] is None  # nothing: an empty cell
    assert ws.auto_filter.ref == "A2:J5"


def test_status_cells_are_coloured(tmp_path):
    ws = load_workbook(write(tmp_path / "r.xlsx"))["Mục tiêu"]
    j = column(ws, "Đánh giá")
    colours = [ws.cell(row=i, column=j).fill.fgColor.rgb for i in (3, 4, 5)]
    assert colours == ["00FFC7CE", "00C6EFCE", "00D9D9D9"]
    assert ws.cell(row=4, column=j).value == "Có khả năng đạt"


def test_data_sheet_keeps_sources(tmp_path):
    ws = load_workbook(write(tmp_path / "r.xlsx"))["Số liệu"]
    assert ws.cell(row=3, column=column(ws, "Trích dẫn")).value == "30 xã đạt chuẩn"
    assert ws.cell(row=3, column=column(ws, "Tình trạng số liệu")).value == "Thực tế"
    assert ws.cell(row=5, column=column(ws, "Thời điểm")).value is None  # NaN -> empty


def test_english_workbook(tmp_path):
    wb = load_workbook(write(tmp_path / "r.xlsx", "en"))
    assert wb.sheetnames == ["Targets", "Full table", "Forecast", "Data"]
    ws = wb["Targets"]
    assert ws.cell(row=4, column=column(ws, "Status")).value == "Likely"
    assert ws.cell(row=4, column=column(ws, "Metric")).value == "NTM communes"
    assert ws.cell(row=4, column=column(ws, "Target")).value == "39/51 communes"
    assert ws.cell(row=3, column=column(ws, "Target")).value == "1–2 more communes"


def test_two_writes_are_identical_bytes(tmp_path):
    assert write(tmp_path / "a.xlsx").read_bytes() == write(tmp_path / "b.xlsx").read_bytes()


def test_summary_workbook(tmp_path):
    path = write_summary_workbook(
        tmp_path / "s.xlsx", summary=summary_frame(), meta={"version": "0.1.0"}, lang="vi"
    )
    ws = load_workbook(path)["Mục tiêu"]
    assert ws.max_row == 2 + len(summary_frame())
    localities = [ws.cell(row=i, column=1).value for i in range(3, 7)]
    assert localities == ["Hậu Giang", "Hà Tĩnh", "Hậu Giang", "Hậu Giang"]  # by probability
    assert ws.auto_filter.ref == "A2:J6"


def test_past_targets_get_their_own_sheet_with_outcomes(tmp_path):
    targets = target_frame()
    targets.loc[0, ["status", "probability"]] = ["met", float("nan")]
    path = write_locality_workbook(
        tmp_path / "p.xlsx", forecast=forecast_frame(), targets=targets, data=data_frame(),
        meta=META, lang="vi",
    )  # fmt: skip
    wb = load_workbook(path)
    assert wb.sheetnames == ["Mục tiêu", "Bảng đầy đủ", "Mục tiêu đã qua", "Dự báo", "Số liệu"]
    past = wb["Mục tiêu đã qua"]
    assert [c.value for c in past[3]] == ["Hậu Giang", "Xã đạt chuẩn NTM", "39/51 xã", 2022,
                                          "Đã đạt"]  # fmt: skip
    assert wb["Mục tiêu"].max_row == 2 + 2
