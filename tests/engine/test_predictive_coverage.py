"""Issue 18's acceptance test of predictive uncertainty: provinces simulated from the pool's
own model, refitted on their years to a cut, and forecast for the held-out years; the 80%
intervals must hold 72–88% of the held-out values. With the predictive uncertainty removed
(plug-in coefficients, a tiny ρ) they must not: the test has teeth."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from engine_fixtures import commune_series, locality

from ntm_forecast.engine.forecast import Context, cut_at, forecast_locality
from ntm_forecast.engine.pooling import RHO_BOUNDS

# Near what `Context.from_localities` fits on params/ for communes_ntm (figures to 2025:
# b0 −2.08, τ 0.96, ρ 0.075; 59 provinces, about three intervals each).
B0, TAU, RHO = -2.1, 0.9, 0.07
N_PROVINCES = 40
CUT, LAST = 2017, 2020  # fitted on the years to the cut; forecast 1–3 years past it
N_PATHS = 400
# Ten simulated pools: the three years of a province move together and a pool shares its
# fit, so one pool's coverage wanders by ±0.1; ten hold it to about ±0.03.
N_POOLS = 10


def _provinces(seed: int = 0):
    """Provinces with 80–400 communes, 2–6 year-end figures to the cut, each with its own
    log-hazard drawn from N(B0, TAU²) and beta-binomial yearly additions."""
    rng = np.random.default_rng(seed)
    m = (1 - RHO) / RHO
    out = []
    for i in range(N_PROVINCES):
        total = int(rng.integers(80, 401))
        first = int(rng.integers(2012, CUT - 1))
        level = int(total * rng.uniform(0.02, 0.4))
        p = -np.expm1(-np.exp(rng.normal(B0, TAU)))
        years, ntm = list(range(first, LAST + 1)), [level]
        for _ in years[1:]:
            level += int(rng.binomial(total - level, rng.beta(p * m, (1 - p) * m)))
            ntm.append(level)
        out.append(locality(commune_series(years, ntm, total), slug=f"p{i:02d}"))
    return out


def _coverage(pools, ctx_for) -> float:
    """The share of held-out year-end values inside the forecasts' 80% intervals."""
    hits = []
    for truths in pools:
        cuts = [cut_at(loc, CUT) for loc in truths]
        ctx = ctx_for(Context.from_localities(cuts, until=CUT + 1.0))
        for loc, cut in zip(truths, cuts):
            fc = forecast_locality(cut, ctx, horizon=LAST - CUT, n_paths=N_PATHS, seed=0)
            pf = fc["communes_ntm"]
            q = pf.quantiles([0.1, 0.9])
            held = {int(o.year): o.value for o in loc.observations if o.metric == "communes_ntm"}
            for j, year in enumerate(pf.years):
                if CUT < year <= LAST:
                    hits.append(q[0, j] <= held[int(year)] <= q[1, j])
    assert len(hits) == len(pools) * N_PROVINCES * (LAST - CUT)
    return float(np.mean(hits))


def _plug_in(ctx: Context) -> Context:
    """The same pool with its predictive uncertainty removed: the coefficients fixed at
    their mode, ρ at its lower bound."""
    tiny = RHO_BOUNDS[0]
    hazards = {
        s: dataclasses.replace(
            h, cov=np.eye(len(h.coef)) * 1e-12, rho=tiny, rho_draws=np.array([tiny])
        )
        for s, h in ctx.hazards.items()
    }
    return dataclasses.replace(ctx, hazards=hazards)


@pytest.fixture(scope="module")
def pools():
    return [_provinces(seed) for seed in range(N_POOLS)]


def test_80_percent_intervals_of_held_out_years_cover_72_to_88_percent(pools):
    coverage = _coverage(pools, lambda ctx: ctx)
    assert 0.72 <= coverage <= 0.88, coverage


def test_without_predictive_uncertainty_they_cover_too_little(pools):
    coverage = _coverage(pools, _plug_in)
    assert coverage < 0.72, coverage
