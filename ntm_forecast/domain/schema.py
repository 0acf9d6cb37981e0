"""The validated, frozen objects one params file becomes.

Field names are fixed: other tools write these files. Everything that can be checked
inside one file is checked here; the loader adds what needs the file name. A validator
raises :class:`Invalid` with :class:`~ntm_forecast.errors.Problem` objects, and
:func:`validation_problems` turns any validation error into problems (never by reading text).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections import defaultdict
from dataclasses import replace
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ntm_forecast.domain import metrics
from ntm_forecast.errors import Problem
from ntm_forecast.i18n.numbers import plain

SLUG = r"^[a-z0-9_]+$"
METRIC = r"^[a-z][a-z0-9_]*$"
AS_OF = re.compile(r"^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?$")  # ASCII digits only
# A place's name is a file's name too (its slug): long enough for any Vietnamese unit with
# its title ("thành phố Hồ Chí Minh" is 21), short enough for every file system.
MAX_NAME_LENGTH = 100
# Names Windows keeps for devices, whatever the extension ("con.yaml" cannot be opened).
WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", *(f"{p}{n}" for p in ("com", "lpt") for n in range(1, 10))}
)

Year = Annotated[int, Field(ge=2000, le=2100)]
Status = Literal["actual", "estimate", "plan"]
ObservationKind = Literal["level", "increment"]
TargetKind = Literal["level", "increment", "share", "maintain"]
Level = Literal["national", "province", "district"]

# Words of an administrative title that do not belong in a slug ("Thành phố Hồ Chí Minh"),
# matched with their diacritics: "Tĩnh Gia" and "Tịnh Biên" keep their first word.
_TITLES = ("thành phố ", "tỉnh ", "tp. ", "tp ")


def slugify(name: str) -> str:
    """The slug of a locality's name, the one rule of `import` and `extract`: ``Hậu Giang``
    → ``hau_giang``, ``Bà Rịa – Vũng Tàu`` → ``ba_ria_vung_tau``, ``TP. Cần Thơ`` →
    ``can_tho``; empty when the name has no letter or digit."""
    text = unicodedata.normalize("NFC", name).strip().lower()
    for title in _TITLES:
        if text.startswith(title) and len(text) > len(title):
            text = text[len(title) :]
            break
    text = unicodedata.normalize("NFKD", text.replace("đ", "d"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    slug = re.sub(r"[^a-z0-9]+", "_", text).strip("_")
    return f"{slug}_" if slug in WINDOWS_RESERVED else slug  # "Con" → con_.yaml, never con.yaml


def unprintable(name: str) -> str | None:
    """The first control or invisible formatting character of a name (a line break, U+202E
    that shows the rest of a line reversed, a zero-width mark), written U+XXXX; or None."""
    for c in name:
        if unicodedata.category(c) in ("Cc", "Cf"):
            return f"U+{ord(c):04X}"
    return None


class Invalid(ValueError):
    """What a validator raises. Pydantic keeps the exception in its error (``ctx['error']``),
    so the problems arrive whole; their fields are seen from the error's location."""

    def __init__(self, *problems: Problem):
        self.problems = problems
        super().__init__("\n".join(map(str, problems)))


def _invalid(field: str | tuple, expected: str, found: object, code: str) -> Invalid:
    return Invalid(Problem(None, field, expected, found, code=code))


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
        raise _invalid((), "a date written YYYY, YYYY-MM or YYYY-MM-DD", repr(value), "date")
    year, month, day = m.groups()
    try:
        dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        raise _invalid((), "a real calendar date", repr(value), "date") from None
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
    # A share (a `*_share` figure, or a target of kind `share`) is of all communes unless
    # its words say it is of the communes at the NTM standard ("40% số xã đạt chuẩn NTM").
    share_of: Literal["communes_total", "communes_ntm"] | None = None

    _as_of_text = field_validator("as_of", mode="before")(_as_of_text)
    _as_of_check = field_validator("as_of")(_check_as_of)

    @model_validator(mode="after")
    def _known_metric_or_unit(self):
        if self.metric not in metrics.CORE and not self.unit:
            expected = (
                f"a unit for metric '{self.metric}' (it is not one of {', '.join(metrics.CORE)})"
            )
            raise _invalid("unit", expected, "none", "unit")
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
        raise _invalid(what, "a finite number", value, "range")
    if value < 0:
        noun = "a count" if info.family in ("commune", "ocop", "count") else "a value"
        raise _invalid(what, f"{noun} ≥ 0", plain(value), "range")
    if info.upper is not None and value > info.upper:
        raise _invalid(what, f"at most {plain(info.upper)}", plain(value), "range")


class Observation(_Sourced):
    value: float
    status: Status
    kind: ObservationKind = "level"
    # A commune figure of the communes formed on 1 July 2025 (`metrics.MERGER_MONTH`): it
    # starts a new series, it does not continue the old communes' one.
    after_merger: bool = False

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
    # The country's target standing in for a unit's own (`domain.national_targets`); set
    # when the params are loaded, never written in a file.
    from_national: bool = False

    @model_validator(mode="after")
    def _value_or_range(self):
        if self.value is None and (self.min is None or self.max is None):
            if self.min is None and self.max is None:
                raise _invalid("value", "`value` or both `min` and `max`", "neither", "amount")
            raise _invalid("max", "both `min` and `max` for a range", "only one", "amount")
        if self.value is not None and (self.min is not None or self.max is not None):
            raise _invalid("value", "either `value` or `min`/`max`", "both", "amount")
        if self.value is None and self.min > self.max:
            found = f"min {plain(self.min)} > max {plain(self.max)}"
            raise _invalid("min", "min ≤ max", found, "amount")
        for name in ("value", "min", "max"):
            x = getattr(self, name)
            if x is None:
                continue
            if self.kind in ("share", "maintain") and not 0 <= x <= 100:
                raise _invalid(name, "a share between 0 and 100", plain(x), "range")
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


def _check_name(name: str) -> str:
    bad = unprintable(name)
    if bad is not None:
        raise _invalid((), "a name without control or direction characters", bad, "name")
    return name


def _check_slug(slug: str) -> str:
    if slug in WINDOWS_RESERVED:
        raise _invalid((), "a slug that is no Windows device name", repr(slug), "slug")
    return slug


class Locality(_Record):
    name: Annotated[str, Field(min_length=1, max_length=MAX_NAME_LENGTH)]
    slug: Annotated[str, Field(pattern=SLUG)]
    level: Level
    parent: Annotated[str, Field(pattern=SLUG)] | None = None
    # A unit made of other localities (the provinces of 1 July 2025): their slugs.
    members: Annotated[tuple[Annotated[str, Field(pattern=SLUG)], ...], Field(strict=False)] = ()
    # A former province that is a member of such a unit since 1 July 2025: the unit's slug.
    merged_into: Annotated[str, Field(pattern=SLUG)] | None = None
    origin_year: Year
    notes: str | None = None
    # Lists in YAML, frozen tuples here (strict mode alone would refuse a list).
    observations: Annotated[tuple[Observation, ...], Field(strict=False)] = ()
    targets: Annotated[tuple[Target, ...], Field(strict=False)] = ()

    _name_check = field_validator("name")(_check_name)
    _slug_check = field_validator("slug")(_check_slug)

    @model_validator(mode="after")
    def _consistent_counts(self):
        problems = [*self._above_total(), *self._unnested()]
        if problems:
            raise Invalid(*problems)
        return self

    def _levels(self):
        for i, o in enumerate(self.observations):
            if o.kind == "level":
                yield i, o

    def _above_total(self):
        # The old communes and those of 1 July 2025 are counted apart.
        totals: dict[tuple[int, bool], float] = {}
        for _, o in self._levels():
            if o.metric == "communes_total":
                key = (o.year, o.after_merger)
                totals[key] = max(totals.get(key, 0.0), o.value)
        for i, o in self._levels():
            key = (o.year, o.after_merger)
            if o.metric in metrics.COMMUNE_STANDARDS and key in totals and o.value > totals[key]:
                expected = f"{o.metric} ≤ communes_total {plain(totals[key])} in {o.year}"
                field = ("observations", i, "value")
                yield Problem(None, field, expected, plain(o.value), code="above_total")

    def _unnested(self):
        # Pair figures of one report: same year, status and date.
        groups: dict[tuple, dict[str, tuple[int, float]]] = defaultdict(dict)
        for i, o in self._levels():
            if o.metric in metrics.COMMUNE_STANDARDS:
                groups[(o.year, o.status, o.as_of, o.after_merger)][o.metric] = (i, o.value)
        for key, got in groups.items():
            for lower, higher in metrics.NESTED_IN.items():
                if lower in got and higher in got and got[lower][1] > got[higher][1]:
                    field = ("observations", got[lower][0], "value")
                    expected = f"{lower} ≤ {higher} ({plain(got[higher][1])}) in {key[0]}"
                    yield Problem(None, field, expected, plain(got[lower][1]), code="unnested")

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


# ---------------------------------------------------------------- problems in words


def validation_problems(exc: ValidationError, file: object = None) -> list[Problem]:
    """Every error of a validation as a :class:`Problem` of ``file``, from pydantic's
    structured errors: our validators' problems as raised, pydantic's own in our words."""
    out = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        raised = (err.get("ctx") or {}).get("error")
        if isinstance(raised, Invalid):
            out.extend(p.within(*loc) for p in raised.problems)
        else:
            out.append(Problem(None, loc, _expected(err), _found(err), code=err["type"]))
    return [replace(p, file=file) for p in out]


_EXPECTED = {
    "missing": "this field",
    "extra_forbidden": "only the documented fields",
    "int_type": "an integer",
    "float_type": "a number",
    "string_type": "text",
    "bool_type": "true or false",
    "tuple_type": "a list",
    "model_type": "a mapping of fields",
    "dict_type": "a mapping of fields",
}


def _expected(err: dict) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "literal_error":
        return f"one of {ctx.get('expected', '')}".replace("'", "")
    if kind in ("greater_than_equal", "less_than_equal"):
        return _range_text(err)
    if kind == "string_pattern_mismatch":
        return f"text matching {ctx.get('pattern')}"
    if kind == "string_too_short":
        return "non-empty text"
    if kind == "string_too_long":
        return f"at most {ctx.get('max_length')} characters"
    if kind == "int_from_float":
        return "a whole number"
    return _EXPECTED.get(kind, err["msg"].lower())


def _range_text(err: dict) -> str:
    ctx = err.get("ctx") or {}
    if err["loc"] and err["loc"][-1] in ("year", "origin_year"):
        return "a year between 2000 and 2100"
    if "ge" in ctx:
        return f"a value ≥ {ctx['ge']}"
    return f"a value ≤ {ctx['le']}"


def _found(err: dict) -> str:
    if err["type"] == "missing":
        return "nothing"
    value = err.get("input")
    if err["type"] == "extra_forbidden":
        return f"unknown field '{err['loc'][-1]}'"
    if err["type"] == "string_too_long":
        return f"{len(value)} characters"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"
