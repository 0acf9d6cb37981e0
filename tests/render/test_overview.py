"""The overview `ntm-forecast check` prints."""

from pathlib import Path

import pytest

from ntm_forecast.domain.params import Loaded, load_locality, load_many
from ntm_forecast.render.overview import coverage, overview_text, year_ranges

HERE = Path(__file__).parents[1]
GOOD = HERE / "data" / "good"
WARN = HERE / "data" / "warn"
BAD = HERE / "data" / "bad"
PARAMS = HERE.parent / "params"


@pytest.mark.parametrize(
    "years, text",
    [
        ([], "—"),
        ([2020], "2020"),
        ([2016, 2017, 2018, 2020], "2016–2018, 2020"),
        ([2020, 2016, 2018, 2017, 2017], "2016–2018, 2020"),
        ([2010, 2012, 2014], "2010, 2012, 2014"),
        ([2019, 2020, 2022, 2023], "2019–2020, 2022–2023"),
    ],
)
def test_year_ranges(years, text):
    assert year_ranges(years) == text


def test_coverage_counts_actual_and_estimate_not_plan():
    cov = coverage(load_locality(GOOD / "full.yaml"))
    # communes_ntm: 2020 actual, 2021 actual level and increment, 2022 plan (left out)
    assert cov["communes_ntm"] == "2020–2021 (3 obs)"
    assert cov["communes_total"] == "2020 (1 obs)"
    assert "villages_ntm" not in cov  # not a core metric
    assert "ocop_total" not in cov  # not observed
    assert list(cov) == ["communes_total", "communes_ntm", "communes_advanced", "communes_model"]


def test_coverage_empty():
    assert coverage(load_locality(GOOD / "minimal.yaml")) == {}


def test_overview_of_one_locality():
    text = overview_text(load_many([GOOD / "full.yaml"]))
    lines = text.splitlines()
    assert lines[0] == (
        "Tỉnh Thử (full) · province · parent vietnam · origin 2021 · 9 observations · 5 targets"
    )
    assert any(line.split() == ["communes_ntm", "2020–2021", "(3", "obs)"] for line in lines)
    assert any(
        line.split()[:2] == ["other", "metrics"] and "communes_ntm_share, villages_ntm" in line
        for line in lines
    )
    assert "1 locality valid, 0 error(s), 0 warning(s)" in lines
    assert "Warnings:" not in text


def test_overview_counts_and_lists_warnings():
    loaded = load_many([WARN])
    text = overview_text(loaded)
    assert "5 localities valid, 0 error(s), 5 warning(s)" in text
    assert "Warnings:" in text
    for w in loaded.warnings:
        assert f"  {w}" in text.splitlines()


def test_overview_counts_errors_but_lists_only_valid_localities():
    loaded = load_many([GOOD / "minimal.yaml", BAD / "negative_count.yaml"])
    text = overview_text(loaded)
    assert "(minimal)" in text
    assert "negative_count" not in text  # the error itself goes to stderr
    assert "1 locality valid, 1 error(s), 0 warning(s)" in text


def test_overview_of_nothing():
    assert (
        overview_text(Loaded()).splitlines()[-1] == "0 localities valid, 0 error(s), 0 warning(s)"
    )


def test_overview_real_params():
    text = overview_text(load_many([PARAMS]))
    for name, slug in [("Hà Tĩnh", "ha_tinh"), ("Hải Hà", "hai_ha"), ("Hậu Giang", "hau_giang"),
                       ("Lý Nhân", "ly_nhan"), ("Thái Nguyên", "thai_nguyen"),
                       ("Việt Nam", "vietnam")]:  # fmt: skip
        assert f"{name} ({slug}) · " in text
    assert "Hải Hà (hai_ha) · district · parent quang_ninh · origin 2025" in text
    assert "Việt Nam (vietnam) · national · origin 2025" in text
    assert "94 localities valid, 0 error(s)" in text
