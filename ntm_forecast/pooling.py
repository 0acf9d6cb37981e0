"""What the localities share: a pooled hazard for each commune standard, and a pooled
growth rate for OCOP products. A short series borrows from these.

The commune hazard is a continuous-time rate λ with a complementary log-log link, so an
interval of any length Δt (a mid-year report, two years without news) contributes
P(reach the standard) = 1 − exp(−λ·Δt) for each commune still short of it:

    log λ = b0 + b1 · coverage + b2 · (year ≥ 2021) + b3 · (last three years of a phase)
            + u_locality

`coverage` lets the data say whether the communes left are the hard ones; the phase
term lets the tighter 2021–2025 criteria differ (its prior leans lower); the push term
lets a phase's last years run faster (its prior leans higher). Overdispersion is
beta-binomial (intraclass ρ),
estimated by moments and used both as quasi-likelihood weights and in the simulation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ntm_forecast import metrics
from ntm_forecast.history import Series, Totals, build_series, build_totals
from ntm_forecast.schema import Locality

PHASE2_START = 2021.0  # the 2021–2025 criteria
# The last three years of the 2016–2020 and 2021–2025 phases (pushes before a deadline).
PUSH_YEARS = (2018, 2019, 2020, 2023, 2024, 2025)
PRIOR_MEAN = np.array([np.log(0.15), 0.0, -0.5, 0.3])
PRIOR_SD = np.array([2.0, 1.0, 0.5, 0.5])
TAU_FLOOR = 0.35  # between-locality sd of log λ never assumed smaller than this
RHO_BOUNDS = (0.002, 0.5)


@dataclass(frozen=True)
class Interval:
    slug: str
    at_risk: float
    events: float
    dt: float
    coverage: float
    phase2: float
    start: float
    push: float = 0.0

    @property
    def x(self) -> np.ndarray:
        return np.array([1.0, self.coverage, self.phase2, self.push])


def push_share(t0: float, t1: float) -> float:
    """The share of [t0, t1] that falls in the last three years of a phase."""
    inside = sum(max(0.0, min(t1, y + 1.0) - max(t0, float(y))) for y in PUSH_YEARS)
    return inside / (t1 - t0) if t1 > t0 else 0.0


def pool_bound_series(standard: str, loc: Locality, *, until: float | None = None):
    """The series that bounds a standard (its pool), or the communes_total."""
    i = metrics.COMMUNE_STANDARDS.index(standard)
    for parent in reversed(metrics.COMMUNE_STANDARDS[:i]):
        s = build_series(loc, parent, until=until)
        if len(s):
            return s
    return None


def bound_at(standard: str, t: float, totals: Totals, parent: Series | None) -> float | None:
    if parent is not None and len(parent):
        v = parent.interpolate(t)
        if standard != "communes_ntm":
            return v
    return totals.at(t)


def intervals_for(loc: Locality, standard: str, *, until: float | None = None) -> list[Interval]:
    s = build_series(loc, standard, until=until)
    if len(s) < 2:
        return []
    totals = build_totals(loc, until=until)
    parent = pool_bound_series(standard, loc, until=until) if standard != "communes_ntm" else None
    out = []
    for a, b in _yearly_pairs(list(s.points)):
        bound = bound_at(standard, a.t, totals, parent)
        if bound is None:
            continue
        risk = bound - a.value
        if risk <= 0 or b.t <= a.t:
            continue
        events = min(max(b.value - a.value, 0.0), risk)
        mid = 0.5 * (a.t + b.t)
        out.append(
            Interval(
                loc.slug,
                risk,
                events,
                b.t - a.t,
                a.value / bound,
                float(mid >= PHASE2_START),
                a.t,
                push_share(a.t, b.t),
            )
        )
    return out


MIN_SPAN = 0.75  # years


def _yearly_pairs(points):
    """Consecutive pairs at least MIN_SPAN apart: recognitions bunch up at the end of a
    year, so a few months between two reports say more about the calendar than the pace.
    A locality with no such pair keeps its shorter ones."""
    pairs, i = [], 0
    while i < len(points) - 1:
        j = next(
            (j for j in range(i + 1, len(points)) if points[j].t - points[i].t >= MIN_SPAN), None
        )
        if j is None:
            break
        pairs.append((points[i], points[j]))
        i = j
    return pairs or list(zip(points, points[1:]))


def _terms(eta: np.ndarray):
    mu = np.exp(np.clip(eta, -30, 5))
    p = -np.expm1(-mu)
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return mu, p


def fit_cloglog(X, R, k, dt, w, prior_mean, prior_sd, iters=50):
    """Penalised (Gaussian prior) cloglog binomial by Fisher scoring; returns (coef, cov)."""
    beta = prior_mean.astype(float).copy()
    P = np.diag(1.0 / prior_sd**2)
    off = np.log(dt)
    for _ in range(iters):
        mu, p = _terms(X @ beta + off)
        grad = X.T @ (w * mu * (k / p - R)) - P @ (beta - prior_mean)
        info_w = w * R * (1 - p) * mu**2 / p
        H = X.T @ (X * info_w[:, None]) + P
        step = np.linalg.solve(H, grad)
        beta += np.clip(step, -2, 2)
        if np.max(np.abs(step)) < 1e-8:
            break
    mu, p = _terms(X @ beta + off)
    H = X.T @ (X * (w * R * (1 - p) * mu**2 / p)[:, None]) + P
    return beta, np.linalg.inv(H)


def _rho(R, k, p) -> float:
    num = np.sum((k - R * p) ** 2 - R * p * (1 - p))
    den = np.sum(R * (R - 1) * p * (1 - p))
    rho = num / den if den > 0 else RHO_BOUNDS[0]
    return float(np.clip(rho, *RHO_BOUNDS))


@dataclass(frozen=True)
class PooledHazard:
    standard: str
    coef: np.ndarray
    cov: np.ndarray
    rho: float
    tau: float
    n_intervals: int
    localities: tuple[str, ...]


def locality_effect(ivs: list[Interval], coef, rho, tau, prior_mean=0.0):
    """Posterior of one locality's log-hazard shift u given its intervals (Newton, 1-D)."""
    if not ivs:
        return prior_mean, tau**2, 0.0
    X = np.array([iv.x for iv in ivs])
    R = np.array([iv.at_risk for iv in ivs])
    k = np.array([iv.events for iv in ivs])
    dt = np.array([iv.dt for iv in ivs])
    w = 1.0 / (1.0 + (R - 1.0) * rho)
    base = X @ coef + np.log(dt)
    u = prior_mean
    for _ in range(50):
        mu, p = _terms(base + u)
        g = np.sum(w * mu * (k / p - R)) - (u - prior_mean) / tau**2
        info = np.sum(w * R * (1 - p) * mu**2 / p)
        step = g / (info + 1 / tau**2)
        u += float(np.clip(step, -2, 2))
        if abs(step) < 1e-9:
            break
    mu, p = _terms(base + u)
    info = float(np.sum(w * R * (1 - p) * mu**2 / p))
    v = 1.0 / (info + 1.0 / tau**2)
    return u, v, info * v


def fit_pooled_hazard(
    standard: str, localities: Iterable[Locality], *, until: float | None = None
) -> PooledHazard:
    locs = list(localities)
    by_slug = {loc.slug: intervals_for(loc, standard, until=until) for loc in locs}
    ivs = [iv for items in by_slug.values() for iv in items]
    if not ivs:
        return PooledHazard(standard, PRIOR_MEAN.copy(), np.diag(PRIOR_SD**2), 0.1, 0.5, 0, ())
    X = np.array([iv.x for iv in ivs])
    R = np.array([iv.at_risk for iv in ivs])
    k = np.array([iv.events for iv in ivs])
    dt = np.array([iv.dt for iv in ivs])
    w = np.ones_like(R)
    rho = RHO_BOUNDS[0]
    for _ in range(3):  # quasi-likelihood: refit with the weights the overdispersion implies
        coef, cov = fit_cloglog(X, R, k, dt, w, PRIOR_MEAN, PRIOR_SD)
        _, p = _terms(X @ coef + np.log(dt))
        rho = _rho(R, k, p)
        w = 1.0 / (1.0 + (R - 1.0) * rho)
    tau = _between_sd(by_slug, coef, rho)
    return PooledHazard(
        standard, coef, cov, rho, tau, len(ivs), tuple(s for s, items in by_slug.items() if items)
    )


def _between_sd(by_slug, coef, rho) -> float:
    """DerSimonian–Laird estimate of the sd of locality shifts, floored."""
    est = []
    for items in by_slug.values():
        if items:
            u, v, _ = locality_effect(items, coef, rho, tau=10.0)
            est.append((u, v))
    if len(est) < 2:
        return 0.6
    u = np.array([e[0] for e in est])
    wi = 1.0 / np.array([e[1] for e in est])
    ubar = np.sum(wi * u) / np.sum(wi)
    q = np.sum(wi * (u - ubar) ** 2)
    c = np.sum(wi) - np.sum(wi**2) / np.sum(wi)
    tau2 = max(0.0, (q - (len(est) - 1)) / c) if c > 0 else 0.0
    return float(max(np.sqrt(tau2), TAU_FLOOR))


# --- OCOP: yearly additions relative to the stock -------------------------------------


@dataclass(frozen=True)
class Additions:
    slug: str
    year: int
    added: float
    stock: float  # products at the start of the year


def ocop_additions(loc: Locality, *, until: float | None = None) -> list[Additions]:
    s = build_series(loc, "ocop_total", until=until)
    levels = s.year_end_levels()
    out: dict[int, Additions] = {}
    for y, v in levels.items():
        if y - 1 in levels:
            out[y] = Additions(loc.slug, y, v - levels[y - 1], levels[y - 1])
    for year, added, full in s.increments:
        if full and year not in out and year in levels:
            out[year] = Additions(loc.slug, year, added, max(levels[year] - added, 0.0))
    return [out[y] for y in sorted(out)]


@dataclass(frozen=True)
class PooledGrowth:
    log_rate: float  # log of additions per product in stock, pooled
    tau: float  # between-locality sd of the log rate
    dispersion: float  # negative-binomial size k
    n: int


def fit_pooled_growth(
    localities: Iterable[Locality], *, until: float | None = None
) -> PooledGrowth:
    adds = [a for loc in localities for a in ocop_additions(loc, until=until) if a.stock > 0]
    if not adds:
        return PooledGrowth(np.log(0.5), 0.8, 5.0, 0)
    rates = np.log(np.array([max(a.added, 0.5) / a.stock for a in adds]))
    tau = float(max(np.std(rates, ddof=1) if len(rates) > 2 else 0.8, 0.4))
    mu = np.array([np.exp(np.mean(rates)) * a.stock for a in adds])
    y = np.array([a.added for a in adds])
    # Moments for the NB size: Var = μ + μ²/k
    excess = np.sum((y - mu) ** 2 - mu)
    k = float(np.sum(mu**2) / excess) if excess > 0 else 50.0
    return PooledGrowth(float(np.mean(rates)), tau, float(np.clip(k, 1.0, 200.0)), len(adds))
