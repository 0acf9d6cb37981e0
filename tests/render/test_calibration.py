"""The backtest's calibration pictures: drawn from the backtest's scores by the charts' writer."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from ntm_forecast.assess.backtest import Score
from ntm_forecast.render.calibration import calibration_charts
from ntm_forecast.render.charts import DPI


def _scores() -> list[Score]:
    rng = np.random.default_rng(0)
    out = []
    for i in range(40):
        for model in ("hazard", "drift"):
            p = float(rng.uniform())
            out.append(
                Score(
                    slug=f"l{i % 8}",
                    metric="communes_ntm",
                    family="commune",
                    model=model,
                    origin=2018,
                    year=2019,
                    actual=10.0,
                    median=10.0,
                    crps=1.0,
                    covered=True,
                    pit=float(rng.uniform()),
                    event_p=p,
                    event=float(rng.uniform() < p),
                )
            )
    return out


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])  # IHDR: width, height


def test_pit_and_reliability_per_family_at_the_charts_resolution(tmp_path):
    files = calibration_charts(_scores(), tmp_path / "plots")
    assert sorted(f.name for f in files) == ["pit_commune.png", "reliability_commune.png"]
    sizes = {f.name: _png_size(f.read_bytes()) for f in files}
    assert sizes["pit_commune.png"] == (round(5 * DPI), round(3.5 * DPI))
    assert sizes["reliability_commune.png"] == (round(4.5 * DPI), round(4.5 * DPI))


def test_same_scores_same_bytes(tmp_path):
    a = calibration_charts(_scores(), tmp_path / "a")
    b = calibration_charts(_scores(), tmp_path / "b")
    assert [f.read_bytes() for f in a] == [f.read_bytes() for f in b]


def test_no_scores_no_pictures(tmp_path):
    assert calibration_charts([], tmp_path) == []


def test_a_folder_that_cannot_be_written_is_refused_before_drawing(tmp_path):
    from ntm_forecast.errors import InputError

    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InputError):
        calibration_charts(_scores(), blocker / "sub")
