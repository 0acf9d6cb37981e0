"""The validated, frozen objects one params file becomes.

Field names are fixed: other tools write these files. Everything that can be checked
inside one file is checked here; the loader adds what needs the file name.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import defaultdict
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ntm_forecast.domain import metrics

SLUG = r"^[a-z0-9_]+$"
METRIC = r"^[a-z][a-z0-9_]*$"
AS_OF = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")

Year = Annotated[int, Field(ge=2000, le=2100)]
Status = Literal["actual", "estimate", "plan"]
ObservationKind = Literal["level", "increment"]
TargetKind = Literal["level", "increment", "share", "maintain"]
Level = Literal["national", "province", "district"]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


def _as_of_text(value: object) -> object:
    # YAML reads 2021-12-15 as a date and 2021 as an int; both are fine as text.
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _check_as_of(value: str | None) -> str | None:
    if value is None:
        return value
    m = AS_OF.match(value)
    if not m:
        raise ValueError(f"expected a date written YYYY, YYYY-MM or YYYY-MM-DD, found {value!r}")
    year, month, day = m.groups()
    try:
        dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError as exc:
        raise ValueError(f"expected a real calendar date, found {value!r}") from exc
    return value


class _Sourced(_Record):
    metric: Annotated[str, Field(pattern=METRIC)]
    year: Year
    unit: str | None = None
    as_of: str | None = None
    source: Annotated[str, Field(min_length=1)]
    quote: Annotated[str, Field(min_length=1)]
    note: str | None = None
    # Set by `ntm-forecast extract` on every drafted entry; a person removes it once checked.
    review: Literal["needed"] | None = None

    _as_of_text = field_validator("as_of", mode="before")(_as_of_text)
    _as_of_check = field_validator("as_of")(_check_as_of)

    @model_validator(mode="after")
    def _known_metric_or_unit(self):
        if self.metric not in metrics.CORE and not self.unit:
            raise ValueError(
                f"unit: expected a unit for metric '{self.metric}' (it is not one of "
                f"{', '.join(metrics.CORE)}), found none"
            )
        return self

    @property
    def info(self) -> metrics.MetricInfo:
        return metrics.info(self.metric, self.unit)

    @property
    def as_of_key(self) -> tuple[int, int, int]:
        """A sortable date: a bare year sorts at its end, a month at its last day."""
        if not self.as_of:
            return (self.year, 12, 31)
        y, m, d = AS_OF.match(self.as_of).groups()
        return (int(y), int(m or 12), int(d or 31))

    @property
    def t(self) -> float:
        """Fractional time: the end of the stated month, at most the end of its year
        (recognitions "for 2021" decided in 2022); with no month, mid-year, unless the
        figure was stated in a later year."""
        if not self.as_of or "-" not in self.as_of:
            # stated in a later year ("2019" for 2018): the year was over, so its end
            late = bool(self.as_of) and int(self.as_of) > self.year
            return self.year + 1.0 if late else self.year + 0.5
        y, m, d = self.as_of_key
        if self.as_of.count("-") == 2:  # a dated day sits inside its month
            return min(y + (m - 1 + min(d, 30) / 30.0) / 12.0, self.year + 1.0)
        return min(y + m / 12.0, self.year + 1.0)

    @property
    def is_year_end(self) -> bool:
        return abs(self.t - (self.year + 1.0)) < 1e-9

    @property
    def is_mid_year(self) -> bool:
        """Stated before December of its own year: a floor on the year-end figure."""
        y, m, _ = self.as_of_key
        return y == self.year and m < 12 and bool(self.as_of) and "-" in self.as_of


def _check_range(info: metrics.MetricInfo, value: float, what: str) -> None:
    if not math.isfinite(value):
        raise ValueError(f"{what}: expected a finite number, found {value}")
    if value < 0:
        noun = "a count" if info.family in ("commune", "ocop", "count") else "a value"
        raise ValueError(f"{what}: expected {noun} ≥ 0, found {_num(value)}")
    if info.upper is not None and value > info.upper:
        raise ValueError(f"{what}: expected at most {_num(info.upper)}, found {_num(value)}")


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


class Observation(_Sourced):
    value: float
    status: Status
    kind: ObservationKind = "level"

    @model_validator(mode="after")
    def _value_in_range(self):
        _check_range(self.info, self.value, "value")
        return self


class Target(_Sourced):
    kind: TargetKind
    value: float | None = None
    min: float | None = None
    max: float | None = None
    # Recorded from a report of its own outcome ("vượt kế hoạch", "đạt 100% kế hoạch"):
    # met by construction, so the hindcast scores it apart.
    recorded_after: bool = False

    @model_validator(mode="after")
    def _value_or_range(self):
        if self.value is None and (self.min is None or self.max is None):
            if self.min is None and self.max is None:
                raise ValueError("value: expected `value` or both `min` and `max`, found neither")
            raise ValueError("max: expected both `min` and `max` for a range, found only one")
        if self.value is not None and (self.min is not None or self.max is not None):
            raise ValueError("value: expected either `value` or `min`/`max`, found both")
        if self.value is None and self.min > self.max:
            raise ValueError(
                f"min: expected min ≤ max, found min {_num(self.min)} > max {_num(self.max)}"
            )
        for name in ("value", "min", "max"):
            x = getattr(self, name)
            if x is None:
                continue
            if self.kind in ("share", "maintain") and not 0 <= x <= 100:
                raise ValueError(f"{name}: expected a share between 0 and 100, found {_num(x)}")
            if self.kind not in ("share", "maintain"):
                _check_range(self.info, x, name)
        return self

    @property
    def low(self) -> float:
        """The value to reach (the lower end of a range)."""
        return self.value if self.value is not None else self.min

    @property
    def high(self) -> float | None:
        """The upper end of a range, or None."""
        return self.max if self.value is None else None


class Locality(_Record):
    name: Annotated[str, Field(min_length=1)]
    slug: Annotated[str, Field(pattern=SLUG)]
    level: Level
    parent: Annotated[str, Field(pattern=SLUG)] | None = None
    # A unit made of other localities (the provinces of 1 July 2025): their slugs.
    members: Annotated[tuple[Annotated[str, Field(pattern=SLUG)], ...], Field(strict=False)] = ()
    origin_year: Year
    notes: str | None = None
    # Lists in YAML, frozen tuples here (strict mode alone would refuse a list).
    observations: Annotated[tuple[Observation, ...], Field(strict=False)] = ()
    targets: Annotated[tuple[Target, ...], Field(strict=False)] = ()

    @model_validator(mode="after")
    def _consistent_counts(self):
        problems = [*self._above_total(), *self._unnested()]
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def _levels(self):
        for i, o in enumerate(self.observations):
            if o.kind == "level":
                yield i, o

    def _above_total(self):
        totals: dict[int, float] = {}
        for _, o in self._levels():
            if o.metric == "communes_total":
                totals[o.year] = max(totals.get(o.year, 0.0), o.value)
        for i, o in self._levels():
            if (
                o.metric in metrics.COMMUNE_STANDARDS
                and o.year in totals
                and o.value > totals[o.year]
            ):
                yield (
                    f"observations[{i}].value: expected {o.metric} ≤ communes_total "
                    f"{_num(totals[o.year])} in {o.year}, found {_num(o.value)}"
                )

    def _unnested(self):
        # Pair figures of one report: same year, status and date.
        groups: dict[tuple, dict[str, tuple[int, float]]] = defaultdict(dict)
        for i, o in self._levels():
            if o.metric in metrics.COMMUNE_STANDARDS:
                groups[(o.year, o.status, o.as_of)][o.metric] = (i, o.value)
        names = metrics.COMMUNE_STANDARDS
        for key, got in groups.items():
            for lower, higher in ((names[1], names[0]), (names[2], names[1])):
                if lower in got and higher in got and got[lower][1] > got[higher][1]:
                    i = got[lower][0]
                    yield (
                        f"observations[{i}].value: expected {lower} ≤ {higher} "
                        f"({_num(got[higher][1])}) in {key[0]}, found {_num(got[lower][1])}"
                    )

    def metrics_observed(self) -> list[str]:
        seen = dict.fromkeys(o.metric for o in self.observations)
        return list(seen)

    def unit_of(self, metric: str) -> str | None:
        for rec in (*self.observations, *self.targets):
            if rec.metric == metric and rec.unit:
                return rec.unit
        return None

    def info(self, metric: str) -> metrics.MetricInfo:
        return metrics.info(metric, self.unit_of(metric))
