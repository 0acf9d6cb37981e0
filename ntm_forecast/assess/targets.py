"""How likely each plan target is, read from the same simulated paths as the forecast.

`level`: P(metric ≥ value at the end of the target year). `increment`: P(what is added
during the target year ≥ value): the difference of the paths' year-ends, or, where the paths
start inside the target year, of the first year-end and the figure they start from. `share`: a
percentage of communes_total, turned into a count (of each path's NTM communes when the target
is a share of those); where no total is stated by the end of the target year, the nearest one
stated later for the same communes (old or merged), said in a note. `maintain`: not a
probability — counts cannot fall in this model — so the row says so in a note. A range target
gets a probability for each end.

One target, one row: a source that states one target several ways (an increment, a level and
a share of the same metric and year, "thêm 3 xã", "39/51 xã", "76,47% số xã") gets one row,
so that the tables and every count of targets agree. The row kept is the level, else the
share, else the increment, among the forms the data answer (a probability or an outcome)
before those they do not; its probability is its own, and its notes say how many forms were
merged and the others in words. Forms of the same kind (two levels) stay rows of their own.

The table holds codes, never words: `status`, `pace_category`, `notes` and `reason` (Messages
with their values); the reader's language is applied where the table is shown
(`render.tables.in_words`).

`reason` says in a few words why a coming target stands where it does, from the quantities the
assessment used (:func:`reasons`); a target without a probability gets the reason it has none.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ntm_forecast.assess.calibration import TREND, ProbabilityLayer
from ntm_forecast.domain import metrics
from ntm_forecast.domain.checks import check_locality
from ntm_forecast.domain.history import (
    FULL_SHARE,
    Series,
    build_series,
    build_totals,
    on_merged_communes,
    period_end,
)
from ntm_forecast.domain.paths import PathForecast, between
from ntm_forecast.domain.schema import Locality, Target
from ntm_forecast.engine.forecast import LocalityForecast
from ntm_forecast.i18n.messages import Message, has, msg

# The target table as the assessment makes it: codes only. `status` and `pace_category` are
# codes; `notes` is a tuple of Messages (and a params file's own note, as written).
TARGET_CODE_COLUMNS = [
    "locality",
    "metric",
    "target_year",
    "target_kind",
    "target_value",
    "target_value_max",
    "set_by",  # locality | national (the country's share standing in: "chỉ tiêu chung cả nước")
    "baseline_year",
    "baseline_value",
    "projected_median",
    "projected_p10",
    "projected_p90",
    "probability",  # the one the README rule keeps (`calibration.ProbabilityLayer`)
    "probability_max",
    "probability_trend",  # the paths as they are, beside it
    "required_per_year",
    "recent_per_year",
    "pace_ratio",
    "pace_category",
    "status",
    "earliest_year_p50",
    "earliest_year_p80",
    "model",
    "notes",
    "reason",  # why a coming target stands where it does (Messages; empty for past ones)
]

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


# UNDP SDG Accelerator rule on the ratio of actual to required growth (progress reports):
# (lower bound of the ratio, code), checked from the top.
PACE_CATEGORIES = ((0.95, "on_track"), (0.5, "fair"), (-0.1, "limited"))


def pace_category(ratio: float | None) -> str:
    """on_track (≥ 0.95), fair (0.5–0.95), limited (−0.1–0.5), deteriorating; "" if none."""
    if ratio is None or (isinstance(ratio, float) and math.isnan(ratio)):
        return ""
    for low, code in PACE_CATEGORIES:
        if ratio >= low:
            return code
    return "deteriorating"


def _f(x) -> float:
    return float("nan") if x is None else float(x)


def share_to_count(fc: LocalityForecast, t: Target):
    """The count a share target means: its share of the commune total at the end of its year,
    or of the NTM communes, path by path (the paths of one locality are paired by index),
    or from the data for a year the paths do not reach. The third item is how, in words; the
    fourth says where the total was stated after the target year (else None)."""
    if t.share_of == "communes_ntm":
        ntm = fc.paths.get("communes_ntm")
        base = ntm.at(t.year) if ntm is not None else None
        if base is None:
            base = build_series(fc.locality, "communes_ntm", **_epoch(t)).at(t.year + 1.0)
        if base is None:
            return None, None, msg("review.share_ntm_unknown"), None
        low = t.low * base / 100.0
        high = t.high * base / 100.0 if t.high is not None else None
        typical = round(float(np.median(low)), 1)
        return low, high, msg("review.share_ntm_count", pct=t.low, count=typical), None
    total, later = _commune_total(fc.locality, t)
    if total is None:
        return None, None, msg("note.share_unknown_total"), None
    low = t.low * total / 100.0
    high = t.high * total / 100.0 if t.high is not None else None
    how = msg("note.share_count", pct=t.low, total=total, count=round(low, 1))
    return low, high, how, later


def _commune_total(loc: Locality, t: Target):
    """(The commune total a share target of `t`'s communes counts, a note or None): the last
    stated by the end of its year, else the first stated after it, which the note names."""
    points = build_totals(loc, **_epoch(t)).series.points
    if not points:
        return None, None
    by_then = [p for p in points if p.t <= t.year + 1.0 + EPS]
    if by_then:
        return by_then[-1].value, None
    first = points[0]
    return first.value, msg("targets.total_later", total=first.value, year=first.year)


def _start_of_year(loc: Locality, s: Series, year: int):
    """(The level the target year's additions count from, a note or None), for paths that start
    inside the year: the year-end figure of the year before, else the first figure of the year
    (a floor: what was added before it is not counted, said in the note); None if neither."""
    before = s.year_end_levels().get(year - 1)
    if before is not None:
        return before, None
    inside = [p for p in s.points if year + EPS < p.t <= year + 1.0 + EPS]
    if not inside:
        return None
    first = inside[0]
    stated = _stated(loc, s.metric, first.year, first, first.value)
    when = stated.as_of if stated is not None and stated.as_of else str(first.year)
    return first.value, msg("targets.counted_from", value=first.value, when=when)


def _epoch(t: Target) -> dict:
    """The communes a target counts: the merged ones from 2026 on (`history.on_merged_communes`)."""
    return {"after_merger": on_merged_communes(t.year)}


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


@dataclass(frozen=True)
class Decided:
    """A past target's outcome in the data and the figure that decided it: the amount compared
    with the target (`value`, of `metric`: a count, or a share where a share was stated) and
    where it was stated (`as_of`, `source`). Only `met` (None) where nothing decided it."""

    met: bool | None
    value: float | None = None
    as_of: str | None = None
    source: str | None = None
    metric: str | None = None


def outcome(s: Series, cumulative: bool, kind: str, year: int, value: float) -> bool | None:
    """Whether a past target was met, from the data (cumulative counts cannot fall)."""
    return _decide(s, cumulative, kind, year, value)[0]


# The old communes' last figures: those of June 2025, the month before they were merged.
LAST_MONTH = 1.0 / 12.0


def _decide(s: Series, cumulative: bool, kind: str, year: int, value: float, end=None):
    """(met, the point that decided it, the amount compared). A stated yearly increment has
    no point; an increment read from two year-ends has the later one. `end` is when the
    year ends for the series (`history.period_end`): a figure of its last month is final
    where the series stops before the year's end."""
    end = year + 1.0 if end is None else end
    closing = LAST_MONTH if end < year + 1.0 - EPS else 0.0
    if kind in ("level", "share"):
        before = [p for p in s.points if p.t <= end + EPS]
        after = [p for p in s.points if end + EPS < p.t <= end + 0.5]
        # June's figures, not May's: a month-end date sits at its month's end (t = y + m/12).
        final = [p for p in before if p.t > end - closing + EPS] if closing else []
        final = final or [p for p in before if abs(p.t - end) < EPS]
        if final:
            return final[-1].value >= value - EPS, final[-1], final[-1].value
        if before and before[-1].value >= value - EPS and cumulative:
            return True, before[-1], before[-1].value
        if after and after[0].value < value - EPS and cumulative:
            return False, after[0], after[0].value
        return None, None, None
    full = [added for y, added, is_full in s.increments if y == year and is_full]
    if full:
        return max(full) >= value - EPS, None, max(full)
    ends = s.year_end_levels()
    if year in ends and year - 1 in ends:
        added = ends[year] - ends[year - 1]
        last = [p for p in s.points if p.year_end and p.year == year][-1]
        return added >= value - EPS, last, added
    return None, None, None


LAST_WEEK = 1.0 - 7.0 / 365.0  # a figure dated before this share of its year is not final


def settled_outcome(loc: Locality, t: Target, s: Series | None = None) -> bool | None:
    """Whether a past target was met, as the data settle it (see :func:`settle`)."""
    return settle(loc, t, s).met


def settle(loc: Locality, t: Target, s: Series | None = None) -> Decided:
    """A past target's outcome as the data settle it, with the figure that decided it. A
    shortfall read from a figure dated before the last week of the year is not a miss when
    the same source says more is coming that year (a `<metric>_pending` count or a higher
    estimate). A share (or "maintain") target reads the stated shares of the same base
    (`share_of`), else the count against the base's count at the end of the year."""
    s = s if s is not None else build_series(loc, t.metric, **_epoch(t))
    if t.kind in ("share", "maintain"):
        metric, found = _settle_share(loc, t, s)
    else:
        cumulative = loc.info(t.metric).cumulative
        end = period_end(t.metric, t.year)
        metric, found = t.metric, _decide(s, cumulative, t.kind, t.year, t.low, end)
    met, point, value = found
    # A year-end figure below the target is a miss whatever a source said was coming (so is
    # the old communes' last figure, of June 2025: no later one of them can come).
    end = period_end(t.metric, t.year)
    early = met is False and _early(loc, metric, t.year, point, value, end)
    if early and _more_to_come(loc, t.metric, t.year):
        return Decided(None)
    return _decided(loc, metric, t.year, *found)


def share_base(share_of: str | None) -> str:
    return share_of or "communes_total"  # a share is of all communes unless it says otherwise


def _settle_share(loc: Locality, t: Target, s: Series) -> tuple[str, tuple]:
    """The metric compared (the share, else the count) and `_decide`'s finding."""
    metric = f"{t.metric}_share"
    # A share of another base (40% of the NTM communes against 40% of all) is not compared.
    same_base = tuple(
        o
        for o in loc.observations
        if o.metric == metric and share_base(o.share_of) == share_base(t.share_of)
    )
    epoch = _epoch(t)
    end = period_end(t.metric, t.year)
    shares = build_series(loc.model_copy(update={"observations": same_base}), metric, **epoch)
    if len(shares):
        return metric, _decide(shares, True, "level", t.year, t.low, end)
    if share_base(t.share_of) == "communes_ntm":
        base = build_series(loc, "communes_ntm", **epoch).at(end)
    else:
        base = build_totals(loc, **epoch).at(end)
    if base is None:
        return t.metric, (None, None, None)
    cumulative = loc.info(t.metric).cumulative
    return t.metric, _decide(s, cumulative, "level", t.year, t.low * base / 100.0, end)


def _decided(loc: Locality, metric: str, year: int, met, point, value) -> Decided:
    """The outcome with the date and page of the figure behind the deciding point."""
    if met is None:
        return Decided(None)
    stated = _stated(loc, metric, year, point, value)
    return Decided(
        met,
        float(value),
        stated.as_of if stated is not None else None,
        stated.source if stated is not None else getattr(point, "source", None),
        metric,
    )


def _stated(loc: Locality, metric: str, year: int, point, value):
    """The observation a point (or a stated increment, without one) was read from: the
    figure itself, or the 100% share a full-share point stands for."""
    for o in loc.observations:
        if o.status == "plan":
            continue
        if point is None:
            stated_increment = o.metric == metric and o.year == year and o.kind == "increment"
            if stated_increment and not o.is_mid_year and o.value == value:
                return o
            continue
        if o.kind != "level" or o.source != point.source or abs(o.t - point.t) > EPS:
            continue
        if (o.metric == metric and o.value == point.value) or (
            o.metric == f"{metric}_share" and o.value >= FULL_SHARE
        ):
            return o
    return None


def _early(loc: Locality, metric: str, year: int, point, value, end: float) -> bool:
    """Whether the figure that decided a target is dated before the last week of its year,
    or before the last month of a series that stops early (`end`; a stated increment
    without a point: the observation it was read from)."""
    final = year + LAST_WEEK if end >= year + 1.0 - EPS else end - LAST_MONTH + EPS
    if point is not None:
        return point.t < final
    stated = _stated(loc, metric, year, point, value)
    return stated is None or stated.t < final


def _more_to_come(loc: Locality, metric: str, year: int) -> bool:
    early = [
        o
        for o in loc.observations
        if o.metric == metric
        and o.year == year
        and o.status == "actual"
        and o.t < year + LAST_WEEK
        and o.as_of_key[0] == year
    ]
    sources = {o.source for o in early}
    top = max((o.value for o in early if o.kind == "level"), default=-np.inf)
    for o in loc.observations:
        if o.source not in sources or o.year != year:
            continue
        if o.metric == f"{metric}_pending" and o.value > 0:
            return True
        if o.metric == metric and o.status == "estimate" and o.kind == "level" and o.value > top:
            return True
    return False


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
    notes: dict | None = None,
    layer: ProbabilityLayer = TREND,
) -> dict:
    loc = fc.locality
    row = dict.fromkeys(TARGET_CODE_COLUMNS, np.nan)
    row.update(
        locality=loc.slug,
        metric=t.metric,
        target_year=t.year,
        target_kind=t.kind,
        target_value=t.low,
        target_value_max=_f(t.high),
        set_by="national" if t.from_national else "locality",
        model="",
        pace_category="",
    )
    said = [*(notes or {}).get((t.metric, t.year), []), *(notes or {}).get((t.metric, None), [])]
    if t.from_national:
        said.insert(0, msg("note.from_national"))
    if any(getattr(s, "code", "") == "warn.total_not_base" for s in said):
        # The figures disagree: say which one this row tests.
        said.append(
            msg("note.uses_increment", value=t.low, year=t.year, prev=t.year - 1)
            if t.kind == "increment"
            else msg("note.uses_total", value=t.low, year=t.year)
        )

    def finish(status: str, extra: str = "", why: tuple = ()) -> dict:
        row["status"] = status
        row["pace_category"] = pace_category(row["pace_ratio"])
        # Computed notes as Messages; a params file's own note, last, as written.
        row["notes"] = tuple(x for x in [extra, *said, t.note] if x)
        # A coming target without a probability: the reason it has none is its note.
        row["reason"] = why or ((extra,) if extra and status in UNSCORED else ())
        return row

    pf = fc.paths.get(t.metric)
    # built once: outcome, baseline and recent pace read it
    s = build_series(loc, t.metric, **_epoch(t))
    low, high = t.low, t.high
    if t.kind == "share":
        low, high, how, later = share_to_count(fc, t)
        said[:0] = [how, later] if later else [how]
        if low is None:
            return finish("insufficient", why=(how,))
    # A share of each path's NTM communes is a threshold per path (`over`, `over_max`); the
    # pace and the earliest years read its median.
    over, over_max = low, high
    low = float(np.median(low))
    met = settled_outcome(loc, t, s) if t.year <= _last_data_year(loc, t.metric) else None
    if t.year <= fc.origin_year or met is not None:
        if met is None:
            return finish("past", msg("note.past_unknown"))
        # The outcome is a fact, not a probability: the probability cell stays empty.
        return finish("met" if met else "missed", msg("note.past_known"))
    if t.kind == "maintain":
        return finish("not_modelled", msg("note.maintain", value=t.low))
    if pf is None:
        ended = metrics.ended_2025(t.metric) if on_merged_communes(t.year) else None
        reason = next(
            (s.reason for s in fc.skipped if s.metric == t.metric),
            msg(ended, metric=t.metric) if ended else msg("fc.insufficient", detail="no figures"),
        )
        return finish("insufficient", reason)
    additions_only = pf.model == "additions_only"
    if additions_only and t.kind != "increment":
        return finish("insufficient", _model_note(pf))
    row["model"] = pf.model
    if t.year > int(pf.years[-1]):
        return finish("insufficient", msg("note.beyond_horizon", year=int(pf.years[-1])))
    found = compared(pf, t, loc, s, additions_only)
    if isinstance(found, Message):
        return finish("insufficient", found)
    x, by_year, floor = found
    if floor is not None:
        said.append(floor)
    required = low if t.kind == "increment" else None
    base_year = min(fc.origin_year, t.year - 1)
    if additions_only or not len(s):
        base_value = float("nan")
    else:
        base_pts = [p for p in s.points if p.t <= base_year + 1.0 + EPS]
        base_value = base_pts[-1].value if base_pts else float("nan")
        if base_pts and not base_pts[-1].year_end:
            said.append(msg("note.baseline_floor", value=base_value, year=base_year))
    if t.kind != "increment":
        # Nothing more is needed once the level is reached (not a negative pace).
        gap = max(low - base_value, 0.0) if not math.isnan(base_value) else np.nan
        required = gap / (t.year - base_year)
        if not math.isnan(base_value) and base_value >= low - EPS:
            said.insert(0, msg("note.already_reached", base=base_value, value=low))
    recent = _recent_pace(s, base_year)
    p_trend = float(np.mean(x >= over - EPS))
    kind = layer.kind_of(t.kind, in_year=bool(t.as_of) and t.as_of_key[0] == t.year)
    plan = float(np.median(over))
    p = layer.probability(x, over, plan, kind)
    q = np.quantile(x, [0.1, 0.5, 0.9])
    row.update(
        baseline_year=base_year,
        baseline_value=base_value,
        projected_median=q[1],
        projected_p10=q[0],
        projected_p90=q[2],
        probability=p,
        probability_max=(
            layer.probability(x, over_max, plan, kind) if over_max is not None else np.nan
        ),
        probability_trend=p_trend,
        required_per_year=required,
        recent_per_year=_f(recent),
        earliest_year_p50=_first_year(by_year, low, 0.5),
        earliest_year_p80=_first_year(by_year, low, 0.8),
    )
    if recent is not None and required is not None and not math.isnan(required) and required > EPS:
        row["pace_ratio"] = recent / required
    if pf.note:
        said.append(_model_note(pf))
    unit_key = f"unit.{loc.info(t.metric).unit}"
    why = reasons(
        row,
        threshold=low,
        unit=msg(unit_key) if has(unit_key) else "",
        own_weight=pf.own_weight,
        years=len({p.year for p in s.points} | {y for y, _, _ in s.increments}),
    )
    return finish(thresholds.status(p), why=why)


def compared(pf: PathForecast, t: Target, loc: Locality, s: Series, additions_only=False):
    """What a target is compared with on each path, (amounts, [(year, amounts)] for the
    earliest years, a note or None), or the Message saying why there is nothing to compare:
    the level when it is decided, or the year's additions (from the data's level when the
    paths start inside the target year)."""
    years = [int(y) for y in pf.years]
    col = years.index(t.year)
    if t.kind != "increment":
        x = pf.values[:, col] if col == 0 else _read(pf.values[:, col], pf.values[:, col - 1], t)
        return x, [(years[j], pf.values[:, j]) for j in range(1, len(years))], None
    ends, floor = pf.values, None
    if col == 0:
        start = None if additions_only else _start_of_year(loc, s, t.year)
        if start is None:
            return msg("note.no_prior_year")
        level, floor = start
        ends = np.c_[np.full(len(ends), level), ends]
        years, col = [t.year - 1, *years], 1
    x = _read(ends[:, col], ends[:, col - 1], t) - ends[:, col - 1]
    return x, [(years[j], ends[:, j] - ends[:, j - 1]) for j in range(1, len(years))], floor


def _read(end: np.ndarray, before: np.ndarray, t: Target) -> np.ndarray:
    """The paths when the target is decided (`history.period_end`): the year-end, or, for a
    series that stops inside the year (the old communes in June 2025), where it stops."""
    return between(before, end, period_end(t.metric, t.year) - t.year)


UNSCORED = ("insufficient", "not_modelled")  # coming, without a probability
OWN_WEIGHT_LOW = 0.5  # below it, the provinces' pool weighs more than the locality's figures
FEW_YEARS = 2  # this many years of figures or fewer is "few"
LAYER_MOVED = 0.15  # |probability - probability_trend| this large is said


def reasons(row: dict, *, threshold: float, unit, own_weight: float, years: int) -> tuple:
    """Why a scored target stands where it does, in words from the quantities used:

    1. reached: the figure of the base year is at the target already (`reason.already_reached`,
       alone: counts do not fall, so nothing else bears on it);
    2. else the pace needed a year (`required_per_year`) against the recent one: enough if
       recent ≥ needed (but slowing where the median projected pace falls short of the need);
       short by a factor (needed / recent) if recent > 0; stalled if not; without a recent
       pace, the need and the median projected pace;
    3. the forecast rests mostly on the provinces' pool (own weight < OWN_WEIGHT_LOW): few
       years of figures (≤ FEW_YEARS) or the weight itself;
    4. the kept layer moved the probability by LAYER_MOVED or more from the trend: up or down;
    5. none of these: the projected median and its 80% range (a reason is never empty).
    """
    out = []
    base, required, recent = row["baseline_value"], row["required_per_year"], row["recent_per_year"]
    median, year = row["projected_median"], row["target_year"]
    if not math.isnan(base) and base >= threshold - EPS and row["target_kind"] != "increment":
        return (msg("reason.already_reached", base=base, year=row["baseline_year"]),)
    if not math.isnan(required) and required > EPS:
        projected = median
        if row["target_kind"] != "increment":
            projected = (median - base) / (year - row["baseline_year"])
        pace = {"required": round(required, 1), "unit": unit}
        if math.isnan(recent):
            out.append(msg("reason.pace_needed", **pace, projected=round(projected, 1)))
        elif recent >= required - EPS and projected < required - EPS:
            slower = round(projected, 1)
            out.append(
                msg("reason.pace_slowing", **pace, recent=round(recent, 1), projected=slower)
            )
        elif recent >= required - EPS:
            out.append(msg("reason.pace_enough", **pace, recent=round(recent, 1)))
        elif recent > EPS:
            times = round(required / recent, 1)
            out.append(msg("reason.pace_short", **pace, recent=round(recent, 1), times=times))
        else:
            out.append(msg("reason.pace_stalled", **pace))
    if own_weight < OWN_WEIGHT_LOW:
        if years <= FEW_YEARS:
            out.append(msg("reason.few_years", n=years))
        else:
            out.append(msg("reason.pooled", weight=round(100 * own_weight)))
    moved = row["probability"] - row["probability_trend"]
    if abs(moved) >= LAYER_MOVED:
        trend = round(100 * row["probability_trend"], 1)
        out.append(msg("reason.layer_up" if moved > 0 else "reason.layer_down", trend=trend))
    if not out:
        out.append(
            msg(
                "reason.projected",
                median=round(median, 1),
                low=round(row["projected_p10"], 1),
                high=round(row["projected_p90"], 1),
                year=year,
            )
        )
    return tuple(out)


def _model_note(pf) -> str:
    if pf.model == "additions_only":
        return msg("fc.additions_only", year=int(pf.years[0]))
    return pf.note


def findings_by_target(loc: Locality) -> dict:
    """The warnings of `check`, keyed by (metric, year), to show next to the targets."""
    out: dict = {}
    for f in check_locality(loc):
        if f.field.startswith("targets") or "_share" in (f.metric or "") or f.year is None:
            key = ((f.metric or "").removesuffix("_share"), f.year)
            out.setdefault(key, []).append(f.message)
    return out


def assess_targets(
    fc: LocalityForecast, *, thresholds: Thresholds = Thresholds(), layer: ProbabilityLayer = TREND
) -> pd.DataFrame:
    """The target table of one locality (TARGET_CODE_COLUMNS): one row per target (a target
    stated several ways once, see the module's docstring), in the order of its params file;
    `probability` from `layer` (the trend alone by default), `probability_trend` beside it."""
    return target_table(fc, thresholds=thresholds, layer=layer)[0]


def target_table(
    fc: LocalityForecast, *, thresholds: Thresholds = Thresholds(), layer: ProbabilityLayer = TREND
) -> tuple[pd.DataFrame, list[int]]:
    """The target table of :func:`assess_targets` and, for each of its rows, the index of its
    target in ``fc.locality.targets``."""
    loc = fc.locality
    notes = findings_by_target(loc)
    rows = [
        assess_target(fc, t, thresholds=thresholds, notes=notes, layer=layer) for t in loc.targets
    ]
    kept = []
    for i, folded in one_row_per_target(loc.targets, rows):
        if folded:
            merged = merged_note(loc, [loc.targets[j] for j in folded])
            rows[i]["notes"] = (merged, *rows[i]["notes"])
        kept.append(i)
    frame = pd.DataFrame([rows[i] for i in kept], columns=TARGET_CODE_COLUMNS)
    return _tidy(frame), kept


FORMS = ("level", "share", "increment")  # the form kept first
UNANSWERED = ("insufficient", "past")  # no probability and no outcome


def one_row_per_target(targets, rows: list[dict]) -> list[tuple[int, list[int]]]:
    """(row kept, rows folded into it) in params order: the forms of one target are the
    targets of one metric, year and source (and setter) in more than one of FORMS."""
    groups: dict[tuple, list[int]] = {}
    for i, t in enumerate(targets):
        if t.kind in FORMS:
            groups.setdefault((t.metric, t.year, t.source, t.from_national), []).append(i)
    folded_into: dict[int, list[int]] = {}
    for members in groups.values():
        if len({targets[i].kind for i in members}) < 2:
            continue
        keep = min(
            members,
            key=lambda i: (rows[i]["status"] in UNANSWERED, FORMS.index(targets[i].kind), i),
        )
        folded_into[keep] = [i for i in members if targets[i].kind != targets[keep].kind]
    gone = {i for folded in folded_into.values() for i in folded}
    return [(i, folded_into.get(i, [])) for i in range(len(targets)) if i not in gone]


def merged_note(loc: Locality, folded: list[Target]) -> Message:
    """'một mục tiêu nêu theo 3 cách, cũng nêu là: thêm 3 xã; 76,47% số xã'."""
    forms = _in_words(loc, folded[-1])
    for t in reversed(folded[:-1]):
        forms = msg("targets.forms", first=_in_words(loc, t), rest=forms)
    return msg("targets.merged", n=len(folded) + 1, forms=forms)


def _in_words(loc: Locality, t: Target) -> Message:
    """A target as the planner tables say it ('thêm 3 xã', '39/51 xã', '76,47% số xã')."""
    value = t.low if t.high is None else msg("target.range", low=t.low, high=t.high)
    if t.kind == "share":
        return msg("target.share", value=value)
    unit_key = f"unit.{loc.info(t.metric).unit}"
    unit = msg(unit_key) if has(unit_key) else ""
    if t.kind == "increment":
        return msg("target.increment", value=value, unit=unit)
    total = None
    if t.metric in metrics.COMMUNE_STANDARDS:
        total = _commune_total(loc, t)[0]
    if total is not None:
        return msg("target.level_of", value=value, total=total, unit=unit)
    return msg("target.level", value=value, unit=unit)


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    floats = frame.select_dtypes("float").columns
    frame[floats] = frame[floats].astype(float).round(4)
    for c in ("baseline_year", "earliest_year_p50", "earliest_year_p80"):
        frame[c] = frame[c].astype("Int64")
    return frame
