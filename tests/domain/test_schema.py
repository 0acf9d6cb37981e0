"""The pydantic models one params file becomes: Observation, Target, Locality."""

import datetime as dt

import pytest
from pydantic import ValidationError

from ntm_forecast.domain.schema import Locality, Observation, Target, validation_problems

SRC = {"source": "test.txt", "quote": "có 30 xã"}


def obs(**kw):
    data = {"metric": "communes_ntm", "year": 2021, "value": 30, "status": "actual", **SRC}
    data.update(kw)
    return Observation.model_validate(data)


def tgt(**kw):
    data = {"metric": "communes_ntm", "year": 2025, "kind": "level", "value": 40, **SRC}
    data.update(kw)
    return Target.model_validate(data)


def loc(observations=(), targets=(), **kw):
    data = {
        "name": "Tỉnh Thử",
        "slug": "thu",
        "level": "province",
        "origin_year": 2021,
        "observations": list(observations),
        "targets": list(targets),
    }
    data.update(kw)
    return Locality.model_validate(data)


def o(metric, year, value, **kw):
    return {"metric": metric, "year": year, "value": value, "status": "actual", **SRC, **kw}


def messages(exc_info) -> str:
    return " | ".join(e["msg"] for e in exc_info.value.errors())


# ---------------------------------------------------------------- Observation


def test_observation_defaults_and_values():
    x = obs()
    assert x.kind == "level"
    assert x.value == 30.0
    assert x.as_of is None and x.unit is None and x.note is None


def test_observation_is_frozen():
    x = obs()
    with pytest.raises(ValidationError):
        x.value = 31


@pytest.mark.parametrize("year", [2000, 2100])
def test_year_bounds_inclusive(year):
    assert obs(year=year).year == year


@pytest.mark.parametrize("year", [1999, 2101, -5])
def test_year_outside_range_refused(year):
    with pytest.raises(ValidationError) as e:
        obs(year=year)
    assert e.value.errors()[0]["loc"] == ("year",)


@pytest.mark.parametrize(
    "field, value",
    [("value", "30"), ("value", True), ("year", "2021"), ("year", 2021.0), ("status", "done")],
)
def test_strict_types(field, value):
    with pytest.raises(ValidationError) as e:
        obs(**{field: value})
    assert e.value.errors()[0]["loc"] == (field,)


@pytest.mark.parametrize("missing", ["metric", "year", "value", "status", "source", "quote"])
def test_required_fields(missing):
    data = {"metric": "communes_ntm", "year": 2021, "value": 30, "status": "actual", **SRC}
    del data[missing]
    with pytest.raises(ValidationError) as e:
        Observation.model_validate(data)
    assert [err["type"] for err in e.value.errors()] == ["missing"]


def test_unknown_field_refused():
    with pytest.raises(ValidationError) as e:
        obs(population=3)
    assert e.value.errors()[0]["type"] == "extra_forbidden"


@pytest.mark.parametrize("metric", ["Communes", "1abc", "communes-ntm", "", "xã"])
def test_metric_must_be_snake_case(metric):
    with pytest.raises(ValidationError):
        obs(metric=metric)


def test_unknown_metric_needs_unit():
    with pytest.raises(ValidationError) as e:
        obs(metric="villages_ntm")
    assert "unit: expected a unit for metric 'villages_ntm'" in messages(e)
    assert obs(metric="villages_ntm", unit="villages").info.family == "count"


@pytest.mark.parametrize("metric", ["communes_ntm", "ocop_total", "communes_total"])
def test_negative_count_refused(metric):
    with pytest.raises(ValidationError) as e:
        obs(metric=metric, value=-1)
    assert "value: expected a count ≥ 0, found -1" in messages(e)


def test_negative_increment_refused_too():
    with pytest.raises(ValidationError):
        obs(kind="increment", value=-2)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_refused(value):
    with pytest.raises(ValidationError) as e:
        obs(value=value)
    assert "expected a finite number" in messages(e)


def test_upper_bounds():
    assert obs(metric="avg_criteria", value=19).value == 19
    with pytest.raises(ValidationError, match="expected at most 19"):
        obs(metric="avg_criteria", value=19.5)
    with pytest.raises(ValidationError, match="expected at most 100"):
        obs(metric="communes_ntm_share", unit="percent", value=100.5)
    with pytest.raises(ValidationError, match="expected at most 8"):
        obs(metric="avg_advanced_criteria", unit="criteria/8", value=9)


def test_money_may_be_large_but_not_negative():
    assert obs(metric="funds", unit="billion_vnd", value=1e6).value == 1e6
    with pytest.raises(ValidationError, match="a value ≥ 0"):
        obs(metric="funds", unit="billion_vnd", value=-1)


def test_as_of_accepts_yaml_dates_and_years_as_text():
    assert obs(as_of=dt.date(2021, 12, 15)).as_of == "2021-12-15"
    assert obs(as_of=2021).as_of == "2021"
    assert obs(as_of="2021-07").as_of == "2021-07"


@pytest.mark.parametrize("as_of", ["2021-13", "2021-02-30", "15/12/2021", "21", "2021-1"])
def test_as_of_must_be_a_real_date(as_of):
    with pytest.raises(ValidationError) as e:
        obs(as_of=as_of)
    assert e.value.errors()[0]["loc"] == ("as_of",)


def test_as_of_bool_refused():
    with pytest.raises(ValidationError):
        obs(as_of=True)


def test_time_of_an_observation():
    assert obs().t == 2021.5  # no date: mid-year
    assert obs(as_of="2021").t == 2021.5
    assert obs(as_of="2021-12").t == pytest.approx(2022.0)
    assert obs(as_of="2021-12").is_year_end
    assert obs(as_of="2021-06").t == pytest.approx(2021.5)
    assert obs(as_of="2021-06").is_mid_year
    assert not obs(as_of="2021-12").is_mid_year
    assert not obs().is_mid_year
    # recognised "for 2021" in March 2022: capped at the end of 2021
    assert obs(as_of="2022-03").t == pytest.approx(2022.0)
    assert obs(as_of="2021-12-15").t < obs(as_of="2021-12").t


def test_as_of_key_sorts_vague_dates_last():
    assert obs().as_of_key == (2021, 12, 31)
    assert obs(as_of="2021-07").as_of_key == (2021, 7, 31)
    assert obs(as_of="2021-07-20").as_of_key == (2021, 7, 20)


# ---------------------------------------------------------------- Target


def test_target_value_and_range():
    t = tgt()
    assert (t.low, t.high) == (40, None)
    r = tgt(value=None, min=1, max=2, kind="increment")
    assert (r.low, r.high) == (1, 2)
    assert tgt(value=None, min=3, max=3).low == 3


def test_target_needs_value_or_range():
    with pytest.raises(ValidationError, match="found neither"):
        tgt(value=None)
    with pytest.raises(ValidationError, match="found only one"):
        tgt(value=None, min=1)
    with pytest.raises(ValidationError, match="found only one"):
        tgt(value=None, max=1)
    with pytest.raises(ValidationError, match="found both"):
        tgt(value=3, min=1, max=4)


def test_target_min_above_max():
    with pytest.raises(ValidationError, match="min 3 > max 1"):
        tgt(value=None, min=3, max=1)


@pytest.mark.parametrize("kind", ["share", "maintain"])
def test_share_between_0_and_100(kind):
    assert tgt(kind=kind, value=100).value == 100
    assert tgt(kind=kind, value=0).value == 0
    with pytest.raises(ValidationError, match="a share between 0 and 100, found 120"):
        tgt(kind=kind, value=120)
    with pytest.raises(ValidationError, match="found -1"):
        tgt(kind=kind, value=-1)
    with pytest.raises(ValidationError, match="max: expected a share"):
        tgt(kind=kind, value=None, min=50, max=101)


def test_level_target_may_exceed_100():
    assert tgt(kind="level", value=120).value == 120


def test_target_negative_and_nan_refused():
    with pytest.raises(ValidationError, match="a count ≥ 0"):
        tgt(value=-1)
    with pytest.raises(ValidationError, match="finite"):
        tgt(value=float("nan"))


def test_target_kind_and_status():
    with pytest.raises(ValidationError):
        tgt(kind="total")
    with pytest.raises(ValidationError):  # targets carry no status
        tgt(status="plan")


# ---------------------------------------------------------------- Locality


def test_locality_lists_become_tuples():
    x = loc(
        [o("communes_ntm", 2021, 30)],
        [{"metric": "communes_ntm", "year": 2025, "kind": "level", "value": 40, **SRC}],
    )
    assert isinstance(x.observations, tuple) and isinstance(x.targets, tuple)
    assert x.observations[0].value == 30
    assert x.parent is None


@pytest.mark.parametrize("slug", ["Bad", "bad-slug", "bad slug", "", "hậu_giang"])
def test_slug_pattern(slug):
    with pytest.raises(ValidationError) as e:
        loc(slug=slug)
    assert e.value.errors()[0]["loc"] == ("slug",)


def test_parent_pattern_and_level():
    assert loc(parent="vietnam").parent == "vietnam"
    with pytest.raises(ValidationError):
        loc(parent="Viet Nam")
    with pytest.raises(ValidationError):
        loc(level="commune")
    with pytest.raises(ValidationError):
        loc(origin_year=1999)


def test_count_above_total_refused():
    with pytest.raises(ValidationError) as e:
        loc([o("communes_total", 2021, 50), o("communes_ntm", 2021, 51)])
    assert "observations[1].value: expected communes_ntm ≤ communes_total 50 in 2021, found 51" in (
        messages(e)
    )


def test_count_equal_to_total_or_other_year_is_fine():
    x = loc(
        [
            o("communes_total", 2021, 50),
            o("communes_ntm", 2021, 50),
            o("communes_ntm", 2022, 60, status="plan"),
        ]
    )
    assert len(x.observations) == 3


def test_increment_not_compared_with_total():
    x = loc([o("communes_total", 2021, 5), o("communes_ntm", 2021, 6, kind="increment")])
    assert x.observations[1].kind == "increment"


def test_higher_standard_above_lower_refused():
    with pytest.raises(ValidationError, match="communes_model ≤ communes_advanced"):
        loc([o("communes_advanced", 2021, 3), o("communes_model", 2021, 5)])
    with pytest.raises(ValidationError, match="communes_advanced ≤ communes_ntm"):
        loc([o("communes_ntm", 2021, 10), o("communes_advanced", 2021, 12)])


def test_nesting_compares_one_report_only():
    # different dates or statuses are different reports
    x = loc(
        [
            o("communes_ntm", 2021, 10, as_of="2021-03"),
            o("communes_advanced", 2021, 12, as_of="2021-12"),
        ]
    )
    assert len(x.observations) == 2
    y = loc([o("communes_ntm", 2021, 10), o("communes_advanced", 2021, 12, status="plan")])
    assert len(y.observations) == 2


def test_several_consistency_problems_all_reported():
    with pytest.raises(ValidationError) as e:
        loc(
            [
                o("communes_total", 2021, 10),
                o("communes_ntm", 2021, 11),
                o("communes_advanced", 2021, 12),
            ]
        )
    text = messages(e)
    assert "communes_ntm ≤ communes_total" in text
    assert "communes_advanced ≤ communes_total" in text
    assert "communes_advanced ≤ communes_ntm" in text


def test_metrics_observed_and_units():
    x = loc(
        [
            o("communes_ntm", 2021, 3),
            o("villages_ntm", 2021, 4, unit="villages"),
            o("communes_ntm", 2020, 2),
        ]
    )
    assert x.metrics_observed() == ["communes_ntm", "villages_ntm"]
    assert x.unit_of("villages_ntm") == "villages"
    assert x.unit_of("communes_ntm") is None
    assert x.info("communes_ntm").cumulative
    assert x.info("villages_ntm").family == "count"


def test_review_mark_is_needed_or_absent():
    base = dict(metric="communes_ntm", year=2021, value=3, status="actual", source="s", quote="q")
    assert Observation.model_validate({**base, "review": "needed"}).review == "needed"
    assert Observation.model_validate(base).review is None
    with pytest.raises(ValidationError):
        Observation.model_validate({**base, "review": "done"})


def test_consistency_problems_are_data_with_their_place():
    with pytest.raises(ValidationError) as e:
        loc([o("communes_total", 2021, 10), o("communes_ntm", 2021, 11),
             o("communes_advanced", 2021, 12)])  # fmt: skip
    problems = validation_problems(e.value, "thu.yaml")
    assert [(p.file, p.field, p.code, p.expected, p.found) for p in problems] == [
        ("thu.yaml", ("observations", 1, "value"), "above_total",
         "communes_ntm ≤ communes_total 10 in 2021", "11"),
        ("thu.yaml", ("observations", 2, "value"), "above_total",
         "communes_advanced ≤ communes_total 10 in 2021", "12"),
        ("thu.yaml", ("observations", 2, "value"), "unnested",
         "communes_advanced ≤ communes_ntm (11) in 2021", "12"),
    ]  # fmt: skip


def test_entry_and_pydantic_problems_are_placed_where_pydantic_found_them():
    with pytest.raises(ValidationError) as e:
        loc(
            [o("communes_ntm", 2021, -1), o("communes_ntm", 1999, 3),
             o("communes_ntm", 2021, 3, as_of="2021-13")],
            targets=[{"metric": "communes_ntm", "year": 2025, "kind": "share", "value": 120,
                      **SRC}],
            colour="red",
        )  # fmt: skip
    found = {(p.field, p.code, p.found) for p in validation_problems(e.value)}
    assert found == {
        (("observations", 0, "value"), "range", "-1"),
        (("observations", 1, "year"), "greater_than_equal", "1999 (int)"),
        (("observations", 2, "as_of"), "date", "'2021-13'"),
        (("targets", 0, "value"), "range", "120"),
        (("colour",), "extra_forbidden", "unknown field 'colour'"),
    }


# ---------------------------------------------------------------- names a file can bear


def problems_of(**kw) -> list[str]:
    with pytest.raises(ValidationError) as info:
        loc(**kw)
    return [str(p) for p in validation_problems(info.value, "x.yaml")]


@pytest.mark.parametrize("bad", ["Tỉnh\nThử", "Tỉnh\u202eThử", "\u2067Tỉnh Thử", "Tỉnh\x00"])
def test_a_name_with_control_or_direction_characters_is_refused(bad):
    found = f"U+{ord(next(c for c in bad if not (c.isalnum() or c == ' '))):04X}"
    assert problems_of(name=bad) == [
        f"x.yaml: name: expected a name without control or direction characters, found {found}"
    ]


def test_a_name_is_at_most_100_characters():
    assert loc(name="X" * 100).name == "X" * 100
    assert problems_of(name="X" * 101) == [
        "x.yaml: name: expected at most 100 characters, found 101 characters"
    ]


@pytest.mark.parametrize("slug", ["con", "nul", "com7", "lpt1"])
def test_a_windows_device_name_is_no_slug(slug):
    assert problems_of(slug=slug) == [
        f"x.yaml: slug: expected a slug that is no Windows device name, found '{slug}'"
    ]
    assert loc(slug=f"{slug}_").slug == f"{slug}_"


@pytest.mark.parametrize("as_of", ["٢٠٢١", "２０２１-12", "2021-１２"])
def test_a_date_in_other_digits_is_refused(as_of):
    [line] = problems_of(observations=[o("communes_ntm", 2021, 30, as_of=as_of)])
    assert line.startswith("x.yaml: observations[0].as_of: expected a date written YYYY")
