"""Warnings: reported, never fatal."""

import time
from pathlib import Path

import pytest

from ntm_forecast.domain import checks
from ntm_forecast.domain.checks import Finding, check_all, check_locality
from ntm_forecast.domain.params import load_locality, load_many
from ntm_forecast.domain.schema import Locality

HERE = Path(__file__).parents[1]
WARN = HERE / "data" / "warn"
GOOD = HERE / "data" / "good"
PARAMS = HERE.parent / "params"

SRC = {"source": "test.txt", "quote": "số liệu"}


def o(metric, year, value, **kw):
    return {"metric": metric, "year": year, "value": value, "status": "actual", **SRC, **kw}


def t(metric, year, kind, value, **kw):
    return {"metric": metric, "year": year, "kind": kind, "value": value, **SRC, **kw}


def loc(observations=(), targets=(), **kw):
    data = {"name": "Tỉnh Thử", "slug": "thu", "level": "province", "origin_year": 2021,
            "observations": list(observations), "targets": list(targets), **kw}  # fmt: skip
    return Locality.model_validate(data)


# ---------------------------------------------------------------- one file per warning


def test_falling_actual_file():
    found = check_locality(load_locality(WARN / "falling_actual.yaml"))
    assert len(found) == 1
    f = found[0]
    assert (f.field, f.metric, f.year) == ("observations[1]", "communes_ntm", 2021)
    assert "falls from 30 (2020-12) to 28 (2021-12)" in f.message


def test_conflicting_values_file():
    found = check_locality(load_locality(WARN / "conflicting_values.yaml"))
    assert len(found) == 1
    f = found[0]
    assert f.field == "observations[1]"
    assert "two actual values for communes_ntm in 2021: 30" in f.message
    assert "and 32" in f.message


def test_total_not_adding_up_file():
    found = check_locality(load_locality(WARN / "total_not_adding_up.yaml"))
    assert len(found) == 1
    f = found[0]
    assert (f.field, f.metric, f.year) == ("targets[1]", "ocop_total", 2022)
    assert "the stated total 116 is not the base 66 (2021-12) plus the stated 30 (= 96)" in (
        f.message
    )


def test_share_mismatch_file():
    found = check_locality(load_locality(WARN / "share_mismatch.yaml"))
    assert len(found) == 1
    f = found[0]
    assert f.field == "observations[2]"
    assert "72% in 2020 does not match 103 / 137 communes = 75.18%" in f.message
    assert "about 143" in f.message


def test_missing_parent_file():
    loaded = load_many([WARN / "missing_parent.yaml"])
    assert loaded.ok
    assert loaded.warnings == [
        f"{WARN / 'missing_parent.yaml'}: parent: the parent 'quang_ninh' has no params file; "
        "forecasts borrow from the national series instead"
    ]


def test_warn_folder_one_warning_per_file():
    loaded = load_many([WARN])
    assert loaded.ok and loaded.errors == []
    files = sorted(WARN.glob("*.yaml"))
    assert len(loaded.warnings) == len(files) == 5
    for f in files:
        assert sum(w.startswith(f"{f}: ") for w in loaded.warnings) == 1


@pytest.mark.parametrize("path", sorted(GOOD.glob("*.yaml")), ids=lambda p: p.stem)
def test_good_files_have_no_findings(path):
    assert check_locality(load_locality(path)) == []


def test_parent_present_in_folder_no_warning():
    assert load_many([GOOD]).warnings == []


def test_parent_file_next_to_it_counts_even_if_not_loaded():
    # full.yaml's parent vietnam.yaml sits beside it, though only full.yaml is checked
    assert load_many([GOOD / "full.yaml"]).warnings == []


def test_parent_without_path():
    child = loc(parent="ha_nam")
    lines = check_all({"thu": child}, {})
    assert lines == [
        "thu: parent: the parent 'ha_nam' has no params file; "
        "forecasts borrow from the national series instead"
    ]
    assert check_all({"thu": child, "ha_nam": loc(slug="ha_nam")}, {}) == []


def test_finding_line():
    f = Finding("thu", "observations[3]", "something odd")
    assert f.line() == "thu: observations[3]: something odd"
    assert (
        f.line(Path("params/thu.yaml"))
        == f"{Path('params/thu.yaml')}: observations[3]: something odd"
    )


# ---------------------------------------------------------------- falling actuals


def test_falling_only_between_actuals():
    x = loc(
        [
            o("communes_ntm", 2020, 30, as_of="2020-12"),
            o("communes_ntm", 2021, 28, as_of="2021-12", status="estimate"),
        ]
    )
    assert checks.falling_actuals(x) == []


def test_falling_ignores_non_cumulative():
    x = loc([o("avg_criteria", 2020, 16), o("avg_criteria", 2021, 15)])
    assert checks.falling_actuals(x) == []
    y = loc([o("communes_total", 2020, 51), o("communes_total", 2021, 50)])
    assert checks.falling_actuals(y) == []


def test_rising_or_increments_not_flagged():
    x = loc(
        [
            o("ocop_total", 2020, 30),
            o("ocop_total", 2021, 40),
            o("ocop_total", 2021, 5, kind="increment"),
        ]
    )
    assert checks.falling_actuals(x) == []


def test_fall_in_time_order_not_file_order():
    x = loc(
        [o("ocop_total", 2021, 40, as_of="2021-12"), o("ocop_total", 2020, 45, as_of="2020-12")]
    )
    found = checks.falling_actuals(x)
    assert len(found) == 1
    assert found[0].field == "observations[0]"
    assert "falls from 45 (2020-12) to 40 (2021-12)" in found[0].message


# ---------------------------------------------------------------- conflicting values


def test_same_value_twice_is_no_conflict():
    x = loc([o("communes_ntm", 2021, 30), o("communes_ntm", 2021, 30)])
    assert checks.conflicting_values(x) == []


def test_different_status_or_kind_is_no_conflict():
    x = loc(
        [
            o("communes_ntm", 2021, 30),
            o("communes_ntm", 2021, 32, status="estimate"),
            o("communes_ntm", 2021, 4, kind="increment"),
        ]
    )
    assert checks.conflicting_values(x) == []


def test_different_months_are_progress():
    x = loc(
        [o("communes_ntm", 2021, 30, as_of="2021-06"), o("communes_ntm", 2021, 32, as_of="2021-12")]
    )
    assert checks.conflicting_values(x) == []


def test_bare_year_conflicts_with_a_dated_figure():
    x = loc(
        [
            o("communes_ntm", 2021, 30, as_of="2021"),
            o("communes_ntm", 2021, 32, as_of="2021-12", source="https://baohatinh.vn/a/b"),
        ]
    )
    found = checks.conflicting_values(x)
    assert len(found) == 1
    assert "32 (2021-12, baohatinh.vn)" in found[0].message


def test_many_conflicting_figures_are_one_warning_per_set():
    # Three values in December, two in June, progress between them; then a year of 2022 tied
    # together by its bare-year figure.
    december = [
        o("ocop_total", 2021, v, as_of="2021-12", source=f"https://s{v}.vn/a")
        for v in (70, 70, 71, 72)
    ]
    june = [o("ocop_total", 2021, v, as_of="2021-06") for v in (60, 61)]
    tied = [
        o("ocop_total", 2022, v, as_of=d)
        for v, d in ((80, "2022-03"), (90, "2022-12"), (85, "2022"))
    ]
    x = loc(december + june + tied)
    found = checks.conflicting_values(x)
    assert [(f.field, f.code, f.values.get("n")) for f in found] == [
        ("observations[2]", "warn.conflicts", 3),
        ("observations[5]", "warn.conflict", None),
        ("observations[8]", "warn.conflicts", 3),
    ]
    assert str(found[0].message) == (
        "3 different actual values for ocop_total in 2021, among them 70 (2021-12, s70.vn) "
        "and 71 (2021-12, s71.vn)"
    )
    assert (found[2].values["a"], found[2].values["b"]) == (80, 85)


def test_conflicts_are_linear_in_the_figures():
    # 20,000 figures of one year, each with its own value: one warning, found at once.
    x = loc([o("ocop_total", 2021, v, as_of="2021") for v in range(20_000)])
    started = time.perf_counter()
    found = checks.conflicting_values(x)
    assert time.perf_counter() - started < 1
    assert len(found) == 1 and found[0].values["n"] == 20_000


# ---------------------------------------------------------------- totals not adding up


def test_totals_adding_up_no_warning():
    x = loc(
        [o("ocop_total", 2021, 66, as_of="2021-12")],
        [t("ocop_total", 2022, "increment", 30), t("ocop_total", 2022, "level", 96)],
    )
    assert checks.totals_not_adding_up(x) == []


def test_observed_total_not_adding_up():
    x = loc(
        [
            o("communes_ntm", 2020, 32, as_of="2020-12"),
            o("communes_ntm", 2021, 2, as_of="2021-12", kind="increment"),
            o("communes_ntm", 2021, 36, as_of="2021-12"),
        ]
    )
    found = checks.totals_not_adding_up(x)
    assert len(found) == 1
    assert found[0].field == "observations[2]"
    assert "the stated total 36 is not the base 32 (2020-12) plus the stated 2 (= 34)" in (
        found[0].message
    )


def test_mid_year_increment_says_nothing_about_the_year():
    x = loc(
        [
            o("communes_ntm", 2020, 32, as_of="2020-12"),
            o("communes_ntm", 2021, 2, as_of="2021-07", kind="increment"),
            o("communes_ntm", 2021, 36, as_of="2021-12"),
        ]
    )
    assert checks.totals_not_adding_up(x) == []


def test_no_base_no_warning():
    x = loc([], [t("ocop_total", 2022, "increment", 30), t("ocop_total", 2022, "level", 116)])
    assert checks.totals_not_adding_up(x) == []


# ---------------------------------------------------------------- shares


def test_share_within_tolerance():
    x = loc(
        [
            o("communes_total", 2020, 137),
            o("communes_ntm", 2020, 103),
            o("communes_ntm_share", 2020, 75.2, unit="percent"),
        ]
    )
    assert checks.shares_not_matching(x) == []
    y = loc(
        [
            o("communes_total", 2020, 137),
            o("communes_ntm", 2020, 103),
            o("communes_ntm_share", 2020, 75.3, unit="percent"),
        ]
    )
    assert len(checks.shares_not_matching(y)) == 1


def test_share_rounded_in_the_quote_gets_half_a_point():
    rows = [o("communes_total", 2020, 137), o("communes_ntm", 2020, 103)]
    x = loc([*rows, o("communes_ntm_share", 2020, 75, unit="percent", quote="đạt 75 %")])
    assert checks.shares_not_matching(x) == []
    y = loc([*rows, o("communes_ntm_share", 2020, 75, unit="percent", quote="đạt 75,0")])
    assert len(checks.shares_not_matching(y)) == 1


def test_share_target_checked_against_level_target():
    obs = [o("communes_total", 2021, 51)]
    ok = loc(obs, [t("communes_ntm", 2022, "level", 39), t("communes_ntm", 2022, "share", 76.47)])
    assert checks.shares_not_matching(ok) == []
    bad = loc(obs, [t("communes_ntm", 2022, "level", 39), t("communes_ntm", 2022, "share", 80)])
    found = checks.shares_not_matching(bad)
    assert len(found) == 1
    assert found[0].field == "targets[1]"
    assert "80% in 2022 does not match 39 / 51 communes = 76.47%" in found[0].message


# ---------------------------------------------------------------- the real data


@pytest.fixture(scope="module")
def real():
    return load_many([PARAMS])


def test_real_data_valid_with_warnings(real):
    assert real.ok
    assert real.warnings


def test_thai_nguyen_share_warning(real):
    hits = [w for w in real.warnings if "thai_nguyen.yaml" in w and "communes_ntm_share 72%" in w]
    assert len(hits) == 1
    assert "/ 137 communes" in hits[0] and "about 143" in hits[0]


def test_district_parent_warnings(real, tmp_path):
    assert not any(": parent:" in w for w in real.warnings)  # quang_ninh, ha_nam … exist
    (tmp_path / "hai_ha.yaml").write_bytes((PARAMS / "hai_ha.yaml").read_bytes())
    alone = load_many([tmp_path])
    assert any("hai_ha.yaml: parent:" in w and "'quang_ninh'" in w for w in alone.warnings)


def test_vietnam_falls_reported(real):
    falls = [w for w in real.warnings if "vietnam.yaml" in w and "falls from" in w]
    assert any("785 (2014-12) to 185 (2015-10)" in w for w in falls)


def test_hau_giang_ntm_total_warning(real):
    assert any(
        "hau_giang.yaml" in w and "the stated total 36 is not the base 32" in w
        for w in real.warnings
    )


def test_hau_giang_ocop_116_vs_66_warning(real):
    assert any(
        "hau_giang.yaml" in w and "ocop_total" in w and "116" in w and "66" in w
        for w in real.warnings
    )


def test_every_warning_names_file_and_field(real):
    for w in real.warnings:
        path, field, message = w.split(": ", 2)
        assert path.startswith(str(PARAMS)) and path.endswith(".yaml")
        assert field == "parent" or field.startswith(("observations[", "targets["))
        assert message


def test_review_marks_are_counted_once_per_locality():
    marked = loc(
        observations=[o("communes_ntm", 2020, 10, review="needed"), o("communes_ntm", 2021, 12)],
        targets=[t("communes_ntm", 2022, "level", 15, review="needed")],
    )
    found = [f for f in check_locality(marked) if f.field == "review"]
    assert len(found) == 1 and found[0].message.startswith("2 drafted entries")
    assert not [f for f in check_locality(loc(observations=[o("communes_ntm", 2020, 10)]))]


@pytest.mark.parametrize(
    ("metric", "value", "years_before", "stale"),
    [
        ("communes_ntm", 40, 1, False),
        ("communes_ntm", 40, 2, True),  # exactly STALE_YEARS before origin_year
        ("communes_ntm_share", 100, 1, False),
        ("communes_ntm_share", 100, 2, True),  # 100% of communes is a level: pinned, forecast
        ("communes_ntm_share", 70, 2, False),  # any other share is not forecast
    ],
)
def test_stale_latest_figure_at_the_edge(metric, value, years_before, stale):
    unit = {"unit": "percent"} if metric.endswith("_share") else {}
    obs = [o(metric, 2021 - years_before, value, **unit)]
    found = [f for f in check_locality(loc(observations=obs)) if f.code == "warn.stale"]
    assert [(f.metric, f.field, f.values["years"]) for f in found] == (
        [("communes_ntm", "observations[0]", years_before)] if stale else []
    )
