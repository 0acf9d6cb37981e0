"""The review in words: the console table, the workbook, the Word document and the chart."""

from __future__ import annotations

import pytest
from docx import Document
from engine_fixtures import locality, obs, target
from openpyxl import load_workbook

from ntm_forecast.assess.review import review, review_summary
from ntm_forecast.render.review import FILES, by_province, review_text, write_review

PERIOD = (2021, 2025)
NAMES = {"tinh": "Tỉnh Hà Thử", "khac": "Tỉnh Khác"}


def localities():
    tinh = locality(
        [obs("communes_ntm", 2021, 1234.5, as_of="2021-12-31", source="a.txt"),
         obs("communes_ntm", 2022, 1300, source="b.txt")],
        [target("communes_ntm", 2021, min=1200, max=1500),  # met at its lower end
         target("communes_ntm", 2022, value=1400),  # missed
         target("ocop_total", 2022, value=10)],  # unknown
        slug="tinh", name="Tỉnh Hà Thử",
    )  # fmt: skip
    huyen = locality([obs("communes_ntm", 2021, 4)], [target("communes_ntm", 2021, value=3)],
                     slug="huyen", name="Huyện Thử", level="district", parent="khac")  # fmt: skip
    country = locality([obs("communes_ntm", 2021, 6000)], [target("communes_ntm", 2021, value=7e3)],
                       slug="vietnam", name="Cả nước", level="national")  # fmt: skip
    return [tinh, huyen, country]


@pytest.fixture(scope="module")
def tables():
    table = review(localities(), period=PERIOD)
    return table, review_summary(table)


@pytest.fixture(scope="module")
def written(tables, tmp_path_factory):
    folder = tmp_path_factory.mktemp("review")
    paths = write_review(folder, *tables, lang="vi", period=PERIOD, names=NAMES)
    return folder, paths


def test_the_console_table_in_vietnamese_words_and_numbers(tables):
    text = review_text(*tables, "vi", NAMES)
    assert all(w in text for w in ("đã đạt", "không đạt", "chưa rõ", "Tỉnh Khác"))
    assert "1.234,5" in text and "1.200–1.500 xã" in text  # Vietnamese number style
    assert "met" not in text.split() and "unknown" not in text
    last = text.splitlines()[-1].split()
    assert last[-5:] == ["5", "2", "2", "1", "40%"]  # all localities: set, met, missed, unknown


def test_provinces_count_their_districts_and_leave_the_country_out(tables):
    counts = by_province(tables[0])
    assert list(counts.province) == ["khac", "tinh"]  # the highest share met first
    assert list(counts.set) == [1, 3] and list(counts.met) == [1, 1]


def test_five_files_written(written):
    folder, paths = written
    assert sorted(p.name for p in paths) == sorted(FILES.values())
    assert all(p.parent == folder and p.stat().st_size > 0 for p in paths)
    assert not list(folder.glob(".*part*"))  # no temporary file left behind
    csv = (folder / FILES["csv"]).read_text(encoding="utf-8-sig")
    assert csv.splitlines()[0].startswith("locality,name,level,province,metric,target_year")
    assert ",met," in csv and ",missed," in csv and ",unknown," in csv  # codes, not words


def test_the_workbook_keeps_numbers_as_numbers(written):
    wb = load_workbook(written[0] / FILES["xlsx"])
    assert wb.sheetnames == ["Tổng hợp", "Từng mục tiêu"]
    ws = wb["Từng mục tiêu"]
    headers = [c.value for c in ws[2]]
    row = {h: ws.cell(row=3, column=j) for j, h in enumerate(headers, start=1)}
    assert row["Tên địa phương"].value == "Huyện Thử" and row["Tỉnh"].value == "Tỉnh Khác"
    assert row["Năm mục tiêu"].value == 2021 and row["Năm mục tiêu"].number_format == "0"
    assert row["Số liệu quyết định"].value == 4 and row["Kết quả"].value == "đã đạt"
    assert row["Kết quả"].fill.fgColor.rgb.endswith("A9D08E")
    tinh = [[c.value for c in r] for r in ws.iter_rows(min_row=4, max_row=6)]
    assert [r[headers.index("Kết quả")] for r in tinh] == ["đã đạt", "không đạt", "chưa rõ"]
    assert tinh[0][headers.index("Số liệu quyết định")] == 1234.5
    summary = wb["Tổng hợp"]
    last = [c for c in summary[summary.max_row]]
    assert last[1].value == "Tổng các địa phương"
    assert [c.value for c in last[4:8]] == [5, 2, 2, 1]
    assert last[8].value == 0.4 and last[8].number_format == "0.0%"


def test_the_document_is_vietnamese_with_its_diacritics(written):
    doc = Document(written[0] / FILES["docx"])
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Rà soát thực hiện mục tiêu xây dựng nông thôn mới giai đoạn 2021–2025" in text
    assert "5 mục tiêu; đã đạt 2, không đạt 2, chưa rõ 1 (đã đạt 40% số mục tiêu)" in text
    summary, targets = doc.tables
    assert summary.rows[-1].cells[0].text == "Tổng các địa phương"
    outcomes = [r.cells[5].text for r in targets.rows[1:]]
    assert outcomes == ["đã đạt", "đã đạt", "không đạt", "chưa rõ", "không đạt"]
    assert len(doc.inline_shapes) == 1  # the chart


def test_the_same_review_writes_the_same_bytes(tables, written, tmp_path):
    again = write_review(tmp_path, *tables, lang="vi", period=PERIOD, names=NAMES)
    for path in again:
        assert path.read_bytes() == (written[0] / path.name).read_bytes(), path.name


def test_english_is_one_language_too(tables, tmp_path):
    write_review(tmp_path, *tables, lang="en", period=PERIOD, names=NAMES)
    doc = Document(tmp_path / FILES["docx"])
    cells = {c.text for r in doc.tables[1].rows for c in r.cells}
    assert {"met", "missed", "unknown"} <= cells and "đã đạt" not in cells
