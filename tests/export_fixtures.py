"""Small synthetic frames for the exporter tests (a helper module, not a conftest)."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from ntm_forecast.i18n.labels import FORECAST_COLUMNS, TARGET_COLUMNS

NAN = math.nan

META = {
    "locality": "Hậu Giang",
    "slug": "hau_giang",
    "origin_year": 2021,
    "seed": 0,
    "n_paths": 10000,
    "version": "0.1.0",
    "lang": "vi",
    "communes_total": {2019: 51, 2020: 51, 2021: 51},
}


def forecast_frame() -> pd.DataFrame:
    rows = [
        ("Hậu Giang", "communes_ntm", 2020, "observed", 30, *[NAN] * 7, "hazard", 0.6),
        ("Hậu Giang", "communes_ntm", 2021, "observed", 33, *[NAN] * 7, "hazard", 0.6),
        ("Hậu Giang", "communes_ntm", 2022, "forecast", NAN, 36, 33, 34, 35, 37, 38, 39,
         "hazard", 0.6),
        ("Hậu Giang", "communes_advanced", 2022, "forecast", NAN, 12.5, 9, 10, 11, 14, 15, 16,
         "hazard", 0.35),
        ("Hậu Giang", "ocop_total", 2022, "forecast", NAN, 206989.3, 1, 2, 3, 4, 5, 6,
         "growth", 1.0),
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=FORECAST_COLUMNS)


def target_frame() -> pd.DataFrame:
    base = dict.fromkeys(TARGET_COLUMNS, NAN)
    rows = [
        {**base, "locality": "Hậu Giang", "metric": "communes_ntm", "target_year": 2022,
         "target_kind": "level", "target_value": 39.0, "baseline_year": 2021,
         "baseline_value": 33.0, "projected_median": 36.0, "projected_p10": 34.0,
         "projected_p90": 38.0, "probability": 0.7059, "required_per_year": 6.0,
         "recent_per_year": 3.0, "pace_ratio": 0.5, "pace_category": "fair", "status": "likely",
         "status_label": "Có khả năng đạt", "earliest_year_p50": 2023.0, "model": "hazard",
         "note": ""},
        {**base, "locality": "Hậu Giang", "metric": "communes_advanced", "target_year": 2025,
         "target_kind": "increment", "target_value": 1.0, "target_value_max": 2.0,
         "probability": 0.23, "status": "unlikely", "status_label": "Khó đạt", "model": "hazard",
         "note": "Xã đạt chuẩn NTM nâng cao"},
        {**base, "locality": "Hậu Giang", "metric": "ocop_total", "target_year": 2025,
         "target_kind": "level", "target_value": 206989.3, "status": "insufficient",
         "status_label": "Chưa đủ dữ liệu", "model": "none", "note": ""},
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=TARGET_COLUMNS)


def data_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "metric": ["communes_ntm", "communes_ntm", "communes_total"],
            "year": [2020, 2021, 2021],
            "value": [30.0, 33.0, 51.0],
            "status": ["actual", "actual", "actual"],
            "kind": ["level", "level", "level"],
            "as_of": ["2020-12", "2021-12", NAN],
            "unit": ["communes", "communes", "communes"],
            "source": ["hau_giang_2022.md", "hau_giang_2022.md", "hau_giang_2022.md"],
            "quote": ["30 xã đạt chuẩn", "33/51 xã đạt chuẩn NTM", "33/51 xã đạt chuẩn NTM"],
        }
    )


def fan_frame() -> pd.DataFrame:
    fan = pd.DataFrame(
        {
            "year": [2019, 2020, 2021, 2022, 2023, 2024],
            "kind": ["observed"] * 3 + ["forecast"] * 3,
            "value": [26.0, 30.0, 33.0, NAN, NAN, NAN],
        }
    )
    for column, offset in [("median", 0), ("p025", -5), ("p10", -3), ("p25", -1.5),
                           ("p75", 1.5), ("p90", 3), ("p975", 5)]:  # fmt: skip
        fan[column] = [NAN] * 3 + [36 + offset, 39 + offset, 42 + offset]
    return fan


def summary_frame() -> pd.DataFrame:
    other = target_frame().iloc[:1].assign(
        locality="Hà Tĩnh", metric="communes_advanced", target_kind="increment",
        target_value=20.0, probability=0.4, status="at_risk",
    )  # fmt: skip
    return pd.concat([target_frame(), other], ignore_index=True)


def fan_png(folder: Path) -> Path:
    """A real fan chart to embed in documents."""
    from ntm_forecast.render.charts import fan_chart

    return fan_chart(
        fan_frame(), title="Hậu Giang", metric_label="Xã đạt chuẩn NTM", ceiling=51.0,
        targets=None, lang="vi", path=folder / "fan.png",
    )  # fmt: skip
