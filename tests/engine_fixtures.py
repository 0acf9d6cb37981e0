"""Builders of small synthetic localities for the engine and target tests (not a conftest)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from ntm_forecast.domain.schema import Locality
from ntm_forecast.engine.forecast import Context

PARAMS_DIR = Path(__file__).parents[1] / "params"


def obs(
    metric: str,
    year: int,
    value: float,
    *,
    status: str = "actual",
    kind: str = "level",
    as_of: str | None = "",
    unit: str | None = None,
    source: str = "test.txt",
    quote: str = "số liệu thử",
) -> dict:
    """One observation as a params file would hold it; as_of defaults to December."""
    d = {
        "metric": metric,
        "year": year,
        "value": float(value),
        "status": status,
        "kind": kind,
        "source": source,
        "quote": quote,
    }
    if as_of == "":
        as_of = f"{year}-12"
    if as_of is not None:
        d["as_of"] = as_of
    if unit is not None:
        d["unit"] = unit
    return d


def target(
    metric: str,
    year: int,
    kind: str = "level",
    value: float | None = None,
    *,
    min: float | None = None,
    max: float | None = None,
    unit: str | None = None,
    note: str | None = None,
) -> dict:
    d: dict = {
        "metric": metric,
        "year": year,
        "kind": kind,
        "source": "plan.txt",
        "quote": "kế hoạch",
    }
    for k, v in (("value", value), ("min", min), ("max", max), ("unit", unit), ("note", note)):
        if v is not None:
            d[k] = float(v) if k in ("value", "min", "max") else v
    return d


def locality(
    observations: Iterable[dict] = (),
    targets: Iterable[dict] = (),
    *,
    slug: str = "synth",
    name: str = "Tỉnh Thử",
    level: str = "province",
    parent: str | None = None,
    origin_year: int | None = None,
) -> Locality:
    observations = list(observations)
    if origin_year is None:
        origin_year = max((o["year"] for o in observations if o["status"] != "plan"), default=2021)
    data = {
        "name": name,
        "slug": slug,
        "level": level,
        "origin_year": origin_year,
        "observations": observations,
        "targets": list(targets),
    }
    if parent is not None:
        data["parent"] = parent
    return Locality.model_validate(data)


def commune_series(
    years: Sequence[int],
    ntm: Sequence[float],
    total: float,
    *,
    advanced: Sequence[float] | None = None,
    model: Sequence[float] | None = None,
    as_of_last: str | None = None,
) -> list[dict]:
    """communes_total once, then the standards year by year (the last one maybe mid-year)."""
    out = [obs("communes_total", years[0], total)]
    for i, y in enumerate(years):
        as_of = as_of_last if (as_of_last and i == len(years) - 1) else f"{y}-12"
        out.append(obs("communes_ntm", y, ntm[i], as_of=as_of))
        if advanced is not None:
            out.append(obs("communes_advanced", y, advanced[i], as_of=as_of))
        if model is not None:
            out.append(obs("communes_model", y, model[i], as_of=as_of))
    return out


def rich_province(
    slug: str = "rich", *, speed: float = 1.0, targets: Iterable[dict] = ()
) -> Locality:
    """100 communes with six year-end NTM figures, advanced and model standards, OCOP,
    average criteria and a percentage; `speed` scales what is added each year."""
    years = [2016, 2017, 2018, 2019, 2020, 2021]
    ntm = [20.0]
    for _ in years[1:]:
        ntm.append(min(100.0, ntm[-1] + round(6 * speed)))
    adv = [0, 1, 2, 4, 6, 9]
    adv = [min(a, n) for a, n in zip(adv, ntm)]
    mod = [0, 0, 0, 1, 1, 2]
    mod = [min(m, a) for m, a in zip(mod, adv)]
    out = commune_series(years, ntm, 100, advanced=adv, model=mod)
    out += [
        obs("ocop_total", 2019, 10),
        obs("ocop_total", 2020, 18),
        obs("ocop_total", 2021, 30),
        obs("avg_criteria", 2018, 14.0),
        obs("avg_criteria", 2019, 15.1),
        obs("avg_criteria", 2020, 16.0),
        obs("avg_criteria", 2021, 16.8),
        obs("clean_water_rate", 2019, 80.0, unit="percent"),
        obs("clean_water_rate", 2020, 86.0, unit="percent"),
        obs("clean_water_rate", 2021, 91.0, unit="percent"),
    ]
    return locality(out, targets, slug=slug, name=f"Tỉnh {slug}")


def one_point_province(
    slug: str = "thin",
    *,
    ntm: float = 30,
    total: float = 100,
    year: int = 2021,
    targets: Iterable[dict] = (),
) -> Locality:
    """A province known by a single NTM figure."""
    return locality(
        [obs("communes_total", year, total), obs("communes_ntm", year, ntm)],
        targets,
        slug=slug,
        name=f"Tỉnh {slug}",
    )


def pool(speed: float = 1.0) -> list[Locality]:
    """A few provinces to pool over."""
    return [
        rich_province("rich_a", speed=speed),
        rich_province("rich_b", speed=1.5 * speed),
        locality(
            commune_series([2017, 2018, 2019, 2020, 2021], [10, 14, 17, 22, 26], 60),
            slug="mid",
            name="Tỉnh giữa",
        ),
    ]


def context(
    extra: Iterable[Locality] = (), speed: float = 1.0, until: float | None = None
) -> Context:
    return Context.from_localities([*pool(speed), *extra], until=until)


def context_state(ctx: Context) -> dict:
    """A comparable snapshot of a Context (to show the engine does not mutate it)."""
    return {
        "localities": {k: v.model_dump() for k, v in ctx.localities.items()},
        "hazards": {
            k: (h.coef.tolist(), h.cov.tolist(), h.rho, h.tau, h.n_intervals, h.localities)
            for k, h in ctx.hazards.items()
        },
        "growth": ctx.growth,
        "until": ctx.until,
    }


def params_localities() -> dict[str, Locality]:
    from ntm_forecast.domain import params

    return params.load_many([PARAMS_DIR]).localities


def nondecreasing(values: np.ndarray) -> bool:
    return bool(np.all(np.diff(values, axis=1) >= -1e-9))
