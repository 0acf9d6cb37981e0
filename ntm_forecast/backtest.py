"""Rolling-origin evaluation: cut the data at the end of a past year, forecast the next
years with every candidate model, and score against what happened.

Scores per forecast: the absolute error of the median, the CRPS of the paths and whether
the 80% interval held the outcome. Pooled per kind of metric, CRPS is compared as a ratio
to the drift baseline on the same forecasts, so that the national series (thousands of
communes) does not drown the provinces.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ntm_forecast.forecast import Context, cut_at, fit_metric
from ntm_forecast.history import build_series, build_totals
from ntm_forecast.models import DEFAULTS, InsufficientHistory, bound_paths, candidates
from ntm_forecast.pooling import pool_bound_series
from ntm_forecast.schema import Locality

MIN_POINTS = 4  # yearly figures a series needs before it is backtested
MAX_LEAD = 3
BACKTEST_COLUMNS = [
    "family",
    "metric",
    "model",
    "n",
    "mae",
    "crps",
    "crps_vs_drift",
    "coverage_80",
    "default",
    "best",
]


def crps_sample(x: np.ndarray, y: float) -> float:
    """CRPS of a sample: E|X − y| − ½ E|X − X′| (exact for the empirical distribution)."""
    x = np.sort(np.asarray(x, dtype=float))
    n = x.size
    term1 = np.mean(np.abs(x - y))
    weights = 2 * np.arange(1, n + 1) - n - 1
    term2 = np.sum(weights * x) / (n * n)
    return float(term1 - term2)


@dataclass(frozen=True)
class Score:
    slug: str
    metric: str
    family: str
    model: str
    origin: int
    year: int
    actual: float
    median: float
    crps: float
    covered: bool


def _eligible(loc: Locality, metric: str) -> bool:
    s = build_series(loc, metric)
    return len(s.yearly_levels()) >= MIN_POINTS and len(s.year_end_levels()) >= 2


def backtest_scores(
    localities: Iterable[Locality],
    *,
    n_paths: int = 2000,
    seed: int = 0,
    models: Iterable[str] | None = None,
    pool: Iterable[Locality] | None = None,
    light: bool = False,
) -> list[Score]:
    """Score every candidate model on `localities`; pooled priors come from `pool`
    (default: the same localities), cut at each origin like the data."""
    locs = list(localities)
    pool = list(pool) if pool is not None else locs
    contexts: dict[int, Context] = {}
    scores: list[Score] = []
    for loc in locs:
        for metric in loc.metrics_observed():
            if metric == "communes_total" or not _eligible(loc, metric):
                continue
            info = loc.info(metric)
            truth = build_series(loc, metric).year_end_levels()
            yearly = build_series(loc, metric).yearly_levels()
            for origin in sorted(truth):
                ahead = [y for y in truth if origin < y <= origin + MAX_LEAD]
                if not ahead or sum(1 for y in yearly if y <= origin) < 2:
                    continue
                ctx = contexts.get(origin)
                if ctx is None:
                    ctx = contexts[origin] = Context.from_localities(pool, until=origin + 1.0)
                cut = cut_at(loc, origin)
                names = list(models or candidates(info.family))
                for name in names[:2] if light else names:  # light: the default and one rival
                    try:
                        fitted = fit_metric(cut, metric, ctx, model=name)
                    except InsufficientHistory:
                        continue
                    if fitted.name != name:
                        continue
                    ceiling = (
                        _backtest_ceiling(cut, metric, origin) if info.family == "commune" else None
                    )
                    pf = bound_paths(
                        fitted.forecast(
                            max(ahead) - origin, n_paths=n_paths, seed=seed, ceiling=ceiling
                        ),
                        info,
                        ceiling,
                    )
                    for y in ahead:
                        x = pf.at(y)
                        if x is None:
                            continue
                        lo, med, hi = np.quantile(x, [0.1, 0.5, 0.9])
                        scores.append(
                            Score(
                                loc.slug,
                                metric,
                                info.family,
                                name,
                                origin,
                                y,
                                truth[y],
                                float(med),
                                crps_sample(x, truth[y]),
                                bool(lo - 1e-9 <= truth[y] <= hi + 1e-9),
                            )
                        )
    return scores


def _backtest_ceiling(cut: Locality, metric: str, origin: int):
    """The pool of a commune standard as known at the origin: the standard below it held
    at its last figure (its future is not simulated here), or the communes_total."""
    parent = (
        pool_bound_series(metric, cut, until=origin + 1.0) if metric != "communes_ntm" else None
    )
    if parent is not None and len(parent):
        last = parent.points[-1].value
        return lambda year: last
    totals = build_totals(cut, until=origin + 1.0)
    return (lambda year: totals.at(year + 1.0)) if totals.last is not None else None


def summarise(scores: list[Score], by=("family", "metric")) -> pd.DataFrame:
    if not scores:
        return pd.DataFrame(columns=BACKTEST_COLUMNS)
    df = pd.DataFrame([s.__dict__ for s in scores])
    df["abs_err"] = (df["median"] - df["actual"]).abs()
    key = ["slug", "metric", "origin", "year"]
    drift = df[df.model == "drift"].set_index(key)["crps"].rename("drift_crps")
    df = df.join(drift, on=key)
    rows = []
    for group, g in df.groupby([*by, "model"], sort=True):
        group = dict(zip([*by, "model"], group))
        paired = g.dropna(subset=["drift_crps"])
        ratio = (
            paired["crps"].sum() / paired["drift_crps"].sum()
            if len(paired) and paired["drift_crps"].sum() > 0
            else np.nan
        )
        rows.append(
            {
                **group,
                "n": len(g),
                "mae": g["abs_err"].mean(),
                "crps": g["crps"].mean(),
                "crps_vs_drift": ratio,
                "coverage_80": g["covered"].mean(),
            }
        )
    out = pd.DataFrame(rows)
    if "metric" not in out:
        out["metric"] = "(all)"
    out["default"] = [DEFAULTS.get(f, "drift") == m for f, m in zip(out.family, out.model)]
    best = out.sort_values(["crps_vs_drift", "crps"]).groupby([*by]).head(1).index
    out["best"] = out.index.isin(best)
    return out[BACKTEST_COLUMNS].round(4)


def backtest(
    localities: Iterable[Locality],
    *,
    n_paths: int = 2000,
    seed: int = 0,
    pool: Iterable[Locality] | None = None,
) -> pd.DataFrame:
    """Per metric, then pooled per family (metric '(all)'), every candidate model."""
    scores = backtest_scores(localities, n_paths=n_paths, seed=seed, pool=pool)
    per_metric = summarise(scores, by=("family", "metric"))
    pooled = summarise(scores, by=("family",))
    return pd.concat([per_metric, pooled], ignore_index=True)
