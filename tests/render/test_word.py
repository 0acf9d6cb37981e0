import functools
import zipfile
from datetime import datetime
from pathlib import Path

import pandas as pd
from docx import Document
from docx.oxml.ns import qn
from export_fixtures import (
    HORIZON,
    META,
    data_frame,
    engine_forecast,
    fan_png,
    summary_frame,
    target_frame,
)

from ntm_forecast.assess.whatif import whatif
from ntm_forecast.domain.checks import check_locality
from ntm_forecast.domain.params import load_locality
from ntm_forecast.engine.forecast import Context
from ntm_forecast.i18n.numbers import fmt_number, fmt_percent
from ntm_forecast.render.charts import target_overview_charts
from ntm_forecast.render.word import (
    target_sentence,
    usable_box,
    write_locality_report,
    write_summary_report,
)

HAU_GIANG_116 = Path(__file__).parents[1] / "data" / "warn" / "total_not_adding_up.yaml"
FULL_META = {**META, "data_as_of": (2023, 6)}
# The shape of `assess.backtest.summarise` (the appendix shows a few of its columns).
BACKTEST = pd.DataFrame(
    {"family": ["commune"] * 2, "metric": ["communes_ntm"] * 2, "model": ["drift", "hazard"],
     "n": [6, 6], "localities": [1, 1], "mae": [2.5, 2.33], "crps": [2.18, 1.96],
     "crps_vs_drift": [1.0, 0.9], "coverage_80": [1.0, 1.0], "default": [False, True]}
)  # fmt: skip


def write(tmp_path, charts=(), lang="vi", name="r.docx"):
    return write_locality_report(
        tmp_path / name, targets=target_frame(), data=data_frame(), charts=list(charts),
        meta=META, lang=lang,
    )  # fmt: skip


@functools.cache
def whatif_frame() -> pd.DataFrame:
    """The fixture's what-if at three paces (the locality pooled on itself: quick)."""
    fc = engine_forecast()
    ctx = Context.from_localities([fc.locality])
    return whatif(fc.locality, ctx, (0.8, 1.0, 1.5), horizon=HORIZON, n_paths=200, seed=0)


def hau_giang_warnings() -> list[str]:
    """The data warnings of a params file whose OCOP total 116 is not its 66 plus 30."""
    return [f.render("vi") for f in check_locality(load_locality(HAU_GIANG_116))]


def write_full(tmp_path, name="full.docx", rows=None, charts=()):
    """The report as `Report.write` makes it: every part given; `rows`: only these targets."""
    targets, what_if = target_frame(), whatif_frame()
    if rows is not None:
        targets = targets.iloc[rows]
        what_if = what_if[what_if.groupby("pace").cumcount().isin(rows)]  # the same targets
    return write_locality_report(
        tmp_path / name, targets=targets, data=data_frame(), charts=list(charts),
        meta=FULL_META, lang="vi", whatif=what_if, warnings=hau_giang_warnings(),
        backtest=BACKTEST,
    )  # fmt: skip


def headings(doc) -> list[str]:
    return [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]


def pictures_and_sections(doc):
    """(inline picture, the section it sits in), walking the body: a paragraph holding a
    section break ends that section; the body's own ends the last."""
    out, pending, sections = [], [], iter(doc.sections)
    for paragraph in doc.element.body.iter(qn("w:p")):
        pending += paragraph.findall(".//" + qn("wp:inline"))
        if paragraph.find(qn("w:pPr") + "/" + qn("w:sectPr")) is not None:
            section = next(sections)
            out += [(inline, section) for inline in pending]
            pending = []
    last = next(sections)
    return out + [(inline, last) for inline in pending]


def assert_pictures_fit(doc) -> int:
    placed = pictures_and_sections(doc)
    for inline, section in placed:
        width, height = usable_box(section)
        extent = inline.find(qn("wp:extent"))
        assert int(extent.get("cx")) <= width and int(extent.get("cy")) <= height
    return len(placed)


def texts(doc):
    return [p.text for p in doc.paragraphs]


def test_sentence_from_the_results():
    row = target_frame().iloc[0]
    text = target_sentence(row, META["communes_total"], "vi")
    p = fmt_percent(row.probability, "vi", digits=1)
    assert text.startswith(f"Khả năng đạt mục tiêu 39/51 xã (xã đạt chuẩn NTM) năm 2022: {p}")
    assert f"{p} (Khó đạt)" in text
    mid, lo, hi = (fmt_number(row[c], "vi") for c in ("projected_median", "projected_p10",
                                                       "projected_p90"))  # fmt: skip
    assert f"Dự báo trung vị {mid} (khoảng 80%: {lo}–{hi})" in text
    assert "Cần bình quân 6/năm" in text
    english = target_sentence(row, None, "en")
    p = fmt_percent(row.probability, "en", digits=1)
    assert english.startswith(f"Probability of reaching 39 communes (NTM communes) in 2022: {p}")


def test_range_increment_missing_probability_and_past():
    rows = target_frame()
    p = fmt_percent(rows.iloc[2].probability, "vi", digits=1)
    sentence = target_sentence(rows.iloc[2], None, "vi")
    assert f"thêm 1–2 xã (xã đạt chuẩn NTM nâng cao) năm 2023: {p}" in sentence
    assert target_sentence(rows.iloc[5], None, "vi") == (
        "Mục tiêu 10 thôn (thôn đạt chuẩn NTM) năm 2023: Chưa đủ dữ liệu."
    )
    missed = target_sentence(rows.iloc[8], META["communes_total"], "vi")
    assert missed == "Mục tiêu 32/51 xã (xã đạt chuẩn NTM) năm 2020: Không đạt."


def test_report_headline_tables_pictures_and_sources(tmp_path):
    png = fan_png(tmp_path)
    doc = Document(write(tmp_path, charts=[png, png]))
    paragraphs = texts(doc)
    assert paragraphs[0] == "Báo cáo dự báo xây dựng nông thôn mới — Hậu Giang"
    assert paragraphs[2].startswith("7 mục tiêu sắp tới: 1 có khả năng đạt, 3 có nguy cơ")
    assert "hau_giang_2022.md: “22 xã đạt chuẩn”" in paragraphs
    coming, past = doc.tables
    assert len(coming.rows) == 1 + 7 and len(past.rows) == 1 + 3
    cells = [c.text for c in coming.rows[1].cells]
    p = fmt_percent(target_frame().iloc[0].probability, "vi", digits=1)
    assert cells[:6] == ["Hậu Giang", "Xã đạt chuẩn NTM", "39/51 xã", "2022", p, "Khó đạt"]
    assert coming.rows[3].cells[2].text == "80 sản phẩm"
    assert coming.rows[6].cells[4].text == ""  # nothing to say: an empty cell, not NaN
    assert coming.rows[5].cells[1].text == "Xã đạt chuẩn NTM nâng cao"
    assert coming.rows[1].cells[5]._tc.xpath(".//w:shd/@w:fill") == ["FFC7CE"]
    assert coming.rows[5].cells[5]._tc.xpath(".//w:shd/@w:fill") == ["C6EFCE"]
    assert [r.cells[4].text for r in past.rows[1:]] == ["Không đạt", "Đã đạt", "Chưa rõ kết quả"]
    assert len(doc.inline_shapes) == 2


def test_english_report_and_identical_bytes(tmp_path):
    doc = Document(write(tmp_path, lang="en"))
    assert texts(doc)[0] == "New Rural Development forecast report — Hậu Giang"
    p = fmt_percent(target_frame().iloc[0].probability, "en", digits=1)
    assert doc.tables[0].rows[1].cells[4].text == p
    assert len(doc.inline_shapes) == 0
    a, b = write(tmp_path, name="a.docx"), write(tmp_path, name="b.docx")
    assert a.read_bytes() == b.read_bytes()


def test_summary_report(tmp_path):
    names = {"hau_giang": "Hậu Giang", "ha_tinh": "Hà Tĩnh"}
    path = write_summary_report(
        tmp_path / "s.docx", summary=summary_frame(), charts=[fan_png(tmp_path)], meta={},
        lang="vi", names=names,
    )  # fmt: skip
    doc = Document(path)
    assert {r.cells[0].text for r in doc.tables[0].rows[1:]} == {"Hậu Giang", "Hà Tĩnh"}
    assert any(t.startswith("Hà Tĩnh: Khả năng đạt mục tiêu thêm 20") for t in texts(doc))
    assert len(doc.inline_shapes) == 1


def test_sources_without_quote(tmp_path):
    data = pd.DataFrame([{**data_frame().iloc[0].to_dict(), "quote": float("nan")}])
    path = write_locality_report(
        tmp_path / "q.docx", targets=target_frame(), data=data, charts=[], meta=META, lang="vi"
    )
    assert "hau_giang_2022.md" in texts(Document(path))


def test_the_report_reads_top_down_like_a_planning_annex(tmp_path):
    doc = Document(write_full(tmp_path, charts=[fan_png(tmp_path)]))
    paragraphs = texts(doc)
    assert paragraphs[0] == "Báo cáo dự báo xây dựng nông thôn mới — Hậu Giang"
    assert paragraphs[1].startswith("Số liệu đến tháng 6/2023")
    assert paragraphs[2].startswith("7 mục tiêu sắp tới")  # the headline
    assert headings(doc) == [
        "Các mục tiêu sắp tới", "Khả năng đạt các mục tiêu", "Các mục tiêu đã qua",
        "Biểu đồ dự báo", "Kịch bản tốc độ", "Cảnh báo về số liệu", "Nguồn số liệu",
        "Phụ lục: kiểm định mô hình trên số liệu quá khứ",
    ]  # fmt: skip
    coming, past, what_if, checks = doc.tables
    assert (len(coming.rows), len(past.rows), len(what_if.rows)) == (1 + 7, 1 + 3, 1 + 5)
    assert [c.text for c in checks.rows[0].cells][:2] == ["Chỉ tiêu", "Mô hình"]
    appendix = paragraphs.index("Phụ lục: kiểm định mô hình trên số liệu quá khứ")
    assert paragraphs[appendix + 1].startswith("Mô hình được chạy lại từ số liệu")


def test_the_whatif_table_has_a_row_per_assessed_target_and_a_column_per_pace(tmp_path):
    what_if = Document(write_full(tmp_path)).tables[2]
    header = [c.text for c in what_if.rows[0].cells]
    assert header[3:] == ["Tốc độ × 0,8", "Tốc độ × 1", "Tốc độ × 1,5", "Hệ số tốc độ cần cho 80%"]
    # the five coming targets with a probability, most at risk first; none left blank
    assert len(what_if.rows) == 1 + 5
    assert [c.text for c in what_if.rows[1].cells[1:3]] == ["39/51 xã", "2022"]
    assert all(c.text for r in what_if.rows[1:] for c in r.cells)


def test_the_data_warnings_are_in_words(tmp_path):
    paragraphs = texts(Document(write_full(tmp_path)))
    start = paragraphs.index("Cảnh báo về số liệu")
    warnings = paragraphs[start + 1 : paragraphs.index("Nguồn số liệu")]
    assert warnings == hau_giang_warnings()
    assert any("116" in w and "66" in w for w in warnings)


def test_header_footer_and_properties(tmp_path):
    doc = Document(write_full(tmp_path))
    section = doc.sections[0]
    assert section.header.paragraphs[0].text == "Hậu Giang"
    footer = section.footer._element
    fields = [f.get(qn("w:instr")) for f in footer.iter(qn("w:fldSimple"))]
    assert fields == ["PAGE", "NUMPAGES"]
    assert section.footer.paragraphs[0]._p.xpath("string(.)") == "Trang 1/1"
    props = doc.core_properties
    assert props.author == props.last_modified_by == "ntm-forecast 0.1.0"
    assert props.title == "Báo cáo dự báo xây dựng nông thôn mới — Hậu Giang"
    assert props.created.replace(tzinfo=None) == datetime(2023, 6, 1)  # the data, not the clock
    assert props.modified == props.created and props.comments == ""
    with zipfile.ZipFile(write_full(tmp_path, name="app.docx")) as z:
        app = z.read("docProps/app.xml").decode()
    assert "<Application>ntm-forecast 0.1.0</Application>" in app
    assert "Microsoft" not in app and "Normal.dotm" not in app


def test_the_full_report_is_the_same_bytes_twice(tmp_path):
    png = fan_png(tmp_path)
    first = write_full(tmp_path, name="a.docx", charts=[png])
    assert first.read_bytes() == write_full(tmp_path, name="b.docx", charts=[png]).read_bytes()


def test_every_picture_fits_its_page(tmp_path):
    png = fan_png(tmp_path)
    assert assert_pictures_fit(Document(write_full(tmp_path, charts=[png, png]))) == 2
    one = summary_frame().iloc[[0]]
    summary = one.loc[one.index.repeat(40)].reset_index(drop=True)
    summary["locality"] = [f"loc_{i}" for i in range(40)]
    tall = target_overview_charts(summary, lang="vi", folder=tmp_path)  # 40 bars: 22 × 35 cm
    doc = Document(write_summary_report(tmp_path / "s.docx", summary=summary, charts=tall,
                                        meta={}, lang="vi"))  # fmt: skip
    assert assert_pictures_fit(doc) == 1
    landscape, portrait = doc.sections  # the tables wide, the chart tall
    assert landscape.page_width > landscape.page_height
    assert portrait.page_height > portrait.page_width
    (inline, _), = pictures_and_sections(doc)  # fmt: skip
    # as tall as the page allows, less a line: not the 17 cm of a landscape page
    assert int(inline.find(qn("wp:extent")).get("cy")) > usable_box(landscape)[1]


def test_targets_none_of_which_can_be_assessed_get_a_sentence_not_empty_tables(tmp_path):
    # no figures, not modelled; and past ones
    doc = Document(write_full(tmp_path, rows=[5, 6, 7, 8, 9]))
    paragraphs = texts(doc)
    assert (
        "Chưa đánh giá được khả năng đạt của mục tiêu nào trong 2 mục tiêu sắp tới: chưa đủ số "
        "liệu để dự báo; trong mô hình số xã đạt chuẩn không giảm, nên việc giữ vững 100% được "
        "giả định, không dự báo."
    ) in paragraphs
    assert "Mục tiêu 10 thôn (thôn đạt chuẩn NTM) năm 2023: Chưa đủ dữ liệu." in paragraphs
    (past,) = doc.tables[:-1]  # the past targets, then the appendix; no coming or what-if
    assert [c.text for c in past.rows[0].cells][-1] == "Kết quả"
    assert "Kịch bản tốc độ" not in headings(doc)


def test_no_coming_target_is_said_once(tmp_path):
    doc = Document(write_full(tmp_path, rows=[7, 8, 9]))
    assert texts(doc).count("Không có mục tiêu nào sắp tới.") == 1
    assert "Các mục tiêu sắp tới" not in headings(doc)
    assert len(doc.tables) == 2  # past targets and the appendix
