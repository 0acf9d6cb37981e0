"""From observations to the series the models learn from.

Rules, in one place:
- `plan` figures are never data; `estimate` figures are used and flagged.
- Every figure is placed in time: the end of the month it was stated (``as_of``), or the
  end of its year when it was stated later (recognitions "for 2021" decided in 2022).
  A figure with no month sits mid-year. So a "đến tháng 6/2022" count is a point at
  2022.5, a floor on the year-end count, never a year-end value.
- A figure is *known* from its publication: the end of its `as_of` month (its day when
  given), or the end of its `year` when it has no date. A cut at `until` keeps only what was
  known by then: a year-end 2020 count derived from a December 2021 report is not known at
  the end of 2020, even though it describes that year.
- Reports disagree: of the level points of one metric we keep the longest non-decreasing
  run (ties go to the later, better-dated figures); the dropped ones are listed.
- The communes merged on 1 July 2025 start new series: a commune figure counts either the
  old communes or the new ones (`after_merger`), and a series holds one kind only. OCOP
  products were not merged away: their series runs on.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

import numpy as np

from ntm_forecast.domain import metrics
from ntm_forecast.domain.schema import Locality
from ntm_forecast.i18n.messages import msg


@dataclass(frozen=True)
class Point:
    t: float  # fractional years: the end of year Y is Y + 1.0
    value: float
    year: int
    status: str
    source: str

    @property
    def year_end(self) -> bool:
        return abs(self.t - (self.year + 1.0)) < 1e-9


def known_at(o) -> float:
    """When a figure became known (fractional years): its publication, never before the
    time it describes. `o.t` caps a late report at the end of its year; this does not."""
    if not o.as_of:
        return o.year + 1.0
    y, m, d = o.as_of_key
    if o.as_of.count("-") == 2:
        pub = y + (m - 1 + min(d, 30) / 30.0) / 12.0
    else:
        pub = y + m / 12.0  # a bare year (as_of_key month 12) is known at its end
    return max(pub, o.t)


def _longest_non_decreasing(
    points: list[Point], cumulative: bool
) -> tuple[list[Point], list[Point]]:
    """Keep the longest run that never falls; among equals, the one with most year-end figures."""
    if not cumulative or len(points) < 2:
        return points, []
    n = len(points)
    best = [(1, int(p.year_end)) for p in points]
    prev = [-1] * n
    for i in range(n):
        for j in range(i):
            if points[j].value <= points[i].value and points[j].t < points[i].t:
                cand = (best[j][0] + 1, best[j][1] + int(points[i].year_end))
                if cand >= best[i]:
                    best[i], prev[i] = cand, j
    end = max(range(n), key=lambda i: (best[i], points[i].t))
    keep_idx = []
    while end != -1:
        keep_idx.append(end)
        end = prev[end]
    keep = set(keep_idx)
    return [points[i] for i in sorted(keep)], [p for i, p in enumerate(points) if i not in keep]


@dataclass(frozen=True)
class Series:
    """The usable level points of one metric of one locality, oldest first."""

    metric: str
    points: tuple[Point, ...]
    dropped: tuple[Point, ...] = ()
    increments: tuple[tuple[int, float, bool], ...] = ()  # (year, added, full_year)
    uses_estimates: bool = False
    unpinned: tuple[str, ...] = ()  # 100% shares that no known total turns into a level

    @property
    def times(self) -> np.ndarray:
        return np.array([p.t for p in self.points])

    @property
    def values(self) -> np.ndarray:
        return np.array([p.value for p in self.points])

    def __len__(self) -> int:
        return len(self.points)

    def at(self, t: float) -> float | None:
        """The level at time t: the last point at or before t (levels are step functions)."""
        ts = [p.t for p in self.points]
        i = bisect_right(ts, t + 1e-9) - 1
        if i < 0:
            return None
        return self.points[i].value

    def interpolate(self, t: float) -> float | None:
        if not self.points:
            return None
        return float(np.interp(t, self.times, self.values))

    def year_end_levels(self) -> dict[int, float]:
        """Year-end levels where a figure is dated December or later."""
        out: dict[int, float] = {}
        for p in self.points:
            if p.year_end:
                out[p.year] = p.value
        return out

    def yearly_levels(self) -> dict[int, float]:
        """One level per year: the year-end figure, else the latest figure of that year."""
        out: dict[int, float] = {}
        for p in self.points:
            out[int(np.ceil(p.t) - 1)] = p.value
        return out


def past_merger(loc: Locality) -> bool:
    """Whether `loc` is forecast on the communes of 1 July 2025: its origin is after them."""
    return loc.origin_year + 1.0 > metrics.MERGER_T


def on_merged_communes(year: int) -> bool:
    """Whether a figure or target of `year`'s end is of the merged communes. The targets of
    2025 closed the 2021–2025 period on the old communes, whose last figures are mid-2025."""
    return year + 0.5 > metrics.MERGER_T


def period_end(metric: str, year: int) -> float:
    """When `year` ends for `metric`: its year-end, or for the old communes in 2025 the day
    they were merged (1 July 2025), after which no figure of them can come."""
    if counts_communes(metric) and not on_merged_communes(year) and year + 1.0 > metrics.MERGER_T:
        return metrics.MERGER_T
    return year + 1.0


def counts_communes(metric: str) -> bool:
    """A count (or share) of communes: a metric the 1 July 2025 merger cut in two."""
    return metric == "communes_total" or metric.removesuffix("_share") in metrics.COMMUNE_STANDARDS


def build_series(
    loc: Locality, metric: str, *, until: float | None = None, after_merger: bool = False
) -> Series:
    """Collect the level points (and yearly increments) of `metric`, optionally cut at `until`;
    a commune count of the old communes, or with `after_merger` of the merged ones."""
    info = loc.info(metric)
    pts, incs, estimates = [], [], False
    by_communes = counts_communes(metric)
    for o in loc.observations:
        if o.metric != metric or o.status == "plan":
            continue
        if by_communes and o.after_merger != after_merger:
            continue
        t = o.t
        if until is not None and known_at(o) > until + 1e-9:
            continue
        if o.kind == "increment":
            incs.append((o.year, o.value, not o.is_mid_year))
            continue
        estimates |= o.status == "estimate"
        pts.append(Point(t, o.value, o.year, o.status, o.source))
    unpinned: list[str] = []
    if metric in metrics.COMMUNE_STANDARDS:
        pins, unpinned = _full_shares(loc, metric, until, after_merger)
        pts.extend(pins)
    # Same time, several figures: an actual beats an estimate, then the larger (a floor) wins.
    pts.sort(key=lambda p: (p.t, p.status == "actual", p.value))
    dedup: dict[float, Point] = {}
    for p in pts:
        dedup[round(p.t, 6)] = p
    ordered = sorted(dedup.values(), key=lambda p: p.t)
    kept, dropped = _longest_non_decreasing(ordered, info.cumulative)
    dropped = [*dropped, *(p for p in pts if p not in ordered)]
    return Series(
        metric,
        tuple(kept),
        tuple(dropped),
        tuple(sorted(incs)),
        estimates and any(p.status == "estimate" for p in kept),
        tuple(unpinned),
    )


FULL_SHARE = 99.95  # percent: "100% of communes" once rounding is allowed for


def _full_shares(loc: Locality, metric: str, until: float | None, after_merger: bool):
    """A stated 100% of communes at a standard is a level: the commune total of its date,
    whatever that total is. Where no total is known, the share is returned as a reason
    not to forecast from an older level. On the merged communes, whose series are a figure
    or two, any stated share of a known total is a level too (rounded to a commune)."""
    pins, unknown = [], []
    for o in loc.observations:
        if (
            o.metric != f"{metric}_share"
            or o.kind != "level"
            or o.status == "plan"
            or (o.value < FULL_SHARE and not after_merger)
            or o.after_merger != after_merger
            or o.share_of == "communes_ntm"
            or (until is not None and known_at(o) > until + 1e-9)
        ):
            continue
        # The total of the share's date, as far as it is known at the cut (it may have been
        # published after the share itself).
        total = build_totals(loc, until=until, after_merger=after_merger).at(o.t)
        if total is not None:
            count = float(total) if o.value >= FULL_SHARE else float(round(total * o.value / 100))
            pins.append(Point(o.t, count, o.year, o.status, o.source))
        elif o.value >= FULL_SHARE:
            unknown.append(msg("fc.unpinned", metric=o.metric, value=o.value, year=o.year))
    return pins, unknown


@dataclass(frozen=True)
class Totals:
    """communes_total over time; the latest known figure holds afterwards."""

    series: Series
    derived_from_share: bool = False
    notes: tuple[str, ...] = field(default=())

    def at(self, t: float) -> float | None:
        if not self.series.points:
            return None
        v = self.series.at(t)
        return v if v is not None else self.series.points[0].value

    @property
    def last(self) -> float | None:
        return self.series.points[-1].value if self.series.points else None


def build_totals(
    loc: Locality, *, until: float | None = None, after_merger: bool = False
) -> Totals:
    s = build_series(loc, "communes_total", until=until, after_merger=after_merger)
    if s.points:
        return Totals(s)
    # No stated total: a stated share of NTM communes implies one (said in the notes),
    # from the figures known at the cut like every other.
    known = [
        o
        for o in loc.observations
        if (until is None or known_at(o) <= until + 1e-9) and o.after_merger == after_merger
    ]
    for o in sorted(known, key=lambda o: o.as_of_key, reverse=True):
        if o.metric == "communes_ntm_share" and o.status != "plan" and o.value > 0:
            same = [
                c
                for c in known
                if c.metric == "communes_ntm"
                and c.year == o.year
                and c.as_of == o.as_of
                and c.kind == "level"
            ]
            if same:
                total = round(same[0].value * 100.0 / o.value)
                p = Point(o.t, float(total), o.year, o.status, o.source)
                note = msg(
                    "fc.total_derived",
                    total=total,
                    count=same[0].value,
                    pct=o.value,
                    when=o.as_of or str(o.year),
                )
                return Totals(Series("communes_total", (p,)), True, (note,))
    return Totals(s)


def newest_figure(loc: Locality) -> tuple[int, int | None] | None:
    """When the newest figure of `loc` dates from: (year, month), or (year, None) when the
    newest is a year with no month (an undated figure of a later year than any dated one)."""
    dated = [
        o.as_of_key[:2]
        for o in loc.observations
        if o.status != "plan" and o.as_of and "-" in o.as_of
    ]
    years = [o.year for o in loc.observations if o.status != "plan"]
    if not years:
        return None
    best = max(dated, default=None)
    if best is None or max(years) > best[0]:
        return max(years), None
    return best


def newest_of(localities) -> tuple[int, int | None] | None:
    """The newest of the localities' newest figures (a month beats its bare year)."""
    found = [n for n in (newest_figure(loc) for loc in localities) if n is not None]
    return max(found, key=lambda n: (n[0], n[1] or 0), default=None)
