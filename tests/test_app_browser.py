"""The web app (`ntm-forecast serve`, Voilà) in a real headless Chromium.

The server runs on a free local port over a temporary copy of params/, so the forms write
to the copy. The page loads with no error in the console; another locality and another pace
change the chart and the table; a figure from the form lands in the copy and moves the
probability; a bad one shows its reason and changes nothing; the Word and Excel downloads
open. With NTM_SCREENSHOTS=1 the page and the form are saved as docs/app-*.png for the guide.

Skipped when chromium or playwright is missing, unless NTM_REQUIRE_BROWSER=1 (CI sets it).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import docx
import openpyxl
import pytest
from browser_support import chromium, free_port, require, stop, wait_for

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
READY_TIMEOUT = 180.0  # generous: CI runs this on a loaded 2-core machine
CHANGE_TIMEOUT = 60.0
PROVINCE = "Tỉnh Điện Biên"
FIGURE = {
    "value": "36",
    "of": "42",
    "as_of": "2025-12-15",
    "source": "Báo cáo của Văn phòng điều phối NTM tỉnh",
    "quote": "36/42 xã đạt chuẩn",
}

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`ntm-forecast serve` over a copy of params/: (address, the copy, start time)."""
    require()
    root = tmp_path_factory.mktemp("app")
    params = root / "params"
    shutil.copytree(ROOT / "params", params)
    port = free_port()
    env = {**os.environ, "HOME": str(root), "JUPYTER_RUNTIME_DIR": str(root / "runtime")}
    exe = Path(sys.executable).parent / "ntm-forecast"
    log = open(root / "serve.log", "w")  # noqa: SIM115 (closed below)
    started = time.monotonic()
    proc = subprocess.Popen(
        [str(exe), "serve", "--port", str(port), "--params", str(params)],
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(
            lambda: (root / "serve.log").read_text().startswith(f"http://127.0.0.1:{port}/"),
            READY_TIMEOUT,
            "the address on the first line",
        )
        wait_for(
            lambda: socket.create_connection(("127.0.0.1", port), timeout=5).close() or True,
            READY_TIMEOUT,
            "Voilà to listen",
        )
        yield f"http://127.0.0.1:{port}/", params, started
    finally:
        stop(proc, log)


@pytest.fixture(scope="module")
def browser(server, tmp_path_factory):
    profile = tmp_path_factory.mktemp("chromium-profile")
    with chromium(profile, viewport={"width": 1300, "height": 1000}, accept_downloads=True) as c:
        yield c


def _open(browser, url: str):
    """A new page on the app, its console errors collected, once the headline shows."""
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, wait_until="domcontentloaded")
    page.locator(".ntm-header .ntm-headline").wait_for(timeout=READY_TIMEOUT * 1000)
    return page, errors


def _view(page) -> tuple[str, str, str]:
    """The charts' image data, the coming targets' table and the header."""
    charts = "".join(i.get_attribute("src") or "" for i in page.locator(".ntm-charts img").all())
    return (
        charts,
        page.locator(".ntm-targets").inner_text(),
        page.locator(".ntm-header").inner_text(),
    )


def _choose(page, name: str) -> None:
    box = page.locator(".ntm-locality input")
    box.fill(name)
    box.press("Enter")
    title = name.lower()  # the title reads "… — tỉnh Điện Biên"
    header = page.locator(".ntm-header")
    wait_for(lambda: title in header.inner_text().lower(), CHANGE_TIMEOUT, name)


def _screenshot(page, name: str, locator=None) -> None:
    if os.environ.get("NTM_SCREENSHOTS") == "1":
        (locator or page).screenshot(
            path=str(DOCS / name), **({} if locator else {"full_page": False})
        )


def test_the_page_loads_without_a_console_error(server, browser):
    url, _, started = server
    page, errors = _open(browser, url)
    ready = time.monotonic() - started
    print(f"first page ready {ready:.1f} s after the server started")
    assert "Khả năng đạt" in page.locator(".ntm-targets").inner_text()
    assert page.locator(".ntm-charts img").count() >= 1
    assert "import ntm_forecast" not in page.content()  # no code shown
    _screenshot(page, "app-trang-chinh.png")
    assert errors == []
    page.close()


def test_another_locality_and_pace_change_the_chart_and_table(server, browser):
    page, errors = _open(browser, server[0])
    before = _view(page)
    _choose(page, PROVINCE)
    there = wait_for(
        lambda: (v := _view(page))[0] != before[0] and v[1] != before[1] and v,
        CHANGE_TIMEOUT,
        "the chart and table of another locality",
    )
    readout = page.locator(".ntm-pace .widget-readout")
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("1.5")
    page.keyboard.press("Enter")
    wait_for(
        lambda: (v := _view(page))[0] != there[0] and v[1] != there[1],
        CHANGE_TIMEOUT,
        "the chart and table at a faster pace",
    )
    assert errors == []
    page.close()


def _fill(page, form: str, values: dict[str, str]) -> None:
    fields = page.locator(f".ntm-form-{form}")
    for i, name in enumerate(("value", "of", "as_of", "source")):
        fields.locator("input[type=text]").nth(i).fill(values[name])
    fields.locator("textarea").fill(values["quote"])
    fields.locator("button").click()


def _message(page, form: str) -> str:
    return page.locator(f".ntm-form-{form} .widget-html").last.inner_text()


def test_a_bad_figure_shows_why_and_changes_nothing(server, browser):
    _, params, _ = server
    page, errors = _open(browser, server[0])
    _choose(page, PROVINCE)
    before = (params / "dien_bien.yaml").read_bytes()
    table = _view(page)[1]
    _fill(page, "figure", {**FIGURE, "value": "12,5"})
    said = wait_for(lambda: _message(page, "figure"), CHANGE_TIMEOUT, "the form's message")
    assert "Giá trị: cần một số, nhận được '12,5'." in said
    assert "Chưa ghi gì" in said
    assert (params / "dien_bien.yaml").read_bytes() == before
    assert _view(page)[1] == table
    _screenshot(page, "app-them-so-lieu.png", page.locator(".ntm-form-figure"))
    assert errors == []
    page.close()


def test_a_figure_from_the_form_lands_in_the_copy_and_moves_the_probability(server, browser):
    _, params, _ = server
    page, errors = _open(browser, server[0])
    _choose(page, PROVINCE)
    table = _view(page)[1]
    _fill(page, "figure", FIGURE)
    said = wait_for(lambda: _message(page, "figure"), CHANGE_TIMEOUT, "the form's message")
    assert "Đã ghi vào" in said, said
    assert FIGURE["source"] in (params / "dien_bien.yaml").read_text(encoding="utf-8")
    wait_for(lambda: _view(page)[1] != table, CHANGE_TIMEOUT, "the table with the figure")
    assert errors == []
    page.close()


def test_the_word_and_excel_downloads_open(server, browser, tmp_path):
    page, errors = _open(browser, server[0])
    _choose(page, PROVINCE)
    page.locator("button", has_text="Tạo tệp Word").click()
    links = page.locator(".ntm-links a")
    wait_for(lambda: links.count() == 4, CHANGE_TIMEOUT, "the download links")
    for name in ("dien_bien_report.docx", "dien_bien_report.xlsx"):
        with page.expect_download() as download:
            links.filter(has_text=name).click()
        saved = tmp_path / name
        download.value.save_as(saved)
        if name.endswith(".docx"):
            assert any("Điện Biên" in p.text for p in docx.Document(saved).paragraphs)
        else:
            assert openpyxl.load_workbook(saved).sheetnames
    assert errors == []
    page.close()
