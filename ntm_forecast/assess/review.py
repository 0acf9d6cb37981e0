"""The review of a plan period: every target of every locality with its outcome in the data
and the figure that decided it, and per locality how many were met, missed or unknown.

A target stated more than once (same locality, metric, year, kind, amount and base) is one
row, `stated` saying how often; its date and source are those of its earliest statement. A
range target is met at its lower end. The tables hold codes; words are added where shown.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ntm_forecast.assess.targets import settle, share_base
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
    "outcome",
    "decided_value",
    "decided_metric",
    "decided_as_of",
    "decided_source",
    "target_as_of",
    "target_source",
    "stated",
]
COUNT_COLUMNS = ["set", "met", "missed", "unknown"]
SUMMARY_COLUMNS = ["locality", "name", "level", "province", *COUNT_COLUMNS, "share_met"]
OUTCOMES = ("met", "missed", "unknown")
TOTAL = "total"  # the locality code of the summary's last row: every locality together
PERIOD = (2021, 2025)


def province_of(loc: Locality) -> str:
    """The province a locality's targets count under: a district's parent, else itself."""
    return (loc.parent or loc.slug) if loc.level == "district" else loc.slug


def _key(t: Target) -> tuple:
    return (t.metric, t.year, t.kind, t.low, t.high, share_base(t.share_of))


def _row(loc: Locality, statements: list[Target]) -> dict:
    t = min(statements, key=lambda s: s.as_of_key)  # the earliest statement (then file order)
    decided = settle(loc, t)
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
        "outcome": {True: "met", False: "missed", None: "unknown"}[decided.met],
        "decided_value": np.nan if decided.value is None else decided.value,
        "decided_metric": decided.metric,
        "decided_as_of": decided.as_of,
        "decided_source": decided.source,
        "target_as_of": t.as_of,
        "target_source": t.source,
        "stated": len(statements),
    }


def review(localities: Iterable[Locality], *, period: tuple[int, int] = PERIOD) -> pd.DataFrame:
    """One row per distinct target of a year in ``period`` (both ends included), of every
    locality, with its outcome (REVIEW_COLUMNS); sorted by province, the province's own
    targets first, then locality, metric, year, kind and amount."""
    first, last = period
    rows = []
    for loc in localities:
        stated: dict[tuple, list[Target]] = {}
        for t in loc.targets:
            if first <= t.year <= last:
                stated.setdefault(_key(t), []).append(t)
        rows.extend(_row(loc, statements) for statements in stated.values())
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
        )
    )
    table = pd.DataFrame(rows, columns=REVIEW_COLUMNS)
    numbers = ("target_value", "target_value_max", "decided_value")
    return table.astype({"target_year": int, "stated": int, **dict.fromkeys(numbers, float)})


def _counts(part: pd.DataFrame) -> dict:
    counts = {"set": len(part), **{o: int((part["outcome"] == o).sum()) for o in OUTCOMES}}
    counts["share_met"] = counts["met"] / counts["set"] if counts["set"] else np.nan
    return counts


def review_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per locality, in the table's order: targets set, met, missed, unknown and the share
    met (of those set); then one row for every locality together (locality `total`)."""
    rows = []
    for _, part in table.groupby("locality", sort=False):
        first = part.iloc[0]
        rows.append({c: first[c] for c in ("locality", "name", "level", "province")})
        rows[-1].update(_counts(part))
    rows.append({"locality": TOTAL, "name": None, "level": None, "province": None})
    rows[-1].update(_counts(table))
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
