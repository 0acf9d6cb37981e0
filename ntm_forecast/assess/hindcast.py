"""Past plans scored as events (README "The revised rule (issue 18)").

One event per locality, metric, year and amount: a target stated several times is one event
(its earliest statement is the plan; `stated` counts them); a share of all communes is keyed
by the count it means at its year's end, so "39/51 xã" and "76,47% số xã" are one event; a
range is its min and max and is met at its min. A plan stated inside its own target year is an
event of its own kind (`in_year`). Not events: "maintain" targets, the country's targets
standing in for a unit's own, targets recorded from a report of their own outcome
(`recorded_after`) and plans stated after their year (their rows say so and get no
probability).

Each event is assessed from what was published by its cut, the earlier of the plan's
publication and the end of the year before (`event_cut`): the locality and the pool
(`Context.from_localities(..., until=cut)`, the pooled units' members too) see only figures
known by then, by `history.known_at`, never by the year a figure describes.

Outcomes are `targets.settle`'s. An event counts only where hits and misses are equally
observable: a non-plan figure of the metric (or of its share) of the same communes, dated from
the end of the target year (`history.period_end`; for the old communes' 2025, their June 2025
figures) to half a year after it, the window in which `settle` reads a shortfall
(`observable`). A hit read
from a mid-year figure with nothing dated at the year's end is `unobservable`, as its miss
would be.

The candidates' probabilities (`calibration.CANDIDATES`) sit in the events table, each made
without the event's own province (or, for the base rate by kind, without its own and later
years); `calibration.candidate_scores` scores them with provinces resampled.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ntm_forecast.assess import calibration as cal
from ntm_forecast.assess.review import province_of
from ntm_forecast.assess.targets import (
    LAST_MONTH,
    Decided,
    assess_target,
    compared,
    settle,
    share_base,
    share_to_count,
)
from ntm_forecast.domain import metrics
from ntm_forecast.domain.history import (
    build_series,
    build_totals,
    counts_communes,
    known_at,
    newest_of,
    on_merged_communes,
    period_end,
)
from ntm_forecast.domain.schema import Locality, Target
from ntm_forecast.engine.forecast import Context, LocalityForecast, forecast_locality
from ntm_forecast.engine.models import SELECTION, Selection

EPS = 1e-9
SETTLE_WINDOW = 0.5  # years after the period's end in which `settle` reads a shortfall
MIN_IN_YEAR = 10  # in-year events (with a trend probability) for a calibration factor of their own
EVENT_COLUMNS = [
    "locality",
    "province",
    "metric",
    "target_year",
    "kind",  # level | increment | share | in_year (stated inside its own target year)
    "stated_kind",  # level | increment | share, as stated
    "target_value",
    "target_value_max",
    "share_of",
    "plan_as_of",
    "stated",
    "cut",
    "outcome",  # met | missed | unknown | unobservable | recorded_after | stated_after
    "met",  # 1 / 0 where the event counts, else empty
    "decided_value",
    "decided_as_of",
    "plan_error",  # log((1 + outcome) / (1 + plan)), in the units the plan was compared in
    *(column for _, column in cal.CANDIDATES),
    "status",
    "notes",
]
COUNTED = ("met", "missed")


@dataclass(frozen=True)
class Event:
    locality: Locality
    plan: Target  # the earliest statement
    stated: int
    kind: str


def published(plan: Target) -> float:
    """When a plan was published, by `history.known_at`'s reading of a date (the end of its
    month, its day, the end of a bare year), read as of the year it was stated in: a plan
    describes a later year, which must not date it. An undated plan: by its target year."""
    if not plan.as_of:
        return float(plan.year)
    return known_at(plan.model_copy(update={"year": plan.as_of_key[0]}))


def event_cut(plan: Target) -> float:
    """The earlier of the plan's publication and the end of the year before its target year."""
    return min(published(plan), float(plan.year))


def known_by(loc: Locality, until: float) -> Locality:
    """The locality as published by `until` (fractional years). Its origin is the year `until`
    falls in, minus one: a cut at 2018.5 forecasts from the end of 2017 as the paths' start,
    with what 2018 published so far read as floors of that year (the engine's convention:
    year Y runs from Y to Y + 1)."""
    obs = tuple(o for o in loc.observations if known_at(o) <= until + EPS)
    origin = math.ceil(until - EPS) - 1
    return loc.model_copy(update={"origin_year": origin, "observations": obs})


def _stated_in_year(t: Target) -> bool:
    return bool(t.as_of) and t.as_of_key[0] == t.year


def _amount_key(loc: Locality, t: Target) -> tuple:
    """The amount a target names, a share of all communes as the count it means at the end of
    its year (where the total is known), so that one plan stated as both is one event."""
    if t.kind == "share" and share_base(t.share_of) == "communes_total":
        epoch = {"after_merger": on_merged_communes(t.year)}
        total = build_totals(loc, **epoch).at(period_end(t.metric, t.year))
        if total is not None:
            high = None if t.high is None else round(t.high * total / 100.0)
            return ("count", round(t.low * total / 100.0), high)
    if t.kind == "level":
        return ("count", t.low, t.high)
    return (t.kind, t.low, t.high, share_base(t.share_of))


def plan_events(localities: Iterable[Locality], last_year: int) -> list[Event]:
    """Every plan of a target year up to `last_year`, one event per locality, metric, year
    and amount, in locality and file order."""
    out = []
    for loc in sorted(localities, key=lambda loc: loc.slug):
        stated: dict[tuple, list[Target]] = {}
        for t in loc.targets:
            if t.year > last_year or t.kind == "maintain" or t.from_national:
                continue
            stated.setdefault((t.metric, t.year, _amount_key(loc, t)), []).append(t)
        for statements in stated.values():
            plan = min(statements, key=lambda s: s.as_of_key)  # then file order
            kind = "in_year" if _stated_in_year(plan) else plan.kind
            out.append(Event(loc, plan, len(statements), kind))
    return out


def observable(loc: Locality, t: Target) -> bool:
    """Whether a figure dated from the end of the target's year to half a year after it
    exists for its metric (or the metric's share), of the communes the target counts."""
    end = period_end(t.metric, t.year)
    # A series that stops before the year's end (the old communes in 2025) closes with the
    # figures of its last month, as `settle` reads them.
    start = end - LAST_MONTH + 2 * EPS if end < t.year + 1.0 - EPS else end
    wanted = (t.metric, f"{t.metric}_share")
    merged = on_merged_communes(t.year)
    return any(
        o.metric in wanted
        and o.status != "plan"
        and (not counts_communes(o.metric) or o.after_merger == merged)
        and start - EPS <= o.t <= end + SETTLE_WINDOW + EPS
        for o in loc.observations
    )


def _outcome(event: Event) -> tuple[str, Decided]:
    t = event.plan
    if t.recorded_after:
        return "recorded_after", Decided(None)
    if t.as_of and t.as_of_key[0] > t.year:
        return "stated_after", Decided(None)
    decided = settle(event.locality, t)
    if decided.met is None:
        return "unknown", decided
    if not observable(event.locality, t):
        return "unobservable", decided
    return ("met" if decided.met else "missed"), decided


def _share_base_at(loc: Locality, t: Target) -> float | None:
    """The count a share target is of at the end of its year (all communes, or the NTM ones)."""
    epoch = {"after_merger": on_merged_communes(t.year)}
    end = period_end(t.metric, t.year)
    if share_base(t.share_of) == "communes_ntm":
        return build_series(loc, "communes_ntm", **epoch).at(end)
    return build_totals(loc, **epoch).at(end)


def _plan_error(loc: Locality, t: Target, decided: Decided) -> float:
    """The outcome against the plan in the units they were compared in (a share settled by a
    count is compared as the count the share meant)."""
    plan = t.low
    if t.kind == "share" and not (decided.metric or "").endswith("_share"):
        base = _share_base_at(loc, t)
        if base is None:
            return np.nan
        plan = t.low * base / 100.0
    return cal.plan_error(decided.value, plan)


def _path_amounts(fc: LocalityForecast, t: Target):
    """What `assess_target` compared on each path, and with what, for a target it gave a
    probability: (amounts, threshold, the plan in the amounts' units)."""
    loc = fc.locality
    pf = fc.paths[t.metric]
    s = build_series(loc, t.metric, after_merger=on_merged_communes(t.year))
    x = compared(pf, t, loc, s, pf.model == "additions_only")[0]
    # A share as `assess_target` reads it: of the total, or of each path's NTM communes.
    over = share_to_count(fc, t)[0] if t.kind == "share" else t.low
    return x, over, float(np.median(over))


def hindcast(
    localities: Iterable[Locality],
    *,
    n_paths: int = 4000,
    seed: int = 0,
    pool: Iterable[Locality] | None = None,
    selection: Selection = SELECTION,
) -> pd.DataFrame:
    """The events of every past plan (EVENT_COLUMNS), each counted one assessed from its cut
    with the pool fitted on what was published by then, with every candidate's probability."""
    locs = list(localities)
    pool = list(pool) if pool is not None else locs
    newest = newest_of(pool)
    last_year = newest[0] if newest else max((loc.origin_year for loc in locs), default=0)
    contexts: dict[float, Context] = {}
    rows, amounts = [], {}
    for event in plan_events(locs, last_year):
        t, loc = event.plan, event.locality
        outcome, decided = _outcome(event)
        cut = event_cut(t)
        row = dict.fromkeys(EVENT_COLUMNS, np.nan)
        row.update(
            locality=loc.slug,
            province=province_of(loc),
            metric=t.metric,
            target_year=t.year,
            kind=event.kind,
            stated_kind=t.kind,
            target_value=t.low,
            target_value_max=np.nan if t.high is None else t.high,
            share_of=share_base(t.share_of) if t.kind == "share" else None,
            plan_as_of=t.as_of,
            stated=event.stated,
            cut=round(cut, 6),
            outcome=outcome,
            decided_as_of=decided.as_of,
            status="",
            notes=(),
        )
        if outcome in COUNTED:
            ctx = contexts.get(cut)
            if ctx is None:
                ctx = contexts[cut] = event_context(pool, cut, selection)
            then = known_by(loc, cut)
            fc = forecast_locality(
                then,
                ctx,
                horizon=t.year - then.origin_year,
                n_paths=n_paths,
                seed=seed,
                metrics_only=metrics.with_bounding_standards(t.metric),
            )
            assessed = assess_target(fc, t)
            row.update(
                met=float(outcome == "met"),
                decided_value=decided.value,
                plan_error=_plan_error(loc, t, decided),
                p_trend=assessed["probability"],
                status=assessed["status"],
                notes=assessed["notes"],  # codes; words when rendered
            )
            if not np.isnan(row["p_trend"]):
                amounts[len(rows)] = _path_amounts(fc, t)
        rows.append(row)
    table = pd.DataFrame(rows, columns=EVENT_COLUMNS)
    return with_candidates(table, amounts)


def event_context(pool: list[Locality], cut: float, selection: Selection = SELECTION) -> Context:
    """The pool as published by `cut`: fitted with `until=cut`, and its localities (the
    members a unit's forecast sums) cut there too."""
    ctx = Context.from_localities(pool, until=cut, selection=selection)
    return replace(ctx, localities={s: known_by(loc, cut) for s, loc in ctx.localities.items()})


def calibration_kind(events: pd.DataFrame) -> pd.Series:
    """The factor of the calibration layer: in-year events a kind of their own where at least
    MIN_IN_YEAR of them have a trend probability, else the kind they were stated as."""
    counted = events["met"].notna() & events["p_trend"].notna()
    if (counted & (events["kind"] == "in_year")).sum() >= MIN_IN_YEAR:
        return events["kind"]
    return events["stated_kind"]


def with_candidates(table: pd.DataFrame, amounts: dict | None = None) -> pd.DataFrame:
    """Every candidate's probability for the counted events: the trend-only (as assessed), the
    calibration layer and the plan signal (leave one province out), the base rate by kind
    (earlier years only), always met, and the leave-one-out base rate."""
    out = table.copy()
    counted = out.index[out["met"].notna()]
    part = out.loc[counted]
    met = part["met"].to_numpy(float)
    provinces = part["province"].to_numpy(object)
    kind = calibration_kind(out).loc[counted].to_numpy(object)
    out.loc[counted, "p_always_met"] = 1.0
    out.loc[counted, "p_base_rate_loo"] = cal.base_rate_loo(met)
    ends = [period_end(m, y) for m, y in zip(part["metric"], part["target_year"])]
    cuts = part["cut"].to_numpy(float)
    out.loc[counted, "p_base_rate_kind"] = cal.prospective_base_rate(ends, cuts, kind, met)
    with_p = part["p_trend"].notna().to_numpy()
    if with_p.any():
        out.loc[counted[with_p], "p_calibrated"] = cal.calibrated_loo(
            part["p_trend"].to_numpy(float)[with_p], kind[with_p], met[with_p], provinces[with_p]
        )
    if amounts:
        out.loc[counted, "p_plan_signal"] = _plan_signal_loo(part, kind, amounts)
    return out


def _plan_signal_loo(part: pd.DataFrame, kind: np.ndarray, amounts: dict) -> np.ndarray:
    errors = part["plan_error"].to_numpy(float)
    rows = list(part.index)

    def fit_predict(train, test):
        if np.isfinite(errors[train]).sum() < 2:
            return np.nan
        signal = cal.PlanSignal().fit(errors[train], kind[train])
        return [
            signal.probability(*amounts[r][:2], amounts[r][2], k) if r in amounts else np.nan
            for r, k in zip(np.array(rows)[test], kind[test])
        ]

    return cal.leave_province_out(part["province"].to_numpy(object), fit_predict)


def scores(events: pd.DataFrame, *, n_boot: int = 2000, seed: int = 0) -> pd.DataFrame:
    """The candidates' scores on the counted events (`calibration.candidate_scores`)."""
    return cal.candidate_scores(events[events["met"].notna()], n_boot=n_boot, seed=seed)


def fit_layer(events: pd.DataFrame, layer: str) -> cal.ProbabilityLayer:
    """The layer the rule kept, fitted on every counted event, for the reports: the trend as
    it is, or the plan signal of all past plans' errors. (The calibration layer maps a trend
    probability; the rule has not kept it, so the reports do not carry it.)"""
    counted = events[events["met"].notna()]
    provinces = int(counted["province"].nunique())
    if layer == "trend":
        return cal.ProbabilityLayer("trend", len(counted), provinces)
    if layer != "plan_signal":
        raise ValueError(f"layer {layer!r} is not one the reports can lead with")
    kinds = calibration_kind(events).loc[counted.index].to_numpy(object)
    signal = cal.PlanSignal().fit(counted["plan_error"].to_numpy(float), kinds)
    return cal.ProbabilityLayer("plan_signal", len(counted), provinces, signal)
