"""The engine's front door: forecast_locality, its frame, and the properties of its paths."""

from __future__ import annotations

import numpy as np
import pytest
from engine_fixtures import (
    commune_series,
    context,
    context_state,
    locality,
    nondecreasing,
    obs,
    one_point_province,
    params_localities,
    rich_province,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ntm_forecast.domain.paths import PathForecast
from ntm_forecast.engine import models
from ntm_forecast.engine.forecast import (
    FORECAST_COLUMNS,
    Context,
    cut_at,
    fit_metric,
    forecast_locality,
)
from ntm_forecast.engine.models import InsufficientHistory

EXPECTED_COLUMNS = [
    "locality", "metric", "year", "kind", "value", "median",
    "p05", "p10", "p25", "p75", "p90", "p95", "model", "own_weight",
]  # fmt: skip
QCOLS = ["p05", "p10", "p25", "median", "p75", "p90", "p95"]
N = 500


@pytest.fixture(scope="module")
def rich():
    loc = rich_province()
    ctx = context([loc])
    return loc, ctx, forecast_locality(loc, ctx, n_paths=N, seed=3)


# --- the frame -----------------------------------------------------------------------


def test_frame_columns_in_order(rich):
    _, _, fc = rich
    frame = fc.to_frame()
    assert list(frame.columns) == EXPECTED_COLUMNS == FORECAST_COLUMNS
    assert set(frame["kind"]) == {"observed", "forecast"}
    obs_rows = frame[frame.kind == "observed"]
    fc_rows = frame[frame.kind == "forecast"]
    assert obs_rows["value"].notna().all() and obs_rows["median"].isna().all()
    assert fc_rows["value"].isna().all() and fc_rows["median"].notna().all()
    assert (fc_rows[QCOLS].diff(axis=1).iloc[:, 1:] >= -1e-9).all().all()
    assert fc_rows["own_weight"].between(0, 1).all()


def test_frame_observed_then_forecast_per_metric(rich):
    _, _, fc = rich
    f = fc.to_frame()
    ntm = f[f.metric == "communes_ntm"]
    assert list(ntm[ntm.kind == "observed"].year) == [2016, 2017, 2018, 2019, 2020, 2021]
    assert list(ntm[ntm.kind == "forecast"].year) == [2022, 2023, 2024, 2025, 2026]
    # no year twice in one metric
    assert not f.duplicated(["metric", "year", "kind"]).any()
    kinds = list(ntm.kind)
    assert kinds == sorted(kinds, key=lambda k: k == "forecast")


def test_same_inputs_same_seed_byte_identical_csv():
    loc = rich_province()
    a = forecast_locality(loc, context([loc]), n_paths=N, seed=11).to_frame().to_csv()
    b = forecast_locality(loc, context([loc]), n_paths=N, seed=11).to_frame().to_csv()
    assert a.encode() == b.encode()
    c = forecast_locality(loc, context([loc]), n_paths=N, seed=12).to_frame().to_csv()
    assert c != a


def test_repr_html_quantiles_fan(rich):
    loc, _, fc = rich
    text = repr(fc)
    assert loc.name in text and "2021" in text and "2026" in text and "communes_ntm" in text
    html = fc._repr_html_()
    assert html.startswith("<p><b>") and "<table" in html
    q = fc.quantiles([0.1, 0.5, 0.9])
    assert list(q.columns) == ["metric", "year", "q0.1", "q0.5", "q0.9"]
    assert (q["q0.1"] <= q["q0.5"]).all() and (q["q0.5"] <= q["q0.9"]).all()
    fan = fc.fan_frame("communes_ntm")
    fcast = fan[fan.kind == "forecast"]
    cols = ["p025", "p10", "p25", "median", "p75", "p90", "p975"]
    assert (fcast[cols].diff(axis=1).iloc[:, 1:] >= -1e-9).all().all()
    assert (fan.kind == "observed").sum() == 6


def test_getitem_contains_end_year(rich):
    _, _, fc = rich
    assert "communes_ntm" in fc and "communes_total" not in fc
    assert isinstance(fc["communes_ntm"], PathForecast)
    assert fc.end_year == 2026
    p = fc["communes_ntm"].prob_at_least(2026, 0)
    assert p == 1.0
    assert fc["communes_ntm"].prob_at_least(2040, 0) is None


def test_metrics_only(rich):
    loc, ctx, _ = rich
    fc = forecast_locality(loc, ctx, n_paths=200, metrics_only=["ocop_total"])
    assert list(fc.paths) == ["ocop_total"]


def test_horizon_and_n_paths(rich):
    loc, ctx, _ = rich
    fc = forecast_locality(loc, ctx, n_paths=123, horizon=2)
    pf = fc["communes_ntm"]
    assert pf.values.shape == (123, 3) and pf.years[-1] == 2023


def test_adding_a_metric_does_not_change_another(rich):
    loc, ctx, fc = rich
    only = forecast_locality(loc, ctx, n_paths=N, seed=3, metrics_only=["avg_criteria"])
    assert np.array_equal(only["avg_criteria"].values, fc["avg_criteria"].values)


def test_a_forecast_is_never_pooled_behind_the_callers_back(rich):
    loc, _, _ = rich
    with pytest.raises(TypeError, match="ctx"):
        forecast_locality(loc, n_paths=100)  # alone, it says so: Context.from_localities([loc])


def test_unknown_model_is_refused_by_name(rich):
    loc, ctx, _ = rich
    with pytest.raises(ValueError, match="nonsense"):
        forecast_locality(loc, ctx, n_paths=100, model="nonsense")


# --- bounds ----------------------------------------------------------------------------


def test_commune_counts_bounded_nested_and_non_decreasing(rich):
    _, _, fc = rich
    ntm, adv, mod = (fc[m].values for m in ("communes_ntm", "communes_advanced", "communes_model"))
    assert ntm.max() <= 100
    for v in (ntm, adv, mod):
        assert nondecreasing(v)
    assert np.all(adv <= ntm) and np.all(mod <= adv)


def test_avg_criteria_and_percentages_in_range():
    loc = locality(
        [
            obs("avg_criteria", 2018, 16.5),
            obs("avg_criteria", 2019, 17.8),
            obs("avg_criteria", 2020, 18.6),
            obs("avg_criteria", 2021, 18.9),
            obs("clean_water_rate", 2019, 90.0, unit="percent"),
            obs("clean_water_rate", 2020, 96.0, unit="percent"),
            obs("clean_water_rate", 2021, 99.2, unit="percent"),
            obs("poverty_rate", 2019, 3.0, unit="percent"),
            obs("poverty_rate", 2020, 1.2, unit="percent"),
            obs("poverty_rate", 2021, 0.4, unit="percent"),
        ]
    )
    ctx = context([loc])
    for model in (None, "drift"):
        fc = forecast_locality(loc, ctx, n_paths=2000, horizon=8, model=model)
        crit = fc["avg_criteria"].values
        assert crit.min() >= 0 and crit.max() <= 19
        for m in ("clean_water_rate", "poverty_rate"):
            v = fc[m].values
            assert v.min() >= 0 and v.max() <= 100, (model, m)


def test_ocop_not_capped_and_never_falls():
    loc = locality(
        [
            obs("communes_total", 2021, 20),
            obs("communes_ntm", 2021, 10),
            obs("ocop_total", 2019, 25),
            obs("ocop_total", 2020, 32),
            obs("ocop_total", 2021, 40),
        ]
    )
    fc = forecast_locality(loc, context([loc]), n_paths=1000)
    v = fc["ocop_total"].values
    assert nondecreasing(v)
    assert v.min() >= 40  # not held to the 20 communes
    assert np.median(v[:, -1]) > 40


def test_stars_add_up_to_the_total_when_the_breakdown_does():
    loc = locality(
        [
            obs("ocop_total", 2019, 10),
            obs("ocop_total", 2020, 18),
            obs("ocop_total", 2021, 30),
            obs("ocop_3star", 2021, 20),
            obs("ocop_4star", 2021, 9),
            obs("ocop_5star", 2021, 1),
        ]
    )
    fc = forecast_locality(loc, context([loc]), n_paths=500)
    total = fc["ocop_total"].values
    stars = sum(fc[m].values for m in ("ocop_3star", "ocop_4star", "ocop_5star"))
    assert np.array_equal(stars, total)
    for m in ("ocop_3star", "ocop_4star", "ocop_5star"):
        assert nondecreasing(fc[m].values)


def test_stars_skipped_when_the_breakdown_does_not_add_up():
    loc = locality(
        [
            obs("ocop_total", 2020, 18),
            obs("ocop_total", 2021, 30),
            obs("ocop_3star", 2021, 20),
            obs("ocop_4star", 2021, 5),
        ]
    )
    fc = forecast_locality(loc, context([loc]), n_paths=200)
    assert "ocop_3star" not in fc and "ocop_total" in fc
    reasons = {s.metric: s.reason for s in fc.skipped}
    assert "insufficient history" in reasons["ocop_3star"]


def test_stars_add_up_when_the_total_is_stated_mid_year():
    loc = locality(
        [
            obs("ocop_total", 2019, 10),
            obs("ocop_total", 2020, 18),
            obs("ocop_total", 2021, 30, as_of="2021-06"),
            obs("ocop_3star", 2021, 20, as_of="2021-06"),
            obs("ocop_4star", 2021, 10, as_of="2021-06"),
        ]
    )
    fc = forecast_locality(loc, context([loc]), n_paths=500)
    assert np.array_equal(
        fc["ocop_3star"].values + fc["ocop_4star"].values, fc["ocop_total"].values
    )


def test_hau_giang_stars_add_up_to_the_total():
    # As of 2021, when its stars last added up to its total (its later totals have no stars).
    locs = params_localities()
    ctx = Context.from_localities(locs.values(), until=2022.0)
    fc = forecast_locality(cut_at(locs["hau_giang"], 2021), ctx, n_paths=1000)
    assert np.array_equal(
        fc["ocop_3star"].values + fc["ocop_4star"].values, fc["ocop_total"].values
    )


# --- data rules ------------------------------------------------------------------------


def _base_obs():
    return commune_series([2018, 2019, 2020, 2021], [20, 26, 31, 37], 80)


def test_plan_observations_are_never_data():
    base = locality(_base_obs(), origin_year=2021)
    planned = locality(
        [
            *_base_obs(),
            obs("communes_ntm", 2022, 80, status="plan"),
            obs("communes_ntm", 2023, 79, status="plan", kind="increment"),
        ],
        origin_year=2021,
    )
    ctx = context([base])
    a = forecast_locality(base, ctx, n_paths=N, seed=1)
    b = forecast_locality(planned, ctx, n_paths=N, seed=1)
    assert np.array_equal(a["communes_ntm"].values, b["communes_ntm"].values)
    assert a.to_frame().equals(b.to_frame())
    # nor do they shape the pooled hazard
    ctx_b = context([planned])
    assert np.allclose(ctx.hazards["communes_ntm"].coef, ctx_b.hazards["communes_ntm"].coef)


def test_estimate_observations_are_data():
    est = locality(
        [*_base_obs(), obs("communes_ntm", 2022, 45, status="estimate")], origin_year=2022
    )
    fc = forecast_locality(est, context([est]), n_paths=N)
    pf = fc["communes_ntm"]
    assert pf.years[0] == 2022
    assert np.all(pf.at(2022) == 45)
    frame = fc.to_frame()
    row = frame[(frame.metric == "communes_ntm") & (frame.year == 2022)]
    assert list(row.kind) == ["observed"] and float(row.value.iloc[0]) == 45


def test_mid_year_value_is_a_floor_on_its_year_end():
    loc = locality([*_base_obs(), obs("communes_ntm", 2022, 42, as_of="2022-06")], origin_year=2022)
    fc = forecast_locality(loc, context([loc]), n_paths=2000)
    pf = fc["communes_ntm"]
    assert pf.years[0] == 2022
    end_2022 = pf.at(2022)
    assert np.all(end_2022 >= 42)
    assert end_2022.max() > 42  # half a year still to run: not frozen at the floor
    frame = fc.to_frame()
    assert "forecast" in set(frame[(frame.metric == "communes_ntm") & (frame.year == 2022)].kind)


def test_one_point_metric_is_skipped_with_a_reason():
    loc = locality([*_base_obs(), obs("avg_criteria", 2021, 16.0)])
    fc = forecast_locality(loc, context([loc]), n_paths=200)
    assert "avg_criteria" not in fc
    reasons = {s.metric: s.reason for s in fc.skipped}
    assert reasons["avg_criteria"].startswith("insufficient history")
    assert "avg_criteria" in repr(fc)  # listed under "Not forecast"
    with pytest.raises(InsufficientHistory):
        fit_metric(loc, "avg_criteria", context([loc]))


def test_one_commune_figure_gives_a_wide_interval_not_an_error():
    thin = one_point_province(ntm=30, total=100)
    fc = forecast_locality(thin, context([thin]), n_paths=1000)
    frame = fc.to_frame()
    last = frame[(frame.metric == "communes_ntm") & (frame.year == 2026)].iloc[0]
    assert last.p90 - last.p10 > 0
    assert last.p10 >= 30 and last.p90 <= 100


def test_own_weight_larger_with_more_history():
    thin = one_point_province("thin")
    rich = rich_province("rich_x")
    ctx = context([thin, rich])
    w_thin = forecast_locality(thin, ctx, n_paths=200)["communes_ntm"].own_weight
    w_rich = forecast_locality(rich, ctx, n_paths=200)["communes_ntm"].own_weight
    assert 0.0 <= w_thin < w_rich <= 1.0


def test_locality_at_full_coverage_stays_there():
    loc = locality(commune_series([2019, 2020, 2021], [40, 48, 50], 50, advanced=[5, 9, 14]))
    fc = forecast_locality(loc, context([loc]), n_paths=1000)
    assert np.all(fc["communes_ntm"].values == 50)
    assert fc["communes_advanced"].values.max() <= 50


def test_communes_ntm_without_a_total_is_insufficient():
    loc = locality([obs("communes_ntm", 2020, 10), obs("communes_ntm", 2021, 14)])
    fc = forecast_locality(loc, context([loc]), n_paths=200)
    # hazard impossible without a denominator; the drift fallback is an honest forecast
    if "communes_ntm" in fc:
        assert fc["communes_ntm"].model == "drift"
    with pytest.raises(InsufficientHistory):
        fit_metric(loc, "communes_ntm", context([loc]), model="hazard")


def test_engine_never_mutates_inputs(rich):
    loc, ctx, _ = rich
    before_loc, before_ctx = loc.model_dump(), context_state(ctx)
    forecast_locality(loc, ctx, n_paths=200, pace=1.7, seed=5)
    forecast_locality(loc, ctx, n_paths=200, model="drift")
    assert loc.model_dump() == before_loc
    assert context_state(ctx) == before_ctx


def test_cut_at():
    loc = rich_province()
    cut = cut_at(loc, 2019)
    assert cut.origin_year == 2019
    assert max(o.year for o in cut.observations) == 2019
    assert loc.origin_year == 2021  # the original is untouched
    fc = forecast_locality(cut, context([cut]), n_paths=200, horizon=2)
    assert fc["communes_ntm"].years[0] == 2019 and fc["communes_ntm"].years[-1] == 2021


def test_context_until_cuts_the_pool():
    ctx = context(until=2020.0)
    full = context()
    assert ctx.hazards["communes_ntm"].n_intervals < full.hazards["communes_ntm"].n_intervals


# --- properties ------------------------------------------------------------------------


@st.composite
def commune_histories(draw):
    total = draw(st.integers(5, 300))
    years = sorted(draw(st.lists(st.integers(2010, 2021), min_size=1, max_size=6, unique=True)))
    n = len(years)
    ntm = sorted(draw(st.lists(st.integers(0, total), min_size=n, max_size=n)))
    adv = mod = None
    if draw(st.booleans()):
        raw = sorted(draw(st.lists(st.integers(0, total), min_size=n, max_size=n)))
        adv = [min(a, b) for a, b in zip(raw, ntm)]
        if draw(st.booleans()):
            raw = sorted(draw(st.lists(st.integers(0, total), min_size=n, max_size=n)))
            mod = [min(a, b) for a, b in zip(raw, adv)]
    month = draw(st.sampled_from([None, "03", "06", "09"]))
    as_of_last = f"{years[-1]}-{month}" if month else None
    observations = commune_series(years, ntm, total, advanced=adv, model=mod, as_of_last=as_of_last)
    loc = locality(observations, slug="prop", origin_year=years[-1])
    return loc, total, ntm[-1], (years[-1], as_of_last is not None)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(commune_histories(), st.integers(0, 2**16))
def test_commune_forecast_properties(case, seed):
    loc, total, last_ntm, (last_year, mid_year) = case
    ctx = Context.from_localities([loc])
    before_loc, before_ctx = loc.model_dump(), context_state(ctx)
    fc = forecast_locality(loc, ctx, horizon=4, n_paths=300, seed=seed)
    assert loc.model_dump() == before_loc
    assert context_state(ctx) == before_ctx

    ntm = fc["communes_ntm"].values
    assert fc["communes_ntm"].years[-1] == last_year + 4
    assert ntm.max() <= total
    assert ntm.min() >= last_ntm
    for m in ("communes_ntm", "communes_advanced", "communes_model"):
        if m in fc:
            assert nondecreasing(fc[m].values), m
            assert np.all(np.diff(fc[m].quantiles(), axis=0) >= -1e-9)
            assert 0.0 <= fc[m].own_weight <= 1.0
    if "communes_advanced" in fc:
        assert np.array_equal(fc["communes_advanced"].years, fc["communes_ntm"].years)
        assert np.all(fc["communes_advanced"].values <= ntm)
    if "communes_model" in fc:
        assert np.all(fc["communes_model"].values <= fc["communes_advanced"].values)
    if mid_year:  # the June (etc.) figure is a floor on its own year end
        assert np.all(fc["communes_ntm"].at(last_year) >= last_ntm)
    if last_ntm == total:
        assert np.all(ntm == total)
    frame = fc.to_frame()
    fcast = frame[frame.kind == "forecast"]
    assert (fcast[QCOLS].diff(axis=1).iloc[:, 1:] >= -1e-9).all().all()
    again = forecast_locality(loc, ctx, horizon=4, n_paths=300, seed=seed)
    assert again.to_frame().to_csv() == frame.to_csv()


@pytest.mark.parametrize("name", sorted(models.MODELS))
def test_any_model_chosen_by_hand_stays_bounded_and_never_fails(name):
    """`--model NAME` on real data: every model's paths obey the same bounds."""
    locs = params_localities()
    ctx = Context.from_localities(locs.values())
    for slug in ("vietnam", "hau_giang"):
        fc = forecast_locality(locs[slug], ctx, n_paths=300, seed=1, model=name)
        for metric, pf in fc.paths.items():
            v = pf.values
            assert np.isfinite(v).all() and (v >= 0).all(), (slug, metric)
            if locs[slug].info(metric).cumulative:
                assert (np.diff(v, axis=1) >= -1e-9).all(), (slug, metric)
            if metric.startswith("communes_") and metric != "communes_total":
                assert v.max() <= 8267, (slug, metric)  # never above the national total


# --- the communes merged on 1 July 2025 and the criteria of 2026–2030 -------------------


def _merged(o: dict) -> dict:
    return {**o, "after_merger": True}


# 144 old communes, 125 of them at the standard by 2024; 70 merged communes, 30 of them.
OLD_COMMUNES = commune_series(
    [2020, 2021, 2022, 2023, 2024], [60, 80, 100, 115, 125], 144, advanced=[5, 10, 20, 30, 40]
)
MERGED_COMMUNES = [
    _merged(obs("communes_total", 2025, 70, as_of="2025-10")),
    _merged(obs("communes_ntm", 2025, 30, as_of="2025-10")),
]


def _reasons(fc) -> dict:
    return {s.metric: (s.reason.code, s.reason.values) for s in fc.skipped}


def test_a_unit_of_2025_is_forecast_from_its_merged_communes():
    unit = locality([*OLD_COMMUNES, *MERGED_COMMUNES], slug="u", origin_year=2025)
    fc = forecast_locality(unit, context([unit]), n_paths=N, seed=1)
    year_2026 = fc["communes_ntm"].at(2026)
    assert 30 <= np.median(year_2026) <= 50  # from 30 of 70, not from 125 of 144
    assert year_2026.max() <= 70
    frame = fc.observed_frame(["communes_ntm"])
    assert frame["value"].tolist() == [30]  # the history shown is the merged communes'


@pytest.mark.parametrize(
    ("figures", "missing"),
    [
        ([], "communes_ntm"),
        ([_merged(obs("communes_ntm", 2025, 30, as_of="2025-10"))], "communes_total"),
    ],
    ids=["no merged figure", "no merged total"],
)
def test_without_merged_figures_a_unit_says_what_is_missing(figures, missing):
    unit = locality([*OLD_COMMUNES, *figures], slug="u", origin_year=2025)
    fc = forecast_locality(unit, context([unit]), n_paths=N, seed=1)
    assert "communes_ntm" not in fc
    assert _reasons(fc)["communes_ntm"] == ("fc.no_merged_figure", {"metric": missing})


def test_the_advanced_and_model_grades_end_with_2025():
    figures = [*OLD_COMMUNES, *MERGED_COMMUNES, obs("communes_model", 2024, 3)]
    figures.append(_merged(obs("communes_advanced", 2025, 8, as_of="2025-10")))
    unit = locality(figures, slug="u", origin_year=2025)
    fc = forecast_locality(unit, context([unit]), n_paths=N, seed=1)
    reasons = _reasons(fc)
    for grade in ("communes_advanced", "communes_model"):
        assert grade not in fc
        assert reasons[grade] == ("fc.grade_ended", {"metric": grade})
    assert "communes_ntm" in fc
    # before the merger they are forecast as ever
    before = locality(OLD_COMMUNES, slug="before", origin_year=2024)
    assert "communes_advanced" in forecast_locality(before, context([before]), n_paths=N)


def _former(slug: str, ocop: list[float]):
    figures = [*OLD_COMMUNES]
    figures += [obs("ocop_total", y, v) for y, v in zip(range(2021, 2026), ocop, strict=True)]
    loc = locality(figures, slug=slug, name=f"Tỉnh {slug}", origin_year=2025)
    return loc.model_copy(update={"merged_into": "u"})


@pytest.mark.parametrize(("known", "named"), [(True, "Tỉnh Hợp Nhất"), (False, "u")])
def test_a_former_province_names_the_unit_it_merged_into(known, named):
    a = _former("a", [10, 15, 22, 30, 37])
    unit = locality(MERGED_COMMUNES, slug="u", name="Tỉnh Hợp Nhất", origin_year=2025)
    ctx = context([a, unit] if known else [a])
    fc = forecast_locality(a, ctx, n_paths=N, seed=1)
    assert _reasons(fc)["communes_ntm"] == ("fc.merged_into", {"unit": named})
    assert "ocop_total" in fc  # its products were not merged away


def test_a_units_ocop_after_the_merger_is_its_members_sum_where_it_has_none_of_its_own():
    a, b = _former("a", [10, 15, 22, 30, 37]), _former("b", [5, 9, 12, 18, 21])
    unit = locality(MERGED_COMMUNES, slug="u", origin_year=2025)
    unit = unit.model_copy(update={"members": ("a", "b")})
    ctx = context([a, b, unit])
    fc = forecast_locality(unit, ctx, n_paths=N, seed=4)
    parts = [forecast_locality(m, ctx, n_paths=N, seed=4) for m in (a, b)]
    assert fc["ocop_total"].model == "sum_of_members"
    assert np.array_equal(fc["ocop_total"].at(2027), sum(p["ocop_total"].at(2027) for p in parts))
    assert fc["communes_ntm"].model != "sum_of_members"  # its own merged communes
    assert "ocop_total" not in _reasons(fc)
    # the forecast table holds what the chart draws, though the unit states no OCOP figure
    rows = fc.to_frame()
    assert set(rows[rows["metric"] == "ocop_total"]["model"]) == {"sum_of_members"}
    # with a history of its own, the unit's own OCOP forecast stands
    ocop = [obs("ocop_total", y, v) for y, v in ((2023, 40), (2024, 48), (2025, 58))]
    own = unit.model_copy(
        update={"observations": (*unit.observations, *locality(ocop).observations)}
    )
    assert forecast_locality(own, ctx, n_paths=N, seed=4)["ocop_total"].model != "sum_of_members"


def test_a_units_single_ocop_count_grows_at_a_provinces_pace_not_a_flat_prior():
    """A unit with one OCOP count and no additions of its own (Cần Thơ (2025): 895 in
    February 2026) is a province: the pool's level fits its scale. On the flat prior a
    nation's series stands on, its 80% range ran to 50 times its count within five years."""
    a, b = _former("a", [10, 15, 22, 30, 37]), _former("b", [5, 9, 12, 18, 21])
    unit = locality(
        [*MERGED_COMMUNES, obs("ocop_total", 2026, 895, as_of="2026-02")],
        slug="u",
        origin_year=2025,
    )
    unit = unit.model_copy(update={"members": ("a", "b")})
    fc = forecast_locality(unit, context([a, b, unit]), n_paths=N, seed=4)
    p90 = np.quantile(fc["ocop_total"].at(2030), 0.9)
    assert fc["ocop_total"].model == "ocop_growth" and 895 < p90 < 3 * 895


SLOW = commune_series(
    [2017, 2018, 2019, 2020, 2021, 2022, 2023, 2024], [10, 14, 17, 22, 26, 30, 34, 37], 300
)


def test_the_2021_change_sets_the_doubt_of_the_new_criteria():
    assert context().criteria_break_sd > 0


def test_a_forecast_that_ends_by_2025_has_no_doubt_of_the_new_criteria(rich):
    import dataclasses

    loc, ctx, _ = rich
    assert ctx.criteria_break_sd > 0
    frames = [
        forecast_locality(
            loc, dataclasses.replace(ctx, criteria_break_sd=sd), horizon=4, n_paths=N, seed=3
        )
        .to_frame()
        .to_csv()
        for sd in (ctx.criteria_break_sd, 0.0, 2.0)
    ]
    assert frames[0] == frames[1] == frames[2]


def _spread(loc, ctx, sd, horizon, year):
    import dataclasses

    c = dataclasses.replace(ctx, criteria_break_sd=sd)
    col = forecast_locality(loc, c, horizon=horizon, n_paths=2000, seed=1)["communes_ntm"].at(year)
    return np.quantile(col, 0.95) - np.quantile(col, 0.05)


def test_a_forecast_to_2030_is_wider_with_more_doubt():
    loc = locality(SLOW, slug="slow")
    ctx = context([loc])
    assert _spread(loc, ctx, 0.0, 6, 2030) < _spread(loc, ctx, 1.0, 6, 2030)


def test_a_forecast_ending_in_2026_carries_the_doubt_of_its_last_year():
    loc = locality(SLOW, slug="slow")
    ctx = context([loc])
    assert _spread(loc, ctx, 3.0, 3, 2026) > _spread(loc, ctx, 0.0, 3, 2026)  # to 2027: wider
    assert _spread(loc, ctx, 3.0, 2, 2026) > _spread(loc, ctx, 0.0, 2, 2026)  # to 2026: same


def test_a_district_with_one_ocop_count_and_no_additions_is_not_forecast():
    """A district's OCOP level stands on its own additions; with none (Lý Nhân: 18 products in
    2024) the flat prior alone spanned 19 to 50,000 products by 2030: it says why instead."""
    a, b = _former("a", [10, 15, 22, 30, 37]), _former("b", [5, 9, 12, 18, 21])
    district = locality([obs("ocop_total", 2024, 18)], slug="d", level="district", parent="a")
    fc = forecast_locality(district, context([a, b, district]), n_paths=N, seed=4)
    assert "ocop_total" not in fc
    assert "ocop_total" in _reasons(fc)
