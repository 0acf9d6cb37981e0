"""Freeze the blind forecasts of 2022–2025 from the figures published by the end of 2021.

The engine chose its structure before the figures of 2022–2025 were released; this writes
what it forecast for them, once, so that the score computed after their import is a score
nothing was tuned on. It cuts every locality and the pool at the end of 2021
by publication date, as the hindcast does (``cut_at``, ``Context.from_localities(until=)``),
and forecasts with the engine's defaults; the same command gives the same bytes on any later
commit whose engine has not changed.

    python benchmarks/blind_2021/freeze.py PARAMS_DIR FIGURES.csv UNITS.csv OUT_DIR

PARAMS_DIR: the params of origin 2021 with the 2022–2025 targets of FIGURES added (their
denominators dropped: a denominator is a figure of its own date, not of 2021). FIGURES: the
released table (``figures_2022_2025.csv``); UNITS: the units of 1 July 2025
(``units_2025.csv``), of which the OCOP totals are forecast. Writes ``values.csv`` (one row
per released figure of 2022–2025 the engine forecasts: the engine's and drift's quantiles at
the figure's date) and ``targets.csv`` (the engine's probability of every 2022–2025 target it could
assess).
"""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

import ntm_forecast as ntm

try:  # the layout since issue 16
    from ntm_forecast.engine.forecast import Context, cut_at
except ImportError:  # the flat layout of commit 2f2bffa, where the freeze was first run
    from ntm_forecast.forecast import Context, cut_at

ORIGIN = 2021
HORIZON = 4  # 2021 → 2025
N_PATHS = 10_000
SEED = 0
LEVELS = np.round(np.arange(1, 100) / 100, 2)  # 99 quantiles: enough for CRPS by quantiles
# The target table's codes and numbers (its words are the reader's, applied when rendered).
_KEPT = (
    "locality metric target_year target_kind target_value target_value_max probability "
    "probability_max projected_median projected_p10 projected_p90 status model"
)
TARGET_KEEP = _KEPT.split()


def key(name: str) -> str:
    return unicodedata.normalize("NFC", name).strip().casefold()


def time_of(year: int, as_of: str) -> float:
    """The figure's time on the engine's scale (year Y runs from Y to Y + 1): its stated
    date within the year it describes, or the year's end when stated later or undated."""
    end = year + 1.0
    if len(as_of) < 7:
        return end
    y, m = int(as_of[:4]), int(as_of[5:7])
    d = int(as_of[8:10]) if len(as_of) >= 10 else 15
    t = y + (m - 1) / 12 + min(d, 30) / 360
    return end if t >= end else max(t, float(year))


def paths_at(pf, year: int, t: float) -> np.ndarray | None:
    """Paths at time t within ``year``: linear between the year-ends of year − 1 and year."""
    end, before = pf.at(year), pf.at(year - 1)
    if end is None:
        return None
    frac = t - year
    return end if before is None or frac >= 1.0 - 1e-9 else before + frac * (end - before)


def decided(table: pd.DataFrame, places: dict[str, object]) -> pd.DataFrame:
    """The released figures of 2022–2025 (not targets), each with the slug it belongs to."""
    table = table[(table["status"] != "target") & table["year"].astype(int).between(2022, 2025)]
    slugs = table["locality"].map(lambda n: getattr(places.get(key(n.split(" (")[0])), "slug", ""))
    return table.assign(slug=slugs, year=table["year"].astype(int))[slugs != ""]


def main(params_dir: str, figures: str, units: str, out_dir: str) -> None:
    session = ntm.open_session([params_dir])
    cuts = {s: cut_at(loc, ORIGIN) for s, loc in session.loaded.localities.items()}
    ctx = Context.from_localities(cuts.values(), until=ORIGIN + 1.0)
    provinces, merged = {}, {}
    for loc in cuts.values():
        if loc.level == "national":
            provinces["vietnam"] = loc
        elif getattr(loc, "members", None):
            merged[key(loc.name)] = loc
        else:
            provinces.setdefault(key(loc.name), loc)
    read = lambda path: pd.read_csv(path, dtype=str, keep_default_na=False)  # noqa: E731
    # A unit of 1 July 2025 is its merged file where there is one (else the unmerged
    # province); only its OCOP total continues the members' series: its commune counts are
    # of the merged communes, which the engine of 2021 does not know.
    unit_rows = read(units)
    unit_rows = unit_rows[
        (unit_rows["level"] == "unit_2025") & (unit_rows["metric"] == "ocop_total")
    ]
    values = pd.concat(
        [decided(read(figures), provinces), decided(unit_rows, {**provinces, **merged})],
        ignore_index=True,
    )

    value_rows, target_frames = [], []
    for slug in sorted(cuts):
        loc = cuts[slug]
        mine = values[values["slug"] == slug]
        engine = ntm.forecast_locality(loc, ctx, horizon=HORIZON, n_paths=N_PATHS, seed=SEED)
        drift = ntm.forecast_locality(
            loc, ctx, horizon=HORIZON, n_paths=N_PATHS, seed=SEED, model="drift"
        )
        for row in mine.itertuples(index=False):
            if row.metric not in engine.paths:
                continue
            t = time_of(row.year, row.as_of)
            for name, fc in (("engine", engine), ("drift", drift)):
                x = paths_at(fc[row.metric], row.year, t) if row.metric in fc.paths else None
                if x is None:
                    continue
                q = np.quantile(x, LEVELS)
                value_rows.append(
                    {
                        "slug": slug,
                        "metric": row.metric,
                        "year": row.year,
                        "as_of": row.as_of,
                        "t": round(t, 4),
                        "status": row.status,
                        "value": row.value,
                        "source_url": row.source_url,
                        "forecaster": name,
                        "model": fc[row.metric].model,
                        **{
                            f"q{round(lv * 100):02d}": round(float(v), 3)
                            for lv, v in zip(LEVELS, q)
                        },
                    }
                )
        assessed = ntm.assess_targets(engine)  # codes only: no language needed
        assessed = assessed[assessed["target_year"].between(2022, 2025)]
        if len(assessed):
            target_frames.append(assessed[TARGET_KEEP])

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(value_rows).to_csv(out / "values.csv", index=False, lineterminator="\n")
    targets = pd.concat(target_frames, ignore_index=True)
    targets.to_csv(out / "targets.csv", index=False, lineterminator="\n", float_format="%.4f")
    print(f"{len(value_rows)} value forecasts, {len(targets)} targets → {out}")


if __name__ == "__main__":
    main(*sys.argv[1:5])
