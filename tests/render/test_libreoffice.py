"""The Word and Excel files as LibreOffice opens them: converted to PDF (`soffice --headless
--convert-to pdf`), a sane number of pages, every text inside its page, nothing cut.

End to end on two real localities of params/ (Cần Thơ since 1 July 2025: a unit with a chart,
a what-if and English quotes; Thái Nguyên: long quotes with notes, many sources) and the
summary of both. Needs Debian's libreoffice-writer-nogui and libreoffice-calc-nogui; skipped
without `soffice` unless NTM_REQUIRE_BROWSER is set (CI sets it and installs them)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from docx import Document
from openpyxl import load_workbook

from ntm_forecast.render import report
from ntm_forecast.render.export import export_summary
from ntm_forecast.render.tables import in_words

pypdf = pytest.importorskip("pypdf")
from pypdf.generic import ContentStream  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
LOCALITIES = ("can_tho_2025", "thai_nguyen")
SOFFICE = shutil.which("soffice")
CONVERT_SECONDS = 600  # a cold first start on a shared machine
MAX_PAGES = 20

if SOFFICE is None and not os.environ.get("NTM_REQUIRE_BROWSER"):
    pytest.skip(
        "soffice (LibreOffice) is not installed; `apt-get install libreoffice-writer-nogui "
        "libreoffice-calc-nogui`, or set NTM_REQUIRE_BROWSER=1 to make this a failure",
        allow_module_level=True,
    )


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """name → (the file as written, its PDF as LibreOffice prints it)."""
    assert SOFFICE, "NTM_REQUIRE_BROWSER is set but soffice is not installed"
    out = tmp_path_factory.mktemp("office")
    files, summaries, names = [], [], {}
    for slug in LOCALITIES:
        rep = report.build(ROOT / "params" / f"{slug}.yaml", n_paths=500, seed=0)
        rep.write(out / slug, formats=("xlsx", "docx", "png"))
        for ext in ("docx", "xlsx"):  # one folder: the PDF is named by the file's stem
            files.append((out / slug / f"report.{ext}").rename(out / f"{slug}_{ext}.{ext}"))
        summaries.append(in_words(rep.targets, "vi"))
        names[slug] = rep.meta()["locality"]
    meta = {"data_as_of": (2026, 2), "version": report.__version__}
    export_summary(
        pd.concat(summaries, ignore_index=True), formats=("docx", "xlsx"), output_dir=out,
        meta=meta, names=names, all_targets=True,
    )  # fmt: skip
    files += [out / "summary.docx", out / "summary.xlsx"]
    files[-1] = files[-1].rename(out / "summary_xlsx.xlsx")
    pdf = out / "pdf"
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation={(out / 'profile').as_uri()}", "--headless",
         "--convert-to", "pdf", "--outdir", str(pdf), *map(str, files)],
        check=True, capture_output=True, timeout=CONVERT_SECONDS,
    )  # fmt: skip
    return {f.name: (f, pdf / f"{f.stem}.pdf") for f in files}


def text_runs(page):
    """(x where it starts, x where it ends, y, text) of every text the page shows.

    pypdf's layout-mode internals place each run with its font's widths (its public text
    extraction gives no positions); a change there fails here, not silently."""
    from pypdf._text_extraction._layout_mode import _fixed_width_page as layout
    from pypdf._text_extraction._layout_mode._text_state_manager import TextStateManager

    fonts = page._layout_mode_fonts()
    ops = iter(ContentStream(page["/Contents"].get_object(), page.pdf, "bytes").operations)
    state, shown = TextStateManager(), []
    for operands, op in ops:
        if op in (b"BT", b"q"):
            end = b"ET" if op == b"BT" else b"Q"
            shown += layout.recurse_to_target_op(ops, state, end, fonts, False)[1]
        elif op == b"Tf":
            layout.set_font_operation(state, fonts, operands)
        else:
            state.set_state_param(op, operands)
    return [(t.tx, t.displaced_tx, t.ty, t.text) for t in shown if t.text.strip()]


def squeeze(text: str) -> str:
    """Without white space: a PDF breaks lines where the file has spaces."""
    return re.sub(r"\s+", "", text)


def pages_and_body(pdf: Path, margins: tuple[float, float] = (0.0, 0.0)):
    """The pages, after checking that every text starts and ends inside its page; and the
    text between the top and bottom margins (points), the header and footer left out."""
    pages = pypdf.PdfReader(pdf).pages
    body = []
    for i, page in enumerate(pages, start=1):
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        for start, end, y, text in text_runs(page):
            assert start >= -0.5 and end <= width + 0.5 and 0 <= y <= height, (
                f"{pdf.name} page {i}: {text!r} at x {start:.0f}–{end:.0f}, y {y:.0f} "
                f"on a page of {width:.0f} × {height:.0f}"
            )
            if margins[1] <= y <= height - margins[0]:
                body.append(text)
    return pages, squeeze("".join(body))


@pytest.mark.parametrize("name", [f"{s}_docx.docx" for s in LOCALITIES] + ["summary.docx"])
def test_a_word_file_prints_whole_with_its_page_numbers(converted, name):
    path, pdf = converted[name]
    doc = Document(path)
    section = doc.sections[0]
    margins = (section.top_margin.pt, section.bottom_margin.pt)
    pages, body = pages_and_body(pdf, margins)
    n = len(pages)
    assert 2 <= n <= MAX_PAGES
    # 'Trang X/Y' filled in by LibreOffice on every page, and the header there too
    header = squeeze(section.header.paragraphs[0].text)
    for i, page in enumerate(pages, start=1):
        text = squeeze(page.extract_text())
        assert f"Trang{i}/{n}" in text and header in text, (name, i)
    shown = [p.text for p in doc.paragraphs]
    shown += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    cut = [t for t in shown if squeeze(t) not in body]
    assert cut == [], f"{name}: not printed whole: {cut[:3]}"


@pytest.mark.parametrize("name", [f"{s}_xlsx.xlsx" for s in LOCALITIES] + ["summary_xlsx.xlsx"])
def test_a_workbook_prints_one_page_wide_and_whole(converted, name):
    path, pdf = converted[name]
    workbook = load_workbook(path)
    pages, printed = pages_and_body(pdf)
    # every sheet is printed, none is split across pages sideways (they were 44 pages)
    assert len(workbook.worksheets) <= len(pages) <= 2 * len(workbook.worksheets)
    cells = [
        (ws.title, c.coordinate, c.value)
        for ws in workbook.worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str)
    ]
    cut = [cell for cell in cells if squeeze(cell[2]) not in printed]
    assert cut == [], f"{name}: cells not printed whole: {cut[:3]}"
