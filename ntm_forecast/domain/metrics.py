"""What each metric is: its unit, its bounds and the family of models that fits it."""

from __future__ import annotations

from dataclasses import dataclass

from ntm_forecast.i18n import lang_en, lang_vi

COMMUNE_STANDARDS = ("communes_ntm", "communes_advanced", "communes_model", "communes_modern")
"""The commune standards, each a subset of the one it is nested in (`NESTED_IN`)."""

NESTED_IN = {
    "communes_advanced": "communes_ntm",
    "communes_model": "communes_advanced",
    # The 2026–2030 grade above the standard (Decision 51/2025/QĐ-TTg): an NTM commune
    # that meets the "hiện đại" criteria, beside, not above, the 2021–2025 grades.
    "communes_modern": "communes_ntm",
}

# On 1 July 2025 the communes were merged (about 10,000 into 3,321) and 34 provincial units
# replaced 63 provinces: a commune count after that date is of other communes.
MERGER_MONTH = "2025-07"
MERGER_T = 2025.5  # the same date in the fractional years of the series
# What 2025 ended, with the message code that says why nothing is forecast past it: the
# 2026–2030 criteria set one standard and a pilot "hiện đại" grade (Decision 51/2025/QĐ-TTg),
# so the advanced and model grades of 2021–2025 are no national grade after them; the
# district level was abolished on 1 July 2025; provinces completing the programme are
# counted again under the new criteria.
ENDED_2025 = {
    "communes_advanced": "fc.grade_ended",
    "communes_model": "fc.grade_ended",
    "provinces_ntm": "fc.count_restarts",
}


def ended_2025(metric: str) -> str | None:
    """The message code of why `metric` is not forecast past 2025, or None."""
    if metric.startswith("districts_"):
        return "fc.districts_ended"
    return ENDED_2025.get(metric)


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
    "communes_modern": MetricInfo("communes_modern", "communes", "commune", cumulative=True),
    "avg_criteria": MetricInfo("avg_criteria", "criteria", "criteria", upper=19.0),
    "ocop_total": MetricInfo("ocop_total", "products", "ocop", cumulative=True),
    "ocop_3star": MetricInfo("ocop_3star", "products", "ocop", cumulative=True),
    "ocop_4star": MetricInfo("ocop_4star", "products", "ocop", cumulative=True),
    "ocop_5star": MetricInfo("ocop_5star", "products", "ocop", cumulative=True),
    "districts_ntm": MetricInfo("districts_ntm", "districts", "count", cumulative=True),
    "districts_ntm_share": MetricInfo("districts_ntm_share", "percent", "percent", upper=100.0),
    "provinces_ntm": MetricInfo("provinces_ntm", "provinces", "count", cumulative=True),
}

# The labels live in the language catalogues; these views keep `MetricInfo.label_*` working.
LABELS_VI = {k[7:]: v for k, v in lang_vi.MESSAGES.items() if k.startswith("metric.")}
LABELS_EN = {k[7:]: v for k, v in lang_en.MESSAGES.items() if k.startswith("metric.")}


def bounding_standards(metric: str) -> list[str]:
    """The standards ``metric`` is nested in, nearest first (``communes_model`` →
    ``communes_advanced``, ``communes_ntm``)."""
    out = []
    while metric in NESTED_IN:
        metric = NESTED_IN[metric]
        out.append(metric)
    return out


def with_bounding_standards(metric: str) -> list[str]:
    """The metrics to forecast for ``metric``: a commune standard with the standards above it
    (each bounds the next, outermost first), any other metric alone."""
    return [*reversed(bounding_standards(metric)), metric]


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
