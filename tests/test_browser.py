"""Both notebooks in JupyterLab, driven in a real headless Chromium.

JupyterLab is started on a free local port (no token) over a copy of the notebooks and a
small params folder; Debian's `chromium` is driven by the `playwright` package (no browser
download). The notebooks run every cell without an error output; in explore.ipynb the
locality dropdown and the pace slider change the chart and the target table.

Skipped when chromium or playwright is missing, unless NTM_REQUIRE_BROWSER=1 (CI sets it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from browser_support import chromium, free_port, require, stop, wait_for

ROOT = Path(__file__).resolve().parent.parent
# Generous: CI runs this on a loaded 2-core machine.
START_TIMEOUT = 180.0
RUN_TIMEOUT = 420.0
CHANGE_TIMEOUT = 180.0
# Two localities with coming targets that a pace moves (the notebooks open Điện Biên).
FIXTURE_PARAMS = ("vietnam.yaml", "dien_bien.yaml")

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server over a copy of notebooks/ and three params files."""
    require()
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    (root / "params").mkdir()
    for name in FIXTURE_PARAMS:
        shutil.copy(ROOT / "params" / name, root / "params" / name)
    home = root / "home"
    home.mkdir()
    # Every cell in the page: JupyterLab 4 otherwise renders only the cells on screen, and the
    # report puts its targets at the top, far from where "run all" leaves the view.
    tracker = home / "settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    port = free_port()
    env = {
        **os.environ,
        "HOME": str(home),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "MPLBACKEND": "Agg",
    }
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        f"--port={port}",
        "--ip=127.0.0.1",
        "--ServerApp.port_retries=0",
        "--IdentityProvider.token=",
        "--ServerApp.password=",
        f"--ServerApp.root_dir={root}",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        f"--LabApp.user_settings_dir={home / 'settings'}",
        f"--LabApp.workspaces_dir={home / 'workspaces'}",
        "--LabApp.extension_manager=readonly",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # CI containers run as root
    log = open(root / "lab.log", "w")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"

    def up():
        if proc.poll() is not None:
            raise AssertionError(f"jupyter lab exited: {(root / 'lab.log').read_text()[-2000:]}")
        with urllib.request.urlopen(f"{url}/api/status", timeout=5) as r:
            return r.status == 200

    try:
        wait_for(up, START_TIMEOUT, "JupyterLab to answer")
        yield url, root
    finally:
        stop(proc, log)


@pytest.fixture(scope="module")
def browser(lab, tmp_path_factory):
    profile = tmp_path_factory.mktemp("chromium-profile")
    with chromium(profile, viewport={"width": 1400, "height": 1000}) as context:
        yield context


# JavaScript run in the page; `window.jupyterapp` is there by expose_app_in_browser.
JS_STATE = """(path) => {
  const app = window.jupyterapp;
  if (!app) return null;
  let w = null;
  for (const x of app.shell.widgets('main')) {
    if (x.context && x.context.path === path) w = x;
  }
  if (!w || !w.content || !w.content.model || !w.sessionContext) return null;
  const kernel = w.sessionContext.session && w.sessionContext.session.kernel;
  const cells = w.content.model.cells;
  const out = {kernel: kernel ? kernel.status : null, code: 0, done: 0, errors: []};
  for (let i = 0; i < cells.length; i++) {
    const c = cells.get(i);
    if (c.type !== 'code') continue;
    out.code += 1;
    if (c.executionCount) out.done += 1;
    for (let j = 0; j < c.outputs.length; j++) {
      const o = c.outputs.get(j).toJSON();
      if (o.output_type === 'error') out.errors.push(o.ename + ': ' + o.evalue);
    }
  }
  return out;
}"""


JS_RUN_ALL = """(path) => {
  const app = window.jupyterapp;
  for (const x of app.shell.widgets('main')) {
    if (x.context && x.context.path === path) app.shell.activateById(x.id);
  }
  app.commands.execute('notebook:run-all-cells');
}"""


def _open_and_run(page, url: str, notebook: str) -> dict:
    # A workspace of its own, reset: only this notebook is open in the page.
    stem = notebook.removesuffix(".ipynb")
    page.goto(
        f"{url}/lab/workspaces/{stem}/tree/notebooks/{notebook}?reset",
        wait_until="domcontentloaded",
    )
    path = f"notebooks/{notebook}"

    def state():
        return page.evaluate(JS_STATE, path)

    wait_for(
        lambda: (s := state()) and s["kernel"] == "idle" and s,
        START_TIMEOUT,
        f"{notebook} to open with an idle kernel",
    )
    page.evaluate(JS_RUN_ALL, path)
    return wait_for(
        lambda: (
            (s := state())
            and (s["errors"] or (s["done"] == s["code"] and s["kernel"] == "idle"))
            and s
        ),
        RUN_TIMEOUT,
        f"every cell of {notebook} to run",
        interval=1.0,
    )


def test_locality_report_runs_every_cell_without_an_error(lab, browser):
    url, _ = lab
    page = browser.new_page()
    state = _open_and_run(page, url, "locality_report.ipynb")
    assert state["errors"] == [], state["errors"]
    assert state["done"] == state["code"]
    # the planner's tables are there, in Vietnamese, and no NaN leaks into them
    tables = page.locator("table.ntm-table")
    assert tables.count() >= 3
    text = page.locator(".jp-Notebook").inner_text()
    assert "Các mục tiêu sắp tới" in text and "Khả năng đạt" in text
    for leak in ("NaN", "<NA>", "None"):
        assert leak not in tables.first.inner_text()
    assert page.locator(".jp-OutputArea-output img").count() >= 1
    page.close()


def _explain(page) -> str:
    """What the explorer's output shows, for a failure message."""
    try:
        return page.locator(".widget-output, .jupyter-widgets-output-area").last.inner_text()[:3000]
    except Exception as exc:  # the page itself is gone
        return repr(exc)


def _view(page) -> tuple[str, str]:
    """The explorer's interactive output: its charts' image data and the target table."""
    area = page.locator(".widget-output, .jupyter-widgets-output-area").last
    # every chart's image data: some metrics (a province at 100%) do not move with pace
    img = "".join(i.get_attribute("src") or "" for i in area.locator("img").all())
    table = area.locator("table.ntm-table").first.inner_text()
    return img, table


def test_explore_dropdown_and_slider_change_the_chart_and_table(lab, browser):
    url, _ = lab
    page = browser.new_page()
    state = _open_and_run(page, url, "explore.ipynb")
    assert state["errors"] == [], state["errors"]
    select = page.locator(".widget-dropdown select").first
    select.wait_for(state="visible", timeout=120_000)
    before = wait_for(lambda: all(_view(page)) and _view(page), CHANGE_TIMEOUT, "the view")

    options = select.locator("option").all_inner_texts()
    current = select.input_value()
    values = [o.get_attribute("value") for o in select.locator("option").all()]
    assert len(options) == len(FIXTURE_PARAMS) >= 2
    other = next(i for i, v in enumerate(values) if v != current)
    select.select_option(index=other)
    after_locality = wait_for(
        lambda: (v := _view(page))[0] != before[0] and v[1] != before[1] and all(v) and v,
        CHANGE_TIMEOUT,
        "the chart and table of another locality",
    )

    # The slider's readout takes a typed value, as a user may do.
    readout = page.locator(".widget-slider .widget-readout").first
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("1.5")
    page.keyboard.press("Enter")
    wait_for(lambda: readout.inner_text().strip() == "1.5", 30, "the slider to read 1.5")
    try:
        wait_for(
            lambda: (
                (v := _view(page))[0] != after_locality[0] and v[1] != after_locality[1] and all(v)
            ),
            CHANGE_TIMEOUT,
            "the chart and table at a faster pace",
        )
    except AssertionError as exc:
        raise AssertionError(f"{exc}\nthe view shows:\n{_explain(page)}") from None
    state = page.evaluate(JS_STATE, "notebooks/explore.ipynb")
    assert state["errors"] == [], state["errors"]
    page.close()
