"""How likely each plan target is, read from the same simulated paths as the forecast.

`level`: P(metric ≥ value at the end of the target year). `increment`: P(what is added
during the target year ≥ value). `share`: a percentage of communes_total, turned into a
count. `maintain`: not a probability — counts cannot fall in this model — so the row says
so in words. A range target gets a probability for each end.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ntm_forecast.checks import check_locality
from ntm_forecast.forecast import LocalityForecast
from ntm_forecast.history import Series, build_series, build_totals
from ntm_forecast.labels import TARGET_COLUMNS, status_label
from ntm_forecast.schema import Locality, Target

EPS = 1e-9


@dataclass(frozen=True)
class Thresholds:
    """p ≥ likely → likely; p < unlikely → unlikely; between → at risk."""

    likely: float = 0.75
    unlikely: float = 0.25

    def status(self, p: float) -> str:
        if p >= self.likely:
            return "likely"
        if p < self.unlikely:
            return "unlikely"
        return "at_risk"


def _f(x) -> float:
    return float("nan") if x is None else float(x)


def _share_to_count(loc: Locality, t: Target, year: int) -> tuple[float | None, float | None, str]:
    totals = build_totals(loc)
    total = totals.at(year + 1.0)
    if total is None:
        return None, None, "the number of communes is unknown, so a share cannot be counted"
    low = t.low * total / 100.0
    high = t.high * total / 100.0 if t.high is not None else None
    return low, high, f"{t.low:g}% of {total:g} communes = {low:.1f}"


def _recent_pace(s: Series, until_year: int) -> float | None:
    """What the metric added per year lately: its last two figures up to the given year."""
    pts = [p for p in s.points if p.t <= until_year + 1.0 + EPS]
    if len(pts) >= 2:
        last = pts[-1]
        # the earliest figure within three years before the last one, else the one before
        window = [p for p in pts[:-1] if last.t - p.t <= 3.0 + EPS] or [pts[-2]]
        first = window[0]
        span, change = last.t - first.t, last.value - first.value
        # A change seen over a few months is that year's change, not a yearly rate; no
        # change over a few months (the same figure reported twice) says nothing.
        if span >= 0.75 or (span > EPS and change > 0):
            return change / max(span, 1.0)
    incs: dict[int, float] = {}
    for year, added, full in s.increments:
        if full and year <= until_year:
            incs[year] = max(incs.get(year, 0.0), added)
    if incs:
        ys = sorted(incs)[-3:]
        return float(np.mean([incs[y] for y in ys]))
    return None


def outcome(s: Series, cumulative: bool, kind: str, year: int, value: float) -> bool | None:
    """Whether a past target was met, from the data (cumulative counts cannot fall)."""
    if kind in ("level", "share"):
        before = [p for p in s.points if p.t <= year + 1.0 + EPS]
        after = [p for p in s.points if year + 1.0 + EPS < p.t <= year + 1.5]
        end = [p for p in before if abs(p.t - (year + 1.0)) < EPS]
        if end:
            return end[-1].value >= value - EPS
        if before and before[-1].value >= value - EPS and cumulative:
            return True
        if after and after[0].value < value - EPS and cumulative:
            return False
        return None
    full = [added for y, added, is_full in s.increments if y == year and is_full]
    if full:
        return max(full) >= value - EPS
    ends = s.year_end_levels()
    if year in ends and year - 1 in ends:
        return ends[year] - ends[year - 1] >= value - EPS
    return None


def _last_data_year(loc: Locality, metric: str) -> int:
    years = [o.year for o in loc.observations if o.metric == metric and o.status != "plan"]
    return max(years, default=loc.origin_year)


def _first_year(values_by_year: list[tuple[int, np.ndarray]], value: float, p: float) -> float:
    for year, x in values_by_year:
        if np.mean(x >= value - EPS) >= p:
            return float(year)
    return float("nan")


def assess_target(
    fc: LocalityForecast,
    t: Target,
    *,
    thresholds: Thresholds = Thresholds(),
    lang: str = "vi",
    notes: dict | None = None,
) -> dict:
    loc = fc.locality
    row = dict.fromkeys(TARGET_COLUMNS, np.nan)
    row.update(
        locality=loc.slug,
        metric=t.metric,
        target_year=t.year,
        target_kind=t.kind,
        target_value=t.low,
        target_value_max=_f(t.high),
        model="",
        note="",
    )
    said = [*(notes or {}).get((t.metric, t.year), []), *(notes or {}).get((t.metric, None), [])]
    if any("is not the base" in s for s in said):
        # The figures disagree: say which one this row tests.
        said.append(
            f"this row uses the stated {t.low:g} added during {t.year}, on top of the simulated "
            f"end of {t.year - 1}"
            if t.kind == "increment"
            else f"this row uses the stated total {t.low:g} for the end of {t.year}"
        )

    def finish(status: str, extra: str = "") -> dict:
        row["status"] = status
        row["status_label"] = status_label(status, lang)
        row["note"] = "; ".join(x for x in [extra, *said, t.note or ""] if x)
        return row

    pf = fc.paths.get(t.metric)
    s = build_series(loc, t.metric)  # built once: outcome, baseline and recent pace read it
    low, high = t.low, t.high
    if t.kind == "share":
        low, high, how = _share_to_count(loc, t, t.year)
        said.insert(0, how)
        if low is None:
            return finish("insufficient")
    if t.kind == "maintain":
        return finish(
            "not_modelled",
            (
                "Không mô hình hóa: trong mô hình số xã đạt chuẩn không giảm, nên việc giữ vững "
                f"{t.low:g}% được giả định, không dự báo"
                if lang == "vi"
                else f"Not modelled: counts cannot fall in this model, so keeping {t.low:g}% is "
                "assumed, not forecast"
            ),
        )
    met = (
        outcome(s, loc.info(t.metric).cumulative, t.kind, t.year, low)
        if t.year <= _last_data_year(loc, t.metric)
        else None
    )
    if t.year <= fc.origin_year or met is not None:
        if met is None:
            return finish("past", "target year already past; outcome not in the data")
        row["probability"] = 1.0 if met else 0.0
        return finish("met" if met else "missed", "target year already past; outcome from the data")
    if pf is None:
        reason = next((s.reason for s in fc.skipped if s.metric == t.metric), "no figures")
        return finish("insufficient", reason)
    additions_only = pf.model == "additions_only"
    if additions_only and t.kind != "increment":
        return finish("insufficient", pf.note)
    row["model"] = pf.model
    years = [int(y) for y in pf.years]
    if t.year > years[-1]:
        return finish("insufficient", f"target year beyond the forecast horizon ({years[-1]})")
    col = years.index(t.year)
    base_col = max(col - 1, 0)
    if t.kind == "increment":
        if col == 0:
            return finish("insufficient", "the year before the target year is not simulated")
        x = pf.values[:, col] - pf.values[:, base_col]
        by_year = [(years[j], pf.values[:, j] - pf.values[:, j - 1]) for j in range(1, len(years))]
        required = low
    else:
        x = pf.values[:, col]
        by_year = [(years[j], pf.values[:, j]) for j in range(1, len(years))]
    base_year = min(fc.origin_year, t.year - 1)
    if additions_only or not len(s):
        base_value = float("nan")
    else:
        base_pts = [p for p in s.points if p.t <= base_year + 1.0 + EPS]
        base_value = base_pts[-1].value if base_pts else float("nan")
        if base_pts and not base_pts[-1].year_end:
            said.append(f"baseline {base_value:g} is a floor stated before the end of {base_year}")
    if t.kind != "increment":
        required = (
            (low - base_value) / (t.year - base_year) if not math.isnan(base_value) else np.nan
        )
        if not math.isnan(base_value) and base_value >= low - EPS:
            said.insert(0, f"already reached at the baseline ({base_value:g} ≥ {low:g})")
    recent = _recent_pace(s, base_year)
    p = float(np.mean(x >= low - EPS))
    q = np.quantile(x, [0.1, 0.5, 0.9])
    row.update(
        baseline_year=base_year,
        baseline_value=base_value,
        projected_median=q[1],
        projected_p10=q[0],
        projected_p90=q[2],
        probability=p,
        probability_max=float(np.mean(x >= high - EPS)) if high is not None else np.nan,
        required_per_year=required,
        recent_per_year=_f(recent),
        earliest_year_p50=_first_year(by_year, low, 0.5),
        earliest_year_p80=_first_year(by_year, low, 0.8),
    )
    if recent is not None and required is not None and not math.isnan(required) and required > EPS:
        row["pace_ratio"] = recent / required
    if pf.note:
        said.append(pf.note)
    return finish(thresholds.status(p))


def findings_by_target(loc: Locality) -> dict:
    """The warnings of `check`, keyed by (metric, year), to show next to the targets."""
    out: dict = {}
    for f in check_locality(loc):
        if f.field.startswith("targets") or "_share" in (f.metric or "") or f.year is None:
            key = ((f.metric or "").removesuffix("_share"), f.year)
            out.setdefault(key, []).append(f.message)
    return out


def assess_targets(
    fc: LocalityForecast, *, thresholds: Thresholds = Thresholds(), lang: str = "vi"
) -> pd.DataFrame:
    """The target table of one locality, in the order of its params file."""
    notes = findings_by_target(fc.locality)
    rows = [
        assess_target(fc, t, thresholds=thresholds, lang=lang, notes=notes)
        for t in fc.locality.targets
    ]
    frame = pd.DataFrame(rows, columns=TARGET_COLUMNS)
    return _tidy(frame)


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    floats = frame.select_dtypes("float").columns
    frame[floats] = frame[floats].astype(float).round(4)
    for c in ("baseline_year", "earliest_year_p50", "earliest_year_p80"):
        frame[c] = frame[c].astype("Int64")
    return frame
