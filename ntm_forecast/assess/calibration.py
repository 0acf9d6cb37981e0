"""The probability layers of README "The revised rule (issue 18)", fitted on past plans scored
as events (`assess.hindcast`), and their scores.

- `KindCalibration`: a logistic regression of the outcome on logit(clip(p, 0.01, 0.99)), with
  the target kind as a factor partially pooled toward the common intercept and slope (a ridge
  penalty on each kind's deviations; the common terms are not shrunk).
- `PlanSignal`: the plan as a signal of the outcome. Past plans' errors e = log((1 + outcome) /
  (1 + plan)), in the units the plan was compared in, are a normal per kind (pooled over kinds
  where a kind has few); a path with amount x is weighted by that normal's density at
  log((1 + x) / (1 + plan)), and the probability is the weighted share of paths reaching the
  threshold. It multiplies the trend's distribution by the plan's: a product of the two, not a
  posterior that knows they share the outcome's spread.
- `prospective_base_rate`: the share met of the events of earlier target years only.
- `candidate_scores` / `kept_layer`: Brier with 90% intervals resampling provinces, the
  difference from the trend-only probability, calibration in the large, and the rule's choice.

Numpy only: deterministic, and cheap to import.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

CLIP = 0.01
# The candidates, each with the events-table column of its probability; the layers the rule
# may keep in place of the trend-only probability; the reference lines, never chosen.
CANDIDATES = (
    ("trend", "p_trend"),
    ("calibrated", "p_calibrated"),
    ("plan_signal", "p_plan_signal"),
    ("base_rate_kind", "p_base_rate_kind"),
    ("always_met", "p_always_met"),
    ("base_rate_loo", "p_base_rate_loo"),
)
LAYERS = ("calibrated", "plan_signal")
CITL_BAND = 0.10  # calibration in the large a kept layer stays within
TAILS = (0.02, 0.98)  # a met event below the first, a missed one above the second, are counted
SCORE_COLUMNS = [
    "candidate",
    "n",
    "provinces",
    "brier",
    "lo",
    "hi",
    "minus_trend",
    "minus_trend_lo",
    "minus_trend_hi",
    "mean_p",
    "share_met",
    "in_the_large",
    "met_below",
    "missed_above",
]


def logit_clipped(p) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), CLIP, 1 - CLIP)
    return np.log(p / (1 - p))


def _expit(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


class KindCalibration:
    """logit P(met) = (a + a_k) + (b + b_k) · logit(clip(p)), the kind deviations a_k, b_k
    shrunk by a ridge penalty (½ · penalty · Σ(a_k² + b_k²)); a kind not seen in the fit gets
    the common line. Fitted by Newton's method on the penalised likelihood (a 1e-6 ridge on the
    common terms keeps them finite where the events separate)."""

    def __init__(self, penalty: float = 1.0, max_iter: int = 100, tol: float = 1e-10):
        self.penalty = penalty
        self.max_iter = max_iter
        self.tol = tol

    def _design(self, p, kind) -> np.ndarray:
        x = logit_clipped(p)
        kind = np.asarray(kind, dtype=object)
        one_hot = np.stack([kind == k for k in self.kinds_], axis=1).astype(float)
        return np.column_stack([np.ones_like(x), x, one_hot, one_hot * x[:, None]])

    def fit(self, p, kind, met) -> KindCalibration:
        self.kinds_ = tuple(sorted(set(np.asarray(kind, dtype=object))))
        X = self._design(p, kind)
        y = np.asarray(met, dtype=float)
        shrink = np.full(X.shape[1], self.penalty)
        shrink[:2] = 1e-6
        beta = np.zeros(X.shape[1])
        for _ in range(self.max_iter):
            mu = _expit(X @ beta)
            grad = X.T @ (y - mu) - shrink * beta
            hess = (X * (mu * (1 - mu))[:, None]).T @ X + np.diag(shrink)
            step = np.linalg.solve(hess, grad)
            beta = beta + step
            if np.max(np.abs(step)) < self.tol:
                break
        self.coef_ = beta
        return self

    def predict_proba(self, p, kind) -> np.ndarray:
        """P(met) for trend probabilities ``p`` of targets of kinds ``kind``."""
        return _expit(self._design(p, kind) @ self.coef_)


class PlanSignal:
    """Past plans' log errors as a normal per kind (at least `min_events` of that kind), else
    pooled over kinds; the sd is the sample sd (at least `min_sd`, so that one repeated
    error does not make a point mass)."""

    def __init__(self, min_events: int = 10, min_sd: float = 0.01):
        self.min_events = min_events
        self.min_sd = min_sd

    def fit(self, errors, kind) -> PlanSignal:
        e = np.asarray(errors, dtype=float)
        kind = np.asarray(kind, dtype=object)
        ok = np.isfinite(e)
        e, kind = e[ok], kind[ok]

        def normal(x: np.ndarray) -> tuple[float, float]:
            return float(x.mean()), max(float(x.std(ddof=1)), self.min_sd)

        self.pooled_ = normal(e)
        self.by_kind_ = {
            k: normal(e[kind == k])
            for k in sorted(set(kind))
            if (kind == k).sum() >= self.min_events
        }
        return self

    def to_dict(self) -> dict:
        return {
            "min_events": self.min_events,
            "min_sd": self.min_sd,
            "pooled": list(self.pooled_),
            "by_kind": {k: list(v) for k, v in self.by_kind_.items()},
        }

    @classmethod
    def from_dict(cls, data: dict) -> PlanSignal:
        signal = cls(int(data["min_events"]), float(data["min_sd"]))
        signal.pooled_ = tuple(float(x) for x in data["pooled"])
        signal.by_kind_ = {k: tuple(float(x) for x in v) for k, v in data["by_kind"].items()}
        return signal

    def probability(self, amounts: np.ndarray, threshold, plan: float, kind: str) -> float:
        """The share of paths reaching `threshold` (a number, or one per path), each path
        weighted by the density of its error against `plan` under the kind's normal."""
        mean, sd = self.by_kind_.get(kind, self.pooled_)
        z = (np.log1p(np.maximum(amounts, 0.0)) - np.log1p(plan) - mean) / sd
        w = np.exp(-0.5 * (z**2 - np.min(z**2)))  # scaled by the largest: never all zero
        return float(np.sum(w * (amounts >= np.asarray(threshold) - 1e-9)) / np.sum(w))


def plan_error(outcome: float, plan: float) -> float:
    """log((1 + outcome) / (1 + plan)): finite for an addition of nothing."""
    return float(np.log1p(max(outcome, 0.0)) - np.log1p(plan))


def leave_province_out(
    provinces: Sequence[str], fit_predict: Callable[[np.ndarray, np.ndarray], np.ndarray]
) -> np.ndarray:
    """For each province, ``fit_predict(train_mask, test_mask)`` on the events of the others:
    the predictions of every event, from fits that never saw its own province."""
    provinces = np.asarray(provinces, dtype=object)
    out = np.full(len(provinces), np.nan)
    for prov in sorted(set(provinces)):
        test = provinces == prov
        out[test] = fit_predict(~test, test)
    return out


def calibrated_loo(p, kind, met, provinces) -> np.ndarray:
    """`KindCalibration` fitted leave one province out (NaN where the others hold one outcome)."""
    p, kind, met = np.asarray(p, float), np.asarray(kind, object), np.asarray(met, float)

    def fit_predict(train, test):
        if len(set(met[train])) < 2:
            return np.nan
        layer = KindCalibration().fit(p[train], kind[train], met[train])
        return layer.predict_proba(p[test], kind[test])

    return leave_province_out(provinces, fit_predict)


def prospective_base_rate(ends, cuts, kind, met, min_events: int = 5) -> np.ndarray:
    """For an event assessed at its cut: the share met of the events whose year had ended by
    that cut (`ends` ≤ cut: their outcome could be known) of its kind (at least `min_events`
    of them), else of all kinds, else 0.5. Frozen: nothing the trend could not have known."""
    ends, cuts = np.asarray(ends, float), np.asarray(cuts, float)
    kind, met = np.asarray(kind, object), np.asarray(met, float)
    out = np.empty(len(ends))
    for i, (cut, k) in enumerate(zip(cuts, kind)):
        earlier = ends <= cut + 1e-9
        same = earlier & (kind == k)
        if same.sum() >= min_events:
            out[i] = met[same].mean()
        elif earlier.sum() >= min_events:
            out[i] = met[earlier].mean()
        else:
            out[i] = 0.5
    return out


def base_rate_loo(met) -> np.ndarray:
    """The share met of the other events (leave one out)."""
    met = np.asarray(met, float)
    n = len(met)
    return (met.sum() - met) / (n - 1) if n > 1 else np.full(n, np.nan)


def province_resamples(provinces, n_boot: int = 2000, seed: int = 0) -> np.ndarray:
    """(n_boot, n_provinces) counts: how often each province is drawn in each resample (all
    events of a province move together)."""
    n = len(set(provinces))
    draws = np.random.default_rng(seed).integers(0, n, size=(n_boot, n))
    return np.stack([np.bincount(row, minlength=n) for row in draws])


def candidate_scores(
    events: pd.DataFrame, *, n_boot: int = 2000, seed: int = 0, level: float = 0.9
) -> pd.DataFrame:
    """Every candidate scored on the same events (those every candidate has a probability for):
    Brier with its interval, its difference from the trend-only Brier with that interval (the
    same resamples of provinces), calibration in the large (mean p − share met), and the met
    events below p 0.02 and the missed ones above 0.98 (SCORE_COLUMNS)."""
    columns = [c for _, c in CANDIDATES]
    frame = events.dropna(subset=columns)
    y = frame["met"].to_numpy(float)
    provinces = frame["province"].to_numpy(object)
    names = sorted(set(provinces))
    index = np.searchsorted(names, provinces)
    weights = province_resamples(provinces, n_boot, seed)[:, index] if len(frame) else None
    q = ((1 - level) / 2, (1 + level) / 2)
    sq_trend = (frame["p_trend"].to_numpy(float) - y) ** 2
    rows = []
    for name, column in CANDIDATES:
        p = frame[column].to_numpy(float)
        sq = (p - y) ** 2
        row = dict.fromkeys(SCORE_COLUMNS, np.nan)
        row.update(candidate=name, n=len(frame), provinces=len(names))
        if len(frame):
            boot = weights @ sq / weights.sum(axis=1)
            diff = weights @ (sq - sq_trend) / weights.sum(axis=1)
            row.update(
                brier=sq.mean(),
                lo=np.quantile(boot, q[0]),
                hi=np.quantile(boot, q[1]),
                minus_trend=(sq - sq_trend).mean(),
                minus_trend_lo=np.quantile(diff, q[0]),
                minus_trend_hi=np.quantile(diff, q[1]),
                mean_p=p.mean(),
                share_met=y.mean(),
                in_the_large=p.mean() - y.mean(),
                met_below=int(((p < TAILS[0]) & (y == 1)).sum()),
                missed_above=int(((p > TAILS[1]) & (y == 0)).sum()),
            )
        rows.append(row)
    return pd.DataFrame(rows, columns=SCORE_COLUMNS)


def kept_layer(scores: pd.DataFrame) -> str:
    """The README rule: a layer replaces the trend-only probability when its Brier is lower,
    the upper end of the 90% interval of the difference is below 0 and its calibration in the
    large is within ±0.10; of two such, the lower Brier. Otherwise `trend`."""
    able = scores[
        scores["candidate"].isin(LAYERS)
        & (scores["minus_trend"] < 0)
        & (scores["minus_trend_hi"] < 0)
        & (scores["in_the_large"].abs() <= CITL_BAND)
    ]
    if able.empty:
        return "trend"
    return str(able.sort_values(["brier", "candidate"]).iloc[0]["candidate"])


# --- the layer a report leads with -------------------------------------------------------

LAYER_FILE = "probability_layer.json"  # beside the params files it was fitted on


@dataclass(frozen=True)
class ProbabilityLayer:
    """The probability the README rule keeps, fitted on every counted past plan: `trend` (the
    paths as they are) or `plan_signal` (the paths weighted by past plans' errors). What a
    report's probabilities rest on: `name`, and the events and provinces it was fitted on."""

    name: str
    events: int
    provinces: int
    signal: PlanSignal | None = None

    def kind_of(self, stated: str, *, in_year: bool) -> str:
        """The kind a target is weighted as: in-year where the layer has that kind."""
        if in_year and self.signal is not None and "in_year" in self.signal.by_kind_:
            return "in_year"
        return stated

    def probability(self, amounts, threshold, plan: float, kind: str) -> float:
        if self.signal is None:
            return float(np.mean(np.asarray(amounts) >= np.asarray(threshold) - 1e-9))
        return self.signal.probability(np.asarray(amounts), threshold, plan, kind)

    def to_dict(self) -> dict:
        out = {"layer": self.name, "events": self.events, "provinces": self.provinces}
        if self.signal is not None:
            out["plan_signal"] = self.signal.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: dict) -> ProbabilityLayer:
        signal = data.get("plan_signal")
        return cls(
            str(data["layer"]),
            int(data["events"]),
            int(data["provinces"]),
            PlanSignal.from_dict(signal) if signal is not None else None,
        )


TREND = ProbabilityLayer("trend", 0, 0)  # no fitted layer: the paths as they are


def session_layer(session) -> ProbabilityLayer:
    """The layer a session's folder holds (`Session.layer`), else the trend alone."""
    record = getattr(session, "layer", None)
    return ProbabilityLayer.from_dict(record) if record else TREND
