import pandas as pd
from docx import Document
from export_fixtures import META, data_frame, fan_png, summary_frame, target_frame

from ntm_forecast.i18n.numbers import fmt_number, fmt_percent
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
