"""`ntm-forecast import` and `check` against the size of their input: time at four sizes of a
generated table (four provinces, so the rows of each grow with the table; one row in ten
dated by its year alone, so it shares its time with every other figure of that year and most
of them conflict), best of three runs, and the ratio of each time to the one before. Linear
work doubles its time when the rows double.

Run: python benchmarks/bench_input.py [ROWS ...]   (default 2500 5000 10000 20000)
"""

from __future__ import annotations

import csv
import sys
import tempfile
import time
from pathlib import Path

from ntm_forecast.domain.params import load_many
from ntm_forecast.ingest.importer import REQUIRED, import_tables

PROVINCES = 4
SIZES = (2_500, 5_000, 10_000, 20_000)
REPEATS = 3  # the machine is shared: the best run is the code's time


def write_table(path: Path, n_rows: int) -> Path:
    """``n_rows`` OCOP figures, all valid, each of its own day within its year."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(REQUIRED)
        for i in range(n_rows):
            province, k = i % PROVINCES, i // PROVINCES
            year, day = 2000 + k % 26, k // 26
            month = 1 + day // 28 % 12
            as_of = str(year) if day % 10 == 0 else f"{year}-{month:02d}-{1 + day % 28:02d}"
            source, quote = f"https://example.vn/{i}", f"{k} sản phẩm OCOP"
            row = [f"Tỉnh Thử {province}", "province", year, as_of, "ocop_total", k, ""]
            out.writerow([*row, "actual", source, quote])
    return path


def timed(work, *args):
    """(seconds, result) of ``work(*args)``."""
    started = time.perf_counter()
    result = work(*args)
    return time.perf_counter() - started, result


def measure(n_rows: int) -> tuple[float, float, int]:
    """(import seconds, check seconds, warnings) of a fresh table and folder."""
    with tempfile.TemporaryDirectory() as tmp:
        table = write_table(Path(tmp) / "figures.csv", n_rows)
        into = Path(tmp) / "params"
        t_import, _ = timed(import_tables, [table], into)
        t_check, loaded = timed(load_many, [into])
    return t_import, t_check, len(loaded.warnings)


def main(sizes: tuple[int, ...]) -> None:
    print(f"best of {REPEATS} runs")
    print(f"{'rows':>7} {'import s':>9} {'ratio':>6} {'check s':>8} {'ratio':>6} {'warnings':>9}")
    before: tuple[float, float] | None = None
    for n in sizes:
        runs = [measure(n) for _ in range(REPEATS)]
        t_import, t_check = min(r[0] for r in runs), min(r[1] for r in runs)
        ratios = ["", ""] if before is None else [
            f"{t_import / before[0]:.2f}", f"{t_check / before[1]:.2f}"
        ]  # fmt: skip
        print(
            f"{n:>7} {t_import:>9.2f} {ratios[0]:>6} {t_check:>8.2f} {ratios[1]:>6} {runs[0][2]:>9}"
        )
        before = (t_import, t_check)


if __name__ == "__main__":
    main(tuple(int(a) for a in sys.argv[1:]) or SIZES)
