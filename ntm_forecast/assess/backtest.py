"""Rolling-origin, leave-locality-out evaluation: cut the data at what was published by the
end of a past year, forecast the next years with every candidate model, and score against
what happened (the design is in the README: how the model structure is chosen). The
forecasts are those `forecast_locality` makes on the cut data, the model named, with the
same seeds and ceilings: what is scored is what the engine ships.

Outcomes are the latest figure of each year dated in its last quarter; the paths are read
at that date. Scores per forecast: the CRPS of the paths (also divided by the locality's number of
communes, or its OCOP products, so that every locality counts on one scale), whether the
50% and 80% intervals held the outcome, the PIT, and a target-style event (the recent pace
kept up) with its forecast probability. A model's score against drift is the ratio of the
summed scaled CRPS over the same forecasts, with a 90% interval from resampling localities.
"""

from __future__ import annotations

import dataclasses
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ntm_forecast.domain import metrics
from ntm_forecast.domain.history import build_series, build_totals
from ntm_forecast.domain.members import SUM_MODEL
from ntm_forecast.domain.schema import Locality
from ntm_forecast.engine.forecast import Context, cut_at, forecast_locality
from ntm_forecast.engine.models import SELECTION, Selection
from ntm_forecast.engine.pooling import GrowthStructure, HazardStructure, in_pool

# The revised rule (README, issue 18): every origin the figures to 2025 can score.
ORIGINS = tuple(range(2015, 2025))
MAX_LEAD = 3
FOLDS = 5
N_BOOT = 2000
LEVEL = 0.9
BACKTEST_COLUMNS = [
    "family",
    "metric",
    "model",
    "n",
    "localities",
    "mae",
    "crps",
    "crps_vs_drift",
    "ratio_lo",
    "ratio_hi",
    "coverage_50",
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
    covered: bool  # by the 80% interval
    scale: float = 1.0
    covered50: bool = False
    pit: float = 0.5
    event_p: float = float("nan")
    event: float = float("nan")


def fold_of(loc: Locality) -> int:
    """The cross-validation group of a province (a fixed hash of its slug); -1 outside the
    pool (its forecasts use the pool fitted on every province)."""
    return zlib.crc32(loc.slug.encode()) % FOLDS if in_pool(loc) else -1


def _scale(cut: Locality, metric: str, family: str, origin: int, start: float) -> float:
    if family == "commune":
        total = build_totals(cut, until=origin + 1.0).last
        return float(total) if total else max(start, 1.0)
    if family == "ocop":
        return max(start, 10.0)
    return 1.0


def backtest_scores(
    localities: Iterable[Locality],
    *,
    n_paths: int = 1000,
    seed: int = 0,
    models: Iterable[str] | None = None,
    pool: Iterable[Locality] | None = None,
    selection: Selection = SELECTION,
    origins: Iterable[int] = ORIGINS,
    families: Iterable[str] | None = None,
    light: bool = False,
    contexts: dict | None = None,
) -> list[Score]:
    """Score every candidate model on `localities`; pooled priors come from `pool` (default:
    the same localities) cut at each origin, leaving the locality's own group out."""
    locs = list(localities)
    pool = list(pool) if pool is not None else locs
    contexts = {} if contexts is None else contexts
    wanted = set(families) if families is not None else None
    rng = np.random.default_rng(seed)
    scores: list[Score] = []
    for loc in locs:
        fold = fold_of(loc)
        for metric in loc.metrics_observed():
            info = loc.info(metric)
            if metric == "communes_total" or (wanted is not None and info.family not in wanted):
                continue
            truth = outcomes(build_series(loc, metric))
            if not truth:
                continue
            for origin in origins:
                ahead = [y for y in sorted(truth) if origin < y <= origin + MAX_LEAD]
                if not ahead:
                    continue
                cut = cut_at(loc, origin)
                yearly = build_series(cut, metric).yearly_levels()
                if len(yearly) < 2:
                    continue
                # The pooled fit depends on the structures only: selections that differ in
                # their models share it, and each forecasts with its own models.
                key = (origin, fold, selection.hazard, selection.growth)
                ctx = contexts.get(key)
                if ctx is None:
                    train = [p for p in pool if fold < 0 or fold_of(p) != fold]
                    ctx = contexts[key] = Context.from_localities(
                        pool, until=origin + 1.0, selection=selection, fit_on=train
                    )
                elif ctx.selection is not selection:
                    ctx = dataclasses.replace(ctx, selection=selection)
                names = list(models or selection.candidates(info.family))
                ys = sorted(yearly)
                start = yearly[ys[-1]]
                pace = max((start - yearly[ys[0]]) / max(ys[-1] - ys[0], 1), 0.0)
                scale = _scale(cut, metric, info.family, origin, start)
                for name in names[:2] if light else names:  # light: the default and one rival
                    fc = forecast_locality(
                        cut,
                        ctx,
                        horizon=max(ahead) - origin,
                        n_paths=n_paths,
                        seed=seed,
                        model=name,
                        metrics_only=metrics.with_bounding_standards(metric),
                    )
                    pf = fc.paths.get(metric)
                    # not fitted, or another model stood in (a count known by its additions)
                    if pf is None or pf.model not in (name, SUM_MODEL):
                        continue
                    for y in ahead:
                        t, actual = truth[y]
                        x = pf.within(y, t)
                        if x is None:
                            continue
                        lo, q25, med, q75, hi = np.quantile(x, [0.1, 0.25, 0.5, 0.75, 0.9])
                        below, ties = (
                            np.mean(x < actual - 1e-9),
                            np.mean(np.abs(x - actual) <= 1e-9),
                        )
                        thr = start + pace * (y - origin)
                        scores.append(
                            Score(
                                loc.slug,
                                metric,
                                info.family,
                                name,
                                origin,
                                y,
                                actual,
                                float(med),
                                crps_sample(x, actual),
                                bool(lo - 1e-9 <= actual <= hi + 1e-9),
                                scale,
                                bool(q25 - 1e-9 <= actual <= q75 + 1e-9),
                                float(below + rng.uniform() * ties),
                                float(np.mean(x >= thr - 1e-9)),
                                float(actual >= thr - 1e-9),
                            )
                        )
    return scores


LATE = 0.75  # a figure from the last quarter of its year is an outcome of that year


def outcomes(series) -> dict[int, tuple[float, float]]:
    """Year → (time, value) of the latest figure of each year, where that figure is dated in
    its last quarter (October on): a year-end count, or close enough to compare with the
    paths read at the same date."""
    out: dict[int, tuple[float, float]] = {}
    for p in series.points:
        year = int(np.ceil(p.t - 1e-9)) - 1
        if p.t - year >= LATE - 1e-9:
            out[year] = (p.t, p.value)
    return out


def _frame(scores: list[Score]) -> pd.DataFrame:
    df = pd.DataFrame([dataclasses.asdict(s) for s in scores])
    df["scaled"] = df["crps"] / df["scale"]
    return df


KEY = ["slug", "metric", "origin", "year"]


def ratio_interval(
    a: pd.DataFrame, b: pd.DataFrame, *, n_boot: int = N_BOOT, seed: int = 0, level: float = LEVEL
) -> tuple[float, float, float, int]:
    """Σ scaled CRPS of `a` / Σ of `b` over the forecasts both made, and its bootstrap
    interval resampling localities (a locality's forecasts move together)."""
    paired = (
        a.set_index(KEY)["scaled"]
        .to_frame("a")
        .join(b.set_index(KEY)["scaled"].rename("b"), how="inner")
    )
    if paired.empty or paired["b"].sum() <= 0:
        return np.nan, np.nan, np.nan, len(paired)
    per = paired.groupby(level="slug")[["a", "b"]].sum()
    A, B = per["a"].to_numpy(), per["b"].to_numpy()
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(len(per), np.full(len(per), 1 / len(per)), size=n_boot)
    with np.errstate(invalid="ignore", divide="ignore"):
        boot = (counts @ A) / (counts @ B)
    boot = boot[np.isfinite(boot)]
    lo, hi = np.quantile(boot, [(1 - level) / 2, (1 + level) / 2])
    return float(A.sum() / B.sum()), float(lo), float(hi), len(paired)


def summarise(
    scores: list[Score], by=("family", "metric"), selection: Selection = SELECTION
) -> pd.DataFrame:
    if not scores:
        return pd.DataFrame(columns=BACKTEST_COLUMNS)
    df = _frame(scores)
    df["abs_err"] = (df["median"] - df["actual"]).abs()
    rows = []
    for group, g in df.groupby([*by, "model"], sort=True):
        group = dict(zip([*by, "model"], group))
        drift = df[(df.model == "drift")]
        for k in by:
            drift = drift[drift[k] == group[k]]
        ratio, lo, hi, _ = ratio_interval(g, drift)
        rows.append(
            {
                **group,
                "n": len(g),
                "localities": g["slug"].nunique(),
                "mae": g["abs_err"].mean(),
                "crps": g["crps"].mean(),
                "crps_vs_drift": ratio,
                "ratio_lo": lo,
                "ratio_hi": hi,
                "coverage_50": g["covered50"].mean(),
                "coverage_80": g["covered"].mean(),
            }
        )
    out = pd.DataFrame(rows)
    if "metric" not in out:
        out["metric"] = "(all)"
    out["default"] = [selection.default(f) == m for f, m in zip(out.family, out.model)]
    # Best by the ratio to drift (each model paired with drift on its own forecasts), among
    # the models that scored at least half as many forecasts as the group's most scored one:
    # a model that could score two forecasts out of a hundred is not called the best.
    most = out.groupby(list(by))["n"].transform("max")
    full = out[out["n"] * 2 >= most]
    best = full.sort_values(["crps_vs_drift", "crps"]).groupby(list(by)).head(1).index
    out["best"] = out.index.isin(best)
    return out[BACKTEST_COLUMNS].round(4)


def backtest(
    localities: Iterable[Locality],
    *,
    n_paths: int = 1000,
    seed: int = 0,
    pool: Iterable[Locality] | None = None,
    scores: list[Score] | None = None,
) -> pd.DataFrame:
    """Per metric, then pooled per family (metric '(all)'), every candidate model."""
    if scores is None:
        scores = backtest_scores(localities, n_paths=n_paths, seed=seed, pool=pool)
    per_metric = summarise(scores, by=("family", "metric"))
    pooled = summarise(scores, by=("family",))
    return pd.concat([per_metric, pooled], ignore_index=True)


# --- the structure comparison of the README ---------------------------------------------

HAZARD_TERMS = ("time_varying", "coverage", "phase", "push")
GROWTH_TERMS = ("stock", "size")
# The revised rule's eligibility: the share of outcomes inside each interval, over a
# family's province forecasts (column of the scores → the band it must fall in).
COVERAGE_BANDS = {"covered": (0.72, 0.88), "covered50": (0.40, 0.60)}
SELECT_COLUMNS = [
    "family",
    "term",
    "structure",
    "n",
    "localities",
    "ratio_vs_without",
    "lo",
    "hi",
    "eligible",
    "kept",
    "crps_vs_drift",
    "coverage_80",
    "coverage_80_lo",
    "coverage_80_hi",
    "coverage_50",
    "coverage_50_lo",
    "coverage_50_hi",
]


def coverage_interval(
    scores: pd.DataFrame, column: str, *, n_boot: int = N_BOOT, seed: int = 0, level=LEVEL
) -> tuple[float, float, float]:
    """The share of outcomes inside an interval (`covered` or `covered50`) and its bootstrap
    interval resampling localities (a province's forecasts move together)."""
    if scores.empty:
        return np.nan, np.nan, np.nan
    per = scores.groupby("slug")[column].agg(["sum", "count"])
    hits, n = per["sum"].to_numpy(float), per["count"].to_numpy(float)
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(len(per), np.full(len(per), 1 / len(per)), size=n_boot)
    boot = (counts @ hits) / (counts @ n)
    lo, hi = np.quantile(boot, [(1 - level) / 2, (1 + level) / 2])
    return float(hits.sum() / n.sum()), float(lo), float(hi)


def band_distance(scores: pd.DataFrame) -> float:
    """How far a structure's coverages lie outside the bands (0: eligible)."""
    if scores.empty:
        return np.inf
    out = 0.0
    for column, (low, high) in COVERAGE_BANDS.items():
        share = float(scores[column].mean())
        out += max(low - share, 0.0, share - high)
    return out


def select_structure(
    pool: Iterable[Locality],
    *,
    n_paths: int = 1000,
    seed: int = 0,
    log=None,
    origins: Iterable[int] = ORIGINS,
) -> tuple[pd.DataFrame, Selection]:
    """Forward selection by the README's revised rule, on the provinces: a term is kept when
    the structure with it is eligible (its 80% and 50% coverages in their bands) and either
    the structure without it is not, or it lowers the summed scaled CRPS with the 90%
    interval of the ratio below 1; after each kept term the others are tried again. With no
    eligible structure, the one nearest the bands wins."""
    pool = list(pool)
    provinces = [p for p in pool if in_pool(p)]
    origins = tuple(origins)
    contexts: dict = {}
    runs: dict = {}

    def run(selection, family, model):
        key = (family, selection.hazard, selection.growth)
        if key not in runs:
            runs[key] = _frame(
                backtest_scores(
                    provinces,
                    n_paths=n_paths,
                    seed=seed,
                    models=[model, "drift"],
                    pool=pool,
                    selection=selection,
                    families=[family],
                    origins=origins,
                    contexts=contexts,
                )
            )
        return runs[key]

    rows: list[dict] = []
    steps = (
        ("commune", "hazard", "hazard", HazardStructure(), HAZARD_TERMS),
        ("ocop", "ocop_growth", "growth", GrowthStructure(), GROWTH_TERMS),
    )
    chosen = SELECTION
    for family, model, attr, base, terms in steps:

        def scored(structure, chosen=chosen, family=family, model=model, attr=attr):
            frame = run(dataclasses.replace(chosen, **{attr: structure}), family, model)
            return frame[frame.model == model], frame[frame.model == "drift"]

        current = _forward(family, base, terms, scored, rows, seed, log)
        chosen = dataclasses.replace(chosen, **{attr: current})
    return pd.DataFrame(rows, columns=SELECT_COLUMNS), chosen


def _forward(family, base, terms, scored, rows: list[dict], seed: int, log):
    """One family's forward selection by the revised rule; its rows appended to `rows`."""
    current = base
    cur, drift = scored(current)
    rows.append(_select_row(family, "-", current, cur, None, drift, True, seed))
    tried = [(current, cur)]
    remaining = list(terms)
    while True:
        for term in remaining:
            trial = dataclasses.replace(current, **{term: True})
            new, drift = scored(trial)
            ratio, lo, hi, _ = ratio_interval(new, cur, seed=seed)
            better = bool(ratio < 1 and hi < 1)
            keep = band_distance(new) == 0 and (band_distance(cur) > 0 or better)
            rows.append(_select_row(family, term, trial, new, (ratio, lo, hi), drift, keep, seed))
            tried.append((trial, new))
            if log is not None:
                log(rows[-1])
            if keep:
                current, cur = trial, new
                remaining.remove(term)
                break  # every term not yet kept is tried again, in order
        else:
            break  # a round that kept none
    if band_distance(cur) == 0:
        return current
    # None eligible: the nearest to the bands (ties: the fewer terms, then the earlier tried).
    order = range(len(tried))
    best = min(order, key=lambda k: (band_distance(tried[k][1]), _terms(tried[k][0]), k))
    current, cur = tried[best]
    rows.append(_select_row(family, "nearest", current, cur, None, scored(current)[1], True, seed))
    return current


def _terms(structure) -> int:
    return sum(bool(v) for v in dataclasses.asdict(structure).values())


def _select_row(family, term, structure, scores, vs, drift, kept, seed=0) -> dict:
    r, lo, hi = vs if vs is not None else (np.nan, np.nan, np.nan)
    vs_drift = ratio_interval(scores, drift)[0] if len(scores) else np.nan
    c80 = coverage_interval(scores, "covered", seed=seed)
    c50 = coverage_interval(scores, "covered50", seed=seed)
    return {
        "family": family,
        "term": term,
        "structure": str(structure),
        "n": len(scores),
        "localities": scores["slug"].nunique() if len(scores) else 0,
        "ratio_vs_without": round(r, 4),
        "lo": round(lo, 4),
        "hi": round(hi, 4),
        "eligible": band_distance(scores) == 0,
        "kept": kept,
        "crps_vs_drift": round(vs_drift, 4),
        "coverage_80": round(c80[0], 4),
        "coverage_80_lo": round(c80[1], 4),
        "coverage_80_hi": round(c80[2], 4),
        "coverage_50": round(c50[0], 4),
        "coverage_50_lo": round(c50[1], 4),
        "coverage_50_hi": round(c50[2], 4),
    }


# --- calibration ------------------------------------------------------------------------


@dataclass(frozen=True)
class Calibration:
    """What the calibration pictures of a family show, for its default model: the PIT of
    every forecast, and the target-style events binned by their forecast probability
    (mean probability `p`, observed frequency `freq`, number of events `n` per bin)."""

    family: str
    pit: np.ndarray
    reliability: pd.DataFrame
    n_events: int


def calibration(scores: list[Score], selection: Selection = SELECTION) -> list[Calibration]:
    """Per family with scores of its default model, in family order."""
    if not scores:
        return []
    df = _frame(scores)
    out = []
    for family, g in df.groupby("family", sort=True):
        g = g[g.model == selection.default(family)]
        if g.empty:
            continue
        ev = g.dropna(subset=["event_p"])
        bins = np.clip((ev["event_p"] * 5).astype(int), 0, 4)
        rel = ev.groupby(bins).agg(
            p=("event_p", "mean"), freq=("event", "mean"), n=("event", "size")
        )
        out.append(Calibration(str(family), g["pit"].to_numpy(), rel, len(ev)))
    return out
