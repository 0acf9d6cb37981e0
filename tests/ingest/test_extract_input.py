"""`ntm-forecast extract` on careless or hostile input (issue 20): bounded time on long runs of
figures, HTML pages, monthly amounts."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ntm_forecast.ingest.extract import MAX_SENTENCE, _bounded

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
