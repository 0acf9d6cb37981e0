"""Check the target assessment against the past: for every target whose outcome is in the
data, cut the data at what was published by the end of the year before the target year,
assess, and compare with what happened.

Brier scores (with a bootstrap interval) sit next to three baselines: "the plan is always
met" (p = 1), the pace-ratio rule (met when recent pace ≥ required pace) and the base rate
of past targets met, leave-one-out (each target scored by the rate of the others). Targets
recorded from a report of their own outcome (`recorded_after`) are met by construction and
are scored apart; a target stated twice is scored once.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ntm_forecast.assess.targets import assess_target, settled_outcome
from ntm_forecast.domain import metrics
from ntm_forecast.domain.schema import Locality
from ntm_forecast.engine.forecast import Context, cut_at, forecast_locality
from ntm_forecast.engine.models import SELECTION, Selection

HINDCAST_COLUMNS = [
    "locality",
    "metric",
    "target_year",
    "target_kind",
    "target_value",
    "recorded_after",
    "outcome",
    "probability",
    "pace_ratio",
    "p_always_met",
    "p_pace_rule",
    "p_base_rate",
    "status",
    "notes",
]
# Codes of the Brier table (words in the catalogues: hindcast.rule.*, hindcast.set.*,
# hindcast.scored_by.*), each rule with the column of its probability.
RULES = (
    ("model", "probability"),
    ("always_met", "p_always_met"),
    ("pace_rule", "p_pace_rule"),
    ("base_rate_loo", "p_base_rate"),
)
SETS = ("before_outcome", "from_own_outcome")


def hindcast(
    localities: Iterable[Locality],
    *,
    n_paths: int = 4000,
    seed: int = 0,
    pool: Iterable[Locality] | None = None,
    selection: Selection = SELECTION,
) -> pd.DataFrame:
    """One row per past target with a settled outcome, duplicates once; each assessed with
    the pool fitted on what was published by the end of the year before it, with the models
    and structures of ``selection``."""
    locs = list(localities)
    pool = list(pool) if pool is not None else locs
    contexts: dict[int, Context] = {}
    rows, seen = [], set()
    for loc in locs:
        for t in loc.targets:
            if t.kind == "maintain":
                continue
            key = (loc.slug, t.metric, t.year, t.kind, t.low)
            if key in seen:
                continue
            met = settled_outcome(loc, t)
            if met is None:
                continue
            seen.add(key)
            cut_year = t.year - 1
            ctx = contexts.get(cut_year)
            if ctx is None:
                ctx = contexts[cut_year] = Context.from_localities(
                    pool, until=cut_year + 1.0, selection=selection
                )
            fc = forecast_locality(
                cut_at(loc, cut_year),
                ctx,
                horizon=1,
                n_paths=n_paths,
                seed=seed,
                metrics_only=metrics.with_bounding_standards(t.metric),
            )
            row = assess_target(fc, t)
            ratio = row["pace_ratio"]
            rows.append(
                {
                    "locality": loc.slug,
                    "metric": t.metric,
                    "target_year": t.year,
                    "target_kind": t.kind,
                    "target_value": t.low,
                    "recorded_after": bool(t.recorded_after),
                    "outcome": int(met),
                    "probability": row["probability"],
                    "pace_ratio": ratio,
                    "p_always_met": 1.0,
                    "p_pace_rule": np.nan if pd.isna(ratio) else float(ratio >= 1.0),
                    "p_base_rate": np.nan,
                    "status": row["status"],
                    "notes": row["notes"],  # codes; words when rendered
                }
            )
    table = pd.DataFrame(rows, columns=HINDCAST_COLUMNS)
    return _with_base_rate(table)


def _with_base_rate(table: pd.DataFrame) -> pd.DataFrame:
    """The share of the other targets of the same set that were met (leave-one-out)."""
    out = table.copy()
    for flag in (False, True):
        idx = out.index[out["recorded_after"] == flag]
        y = out.loc[idx, "outcome"].to_numpy(dtype=float)
        if len(y) >= 2:
            out.loc[idx, "p_base_rate"] = (y.sum() - y) / (len(y) - 1)
    return out


def brier_scores(
    table: pd.DataFrame, *, n_boot: int = 2000, seed: int = 0, level: float = 0.9
) -> pd.DataFrame:
    """Brier score of each rule with a bootstrap interval (targets resampled), per set, on
    the targets every rule scores, and again without the pace-ratio rule (it has no answer
    where there is no recent pace), so that more targets are compared."""
    rules = list(RULES)
    if "p_plan_informed" in table:
        rules.insert(1, ("plan_informed_loo", "p_plan_informed"))
    out = []
    rng = np.random.default_rng(seed)
    for flag, name in zip((False, True), SETS):
        part = table[table["recorded_after"] == flag]
        able = [r for r in rules if part[r[1]].notna().any()]  # a rule with no answer here
        for subset, chosen in (
            ("every_rule", able),
            ("pace_rule_aside", [r for r in able if r[1] != "p_pace_rule"]),
        ):
            frame = part.dropna(subset=[c for _, c in chosen])
            n = len(frame)
            boot = rng.integers(0, n, size=(n_boot, n)) if n else None
            for rule, col in chosen:
                row = {"rule": rule, "targets": name, "scored_by": subset, "n": n}
                row.update(brier=np.nan, lo=np.nan, hi=np.nan)
                if n:
                    sq = (frame[col].to_numpy(float) - frame["outcome"].to_numpy(float)) ** 2
                    b = sq[boot].mean(axis=1)
                    row.update(
                        brier=round(float(sq.mean()), 4),
                        lo=round(float(np.quantile(b, (1 - level) / 2)), 4),
                        hi=round(float(np.quantile(b, (1 + level) / 2)), 4),
                    )
                out.append(row)
    return pd.DataFrame(out, columns=["rule", "targets", "scored_by", "n", "brier", "lo", "hi"])


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 0.01, 0.99)
    return np.log(p / (1 - p))


def with_plan_informed(table: pd.DataFrame) -> pd.DataFrame:
    """Add `p_plan_informed`: the model's probability recalibrated on the other targets of
    the same set by a logistic regression on logit(p), leave-one-out (a comparison column
    for the hindcast only)."""
    from sklearn.linear_model import LogisticRegression

    out = table.copy()
    out["p_plan_informed"] = np.nan
    for flag in (False, True):
        scored = out.index[(out["recorded_after"] == flag) & out["probability"].notna()]
        for i in scored:
            rest = out.loc[scored.drop(i)]
            if rest["outcome"].nunique() < 2:
                continue
            x = _logit(rest["probability"].to_numpy())[:, None]
            model = LogisticRegression(C=1.0).fit(x, rest["outcome"].to_numpy())
            xi = _logit(np.array([out.loc[i, "probability"]]))[:, None]
            out.loc[i, "p_plan_informed"] = float(model.predict_proba(xi)[0, 1])
    return out
