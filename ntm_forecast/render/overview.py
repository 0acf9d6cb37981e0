"""The text `ntm-forecast check` prints: what each params file holds, and what looks odd."""

from __future__ import annotations

from ntm_forecast.domain import metrics
from ntm_forecast.domain.params import Loaded
from ntm_forecast.domain.schema import Locality


def year_ranges(years: list[int]) -> str:
    """2016, 2017, 2018, 2020 -> '2016–2018, 2020'."""
    ys = sorted(set(years))
    if not ys:
        return "—"
    parts, start, prev = [], ys[0], ys[0]
    for y in [*ys[1:], None]:
        if y is not None and y == prev + 1:
            prev = y
            continue
        parts.append(str(start) if start == prev else f"{start}–{prev}")
        if y is not None:
            start = prev = y
    return ", ".join(parts)


def coverage(loc: Locality) -> dict[str, str]:
    """Years with an actual or estimated figure, per core metric present."""
    out = {}
    for name in metrics.CORE:
        years = [o.year for o in loc.observations if o.metric == name and o.status != "plan"]
        if years:
            out[name] = f"{year_ranges(years)} ({len(years)} obs)"
    return out


def overview_text(loaded: Loaded) -> str:
    lines = []
    for slug, loc in loaded.localities.items():
        parent = f" · parent {loc.parent}" if loc.parent else ""
        lines.append(
            f"{loc.name} ({slug}) · {loc.level}{parent} · origin {loc.origin_year} · "
            f"{len(loc.observations)} observations · {len(loc.targets)} targets"
        )
        for name, text in coverage(loc).items():
            lines.append(f"    {name:<18} {text}")
        others = sorted(set(loc.metrics_observed()) - set(metrics.CORE))
        if others:
            lines.append(f"    other metrics      {', '.join(others)}")
    n_loc = len(loaded.localities)
    lines.append("")
    lines.append(
        f"{n_loc} localit{'y' if n_loc == 1 else 'ies'} valid, {len(loaded.errors)} error(s), "
        f"{len(loaded.warnings)} warning(s)"
    )
    if loaded.warnings:
        lines.append("Warnings:")
        lines.extend(f"  {w}" for w in loaded.warnings)
    return "\n".join(lines)
