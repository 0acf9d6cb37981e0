"""Pooled hazard and growth: fitted from several localities; short series borrow from them."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from engine_fixtures import (
    commune_series,
    context,
    locality,
    obs,
    one_point_province,
    pool,
    rich_province,
)

from ntm_forecast.engine import pooling
from ntm_forecast.engine.forecast import Context, forecast_locality
from ntm_forecast.engine.pooling import (
    COVERAGE_CAP,
    RHO_BOUNDS,
    HazardStructure,
    coverage_scale,
    fit_cloglog,
    fit_pooled_growth,
    fit_pooled_hazard,
    intervals_for,
    leave_one_out_coefs,
    mean_coverage,
    ocop_additions,
    prior_hazard,
    push_share,
    within_dispersion,
)


def test_pooled_hazard_from_several_localities():
    locs = pool()
    ph = fit_pooled_hazard("communes_ntm", locs)
    per = {loc.slug: len(intervals_for(loc, "communes_ntm")) for loc in locs}
    assert all(n > 0 for n in per.values())
    assert ph.n_intervals == sum(per.values())
    assert set(ph.localities) == set(per)
    assert not np.allclose(ph.coef, prior_hazard("communes_ntm", ph.structure).coef)
    assert RHO_BOUNDS[0] <= ph.rho <= RHO_BOUNDS[1]
    assert ph.weights.sum() == pytest.approx(1.0)
    k = len(ph.structure.columns)
    assert ph.cov.shape == (k, k)
    assert np.all(np.linalg.eigvalsh(ph.cov) > 0)


def test_leave_one_out_coefficients_match_a_refit_without_the_locality():
    """ρ is read from predictive residuals: each province scored by the coefficients fitted
    without it. The one-step shortcut agrees with refitting on the others."""
    structure = HazardStructure(coverage=True, phase=True)
    locs = [rich_province(f"p{i}", speed=0.5 + 0.25 * i) for i in range(8)]
    per = [intervals_for(loc, "communes_ntm") for loc in locs]
    ivs = [iv for items in per for iv in items]
    X = np.vstack(
        [
            structure.row([iv.coverage for iv in items], mean_coverage(items), 0.0, 0.0)
            for items in per
        ]
    )
    X[:, 3] = [iv.phase2 for iv in ivs]
    R = np.array([iv.at_risk for iv in ivs])
    k = np.array([iv.events for iv in ivs])
    dt = np.array([iv.dt for iv in ivs])
    w = np.full(len(ivs), 0.3)
    u = np.random.default_rng(0).normal(0.0, 0.3, len(ivs))
    bounds = np.cumsum([0, *map(len, per)])
    mean, sd = structure.prior()
    coef, _ = fit_cloglog(X, R, k, dt, w, mean, sd, offset=u)
    loo = leave_one_out_coefs(X, R, k, dt, w, u, coef, bounds, sd)
    for i, (a, b) in enumerate(zip(bounds[:-1], bounds[1:])):
        rest = np.r_[0:a, b : len(ivs)]
        refit, _ = fit_cloglog(X[rest], R[rest], k[rest], dt[rest], w[rest], mean, sd, u[rest])
        moved = np.abs(refit - coef)
        assert moved.max() > 0.01  # leaving a province out matters...
        assert np.abs(loo[i] - refit).max() < 0.1 * moved.max()  # ...and the shortcut has it


def test_a_small_pool_widens_its_coefficients_covariance(monkeypatch):
    """Three provinces with intervals: the covariance is 15/3 times what the fit says;
    fifteen: as fitted."""
    many = [rich_province(f"p{i}", speed=0.5 + 0.1 * i) for i in range(15)]
    small, full = fit_pooled_hazard("communes_ntm", pool()), fit_pooled_hazard("communes_ntm", many)
    monkeypatch.setattr(pooling, "SMALL_POOL", 1)
    unscaled = fit_pooled_hazard("communes_ntm", pool())
    assert len(small.localities) == 3
    assert np.allclose(small.coef, unscaled.coef)
    assert np.allclose(small.cov, unscaled.cov * 15 / 3)
    assert np.allclose(full.cov, fit_pooled_hazard("communes_ntm", many).cov)


def test_every_term_adds_a_coefficient():
    full = HazardStructure(time_varying=True, coverage=True, phase=True, push=True)
    ph = fit_pooled_hazard("communes_ntm", pool(), structure=full)
    assert ph.coef.shape == (5,)
    assert ph.structure.columns == ("b0", "coverage_within", "coverage_between", "phase2", "push")
    assert (ph.grid[:, 1] > 0).any()  # a random walk: σ on a grid, not fixed at zero


def test_no_intervals_gives_the_prior():
    ph = fit_pooled_hazard("communes_ntm", [one_point_province()])
    assert ph.n_intervals == 0 and ph.localities == ()
    assert np.allclose(ph.coef, prior_hazard("communes_ntm", ph.structure).coef)


def test_a_standard_with_no_intervals_borrows_the_one_it_is_nested_in():
    """No province has two model-commune figures: the model hazard is the advanced one (not
    the wide prior), and a district's first model communes get a believable interval."""
    provinces = [
        locality(
            commune_series([2017, 2018, 2019, 2020], [20, 30, 40, 50], 100, advanced=[2, 5, 8, 12]),
            slug=f"p{i}",
        )
        for i in range(4)
    ]
    advanced = fit_pooled_hazard("communes_advanced", provinces)
    model = fit_pooled_hazard("communes_model", provinces)
    assert advanced.borrowed_from is None and model.borrowed_from == "communes_advanced"
    assert model.standard == "communes_model"
    assert np.array_equal(model.coef, advanced.coef) and np.array_equal(model.cov, advanced.cov)
    assert not np.allclose(model.coef, prior_hazard("communes_model", model.structure).coef)
    modern = fit_pooled_hazard("communes_modern", provinces)
    assert modern.borrowed_from == "communes_ntm"
    assert np.array_equal(modern.coef, fit_pooled_hazard("communes_ntm", provinces).coef)

    district = locality(
        [
            obs("communes_total", 2020, 100),
            obs("communes_ntm", 2020, 90),
            obs("communes_advanced", 2020, 40),
            obs("communes_model", 2020, 2),
        ],
        slug="dist",
        level="district",
    )
    ctx = Context.from_localities([*provinces, district])
    high = {}
    for name, hazards in (
        ("borrowed", ctx.hazards),
        (
            "prior",
            {**ctx.hazards, "communes_model": prior_hazard("communes_model", model.structure)},
        ),
    ):
        fc = forecast_locality(
            district, dataclasses.replace(ctx, hazards=hazards), horizon=1, n_paths=2000
        )
        high[name] = np.quantile(fc["communes_model"].values[:, -1], 0.9)
    assert 2 * high["borrowed"] < high["prior"]


def test_the_pool_is_the_provinces():
    """The national series sums the provinces and a district is part of one: neither is
    fitted into the pool (no locality is both data and prior of itself)."""
    nation = locality(
        commune_series([2016, 2017, 2018, 2019], [100, 400, 900, 1500], 8000),
        slug="nation",
        level="national",
    )
    district = locality(
        commune_series([2016, 2017, 2018], [1, 5, 9], 10), slug="dist", level="district"
    )
    base = fit_pooled_hazard("communes_ntm", pool())
    with_more = fit_pooled_hazard("communes_ntm", [*pool(), nation, district])
    assert with_more.localities == base.localities
    assert np.allclose(with_more.coef, base.coef)


def test_locality_with_no_intervals_gets_own_weight_zero():
    ph = fit_pooled_hazard("communes_ntm", pool())
    m, v, w = ph.locality_state([], at=2022.0)
    assert w == 0.0 and np.all(m == 0.0)
    assert np.allclose(v, ph.grid[:, 0] ** 2)
    thin = one_point_province()
    ctx = context([thin])
    fc = forecast_locality(thin, ctx, n_paths=500)
    assert fc["communes_ntm"].own_weight == 0.0


def test_own_weight_grows_with_history():
    rich = pool()[0]
    ph = fit_pooled_hazard("communes_ntm", pool())
    ivs = intervals_for(rich, "communes_ntm")
    w_all = ph.locality_state(ivs, at=2022.0)[2]
    w_one = ph.locality_state(ivs[:1], at=2022.0)[2]
    assert 0.0 < w_one < w_all < 1.0


def test_tau_has_no_floor():
    """Provinces alike: the spread of their shifts comes out small (the old floor was 0.35)."""
    same = [
        locality(
            commune_series(list(range(2014, 2021)), [10, 20, 29, 37, 44, 50, 55], 100), slug=f"p{i}"
        )
        for i in range(12)
    ]
    assert fit_pooled_hazard("communes_ntm", same).tau < 0.2


def test_short_series_borrows_from_the_pool():
    """One figure: the forecast follows the pooled pace (a faster pool, a higher median)."""
    thin = one_point_province(ntm=30)
    slow = forecast_locality(thin, Context.from_localities([*pool(0.5), thin]), n_paths=1000)
    fast = forecast_locality(thin, Context.from_localities([*pool(2.0), thin]), n_paths=1000)
    assert np.median(fast["communes_ntm"].values[:, -1]) > np.median(
        slow["communes_ntm"].values[:, -1]
    )


def test_intervals_measure_communes_at_risk():
    loc = locality(commune_series([2019, 2020, 2021], [10, 14, 20], 50))
    ivs = intervals_for(loc, "communes_ntm")
    assert [(iv.at_risk, iv.events) for iv in ivs] == [(40, 4), (36, 6)]
    assert all(iv.dt == pytest.approx(1.0) for iv in ivs)
    assert ivs[0].coverage == pytest.approx(0.2)
    assert [iv.phase2 for iv in ivs] == [0.0, 1.0]  # the 2021 interval is in the new phase


def test_intervals_skip_short_spans_when_a_yearly_one_exists():
    loc = locality(
        [
            obs("communes_total", 2020, 50),
            obs("communes_ntm", 2020, 10),
            obs("communes_ntm", 2021, 12, as_of="2021-03"),
            obs("communes_ntm", 2021, 16),
        ]
    )
    ivs = intervals_for(loc, "communes_ntm")
    assert len(ivs) == 1
    assert ivs[0].dt == pytest.approx(1.0) and ivs[0].events == 6


def test_advanced_intervals_use_the_ntm_communes_as_the_pool():
    loc = locality(commune_series([2020, 2021], [20, 30], 100, advanced=[2, 5]))
    (iv,) = intervals_for(loc, "communes_advanced")
    assert iv.at_risk == 18  # the NTM communes not yet advanced, not the 98 of all communes


def test_coverage_term_reads_minus_log_of_the_share_left():
    """90% and 99% are far apart on the coverage scale, and 100% stays finite (capped)."""
    assert coverage_scale(0.9) == pytest.approx(np.log(10))
    assert coverage_scale(0.99) - coverage_scale(0.9) == pytest.approx(np.log(10))
    assert coverage_scale(1.0) == pytest.approx(-np.log1p(-COVERAGE_CAP))
    loc = locality(commune_series([2018, 2019, 2020], [50, 90, 99], 100))
    ivs = intervals_for(loc, "communes_ntm")
    mean = mean_coverage(ivs)
    assert mean == pytest.approx((np.log(2) + np.log(10)) / 2)
    x = HazardStructure(coverage=True).row([iv.coverage for iv in ivs], mean, 0.0, 0.0)
    assert np.allclose(x[:, 1], [np.log(2) - mean, np.log(10) - mean])  # within
    assert np.allclose(x[:, 2], mean)  # between


def test_push_share():
    assert push_share(2019.0, 2021.0) == pytest.approx(1.0)
    assert push_share(2021.0, 2023.0) == pytest.approx(0.0)
    assert push_share(2022.0, 2024.0) == pytest.approx(0.5)  # 2023 is a last-three year
    assert push_share(2016.0, 2018.0) == pytest.approx(0.0)
    assert push_share(2022.0, 2022.0) == 0.0


def test_ocop_additions_and_pooled_growth():
    loc = locality(
        [obs("ocop_total", 2019, 10), obs("ocop_total", 2020, 18), obs("ocop_total", 2021, 30)],
        slug="oc",
    )
    adds = ocop_additions(loc)
    assert [(a.year, a.added, a.stock) for a in adds] == [(2020, 8, 10), (2021, 12, 18)]
    pg = fit_pooled_growth([loc])
    assert pg.n == 2 and pg.localities == ("oc",)
    assert np.exp(pg.coef[0]) == pytest.approx(10.0, rel=0.35)  # about 10 added a year
    assert pg.dispersion > 0 and pg.weights.sum() == pytest.approx(1.0)
    empty = fit_pooled_growth([one_point_province()])
    assert empty.n == 0


def test_ocop_additions_between_figures_dated_inside_the_year():
    """Counts dated in June and May (Hà Nội's kind) frame additions over their span; a span
    a year-end pair already covers, or shorter than half a year, adds nothing."""
    loc = locality(
        [
            obs("ocop_total", 2023, 2167, as_of="2023-06"),
            obs("ocop_total", 2024, 2711, as_of="2024-05"),
            obs("ocop_total", 2024, 2800, as_of="2024-12"),
            obs("ocop_total", 2025, 3000, as_of="2025-12"),
            obs("ocop_total", 2026, 3050, as_of="2026-02"),
        ],
        slug="hn",
    )
    adds = [(a.year, a.added, a.stock, round(a.span, 3)) for a in ocop_additions(loc)]
    assert adds == [
        (2024, 89.0, 2711.0, 0.583),  # May to December 2024
        (2024, 544.0, 2167.0, 0.917),  # June 2023 to May 2024
        (2025, 200.0, 2800.0, 1.0),  # the year-end pair; its February figure is too close
    ]


def test_ocop_dispersion_is_the_noise_within_provinces():
    """Provinces whose own paces differ a hundredfold, with little noise around each
    (negative binomial, k = 20): k is read near 20 and the spread between provinces stays
    wide, so a big producer keeps its own pace (own weight high)."""
    rng = np.random.default_rng(3)
    locs = []
    for i, pace in enumerate(np.geomspace(5, 500, 30)):
        added = rng.negative_binomial(20, 20 / (20 + pace), size=5)
        levels = 10 + np.concatenate([[0], np.cumsum(added)])
        locs.append(
            locality([obs("ocop_total", 2018 + j, v) for j, v in enumerate(levels)], slug=f"o{i}")
        )
    assert within_dispersion([ocop_additions(loc) for loc in locs]) == pytest.approx(20, rel=0.5)
    pg = fit_pooled_growth(locs)
    assert pg.tau > 1.0
    _, _, own = pg.locality_state(ocop_additions(locs[-1]))
    assert own > 0.8


# --- simulation check: known parameters are recovered with honest intervals ------------


def _simulate(rng, *, b0, tau, rho, sigma, n_loc=40, years=range(2012, 2019)):
    m = (1 - rho) / rho
    locs = []
    for i in range(n_loc):
        total = int(rng.integers(80, 200))
        level = int(total * rng.uniform(0.05, 0.3))
        u = rng.normal(0, tau)
        ntm = [level]
        for _ in list(years)[1:]:
            u += rng.normal(0, sigma)
            p = -np.expm1(-np.exp(b0 + u))
            level += rng.binomial(total - level, rng.beta(p * m, (1 - p) * m))
            ntm.append(level)
        locs.append(locality(commune_series(list(years), ntm, total), slug=f"p{i}"))
    return locs


def _grid_interval(values, weights, q=(0.1, 0.9)):
    grid = np.unique(values)
    cdf = np.cumsum([weights[values == g].sum() for g in grid])
    lg = np.log(np.maximum(grid, 1e-3))
    return tuple(np.exp(np.interp(q, cdf, lg)))


@pytest.mark.parametrize(("time_varying", "reps"), [(False, 40), (True, 30)])
def test_simulated_histories_refitted_cover_the_truth(time_varying, reps):
    """80% intervals of b0, τ (and σ) cover the values that generated the data in 65–95%
    of the replications (fixed seed)."""
    b0, tau, sigma = np.log(0.12), 0.5, 0.25 if time_varying else 0.0
    rng = np.random.default_rng(0)
    hits = np.zeros(3)
    for _ in range(reps):
        locs = _simulate(rng, b0=b0, tau=tau, rho=0.02, sigma=sigma)
        ph = fit_pooled_hazard(
            "communes_ntm", locs, structure=HazardStructure(time_varying=time_varying)
        )
        hits[0] += abs(ph.coef[0] - b0) <= 1.2816 * np.sqrt(ph.cov[0, 0])
        lo, hi = _grid_interval(ph.grid[:, 0], ph.weights)
        hits[1] += lo <= tau <= hi
        if time_varying:
            lo, hi = _grid_interval(ph.grid[:, 1], ph.weights)
            hits[2] += lo <= sigma <= hi
    share = hits / reps
    assert 0.65 <= share[0] <= 0.95, share
    assert 0.65 <= share[1] <= 0.95, share
    if time_varying:
        assert 0.65 <= share[2] <= 0.95, share
