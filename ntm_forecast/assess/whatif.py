"""What-if: the target table under a faster or slower yearly pace, and the pace a target
needs to be reached with 80% probability."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ntm_forecast.assess.targets import (
    TARGET_CODE_COLUMNS,
    Thresholds,
    assess_target,
    target_table,
)
from ntm_forecast.domain import metrics
from ntm_forecast.domain.schema import Locality
from ntm_forecast.engine.forecast import Context, forecast_locality

WHATIF_COLUMNS = ["pace", *TARGET_CODE_COLUMNS, "required_pace_p80"]
PACE_RANGE = (0.25, 8.0)
SEARCHABLE = ("likely", "at_risk", "unlikely")


def required_pace(
    loc: Locality,
    ctx: Context,
    target_index: int,
    *,
    level: float = 0.8,
    horizon: int = 5,
    n_paths: int = 1000,
    seed: int = 0,
    steps: int = 7,
) -> float:
    """Smallest pace factor with P(target reached) ≥ level, by bisection on log(pace).

    Same seed for every trial (common random numbers), so the probability rises with pace
    up to simulation noise. NaN when even the top of PACE_RANGE is not enough.
    """
    target = loc.targets[target_index]
    only = metrics.with_bounding_standards(target.metric)

    def prob(pace: float) -> float:
        fc = forecast_locality(
            loc, ctx, horizon=horizon, n_paths=n_paths, seed=seed, pace=pace, metrics_only=only
        )
        return assess_target(fc, target)["probability"]

    lo, hi = np.log(PACE_RANGE[0]), np.log(PACE_RANGE[1])
    if not prob(np.exp(hi)) >= level:
        return float("nan")
    if prob(np.exp(lo)) >= level:
        return PACE_RANGE[0]
    for _ in range(steps):
        mid = 0.5 * (lo + hi)
        if prob(np.exp(mid)) >= level:
            hi = mid
        else:
            lo = mid
    return round(float(np.exp(hi)), 2)


def whatif(
    loc: Locality,
    ctx: Context,
    paces=(0.8, 1.0, 1.2, 1.5),
    *,
    horizon: int = 5,
    n_paths: int = 10_000,
    seed: int = 0,
    thresholds: Thresholds = Thresholds(),
    search: bool = True,
) -> pd.DataFrame:
    """One block of the target table (in codes) per pace factor, plus `required_pace_p80`."""
    blocks, kept = [], []
    for pace in paces:
        fc = forecast_locality(loc, ctx, horizon=horizon, n_paths=n_paths, seed=seed, pace=pace)
        # `kept`: each row's target; the same rows at every pace (a form kept for its answer)
        t, kept = target_table(fc, thresholds=thresholds)
        t.insert(0, "pace", float(pace))
        blocks.append(t)
    frame = pd.concat(blocks, ignore_index=True)
    needed = [np.nan] * len(kept)
    if search:
        # A target is searched when it has a probability at today's pace (1.0 if given).
        base = blocks[list(paces).index(1.0)] if 1.0 in paces else blocks[0]
        for row, i in enumerate(kept):
            if base.loc[row, "status"] in SEARCHABLE:
                needed[row] = required_pace(loc, ctx, i, horizon=horizon, seed=seed)
    frame["required_pace_p80"] = np.tile(needed, len(paces)) if needed else []
    return frame[WHATIF_COLUMNS]
