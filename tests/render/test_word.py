import pandas as pd
from docx import Document
from export_fixtures import META, data_frame, fan_png, summary_frame, target_frame

from ntm_forecast.render.word import target_sentence, write_locality_report, write_summary_report


def write(tmp_path, charts=(), lang="vi", name="r.docx"):
    return write_locality_report(
        tmp_path / name, targets=target_frame(), data=data_frame(), charts=list(charts),
        meta=META, lang=lang,
    )  # fmt: skip


def texts(doc):
    return [p.text for p in doc.paragraphs]


def test_sentence_from_the_results():
    row = target_frame().iloc[0]
    text = target_sentence(row, META["communes_total"], "vi")
    assert text.startswith("Khả năng đạt mục tiêu 39/51 xã (xã đạt chuẩn NTM) năm 2022: 70,6%")
    assert "(Có khả năng đạt)" in text
    assert "Dự báo trung vị 36 (khoảng 80%: 34–38)" in text
    english = target_sentence(row, None, "en")
    assert english.startswith("Probability of reaching 39 communes (NTM communes) in 2022: 70.6%")


def test_range_increment_missing_probability_and_past():
    rows = target_frame()
    assert "thêm 1–2 xã (xã đạt chuẩn NTM nâng cao) năm 2025: 23%" in target_sentence(
        rows.iloc[1], None, "vi"
    )
    missing = target_sentence(rows.iloc[2], None, "vi")
    assert missing == (
        "Mục tiêu 206.989,3 sản phẩm (sản phẩm OCOP (3 sao trở lên)) năm 2025: Chưa đủ dữ liệu."
    )
    past = rows.iloc[0].copy()
    past[["status", "probability"]] = ["missed", float("nan")]
    assert target_sentence(past, None, "vi").endswith("năm 2022: Không đạt.")


def test_report_headline_tables_pictures_and_sources(tmp_path):
    png = fan_png(tmp_path)
    doc = Document(write(tmp_path, charts=[png, png]))
    paragraphs = texts(doc)
    assert paragraphs[0] == "Báo cáo dự báo xây dựng nông thôn mới — Hậu Giang"
    assert paragraphs[2].startswith("3 mục tiêu sắp tới: 1 có khả năng đạt, 0 có nguy cơ")
    assert "hau_giang_2022.md: “33/51 xã đạt chuẩn NTM”" in paragraphs
    table = doc.tables[0]
    assert len(table.rows) == 1 + len(target_frame())
    cells = [c.text for c in table.rows[2].cells]
    assert cells[:6] == ["Hậu Giang", "Xã đạt chuẩn NTM", "39/51 xã", "2022", "70,6%",
                         "Có khả năng đạt"]  # fmt: skip
    assert table.rows[3].cells[2].text == "206.989,3 sản phẩm"
    assert table.rows[3].cells[4].text == ""  # nothing to say: an empty cell, not NaN
    assert table.rows[1].cells[1].text == "Xã đạt chuẩn NTM nâng cao"
    shading = table.rows[2].cells[5]._tc.xpath(".//w:shd/@w:fill")
    assert shading == ["C6EFCE"]
    assert len(doc.inline_shapes) == 2


def test_english_report_and_identical_bytes(tmp_path):
    doc = Document(write(tmp_path, lang="en"))
    assert texts(doc)[0] == "New Rural Development forecast report — Hậu Giang"
    assert doc.tables[0].rows[2].cells[4].text == "70.6%"
    assert len(doc.inline_shapes) == 0
    a, b = write(tmp_path, name="a.docx"), write(tmp_path, name="b.docx")
    assert a.read_bytes() == b.read_bytes()


def test_summary_report(tmp_path):
    path = write_summary_report(
        tmp_path / "s.docx", summary=summary_frame(), charts=[fan_png(tmp_path)], meta={},
        lang="vi", names={"Hà Tĩnh": "Hà Tĩnh"},
    )  # fmt: skip
    doc = Document(path)
    assert [r.cells[0].text for r in doc.tables[0].rows][2] == "Hà Tĩnh"
    assert any(t.startswith("Hà Tĩnh: Khả năng đạt mục tiêu thêm 20") for t in texts(doc))
    assert len(doc.inline_shapes) == 1


def test_sources_without_quote(tmp_path):
    data = pd.DataFrame([{**data_frame().iloc[0].to_dict(), "quote": float("nan")}])
    path = write_locality_report(
        tmp_path / "q.docx", targets=target_frame(), data=data, charts=[], meta=META, lang="vi"
    )
    assert "hau_giang_2022.md" in texts(Document(path))
