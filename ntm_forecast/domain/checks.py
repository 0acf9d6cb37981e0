"""Warnings: things real reports get wrong that do not stop a run.

Each finding names the field it is about and says what disagrees with what, so that the
overview, the target table and the notebook can all show it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ntm_forecast.domain import metrics
from ntm_forecast.domain.history import FULL_SHARE, counts_communes, past_merger
from ntm_forecast.domain.schema import Locality, Observation, Target
from ntm_forecast.i18n.messages import msg, render

SHARE_TOLERANCE = 0.1  # percentage points


@dataclass(frozen=True)
class Finding:
    """``message`` is a `Message` (code + values; its str is the English line) or plain text."""

    slug: str
    field: str
    message: str
    metric: str | None = None
    year: int | None = None

    @property
    def code(self) -> str | None:
        return getattr(self.message, "code", None)

    @property
    def values(self) -> dict:
        return dict(getattr(self.message, "values", {}))

    def render(self, lang: str) -> str:
        """The warning in the reader's language (from the catalogue, by its code)."""
        return render(self.message, lang)

    def line(self, path: Path | str | None = None) -> str:
        return f"{path or self.slug}: {self.field}: {self.message}"


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
            msg(
                "warn.after_origin",
                metric=o.metric,
                value=o.value,
                year=o.year,
                origin=loc.origin_year,
            ),
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
    after = past_merger(loc)
    for i, o in enumerate(loc.observations):
        if after and (
            metrics.ended_2025(o.metric) or (counts_communes(o.metric) and not o.after_merger)
        ):
            continue  # not what a forecast from 2025 starts from (its row says why)
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
            msg(
                "warn.stale",
                metric=metric,
                year=year,
                years=loc.origin_year - year,
                origin=loc.origin_year,
            ),
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
        parent = parent_finding(loc, localities, path)
        if parent is not None:
            lines.append(parent.line(path))
    return lines


def parent_finding(
    loc: Locality, localities: Mapping[str, Locality], path: Path | None = None
) -> Finding | None:
    """The parent named by ``loc`` has no params file (so nothing to borrow from)."""
    if not loc.parent or loc.parent in localities:
        return None
    sibling = path.with_name(f"{loc.parent}.yaml") if path else None
    if sibling is not None and sibling.exists():
        return None
    return Finding(loc.slug, "parent", msg("warn.parent_missing", parent=loc.parent))


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
                        msg(
                            "warn.falling",
                            metric=metric,
                            a=a.value,
                            when_a=_when(a),
                            b=b.value,
                            when_b=_when(b),
                        ),
                        metric,
                        b.year,
                    )
                )
    return out


def conflicting_values(loc: Locality) -> list[Finding]:
    """Figures of one metric, year, status and kind stated with different values at the same
    time: one warning per set of figures that conflict, naming the first pair and how many
    values there are. Different months of one year are progress, not a conflict; a missing
    or bare-year date cannot be told apart from the others, so it ties its year together."""
    out = []
    groups: dict[tuple, list[tuple[int, Observation]]] = defaultdict(list)
    for i, o in enumerate(loc.observations):
        groups[(o.metric, o.year, o.status, o.kind)].append((i, o))
    for (metric, year, status, _), items in groups.items():
        vague = {None, str(year)}
        if any(o.as_of in vague for _, o in items):
            sets = [items]
        else:
            by_date: dict[str, list[tuple[int, Observation]]] = defaultdict(list)
            for i, o in items:
                by_date[o.as_of].append((i, o))
            sets = list(by_date.values())
        for entries in sets:
            n = len({o.value for _, o in entries})
            if n < 2:
                continue
            a, j, b = _first_conflict(entries, vague)
            values = dict(
                status=status,
                metric=metric,
                year=year,
                a=a.value,
                when_a=_when(a),
                source_a=_short(a.source),
                b=b.value,
                when_b=_when(b),
                source_b=_short(b.source),
            )
            message = (
                msg("warn.conflict", **values) if n == 2 else msg("warn.conflicts", n=n, **values)
            )
            out.append(Finding(loc.slug, f"observations[{j}]", message, metric, year))
    return out


_Firsts = dict[float, tuple[int, Observation]]  # a value → where it was first stated


def _first_conflict(
    entries: list[tuple[int, Observation]], vague: set
) -> tuple[Observation, int, Observation]:
    """(a, j, b): the first figure ``b`` (at ``observations[j]``) stated at the time of an
    earlier one with another value, and the first such earlier ``a``. One pass: each date
    keeps the first figure of each of its values."""
    first_at: dict[str | None, _Firsts] = defaultdict(dict)
    first_vague: _Firsts = {}
    first_any: _Firsts = {}
    for j, b in entries:
        earlier = [first_any] if b.as_of in vague else [first_vague, first_at[b.as_of]]
        if any(len(f) > 1 or (f and b.value not in f) for f in earlier):
            others = [x for f in earlier for v, x in f.items() if v != b.value]
            return min(others, key=lambda x: x[0])[1], j, b
        for firsts in (first_any, first_vague if b.as_of in vague else first_at[b.as_of]):
            firsts.setdefault(b.value, (j, b))
    raise AssertionError("entries without two values at one time")


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
                                msg(
                                    "warn.total_not_base",
                                    metric=metric,
                                    year=year,
                                    total=lv,
                                    base=base.value,
                                    when=_when(base),
                                    inc=iv,
                                    sum=base.value + iv,
                                ),
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
                        msg(
                            "warn.share_obs",
                            metric=o.metric,
                            value=o.value,
                            year=o.year,
                            count=matches[0].value,
                            total=total,
                            pct=round(pct, 2),
                            implied=round(matches[0].value * 100 / o.value),
                        ),
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
                        msg(
                            "warn.share_target",
                            metric=t.metric,
                            value=t.low,
                            year=t.year,
                            count=lvl.low,
                            total=total,
                            pct=round(pct, 2),
                        ),
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
            msg("warn.review_needed", n=len(marked)),
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
