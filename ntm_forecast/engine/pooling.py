"""What the localities share: a pooled hazard for each commune standard, and pooled OCOP
growth. A short series borrows from these.

The commune hazard is a continuous-time rate λ with a complementary log-log link, so an
interval of any length Δt (a mid-year report, two years without news) contributes
P(reach the standard) = 1 − exp(−λ·Δt) for each commune still short of it:

    log λ(i, t) = b0 + u(i, t) [+ β_w (c − c̄_i) + β_b c̄_i] [+ γ (year ≥ 2021)] [+ δ push]

with the coverage c on the scale −log(1 − share of communes at the standard) (`coverage_scale`)
and c̄_i the locality's mean of it.

`u(i, t)` is the locality's own shift: constant and shrunk toward the pool (sd τ), or a
random walk (yearly sd σ, one for all localities). Which bracketed terms enter is the
`HazardStructure`, chosen by the rule in the README (`models.SELECTION`). Overdispersion is
beta-binomial (intraclass ρ), estimated by moments on predictive residuals (each locality's
intervals as the pool fitted without it predicts them) and used both as quasi-likelihood
weights and in the simulation.

τ and σ are not plug-ins: their likelihood is computed on a grid, pooled over localities
(each interval's binomial likelihood approximated as a Gaussian in u, the random walk then
exact), and every simulated path draws its own (τ, σ) from that grid posterior, its own ρ
from a bootstrap over localities and its own coefficients. The pool is the provinces: the
national series (their sum) and districts (parts of them) are forecast from it, never fitted
into it, so no locality is both data and prior of itself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from ntm_forecast.domain import metrics
from ntm_forecast.domain.history import Series, Totals, build_series, build_totals
from ntm_forecast.domain.schema import Locality

PHASE2_START = 2021.0  # the 2021–2025 criteria
# The 2026–2030 criteria (Decision 51/2025/QĐ-TTg, in force 15/02/2026): a break like that of
# 2021, of a size the data cannot know yet (see `criteria_break_sd`).
PHASE3_START = 2026.0
# The last three years of the 2016–2020 and 2021–2025 phases (pushes before a deadline).
PUSH_YEARS = (2018, 2019, 2020, 2023, 2024, 2025)
B0_PRIOR = (np.log(0.15), 3.0)  # a wide prior on the intercept: 1.5% to 99% a year within 2 sd
TERM_PRIOR_SD = 1.0  # the term coefficients: centred on zero, no direction assumed
# Where the moment estimate of ρ is read: it can come out negative or above 1 on few
# intervals, and a beta-binomial needs 0 < ρ < 1; the bounds hold it there, they do not
# widen anything the data say.
RHO_BOUNDS = (0.002, 0.5)
TAUS = np.geomspace(0.02, 3.0, 36)  # grid of the between-locality sd of the log-hazard
SIGMAS = np.concatenate([[0.0], np.geomspace(0.03, 1.5, 16)])  # yearly random-walk sd
N_BOOT = 200  # locality bootstrap of ρ
RHO_START = 0.1  # ρ before the pool says otherwise (and with no interval to read it from)
# A pool of fewer provinces with intervals than this (an early origin of the backtest, the
# model communes) widens its coefficients' covariance by SMALL_POOL / n: its τ and the
# Gaussian approximations are read from too few provinces for the covariance to be trusted
# as it stands (seven provinces are not a pool of sixty).
SMALL_POOL = 15
OUTSIDE_SD = 3.0  # log-scale prior sd of an OCOP level outside the pool: e^±6, no borrowing
# Guards on the linear predictors, shared by the fits here and the simulations in models.py
# so that both read one model: a yearly hazard of e^3 ≈ 20 already makes a commune certain
# to reach the standard within the year (1 − e^−20), and e^±20 products a year is beyond any
# locality; they keep exp() finite.
LOG_HAZARD_LIMITS = (-30.0, 3.0)
LOG_ADDITIONS_LIMITS = (-20.0, 12.0)
# OCOP growth: a wide prior on the log of a province's yearly additions (20 products a
# year, e^±6 within 2 sd), the stock term like the hazard's terms; the negative-binomial
# size is read by moments within localities (`within_dispersion`), within DISPERSION_BOUNDS.
OCOP_LEVEL_PRIOR = (np.log(20.0), 3.0)
OCOP_START_DISPERSION = 2.0
DISPERSION_BOUNDS = (0.5, 1e3)
MAX_STEP = 2.0  # a Fisher-scoring step is cut to this size on every coefficient
# The coverage term reads −log(1 − share), which tells 90% from 99% where the share itself
# barely moves; the cap keeps a locality at 100% finite (−log 0.001 ≈ 6.9).
COVERAGE_CAP = 0.999


def coverage_scale(share) -> np.ndarray:
    """The share of communes at a standard on the scale the coverage term reads: fit and
    simulation both go through here."""
    share = np.clip(np.asarray(share, dtype=float), 0.0, COVERAGE_CAP)
    return -np.log1p(-share)


def in_pool(loc: Locality) -> bool:
    """A province of its own: the national series sums the provinces, a district is part of
    one, a merged unit repeats its members; none of these is a second data point."""
    return loc.level == "province" and not getattr(loc, "members", None)


@dataclass(frozen=True)
class HazardStructure:
    """Which terms the commune hazard has (see the README: how the structure is chosen)."""

    time_varying: bool = False
    coverage: bool = False
    phase: bool = False
    push: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        cols = ["b0"]
        if self.coverage:
            cols += ["coverage_within", "coverage_between"]
        if self.phase:
            cols.append("phase2")
        if self.push:
            cols.append("push")
        return tuple(cols)

    def prior(self) -> tuple[np.ndarray, np.ndarray]:
        k = len(self.columns)
        mean = np.zeros(k)
        sd = np.full(k, TERM_PRIOR_SD)
        mean[0], sd[0] = B0_PRIOR
        return mean, sd

    def row(self, coverage, mean_cov: float, phase2, push) -> np.ndarray:
        """Design rows (n, k) for arrays of coverage (shares), phase and push; `mean_cov` is
        the locality's `mean_coverage`, on the coverage scale."""
        coverage = np.atleast_1d(np.asarray(coverage, dtype=float))
        cols = [np.ones_like(coverage)]
        if self.coverage:
            c = coverage_scale(coverage)
            cols += [c - mean_cov, np.full_like(c, mean_cov)]
        if self.phase:
            cols.append(np.broadcast_to(np.asarray(phase2, dtype=float), coverage.shape))
        if self.push:
            cols.append(np.broadcast_to(np.asarray(push, dtype=float), coverage.shape))
        return np.column_stack(cols)

    def __str__(self) -> str:
        terms = [
            n
            for n, on in (
                ("time-varying", self.time_varying),
                ("coverage", self.coverage),
                ("phase", self.phase),
                ("push", self.push),
            )
            if on
        ]
        return "base" + "".join(f" + {t}" for t in terms)


@dataclass(frozen=True)
class Interval:
    slug: str
    at_risk: float
    events: float
    dt: float
    coverage: float  # the share of the bound at the standard at the start (not transformed)
    phase2: float
    start: float
    push: float = 0.0

    @property
    def mid(self) -> float:
        return self.start + self.dt / 2


def push_share(t0: float, t1: float) -> float:
    """The share of [t0, t1] that falls in the last three years of a phase."""
    inside = sum(max(0.0, min(t1, y + 1.0) - max(t0, float(y))) for y in PUSH_YEARS)
    return inside / (t1 - t0) if t1 > t0 else 0.0


def pool_bound_series(
    standard: str, loc: Locality, *, until: float | None = None, after_merger: bool = False
):
    """The series that bounds a standard (its pool), or the communes_total."""
    for parent in metrics.bounding_standards(standard):
        s = build_series(loc, parent, until=until, after_merger=after_merger)
        if len(s):
            return s
    return None


def bound_at(standard: str, t: float, totals: Totals, parent: Series | None) -> float | None:
    if parent is not None and len(parent):
        v = parent.interpolate(t)
        if standard != "communes_ntm":
            return v
    return totals.at(t)


def intervals_for(
    loc: Locality, standard: str, *, until: float | None = None, after_merger: bool = False
) -> list[Interval]:
    epoch = dict(until=until, after_merger=after_merger)
    s = build_series(loc, standard, **epoch)
    if len(s) < 2:
        return []
    totals = build_totals(loc, **epoch)
    parent = pool_bound_series(standard, loc, **epoch) if standard != "communes_ntm" else None
    out = []
    for a, b in _yearly_pairs(list(s.points), keep_short=not after_merger):
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


def _yearly_pairs(points, keep_short: bool = True):
    """Consecutive pairs at least MIN_SPAN apart: recognitions bunch up at the end of a
    year, so a few months between two reports say more about the calendar than the pace.
    A locality with no such pair keeps its shorter ones, unless `keep_short` is off (the
    merged communes' first months, when recognitions were re-counted, say no pace at all)."""
    pairs, i = [], 0
    while i < len(points) - 1:
        j = next(
            (j for j in range(i + 1, len(points)) if points[j].t - points[i].t >= MIN_SPAN), None
        )
        if j is None:
            break
        pairs.append((points[i], points[j]))
        i = j
    return pairs or (list(zip(points, points[1:])) if keep_short else [])


def _terms(eta: np.ndarray):
    mu = np.exp(np.clip(eta, *LOG_HAZARD_LIMITS))
    p = -np.expm1(-mu)
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return mu, p


def fisher_scoring(X, score, prior_mean, prior_sd, iters=50):
    """Penalised (Gaussian prior) maximum likelihood of a GLM by Fisher scoring.

    `score(eta)` gives, per row, the derivative of the log-likelihood in the linear
    predictor and its expected information. Returns (coef, cov): the mode and the inverse
    of the penalised information there."""
    beta = prior_mean.astype(float).copy()
    P = np.diag(1.0 / prior_sd**2)
    for _ in range(iters):
        s, info = score(X @ beta)
        grad = X.T @ s - P @ (beta - prior_mean)
        step = np.linalg.solve(X.T @ (X * info[:, None]) + P, grad)
        beta += np.clip(step, -MAX_STEP, MAX_STEP)
        if np.max(np.abs(step)) < 1e-8:
            break
    _, info = score(X @ beta)
    return beta, np.linalg.inv(X.T @ (X * info[:, None]) + P)


def fit_cloglog(X, R, k, dt, w, prior_mean, prior_sd, offset=None):
    """Cloglog binomial (k events of R at risk over dt, quasi-likelihood weights w)."""
    off = np.log(dt) + (0.0 if offset is None else offset)

    def score(eta):
        mu, p = _terms(eta + off)
        return w * mu * (k / p - R), w * R * (1 - p) * mu**2 / p

    return fisher_scoring(X, score, prior_mean, prior_sd)


# --- Gaussian random-walk states on a (τ, σ) grid ----------------------------------------


def _grid(time_varying: bool) -> np.ndarray:
    sig = SIGMAS if time_varying else np.array([0.0])
    return np.array([(t, s) for t in TAUS for s in sig])


def _uniform(grid: np.ndarray) -> np.ndarray:
    """Equal weights on the grid: the prior before any locality is seen."""
    return np.full(len(grid), 1 / len(grid))


def _pad(groups: list[tuple[np.ndarray, np.ndarray, np.ndarray]]):
    """Pad per-locality (y, s2, times) to one (L, n) block; padding is uninformative."""
    n = max((len(g[0]) for g in groups), default=0)
    n = max(n, 1)
    L = len(groups)
    Y = np.zeros((L, n))
    S2 = np.full((L, n), 1e8)
    T = np.zeros((L, n))
    last = np.zeros(L, dtype=int)
    for i, (y, s2, t) in enumerate(groups):
        m = len(y)
        Y[i, :m], S2[i, :m], T[i, :m] = y, s2, t
        T[i, m:] = t[-1] if m else 0.0
        last[i] = max(m - 1, 0)
    return Y, S2, T, last


def _grid_posterior(grid, parts, groups):
    """The grid's posterior weights and each locality's posterior mean path: padded data
    (Y, S2, T) come back too, for the coefficients' covariance."""
    Y, S2, T, last = _pad(parts)
    loglik, mean_all, _, _ = _states(grid, Y, S2, T, last)
    total = loglik.sum(axis=1)
    weights = np.exp(total - total.max())
    weights /= weights.sum()
    post = np.einsum("g,gln->ln", weights, mean_all)
    u = np.concatenate([post[i, :n] for i, n in enumerate(groups)])
    return Y, S2, T, weights, u


def _states(grid: np.ndarray, Y, S2, T, last, horizon_t=None):
    """For each grid point and locality: log-likelihood of y, the posterior means of all
    states, and the posterior mean and variance of the state at `horizon_t` (default: the
    last interval), under u ~ τ²·1 + σ²·Brownian motion from the first interval."""
    taus, sigmas = grid[:, 0], grid[:, 1]
    t0 = T[:, :1]
    bm = np.minimum(T[:, :, None], T[:, None, :]) - t0[:, :, None]  # (L, n, n)
    P = taus[:, None, None, None] ** 2 + sigmas[:, None, None, None] ** 2 * bm[None]
    C = P + np.eye(T.shape[1])[None, None] * S2[None, :, :, None]
    Lc = np.linalg.cholesky(C)
    alpha = np.linalg.solve(C, np.broadcast_to(Y[None, :, :, None], (*C.shape[:-1], 1)))[..., 0]
    logdet = 2.0 * np.sum(np.log(np.diagonal(Lc, axis1=-2, axis2=-1)), axis=-1)
    loglik = -0.5 * (np.einsum("gln,ln->gl", alpha, Y) + logdet)
    mean_all = np.einsum("glnm,glm->gln", P, alpha)
    idx = np.arange(len(last))
    if horizon_t is None:
        horizon_t = T[idx, last]
    # covariance of u(h) with u(t_a): τ² + σ²·(min(h, t_a) − t0)
    ch = np.minimum(np.asarray(horizon_t, dtype=float)[:, None], T) - t0
    ph = taus[:, None, None] ** 2 + sigmas[:, None, None] ** 2 * ch[None]  # (G, L, n)
    hh = taus[:, None] ** 2 + sigmas[:, None] ** 2 * (np.asarray(horizon_t) - t0[:, 0])[None]
    m_h = np.einsum("gln,gln->gl", ph, alpha)
    z = np.linalg.solve(C, ph[..., None])[..., 0]
    v_h = hh - np.einsum("gln,gln->gl", ph, z)
    return loglik, mean_all, m_h, np.maximum(v_h, 1e-10)


def _gls_cov(grid, weights, S2, T, Xpad, prior_sd) -> np.ndarray:
    """The coefficients' covariance with the locality shifts integrated out (generalised
    least squares in the Gaussian approximation), averaged over the (τ, σ) posterior: the
    between-locality spread enters the doubt of the pooled level, not only the counts."""
    taus, sigmas = grid[:, 0], grid[:, 1]
    bm = np.minimum(T[:, :, None], T[:, None, :]) - T[:, :1, None]
    C = taus[:, None, None, None] ** 2 + sigmas[:, None, None, None] ** 2 * bm[None]
    C = C + np.eye(T.shape[1])[None, None] * S2[None, :, :, None]
    Z = np.linalg.solve(C, np.broadcast_to(Xpad[None], (len(grid), *Xpad.shape)))
    H = np.einsum("lnk,glnj->gkj", Xpad, Z) + np.diag(1.0 / prior_sd**2)[None]
    return np.einsum("g,gkj->kj", weights, np.linalg.inv(H))


def _padded_x(X, groups, n) -> np.ndarray:
    out = np.zeros((len(groups), n, X.shape[1]))
    start = 0
    for i, m in enumerate(groups):
        out[i, :m] = X[start : start + m]
        start += m
    return out


def _gauss_obs(eta_fixed, R, k, dt, w, u0):
    """Each interval's quasi-likelihood in u, as a Gaussian observation (y, s²) around u0."""
    mu, p = _terms(eta_fixed + np.log(dt) + u0)
    g = w * mu * (k / p - R)
    info = np.maximum(w * R * (1 - p) * mu**2 / p, 1e-8)
    y = np.clip(u0 + g / info, -8.0, 8.0)
    return y, np.minimum(1.0 / info, 1e4)


def _rho_parts(R, k, p):
    """Per interval, the numerator and denominator of the moment estimate of ρ."""
    return (k - R * p) ** 2 - R * p * (1 - p), R * (R - 1) * p * (1 - p)


def leave_one_out_coefs(X, R, k, dt, w, u, coef, bounds, prior_sd) -> np.ndarray:
    """(localities, k): the pooled coefficients fitted without each locality (rows
    bounds[i]:bounds[i+1]), the others' shifts `u` held: one Fisher-scoring step from the
    full fit's mode `coef`, where the others' score is minus the locality's own (the full
    score is zero there), so no refit iterates."""
    mu, p = _terms(X @ coef + np.log(dt) + u)
    score, info = w * mu * (k / p - R), w * R * (1 - p) * mu**2 / p
    starts = bounds[:-1]
    own_info = np.add.reduceat(X[:, :, None] * X[:, None, :] * info[:, None, None], starts)
    own_score = np.add.reduceat(X * score[:, None], starts)
    full_info = own_info.sum(axis=0) + np.diag(1.0 / prior_sd**2)
    steps = np.linalg.solve(full_info[None] - own_info, -own_score[..., None])[..., 0]
    return coef + np.clip(steps, -MAX_STEP, MAX_STEP)


def _predictive_rho_parts(X, R, k, dt, w, u, coef, bounds, times, grid, weights, prior_sd):
    """`_rho_parts` of each locality's intervals as the pool fitted without that locality
    predicts them: its coefficients from `leave_one_out_coefs` (the (τ, σ) posterior held),
    the locality's own shift read from its intervals under them, as its forecast would. The
    fitted residuals are too small to give ρ: the coefficients were fitted to them."""
    loo = leave_one_out_coefs(X, R, k, dt, w, u, coef, bounds, prior_sd)
    eta = np.einsum("nk,nk->n", X, np.repeat(loo, np.diff(bounds), axis=0))
    y, s2 = _gauss_obs(eta, R, k, dt, w, u)
    parts = [(y[a:b], s2[a:b], times[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
    Y, S2, T, _ = _pad(parts)
    _, mean_all, _, _ = _states(grid, Y, S2, T, np.zeros(len(parts), dtype=int))
    shifts = np.einsum("g,gln->ln", weights, mean_all)
    u_own = np.concatenate([shifts[i, : b - a] for i, (a, b) in enumerate(zip(bounds, bounds[1:]))])
    return _rho_parts(R, k, _terms(eta + np.log(dt) + u_own)[1])


@dataclass(frozen=True)
class PooledHazard:
    standard: str
    structure: HazardStructure
    coef: np.ndarray
    cov: np.ndarray
    rho: float
    grid: np.ndarray  # (G, 2): τ, σ
    weights: np.ndarray  # (G,): posterior of the grid, pooled over localities
    rho_draws: np.ndarray = field(default_factory=lambda: np.array([RHO_START]))
    n_intervals: int = 0
    localities: tuple[str, ...] = ()
    # The standard whose fit stands in, where this one's pool has no intervals.
    borrowed_from: str | None = None

    @property
    def tau(self) -> float:
        return float(self.weights @ self.grid[:, 0])

    @property
    def sigma(self) -> float:
        return float(self.weights @ self.grid[:, 1])

    def design(self, ivs: list[Interval], mean_cov: float | None = None) -> np.ndarray:
        if mean_cov is None:
            mean_cov = mean_coverage(ivs)
        return self.structure.row(
            [iv.coverage for iv in ivs],
            mean_cov,
            [iv.phase2 for iv in ivs],
            [iv.push for iv in ivs],
        )

    def locality_state(self, ivs: list[Interval], at: float):
        """Posterior of the locality's shift u at time `at`, per grid point: (means, vars,
        own weight). No intervals: the pool's prior N(0, τ²), own weight 0."""
        taus, sigmas = self.grid[:, 0], self.grid[:, 1]
        if not ivs:
            return np.zeros(len(self.grid)), taus**2, 0.0
        X = self.design(ivs)
        R, k, dt, w, times = _arrays(ivs, self.rho)
        eta = X @ self.coef
        u0 = np.zeros(len(ivs))
        for _ in range(3):  # re-centre the Gaussian approximation on the posterior
            y, s2 = _gauss_obs(eta, R, k, dt, w, u0)
            Y, S2, T, last = _pad([(y, s2, times)])
            _, mean_all, m, v = _states(self.grid, Y, S2, T, last, horizon_t=[times[-1]])
            u0 = self.weights @ mean_all[:, 0, : len(ivs)]
        gap = max(at - times[-1], 0.0)
        v = v[:, 0] + sigmas**2 * gap
        prior = taus**2 + sigmas**2 * (at - times[0])
        own = float(np.clip(1.0 - self.weights @ v / (self.weights @ prior), 0.0, 1.0))
        return m[:, 0], v, own


def mean_coverage(ivs: list[Interval]) -> float:
    """The locality's mean coverage on the coverage scale (the between term)."""
    return float(np.mean(coverage_scale([iv.coverage for iv in ivs]))) if ivs else 0.0


def _arrays(ivs, rho):
    R = np.array([iv.at_risk for iv in ivs])
    k = np.array([iv.events for iv in ivs])
    dt = np.array([iv.dt for iv in ivs])
    w = 1.0 / (1.0 + (R - 1.0) * rho)
    return R, k, dt, w, np.array([iv.mid for iv in ivs])


def prior_hazard(standard: str, structure: HazardStructure) -> PooledHazard:
    mean, sd = structure.prior()
    grid = _grid(structure.time_varying)
    cov = np.diag(sd**2)
    return PooledHazard(standard, structure, mean, cov, RHO_START, grid, _uniform(grid))


def fit_pooled_hazard(
    standard: str,
    localities: Iterable[Locality],
    *,
    until: float | None = None,
    structure: HazardStructure | None = None,
    seed: int = 0,
) -> PooledHazard:
    """Fit the pooled hazard of a standard on the provinces among `localities`. A standard
    with no intervals in its pool borrows the fit of the standard it is nested in (model ←
    advanced ← NTM), coefficients, covariance and all: the wide prior alone gives a unit's
    first model communes an interval of hundreds; it stands only for NTM itself."""
    structure = structure if structure is not None else HazardStructure()
    localities = list(localities)
    by_slug = {
        loc.slug: ivs
        for loc in localities
        if in_pool(loc) and (ivs := intervals_for(loc, standard, until=until))
    }
    if not by_slug:
        if standard not in metrics.NESTED_IN:
            return prior_hazard(standard, structure)
        outer = fit_pooled_hazard(
            metrics.NESTED_IN[standard], localities, until=until, structure=structure, seed=seed
        )
        source = outer.borrowed_from or outer.standard
        return dataclasses.replace(outer, standard=standard, borrowed_from=source)
    ivs = [iv for items in by_slug.values() for iv in items]
    groups = [len(items) for items in by_slug.values()]
    X = np.vstack(
        [
            structure.row(
                [iv.coverage for iv in items],
                mean_coverage(items),
                [iv.phase2 for iv in items],
                [iv.push for iv in items],
            )
            for items in by_slug.values()
        ]
    )
    R = np.array([iv.at_risk for iv in ivs])
    k = np.array([iv.events for iv in ivs])
    dt = np.array([iv.dt for iv in ivs])
    times = np.array([iv.mid for iv in ivs])
    bounds = np.cumsum([0, *groups])
    grid = _grid(structure.time_varying)
    prior_mean, prior_sd = structure.prior()
    u = np.zeros(len(ivs))
    rho, w = RHO_BOUNDS[0], np.ones_like(R)
    weights = _uniform(grid)
    rounds = 3
    for step in range(rounds):  # coefficients given the shifts, ρ, then shifts and (τ, σ)
        coef, cov = fit_cloglog(X, R, k, dt, w, prior_mean, prior_sd, offset=u)
        if step < rounds - 1:  # a working ρ from the fitted residuals, to weight the fit
            num, den = _rho_parts(R, k, _terms(X @ coef + np.log(dt) + u)[1])
        else:  # the ρ the forecasts draw: from predictive residuals
            num, den = _predictive_rho_parts(
                X, R, k, dt, w, u, coef, bounds, times, grid, weights, prior_sd
            )
        rho = float(np.clip(num.sum() / den.sum(), *RHO_BOUNDS)) if den.sum() > 0 else RHO_START
        w = 1.0 / (1.0 + (R - 1.0) * rho)
        y, s2 = _gauss_obs(X @ coef, R, k, dt, w, u)
        parts = [(y[a:b], s2[a:b], times[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
        Y, S2, T, weights, u = _grid_posterior(grid, parts, groups)
    cov = _gls_cov(grid, weights, S2, T, _padded_x(X, groups, Y.shape[1]), prior_sd)
    cov = cov * max(1.0, SMALL_POOL / len(groups))
    # ρ's doubt: the predictive moment estimator over bootstrap resamples of localities.
    num_l = np.add.reduceat(num, bounds[:-1])
    den_l = np.add.reduceat(den, bounds[:-1])
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(groups), size=(N_BOOT, len(groups)))
    with np.errstate(invalid="ignore", divide="ignore"):
        draws = num_l[pick].sum(axis=1) / den_l[pick].sum(axis=1)
    draws = np.clip(np.nan_to_num(draws, nan=rho), *RHO_BOUNDS)
    return PooledHazard(
        standard, structure, coef, cov, rho, grid, weights, draws, len(ivs), tuple(by_slug)
    )


# --- OCOP: yearly additions ------------------------------------------------------------


@dataclass(frozen=True)
class Additions:
    slug: str
    year: int
    added: float
    stock: float  # products at the start of the span (NaN where no level says)
    span: float = 1.0  # years the additions took (a year, or the time between two figures)


# Two level figures this far apart (years) frame additions where no year-end pair or stated
# yearly addition does: a province whose counts are dated inside the year has its own pace.
SPAN_LIMITS = (0.5, 3.0)
EPS = 1e-9


def ocop_additions(loc: Locality, *, until: float | None = None) -> list[Additions]:
    s = build_series(loc, "ocop_total", until=until)
    levels = s.year_end_levels()
    out: dict[int, Additions] = {}
    for y, v in levels.items():
        if y - 1 in levels:
            out[y] = Additions(loc.slug, y, v - levels[y - 1], levels[y - 1])
    for year, added, full in s.increments:
        if full and year not in out:
            # a year's additions count even where no level frames them; the stock is then
            # known only from a level at either end of that year
            if year in levels:
                stock = max(levels[year] - added, 0.0)
            else:
                stock = levels.get(year - 1, float("nan"))
            out[year] = Additions(loc.slug, year, added, stock)
    found = list(out.values())
    covered = [(y, y + 1.0) for y in out]
    at = {p.t: p.value for p in s.points}  # the last figure of each date
    times = sorted(at)
    for t0, t1 in zip(times, times[1:]):
        overlaps = any(t0 < b - EPS and t1 > a + EPS for a, b in covered)
        if SPAN_LIMITS[0] - EPS <= t1 - t0 <= SPAN_LIMITS[1] + EPS and not overlaps:
            year = int(np.ceil(t1 - EPS)) - 1  # the year the later figure falls in
            found.append(Additions(loc.slug, year, at[t1] - at[t0], at[t0], t1 - t0))
            covered.append((t0, t1))
    return sorted((a for a in found if a.added >= 0), key=lambda a: (a.year, a.span))


def province_communes(loc: Locality, *, until: float | None = None) -> float | None:
    """The size OCOP growth reads (term Z): the latest communes_total known at the cut, of
    the old communes (the pool's years are before the 2025 merger)."""
    return build_totals(loc, until=until).last


def size_covariate(communes: float | None, centre: float) -> float:
    """A locality's size covariate: its log number of communes minus the pool's mean log.
    A locality whose number is not known sits at the pool's mean (0): nothing to scale by."""
    return float(np.log(communes)) - centre if communes else 0.0


@dataclass(frozen=True)
class GrowthStructure:
    """OCOP additions: constant expected additions per locality; (term S) expected additions
    that scale with the stock as `(1 + stock)^β`; (term Z) with the locality's size as
    `communes^β_z` (the log of its communes, centred on the pool's mean), so that a big
    producer is not shrunk to a small province's pace."""

    stock: bool = False
    size: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        return ("a", *(["log_stock"] if self.stock else []), *(["log_size"] if self.size else []))

    def prior(self) -> tuple[np.ndarray, np.ndarray]:
        k = len(self.columns)
        mean, sd = np.zeros(k), np.full(k, TERM_PRIOR_SD)
        mean[0], sd[0] = OCOP_LEVEL_PRIOR
        return mean, sd

    def row(self, stock, size: float = 0.0) -> np.ndarray:
        """Design rows for an array of stocks; `size` is the locality's centred log size
        (`PooledGrowth.size_of`)."""
        stock = np.atleast_1d(np.asarray(stock, dtype=float))
        cols = [np.ones_like(stock)]
        if self.stock:
            cols.append(np.log1p(np.maximum(stock, 0.0)))
        if self.size:
            cols.append(np.full_like(stock, size))
        return np.column_stack(cols)

    def __str__(self) -> str:
        return "base" + " + stock" * self.stock + " + size" * self.size


@dataclass(frozen=True)
class PooledGrowth:
    """log E[additions] = a [+ β·log(1 + stock)] + u_i, negative binomial (size k)."""

    structure: GrowthStructure
    coef: np.ndarray
    cov: np.ndarray
    dispersion: float
    grid: np.ndarray  # (G, 2): τ, 0
    weights: np.ndarray
    n: int
    localities: tuple[str, ...] = ()
    size_centre: float = 0.0  # the pool's mean log number of communes (term Z)

    @property
    def tau(self) -> float:
        return float(self.weights @ self.grid[:, 0])

    def size_of(self, communes: float | None) -> float:
        return size_covariate(communes, self.size_centre)

    def locality_state(self, adds: list[Additions], *, pooled: bool = True, size: float = 0.0):
        """Posterior of the locality's log-level u per grid point: (means, vars, own weight).
        `size` is its `size_of`. `pooled=False` (a nation, a district): the pool's level is a
        province's, not its scale, so its own additions stand on a flat prior (sd
        OUTSIDE_SD) instead."""
        if not pooled:
            wide = dataclasses.replace(
                self, grid=np.array([[OUTSIDE_SD, 0.0]]), weights=np.array([1.0])
            )
            m, v, own = wide.locality_state(adds, size=size)
            g = len(self.grid)
            return np.full(g, m[0]), np.full(g, v[0]), own
        taus = self.grid[:, 0]
        if self.structure.stock:
            adds = [a for a in adds if np.isfinite(a.stock)]
        if not adds:
            return np.zeros(len(self.grid)), taus**2, 0.0
        X = self.structure.row([a.stock for a in adds], size)
        y_obs = np.array([a.added for a in adds])
        exposure = np.log([a.span for a in adds])
        u0 = np.zeros(len(adds))
        for _ in range(3):
            y, s2 = _nb_obs(X @ self.coef + exposure, y_obs, self.dispersion, u0)
            Y, S2, T, last = _pad([(y, s2, np.arange(len(adds), dtype=float))])
            _, mean_all, m, v = _states(self.grid, Y, S2, T, last)
            u0 = self.weights @ mean_all[:, 0, : len(adds)]
        own = float(np.clip(1.0 - self.weights @ v[:, 0] / (self.weights @ taus**2), 0.0, 1.0))
        return m[:, 0], v[:, 0], own


def _nb_obs(eta, y, k, u0):
    """Each year's additions as a Gaussian observation of u: log(count) − the fixed part,
    with the delta-method variance of a negative-binomial log count (1/count + 1/k). It does
    not depend on u0, so a level far from the pool's (a nation's) is read in one step."""
    c = np.maximum(y, 0.5)
    return np.log(c) - eta, 1.0 / c + 1.0 / k


def fit_pooled_growth(
    localities: Iterable[Locality],
    *,
    until: float | None = None,
    structure: GrowthStructure | None = None,
) -> PooledGrowth:
    """Fit the pooled OCOP growth on the provinces' yearly additions."""
    structure = structure if structure is not None else GrowthStructure()
    localities = list(localities)
    usable = (lambda a: np.isfinite(a.stock)) if structure.stock else (lambda a: True)
    by_slug = {
        loc.slug: adds
        for loc in localities
        if in_pool(loc) and (adds := [a for a in ocop_additions(loc, until=until) if usable(a)])
    }
    grid = _grid(False)
    prior_mean, prior_sd = structure.prior()
    if not by_slug:
        cov = np.diag(prior_sd**2)
        dispersion = OCOP_START_DISPERSION
        return PooledGrowth(structure, prior_mean, cov, dispersion, grid, _uniform(grid), 0)
    communes = {
        loc.slug: province_communes(loc, until=until) for loc in localities if loc.slug in by_slug
    }
    known = [np.log(c) for c in communes.values() if c]
    centre = float(np.mean(known)) if known else 0.0
    adds = [a for items in by_slug.values() for a in items]
    groups = [len(items) for items in by_slug.values()]
    bounds = np.cumsum([0, *groups])
    X = np.vstack(
        [
            structure.row([a.stock for a in items], size_covariate(communes[slug], centre))
            for slug, items in by_slug.items()
        ]
    )
    y = np.array([a.added for a in adds])
    exposure = np.log([a.span for a in adds])  # additions over a span: μ · span
    u = np.zeros(len(adds))
    k = within_dispersion(list(by_slug.values()))
    weights = _uniform(grid)
    for _ in range(3):
        coef, cov = _fit_nb(X, y, k, u + exposure, prior_mean, prior_sd)
        yy, s2 = _nb_obs(X @ coef + exposure, y, k, u)
        parts = [
            (yy[a:b], s2[a:b], np.arange(b - a, dtype=float))
            for a, b in zip(bounds[:-1], bounds[1:])
        ]
        # a constant level (σ = 0): each observation informs only its locality's u
        Y, S2, T, weights, u = _grid_posterior(grid, parts, groups)
    cov = _gls_cov(grid, weights, S2, T, _padded_x(X, groups, Y.shape[1]), prior_sd)
    return PooledGrowth(structure, coef, cov, k, grid, weights, len(adds), tuple(by_slug), centre)


def within_dispersion(by_locality: list[list[Additions]]) -> float:
    """The negative-binomial size k of the year-to-year noise around each locality's own
    pace (Var = μ + μ²/k), by moments over the localities with two spans or more, each
    span's mean its locality's own rate times its span (the n/(n − 1) factor for the mean
    being estimated). Not from the pooled fit: a level shrunk toward the pool would count
    the differences between localities as noise, and the noise would then shrink the levels
    further. Without such localities, OCOP_START_DISPERSION."""
    num = den = 0.0
    for items in by_locality:
        if len(items) < 2:
            continue
        y = np.array([a.added for a in items])
        span = np.array([a.span for a in items])
        mu = span * y.sum() / span.sum()
        num += np.sum(mu**2)
        den += np.sum((y - mu) ** 2) * len(items) / (len(items) - 1) - np.sum(mu)
    if num == 0.0:
        return OCOP_START_DISPERSION
    k = num / den if den > 0 else np.inf  # no excess: no overdispersion
    return float(np.clip(k, *DISPERSION_BOUNDS))


def _fit_nb(X, y, k, offset, prior_mean, prior_sd):
    """Negative binomial (log link, known size k)."""

    def score(eta):
        mu = np.exp(np.clip(eta + offset, *LOG_ADDITIONS_LIMITS))
        return (y - mu) / (1.0 + mu / k), mu / (1.0 + mu / k)

    return fisher_scoring(X, score, prior_mean, prior_sd)


def criteria_break_sd(
    localities: Iterable[Locality], structure: HazardStructure, *, until: float | None = None
) -> float:
    """The doubt a forecast carries across a change of criteria: the size of the one change
    in the data (2021), read as the phase term β of the NTM hazard (in `structure`, with a
    phase term) and its standard error, as a log-hazard sd √(β² + se²). The direction of the
    next change is not assumed: the pooled level already averages both phases."""
    structure = dataclasses.replace(structure, phase=True)
    ph = fit_pooled_hazard("communes_ntm", localities, until=until, structure=structure)
    if not ph.n_intervals:
        return 0.0
    i = structure.columns.index("phase2")
    return float(np.hypot(ph.coef[i], np.sqrt(ph.cov[i, i])))
