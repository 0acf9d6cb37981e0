import struct
import warnings

import numpy as np
import pandas as pd
import pytest
from export_fixtures import fan_frame, summary_frame, target_frame

from ntm_forecast.render.charts import (
    MAX_BARS,
    draw_fan,
    fan_chart,
    overview_parts,
    target_overview_charts,
)
from ntm_forecast.render.export import chart_targets


def png_size(path):
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def write_fan(path, lang="vi"):
    targets = pd.DataFrame(
        {"target_year": [2022], "target_kind": ["level"], "target_value": [39.0],
         "probability": [0.7059], "status": ["at_risk"], "count": [np.nan]}
    )  # fmt: skip
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
        first = write_fan(tmp_path / "a.png")
    second = write_fan(tmp_path / "b.png")
    assert png_size(first) == (1200, 675)
    assert first.read_bytes() == second.read_bytes()
    assert write_fan(tmp_path / "en.png", "en").read_bytes() != first.read_bytes()


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
        (small,) = target_overview_charts(summary.head(1), lang="vi", folder=tmp_path, stem="s")
        (big,) = target_overview_charts(summary, lang="vi", folder=tmp_path, stem="b")
    assert png_size(small)[0] == png_size(big)[0] == 1350
    assert png_size(big)[1] > png_size(small)[1]


def synthetic_summary(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    base = summary_frame().iloc[[0]]
    rows = base.loc[base.index.repeat(n)].reset_index(drop=True)
    rows["locality"] = [f"loc_{i:03d}" for i in range(n)]
    rows["probability"] = rng.uniform(0, 1, n).round(3)
    return rows


def test_a_few_hundred_targets_stay_under_40_per_image(tmp_path):
    summary = synthetic_summary(230)
    parts = overview_parts(summary)
    assert [len(p) for p in parts] == [40] * 5 + [30]
    assert max(len(p) for p in parts) <= MAX_BARS
    # most at risk first: the lowest probability leads the first image
    assert parts[0]["probability"].iloc[0] == summary["probability"].min()
    assert parts[0]["probability"].is_monotonic_increasing
    names = {f"loc_{i:03d}": f"Tỉnh {i}" for i in range(230)}
    paths = target_overview_charts(summary, lang="vi", folder=tmp_path, names=names)
    assert [p.name for p in paths] == ["summary.png"] + [f"summary_{i}.png" for i in range(2, 7)]
    heights = [png_size(p)[1] for p in paths]
    assert max(heights) < 2200  # 40 rows stay legible, not a 4,000-pixel strip


def test_past_targets_are_marked_not_given_a_percentage(tmp_path):
    targets = pd.DataFrame(
        {
            "target_year": [2020, 2020, 2024],
            "target_kind": ["level"] * 3,
            "target_value": [30.0, 40.0, 45.0],
            "count": [np.nan] * 3,
            "probability": [float("nan"), float("nan"), 0.4],
            "status": ["met", "missed", "at_risk"],
        }
    )
    fig = draw_fan(fan_frame(), title="t", metric_label="m", ceiling=None, targets=targets,
                   lang="vi")  # fmt: skip
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == ["✓", "✗", "40%"]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "Mục tiêu đã đạt (✓)" in legend and "Mục tiêu không đạt (✗)" in legend


def test_a_dollar_in_a_name_is_not_mathtext(tmp_path):
    path = fan_chart(
        fan_frame(), title="Tỉnh $\\frac{1}{0}$ <b>", metric_label="m", ceiling=None,
        targets=None, lang="en", path=tmp_path / "d.png",
    )  # fmt: skip
    assert png_size(path) == (1200, 675)


def test_a_level_an_addition_and_a_share_each_get_a_marker_with_their_probability():
    codes = target_frame()  # the assessment's table: 39 xã (2022), 76,47% số xã (2023), ...
    addition = codes.iloc[[0]].assign(target_year=2023, target_kind="increment", target_value=3.0)
    codes = pd.concat([codes.iloc[[0, 3]], addition], ignore_index=True)
    fig = draw_fan(fan_frame(), title="t", metric_label="m", ceiling=51.0,
                   targets=chart_targets(codes, "communes_ntm"), lang="vi")  # fmt: skip
    marks = {(t.xy[0], round(t.xy[1], 6)): t.get_text() for t in fig.axes[0].texts}
    median_2022 = fan_frame().query("kind == 'forecast' and year == 2022")["median"].item()
    assert marks == {
        (2022, 39.0): "11,8%",  # the level as stated
        (2023, 39.0): "34,8%",  # 76,47% of 51 communes: the count the assessment read
        (2023, round(median_2022 + 3.0, 6)): "+3: 11,8%",  # the year-end before, plus 3
    }


def test_an_addition_after_the_last_figure_stands_on_it_and_a_share_without_a_count_is_left_out():
    targets = pd.DataFrame(
        {"target_year": [2020, 2023], "target_kind": ["increment", "share"],
         "target_value": [2.0, 80.0], "probability": [np.nan, 0.5], "status": ["met", "at_risk"],
         "count": [np.nan, np.nan]}
    )  # fmt: skip
    fig = draw_fan(fan_frame(), title="t", metric_label="m", ceiling=None, targets=targets,
                   lang="vi")  # fmt: skip
    assert [(t.xy, t.get_text()) for t in fig.axes[0].texts] == [((2020, 30.0), "+2: ✓")]


def test_a_long_name_wraps_instead_of_squeezing_the_bars_away(tmp_path):
    summary = synthetic_summary(3)
    unit = "thành phố Cần Thơ (từ 1/7/2025 gồm Cần Thơ, Sóc Trăng, Hậu Giang)"
    names = {slug: unit for slug in summary["locality"]}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib: "axes sizes collapsed to zero"
        (path,) = target_overview_charts(summary, lang="vi", folder=tmp_path, names=names)
    (short,) = target_overview_charts(summary, lang="vi", folder=tmp_path, stem="s")
    assert png_size(path)[0] == png_size(short)[0] and png_size(path)[1] > png_size(short)[1]
