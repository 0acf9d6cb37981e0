"""Check the target assessment against the past: for every target whose outcome is in the
data, cut the data at the end of the year before the target year, assess, and compare
with what happened. Brier scores sit next to two baselines: "the plan is always met"
(p = 1) and the pace-ratio rule (met when recent pace ≥ required pace)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ntm_forecast.forecast import Context, cut_at, forecast_locality
from ntm_forecast.schema import Locality
from ntm_forecast.targets import _outcome, assess_target

HINDCAST_COLUMNS = [
    "locality",
    "metric",
    "target_year",
    "target_kind",
    "target_value",
    "outcome",
    "probability",
    "pace_ratio",
    "p_always_met",
    "p_pace_rule",
    "status",
    "note",
]


def hindcast(
    localities: Iterable[Locality],
    *,
    n_paths: int = 4000,
    seed: int = 0,
    pool: Iterable[Locality] | None = None,
) -> pd.DataFrame:
    locs = list(localities)
    pool = list(pool) if pool is not None else locs
    contexts: dict[int, Context] = {}
    rows = []
    for loc in locs:
        for t in loc.targets:
            if t.kind == "maintain":
                continue
            value = t.low
            if t.kind == "share":
                continue  # the historical number of communes is not known well enough
            met = _outcome(loc, t.metric, t.kind, t.year, value)
            if met is None:
                continue
            cut_year = t.year - 1
            ctx = contexts.get(cut_year)
            if ctx is None:
                ctx = contexts[cut_year] = Context.from_localities(pool, until=cut_year + 1.0)
            cut = cut_at(loc, cut_year)
            fc = forecast_locality(
                cut, ctx, horizon=1, n_paths=n_paths, seed=seed, metrics_only=_needed(t.metric)
            )
            row = assess_target(fc, t)
            ratio = row["pace_ratio"]
            rows.append(
                {
                    "locality": loc.slug,
                    "metric": t.metric,
                    "target_year": t.year,
                    "target_kind": t.kind,
                    "target_value": value,
                    "outcome": int(met),
                    "probability": row["probability"],
                    "pace_ratio": ratio,
                    "p_always_met": 1.0,
                    "p_pace_rule": np.nan if pd.isna(ratio) else float(ratio >= 1.0),
                    "status": row["status"],
                    "note": row["note"],
                }
            )
    return pd.DataFrame(rows, columns=HINDCAST_COLUMNS)


def _needed(metric: str) -> list[str]:
    from ntm_forecast.whatif import _needed_metrics

    return _needed_metrics(metric)


def brier_scores(table: pd.DataFrame) -> pd.DataFrame:
    """Brier score of each rule on the targets every rule could score."""
    usable = table.dropna(subset=["probability", "p_pace_rule"])
    out = []
    for name, col in (
        ("model", "probability"),
        ("plan always met", "p_always_met"),
        ("pace-ratio rule", "p_pace_rule"),
    ):
        for subset, frame in (
            ("scored by all rules", usable),
            ("all with a probability", table.dropna(subset=[col])),
        ):
            if name != "model" and subset != "scored by all rules":
                continue
            if frame.empty:
                out.append({"rule": name, "targets": subset, "n": 0, "brier": np.nan})
                continue
            b = float(np.mean((frame[col] - frame["outcome"]) ** 2))
            out.append({"rule": name, "targets": subset, "n": len(frame), "brier": round(b, 4)})
    return pd.DataFrame(out)
