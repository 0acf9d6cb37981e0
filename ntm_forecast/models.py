"""Forecasting models. Every model has one shape (scikit-learn style):

    model = Model(**settings).fit(history)      # fitted state ends in "_"
    paths = model.forecast(horizon, n_paths=10_000, seed=0, ceiling=None)

`history` is a :class:`MetricHistory`; `forecast` simulates year-end values from the year
of the last figure to `origin_year + horizon` and returns a :class:`PathForecast`. `ceiling(year)`
bounds the paths (the communes_total, or the standard below for nested standards).
`pace` multiplies what the model adds each year: the hazard, the additions or the drift.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ntm_forecast import metrics
from ntm_forecast.history import Series, Totals
from ntm_forecast.paths import PathForecast
from ntm_forecast.pooling import (
    PHASE2_START,
    Interval,
    PooledGrowth,
    PooledHazard,
    locality_effect,
    push_share,
)

Ceiling = Callable[[int], "np.ndarray | float | None"]
PHASE_SHIFT_SD = 0.4
ROOT_TAU = 3.0  # extra doubt on a locality's own hazard when its data predate 2021


class InsufficientHistory(Exception):
    """The series cannot support this model; the caller reports it, never a made-up forecast."""


@dataclass(frozen=True)
class MetricHistory:
    """Everything a model may learn from for one metric of one locality."""

    slug: str
    info: metrics.MetricInfo
    series: Series
    totals: Totals | None = None
    intervals: tuple[Interval, ...] = ()
    parent_effect: float = 0.0  # prior mean of the locality's hazard shift (its parent's)
    pooled_hazard: PooledHazard | None = None
    pooled_growth: PooledGrowth | None = None
    ocop_additions: tuple = ()
    origin_year: int | None = None
    is_root: bool = False  # the national locality: nothing above it to borrow from

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


class _Model:
    name = "model"
    pace: float = 1.0

    def __repr__(self) -> str:
        fitted = "fitted" if hasattr(self, "start_") else "not fitted"
        return f"{type(self).__name__}(pace={self.pace}) [{fitted}]"


class CommuneHazard(_Model):
    """Each year a share of the communes still short of a standard reaches it.

    The share is the pooled hazard with this locality's own shift, shrunk toward its
    parent by how little history it has; drawn anew per path (parameter doubt) and per
    year (beta-binomial overdispersion).
    """

    name = "hazard"

    def __init__(self, pace: float = 1.0, phase_shift_sd: float = PHASE_SHIFT_SD):
        self.pace = pace
        self.phase_shift_sd = phase_shift_sd

    def fit(self, history: MetricHistory) -> CommuneHazard:
        if history.pooled_hazard is None or not len(history.series):
            raise InsufficientHistory("no commune figures to start from")
        ph = history.pooled_hazard
        # The national series is not shrunk toward the provinces it sums up.
        tau = ph.tau if not history.is_root else ROOT_TAU
        u, v, w = locality_effect(
            list(history.intervals), ph.coef, ph.rho, tau, prior_mean=history.parent_effect
        )
        old = [iv for iv in history.intervals if iv.phase2 == 0.0]
        share_old = len(old) / len(history.intervals) if history.intervals else 0.0
        # Extra doubt, in 2021–2025 years only, on a hazard learnt from 2016–2020 figures.
        self.phase_shift_sd_ = self.phase_shift_sd * share_old
        self.history_ = history
        self.u_, self.u_var_, self.own_weight_ = u, v, w
        self.start_ = history.last
        return self

    def forecast(
        self,
        horizon: int,
        *,
        n_paths: int = 10_000,
        seed: int = 0,
        ceiling: Ceiling | None = None,
    ) -> PathForecast:
        h = self.history_
        ph = h.pooled_hazard
        rng = np.random.default_rng(seed)
        years, catch_up = _grid(h, horizon)
        if ceiling is None and h.totals is not None and h.totals.last is not None:
            ceiling = lambda year: h.totals.at(year + 1.0)  # noqa: E731 - no pool given: all communes
        coef = rng.multivariate_normal(ph.coef, ph.cov, size=n_paths, method="cholesky")
        u = rng.normal(self.u_, np.sqrt(self.u_var_), size=n_paths)
        if h.intervals:
            # The locality's own hazard pins the level where its data are; the pooled
            # coefficients' doubt then acts only through changes (coverage, phase, push).
            x_ref = h.intervals[-1].x
            u = u - (coef - ph.coef) @ x_ref
        shift = rng.normal(0.0, self.phase_shift_sd_, size=n_paths)
        m = (1.0 - ph.rho) / ph.rho
        out = np.empty((n_paths, len(years)))
        level = np.full(n_paths, self.start_.value)
        t = self.start_.t
        for j, year in enumerate(years):
            dt = catch_up if j == 0 else 1.0
            bound = _ceiling_values(ceiling, year, n_paths)
            if dt > 1e-9:
                level = self._step(level, bound, t, dt, coef, u, shift, m, rng)
                t += dt
            out[:, j] = np.minimum(level, np.maximum(bound, self.start_.value if j == 0 else 0))
            level = out[:, j]
        return PathForecast(h.info.name, self.name, years, out, self.own_weight_)

    def _step(self, level, bound, t, dt, coef, u, shift, m, rng):
        finite = np.isfinite(bound)
        risk = np.where(finite, np.maximum(bound - level, 0.0), 0.0)
        cov = np.where(finite & (bound > 0), level / np.where(bound > 0, bound, 1.0), 1.0)
        phase2 = float(t + dt / 2 >= PHASE2_START)
        push = push_share(t, t + dt)
        eta = coef[:, 0] + coef[:, 1] * cov + (coef[:, 2] + shift) * phase2 + coef[:, 3] * push + u
        lam = np.exp(np.clip(eta, -30, 3)) * self.pace
        p = -np.expm1(-lam * dt)
        p = np.clip(p, 1e-9, 1 - 1e-9)
        pt = rng.beta(p * m, (1 - p) * m)
        n = np.round(risk).astype(np.int64)
        return level + rng.binomial(n, pt)


class OcopGrowth(_Model):
    """Yearly additions of OCOP products: negative binomial around a damped trend.

    The mean is the locality's recent additions, shrunk toward the pooled rate times its
    stock where it has few years of additions. Totals are never capped.
    """

    name = "ocop_growth"

    def __init__(self, pace: float = 1.0, damping: float = 0.8):
        self.pace = pace
        self.damping = damping

    def fit(self, history: MetricHistory) -> OcopGrowth:
        pg = history.pooled_growth
        if pg is None or not len(history.series):
            raise InsufficientHistory("no OCOP count to start from")
        adds = [a for a in history.ocop_additions if a.added >= 0]
        stock = history.last.value
        prior_log = pg.log_rate + np.log(max(stock, 1.0))
        if adds:
            own = np.log(np.mean([max(a.added, 0.5) for a in adds[-3:]]))
            n = len(adds)
            w = n / (n + 1.0)
            log_mu = w * own + (1 - w) * prior_log
            var = pg.tau**2 / (n + 1.0)
            slope = 0.0
            if n >= 2:
                slope = (
                    float(
                        np.clip(np.log(max(adds[-1].added, 0.5) / max(adds[-2].added, 0.5)), -1, 1)
                    )
                    * 0.5
                )
        elif stock > 0:
            w, log_mu, var, slope = 0.0, prior_log, pg.tau**2, 0.0
        else:
            raise InsufficientHistory("no OCOP products yet and no additions to learn from")
        self.history_, self.start_ = history, history.last
        self.log_mu_, self.log_var_, self.slope_, self.own_weight_ = log_mu, var, slope, w
        self.dispersion_ = pg.dispersion
        return self

    def forecast(
        self,
        horizon: int,
        *,
        n_paths: int = 10_000,
        seed: int = 0,
        ceiling: Ceiling | None = None,
    ) -> PathForecast:
        rng = np.random.default_rng(seed)
        years, catch_up = _grid(self.history_, horizon)
        log_mu = rng.normal(self.log_mu_, np.sqrt(self.log_var_), size=n_paths)
        k = self.dispersion_
        out = np.empty((n_paths, len(years)))
        level = np.full(n_paths, self.start_.value)
        trend = 0.0
        for j in range(len(years)):
            dt = catch_up if j == 0 else 1.0
            if j > 0:
                trend += self.slope_ * self.damping**j
            if dt > 1e-9:
                mean = np.exp(log_mu + trend) * self.pace * dt
                lam = rng.gamma(k, mean / k)
                level = level + rng.poisson(lam)
            out[:, j] = level
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


class BoundedTrend(_Model):
    """A linear trend on the logit (0–19 criteria, 0–100 %) or log (money) scale."""

    name = "bounded_trend"
    default_sd = 0.25  # yearly noise on the transformed scale when two points cannot show it

    def __init__(self, pace: float = 1.0, damping: float = 0.9):
        self.pace = pace
        self.damping = damping

    def fit(self, history: MetricHistory) -> BoundedTrend:
        s = history.series
        if len(s) < 2:
            raise InsufficientHistory("fewer than two figures")
        fwd, _ = _transform(history.info)
        t, z = s.times, fwd(s.values)
        tc = t - t.mean()
        sxx = float(np.sum(tc**2))
        slope = float(np.sum(tc * (z - z.mean())) / sxx)
        resid = z - (z.mean() + slope * tc)
        sd = float(np.sqrt(np.sum(resid**2) / (len(z) - 2))) if len(z) > 2 else self.default_sd
        sd = max(sd, 0.05)
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
        rng = np.random.default_rng(seed)
        years, catch_up = _grid(self.history_, horizon)
        fwd, inv = _transform(self.history_.info)
        slope = rng.normal(self.slope_, self.slope_se_, size=n_paths) * self.pace
        z = np.full(n_paths, float(fwd(np.array([self.start_.value]))[0]))
        out = np.empty((n_paths, len(years)))
        for j in range(len(years)):
            dt = catch_up if j == 0 else 1.0
            if dt > 1e-9:
                z = (
                    z
                    + slope * dt * self.damping**j
                    + rng.normal(0, self.sd_ * np.sqrt(dt), n_paths)
                )
            out[:, j] = inv(z)
        out[:, 0] = np.where(catch_up > 1e-9, out[:, 0], self.start_.value)
        return PathForecast(self.history_.info.name, self.name, years, out, 1.0)


class Drift(_Model):
    """The baseline: the recent yearly change continues, with the spread of past changes.

    Running totals do not fall and stay under their ceiling; bounded metrics stay in range.
    """

    name = "drift"

    def __init__(self, pace: float = 1.0):
        self.pace = pace

    def fit(self, history: MetricHistory) -> Drift:
        s = history.series
        if len(s) < 2:
            raise InsufficientHistory("fewer than two figures")
        t, x = s.times, s.values
        dts = np.diff(t)
        rates = np.diff(x) / dts
        drift = float((x[-1] - x[0]) / (t[-1] - t[0]))
        if len(rates) >= 2:
            sd = float(np.std(rates, ddof=1))
        else:
            sd = abs(drift) * 0.5
        sd = max(sd, 0.05 * max(abs(drift), 1e-9), 1e-6)
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
        rng = np.random.default_rng(seed)
        info = self.history_.info
        years, catch_up = _grid(self.history_, horizon)
        drift = rng.normal(self.drift_, self.drift_se_, size=n_paths) * self.pace
        level = np.full(n_paths, self.start_.value)
        out = np.empty((n_paths, len(years)))
        for j, year in enumerate(years):
            dt = catch_up if j == 0 else 1.0
            if dt > 1e-9:
                step = drift * dt + rng.normal(0, self.sd_ * np.sqrt(dt), n_paths)
                if info.cumulative or info.family == "commune":
                    step = np.maximum(step, 0.0)
                level = level + step
            level = np.minimum(
                level,
                np.maximum(
                    _ceiling_values(ceiling, year, n_paths), self.start_.value if j == 0 else 0.0
                ),
            )
            level = np.clip(level, 0.0, info.upper if info.upper is not None else np.inf)
            if info.family in ("commune", "ocop"):
                level = np.floor(level + 1e-9) if j else level
            out[:, j] = level
        return PathForecast(info.name, self.name, years, out, 1.0)


class DampedETS(_Model):
    """statsmodels' ETS (additive error, damped additive trend) on the transformed scale.

    A candidate only where a series has six or more yearly figures (the national ones).
    """

    name = "ets"
    min_points = 6

    def __init__(self, pace: float = 1.0):
        self.pace = pace

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
    prior_sd = 0.6  # doubt on the log of the yearly mean, shrunk by the years observed

    def __init__(self, pace: float = 1.0):
        self.pace = pace

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
        rng = np.random.default_rng(seed)
        origin = self.start_[0]
        horizon_end = origin + horizon
        years = np.arange(origin, max(horizon_end, origin) + 1)
        log_mu = rng.normal(self.log_mu_, np.sqrt(self.log_var_), size=n_paths)
        k = self.dispersion_
        out = np.zeros((n_paths, len(years)))
        for j in range(1, len(years)):
            lam = rng.gamma(k, np.exp(log_mu) * self.pace / k)
            out[:, j] = out[:, j - 1] + rng.poisson(lam)
        note = f"levels unknown: values count what is added after {origin}"
        return PathForecast(self.history_.info.name, self.name, years, out, 1.0, note)


def bound_paths(
    pf: PathForecast, info: metrics.MetricInfo, ceiling: Ceiling | None
) -> PathForecast:
    """What every forecast obeys, whichever model made it: running totals never fall,
    commune counts stay under their ceiling (their pool), values stay within 0 and the
    metric's upper bound. Models aim for this themselves; this makes it a guarantee."""
    values = np.clip(pf.values, 0.0, info.upper if info.upper is not None else np.inf)
    if info.cumulative or info.family == "commune":
        values = np.maximum.accumulate(values, axis=1)
    if ceiling is not None and info.family == "commune":
        n = values.shape[0]
        for j, year in enumerate(pf.years):
            cap = _ceiling_values(ceiling, int(year), n)
            # the ceiling wins over "never falls" only where communes merged away
            values[:, j] = np.minimum(values[:, j], np.maximum(cap, values[:, 0]))
    return PathForecast(pf.metric, pf.model, pf.years, values, pf.own_weight, pf.note)


MODELS: dict[str, type[_Model]] = {
    m.name: m for m in (CommuneHazard, OcopGrowth, BoundedTrend, Drift, DampedETS, YearlyAdditions)
}

# The default per family: the winner of the pooled backtest (`ntm-forecast backtest`).
DEFAULTS = {
    "commune": "hazard",
    "ocop": "ocop_growth",
    "criteria": "bounded_trend",
    "percent": "bounded_trend",
    "money": "bounded_trend",
    "count": "drift",
    "other": "drift",
}


def candidates(family: str) -> list[str]:
    """The models worth trying on a family of metric, default first."""
    base = {
        "commune": ["hazard", "drift", "ets"],
        "ocop": ["ocop_growth", "drift", "ets"],
        "criteria": ["bounded_trend", "drift", "ets"],
        "percent": ["bounded_trend", "drift", "ets"],
        "money": ["bounded_trend", "drift", "ets"],
    }.get(family, ["drift", "ets"])
    default = DEFAULTS.get(family, "drift")
    return [default, *[m for m in base if m != default]]
