"""Warnings: things real reports get wrong that do not stop a run.

Each finding names the field it is about and says what disagrees with what, so that the
overview, the target table and the notebook can all show it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ntm_forecast import metrics
from ntm_forecast.history import FULL_SHARE
from ntm_forecast.schema import Locality, Observation, Target

SHARE_TOLERANCE = 0.1  # percentage points


@dataclass(frozen=True)
class Finding:
    slug: str
    field: str
    message: str
    metric: str | None = None
    year: int | None = None

    def line(self, path: Path | str | None = None) -> str:
        return f"{path or self.slug}: {self.field}: {self.message}"


def _n(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _when(o: Observation) -> str:
    return o.as_of or str(o.year)


def check_locality(loc: Locality) -> list[Finding]:
    return [
        *falling_actuals(loc),
        *conflicting_values(loc),
        *totals_not_adding_up(loc),
        *shares_not_matching(loc),
        *after_origin(loc),
        *stale_metrics(loc),
        *awaiting_review(loc),
    ]


STALE_YEARS = 2  # a latest figure this many years before origin_year is stale


def after_origin(loc: Locality) -> list[Finding]:
    """Figures dated after the origin year: not what the forecast starts from."""
    return [
        Finding(
            loc.slug,
            f"observations[{i}]",
            f"{o.metric} {_n(o.value)} is for {o.year}, after origin_year {loc.origin_year}",
            o.metric,
            o.year,
        )
        for i, o in enumerate(loc.observations)
        if o.year > loc.origin_year and o.status != "plan"
    ]


def stale_metrics(loc: Locality) -> list[Finding]:
    """A metric whose latest figure is old: its forecast starts years before the origin.
    Keyed by year None, so every target of the metric carries it."""
    latest: dict[str, tuple[int, int]] = {}  # metric → (year, index)
    for i, o in enumerate(loc.observations):
        metric = o.metric
        base = metric.removesuffix("_share")
        if base in metrics.COMMUNE_STANDARDS and metric != base and o.value >= FULL_SHARE:
            metric = base  # 100% of communes is a level (history pins it to the total)
        forecast = metric != "communes_total" and not metric.endswith("_share")
        if o.status != "plan" and forecast and o.year >= latest.get(metric, (o.year, i))[0]:
            latest[metric] = (o.year, i)
    return [
        Finding(
            loc.slug,
            f"observations[{i}]",
            f"the latest figure of {metric} is for {year}, {loc.origin_year - year} years "
            f"before origin_year {loc.origin_year}; its forecast starts from that old figure",
            metric,
            None,
        )
        for metric, (year, i) in latest.items()
        if loc.origin_year - year >= STALE_YEARS
    ]


def check_all(localities: Mapping[str, Locality], paths: Mapping[str, Path]) -> list[str]:
    lines = []
    for slug, loc in localities.items():
        path = paths.get(slug)
        for f in check_locality(loc):
            lines.append(f.line(path))
        if loc.parent and loc.parent not in localities:
            sibling = path.with_name(f"{loc.parent}.yaml") if path else None
            if sibling is None or not sibling.exists():
                lines.append(
                    Finding(
                        slug,
                        "parent",
                        f"the parent '{loc.parent}' has no params file; "
                        "forecasts borrow from the national series instead",
                    ).line(path)
                )
    return lines


def _indexed(loc: Locality, kind: str = "level"):
    return [(i, o) for i, o in enumerate(loc.observations) if o.kind == kind]


def falling_actuals(loc: Locality) -> list[Finding]:
    """A running total that goes down between two actual reports."""
    out = []
    series: dict[str, list[tuple[int, Observation]]] = defaultdict(list)
    for i, o in _indexed(loc):
        if o.status == "actual" and o.info.cumulative:
            series[o.metric].append((i, o))
    for metric, items in series.items():
        items.sort(key=lambda t: t[1].t)
        for (_, a), (j, b) in zip(items, items[1:]):
            if b.value < a.value and b.t > a.t:
                out.append(
                    Finding(
                        loc.slug,
                        f"observations[{j}]",
                        f"{metric} falls from {_n(a.value)} ({_when(a)}) to {_n(b.value)} "
                        f"({_when(b)}); a cumulative count should not fall (merged communes, "
                        "or a conflict of sources)",
                        metric,
                        b.year,
                    )
                )
    return out


def _same_time(a: Observation, b: Observation) -> bool:
    # Different months of one year are progress, not a conflict; a missing or bare-year
    # date cannot be told apart from the others.
    vague = {None, str(a.year)}
    return a.as_of == b.as_of or a.as_of in vague or b.as_of in vague


def conflicting_values(loc: Locality) -> list[Finding]:
    out = []
    groups: dict[tuple, list[tuple[int, Observation]]] = defaultdict(list)
    for i, o in enumerate(loc.observations):
        groups[(o.metric, o.year, o.status, o.kind)].append((i, o))
    for (metric, year, status, _), items in groups.items():
        for n, (_, a) in enumerate(items):
            for j, b in items[n + 1 :]:
                if a.value != b.value and _same_time(a, b):
                    out.append(
                        Finding(
                            loc.slug,
                            f"observations[{j}]",
                            f"two {status} values for {metric} in {year}: {_n(a.value)} "
                            f"({_when(a)}, {_short(a.source)}) and {_n(b.value)} "
                            f"({_when(b)}, {_short(b.source)})",
                            metric,
                            year,
                        )
                    )
    return out


def _short(source: str) -> str:
    if source.startswith("http"):
        return source.split("/")[2]
    return source


def base_level(loc: Locality, metric: str, year: int) -> Observation | None:
    """The latest reported level of `metric` at the end of `year` or before."""
    cands = [
        o
        for o in loc.observations
        if o.metric == metric and o.kind == "level" and o.year <= year and o.status != "plan"
    ]
    if not cands:
        return None
    return max(cands, key=lambda o: (o.t, o.as_of_key, o.status == "actual"))


def totals_not_adding_up(loc: Locality) -> list[Finding]:
    """A stated total that the stated base plus the stated increment does not reach.

    Targets are compared with targets of the same year; observations with a whole year's
    increment of the same status. The base is the last figure at the end of the year before.
    """
    out = []
    for where, records in (("targets", loc.targets), ("observations", loc.observations)):
        levels: dict[tuple, list[tuple[int, object]]] = defaultdict(list)
        incs: dict[tuple, list[object]] = defaultdict(list)
        for i, r in enumerate(records):
            status = getattr(r, "status", "target")
            if status == "plan":
                continue
            if isinstance(r, Observation) and (
                r.is_mid_year or (not r.is_year_end and r.kind == "level")
            ):
                continue  # a partial year or an undated level says nothing about the year's sum
            key = (r.metric, r.year, status)
            if r.kind == "level":
                levels[key].append((i, r))
            elif r.kind == "increment":
                incs[key].append(r)
        for key, inc_items in incs.items():
            metric, year, _ = key
            base = base_level(loc, metric, year - 1)
            if base is None or not (base.is_year_end or base.as_of_key[:2] == (year - 1, 12)):
                continue  # a base stated in December stands for the year's end
            for i, lvl in levels.get(key, []):
                for inc in inc_items:
                    lv, iv = _value(lvl), _value(inc)
                    if abs(base.value + iv - lv) > 1e-9:
                        out.append(
                            Finding(
                                loc.slug,
                                f"{where}[{i}]",
                                f"{metric} {year}: the stated total {_n(lv)} is not the base "
                                f"{_n(base.value)} ({_when(base)}) plus the stated {_n(iv)} "
                                f"(= {_n(base.value + iv)})",
                                metric,
                                year,
                            )
                        )
    return out


def _value(r) -> float | None:
    if isinstance(r, Target):
        return r.low
    return r.value


def shares_not_matching(loc: Locality) -> list[Finding]:
    """A stated percentage of communes that count / communes_total does not give."""
    out = []
    exact = {
        (o.year, o.status, o.as_of): o.value
        for o in loc.observations
        if o.metric == "communes_total" and o.kind == "level"
    }
    totals = {
        (o.year, o.status): o.value
        for o in loc.observations
        if o.metric == "communes_total" and o.kind == "level"
    }
    any_total = {o.year: o.value for o in loc.observations if o.metric == "communes_total"}
    counts = defaultdict(list)
    for o in loc.observations:
        if o.kind == "level":
            counts[(o.metric, o.year, o.status, o.as_of)].append(o)
    for i, o in enumerate(loc.observations):
        if not o.metric.endswith("_share"):
            continue
        base = o.metric.removesuffix("_share")
        total = (
            exact.get((o.year, o.status, o.as_of))
            or totals.get((o.year, o.status))
            or any_total.get(o.year)
        )
        matches = counts.get((base, o.year, o.status, o.as_of), [])
        if total and matches:
            pct = 100.0 * matches[0].value / total
            if abs(pct - o.value) > _tolerance(o.value, o.quote):
                out.append(
                    Finding(
                        loc.slug,
                        f"observations[{i}]",
                        f"{o.metric} {_n(o.value)}% in {o.year} does not match "
                        f"{_n(matches[0].value)} / {_n(total)} communes = {pct:.2f}%; "
                        "the source used another number of communes "
                        f"(about {matches[0].value * 100 / o.value:.0f})",
                        o.metric,
                        o.year,
                    )
                )
    levels = {(t.metric, t.year): t for t in loc.targets if t.kind == "level"}
    for i, t in enumerate(loc.targets):
        if t.kind != "share" or t.metric not in metrics.COMMUNE_STANDARDS:
            continue
        lvl = levels.get((t.metric, t.year))
        total = any_total.get(t.year) or _latest_total(loc, t.year)
        if lvl is not None and total:
            pct = 100.0 * lvl.low / total
            if abs(pct - t.low) > SHARE_TOLERANCE:
                out.append(
                    Finding(
                        loc.slug,
                        f"targets[{i}]",
                        f"{t.metric} target {_n(t.low)}% in {t.year} does not match "
                        f"{_n(lvl.low)} / {_n(total)} communes = {pct:.2f}%",
                        t.metric,
                        t.year,
                    )
                )
    return out


def awaiting_review(loc: Locality) -> list[Finding]:
    """Drafted entries (`review: needed`) nobody has checked yet: one line per file."""
    marked = [r for r in (*loc.observations, *loc.targets) if r.review == "needed"]
    if not marked:
        return []
    return [
        Finding(
            loc.slug,
            "review",
            f"{len(marked)} drafted entries marked `review: needed`; check each against its "
            "quote and remove the mark",
        )
    ]


def _tolerance(value: float, quote: str) -> float:
    """0.1 point, or half the last digit a source rounded to ("82%" stands for 81.5–82.5)."""
    if float(value).is_integer() and f"{int(value)}%" in quote.replace(" %", "%"):
        return 0.5
    return SHARE_TOLERANCE


def _latest_total(loc: Locality, year: int) -> float | None:
    o = base_level(loc, "communes_total", year)
    return o.value if o else None
