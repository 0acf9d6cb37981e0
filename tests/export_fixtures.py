"""Frames for the exporter and planner tests, from a real engine run on a small locality
(a helper module, not a conftest): every row is a state the engine can produce.

Hậu Giang here is synthetic: 51 communes, NTM 22, 25, 28, 30, 33 at the ends of 2017–2021,
advanced NTM 0, 1, 1, 3, 5, OCOP 20, 35, 50 in 2019–2021; its ten targets cover every
status (likely, at risk, unlikely, insufficient, not modelled, met, missed, past), a range,
a share of the communes and a note of the params file. Ha Tinh, smaller, makes a summary.
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import pandas as pd
from engine_fixtures import commune_series, locality, obs, target

from ntm_forecast.assess.targets import assess_targets
from ntm_forecast.engine.forecast import Context, LocalityForecast, forecast_locality
from ntm_forecast.render.charts import fan_chart
from ntm_forecast.render.export import write_csv
from ntm_forecast.render.tables import TARGET_COLUMNS, in_words

SOURCE = "hau_giang_2022.md"
N_PATHS = 400
HORIZON = 3
PLAN_NOTE = "theo Nghị quyết 05"

TARGETS = [
    target("communes_ntm", 2022, "level", 39),  # 0: unlikely
    target("communes_ntm", 2022, "level", 34),  # 1: likely
    target("communes_advanced", 2023, "increment", min=1, max=2, note=PLAN_NOTE),  # 2: a range
    target("communes_ntm", 2023, "share", 76.47),  # 3: 76.47% of 51 communes
    target("ocop_total", 2023, "level", 80),  # 4: at risk
    target("villages_ntm", 2023, "level", 10, unit="villages"),  # 5: no figures
    target("communes_ntm", 2025, "maintain", 100),  # 6: not modelled
    target("communes_ntm", 2019, "level", 28),  # 7: met
    target("communes_ntm", 2020, "level", 32),  # 8: missed (30)
    target("avg_criteria", 2018, "level", 16),  # 9: past, outcome unknown
]


def _hau_giang():
    figures = commune_series([2017, 2018, 2019, 2020, 2021], [22, 25, 28, 30, 33], 51,
                             advanced=[0, 1, 1, 3, 5])  # fmt: skip
    figures += [obs("ocop_total", y, v) for y, v in ((2019, 20), (2020, 35), (2021, 50))]
    figures = [{**o, "source": SOURCE, "quote": f"số liệu năm {o['year']}"} for o in figures]
    figures[1]["quote"] = "22 xã đạt chuẩn"
    return locality(figures, TARGETS, slug="hau_giang", name="Hậu Giang")


def _ha_tinh():
    figures = commune_series([2019, 2020, 2021], [150, 170, 181], 216, advanced=[10, 20, 35])
    plan = [target("communes_advanced", 2023, "increment", 20),
            target("communes_ntm", 2022, "level", 190)]  # fmt: skip
    return locality(figures, plan, slug="ha_tinh", name="Hà Tĩnh")


@functools.cache
def _run() -> tuple[LocalityForecast, pd.DataFrame, pd.DataFrame]:
    hau_giang, ha_tinh = _hau_giang(), _ha_tinh()
    ctx = Context.from_localities([hau_giang, ha_tinh])
    fc = forecast_locality(hau_giang, ctx, horizon=HORIZON, n_paths=N_PATHS, seed=0)
    other = forecast_locality(ha_tinh, ctx, horizon=HORIZON, n_paths=N_PATHS, seed=0)
    return fc, assess_targets(fc), assess_targets(other)


def engine_forecast() -> LocalityForecast:
    return _run()[0]


META = {
    "locality": "Hậu Giang",
    "slug": "hau_giang",
    "origin_year": 2021,
    "seed": 0,
    "n_paths": N_PATHS,
    "version": "0.1.0",
    "lang": "vi",
    "communes_total": {y: 51.0 for y in range(2017, 2021 + HORIZON + 1)},
}


def forecast_frame() -> pd.DataFrame:
    return engine_forecast().to_frame()


def target_frame() -> pd.DataFrame:
    """Hậu Giang's target table in codes, as `assess_targets` makes it (a copy)."""
    return _run()[1].copy()


def fan_frame() -> pd.DataFrame:
    return engine_forecast().fan_frame("communes_ntm")


def data_frame() -> pd.DataFrame:
    """The figures as the locality report lists them."""
    rows = [
        {"metric": o.metric, "year": o.year, "value": o.value, "status": o.status,
         "kind": o.kind, "as_of": o.as_of or "", "unit": o.unit or "", "source": o.source,
         "quote": o.quote, "note": ""}
        for o in engine_forecast().locality.observations
    ]  # fmt: skip
    return pd.DataFrame(rows)


def summary_frame() -> pd.DataFrame:
    """Both localities' targets.csv (in Vietnamese) read back, as the batch hands them over."""
    frames = []
    with tempfile.TemporaryDirectory() as folder:
        for slug, table in (("hau_giang", _run()[1]), ("ha_tinh", _run()[2])):
            path = write_csv(in_words(table, "vi"), TARGET_COLUMNS, Path(folder) / f"{slug}.csv")
            frames.append(pd.read_csv(path, encoding="utf-8-sig"))
    return pd.concat(frames, ignore_index=True)


def fan_png(folder: Path) -> Path:
    """A real fan chart to embed in documents."""
    return fan_chart(
        fan_frame(), title="Hậu Giang", metric_label="Xã đạt chuẩn NTM", ceiling=51.0,
        targets=None, lang="vi", path=folder / "fan.png",
    )  # fmt: skip
