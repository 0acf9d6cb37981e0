"""Forecasting models. Every model has one shape (scikit-learn style):

    model = Model(**settings).fit(history)   # settings in the constructor; fitted state ends in _
    paths = model.forecast(horizon, n_paths=10_000, seed=0, ceiling=None)

`history` is a :class:`MetricHistory`; `forecast` simulates year-end values from the year
of the last figure to `origin_year + horizon` and returns a :class:`PathForecast`. `ceiling(year)`
bounds the paths (the communes_total, or the standard below for nested standards).
`pace` multiplies what the model adds each year: the hazard, the additions or the drift.
Which model and which structure a family gets is decided in one place, :data:`SELECTION`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ntm_forecast.domain import metrics
from ntm_forecast.domain.history import Series, Totals
from ntm_forecast.domain.paths import PathForecast
from ntm_forecast.engine.pooling import (
    PHASE2_START,
    GrowthStructure,
    HazardStructure,
    Interval,
    PooledGrowth,
    PooledHazard,
    mean_coverage,
    push_share,
)

Ceiling = Callable[[int], "np.ndarray | float | None"]


class InsufficientHistory(Exception):
    """The series cannot support this model; the caller reports it, never a made-up forecast."""


class NotFittedError(RuntimeError):
    """`forecast` was called before `fit`."""


@dataclass(frozen=True)
class MetricHistory:
    """Everything a model may learn from for one metric of one locality."""

    slug: str
    info: metrics.MetricInfo
    series: Series
    totals: Totals | None = None
    intervals: tuple[Interval, ...] = ()
    pooled_hazard: PooledHazard | None = None
    pooled_growth: PooledGrowth | None = None
    ocop_additions: tuple = ()
    origin_year: int | None = None
    in_pool: bool = True  # of the pool's kind (a province): the pool's levels fit its scale

    @property
    def last(self):
        return self.series.points[-1]


def _end(history: MetricHistory, horizon: int) -> int:
    """The last forecast year: `horizon` years after the origin (or after the last figure)."""
    origin = history.origin_year
    if origin is None:
        origin = int(np.ceil(history.last.t - 1e-9)) - 1
    return origin + horizon


def _grid(history: MetricHistory, horizon: int) -> tuple[np.ndarray, float]:
    last = history.last
    first_year = int(np.ceil(last.t - 1e-9)) - 1
    horizon_end = _end(history, horizon)
    years = np.arange(first_year, max(horizon_end, first_year) + 1)
    return years, (first_year + 1.0) - last.t  # catch-up length to the first year-end


def _ceiling_values(ceiling: Ceiling | None, year: int, n: int) -> np.ndarray:
    if ceiling is None:
        return np.full(n, np.inf)
    c = ceiling(int(year))
    if c is None:
        return np.full(n, np.inf)
    return np.broadcast_to(np.asarray(c, dtype=float), (n,)).copy()


def simulate(years, catch_up: float, t0: float, state: np.ndarray, step, view=None) -> np.ndarray:
    """The one yearly step loop of every model: column j holds the year-end of `years[j]`.

    `step(state, j, year, t, dt)` advances the state over [t, t + dt]: the catch-up from the
    last figure to its year-end first (skipped when that figure is a year-end), then whole
    years. `view(state)` turns the state into the value recorded (default: the state).
    """
    out = np.empty((state.shape[0], len(years)))
    t = t0
    for j, year in enumerate(years):
        dt = catch_up if j == 0 else 1.0
        if dt > 1e-9:
            state = step(state, j, int(year), t, dt)
            t += dt
        out[:, j] = state if view is None else view(state)
    return out


class _Model:
    name = "model"
    pace: float = 1.0

    def __repr__(self) -> str:
        fitted = "fitted" if hasattr(self, "history_") else "not fitted"
        return f"{type(self).__name__}(pace={self.pace}) [{fitted}]"

    def _check_fitted(self) -> None:
        if not hasattr(self, "history_"):
            raise NotFittedError(
                f"{type(self).__name__}.forecast was called before fit: "
                f"call {type(self).__name__}(...).fit(history) first"
            )


def _draw_state(rng, grid_weights, means, variances, n):
    """Per path: a grid point (τ, σ) from its posterior, then the locality's shift given it."""
    g = rng.choice(len(grid_weights), size=n, p=grid_weights)
    return g, rng.normal(means[g], np.sqrt(variances[g]))


class CommuneHazard(_Model):
    """Each year a share of the communes still short of a standard reaches it.

    The yearly hazard is the pooled one with this locality's own shift (shrunk toward the
    pool by how little history it has, and a random walk where the structure says so). Every
    path draws its own coefficients, (τ, σ), shift and ρ; every year its own beta-binomial
    overdispersion.
    """

    name = "hazard"

    def __init__(self, pace: float = 1.0):
        self.pace = pace

    def fit(self, history: MetricHistory) -> CommuneHazard:
        if history.pooled_hazard is None or not len(history.series):
            raise InsufficientHistory("no commune figures to start from")
        ph = history.pooled_hazard
        ivs = list(history.intervals)
        self.history_ = history
        self.start_ = history.last
        self.state_mean_, self.state_var_, self.own_weight_ = ph.locality_state(
            ivs, at=history.last.t
        )
        if ivs:
            self.mean_cov_ = mean_coverage(ivs)
            self.x_ref_ = ph.design(ivs[-1:], self.mean_cov_)[0]
        else:
            bound = history.totals.last if history.totals is not None else None
            self.mean_cov_ = history.last.value / bound if bound else 0.0
            self.x_ref_ = None
        return self

    def forecast(
        self,
        horizon: int,
        *,
        n_paths: int = 10_000,
        seed: int = 0,
        ceiling: Ceiling | None = None,
    ) -> PathForecast:
        self._check_fitted()
        h = self.history_
        ph = h.pooled_hazard
        rng = np.random.default_rng(seed)
        years, catch_up = _grid(h, horizon)
        if ceiling is None and h.totals is not None and h.totals.last is not None:
            ceiling = lambda year: h.totals.at(year + 1.0)  # noqa: E731 - no pool given: all communes
        coef = rng.multivariate_normal(ph.coef, ph.cov, size=n_paths, method="cholesky")
        g, u = _draw_state(rng, ph.weights, self.state_mean_, self.state_var_, n_paths)
        sigma = ph.grid[g, 1]
        if self.x_ref_ is not None:
            # The locality's own hazard pins the level where its data are; the pooled
            # coefficients' doubt then acts only through changes (coverage, phase, push).
            u = u - (coef - ph.coef) @ self.x_ref_
        rho = rng.choice(ph.rho_draws, size=n_paths)
        m = (1.0 - rho) / rho
        structure, start = ph.structure, self.start_.value

        def step(level, j, year, t, dt):
            nonlocal u
            if structure.time_varying:
                u = u + rng.normal(0.0, 1.0, n_paths) * sigma * np.sqrt(dt)
            bound = _ceiling_values(ceiling, year, n_paths)
            finite = np.isfinite(bound)
            risk = np.where(finite, np.maximum(bound - level, 0.0), 0.0)
            cov = np.where(finite & (bound > 0), level / np.where(bound > 0, bound, 1.0), 1.0)
            x = structure.row(
                cov, self.mean_cov_, float(t + dt / 2 >= PHASE2_START), push_share(t, t + dt)
            )
            eta = np.einsum("nk,nk->n", x, coef) + u
            lam = np.exp(np.clip(eta, -30, 3)) * self.pace
            p = np.clip(-np.expm1(-lam * dt), 1e-9, 1 - 1e-9)
            pt = rng.beta(p * m, (1 - p) * m)
            new = level + rng.binomial(np.round(risk).astype(np.int64), pt)
            return np.minimum(new, np.maximum(bound, start if j == 0 else 0.0))

        out = simulate(years, catch_up, self.start_.t, np.full(n_paths, float(start)), step)
        return PathForecast(h.info.name, self.name, years, out, self.own_weight_)


class OcopGrowth(_Model):
    """Yearly additions of OCOP products, negative binomial around the locality's level
    (shrunk toward the pool) in the pooled form: `exp(a [+ β·log(1 + stock)] + u)`.

    The same form is fitted on every province's additions and simulated here, year by year
    from each path's own stock. Totals are never capped.
    """

    name = "ocop_growth"

    def __init__(self, pace: float = 1.0):
        self.pace = pace

    def fit(self, history: MetricHistory) -> OcopGrowth:
        pg = history.pooled_growth
        if pg is None or not len(history.series):
            raise InsufficientHistory("no OCOP count to start from")
        adds = list(history.ocop_additions)
        if not adds and history.last.value <= 0:
            raise InsufficientHistory("no OCOP products yet and no additions to learn from")
        if not adds and not history.in_pool and not pg.structure.stock:
            # The pooled level is a province's yearly additions: not a nation's or a district's.
            raise InsufficientHistory("no yearly additions of its own to set its scale")
        self.history_, self.start_ = history, history.last
        self.state_mean_, self.state_var_, self.own_weight_ = pg.locality_state(
            adds, pooled=history.in_pool
        )
        return self

    def forecast(
        self,
        horizon: int,
        *,
        n_paths: int = 10_000,
        seed: int = 0,
        ceiling: Ceiling | None = None,
    ) -> PathForecast:
        self._check_fitted()
        pg = self.history_.pooled_growth
        rng = np.random.default_rng(seed)
        years, catch_up = _grid(self.history_, horizon)
        coef = rng.multivariate_normal(pg.coef, pg.cov, size=n_paths, method="cholesky")
        _, u = _draw_state(rng, pg.weights, self.state_mean_, self.state_var_, n_paths)
        k = pg.dispersion

        def step(level, j, year, t, dt):
            x = pg.structure.row(level)
            mean = np.exp(np.clip(np.einsum("nk,nk->n", x, coef) + u, -20, 12)) * self.pace * dt
            return level + rng.poisson(rng.gamma(k, mean / k))

        out = simulate(
            years, catch_up, self.start_.t, np.full(n_paths, float(self.start_.value)), step
        )
        return PathForecast(self.history_.info.name, self.name, years, out, self.own_weight_)


def _transform(info: metrics.MetricInfo):
    """Forward and inverse maps to an unbounded scale (logit for bounded, log for money)."""
    if info.upper is not None:
        u = info.upper
        eps = 1e-3 * u

        def fwd(x):
            x = np.clip(x, eps, u - eps)
            return np.log(x / (u - x))

        def inv(z):
            return u / (1.0 + np.exp(-z))

        return fwd, inv
    if info.family == "money":
        return (lambda x: np.log(np.maximum(x, 1e-9))), np.exp
    return (lambda x: np.asarray(x, dtype=float)), (lambda z: z)


def _yearly(series: Series) -> tuple[np.ndarray, np.ndarray]:
    """One figure per year (the year-end, else the year's latest): the pace is read from
    whole years, so two reports a fortnight apart are never a yearly rate."""
    levels = series.yearly_levels()
    years = np.array(sorted(levels), dtype=float)
    return years, np.array([levels[int(y)] for y in years], dtype=float)


class BoundedTrend(_Model):
    """A linear trend on the logit (0–19 criteria, 0–100 %) or log (money) scale, fitted on
    one figure per year. The yearly noise pools the residuals with `default_sd` as one prior
    observation, so it never collapses to zero."""

    name = "bounded_trend"

    def __init__(self, pace: float = 1.0, damping: float = 0.9, default_sd: float = 0.25):
        self.pace = pace
        self.damping = damping
        self.default_sd = default_sd

    def fit(self, history: MetricHistory) -> BoundedTrend:
        years, values = _yearly(history.series)
        if len(years) < 2:
            raise InsufficientHistory("fewer than two years with a figure")
        fwd, _ = _transform(history.info)
        z = fwd(values)
        tc = years - years.mean()
        sxx = float(np.sum(tc**2))
        slope = float(np.sum(tc * (z - z.mean())) / sxx)
        ssr = float(np.sum((z - (z.mean() + slope * tc)) ** 2))
        sd = float(np.sqrt((ssr + self.default_sd**2) / (len(z) - 2 + 1)))
        self.history_, self.start_ = history, history.last
        self.slope_, self.sd_, self.slope_se_ = slope, sd, sd / np.sqrt(sxx)
        self.own_weight_ = 1.0
        return self

    def forecast(
        self,
        horizon: int,
        *,
        n_paths: int = 10_000,
        seed: int = 0,
        ceiling: Ceiling | None = None,
    ) -> PathForecast:
        self._check_fitted()
        rng = np.random.default_rng(seed)
        years, catch_up = _grid(self.history_, horizon)
        fwd, inv = _transform(self.history_.info)
        slope = rng.normal(self.slope_, self.slope_se_, size=n_paths) * self.pace

        def step(z, j, year, t, dt):
            return z + slope * dt * self.damping**j + rng.normal(0, self.sd_ * np.sqrt(dt), n_paths)

        z0 = np.full(n_paths, float(fwd(np.array([self.start_.value]))[0]))
        out = simulate(years, catch_up, self.start_.t, z0, step, view=inv)
        out[:, 0] = np.where(catch_up > 1e-9, out[:, 0], self.start_.value)
        return PathForecast(self.history_.info.name, self.name, years, out, 1.0)


class Drift(_Model):
    """The baseline: the yearly change over whole years continues, with the spread of past
    yearly changes. That spread pools the observed changes with one prior change of Poisson
    size (counts: variance max(|drift|, 1)) or half the drift (other metrics), so it never
    collapses to zero. Running totals do not fall and stay under their ceiling; bounded
    metrics stay in range."""

    name = "drift"

    def __init__(self, pace: float = 1.0):
        self.pace = pace

    def fit(self, history: MetricHistory) -> Drift:
        years, x = _yearly(history.series)
        if len(years) < 2:
            raise InsufficientHistory("fewer than two years with a figure")
        info = history.info
        rates = np.diff(x) / np.diff(years)
        drift = float((x[-1] - x[0]) / (years[-1] - years[0]))
        if info.family in ("commune", "ocop", "count") or info.cumulative:
            s0 = np.sqrt(max(abs(drift), 1.0))
        else:
            scale = info.upper if info.upper is not None else max(abs(x[-1]), 1.0)
            s0 = max(0.5 * abs(drift), 0.01 * scale)
        ss = float(np.sum((rates - rates.mean()) ** 2)) if len(rates) >= 2 else 0.0
        sd = float(np.sqrt((ss + s0**2) / max(len(rates) - 1, 0 + 1)))
        self.history_, self.start_ = history, history.last
        self.drift_, self.sd_, self.drift_se_ = drift, sd, sd / np.sqrt(len(rates))
        self.own_weight_ = 1.0
        return self

    def forecast(
        self,
        horizon: int,
        *,
        n_paths: int = 10_000,
        seed: int = 0,
        ceiling: Ceiling | None = None,
    ) -> PathForecast:
        self._check_fitted()
        rng = np.random.default_rng(seed)
        info = self.history_.info
        years, catch_up = _grid(self.history_, horizon)
        drift = rng.normal(self.drift_, self.drift_se_, size=n_paths) * self.pace
        start = self.start_.value
        top = info.upper if info.upper is not None else np.inf
        counts = info.family in ("commune", "ocop")

        def step(level, j, year, t, dt):
            change = drift * dt + rng.normal(0, self.sd_ * np.sqrt(dt), n_paths)
            if info.cumulative or info.family == "commune":
                change = np.maximum(change, 0.0)
            level = np.minimum(
                level + change,
                np.maximum(_ceiling_values(ceiling, year, n_paths), start if j == 0 else 0.0),
            )
            level = np.clip(level, 0.0, top)
            return np.floor(level + 1e-9) if counts and j else level

        out = simulate(years, catch_up, self.start_.t, np.full(n_paths, float(start)), step)
        return PathForecast(info.name, self.name, years, out, 1.0)


class DampedETS(_Model):
    """statsmodels' ETS (additive error, damped additive trend) on the transformed scale.

    A candidate only where a series has six or more yearly figures (the national ones).
    """

    name = "ets"

    def __init__(self, pace: float = 1.0, min_points: int = 6):
        self.pace = pace
        self.min_points = min_points

    def fit(self, history: MetricHistory) -> DampedETS:
        levels = history.series.yearly_levels()
        if len(levels) < self.min_points:
            raise InsufficientHistory(f"fewer than {self.min_points} yearly figures")
        self.history_, self.start_ = history, history.last
        years = np.arange(min(levels), max(levels) + 1)
        z_known = self._to_z(np.array(list(levels.values())), np.array(list(levels)))
        z = np.interp(years, np.array(list(levels)), z_known)  # gaps filled on the z scale
        import warnings

        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.result_ = ETSModel(z, error="add", trend="add", damped_trend=True).fit(disp=False)
        self.years_ = years
        self.own_weight_ = 1.0
        return self

    def _bound(self, years):
        tot = self.history_.totals
        if self.history_.info.family == "commune" and tot is not None and tot.last:
            return np.array([tot.at(y + 1.0) or tot.last for y in years], dtype=float)
        return None

    def _to_z(self, x, years):
        b = self._bound(years)
        if b is not None:
            p = np.clip(x / b, 1e-4, 1 - 1e-4)
            return np.log(p / (1 - p))
        return _transform(self.history_.info)[0](x)

    def _from_z(self, z, years):
        b = self._bound(years)
        if b is not None:
            return b / (1 + np.exp(-z))
        return _transform(self.history_.info)[1](z)

    def forecast(
        self,
        horizon: int,
        *,
        n_paths: int = 10_000,
        seed: int = 0,
        ceiling: Ceiling | None = None,
    ) -> PathForecast:
        self._check_fitted()
        last_year = int(self.years_[-1])
        horizon_end = _end(self.history_, horizon)
        years = np.arange(last_year, max(horizon_end, last_year) + 1)
        steps = len(years) - 1
        out = np.empty((n_paths, len(years)))
        out[:, 0] = self.start_.value
        if steps:
            sims = self.result_.simulate(
                steps, repetitions=n_paths, anchor="end", rng=np.random.default_rng(seed)
            )
            z = np.asarray(sims).reshape(steps, n_paths).T
            z0 = self._to_z(np.array([self.start_.value]), np.array([last_year]))[0]
            z = z0 + (z - z0) * self.pace
            out[:, 1:] = self._from_z(z, years[1:])
        info = self.history_.info
        if info.cumulative or info.family == "commune":
            out = np.maximum.accumulate(out, axis=1)
        for j, year in enumerate(years):
            out[:, j] = np.minimum(
                out[:, j], np.maximum(_ceiling_values(ceiling, year, n_paths), out[:, 0])
            )
        return PathForecast(info.name, self.name, years, out, 1.0)


class YearlyAdditions(_Model):
    """For a count known only by what was added each year (no running total stated).

    Additions are negative binomial around the mean of the last three years. The paths
    count what is added after the origin year, so they answer "how many more" targets and
    nothing else; the frame's model column says so.
    """

    name = "additions_only"

    def __init__(self, pace: float = 1.0, prior_sd: float = 0.6):
        self.pace = pace
        self.prior_sd = prior_sd  # doubt on the log of the yearly mean, shrunk by the years seen

    def fit(self, history: MetricHistory) -> YearlyAdditions:
        per_year: dict[int, float] = {}
        for year, added, _full in history.series.increments:
            per_year[year] = max(per_year.get(year, 0.0), added)  # batches: the largest is a floor
        if not per_year or history.origin_year is None:
            raise InsufficientHistory("no level and no yearly additions")
        ys = sorted(per_year)[-3:]
        vals = np.array([per_year[y] for y in ys])
        mean = max(float(vals.mean()), 0.5)
        var = float(vals.var(ddof=1)) if len(vals) >= 3 else mean * 2.0
        excess = var - mean
        self.dispersion_ = float(np.clip(mean**2 / excess, 1.0, 100.0)) if excess > 0 else 100.0
        self.log_mu_ = np.log(mean)
        self.log_var_ = self.prior_sd**2 / len(vals)
        self.history_, self.start_ = history, (history.origin_year, per_year)
        self.own_weight_ = 1.0
        return self

    def forecast(
        self,
        horizon: int,
        *,
        n_paths: int = 10_000,
        seed: int = 0,
        ceiling: Ceiling | None = None,
    ) -> PathForecast:
        self._check_fitted()
        rng = np.random.default_rng(seed)
        origin = self.start_[0]
        years = np.arange(origin, max(origin + horizon, origin) + 1)
        mu = np.exp(rng.normal(self.log_mu_, np.sqrt(self.log_var_), size=n_paths)) * self.pace
        k = self.dispersion_

        def step(total, j, year, t, dt):
            return total + rng.poisson(rng.gamma(k, mu / k))

        # column 0 is the origin year itself: nothing added yet (catch-up of length 0)
        out = simulate(years, 0.0, float(origin + 1), np.zeros(n_paths), step)
        note = f"levels unknown: values count what is added after {origin}"
        return PathForecast(self.history_.info.name, self.name, years, out, 1.0, note)


def bound_paths(
    pf: PathForecast, info: metrics.MetricInfo, ceiling: Ceiling | None
) -> PathForecast:
    """What every forecast obeys, whichever model made it: running totals never fall,
    commune counts stay under their ceiling (their pool), values stay within 0 and the
    metric's upper bound. Models aim for this themselves; this makes it a guarantee."""
    values = np.clip(pf.values, 0.0, info.upper if info.upper is not None else np.inf)
    if info.family == "count" and info.cumulative:
        values = np.round(values)  # districts, villages: whole units, as commune counts are
    if info.cumulative or info.family == "commune":
        values = np.maximum.accumulate(values, axis=1)
    if ceiling is not None and info.family == "commune":
        n = values.shape[0]
        for j, year in enumerate(pf.years):
            # The ceiling wins over "never falls": where communes merged away and the total
            # fell below an old count, the count is every commune of the new total.
            values[:, j] = np.minimum(values[:, j], _ceiling_values(ceiling, int(year), n))
    return PathForecast(pf.metric, pf.model, pf.years, values, pf.own_weight, pf.note)


MODELS: dict[str, type[_Model]] = {
    m.name: m for m in (CommuneHazard, OcopGrowth, BoundedTrend, Drift, DampedETS, YearlyAdditions)
}


@dataclass(frozen=True)
class Selection:
    """Every model choice in one place: the default model and the rivals of each family,
    the structure of the commune hazard and of OCOP growth, and what stands in when the
    default cannot fit. Set from the cross-validation the README describes
    (`ntm-forecast backtest --select`), nowhere else."""

    defaults: dict[str, str] = field(default_factory=dict)
    rivals: dict[str, tuple[str, ...]] = field(default_factory=dict)
    hazard: HazardStructure = field(default_factory=HazardStructure)
    growth: GrowthStructure = field(default_factory=GrowthStructure)
    fallback: str = "drift"

    def default(self, family: str) -> str:
        return self.defaults.get(family, self.fallback)

    def candidates(self, family: str) -> list[str]:
        """The models worth trying on a family of metric, default first."""
        default = self.default(family)
        rivals = self.rivals.get(family, ("drift", "ets"))
        return [default, *[m for m in rivals if m != default]]

    def model_for(self, info: metrics.MetricInfo, requested: str | None = None) -> str:
        name = requested or self.default(info.family)
        if info.family == "ocop" and info.name != "ocop_total" and name == "ocop_growth":
            return self.fallback  # stars are split from the total's paths, not grown alone
        return name


SELECTION = Selection(
    defaults={
        "commune": "hazard",
        "ocop": "ocop_growth",
        "criteria": "bounded_trend",
        "percent": "bounded_trend",
        "money": "bounded_trend",
        "count": "drift",
        "other": "drift",
    },
    rivals={
        "commune": ("hazard", "drift", "ets"),
        "ocop": ("ocop_growth", "drift", "ets"),
        "criteria": ("bounded_trend", "drift", "ets"),
        "percent": ("bounded_trend", "drift", "ets"),
        "money": ("bounded_trend", "drift", "ets"),
    },
    hazard=HazardStructure(time_varying=False, coverage=True, phase=False, push=False),
    growth=GrowthStructure(stock=False),
)
