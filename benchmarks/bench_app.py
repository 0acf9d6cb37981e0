"""Speed of the web app (issue 21). Run: `python benchmarks/bench_app.py [--params DIR]`.

1. What `ntm-forecast serve` does once: load and pool the folder, save the session.
2. What a page does when it opens: load that session, draw the first locality.
3. A change of locality (each of the provinces since 1 July 2025, first visit) and of pace
   (0.5 to 2.0 on one locality): the seconds of `Page.redraw`, the pool never refitted.
4. The server from its start to the first page served (`ntm-forecast serve` on a free port,
   until GET / answers with the executed notebook); the widgets then draw in the browser
   (tests/test_app_browser.py measures the page until its headline shows).
Goals: a redraw under 1 s, the first page under 10 s.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MPLBACKEND", "Agg")

from ntm_forecast.app import App, Page  # noqa: E402
from ntm_forecast.engine.session import open_session  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_start(params: Path) -> float:
    port = _free_port()
    exe = Path(sys.executable).parent / "ntm-forecast"
    started = time.perf_counter()
    proc = subprocess.Popen(
        [str(exe), "serve", "--port", str(port), "--params", str(params)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while time.perf_counter() - started < 120:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=60) as r:
                    if r.status == 200 and b"widget-view+json" in r.read():
                        return time.perf_counter() - started
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the server did not answer in 120 s")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", type=Path, default=ROOT / "params")
    args = parser.parse_args()
    folder = args.params.resolve()

    with tempfile.TemporaryDirectory() as scratch:
        t = time.perf_counter()
        open_session([folder]).save(Path(scratch) / "session.pickle")
        pooled = time.perf_counter() - t

        t = time.perf_counter()
        app = App(folder, session_file=Path(scratch) / "session.pickle").fit()
        page = Page(app)
        opened = time.perf_counter() - t

    provinces = list(app.choices_)[:34]
    localities = []
    for name in provinces[1:]:
        page.locality.value = name
        localities.append(page.drawn_in)
    page.locality.value = provinces[0]
    paces = []
    for pace in (0.5, 0.8, 1.2, 1.5, 2.0):
        page.pace.value = pace
        paces.append(page.drawn_in)

    print(f"serve, once: folder loaded, pooled and saved   {pooled:6.2f} s")
    print(f"a page opens: session loaded, first draw       {opened:6.2f} s")
    for what, times in (("a change of locality", localities), ("a change of pace", paces)):
        print(
            f"{what:<22} ({len(times):2d} redraws): median {statistics.median(times):.2f} s, "
            f"max {max(times):.2f} s"
        )
    print(f"server start to first page served             {server_start(folder):6.2f} s")


if __name__ == "__main__":
    main()
