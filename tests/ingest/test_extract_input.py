"""`ntm-forecast extract` on careless or hostile input (issue 20): bounded time on long runs of
figures, HTML pages, monthly amounts."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ntm_forecast.ingest.extract import MAX_SENTENCE, _bounded, extract, page_text

REPEATED = "".join(f"{10 + i % 90} xã " for i in range(3500))  # 21 kB, no full stop


def test_20_kb_of_repeated_figures_reads_in_bounded_time():
    """Before the fix each figure re-read the rest of the text: 8 kB took over 100 s. A
    generous limit: it measures the growth, not this machine (about 2 s here)."""
    assert len(REPEATED.encode()) > 20 * 1024
    code = (
        "import datetime as dt, sys\n"
        "from ntm_forecast.ingest.extract import extract\n"
        "extract(sys.stdin.read(), date=dt.date(2024, 1, 10))\n"
    )
    subprocess.run([sys.executable, "-c", code], input=REPEATED, text=True, check=True, timeout=10)


@pytest.mark.parametrize("length", [MAX_SENTENCE - 1, MAX_SENTENCE + 1, 5 * MAX_SENTENCE])
def test_a_long_run_is_cut_into_sentences_at_clause_marks(length):
    text = ("12 xã đạt chuẩn, " * length)[:length]
    pieces = _bounded(text, 0, len(text))
    assert pieces[0][0] == 0 and pieces[-1][1] == len(text)
    assert all(a == b for (_, a), (b, _) in zip(pieces, pieces[1:]))  # nothing lost
    assert all(b - a <= MAX_SENTENCE for a, b in pieces)
    assert all(text[b - 1] == "," for _, b in pieces[:-1])  # cut after a comma


PAGE = """<!DOCTYPE html>
<html><head><title>Bắc Kạn có thêm 6 xã đạt chuẩn nông thôn mới</title>
<script>var note = "Năm 2021 toàn tỉnh có 99 xã đạt chuẩn nông thôn mới";</script>
<style>.x { content: "Năm 2021 có 98 xã đạt chuẩn NTM"; }</style></head>
<body><nav>Trang chủ</nav>
<p>Năm 2021, toàn tỉnh Bắc Kạn có 21/96 xã đạt chuẩn nông thôn mới &amp; 2 xã đạt chuẩn
nông thôn mới nâng cao.</p></body></html>"""


def test_an_html_page_is_read_as_its_text_without_scripts_and_styles():
    draft = extract(PAGE)
    got = {(r["metric"], r["value"]) for r in draft.observations}
    assert got == {
        ("communes_ntm", 6),  # the title's, dated by the text's year
        ("communes_ntm", 21),
        ("communes_total", 96),
        ("communes_advanced", 2),  # its words go on after a line end of the HTML source
    }
    assert all("<" not in r["quote"] for r in draft.observations)
    assert "&" in page_text(PAGE) and "&amp;" not in page_text(PAGE)
    assert any("HTML page" in w for w in draft.warnings)


def test_a_monthly_income_is_converted_to_the_year_and_says_so():
    text = (
        "Năm 2023, thu nhập bình quân đầu người khu vực nông thôn đạt 1,5 triệu đồng/người/tháng."
    )
    (rec,) = extract(text).observations
    assert (rec["metric"], rec["value"]) == ("income_per_capita", 18)  # never 1.5 a year
    assert rec["note"].startswith("CONVERTED: 1.5 million_vnd a month × 12 = 18")
    yearly = text.replace("/người/tháng", "/người/năm")
    assert extract(yearly).observations[0]["value"] == 1.5
