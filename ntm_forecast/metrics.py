"""What each metric is: its unit, its bounds and the family of models that fits it."""

from __future__ import annotations

from dataclasses import dataclass

COMMUNE_STANDARDS = ("communes_ntm", "communes_advanced", "communes_model")
"""The commune standards, each a subset of the one before it."""

OCOP_STARS = ("ocop_3star", "ocop_4star", "ocop_5star")

COUNT_UNITS = frozenset(
    {"communes", "products", "districts", "villages", "gardens", "count", "units", "hamlets"}
)
PERCENT_UNITS = frozenset({"percent", "%"})
MONEY_UNITS = frozenset({"million_vnd", "billion_vnd", "vnd", "thousand_vnd"})


@dataclass(frozen=True)
class MetricInfo:
    name: str
    unit: str
    family: str  # commune | ocop | count | criteria | percent | money | other
    upper: float | None = None  # a fixed upper bound (19 criteria, 100 percent)
    cumulative: bool = False  # a running total that should not fall

    @property
    def label_vi(self) -> str:
        return LABELS_VI.get(self.name, self.name)

    @property
    def label_en(self) -> str:
        return LABELS_EN.get(self.name, self.name.replace("_", " "))


CORE: dict[str, MetricInfo] = {
    "communes_total": MetricInfo("communes_total", "communes", "count"),
    "communes_ntm": MetricInfo("communes_ntm", "communes", "commune", cumulative=True),
    "communes_advanced": MetricInfo("communes_advanced", "communes", "commune", cumulative=True),
    "communes_model": MetricInfo("communes_model", "communes", "commune", cumulative=True),
    "avg_criteria": MetricInfo("avg_criteria", "criteria", "criteria", upper=19.0),
    "ocop_total": MetricInfo("ocop_total", "products", "ocop", cumulative=True),
    "ocop_3star": MetricInfo("ocop_3star", "products", "ocop", cumulative=True),
    "ocop_4star": MetricInfo("ocop_4star", "products", "ocop", cumulative=True),
    "ocop_5star": MetricInfo("ocop_5star", "products", "ocop", cumulative=True),
    "districts_ntm": MetricInfo("districts_ntm", "districts", "count", cumulative=True),
}

LABELS_VI = {
    "communes_total": "Tổng số xã",
    "communes_ntm": "Xã đạt chuẩn NTM",
    "communes_advanced": "Xã đạt chuẩn NTM nâng cao",
    "communes_model": "Xã đạt chuẩn NTM kiểu mẫu",
    "avg_criteria": "Số tiêu chí bình quân/xã",
    "ocop_total": "Sản phẩm OCOP (3 sao trở lên)",
    "ocop_3star": "Sản phẩm OCOP 3 sao",
    "ocop_4star": "Sản phẩm OCOP 4 sao",
    "ocop_5star": "Sản phẩm OCOP 5 sao",
    "districts_ntm": "Đơn vị cấp huyện đạt chuẩn NTM",
    "income_per_capita": "Thu nhập bình quân đầu người",
    "poverty_rate": "Tỷ lệ hộ nghèo",
    "trained_labour_rate": "Tỷ lệ lao động qua đào tạo",
    "health_insurance_rate": "Tỷ lệ tham gia bảo hiểm y tế",
    "clean_water_rate": "Tỷ lệ hộ dùng nước sạch",
    "waste_treated_rate": "Tỷ lệ rác thải được xử lý",
    "villages_ntm": "Thôn đạt chuẩn NTM",
    "model_villages": "Thôn NTM kiểu mẫu",
    "gardens_ntm": "Vườn đạt chuẩn NTM",
}

LABELS_EN = {
    "communes_total": "Communes (total)",
    "communes_ntm": "NTM communes",
    "communes_advanced": "Advanced NTM communes",
    "communes_model": "Model NTM communes",
    "avg_criteria": "Average criteria met per commune",
    "ocop_total": "OCOP products (3 stars or more)",
    "ocop_3star": "OCOP 3-star products",
    "ocop_4star": "OCOP 4-star products",
    "ocop_5star": "OCOP 5-star products",
    "districts_ntm": "NTM districts",
}


def info(name: str, unit: str | None = None) -> MetricInfo:
    """Describe a metric; metrics outside the core list are known by their unit."""
    if name in CORE:
        return CORE[name]
    unit = unit or "count"
    if "/" in unit:  # "criteria/8": an average out of a fixed number
        _, _, top = unit.partition("/")
        try:
            return MetricInfo(name, unit, "criteria", upper=float(top))
        except ValueError:
            pass
    if unit in PERCENT_UNITS or name.endswith(("_share", "_rate")):
        return MetricInfo(name, unit, "percent", upper=100.0)
    if unit in MONEY_UNITS:
        return MetricInfo(name, unit, "money")
    if unit in COUNT_UNITS:
        return MetricInfo(name, unit, "count", cumulative=True)
    if unit == "criteria":
        return MetricInfo(name, unit, "criteria")
    return MetricInfo(name, unit, "other")
