"""Localities made of others: the 34 provincial units of 1 July 2025.

A unit lists its former provinces in ``members``. Its history is the sum of its
members' figures for the years where every member has one (a year where one is missing
is a gap, never a partial sum); its own figures and targets are kept as they are. A
unit is forecast with the pool but is never a data point in it: its communes are
already there through its members.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

from ntm_forecast.domain.history import build_series
from ntm_forecast.domain.paths import PathForecast
from ntm_forecast.domain.schema import Locality
from ntm_forecast.errors import Problem
from ntm_forecast.i18n.numbers import plain

SUMMED = (
    "communes_total",
    "communes_ntm",
    "communes_advanced",
    "communes_model",
    "ocop_total",
    "ocop_3star",
    "ocop_4star",
    "ocop_5star",
    "districts_ntm",
)
SUM_NOTE = "DERIVED: the sum of the members' figures for the year"
MEMBERS_SOURCE = "members: "  # the source of a summed figure, before the members' slugs


def member_problems(
    localities: Mapping[str, Locality], paths: Mapping[str, Path]
) -> dict[str, list[Problem]]:
    """Per unit: members that do not exist, cycles, and localities claimed by two units."""
    out: dict[str, list[Problem]] = {}
    owner: dict[str, str] = {}

    def add(slug: str, field: str | tuple, expected: str, found: str) -> None:
        out.setdefault(slug, []).append(Problem(paths.get(slug, slug), field, expected, found))

    for slug, loc in localities.items():
        for i, m in enumerate(loc.members):
            if m not in localities:
                add(slug, ("members", i), "the slug of a params file", f"'{m}'")
            elif m == slug:
                add(slug, ("members", i), "another locality", "itself")
            elif m in owner and owner[m] != slug:
                other = paths.get(owner[m], owner[m])
                add(slug, ("members", i), "a locality in one unit only", f"'{m}', also in {other}")
            else:
                owner.setdefault(m, slug)
    for slug in localities:
        cycle = _cycle(slug, localities)
        if cycle and cycle[0] == min(cycle[:-1]):  # report each cycle once
            add(slug, "members", "no cycle of units", " → ".join(cycle))
            for other in cycle[1:-1]:
                out.setdefault(other, [])  # every unit of a cycle is out, reported once
    # A unit made of a broken unit cannot be summed either.
    changed = True
    while changed:
        changed = False
        for slug, loc in localities.items():
            if slug not in out and any(m in out for m in loc.members):
                out[slug] = []
                changed = True
    return out


def _cycle(start: str, localities: Mapping[str, Locality]) -> list[str] | None:
    stack = [(start, [start])]
    while stack:
        slug, trail = stack.pop()
        for m in getattr(localities.get(slug), "members", ()):
            if m == start:
                return [*trail, m]
            if m not in trail and m in localities:
                stack.append((m, [*trail, m]))
    return None


def combine_all(localities: Mapping[str, Locality]) -> dict[str, Locality]:
    """Every unit with its members' summed history added (members first, so that a unit
    of units sums already-combined figures)."""
    done: dict[str, Locality] = {}

    def resolve(slug: str) -> Locality:
        if slug not in done:
            loc = localities[slug]
            done[slug] = combine(loc, [resolve(m) for m in loc.members]) if loc.members else loc
        return done[slug]

    for slug in localities:
        resolve(slug)
    return {slug: done[slug] for slug in localities}


def combine(unit: Locality, members: list[Locality], series: Callable = build_series) -> Locality:
    """``unit`` with one summed observation per metric and year where every member has a
    figure; a figure the unit already states for that year is kept and not summed over."""
    # The unit's own figures of the old communes; those of its merged communes are another
    # series and never stand in for the members' sum.
    own = {
        (o.metric, o.year) for o in unit.observations if o.kind == "level" and not o.after_merger
    }
    added = []
    for metric in SUMMED:
        by_member = [series(m, metric) for m in members]
        yearly = [s.yearly_levels() for s in by_member]
        if not all(yearly):
            continue
        statuses = [{p.year: p.status for p in s.points} for s in by_member]
        for year in sorted(set.intersection(*(set(y) for y in yearly))):
            if (metric, year) in own:
                continue
            parts = [y[year] for y in yearly]
            estimate = any(st.get(year) == "estimate" for st in statuses)
            quote = (
                " + ".join(f"{m.name} {plain(v)}" for m, v in zip(members, parts, strict=True))
                + f" = {plain(sum(parts))}"
            )
            added.append(
                {
                    "metric": metric,
                    "year": year,
                    "value": float(sum(parts)),
                    "status": "estimate" if estimate else "actual",
                    # known only once the last of its parts was published
                    "as_of": max(
                        (_as_of(m, metric, year, v) for m, v in zip(members, parts, strict=True)),
                        key=_as_of_key,
                    ),
                    "kind": "level",
                    "source": MEMBERS_SOURCE + ", ".join(m.slug for m in members),
                    "quote": quote,
                    "note": SUM_NOTE,
                }
            )
    if not added:
        return unit
    data = unit.model_dump()
    data["observations"] = [*data["observations"], *added]
    return Locality.model_validate(data, strict=False)


def _as_of(member: Locality, metric: str, year: int, value: float) -> str:
    """The date of the member's figure that gave ``value`` for ``year`` (the latest such)."""
    dates = [
        o.as_of or str(year)
        for o in member.observations
        if o.metric == metric and o.year == year and o.kind == "level" and o.value == value
    ]
    return max(dates, key=_as_of_key, default=str(year))


def _as_of_key(text: str) -> tuple[int, int, int]:
    parts = [int(x) for x in text.split("-")]
    return (parts[0], parts[1] if len(parts) > 1 else 12, parts[2] if len(parts) > 2 else 31)


SUM_MODEL = "sum_of_members"


def summed_paths(
    unit: Locality, member_paths: list[dict], own: dict, *, only_missing: bool = False
) -> dict:
    """Bottom-up paths of a unit: for each metric every member forecasts, and that the unit
    does not report itself, the sum of the members' paths year by year (the same path index
    of each member, all simulated from their own histories). ``own`` is what the unit's
    summed history gave; it stays where a member has no forecast. With ``only_missing`` (a
    unit after 1 July 2025) only what ``own`` lacks is summed, whatever the unit reports."""
    stated = {o.metric for o in unit.observations if not is_summed(o.note)}
    skip = set(own) if only_missing else stated
    out = dict(own)
    for metric in SUMMED:
        parts = [paths.get(metric) for paths in member_paths]
        if metric in skip or not parts or any(p is None for p in parts):
            continue
        start = max(int(p.years[0]) for p in parts)
        end = min(int(p.years[-1]) for p in parts)
        if end <= start:
            continue
        years = np.arange(start, end + 1)
        values = sum(np.stack([p.at(int(y)) for y in years], axis=1) for p in parts)
        weight = float(np.mean([p.own_weight for p in parts]))
        names = ", ".join(unit.members)
        out[metric] = PathForecast(
            metric,
            SUM_MODEL,
            years.astype(float),
            values,
            weight,
            f"sum of the members' paths ({names})",
        )
    return out


def is_summed(note: str | None) -> bool:
    return bool(note) and note.startswith(SUM_NOTE)
