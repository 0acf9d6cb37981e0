"""Check the target assessment against the past: for every target whose outcome is in the
data, cut the data at the end of the year before the target year, assess, and compare
with what happened. Brier scores sit next to two baselines: "the plan is always met"
(p = 1) and the pace-ratio rule (met when recent pace ≥ required pace)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ntm_forecast.forecast import Context, cut_at, forecast_locality
from ntm_forecast.history import build_series
from ntm_forecast.schema import Locality
from ntm_forecast.targets import assess_target, outcome
from ntm_forecast.whatif import _needed_metrics

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
            s = build_series(loc, t.metric)
            met = outcome(s, loc.info(t.metric).cumulative, t.kind, t.year, value)
            if met is None:
                continue
            cut_year = t.year - 1
            ctx = contexts.get(cut_year)
            if ctx is None:
                ctx = contexts[cut_year] = Context.from_localities(pool, until=cut_year + 1.0)
            cut = cut_at(loc, cut_year)
            fc = forecast_locality(
                cut,
                ctx,
                horizon=1,
                n_paths=n_paths,
                seed=seed,
                metrics_only=_needed_metrics(t.metric),
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


def brier_scores(table: pd.DataFrame) -> pd.DataFrame:
    """Brier score of each rule on the targets every rule could score."""
    every = ["probability", "p_pace_rule"]
    if "p_plan_informed" in table:
        every.append("p_plan_informed")
    usable = table.dropna(subset=every)
    out = []
    rules = [
        ("model", "probability"),
        ("plan always met", "p_always_met"),
        ("pace-ratio rule", "p_pace_rule"),
    ]
    if "p_plan_informed" in table:
        rules.insert(1, ("model, plan-informed (leave-one-out)", "p_plan_informed"))
    for name, col in rules:
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


@dataclass(frozen=True)
class PlanCalibration:
    """P(target met | trend-only probability), learnt from past targets (plans carry
    information: many are set when the communes are already being assessed).

    A logistic regression on logit(p) (scikit-learn), regularised because past targets
    are few. It is a second column next to the trend-only probability, never instead of it.
    """

    coef: float
    intercept: float
    n: int

    def __call__(self, p):
        x = _logit(np.asarray(p, dtype=float))
        return 1.0 / (1.0 + np.exp(-(self.intercept + self.coef * x)))


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 0.01, 0.99)
    return np.log(p / (1 - p))


def fit_plan_calibration(table: pd.DataFrame) -> PlanCalibration | None:
    from sklearn.linear_model import LogisticRegression

    usable = table.dropna(subset=["probability"])
    if usable["outcome"].nunique() < 2:
        return None  # every past plan met (or none): nothing to learn a slope from
    x = _logit(usable["probability"].to_numpy())[:, None]
    model = LogisticRegression(C=1.0).fit(x, usable["outcome"].to_numpy())
    return PlanCalibration(float(model.coef_[0, 0]), float(model.intercept_[0]), len(usable))


def with_plan_informed(table: pd.DataFrame) -> pd.DataFrame:
    """Add `p_plan_informed`: leave-one-out, so each target is scored by a calibration
    that never saw it."""
    out = table.copy()
    out["p_plan_informed"] = np.nan
    scored = out.index[out["probability"].notna()]
    for i in scored:
        cal = fit_plan_calibration(out.loc[scored.drop(i)])
        if cal is not None:
            out.loc[i, "p_plan_informed"] = float(cal(out.loc[i, "probability"]))
    return out


def add_plan_informed(frames: list[pd.DataFrame], pool: list[Locality], *, seed: int = 0):
    """Append `probability_plan_informed` to target tables, calibrated on the pool's past
    targets; NaN where no calibration can be learnt or the row has no probability."""
    cal = fit_plan_calibration(hindcast(pool, pool=pool, seed=seed))
    out = []
    for f in frames:
        f = f.copy()
        f["probability_plan_informed"] = (
            np.round(cal(f["probability"]), 4) if cal is not None else np.nan
        )
        f.loc[f["probability"].isna(), "probability_plan_informed"] = np.nan
        out.append(f)
    return out
