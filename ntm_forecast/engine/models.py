"""Forecasting models. Every model has one shape (scikit-learn style):

    model = Model(**settings).fit(history)   # settings in the constructor; fitted state ends in _
    paths = model.forecast(horizon, n_paths=10_000, seed=0, ceiling=None)

`history` is a :class:`MetricHistory`; `forecast` simulates year-end values from the year
of the last figure to `origin_year + horizon` and returns a :class:`PathForecast`. `ceiling(year)`
bounds the paths (the communes_total, or the standard below for nested standards); every
model keeps its paths under it. `pace` multiplies what the model adds each year: the hazard,
the additions or the drift. Which model a family gets, and with which settings, is decided in
one place, :data:`SELECTION`; the engine builds each model as a copy of the configured one
(:meth:`Selection.build`), the forecast's pace multiplying the configured one.
"""

from __future__ import annotations

import inspect
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ntm_forecast.domain import metrics
from ntm_forecast.domain.history import Series, Totals
from ntm_forecast.domain.paths import PathForecast
from ntm_forecast.engine.pooling import (
    LOG_ADDITIONS_LIMITS,
    LOG_HAZARD_LIMITS,
    PHASE2_START,
    PHASE3_START,
    GrowthStructure,
    HazardStructure,
    Interval,
    PooledGrowth,
    PooledHazard,
    coverage_scale,
    mean_coverage,
    push_share,
)

Ceiling = Callable[[int], "np.ndarray | float | None"]

# The guards of the small models, named so that a reader finds them (each changes a forecast
# only where a series is too short or too flat to speak for itself).
DRIFT_SD_FLOOR = (0.5, 0.01)  # a level's yearly sd: ≥ half its drift and ≥ 1% of its scale
ADDITIONS_MEAN_FLOOR = 0.5  # a yearly mean of additions never below half an addition
ADDITIONS_MIN_YEARS_FOR_VARIANCE = 3  # fewer years: variance = mean × the factor below
ADDITIONS_SHORT_VARIANCE_FACTOR = 2.0  # overdispersed, as OCOP rounds are
ADDITIONS_DISPERSION_LIMITS = (1.0, 100.0)  # negative-binomial size: 100 is nearly Poisson


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
    # a province (a merged unit of 2025 too): the pool's levels fit its scale; a nation's or a
    # district's OCOP level stands on its own additions
    province_scale: bool = True
    communes: float | None = None  # OCOP's size: `pooling.province_communes` at the cut
    criteria_break_sd: float = 0.0  # a commune hazard's log-sd from PHASE3_START on

    @property
    def last(self):
        return self.series.points[-1]


def totals_ceiling(totals: Totals | None) -> Ceiling | None:
    """Every commune of the total known for each year-end: the ceiling of a standard with no
    standard below it (the only ceiling rule besides the paths of that standard)."""
    if totals is None or totals.last is None:
        return None
    return lambda year: totals.at(year + 1.0)


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


def _cap(ceiling: Ceiling | None, year: int, j: int, n: int, start: float) -> np.ndarray:
    """What column j may reach: the ceiling of its year; in the first column the starting
    figure stands even above it (a stated count is not undone by the model)."""
    return np.maximum(_ceiling_values(ceiling, year, n), start if j == 0 else 0.0)


def _capped(out: np.ndarray, years, ceiling: Ceiling | None, start: float) -> np.ndarray:
    """Paths simulated without the ceiling, each column put under it."""
    if ceiling is not None:
        for j, year in enumerate(years):
            out[:, j] = np.minimum(out[:, j], _cap(ceiling, year, j, out.shape[0], start))
    return out


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


class Model(ABC):
    """What every model shares: its settings (the arguments of its `__init__`, each stored
    under its own name), its repr, `clone`, and the forecast prologue. A subclass is a
    dataclass whose fields are its settings (so `__init__` is written once, by dataclasses);
    it fits in `fit` and simulates in `_simulate`."""

    name = "model"

    @classmethod
    def _setting_names(cls) -> list[str]:
        return [p for p in inspect.signature(cls.__init__).parameters if p != "self"]

    def get_params(self) -> dict:
        """The settings, by name (scikit-learn's `get_params`)."""
        return {name: getattr(self, name) for name in self._setting_names()}

    def clone(self, **settings) -> Model:
        """A new, unfitted model with these settings and every other one of this model."""
        unknown = set(settings) - set(self._setting_names())
        if unknown:
            raise ValueError(f"{type(self).__name__} has no setting {', '.join(sorted(unknown))}")
        return type(self)(**{**self.get_params(), **settings})

    def __repr__(self) -> str:
        fitted = "fitted" if hasattr(self, "history_") else "not fitted"
        settings = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({settings}) [{fitted}]"

    @abstractmethod
    def fit(self, history: MetricHistory) -> Model:
        """Learn from `history`; returns the model itself."""

    def forecast(
        self,
        horizon: int,
        *,
        n_paths: int = 10_000,
        seed: int = 0,
        ceiling: Ceiling | None = None,
    ) -> PathForecast:
        """`n_paths` simulated year-end paths to `origin_year + horizon`, under `ceiling`."""
        if not hasattr(self, "history_"):
            raise NotFittedError(
                f"{type(self).__name__}.forecast was called before fit: "
                f"call {type(self).__name__}(...).fit(history) first"
            )
        years, catch_up = self._years(horizon)
        rng = np.random.default_rng(seed)
        values = self._simulate(rng, years, catch_up, n_paths, ceiling)
        return PathForecast(
            self.history_.info.name, self.name, years, values, self.own_weight_, self._note()
        )

    def _fitted(self, history: MetricHistory, start, own_weight: float = 1.0) -> None:
        self.history_, self.start_, self.own_weight_ = history, start, own_weight

    def _years(self, horizon: int) -> tuple[np.ndarray, float]:
        """The years of the columns, and the catch-up from the last figure to its year-end."""
        return _grid(self.history_, horizon)

    @abstractmethod
    def _simulate(self, rng, years, catch_up: float, n_paths: int, ceiling) -> np.ndarray:
        """The paths, (n_paths, len(years)), each column under `ceiling`."""

    def _note(self) -> str:
        return ""


def _draw_state(rng, grid_weights, means, variances, n):
    """Per path: a grid point (τ, σ) from its posterior, then the locality's shift given it."""
    g = rng.choice(len(grid_weights), size=n, p=grid_weights)
    return g, rng.normal(means[g], np.sqrt(variances[g]))


@dataclass(repr=False, eq=False)
class CommuneHazard(Model):
    """Each year a share of the communes still short of a standard reaches it.

    The yearly hazard is the pooled one with this locality's own shift (shrunk toward the
    pool by how little history it has, and a random walk where the structure says so). Every
    path draws its own coefficients, (τ, σ), shift and ρ; every year its own beta-binomial
    overdispersion. Without a ceiling, the communes at risk are those of the communes_total.

    pace : float, default 1.0
        Multiplies the yearly hazard.
    """

    name = "hazard"

    pace: float = 1.0

    def fit(self, history: MetricHistory) -> CommuneHazard:
        if history.pooled_hazard is None or not len(history.series):
            raise InsufficientHistory("no commune figures to start from")
        ph = history.pooled_hazard
        ivs = list(history.intervals)
        self.state_mean_, self.state_var_, own_weight = ph.locality_state(ivs, at=history.last.t)
        if ivs:
            self.mean_cov_ = mean_coverage(ivs)
            self.x_ref_ = ph.design(ivs[-1:], self.mean_cov_)[0]
        else:
            bound = history.totals.last if history.totals is not None else None
            self.mean_cov_ = float(coverage_scale(history.last.value / bound)) if bound else 0.0
            self.x_ref_ = None
        self._fitted(history, history.last, own_weight)
        return self

    def _simulate(self, rng, years, catch_up, n_paths, ceiling):
        ph = self.history_.pooled_hazard
        if ceiling is None:
            ceiling = totals_ceiling(self.history_.totals)
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
        # New criteria: each path's hazard moves by a shift of the size the 2021 change had
        # (drawn only for a forecast that reaches them, so older forecasts keep their draws).
        doubt = self.history_.criteria_break_sd
        crosses = doubt > 0 and years[-1] >= PHASE3_START  # the year 2026 is under them
        shift = rng.normal(0.0, doubt, n_paths) if crosses else 0.0

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
            if t + dt / 2 >= PHASE3_START:
                eta = eta + shift
            lam = np.exp(np.clip(eta, *LOG_HAZARD_LIMITS)) * self.pace
            p = np.clip(-np.expm1(-lam * dt), 1e-9, 1 - 1e-9)
            pt = rng.beta(p * m, (1 - p) * m)
            new = level + rng.binomial(np.round(risk).astype(np.int64), pt)
            return np.minimum(new, _cap(ceiling, year, j, n_paths, start))

        return simulate(years, catch_up, self.start_.t, np.full(n_paths, float(start)), step)


@dataclass(repr=False, eq=False)
class OcopGrowth(Model):
    """Yearly additions of OCOP products, negative binomial around the locality's level
    (shrunk toward the pool) in the pooled form: `exp(a [+ β·log(1 + stock)] [+ β_z·size] +
    u)`.

    The same form is fitted on every province's additions and simulated here, year by year
    from each path's own stock. The engine gives OCOP totals no ceiling.

    pace : float, default 1.0
        Multiplies the expected yearly additions.
    """

    name = "ocop_growth"

    pace: float = 1.0

    def fit(self, history: MetricHistory) -> OcopGrowth:
        pg = history.pooled_growth
        if pg is None or not len(history.series):
            raise InsufficientHistory("no OCOP count to start from")
        adds = list(history.ocop_additions)
        if not adds and history.last.value <= 0:
            raise InsufficientHistory("no OCOP products yet and no additions to learn from")
        if not adds and not history.province_scale:
            # The pooled level is a province's yearly additions, even for its stock: not a
            # nation's or a district's, whose flat prior alone would span any pace.
            raise InsufficientHistory("no yearly additions of its own to set its scale")
        self.size_ = pg.size_of(history.communes)
        self.state_mean_, self.state_var_, own_weight = pg.locality_state(
            adds, pooled=history.province_scale, size=self.size_
        )
        self._fitted(history, history.last, own_weight)
        return self

    def _simulate(self, rng, years, catch_up, n_paths, ceiling):
        pg = self.history_.pooled_growth
        coef = rng.multivariate_normal(pg.coef, pg.cov, size=n_paths, method="cholesky")
        _, u = _draw_state(rng, pg.weights, self.state_mean_, self.state_var_, n_paths)
        k, start = pg.dispersion, self.start_.value

        def step(level, j, year, t, dt):
            x = pg.structure.row(level, self.size_)
            log_mean = np.clip(np.einsum("nk,nk->n", x, coef) + u, *LOG_ADDITIONS_LIMITS)
            mean = np.exp(log_mean) * self.pace * dt
            new = level + rng.poisson(rng.gamma(k, mean / k))
            return np.minimum(new, _cap(ceiling, year, j, n_paths, start))

        return simulate(years, catch_up, self.start_.t, np.full(n_paths, float(start)), step)


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


@dataclass(repr=False, eq=False)
class BoundedTrend(Model):
    """A linear trend on the logit (0–19 criteria, 0–100 %) or log (money) scale, fitted on
    one figure per year.

    pace : float, default 1.0
        Multiplies the slope.
    damping : float, default 0.9
        The slope of the j-th year ahead is multiplied by damping**j (1: an undamped line).
    default_sd : float, default 0.25
        One prior observation of the yearly noise on the transformed scale, pooled with the
        residuals, so that two points on a line do not make a certain forecast.
    """

    name = "bounded_trend"

    pace: float = 1.0
    damping: float = 0.9
    default_sd: float = 0.25

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
        self.slope_, self.sd_, self.slope_se_ = slope, sd, sd / np.sqrt(sxx)
        self._fitted(history, history.last)
        return self

    def _simulate(self, rng, years, catch_up, n_paths, ceiling):
        fwd, inv = _transform(self.history_.info)
        slope = rng.normal(self.slope_, self.slope_se_, size=n_paths) * self.pace
        start = self.start_.value

        def step(z, j, year, t, dt):
            return z + slope * dt * self.damping**j + rng.normal(0, self.sd_ * np.sqrt(dt), n_paths)

        z0 = np.full(n_paths, float(fwd(np.array([start]))[0]))
        out = simulate(years, catch_up, self.start_.t, z0, step, view=inv)
        out[:, 0] = np.where(catch_up > 1e-9, out[:, 0], start)
        return _capped(out, years, ceiling, start)


@dataclass(repr=False, eq=False)
class Drift(Model):
    """The baseline: the yearly change over whole years continues, with the spread of past
    yearly changes. That spread pools the observed changes with one prior change of Poisson
    size (counts: variance max(|drift|, 1)) or half the drift (other metrics), so it never
    collapses to zero. Running totals do not fall and stay under their ceiling; bounded
    metrics stay in range.

    pace : float, default 1.0
        Multiplies the drift.
    """

    name = "drift"

    pace: float = 1.0

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
            share_of_drift, share_of_scale = DRIFT_SD_FLOOR
            s0 = max(share_of_drift * abs(drift), share_of_scale * scale)
        ss = float(np.sum((rates - rates.mean()) ** 2)) if len(rates) >= 2 else 0.0
        sd = float(np.sqrt((ss + s0**2) / max(len(rates) - 1, 0 + 1)))
        self.drift_, self.sd_, self.drift_se_ = drift, sd, sd / np.sqrt(len(rates))
        self._fitted(history, history.last)
        return self

    def _simulate(self, rng, years, catch_up, n_paths, ceiling):
        info = self.history_.info
        drift = rng.normal(self.drift_, self.drift_se_, size=n_paths) * self.pace
        start = self.start_.value
        top = info.upper if info.upper is not None else np.inf
        counts = info.family in ("commune", "ocop")

        def step(level, j, year, t, dt):
            change = drift * dt + rng.normal(0, self.sd_ * np.sqrt(dt), n_paths)
            if info.cumulative or info.family == "commune":
                change = np.maximum(change, 0.0)
            level = np.minimum(level + change, _cap(ceiling, year, j, n_paths, start))
            level = np.clip(level, 0.0, top)
            return np.floor(level + 1e-9) if counts and j else level

        return simulate(years, catch_up, self.start_.t, np.full(n_paths, float(start)), step)


@dataclass(repr=False, eq=False)
class DampedETS(Model):
    """statsmodels' ETS (additive error, damped additive trend) on the transformed scale.

    A candidate only where a series has `min_points` yearly figures or more (the national
    ones). A fit that statsmodels reports as not converged raises InsufficientHistory with
    that reason: the model is then skipped (or replaced by the fallback when it was not asked
    for by name), never forecast from parameters the optimiser did not settle.

    pace : float, default 1.0
        Multiplies the simulated change from the last figure.
    min_points : int, default 6
        The fewest yearly figures ETS is fitted on.
    """

    name = "ets"

    pace: float = 1.0
    min_points: int = 6

    def fit(self, history: MetricHistory) -> DampedETS:
        from statsmodels.tools.sm_exceptions import ConvergenceWarning
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        levels = history.series.yearly_levels()
        if len(levels) < self.min_points:
            raise InsufficientHistory(f"fewer than {self.min_points} yearly figures")
        known = np.array(list(levels))
        years = np.arange(min(levels), max(levels) + 1)
        z_known = _to_z(history, np.array(list(levels.values())), known)
        z = np.interp(years, known, z_known)  # gaps filled on the z scale
        # Its convergence is read from the result below; the optimiser's trials of a flat
        # series (log of a zero variance) are not news.
        with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
            warnings.simplefilter("ignore", ConvergenceWarning)
            result = ETSModel(z, error="add", trend="add", damped_trend=True).fit(disp=False)
        if not result.mle_retvals.get("converged", True):
            raise InsufficientHistory("the ETS fit did not converge")
        self.result_, self.years_ = result, years
        self._fitted(history, history.last)
        return self

    def _years(self, horizon):
        last_year = int(self.years_[-1])
        return np.arange(last_year, max(_end(self.history_, horizon), last_year) + 1), 0.0

    def _simulate(self, rng, years, catch_up, n_paths, ceiling):
        h = self.history_
        steps = len(years) - 1
        out = np.empty((n_paths, len(years)))
        out[:, 0] = self.start_.value
        if steps:
            sims = self.result_.simulate(steps, repetitions=n_paths, anchor="end", rng=rng)
            z = np.asarray(sims).reshape(steps, n_paths).T
            z0 = _to_z(h, np.array([self.start_.value]), years[:1])[0]
            z = z0 + (z - z0) * self.pace
            out[:, 1:] = _from_z(h, z, years[1:])
        if h.info.cumulative or h.info.family == "commune":
            out = np.maximum.accumulate(out, axis=1)
        return _capped(out, years, ceiling, self.start_.value)


def _ets_bound(history: MetricHistory, years) -> np.ndarray | None:
    """Commune counts are modelled as a share of their total (a logit), other metrics on
    the scale of `_transform`."""
    tot = history.totals
    if history.info.family == "commune" and tot is not None and tot.last:
        return np.array([tot.at(y + 1.0) or tot.last for y in years], dtype=float)
    return None


def _to_z(history: MetricHistory, x, years):
    b = _ets_bound(history, years)
    if b is not None:
        p = np.clip(x / b, 1e-4, 1 - 1e-4)
        return np.log(p / (1 - p))
    return _transform(history.info)[0](x)


def _from_z(history: MetricHistory, z, years):
    b = _ets_bound(history, years)
    if b is not None:
        return b / (1 + np.exp(-z))
    return _transform(history.info)[1](z)


@dataclass(repr=False, eq=False)
class YearlyAdditions(Model):
    """For a count known only by what was added each year (no running total stated).

    Additions are negative binomial around the mean of the last `window` years. The paths
    count what is added after the origin year, so they answer "how many more" targets and
    nothing else; the frame's model column says so. A ceiling bounds what is added.

    pace : float, default 1.0
        Multiplies the yearly mean.
    prior_sd : float, default 0.6
        Doubt on the log of the yearly mean from one year of additions; shrunk by the
        number of years seen.
    window : int, default 3
        How many of the latest years with additions set the mean.
    """

    name = "additions_only"

    pace: float = 1.0
    prior_sd: float = 0.6
    window: int = 3

    def fit(self, history: MetricHistory) -> YearlyAdditions:
        per_year: dict[int, float] = {}
        for year, added, _full in history.series.increments:
            per_year[year] = max(per_year.get(year, 0.0), added)  # batches: the largest is a floor
        if not per_year or history.origin_year is None:
            raise InsufficientHistory("no level and no yearly additions")
        vals = np.array([per_year[y] for y in sorted(per_year)[-self.window :]])
        mean = max(float(vals.mean()), ADDITIONS_MEAN_FLOOR)
        if len(vals) >= ADDITIONS_MIN_YEARS_FOR_VARIANCE:
            var = float(vals.var(ddof=1))
        else:
            var = mean * ADDITIONS_SHORT_VARIANCE_FACTOR
        excess = var - mean
        low, high = ADDITIONS_DISPERSION_LIMITS
        self.dispersion_ = float(np.clip(mean**2 / excess, low, high)) if excess > 0 else high
        self.log_mu_ = np.log(mean)
        self.log_var_ = self.prior_sd**2 / len(vals)
        self._fitted(history, (history.origin_year, per_year))
        return self

    def _years(self, horizon):
        origin = self.start_[0]
        return np.arange(origin, max(origin + horizon, origin) + 1), 0.0

    def _simulate(self, rng, years, catch_up, n_paths, ceiling):
        mu = np.exp(rng.normal(self.log_mu_, np.sqrt(self.log_var_), size=n_paths)) * self.pace
        k = self.dispersion_

        def step(total, j, year, t, dt):
            return total + rng.poisson(rng.gamma(k, mu / k))

        # column 0 is the origin year itself: nothing added yet (catch-up of length 0)
        out = simulate(years, 0.0, float(years[0] + 1), np.zeros(n_paths), step)
        return _capped(out, years, ceiling, 0.0)

    def _note(self) -> str:
        return f"levels unknown: values count what is added after {self.start_[0]}"


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


MODELS: dict[str, type[Model]] = {
    m.name: m for m in (CommuneHazard, OcopGrowth, BoundedTrend, Drift, DampedETS, YearlyAdditions)
}


@dataclass(frozen=True)
class Selection:
    """Every model choice in one place: each model with its settings (`models`, by name),
    the default model and the rivals of each family, the structure of the commune hazard and
    of OCOP growth, and what stands in when the default cannot fit. Set from the
    cross-validation the README describes (`ntm-forecast backtest --select`), nowhere else."""

    models: dict[str, Model] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    rivals: dict[str, tuple[str, ...]] = field(default_factory=dict)
    hazard: HazardStructure = field(default_factory=HazardStructure)
    growth: GrowthStructure = field(default_factory=GrowthStructure)
    fallback: str = "drift"
    other_rivals: tuple[str, ...] = ("drift", "ets")  # of a family `rivals` does not name

    def __post_init__(self):
        named = {self.fallback, *self.defaults.values(), *self.other_rivals} | {
            m for rivals in self.rivals.values() for m in rivals
        }
        missing = named - set(self.models)
        if missing:
            raise ValueError(f"models named but not configured: {', '.join(sorted(missing))}")
        wrong = [k for k, m in self.models.items() if m.name != k]
        if wrong:
            raise ValueError(f"models configured under another model's name: {', '.join(wrong)}")

    def build(self, name: str, pace: float = 1.0) -> Model:
        """A new, unfitted copy of the configured model `name`, `pace` times as fast as
        configured (the configured instance is never fitted or changed)."""
        model = self.models[name]
        return model.clone(pace=model.pace * pace)

    def default(self, family: str) -> str:
        return self.defaults.get(family, self.fallback)

    def candidates(self, family: str) -> list[str]:
        """The models worth trying on a family of metric, default first."""
        default = self.default(family)
        rivals = self.rivals.get(family, self.other_rivals)
        return [default, *[m for m in rivals if m != default]]

    def model_for(self, info: metrics.MetricInfo, requested: str | None = None) -> str:
        name = requested or self.default(info.family)
        if info.family == "ocop" and info.name != "ocop_total" and name == "ocop_growth":
            return self.fallback  # stars are split from the total's paths, not grown alone
        return name


SELECTION = Selection(
    models={
        m.name: m
        for m in (
            CommuneHazard(),
            OcopGrowth(),
            BoundedTrend(),
            Drift(),
            DampedETS(),
            YearlyAdditions(),
        )
    },
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
    # The revised rule of the README (issue 18), origins 2015–2024: no commune structure has
    # both coverages in their bands; coverage (on −log(1 − c)) lies nearest them. For OCOP the
    # stock is eligible where the base is not; size then breaks the 50% band.
    hazard=HazardStructure(time_varying=False, coverage=True, phase=False, push=False),
    growth=GrowthStructure(stock=True, size=False),
)
