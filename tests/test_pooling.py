"""Pooled hazard and growth: fitted from several localities; short series borrow from them."""

from __future__ import annotations

import numpy as np
import pytest
from engine_fixtures import commune_series, context, locality, obs, one_point_province, pool

from ntm_forecast.forecast import Context, forecast_locality
from ntm_forecast.pooling import (
    PRIOR_MEAN,
    RHO_BOUNDS,
    TAU_FLOOR,
    fit_pooled_growth,
    fit_pooled_hazard,
    intervals_for,
    locality_effect,
    ocop_additions,
    push_share,
)


def test_pooled_hazard_from_several_localities():
    locs = pool()
    ph = fit_pooled_hazard("communes_ntm", locs)
    per = {loc.slug: len(intervals_for(loc, "communes_ntm")) for loc in locs}
    assert all(n > 0 for n in per.values())
    assert ph.n_intervals == sum(per.values())
    assert set(ph.localities) == set(per)
    assert not np.allclose(ph.coef, PRIOR_MEAN)  # learned something
    assert RHO_BOUNDS[0] <= ph.rho <= RHO_BOUNDS[1]
    assert ph.tau >= TAU_FLOOR
    assert ph.cov.shape == (4, 4)
    assert np.all(np.linalg.eigvalsh(ph.cov) > 0)


def test_no_intervals_gives_the_prior():
    ph = fit_pooled_hazard("communes_ntm", [one_point_province()])
    assert ph.n_intervals == 0 and ph.localities == ()
    assert np.allclose(ph.coef, PRIOR_MEAN)


def test_locality_with_no_intervals_gets_own_weight_zero():
    u, v, w = locality_effect([], np.zeros(4), 0.1, 0.5, prior_mean=0.3)
    assert (u, w) == (0.3, 0.0)
    assert v == pytest.approx(0.25)
    thin = one_point_province()
    ctx = context([thin])
    fc = forecast_locality(thin, ctx, n_paths=500)
    assert fc["communes_ntm"].own_weight == 0.0


def test_own_weight_grows_with_history():
    rich = pool()[0]
    ph = fit_pooled_hazard("communes_ntm", pool())
    ivs = intervals_for(rich, "communes_ntm")
    _, _, w_all = locality_effect(ivs, ph.coef, ph.rho, ph.tau)
    _, _, w_one = locality_effect(ivs[:1], ph.coef, ph.rho, ph.tau)
    assert 0.0 < w_one < w_all < 1.0


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
    assert pg.n == 2
    assert pg.log_rate == pytest.approx(np.mean(np.log([8 / 10, 12 / 18])))
    assert pg.tau >= 0.4 and 1.0 <= pg.dispersion <= 200.0
    empty = fit_pooled_growth([one_point_province()])
    assert empty.n == 0
