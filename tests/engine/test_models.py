"""Every model has one shape: fit(MetricHistory) -> self, forecast(...) -> PathForecast."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest
from engine_fixtures import (
    commune_series,
    context,
    locality,
    obs,
    one_point_province,
    rich_province,
)

from ntm_forecast.domain.paths import PathForecast
from ntm_forecast.engine import pooling
from ntm_forecast.engine.forecast import Context, forecast_locality, metric_history
from ntm_forecast.engine.models import (
    MODELS,
    SELECTION,
    BoundedTrend,
    CommuneHazard,
    DampedETS,
    Drift,
    InsufficientHistory,
    NotFittedError,
    OcopGrowth,
    YearlyAdditions,
)
from ntm_forecast.i18n.messages import render

HORIZON_END = 2026
N = 400


def _long_series():
    years = list(range(2012, 2022))
    ntm = [10, 18, 27, 35, 44, 52, 60, 67, 73, 78]
    out = commune_series(years, ntm, 200)
    out += [obs("avg_criteria", y, 10.0 + 0.8 * i) for i, y in enumerate(years)]
    return locality(out, slug="long", name="Tỉnh dài")


def _additions_only():
    return locality(
        [
            obs("villages_ntm", 2019, 4, kind="increment", unit="villages"),
            obs("villages_ntm", 2020, 6, kind="increment", unit="villages"),
            obs("villages_ntm", 2021, 7, kind="increment", unit="villages"),
        ],
        slug="adds",
        name="Huyện thêm",
        origin_year=2021,
    )


# model name -> (locality builder, metric, ceiling)
CASES = {
    "hazard": (rich_province, "communes_ntm", 100.0),
    "ocop_growth": (rich_province, "ocop_total", None),
    "bounded_trend": (rich_province, "avg_criteria", None),
    "drift": (rich_province, "communes_ntm", 100.0),
    "ets": (_long_series, "communes_ntm", 200.0),
    "additions_only": (_additions_only, "villages_ntm", None),
}


def _history(name):
    build, metric, _ = CASES[name]
    loc = build()
    ctx = context([loc])
    return metric_history(loc, metric, ctx)


def _fit(name, pace=1.0):
    model = MODELS[name](pace=pace)
    return model.fit(_history(name))


def _forecast(model, name, seed=0, n_paths=N):
    cap = CASES[name][2]
    ceiling = None if cap is None else (lambda year: cap)
    horizon = HORIZON_END - model.history_.origin_year  # years after the origin
    return model.forecast(horizon, n_paths=n_paths, seed=seed, ceiling=ceiling)


def test_every_model_has_a_case():
    assert set(CASES) == set(MODELS)


@pytest.fixture(scope="module", params=sorted(MODELS))
def fitted(request):
    name = request.param
    return name, _fit(name)


def test_fit_returns_self_and_sets_only_trailing_underscore_state():
    for name in sorted(MODELS):
        model = MODELS[name](pace=1.0)
        before = set(vars(model))
        assert model.fit(_history(name)) is model
        new = set(vars(model)) - before
        assert new, name
        assert all(a.endswith("_") for a in new), (name, new)
        # settings are not renamed or dropped by fit
        assert model.pace == 1.0


def test_path_forecast_shape(fitted):
    name, model = fitted
    pf = _forecast(model, name)
    assert isinstance(pf, PathForecast)
    assert pf.model == model.name == name
    assert pf.values.ndim == 2
    assert pf.values.shape == (N, len(pf.years))
    assert pf.years[-1] == HORIZON_END
    assert np.array_equal(np.diff(pf.years), np.ones(len(pf.years) - 1))
    assert np.all(np.isfinite(pf.values))
    assert 0.0 <= pf.own_weight <= 1.0


def test_quantiles_ordered(fitted):
    name, model = fitted
    q = _forecast(model, name).quantiles()
    assert q.shape[0] == 7
    assert np.all(np.diff(q, axis=0) >= -1e-9)


def test_repr(fitted):
    name, model = fitted
    text = repr(model)
    assert type(model).__name__ in text
    assert "fitted" in text and "not fitted" not in text
    assert "not fitted" in repr(MODELS[name]())
    pf_text = repr(_forecast(model, name))
    assert name in pf_text and str(HORIZON_END) in pf_text


def test_deterministic_under_seed(fitted):
    name, model = fitted
    a = _forecast(model, name, seed=7)
    b = _forecast(model, name, seed=7)
    assert np.array_equal(a.values, b.values)
    assert np.array_equal(a.years, b.years)


def test_different_seeds_differ(fitted):
    name, model = fitted
    a = _forecast(model, name, seed=1)
    b = _forecast(model, name, seed=2)
    assert not np.array_equal(a.values, b.values)


def test_counts_do_not_fall(fitted):
    name, model = fitted
    pf = _forecast(model, name)
    if name == "bounded_trend":  # a criteria average may dip; it is bounded instead
        assert np.all((pf.values >= 0) & (pf.values <= 19))
        return
    assert np.all(np.diff(pf.values, axis=1) >= -1e-9)


def test_ceiling_respected(fitted):
    name, model = fitted
    cap = CASES[name][2]
    if cap is None:
        pytest.skip("no ceiling for this metric")
    pf = _forecast(model, name)
    assert pf.values.max() <= cap + 1e-9


@pytest.mark.parametrize("name", sorted(MODELS))
def test_faster_pace_adds_more(name):
    slow = _forecast(_fit(name, pace=0.5), name, n_paths=1000)
    fast = _forecast(_fit(name, pace=2.0), name, n_paths=1000)
    assert fast.values[:, -1].mean() > slow.values[:, -1].mean()


def test_insufficient_history_is_an_exception_not_a_forecast():
    loc = locality([obs("avg_criteria", 2021, 15.0)], slug="one")
    hist = metric_history(loc, "avg_criteria", context([loc]))
    for model in (BoundedTrend(), Drift()):
        with pytest.raises(InsufficientHistory):
            model.fit(hist)
    with pytest.raises(InsufficientHistory):
        MODELS["ets"]().fit(hist)
    with pytest.raises(InsufficientHistory):
        YearlyAdditions().fit(hist)


def test_hazard_needs_a_pooled_hazard_and_ocop_a_pooled_growth():
    loc = rich_province()
    hist = metric_history(loc, "avg_criteria", context([loc]))  # no pooled priors
    with pytest.raises(InsufficientHistory):
        CommuneHazard().fit(hist)
    with pytest.raises(InsufficientHistory):
        OcopGrowth().fit(hist)


def test_ocop_with_no_products_and_no_additions_is_insufficient():
    loc = locality([obs("ocop_total", 2021, 0)], slug="zero")
    hist = metric_history(loc, "ocop_total", context([loc]))
    with pytest.raises(InsufficientHistory):
        OcopGrowth().fit(hist)


def test_additions_only_counts_from_zero_at_origin():
    pf = _forecast(_fit("additions_only"), "additions_only")
    assert pf.years[0] == 2021
    assert np.all(pf.values[:, 0] == 0)
    assert "added after 2021" in pf.note


def test_candidates_put_the_default_first():
    candidates = SELECTION.candidates
    assert candidates("commune")[0] == SELECTION.default("commune")
    assert candidates("other") == ["drift", "ets"]
    for fam in ("commune", "ocop", "criteria", "percent", "money", "count", "other"):
        c = candidates(fam)
        assert len(c) == len(set(c)) and set(c) <= set(MODELS)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_forecast_before_fit_is_a_clear_error(name):
    with pytest.raises(NotFittedError, match="before fit"):
        MODELS[name]().forecast(3, n_paths=10)


# --- settings: in the constructor, in the repr, reachable from SELECTION ------------------


def test_every_model_is_configured_in_the_selection():
    assert set(SELECTION.models) == set(MODELS)
    for name, model in SELECTION.models.items():
        assert type(model) is MODELS[name]


@pytest.mark.parametrize("name", sorted(MODELS))
def test_repr_shows_every_setting(name):
    model = MODELS[name](pace=1.5)
    text = repr(model)
    assert text.startswith(f"{type(model).__name__}(pace=1.5")
    for key, value in model.get_params().items():
        assert f"{key}={value!r}" in text


def test_repr_shows_a_changed_setting():
    assert "damping=0.5, default_sd=0.25" in repr(BoundedTrend(damping=0.5))
    assert "min_points=4" in repr(DampedETS(min_points=4))
    assert "prior_sd=0.3, window=2" in repr(YearlyAdditions(prior_sd=0.3, window=2))


def test_clone_copies_the_settings_and_leaves_the_original_alone():
    fitted = BoundedTrend(damping=0.5).fit(_history("bounded_trend"))
    copy = fitted.clone(pace=2.0)
    assert copy.get_params() == {"pace": 2.0, "damping": 0.5, "default_sd": 0.25}
    assert not hasattr(copy, "history_") and hasattr(fitted, "history_")
    assert fitted.pace == 1.0
    with pytest.raises(ValueError, match="no setting dampening"):
        fitted.clone(dampening=0.5)


def test_a_selection_names_only_models_it_configures():
    without_ets = {k: v for k, v in SELECTION.models.items() if k != "ets"}
    with pytest.raises(ValueError, match="ets"):
        dataclasses.replace(SELECTION, models=without_ets)
    with pytest.raises(ValueError, match="drift"):
        dataclasses.replace(SELECTION, models={**SELECTION.models, "drift": BoundedTrend()})


def _forecast_with(loc, *configured, model=None, pace=1.0, n_paths=2000):
    """The forecast of `loc` with some models of SELECTION configured otherwise."""
    models = {**SELECTION.models, **{m.name: m for m in configured}}
    ctx = Context.from_localities([loc], selection=dataclasses.replace(SELECTION, models=models))
    fc = forecast_locality(loc, ctx, n_paths=n_paths, seed=0, model=model, pace=pace)
    return fc


def test_default_settings_spelled_out_forecast_exactly_as_before():
    loc = rich_province()
    spelled = (BoundedTrend(pace=1.0, damping=0.9, default_sd=0.25), Drift(pace=1.0))
    for metric in ("avg_criteria", "communes_ntm"):
        assert np.array_equal(
            _forecast_with(loc, *spelled)[metric].values, _forecast_with(loc)[metric].values
        )


def test_damping_reaches_the_forecast():
    loc = rich_province()  # avg_criteria rises 14 → 16.8
    medians = [
        np.median(_forecast_with(loc, BoundedTrend(damping=d))["avg_criteria"].values[:, -1])
        for d in (0.5, 0.9, 1.0)
    ]
    assert medians[0] < medians[1] < medians[2]


def test_default_sd_reaches_the_forecast():
    loc = rich_province()

    def spread(model):
        q = np.quantile(_forecast_with(loc, model)["avg_criteria"].values[:, -1], [0.1, 0.9])
        return q[1] - q[0]

    assert spread(BoundedTrend(default_sd=1.0)) > 1.5 * spread(BoundedTrend())


def test_min_points_reaches_the_forecast():
    years = range(2017, 2022)
    loc = locality([obs("avg_criteria", y, 12.0 + 0.7 * i) for i, y in enumerate(years)])
    fc = _forecast_with(loc, model="ets")  # five yearly figures, six needed
    assert "avg_criteria" not in fc
    assert "fewer than 6" in render(fc.skipped[0].reason, "en")
    fc = _forecast_with(loc, DampedETS(min_points=5), model="ets")
    assert fc["avg_criteria"].model == "ets"


def test_prior_sd_and_window_reach_the_forecast():
    loc = _additions_only()  # 4, 6, 7 villages added in 2019–2021

    def end(*models):
        return _forecast_with(loc, *models)["villages_ntm"].values[:, -1]

    q = {sd: np.quantile(end(YearlyAdditions(prior_sd=sd)), [0.1, 0.9]) for sd in (0.6, 2.0)}
    assert q[2.0][1] - q[2.0][0] > q[0.6][1] - q[0.6][0]
    assert np.median(end(YearlyAdditions(window=1))) > np.median(end(YearlyAdditions()))


def test_the_forecast_pace_multiplies_the_configured_one_and_leaves_it_alone():
    loc = rich_province()
    configured = BoundedTrend(pace=2.0)
    a = _forecast_with(loc, configured)["avg_criteria"]
    b = _forecast_with(loc, pace=2.0)["avg_criteria"]
    assert np.array_equal(a.values, b.values)
    assert configured.pace == 2.0 and not hasattr(configured, "history_")
    assert all(not hasattr(m, "history_") and m.pace == 1.0 for m in SELECTION.models.values())


# --- ceilings and numeric limits -------------------------------------------------------


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_model_keeps_its_paths_under_a_ceiling(name):
    model = _fit(name)
    horizon = HORIZON_END - model.history_.origin_year
    free = model.forecast(horizon, n_paths=N, seed=0)
    cap = free.values[:, 0].max() + 1.0
    assert free.values.max() > cap  # the ceiling below has something to hold back
    held = model.forecast(horizon, n_paths=N, seed=0, ceiling=lambda year: cap)
    assert held.values.max() <= cap + 1e-9


def test_fit_and_simulation_clip_the_log_hazard_at_one_limit():
    upper = pooling.LOG_HAZARD_LIMITS[1]
    mu, _ = pooling._terms(np.array([upper + 10.0]))  # what the fit reads
    assert mu[0] == pytest.approx(np.exp(upper))
    loc = one_point_province(ntm=0, total=1000)
    hist = metric_history(loc, "communes_ntm", context([loc]))
    ph = hist.pooled_hazard
    coef = np.zeros_like(ph.coef)
    coef[0] = 40.0  # far above the limit on every path
    certain = dataclasses.replace(
        ph,
        coef=coef,
        cov=np.diag(np.full(len(coef), 1e-12)),
        rho_draws=np.array([pooling.RHO_BOUNDS[0]]),
    )
    pace = 1e-3
    model = CommuneHazard(pace=pace).fit(dataclasses.replace(hist, pooled_hazard=certain))
    share = model.forecast(1, n_paths=4000, seed=0).values[:, -1].mean() / 1000
    assert share == pytest.approx(-np.expm1(-np.exp(upper) * pace), rel=0.05)


def test_the_simulation_reads_coverage_on_the_fitted_scale():
    """A locality at 90% with only a between-coverage coefficient: its first year's hazard
    is exp(b0 + β_b·(−log 0.1)), as the fit reads it (not β_b·0.9)."""
    loc = one_point_province(ntm=900, total=1000)
    structure = pooling.HazardStructure(coverage=True)
    selection = dataclasses.replace(SELECTION, hazard=structure)
    hist = metric_history(loc, "communes_ntm", Context.from_localities([loc], selection=selection))
    ph = hist.pooled_hazard
    weights = np.zeros(len(ph.grid))
    weights[np.argmin(ph.grid[:, 0])] = 1.0  # τ = 0.02: no locality shift to speak of
    b0, beta_b = np.log(0.2), 0.5
    certain = dataclasses.replace(
        ph,
        coef=np.array([b0, 0.0, beta_b]),
        cov=np.diag(np.full(3, 1e-12)),
        weights=weights,
        rho_draws=np.array([pooling.RHO_BOUNDS[0]]),
    )
    model = CommuneHazard().fit(dataclasses.replace(hist, pooled_hazard=certain))
    reached = model.forecast(1, n_paths=4000, seed=0).values[:, -1].mean() - 900
    expected = -np.expm1(-np.exp(b0 + beta_b * np.log(10)))
    assert reached / 100 == pytest.approx(expected, rel=0.05)


def _ocop_province(slug, communes, additions, first=2016):
    levels = np.cumsum([10, *additions])
    return locality(
        [obs("communes_total", first, communes)]
        + [obs("ocop_total", first + i, v) for i, v in enumerate(levels)],
        slug=slug,
    )


def test_ocop_size_keeps_a_big_producer_at_its_own_pace():
    """Term Z: additions grow with the number of communes across the pool, so a big province
    with one year of its own is not pulled to a small one's pace (and is, without the term)."""
    rng = np.random.default_rng(0)
    pool = [
        _ocop_province(f"p{c}", c, rng.poisson(rng.gamma(2.0, 0.1 * c / 2.0, size=4)))
        for c in range(80, 420, 20)
    ]
    big = _ocop_province("big", 400, [40], first=2019)
    small = _ocop_province("small", 80, [8], first=2019)
    added = {}
    for on in (False, True):
        selection = dataclasses.replace(SELECTION, growth=pooling.GrowthStructure(size=on))
        ctx = Context.from_localities([*pool, big, small], selection=selection)
        assert ctx.growth.structure.columns == (("a", "log_size") if on else ("a",))
        for loc in (big, small):
            fc = forecast_locality(loc, ctx, horizon=1, n_paths=2000, metrics_only=["ocop_total"])
            paths = fc["ocop_total"].values
            added[on, loc.slug] = np.mean(paths[:, -1] - paths[:, 0])
    assert added[True, "big"] > 2 * added[True, "small"]
    assert (
        added[True, "big"] / added[True, "small"]
        > 1.5 * added[False, "big"] / added[False, "small"]
    )


def test_ets_that_does_not_converge_is_said_not_forecast_and_warns_nothing():
    loc = locality([obs("avg_criteria", y, 15.0) for y in range(2014, 2022)])  # flat
    hist = metric_history(loc, "avg_criteria", context([loc]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(InsufficientHistory, match="did not converge"):
            DampedETS().fit(hist)
        fc = _forecast_with(loc, model="ets")
    assert "avg_criteria" not in fc
    assert "did not converge" in render(fc.skipped[0].reason, "en")


def test_drift_reads_pace_from_whole_years():
    # Hậu Giang: 32 at the end of 2020, 34 on 15/12/2021 then 36 (estimate) at its end:
    # two communes in a fortnight are not 48 a year.
    loc = locality(
        [
            obs("communes_total", 2020, 51),
            obs("communes_ntm", 2019, 29),
            obs("communes_ntm", 2020, 32),
            obs("communes_ntm", 2021, 34, as_of="2021-12-15"),
            obs("communes_ntm", 2021, 36, as_of="2021-12"),
        ]
    )
    d = Drift().fit(metric_history(loc, "communes_ntm", context([loc])))
    assert d.drift_ == pytest.approx(3.5)
    assert d.sd_ < 5


def test_drift_spread_never_collapses():
    # Hậu Giang's districts: 1, 1, 1 — drift 0, yet the paths are not all 1.
    loc = locality([obs("districts_ntm", y, 1, unit="districts") for y in (2019, 2020, 2021)])
    d = Drift().fit(metric_history(loc, "districts_ntm", context([loc])))
    pf = d.forecast(5, n_paths=2000, seed=0)
    q = np.quantile(pf.values[:, -1], [0.05, 0.95])
    assert d.sd_ > 0 and q[1] > q[0]


def test_bounded_trend_spread_never_collapses_on_a_perfect_line():
    loc = locality([obs("avg_criteria", y, 10.0 + y - 2018) for y in (2018, 2019, 2020, 2021)])
    b = BoundedTrend().fit(metric_history(loc, "avg_criteria", context([loc])))
    assert b.sd_ > 0.05


@pytest.mark.parametrize("name", sorted(CASES))
def test_result_turns_into_a_frame_with_ordered_quantiles(name):
    pf = _forecast(_fit(name), name)
    frame = pf.to_frame()
    assert list(frame.year) == list(pf.years)
    q = frame[["p05", "p10", "p25", "median", "p75", "p90", "p95"]].to_numpy()
    assert (q[:, 1:] >= q[:, :-1] - 1e-9).all()
    assert set(frame.model) == {pf.model}
