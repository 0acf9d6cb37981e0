"""The review of a plan period: every target of every locality with its outcome in the data
and the figure that decided it, and per locality how many were met, missed or unknown.

One target, one row, as in the target tables (`assess.targets`): a source's level, share and
increment of one metric and year are one target, its row the form the target tables keep,
`forms` naming the others (a Message; None when it was stated one way). A target stated
again (same locality, metric, year, kind, amount, base and setter) is the same row, `stated`
saying how often; its date and source are those of its earliest statement. A range target is
met at its lower end. The tables hold codes; words are added where shown.

`set_by` says whose target a row is: the locality's own (`locality`), or the country's share
standing in where a unit of 2026–2030 has none of its own (`national`,
`domain.national_targets`). A national stand-in is no plan of the unit, so the summary's
counts (set, met, missed, unknown, share met) are of the localities' own targets; the stand-ins
are counted beside them (`set_national`, `met_national`).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ntm_forecast.assess.targets import merged_note, one_row_per_target, settle, share_base
from ntm_forecast.domain.schema import Locality, Target

REVIEW_COLUMNS = [
    "locality",
    "name",
    "level",
    "province",
    "metric",
    "target_year",
    "target_kind",
    "target_value",
    "target_value_max",
    "share_of",
    "set_by",
    "outcome",
    "decided_value",
    "decided_metric",
    "decided_as_of",
    "decided_source",
    "target_as_of",
    "target_source",
    "stated",
    "forms",
]
COUNT_COLUMNS = ["set", "met", "missed", "unknown"]
NATIONAL_COLUMNS = ["set_national", "met_national"]  # the national stand-ins, counted apart
SUMMARY_COLUMNS = [
    "locality",
    "name",
    "level",
    "province",
    *COUNT_COLUMNS,
    "share_met",
    *NATIONAL_COLUMNS,
]
OUTCOMES = ("met", "missed", "unknown")
OUTCOME = {True: "met", False: "missed", None: "unknown"}
TOTAL = "total"  # the locality code of the summary's last row: every locality together
PERIOD = (2021, 2025)


def province_of(loc: Locality) -> str:
    """The province a locality's targets count under: a district's parent, else itself."""
    return (loc.parent or loc.slug) if loc.level == "district" else loc.slug


def _key(t: Target) -> tuple:
    return (t.metric, t.year, t.kind, t.low, t.high, share_base(t.share_of), t.from_national)


def _row(loc: Locality, statements: list[Target], decided, forms) -> dict:
    t = min(statements, key=lambda s: s.as_of_key)  # the earliest statement (then file order)
    return {
        "locality": loc.slug,
        "name": loc.name,
        "level": loc.level,
        "province": province_of(loc),
        "metric": t.metric,
        "target_year": t.year,
        "target_kind": t.kind,
        "target_value": t.low,
        "target_value_max": np.nan if t.high is None else t.high,
        "share_of": share_base(t.share_of) if t.kind in ("share", "maintain") else t.share_of,
        "set_by": "national" if t.from_national else "locality",
        "outcome": OUTCOME[decided.met],
        "decided_value": np.nan if decided.value is None else decided.value,
        "decided_metric": decided.metric,
        "decided_as_of": decided.as_of,
        "decided_source": decided.source,
        "target_as_of": t.as_of,
        "target_source": t.source,
        "stated": len(statements),
        "forms": merged_note(loc, forms) if forms else None,
    }


def _locality_rows(loc: Locality, first: int, last: int) -> list[dict]:
    targets = [t for t in loc.targets if first <= t.year <= last]
    decided = {}  # a target stated again is settled once
    for t in targets:
        if _key(t) not in decided:
            decided[_key(t)] = settle(loc, t)
    # The forms the data answer are kept first, as in the target tables ("past": unknown).
    statuses = [{"status": "past" if decided[_key(t)].met is None else "answered"} for t in targets]
    statements: dict[tuple, list[Target]] = {}
    folded: dict[tuple, dict[tuple, Target]] = {}  # the other forms, each once
    for i, others in one_row_per_target(targets, statuses):
        key = _key(targets[i])
        statements.setdefault(key, []).append(targets[i])
        for j in others:
            folded.setdefault(key, {}).setdefault(_key(targets[j]), targets[j])
    return [
        _row(loc, stated, decided[key], list(folded.get(key, {}).values()))
        for key, stated in statements.items()
    ]


def review(localities: Iterable[Locality], *, period: tuple[int, int] = PERIOD) -> pd.DataFrame:
    """One row per target of a year in ``period`` (both ends included), of every locality,
    with its outcome (REVIEW_COLUMNS); sorted by province, the province's own targets first,
    then locality, metric, year, kind and amount."""
    first, last = period
    rows = [row for loc in localities for row in _locality_rows(loc, first, last)]
    rows.sort(
        key=lambda r: (
            r["province"],
            r["locality"] != r["province"],
            r["locality"],
            r["metric"],
            r["target_year"],
            r["target_kind"],
            r["target_value"],
            -1.0 if np.isnan(r["target_value_max"]) else r["target_value_max"],
            r["share_of"] or "",
            r["set_by"],
        )
    )
    table = pd.DataFrame(rows, columns=REVIEW_COLUMNS)
    numbers = ("target_value", "target_value_max", "decided_value")
    return table.astype({"target_year": int, "stated": int, **dict.fromkeys(numbers, float)})


def _counts(part: pd.DataFrame) -> dict:
    own = part[part["set_by"] == "locality"]
    counts = {"set": len(own), **{o: int((own["outcome"] == o).sum()) for o in OUTCOMES}}
    counts["share_met"] = counts["met"] / counts["set"] if counts["set"] else np.nan
    national = part[part["set_by"] == "national"]
    counts["set_national"] = len(national)
    counts["met_national"] = int((national["outcome"] == "met").sum())
    return counts


def review_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per locality, in the table's order: its own targets set, met, missed, unknown and the
    share met (of those set), then the national stand-ins set and met; then one row for every
    locality together (locality `total`)."""
    rows = []
    for _, part in table.groupby("locality", sort=False):
        first = part.iloc[0]
        rows.append({c: first[c] for c in ("locality", "name", "level", "province")})
        rows[-1].update(_counts(part))
    rows.append({"locality": TOTAL, "name": None, "level": None, "province": None})
    rows[-1].update(_counts(table))
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
