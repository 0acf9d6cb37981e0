"""The locality report reads in one language, and text from params files stays text.

Built on a small folder (the national file and Hậu Giang), not the whole of params/.
"""

from __future__ import annotations

import html
import re
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from docx import Document
from openpyxl import load_workbook

from ntm_forecast.domain.history import newest_figure
from ntm_forecast.render import report
from ntm_forecast.render.sources import source_title, split_quote

ROOT = Path(__file__).resolve().parents[2]
N_PATHS = 400

# Common English words that have no place in a Vietnamese report (whole words, any case).
ENGLISH = set(
    [
        "the",
        "of",
        "and",
        "is",
        "not",
        "are",
        "from",
        "for",
        "with",
        "this",
        "that",
        "target",
        "targets",
        "commune",
        "communes",
        "probability",
        "year",
        "years",
        "stated",
        "total",
        "base",
        "likely",
        "risk",
        "unlikely",
        "history",
        "insufficient",
        "plus",
        "forecast",
        "median",
        "pace",
        "data",
        "note",
        "warning",
        "warnings",
        "met",
        "missed",
        "outcome",
        "unknown",
        "past",
        "coming",
        "needed",
        "recent",
        "interval",
        "source",
        "sources",
        "chart",
        "model",
        "value",
        "level",
        "share",
        "added",
        "estimate",
        "actual",
        "more",
        "products",
        "criteria",
        "progress",
        "track",
        "fair",
        "limited",
        "deterioration",
        "none",
        "nan",
        "already",
        "reached",
        "uses",
        "row",
        "floor",
        "origin",
        "after",
        "before",
        "starts",
        "falls",
        "values",
    ]
)
VIETNAMESE_LETTERS = re.compile(
    "[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]", re.IGNORECASE
)


def _folder(tmp_path: Path, name: str | None = None) -> Path:
    folder = tmp_path / "params"
    folder.mkdir()
    shutil.copy(ROOT / "params" / "vietnam.yaml", folder / "vietnam.yaml")
    text = (ROOT / "params" / "hau_giang.yaml").read_text(encoding="utf-8")
    if name is not None:
        text = text.replace("name: Hậu Giang\n", f"name: '{name}'\n", 1)
    (folder / "hau_giang.yaml").write_text(text, encoding="utf-8")
    return folder / "hau_giang.yaml"


def _shown(rep, monkeypatch) -> list[str]:
    """Every HTML block the notebook would display."""
    blocks: list = []
    monkeypatch.setattr(report, "_display", blocks.append)
    rep.show_header()
    rep.show_data()
    rep.show_warnings()
    rep.show_targets()
    rep.show_whatif()
    rep.show_backtest()
    return [b for b in blocks if isinstance(b, str)]


def _plain(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


def _data_text(rep) -> list[str]:
    """Names, quotes, sources and notes of the params file: data, in whatever language."""
    loc = rep.locality
    out = [loc.name, f"ntm-forecast {report.__version__}"]
    for item in [*loc.observations, *loc.targets]:
        quote, notes = split_quote(item.quote)
        out += [item.quote, quote, *notes, source_title(item.source), item.note or ""]
    return sorted({t for t in out if t}, key=len, reverse=True)


def _without_data(text: str, rep) -> str:
    for t in _data_text(rep):
        text = text.replace(t, " ")
    return re.sub(r"“[^”]*”", " ", text)  # a metric known only by its code is quoted


def _documents(rep, out: Path) -> str:
    rep.write(out, formats=("xlsx", "docx"))
    doc = Document(out / "report.docx")
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for r in t.rows for c in r.cells]
    first = load_workbook(out / "report.xlsx").worksheets[0]
    parts += [str(c.value) for row in first.iter_rows() for c in row if c.value is not None]
    return "\n".join(parts)


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    path = _folder(tmp_path_factory.mktemp("lang"))
    return {lang: report.build(path, n_paths=N_PATHS, seed=0, lang=lang) for lang in ("vi", "en")}


def test_no_english_word_in_a_vietnamese_report(reports, monkeypatch, tmp_path):
    rep = reports["vi"]
    text = "\n".join(_plain(b) for b in _shown(rep, monkeypatch))
    text += "\n" + _documents(rep, tmp_path)
    assert "Các mục tiêu đã qua" in text and "Cảnh báo về số liệu" in text
    words = {w.lower() for w in re.findall(r"[A-Za-z]+", _without_data(text, rep))}
    assert sorted(words & ENGLISH) == []


def test_no_vietnamese_label_in_an_english_report(reports, monkeypatch, tmp_path):
    rep = reports["en"]
    text = "\n".join(_plain(b) for b in _shown(rep, monkeypatch))
    text += "\n" + _documents(rep, tmp_path)
    assert "Past targets" in text and "Data warnings" in text
    left = _without_data(text, rep)
    found = sorted({m.group(0) for m in VIETNAMESE_LETTERS.finditer(left)})
    context = [
        left[max(0, m.start() - 30) : m.end() + 30] for m in VIETNAMESE_LETTERS.finditer(left)
    ]
    assert found == [], context[:5]


def test_no_nan_none_or_index_in_what_the_notebook_shows(reports, monkeypatch):
    for block in _shown(reports["vi"], monkeypatch):
        cells = re.findall(r"<td[^>]*>([^<]*)</td>", block)
        assert not {"nan", "NaN", "<NA>", "None", "&lt;NA&gt;"} & set(cells)
        assert "…" not in block


HOSTILE_HTML = "Hậu Giang <img src=x onerror=alert(1)>"
HOSTILE_FORMULA = '=HYPERLINK("http://example.com","bấm")'


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    out = {}
    for key, name in (("html", HOSTILE_HTML), ("formula", HOSTILE_FORMULA)):
        path = _folder(tmp_path_factory.mktemp(key), name=name)
        out[key] = report.build(path, n_paths=N_PATHS, seed=0, lang="vi")
    return out


def test_a_name_with_html_stays_text_in_the_notebook(hostile, monkeypatch):
    blocks = _shown(hostile["html"], monkeypatch)
    joined = "\n".join(blocks)
    assert "<img" not in joined and "onerror=" not in joined.replace("onerror=alert", "")
    assert "Hậu Giang &lt;img src=x onerror=alert(1)&gt;" in joined
    shown = hostile["html"].forecast._repr_html_()  # `rep.forecast` alone in a cell
    assert "<img" not in shown and "&lt;img" in shown


def test_a_name_with_html_stays_text_in_word(hostile, tmp_path):
    rep = hostile["html"]
    rep.write(tmp_path, formats=("docx",))
    xml = zipfile.ZipFile(tmp_path / "report.docx").read("word/document.xml").decode()
    assert "<img" not in xml and "&lt;img src=x onerror=alert(1)&gt;" in xml


def test_a_formula_name_is_never_a_live_formula(hostile, tmp_path):
    rep = hostile["formula"]
    rep.write(tmp_path, formats=("xlsx", "csv", "docx"))
    wb = load_workbook(tmp_path / "report.xlsx")
    for ws in wb.worksheets:
        a1 = ws["A1"]  # the data date first, then the name: text either way
        assert a1.data_type == "s" and a1.value.startswith("Số liệu đến tháng")
        assert HOSTILE_FORMULA in a1.value
    with zipfile.ZipFile(tmp_path / "report.xlsx") as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets and not any("<f>" in z.read(n).decode() for n in sheets)
    # The name in a table's rows too (a former province since 2025: its targets are all past).
    named = [
        c
        for ws in wb.worksheets
        for row in ws.iter_rows(min_row=3)
        for c in row
        if isinstance(c.value, str) and HOSTILE_FORMULA in c.value
    ]
    assert named and all(c.data_type == "s" for c in named)
    xml = zipfile.ZipFile(tmp_path / "report.docx").read("word/document.xml").decode()
    assert "=HYPERLINK(&quot;" in xml or '=HYPERLINK("' in xml


def test_the_targets_are_codes_and_their_files_speak_the_reports_language(reports, tmp_path):
    tables = {}
    for lang, rep in reports.items():
        assert "status_label" not in rep.targets and "note" not in rep.targets
        assert all(isinstance(notes, tuple) for notes in rep.targets["notes"])
        rep.write(tmp_path / lang, formats=("csv",))
        tables[lang] = pd.read_csv(tmp_path / lang / "targets.csv", encoding="utf-8-sig")
    vi, en = tables["vi"], tables["en"]
    assert list(vi["status"]) == list(en["status"])
    vi_notes = _without_data(" ".join(vi["note"].dropna()), reports["vi"])
    assert "năm mục tiêu đã qua" in vi_notes
    assert sorted({w.lower() for w in re.findall(r"[A-Za-z]+", vi_notes)} & ENGLISH) == []
    en_notes = _without_data(" ".join(en["note"].dropna()), reports["en"])
    assert "target year already past" in en_notes
    assert not VIETNAMESE_LETTERS.search(en_notes)


def test_every_document_says_first_when_its_newest_figure_is(reports, monkeypatch, tmp_path):
    rep = reports["vi"]
    year, month = newest_figure(rep.locality)
    stamp = f"Số liệu đến tháng {month}/{year}"
    assert stamp in _shown(rep, monkeypatch)[1]  # the notebook, under the name
    rep.write(tmp_path, formats=("xlsx", "docx"))
    first = [p.text for p in Document(tmp_path / "report.docx").paragraphs if p.text][:2]
    assert first[1].startswith(stamp)  # the Word file, under the title
    wb = load_workbook(tmp_path / "report.xlsx")
    assert all(ws["A1"].value.startswith(stamp) for ws in wb.worksheets)


def test_hau_giangs_past_targets_read_as_its_own_figures_settle_them(reports):
    rep = reports["vi"]
    t = rep.targets
    # 35/51 by 2020 against its own 32 at the end of 2020: a miss, not "chưa rõ"
    ntm = t[t.metric == "communes_ntm"]
    assert list(ntm[ntm.target_value == 35].status) == ["missed"]
    # "thêm 3 xã", "39/51 xã", "76,47% số xã" of 2022: one row, the others in its note
    of_2022 = ntm[ntm.target_year == 2022]
    assert list(of_2022.target_kind) == ["level"]
    past = rep.past_table().frame
    row = past[(past.iloc[:, 2] == "35/51 xã") & (past.iloc[:, 3] == "2020")]
    assert list(row.iloc[:, 4]) == ["Không đạt"]


COMING_TARGETS = """- metric: ocop_total
  year: 2026
  kind: level
  value: 200
  source: plan.txt
  quote: 200 sản phẩm OCOP
- metric: communes_ntm
  year: 2027
  kind: level
  value: 60
  source: plan.txt
  quote: 60 xã
"""


@pytest.fixture(scope="module")
def with_coming(tmp_path_factory):
    """Hậu Giang with two coming targets: one scored, one it cannot be (merged in 2025)."""
    path = _folder(tmp_path_factory.mktemp("coming"))
    text = path.read_text(encoding="utf-8").replace("targets:\n", "targets:\n" + COMING_TARGETS)
    path.write_text(text, encoding="utf-8")
    return report.build(path, n_paths=N_PATHS, seed=0)


def _notebook_calls() -> list[str]:
    """The `rep.show_*()` calls of the locality notebook, in its cell order."""
    import nbformat

    nb = nbformat.read(ROOT / "notebooks" / "locality_report.ipynb", as_version=4)
    source = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    return re.findall(r"rep\.(show_\w+)\(\)", source)


def test_the_notebook_reads_top_down_like_a_planning_annex(with_coming, monkeypatch):
    blocks: list = []
    monkeypatch.setattr(report, "_display", blocks.append)
    for call in _notebook_calls():
        getattr(with_coming, call)()
    text = [b if isinstance(b, str) else "<img>" for b in blocks]
    headings = [_plain(b).strip() for b in text if re.match(r"<h\d>", b)]
    assert headings == [
        "Báo cáo dự báo xây dựng nông thôn mới — tỉnh Hậu Giang (đến 30/6/2025)",
        "Đánh giá khả năng đạt mục tiêu",
        "Các mục tiêu sắp tới",
        "Các mục tiêu đã qua",
        "Biểu đồ dự báo",
        "Kịch bản tốc độ",
        "Cảnh báo về số liệu",
        "Số liệu và nguồn",
        "Phụ lục: kiểm định mô hình trên số liệu quá khứ",
    ]
    at = {h: i for i, h in enumerate(_plain(b).strip() for b in text)}
    # the data date, what the probability rests on and the headline come before the targets
    assert at[with_coming.headline()] < at["Các mục tiêu sắp tới"]
    assert text.index("<img>") > at["Biểu đồ dự báo"] > at["Các mục tiêu sắp tới"]
    # the appendix: one plain sentence of what its table means, then the table
    assert len(with_coming.backtest)
    after = _plain(text[at[headings[-1]] + 1])
    assert "số nhỏ hơn 1 nghĩa là mô hình dự báo sát hơn cách ngoại suy đơn giản" in after
    assert text[-1].startswith('<table class="ntm-table"')


def test_every_coming_target_says_why(with_coming):
    for lang, header in (("vi", "Lý do"), ("en", "Why")):
        rep = report.Report(with_coming.session, with_coming.forecast, lang)
        frame = rep.coming_table().frame
        assert len(frame) == 2 and all(frame[header].str.len() > 0)
    why = with_coming.coming_table().frame["Lý do"].tolist()
    assert why[0].startswith("cần 25 sản phẩm/năm, gần đây bình quân")  # (200 − 175) in 2026
    assert why[1].startswith("đã sáp nhập vào")  # why it has no probability


def _blocks(rep, monkeypatch, *calls) -> list[str]:
    blocks: list = []
    monkeypatch.setattr(report, "_display", blocks.append)
    for call in calls:
        getattr(rep, call)()
    return [_plain(b).strip() for b in blocks if isinstance(b, str)]


def test_no_coming_target_is_said_once_and_no_table_is_empty(reports, monkeypatch):
    rep = reports["vi"]  # Hậu Giang merged on 1 July 2025: every target is past
    shown = _blocks(rep, monkeypatch, "show_header", "show_targets", "show_whatif")
    assert shown.count("Không có mục tiêu nào sắp tới.") == 1
    assert "Các mục tiêu sắp tới" not in shown and "Kịch bản tốc độ" not in shown


def test_coming_targets_none_of_which_can_be_assessed_get_a_sentence(with_coming, monkeypatch):
    rep = report.Report(with_coming.session, with_coming.forecast, "vi")
    unassessed = with_coming.targets["probability"].isna()
    rep.__dict__["targets"] = with_coming.targets[unassessed].reset_index(drop=True)
    rep.__dict__["whatif"] = with_coming.whatif[with_coming.whatif["probability"].isna()]
    blocks: list = []
    monkeypatch.setattr(report, "_display", blocks.append)
    rep.show_targets()
    rep.show_whatif()
    tables = [b for b in blocks if isinstance(b, str) and "<table" in b]
    shown = [_plain(b).strip() for b in blocks if isinstance(b, str)]
    assert any(s.startswith("Chưa đánh giá được khả năng đạt của mục tiêu nào") for s in shown)
    assert any("đã sáp nhập vào" in s for s in shown)  # the reason, in the sentence
    assert all("<tbody></tbody>" not in t for t in tables)
    assert "Kịch bản tốc độ" not in shown


def test_the_notebook_names_the_place_as_word_and_excel_do(with_coming):
    frame = with_coming.coming_table().frame
    assert set(frame["Địa phương"]) == {"tỉnh Hậu Giang (đến 30/6/2025)"}
    assert with_coming.meta()["locality"] == "tỉnh Hậu Giang (đến 30/6/2025)"
