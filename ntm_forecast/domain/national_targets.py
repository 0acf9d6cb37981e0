"""The national targets of 2026–2030 stand in for a unit's own where it has none.

The programme (Resolution 257/2025/QH15, Decision 417/QĐ-BNNMT) sets shares for the whole
country: about 65% of communes at the standard by 2030, about 10% "hiện đại". A unit of
1 July 2025 that states no target of its own for a metric and year is held to the national
share, marked `from_national` ("chỉ tiêu chung cả nước" in every table), never passed off as
its own plan. Only shares carry over (a count of the country is no count of a province), and
of several national figures for one metric and year the one stated last, the programme in
force, applies (a draft of February 2025 gave 90%).
"""

from __future__ import annotations

from ntm_forecast.domain.schema import Locality, Target

NATIONAL_SLUG = "vietnam"
FIRST_YEAR = 2026  # the period whose national targets stand in for a unit's own


def national_shares(national: Locality) -> list[Target]:
    """The national share targets of the period, the latest stated for each metric and year."""
    latest: dict[tuple[str, int], Target] = {}
    for t in national.targets:
        if t.kind != "share" or t.year < FIRST_YEAR:
            continue
        key = (t.metric, t.year)
        if key not in latest or _stated(t) > _stated(latest[key]):
            latest[key] = t
    return [latest[k] for k in sorted(latest)]


def _stated(t: Target) -> tuple[int, int, int]:
    """When a target was stated; an undated one before every dated one (its `as_of_key`
    would put it at the end of its own target year)."""
    return t.as_of_key if t.as_of else (0, 0, 0)


def is_unit(loc: Locality) -> bool:
    """A provincial unit of 1 July 2025: a province that did not merge away, or a merger."""
    return loc.level == "province" and loc.merged_into is None and loc.slug != NATIONAL_SLUG


def with_national_targets(loc: Locality, shares: list[Target]) -> Locality:
    """`loc` with the national shares it has no target of its own for (same metric, year)."""
    if not is_unit(loc):
        return loc
    own = {(t.metric, t.year) for t in loc.targets}
    added = [
        t.model_copy(update={"from_national": True})
        for t in shares
        if (t.metric, t.year) not in own
    ]
    if not added:
        return loc
    return loc.model_copy(update={"targets": (*loc.targets, *added)})
