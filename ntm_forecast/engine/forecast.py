"""Forecast every metric of a locality: the engine's front door, and its only path from
history to bounded paths (the backtest and the hindcast call it on data cut at a past date).

ctx = Context.from_localities(loaded.localities.values())   # pooled priors, once
fc = forecast_locality(loc, ctx, horizon=5, n_paths=10_000, seed=0)
fc.to_frame(); fc.quantiles([0.1, 0.9]); fc["communes_ntm"].prob_at_least(2022, 39)
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ntm_forecast.domain import metrics
from ntm_forecast.domain.history import build_series, build_totals, known_at, past_merger
from ntm_forecast.domain.members import summed_paths
from ntm_forecast.domain.paths import QUANTILE_COLUMNS, PathForecast
from ntm_forecast.domain.schema import Locality
from ntm_forecast.engine.models import (
    SELECTION,
    InsufficientHistory,
    MetricHistory,
    Model,
    Selection,
    bound_paths,
    totals_ceiling,
)
from ntm_forecast.engine.pooling import (
    PooledGrowth,
    PooledHazard,
    criteria_break_sd,
    fit_pooled_growth,
    fit_pooled_hazard,
    intervals_for,
    ocop_additions,
    province_communes,
)
from ntm_forecast.i18n.messages import Message, msg
from ntm_forecast.i18n.textsafe import escape_html

# The forecast table's columns (`LocalityForecast.to_frame`, forecast.csv).
FORECAST_COLUMNS = [
    "locality",
    "metric",
    "year",
    "kind",
    "value",
    "median",
    "p05",
    "p10",
    "p25",
    "p75",
    "p90",
    "p95",
    "model",
    "own_weight",
]


@dataclass(frozen=True)
class Context:
    """What all localities share, fitted once on the provinces: pooled hazards and OCOP
    growth, in the structures `selection` names."""

    localities: dict[str, Locality]
    hazards: dict[str, PooledHazard]
    growth: PooledGrowth
    until: float | None = None
    selection: Selection = field(default=SELECTION, repr=False)
    # The log-hazard sd a commune forecast takes on from the 2026 criteria on.
    criteria_break_sd: float = 0.0

    @classmethod
    def from_localities(
        cls,
        localities: Iterable[Locality],
        *,
        until: float | None = None,
        selection: Selection = SELECTION,
        fit_on: Iterable[Locality] | None = None,
    ) -> Context:
        """`fit_on` (default: all of `localities`) are the localities the pool learns from;
        the cross-validation leaves a group of provinces out of it."""
        # In slug order: the pooled fit (its bootstrap included) must not depend on the
        # order the files were named in.
        locs = {loc.slug: loc for loc in sorted(localities, key=lambda loc: loc.slug)}
        train = (
            sorted(fit_on, key=lambda loc: loc.slug) if fit_on is not None else list(locs.values())
        )
        hazards = {
            s: fit_pooled_hazard(s, train, until=until, structure=selection.hazard)
            for s in metrics.COMMUNE_STANDARDS
        }
        growth = fit_pooled_growth(train, until=until, structure=selection.growth)
        doubt = criteria_break_sd(train, selection.hazard, until=until)
        return cls(locs, hazards, growth, until, selection, doubt)


def cut_at(loc: Locality, year: int) -> Locality:
    """The locality as it was known at the end of `year`: figures published later removed
    (a back-cast about `year` published the year after included)."""
    obs = tuple(o for o in loc.observations if known_at(o) <= year + 1.0 + 1e-9)
    return loc.model_copy(update={"origin_year": year, "observations": obs})


def _seed_for(seed: int, slug: str, metric: str) -> int:
    # A stable per-metric stream: adding a metric never changes another metric's paths.
    return (seed * 1_000_003 + zlib.crc32(f"{slug}/{metric}".encode())) % (2**32)


@dataclass(frozen=True)
class Skipped:
    metric: str
    reason: str


@dataclass(frozen=True, eq=False)
class LocalityForecast:
    """All forecasts of one locality: print it, turn it into a frame, ask for quantiles."""

    locality: Locality
    origin_year: int
    horizon: int
    n_paths: int
    seed: int
    pace: float
    paths: dict[str, PathForecast]
    skipped: tuple[Skipped, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def __getitem__(self, metric: str) -> PathForecast:
        return self.paths[metric]

    def __contains__(self, metric: str) -> bool:
        return metric in self.paths

    @property
    def end_year(self) -> int:
        return self.origin_year + self.horizon

    def quantiles(self, levels=(0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)) -> pd.DataFrame:
        rows = []
        for metric, pf in self.paths.items():
            q = pf.quantiles(levels)
            until = _observed_until(self._series(metric))
            for j, year in enumerate(pf.years):
                if year <= self.origin_year and j == 0 and year <= until:
                    continue
                rows.append(
                    {
                        "metric": metric,
                        "year": int(year),
                        **{f"q{lv:g}": q[i, j] for i, lv in enumerate(levels)},
                    }
                )
        return pd.DataFrame(rows)

    def observed_frame(self, metrics_only: Iterable[str] | None = None) -> pd.DataFrame:
        rows = []
        for metric in metrics_only or self._metrics_in_order():
            s = self._series(metric)
            for year, value in sorted(s.yearly_levels().items()):
                rows.append({"metric": metric, "year": year, "value": value})
        return pd.DataFrame(rows, columns=["metric", "year", "value"])

    def _series(self, metric: str):
        """The history the forecast of `metric` continues (the merged communes' after 2025)."""
        return build_series(self.locality, metric, after_merger=past_merger(self.locality))

    def _metrics_in_order(self) -> list[str]:
        seen = [
            m
            for m in self.locality.metrics_observed()
            if any(
                o.kind == "level" and o.metric == m and o.status != "plan"
                for o in self.locality.observations
            )
        ]
        # A forecast with no figure of the locality's own (a unit's sum of its members'
        # paths) has its rows too: what a chart draws, the table holds.
        return sorted(dict.fromkeys([*seen, *self.paths]), key=_metric_order)

    def to_frame(self) -> pd.DataFrame:
        """The forecast table: observed rows, then forecast rows, per metric."""
        rows = []
        levels = sorted(QUANTILE_COLUMNS)
        for metric in self._metrics_in_order():
            s = self._series(metric)
            observed = s.yearly_levels()
            until = _observed_until(s)
            for year, value in sorted(observed.items()):
                rows.append(
                    {
                        "locality": self.locality.slug,
                        "metric": metric,
                        "year": year,
                        "kind": "observed",
                        "value": value,
                    }
                )
            pf = self.paths.get(metric)
            if pf is None:
                continue
            q = pf.quantiles(levels)
            for j, year in enumerate(pf.years):
                if int(year) in observed and year <= until:
                    continue  # a year the data already close
                row = {
                    "locality": self.locality.slug,
                    "metric": metric,
                    "year": int(year),
                    "kind": "forecast",
                    "value": np.nan,
                    "model": pf.model,
                    "own_weight": round(pf.own_weight, 3),
                }
                for i, lv in enumerate(levels):
                    row[QUANTILE_COLUMNS[lv]] = q[i, j]
                rows.append(row)
        frame = pd.DataFrame(rows, columns=FORECAST_COLUMNS)
        num = ["value", "median", "p05", "p10", "p25", "p75", "p90", "p95"]
        frame[num] = frame[num].astype(float).round(4)
        return frame

    def fan_frame(self, metric: str) -> pd.DataFrame:
        """Observed points and the 50/80/95% bands of one metric, for a fan chart."""
        obs = self.observed_frame([metric])
        rows = [
            {"year": int(r.year), "kind": "observed", "value": r.value} for r in obs.itertuples()
        ]
        pf = self.paths.get(metric)
        if pf is not None:
            levels = (0.025, 0.1, 0.25, 0.5, 0.75, 0.9, 0.975)
            q = pf.quantiles(levels)
            names = ("p025", "p10", "p25", "median", "p75", "p90", "p975")
            for j, year in enumerate(pf.years):
                rows.append(
                    {
                        "year": int(year),
                        "kind": "forecast",
                        "value": np.nan,
                        **{n: q[i, j] for i, n in enumerate(names)},
                    }
                )
        return pd.DataFrame(rows)

    def _repr_frame(self) -> pd.DataFrame:
        f = self.to_frame()
        f = f[(f.kind == "forecast") & (f.year == self.end_year)]
        return f[["metric", "median", "p10", "p90", "model", "own_weight"]]

    def __repr__(self) -> str:
        head = (
            f"Forecast for {self.locality.name} from {self.origin_year} to {self.end_year} "
            f"({self.n_paths} paths, seed {self.seed}, pace {self.pace:g})"
        )
        body = self._repr_frame().to_string(index=False)
        skipped = "".join(f"\n  {s.metric}: {s.reason}" for s in self.skipped)
        if self.notes:
            head += "".join(f"\nNote: {n}" for n in self.notes)
        return f"{head}\n{body}" + (f"\nNot forecast:{skipped}" if skipped else "")

    def _repr_html_(self) -> str:

        head = (
            f"<p><b>{escape_html(self.locality.name)}</b>: {self.origin_year}–{self.end_year}, "
            f"{self.n_paths} paths</p>"
        )
        return head + self._repr_frame().to_html(index=False)


def _observed_until(s) -> float:
    """The last year a year-end figure closes (forecast rows start after it)."""
    if s.points and s.points[-1].year_end:
        return s.points[-1].year
    return float("-inf")


_ORDER = {m: i for i, m in enumerate(metrics.CORE)}


def _metric_order(m: str) -> tuple[int, str]:
    return (_ORDER.get(m, len(_ORDER)), m)


def metric_history(loc: Locality, metric: str, ctx: Context) -> MetricHistory:
    info = loc.info(metric)
    epoch = dict(until=ctx.until, after_merger=past_merger(loc))
    series = build_series(loc, metric, **epoch)
    kw: dict = {}
    if info.family == "commune":
        kw = dict(
            totals=build_totals(loc, **epoch),
            intervals=tuple(intervals_for(loc, metric, **epoch)),
            pooled_hazard=ctx.hazards[metric],
            criteria_break_sd=ctx.criteria_break_sd,
        )
    elif info.family == "ocop":
        kw = dict(
            pooled_growth=ctx.growth,
            ocop_additions=tuple(ocop_additions(loc, until=ctx.until))
            if metric == "ocop_total"
            else (),
            communes=province_communes(loc, until=ctx.until),
        )
    return MetricHistory(
        loc.slug,
        info,
        series,
        origin_year=loc.origin_year,
        province_scale=loc.level == "province",
        **kw,
    )


def fit_metric(
    loc: Locality, metric: str, ctx: Context, model: str | None = None, pace: float = 1.0
) -> Model:
    """The fitted model for one metric, built from `ctx.selection` with `pace` on top, or
    raise InsufficientHistory."""
    hist = metric_history(loc, metric, ctx)
    if hist.series.unpinned:
        # Forecasting from an older level would contradict the share; say so instead.
        raise InsufficientHistory(hist.series.unpinned[-1])
    build = ctx.selection.build
    ended = metrics.ended_2025(metric)
    if ended and past_merger(loc):
        raise InsufficientHistory(msg(ended, metric=metric))
    if not len(hist.series) and hist.info.family == "commune" and past_merger(loc):
        # The old communes' count does not carry over to the merged ones: say what is missing.
        if loc.merged_into:
            unit = ctx.localities.get(loc.merged_into)
            name = unit.name if unit is not None else loc.merged_into
            raise InsufficientHistory(msg("fc.merged_into", unit=name))
        raise InsufficientHistory(msg("fc.no_merged_figure", metric=metric))
    if not len(hist.series):
        if hist.series.increments and hist.info.cumulative:
            return build("additions_only", pace).fit(hist)
        raise InsufficientHistory(
            "no figures"
            if not hist.series.increments
            else "only additions of some years, and not a running count"
        )
    name = ctx.selection.model_for(hist.info, model)
    if (
        name == "hazard"
        and metric == "communes_ntm"
        and (hist.totals is None or hist.totals.last is None)
    ):
        if past_merger(loc):
            raise InsufficientHistory(msg("fc.no_merged_figure", metric="communes_total"))
        raise InsufficientHistory("the number of communes is unknown, so the communes left are too")
    try:
        return build(name, pace).fit(hist)
    except InsufficientHistory:
        fallback = ctx.selection.fallback
        if model is None and name != fallback and len(hist.series) >= 2:
            return build(fallback, pace).fit(hist)
        raise


def forecast_locality(
    loc: Locality,
    ctx: Context,
    *,
    horizon: int = 5,
    n_paths: int = 10_000,
    seed: int = 0,
    model: str | None = None,
    pace: float = 1.0,
    metrics_only: Iterable[str] | None = None,
) -> LocalityForecast:
    """Simulate every metric of `loc` to `origin_year + horizon`. Inputs are not mutated.

    `ctx` is the pool `loc` borrows from; it is never built behind the caller's back (a
    locality alone is `Context.from_localities([loc])`, said so by the caller). `model`
    names a model of `ctx.selection` to use for every metric instead of the defaults."""
    known = ctx.selection.models
    if model is not None and model not in known:
        raise ValueError(f"no model named {model!r}; expected one of {', '.join(known)}")
    wanted = set(metrics_only) if metrics_only is not None else None
    names = [
        m
        for m in loc.metrics_observed()
        if m != "communes_total" and (wanted is None or m in wanted)
    ]
    names.sort(key=_metric_order)
    out: dict[str, PathForecast] = {}
    skipped: list[Skipped] = []
    totals = build_totals(loc, until=ctx.until, after_merger=past_merger(loc))
    notes = list(totals.notes)
    for metric in names:
        if metric in metrics.OCOP_STARS:
            continue
        if metric.endswith("_share") and metric.removesuffix("_share") in out:
            skipped.append(
                Skipped(metric, msg("fc.follows_share", metric=metric.removesuffix("_share")))
            )
            continue
        try:
            fitted = fit_metric(loc, metric, ctx, model=model, pace=pace)
        except InsufficientHistory as exc:
            said = exc.args[0] if exc.args and isinstance(exc.args[0], Message) else None
            skipped.append(Skipped(metric, said or msg("fc.insufficient", detail=str(exc))))
            continue
        ceiling = _ceiling_for(metric, loc, out, totals)
        out[metric] = bound_paths(
            fitted.forecast(
                horizon, n_paths=n_paths, seed=_seed_for(seed, loc.slug, metric), ceiling=ceiling
            ),
            loc.info(metric),
            ceiling,
        )
        points = fitted.history_.series.points
        if points and points[-1].status == "estimate":
            last = points[-1]
            notes.append(
                msg(
                    "fc.estimate_start",
                    metric=metric,
                    value=last.value,
                    year=last.year,
                    source=last.source,
                )
            )
    _stars(loc, out, skipped, seed, ctx)
    if loc.members and all(m in ctx.localities for m in loc.members):
        out, skipped = _bottom_up(loc, ctx, out, skipped, horizon, n_paths, seed, model, pace)
    return LocalityForecast(
        loc, loc.origin_year, horizon, n_paths, seed, pace, out, tuple(skipped), tuple(notes)
    )


def _bottom_up(unit, ctx, out, skipped, horizon, n_paths, seed, model, pace):
    """A unit's counts as the sum of its members' paths (coherent by construction)."""

    kw = dict(horizon=horizon, n_paths=n_paths, seed=seed, model=model, pace=pace)
    members = [ctx.localities[m] for m in unit.members]
    if ctx.until is not None:  # a backtest or hindcast: the members as known at the unit's cut
        members = [cut_at(m, unit.origin_year) for m in members]
    parts = [forecast_locality(m, ctx, **kw).paths for m in members]
    # After 1 July 2025 the members' communes are gone (they forecast none); their OCOP
    # products are not: the sum stands in where the unit's own history cannot be forecast.
    out = summed_paths(unit, parts, out, only_missing=past_merger(unit))
    return out, [s for s in skipped if s.metric not in out]


def _ceiling_for(metric, loc, done: dict[str, PathForecast], totals):
    info = loc.info(metric)
    if info.family != "commune":
        return None
    for parent in metrics.bounding_standards(metric):
        if parent in done:
            pf = done[parent]

            def from_parent(year, pf=pf):
                col = pf.at(year)
                if col is None:
                    col = pf.values[:, 0] if year < pf.years[0] else pf.values[:, -1]
                return col

            return from_parent
    return totals_ceiling(totals)


def _stars(loc, out, skipped, seed, ctx):
    """Split simulated OCOP additions by star, in the shares of the last star breakdown."""
    stars = [m for m in metrics.OCOP_STARS if m in loc.metrics_observed()]
    if not stars:
        return
    total = out.get("ocop_total")
    last = {m: build_series(loc, m, until=ctx.until) for m in stars}
    tseries = build_series(loc, "ocop_total", until=ctx.until)
    ok = (
        total is not None
        and total.model == "ocop_growth"  # other models' paths are not additions to split
        and len(tseries)
        and all(len(s) for s in last.values())
    )
    if ok:
        t_last = tseries.points[-1]
        same = [s.points[-1] for s in last.values()]
        ok = (
            all(abs(p.t - t_last.t) < 1e-9 for p in same)
            and abs(sum(p.value for p in same) - t_last.value) < 1e-9
        )
    if not ok:
        for m in stars:
            skipped.append(
                Skipped(
                    m,
                    msg(
                        "fc.insufficient",
                        detail="no star breakdown that adds up to the OCOP total at its latest "
                        "date",
                    ),
                )
            )
        return
    rng = np.random.default_rng(_seed_for(seed, loc.slug, "ocop_stars"))
    counts = np.array([last[m].points[-1].value for m in stars])
    alpha = counts + 0.5  # the composition is known from one breakdown only
    # The first column holds the catch-up from the last stated total to its year end.
    start = np.full((total.values.shape[0], 1), t_last.value)
    added = np.diff(total.values, axis=1, prepend=start).astype(np.int64)
    n_paths, n_years = total.values.shape
    shares = rng.dirichlet(alpha, size=n_paths)
    levels = np.tile(counts, (n_paths, 1)).astype(float)
    per_star = np.empty((len(stars), n_paths, n_years))
    for j in range(n_years):
        levels += _multinomial_fast(rng, added[:, j], shares)
        per_star[:, :, j] = levels.T
    for i, m in enumerate(stars):
        out[m] = PathForecast(m, "star_split", total.years, per_star[i], total.own_weight)


def _multinomial_fast(rng, n, shares):
    """Multinomial draws for many (n, shares) rows via sequential binomials."""
    res = np.zeros(shares.shape)
    remaining = n.astype(np.int64)
    rest = np.ones(len(n))
    for i in range(shares.shape[1] - 1):
        p = np.clip(shares[:, i] / np.maximum(rest, 1e-12), 0, 1)
        draw = rng.binomial(remaining, p)
        res[:, i] = draw
        remaining -= draw
        rest -= shares[:, i]
    res[:, -1] = remaining
    return res
