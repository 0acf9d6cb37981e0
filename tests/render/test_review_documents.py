"""The review in words: the console table, the workbook, the Word document and the chart."""

from __future__ import annotations

import pytest
from docx import Document
from engine_fixtures import locality, obs, target
from openpyxl import load_workbook

from ntm_forecast.assess.review import review, review_summary
from ntm_forecast.domain.national_targets import national_shares, with_national_targets
from ntm_forecast.render import review as render_review
from ntm_forecast.render.review import FILES, by_province, review_text, write_review

PERIOD = (2021, 2025)
NAMES = {"tinh": "Tỉnh Hà Thử", "khac": "Tỉnh Khác"}
NEWEST = (2025, 6)
DATED = "Số liệu đến tháng 6/2025"


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
    paths = write_review(folder, *tables, lang="vi", period=PERIOD, names=NAMES, newest=NEWEST)
    return folder, paths


def test_the_console_table_in_vietnamese_words_and_numbers(tables):
    text = review_text(*tables, "vi", NAMES, period=PERIOD, newest=NEWEST)
    assert text.splitlines()[0] == DATED
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
    outcomes = [r.cells[6].text for r in targets.rows[1:]]
    assert outcomes == ["đã đạt", "đã đạt", "không đạt", "chưa rõ", "không đạt"]
    assert len(doc.inline_shapes) == 1  # the chart


def test_the_same_review_writes_the_same_bytes(tables, written, tmp_path):
    again = write_review(tmp_path, *tables, lang="vi", period=PERIOD, names=NAMES, newest=NEWEST)
    for path in again:
        assert path.read_bytes() == (written[0] / path.name).read_bytes(), path.name


def test_english_is_one_language_too(tables, tmp_path):
    write_review(tmp_path, *tables, lang="en", period=PERIOD, names=NAMES, newest=NEWEST)
    doc = Document(tmp_path / FILES["docx"])
    cells = {c.text for r in doc.tables[1].rows for c in r.cells}
    assert {"met", "missed", "unknown"} <= cells and "đã đạt" not in cells


def test_the_word_and_excel_files_open_with_the_data_date(written):
    doc = Document(written[0] / FILES["docx"])
    assert doc.paragraphs[1].text == DATED  # under the title
    wb = load_workbook(written[0] / FILES["xlsx"])
    assert all(ws["A1"].value.startswith(DATED) for ws in wb.worksheets)


def test_a_failure_in_the_making_leaves_the_old_files(tables, written, tmp_path, monkeypatch):
    folder = tmp_path
    old = write_review(folder, *tables, lang="vi", period=PERIOD, names=NAMES, newest=NEWEST)
    before = {p.name: p.read_bytes() for p in old}

    def broken(*args, **kwargs):
        raise OSError("no docx today")

    monkeypatch.setattr(render_review, "document_bytes", broken)
    fewer = review(localities()[:1], period=PERIOD)
    with pytest.raises(OSError):
        write_review(folder, fewer, review_summary(fewer), lang="vi", period=PERIOD,
                     names=NAMES, newest=(2026, 1))  # fmt: skip
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_an_empty_period_is_one_line():
    table = review(localities(), period=(1990, 1991))
    text = review_text(table, review_summary(table), "vi", period=(1990, 1991), newest=NEWEST)
    assert text == "Không có mục tiêu nào của các năm 1990–1991.\n"


def stated_ways_and_national():
    rows = [obs("communes_total", 2021, 51), obs("communes_ntm", 2021, 36),
            obs("communes_ntm", 2022, 39), obs("communes_ntm", 2025, 45)]  # fmt: skip
    plan = [target("communes_ntm", 2022, "increment", 3), target("communes_ntm", 2022, value=39),
            target("communes_ntm", 2022, "share", 76.47)]  # fmt: skip
    tinh = locality(rows, plan, slug="tinh", name="Tỉnh Hà Thử")
    country = locality([], [target("communes_ntm", 2026, "share", 65)],
                       slug="vietnam", name="Cả nước", level="national")  # fmt: skip
    return [with_national_targets(tinh, national_shares(country))]


def test_the_other_forms_and_the_countrys_targets_in_words(tmp_path):
    table = review(stated_ways_and_national(), period=(2022, 2026))
    summary = review_summary(table)
    text = review_text(table, summary, "vi", NAMES, period=(2022, 2026), newest=NEWEST)
    assert "chỉ tiêu chung cả nước" in text and "thêm 3 xã; 76,47% số xã" in text
    # the counts: own targets, then the country's apart
    assert text.splitlines()[-1].split()[-7:] == ["1", "1", "0", "0", "100%", "1", "0"]
    assert by_province(table).set.to_list() == [1]  # the chart: own targets only
    write_review(tmp_path, table, summary, lang="vi", period=(2022, 2026), names=NAMES,
                 newest=NEWEST)  # fmt: skip
    doc = Document(tmp_path / FILES["docx"])
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Ngoài ra 1 chỉ tiêu chung cả nước áp cho địa phương chưa có chỉ tiêu riêng" in text
    cells = [c.text for c in doc.tables[1].rows[2].cells]
    assert "chỉ tiêu chung cả nước" in cells
    ws = load_workbook(tmp_path / FILES["xlsx"])["Từng mục tiêu"]
    headers = [c.value for c in ws[2]]
    assert (
        ws.cell(row=4, column=headers.index("Chỉ tiêu của") + 1).value == "chỉ tiêu chung cả nước"
    )
