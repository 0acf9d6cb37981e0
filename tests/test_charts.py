import struct
import warnings

import pandas as pd
import pytest
from export_fixtures import fan_frame, summary_frame

from ntm_forecast.charts import fan_chart, target_overview_chart


def png_size(path):
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def draw_fan(path, lang="vi"):
    targets = pd.DataFrame({"target_year": [2022], "target_value": [39.0], "probability": [0.7059]})
    return fan_chart(
        fan_frame(),
        title="Xã đạt chuẩn NTM nâng cao — Hậu Giang",
        metric_label="Xã đạt chuẩn NTM nâng cao",
        ceiling=pd.Series({2019: 51.0, 2021: 51.0}),
        targets=targets,
        lang=lang,
        path=path,
    )


def test_fan_chart_size_glyphs_and_determinism(tmp_path):
    with warnings.catch_warnings():
        # A missing Vietnamese glyph is a UserWarning ("Glyph ... missing from font").
        warnings.simplefilter("error")
        first = draw_fan(tmp_path / "a.png")
    second = draw_fan(tmp_path / "b.png")
    assert png_size(first) == (1200, 675)
    assert first.read_bytes() == second.read_bytes()
    assert draw_fan(tmp_path / "en.png", "en").read_bytes() != first.read_bytes()


@pytest.mark.parametrize("ceiling", [51.0, None])
def test_fan_chart_scalar_or_no_ceiling(tmp_path, ceiling):
    path = fan_chart(
        fan_frame(), title="t", metric_label="m", ceiling=ceiling, targets=None, lang="en",
        path=tmp_path / "c.png",
    )  # fmt: skip
    assert png_size(path) == (1200, 675)


def test_overview_chart_grows_with_targets(tmp_path):
    summary = summary_frame()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        small = target_overview_chart(summary.head(1), lang="vi", path=tmp_path / "s.png")
        big = target_overview_chart(summary, lang="vi", path=tmp_path / "b.png")
    assert png_size(small)[0] == png_size(big)[0] == 1200
    assert png_size(big)[1] > png_size(small)[1]
