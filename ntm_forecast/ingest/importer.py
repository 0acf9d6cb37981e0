"""`ntm-forecast import`: tidy CSV tables of figures into params files.

A table has the columns of the public figure files (``locality, level, year, as_of,
metric, value, denominator, status, source_url, quote``; ``unit`` and ``note`` are
optional). Each row becomes an observation or a target of one locality's params file,
created or extended in place: what a file already holds is never lost or reordered, a
row equal to an entry is skipped, a different value for the same figure is added and
reported as a conflict. The whole command is all or nothing.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import difflib
import io
import math
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from ntm_forecast.domain import metrics
from ntm_forecast.domain.members import member_problems
from ntm_forecast.domain.params import SUFFIXES, dump_params, load_locality, read_yaml
from ntm_forecast.domain.schema import (
    AS_OF,
    MAX_NAME_LENGTH,
    Locality,
    slugify,
    unprintable,
    validation_problems,
)
from ntm_forecast.errors import InputError, Problem
from ntm_forecast.files import atomic_path, ensure_writable_dir, read_text
from ntm_forecast.i18n.numbers import as_number, plain

REQUIRED = (
    "locality",
    "level",
    "year",
    "as_of",
    "metric",
    "value",
    "denominator",
    "status",
    "source_url",
    "quote",
)
OPTIONAL = ("unit", "note")
# A table of merged units (the provinces of 1 July 2025): one row per unit.
UNIT_COLUMNS = ("new_unit", "former_units", "resolution", "effective_date", "source_url", "quote")
# `unit_2025`: a provincial unit of 1 July 2025 by its present name: its own file (a unit
# of several former provinces), or the province's file where the province did not merge.
UNIT_LEVEL = "unit_2025"
LEVELS = ("national", "province", "district", UNIT_LEVEL)
STATUSES = ("actual", "estimate", "plan", "target")
INCREMENT_SUFFIX = "_new_in_year"
SHARE_SUFFIX = "_share"
NATIONAL_SLUG = "vietnam"
_TRAILING_NOTE = re.compile(r"\s*\[([^\[\]]*)\]\s*$")
# The table's notes that say what a denominator or a share counts among.
_OF_NTM = re.compile(r"denominator: the communes at the NTM standard|share of the NTM communes")
# "30/58 xã" where only 58 of the communes reported: the 58 is no total of anything.
_PARTIAL = re.compile(r"^partial\b", re.MULTILINE)
# A range target recorded by its lower end ("[RANGE 17-19: …]", "[value = lower bound of
# range 12-15]"): the range itself is the target.
_RANGE = re.compile(r"\brange (\d+(?:\.\d+)?)\s*[-–]\s*(\d+(?:\.\d+)?)", re.IGNORECASE)
# The 1 July 2025 commune merger, as the table's notes tag a figure (a note may name
# another figure's "pre-merger count" in passing: only these tags decide).
_BEFORE_MERGER = re.compile(
    r"BEFORE (?:COMMUNE )?MERGER|pre-merger communes|old commune structure|pre-1 July 2025"
)
_AFTER_MERGER = re.compile(r"post-merger|merged communes|after 1 July 2025")
_VI_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")  # "5.775": thousands, Vietnamese style
_DISTRICT = re.compile(r"^(.*\S)\s*\(([^()]+)\)\s*$")


@dataclass(frozen=True)
class At:
    """A row of a table: where an entry comes from and where its problems are reported."""

    table: Path
    row: int

    def problem(
        self, column: str, expected: str, found: object, code: str | None = None
    ) -> Problem:
        return Problem(self.table, column, expected, found, row=self.row, code=code)

    def __str__(self) -> str:
        return f"{self.table}:{self.row}"


@dataclass(frozen=True)
class Place:
    """Who a row is about. Two spellings of one place ("Hải Hà", "Hai Ha", NFC or NFD)
    are the same place: equal by the slug of the name, the level and the parent; the
    display name (the first spelling met) keeps its diacritics."""

    name: str = field(compare=False)
    level: str
    name_slug: str
    parent: str | None  # a district's province slug; `vietnam` for a province

    @property
    def base_slug(self) -> str:
        return NATIONAL_SLUG if self.level == "national" else self.name_slug


@dataclass(frozen=True)
class Row:
    """One table row, checked and turned into a params entry."""

    where: At
    place: Place
    section: str  # observations | targets | members
    entry: dict
    also: tuple[dict, ...] = ()  # entries implied by the row (x/y gives communes_total)
    warnings: tuple[Problem, ...] = ()  # what looks wrong but may be right (a future date)


def _unit_rows(path: Path, header: list[str], records: list[list[str]]) -> list[Row]:
    """Units formed from several former provinces; a unit of one is the same locality."""
    rows, errors = [], []
    for n, cells in enumerate(records, start=2):
        if not any(c.strip() for c in cells):
            continue
        where = At(path, n)
        if len(cells) != len(header):
            errors.append(where.problem("row", f"{len(header)} cells like the header", len(cells)))
            continue
        get = {name: _cell(cells[header.index(name)]) for name in UNIT_COLUMNS}
        formers = [f.strip() for f in get["former_units"].split(";") if f.strip()]
        empty = [c for c in ("new_unit", "former_units", "source_url", "quote") if not get[c]]
        errors.extend(where.problem(c, "a value", "an empty cell") for c in empty)
        named = [("new_unit", get["new_unit"])] if get["new_unit"] else []
        named += [("former_units", f) for f in formers]
        bad_names = [p for column, name in named for p in _name_problems(where, column, name)]
        errors.extend(bad_names)
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", get["effective_date"]):
            date = repr(get["effective_date"])
            errors.append(where.problem("effective_date", "a date YYYY-MM-DD", date))
            continue
        if empty or bad_names or len(formers) < 2:
            continue
        entry = {
            "members": [slugify(f) for f in formers],
            "notes": (
                f"Formed on {get['effective_date']} from {', '.join(formers)} under "
                f'Resolution {get["resolution"]} ({get["source_url"]}: "{get["quote"]}"). '
                "Its history is the sum of its members' figures for the years where every "
                "member has one."
            ),
        }
        rows.append(Row(where, _place(get["new_unit"], "province"), "members", entry))
    if errors:
        raise InputError(errors)
    return rows


@dataclass
class Change:
    """What an import does to one params file."""

    slug: str
    path: Path
    created: bool
    added: list[tuple[At, dict]] = field(default_factory=list)  # (where, entry)
    skipped: list[tuple[At, dict]] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # of the rows it was given
    data: dict = field(default_factory=dict)
    where_of: dict[tuple[str, int], At] = field(default_factory=dict)  # (section, index)
    figures: dict[str, dict] = field(default_factory=dict)  # section → figure → _Figure

    @property
    def touched(self) -> bool:
        return bool(self.added)


@dataclass
class ImportResult:
    changes: list[Change]
    dry_run: bool

    def report_lines(self) -> list[str]:
        lines = []
        for c in self.changes:
            what = "new file" if c.created else "updated" if c.touched else "unchanged"
            lines.append(
                f"{c.path}: {what}: {len(c.added)} added, {len(c.skipped)} skipped, "
                f"{len(c.conflicts)} in conflict"
            )
            if self.dry_run:
                lines.extend(f"  + {_describe(e)} ({w})" for w, e in c.added)
                lines.extend(f"  = {_describe(e)} ({w})" for w, e in c.skipped)
            lines.extend(f"  ! {text}" for text in c.conflicts)
            lines.extend(f"  ? {problem}" for problem in c.warnings)
        verb = "would be written" if self.dry_run else "written"
        n = sum(c.touched for c in self.changes)
        lines.append(f"{n} params file(s) {verb}")
        return lines


def _describe(e: dict) -> str:
    status = e.get("status", "target")
    return f"{e['metric']} {e['year']} {e.get('kind', 'level')} {status} = {_amount(e)}"


def _amount(e: dict) -> str:
    if e.get("value") is not None:
        return plain(e["value"])
    return f"{plain(e.get('min'))}–{plain(e.get('max'))}"


# ---------------------------------------------------------------- reading tables


def read_table(path: str | os.PathLike[str], today: dt.date | None = None) -> list[Row]:
    """Every row of one CSV table, or :class:`InputError` with one problem per bad cell; a
    date after ``today`` (the clock's by default) is a row's warning."""
    path = Path(path)
    today = today or dt.date.today()
    text = read_text(path)
    head = At(path, 1)
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise InputError(head.problem("csv", "well-formed CSV", exc)) from None
    if not records or not any(cell.strip() for cell in records[0]):
        raise InputError(head.problem("header", "a header row", "an empty file"))
    header = [h.strip() for h in records[0]]
    if set(UNIT_COLUMNS) <= set(header):
        _check_header(head, header, UNIT_COLUMNS)
        return _unit_rows(path, header, records[1:])
    _check_header(head, header, (*REQUIRED, *OPTIONAL))
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError([head.problem(c, f"a column '{c}'", "no such column") for c in missing])
    index = {name: header.index(name) for name in (*REQUIRED, *OPTIONAL) if name in header}
    rows, errors = [], []
    for n, cells in enumerate(records[1:], start=2):
        if not any(c.strip() for c in cells):
            continue  # a blank line
        where = At(path, n)
        if len(cells) != len(header):
            errors.append(where.problem("row", f"{len(header)} cells like the header", len(cells)))
            continue
        get = {name: _cell(cells[i]) for name, i in index.items()}
        try:
            rows.append(_row(where, get, today))
        except InputError as exc:
            errors.extend(exc.problems)
    if errors:
        raise InputError(errors)
    return rows


def _check_header(head: At, header: list[str], known: Sequence[str]) -> None:
    """A column named twice (which one holds the figure?) or a column the import does not
    read (a misspelled `note` would be dropped in silence) is refused, the closest known
    name suggested."""
    problems = []
    for name in dict.fromkeys(header):
        times = header.count(name)
        if times > 1:
            problems.append(
                head.problem(name or "(unnamed)", "a column named once", f"{times} columns")
            )
        elif name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"did you mean `{close[0]}`?" if close else f"one of {', '.join(known)}"
            found = f"`{name}`" if name else "a column without a name"
            problems.append(head.problem(name or "(unnamed)", f"a known column ({hint})", found))
    if problems:
        raise InputError(problems)


def _name_problems(where: At, column: str, name: str, level: str = "province") -> list[Problem]:
    """A name becomes a file's name (its slug): printable, not too long, with a letter or a
    digit (a district's and its province's in "Hải Hà (Quảng Ninh)")."""
    bad = unprintable(name)
    if bad is not None:
        return [where.problem(column, "a name without control or direction characters", bad)]
    if len(name) > MAX_NAME_LENGTH:
        expected = f"a name of at most {MAX_NAME_LENGTH} characters"
        return [where.problem(column, expected, f"{len(name)} characters")]
    place = _place(name, level)
    if not place.name_slug or place.parent == "":
        return [where.problem(column, "a name with a letter or a digit", repr(name))]
    return []


def _cell(text: str) -> str:
    """One spelling for every cell: NFC (a table saved on a Mac may be NFD), no outer space."""
    return unicodedata.normalize("NFC", text).strip()


def _number(where: At, column: str, text: str, *, required: bool) -> float | None:
    if not text:
        if required:
            raise InputError(where.problem(column, "a number", "an empty cell"))
        return None
    try:
        x = float(text)
    except ValueError:
        raise InputError(where.problem(column, "a number", repr(text))) from None
    if not text.isascii() or "_" in text:  # Python also reads "1_000", "٣" and "１２"
        raise InputError(where.problem(column, "a number in the digits 0-9", repr(text)))
    if not math.isfinite(x):
        raise InputError(where.problem(column, "a finite number", repr(text)))
    return x


_DATED_NOTE = re.compile(r"^(\d{4}(?:-\d{2}){0,2})\s*\((.+)\)$")


def _as_of_cell(text: str) -> tuple[str | None, str | None]:
    """``2021-03-23 (2018-2020 period review)`` → the date, and the words as a note."""
    m = _DATED_NOTE.match(text)
    if m:
        return m.group(1), f"as of: {m.group(2)}"
    return text or None, None


def _split_note(quote: str) -> tuple[str, str | None]:
    """``words [A] [B]`` → (words, "A; B"): the brackets are the table's notes, not the page's."""
    notes: list[str] = []
    while (m := _TRAILING_NOTE.search(quote)) and quote[: m.start()].strip():
        notes.insert(0, m.group(1).strip())
        quote = quote[: m.start()]
    return quote.strip(), "; ".join(notes) or None


def _after_merger(level: str, as_of: str | None, notes: str) -> bool:
    """Whether a commune figure counts the communes formed on 1 July 2025. A unit's figure
    does unless its notes say it is of the old communes; any other figure only where its
    notes say so, or a national one dated from July 2025 on."""
    if _BEFORE_MERGER.search(notes):
        return False
    if level == UNIT_LEVEL or _AFTER_MERGER.search(notes):
        return True
    return level == "national" and bool(as_of) and as_of[:7] >= metrics.MERGER_MONTH


def _future(where: At, year: int, as_of: str | None, status: str, today: dt.date) -> list:
    """A figure dated after ``today``, or stated for a year past the next: not yet known."""
    out = []
    if as_of and as_of > today.isoformat()[: len(as_of)]:
        out.append(where.problem("as_of", f"a date not after today ({today})", repr(as_of)))
    if status in ("actual", "estimate") and year > today.year + 1:
        expected = f"a year of a figure known by now (at most {today.year + 1})"
        out.append(where.problem("year", expected, year))
    return out


def _row(where: At, get: dict[str, str], today: dt.date) -> Row:
    problems = []

    def need(column: str) -> str:
        if not get[column]:
            problems.append(where.problem(column, "a value", "an empty cell"))
        return get[column]

    name = need("locality")
    level = get["level"]
    if level not in LEVELS:
        problems.append(where.problem("level", " / ".join(LEVELS), repr(level)))
    if name:
        problems.extend(_name_problems(where, "locality", name, level))
    year = None
    if re.fullmatch(r"[0-9]{4}", get["year"]):
        year = int(get["year"])
        if not 2000 <= year <= 2100:
            problems.append(where.problem("year", "a year from 2000 to 2100", year))
    else:
        problems.append(where.problem("year", "a year from 2000 to 2100", repr(get["year"])))
    as_of, as_of_note = _as_of_cell(get["as_of"])
    if as_of and not AS_OF.match(as_of):
        problems.append(where.problem("as_of", "a date YYYY, YYYY-MM or YYYY-MM-DD", repr(as_of)))
    status = get["status"]
    if status not in STATUSES:
        problems.append(where.problem("status", " / ".join(STATUSES), repr(status)))
    metric_text = need("metric")
    unit = get.get("unit") or None
    try:
        value = _number(where, "value", get["value"], required=True)
    except InputError as exc:
        problems.extend(exc.problems)
        value = None
    try:
        denominator = _number(where, "denominator", get["denominator"], required=False)
    except InputError as exc:
        problems.extend(exc.problems)
        denominator = None
    source = need("source_url")
    quote_text = need("quote")
    metric, kind, share = _metric(metric_text)
    counted = not share and metrics.info(metric, unit).family in ("commune", "ocop", "count")
    for column, x in (("value", value), ("denominator", denominator)):
        if x is None or not (counted or column == "denominator"):
            continue
        text = get[column]
        thousands = _VI_THOUSANDS.match(text)  # "1.000" is one thousand, not one
        if thousands or not float(x).is_integer() or (column == "denominator" and x <= 0):
            hint = (
                f" (Vietnamese '{text}' is {text.replace('.', '')}: write it so)"
                if thousands
                else ""
            )
            whole = "a whole number > 0" if column == "denominator" else "a whole number"
            problems.append(where.problem(column, f"{whole}{hint}", repr(text)))
    if metric_text and metric not in metrics.CORE and not unit and not share:
        known = ", ".join(metrics.CORE)
        problems.append(
            where.problem(
                "metric",
                f"one of {known} (or with {INCREMENT_SUFFIX} / {SHARE_SUFFIX}), or a unit column",
                repr(metric_text),
            )
        )
    if problems:
        raise InputError(problems)

    place = _place(name, level)
    warnings = tuple(_future(where, year, as_of, status, today))
    quote, bracket = _split_note(quote_text)
    notes = [n for n in (bracket, as_of_note, get.get("note") or None) if n]
    of_ntm = bool(bracket and _OF_NTM.search(bracket))
    base = {"metric": metric, "year": year}
    tail = {"source": source, "quote": quote}
    if notes:
        tail["note"] = "; ".join(notes)
    also: list[dict] = []
    if status == "target":
        entry = {**base, "kind": "share" if share else kind, "value": as_number(value)}
        span = _RANGE.search(bracket or "")
        if span and float(span.group(1)) == value:
            del entry["value"]
            entry["min"], entry["max"] = (as_number(float(g)) for g in span.groups())
        if share and of_ntm:
            entry["share_of"] = "communes_ntm"
        if unit:
            entry["unit"] = unit
        if as_of:
            entry["as_of"] = as_of
        return Row(where, place, "targets", {**entry, **tail}, warnings=warnings)
    if share:  # a stated percentage stays a share observation
        entry = {**base, "metric": metric_text, "value": as_number(value), "status": status}
        unit = unit or "percent"
    else:
        entry = {**base, "value": as_number(value), "status": status}
    if as_of:
        entry["as_of"] = as_of
    entry["kind"] = kind
    if unit:
        entry["unit"] = unit
    if share and of_ntm:
        entry["share_of"] = "communes_ntm"
    merged = metrics.info(metric, unit).family == "commune" or metric == "communes_total"
    if merged and _after_merger(level, as_of, bracket or ""):
        entry["after_merger"] = True
    entry.update(tail)
    partial = bool(_PARTIAL.search((bracket or "").replace("; ", "\n")))
    if (
        denominator is not None
        and metric in metrics.COMMUNE_STANDARDS
        and kind == "level"
        and not partial
    ):
        # "x/y xã" counts among all y communes, unless the words say the y are the
        # communes at the NTM standard (the national "2.275/6.250" advanced communes).
        among = "communes_ntm" if of_ntm and metric != "communes_ntm" else "communes_total"
        what = "the communes at the NTM standard" if among == "communes_ntm" else "all communes"
        denominator_entry = {
            "metric": among,
            "year": year,
            "value": as_number(denominator),
            "status": status,
            **({"as_of": as_of} if as_of else {}),
            "kind": "level",
            **({"after_merger": True} if "after_merger" in entry else {}),
            "source": source,
            "quote": quote,
            "note": f"DERIVED: the denominator of {plain(value)}/{plain(denominator)} ({what})",
        }
        also.append(denominator_entry)
    return Row(where, place, "observations", entry, tuple(also), warnings)


def _metric(text: str) -> tuple[str, str, bool]:
    """(metric, kind, is_share) from a table's metric name."""
    if text.endswith(INCREMENT_SUFFIX):
        base = text[: -len(INCREMENT_SUFFIX)]
        if base not in metrics.CORE and f"{base}_total" in metrics.CORE:
            base = f"{base}_total"  # ocop_new_in_year adds to ocop_total
        return base, "increment", False
    if text.endswith(SHARE_SUFFIX) and text[: -len(SHARE_SUFFIX)] in metrics.COMMUNE_STANDARDS:
        return text[: -len(SHARE_SUFFIX)], "level", True
    return text, "level", False


def _place(name: str, level: str) -> Place:
    m = _DISTRICT.match(name)
    if level == "district" and m:
        own, province = m.group(1).strip(), m.group(2).strip()
        return Place(own, level, slugify(own), slugify(province))
    return Place(name, level, slugify(name), None if level == "national" else NATIONAL_SLUG)


def _unit_slug(place: Place, files: dict[str, dict]) -> str | None:
    """The file of a unit of 1 July 2025: the unit of that name, else the province that did
    not merge (it is its own unit) of that name, or of a longer former name ending with it
    (Thừa Thiên Huế, now Huế); None when there is no such file, or more than one."""
    merged_away = {m for data in files.values() for m in data.get("members") or ()}
    units = [
        s for s, d in files.items() if d.get("members") and slugify(d["name"]) == place.name_slug
    ]
    if units:
        return min(units)
    alone = [
        s
        for s, d in files.items()
        if d.get("level") == "province" and not d.get("members") and s not in merged_away
    ]
    for named in (lambda s: s == place.name_slug, lambda s: s.endswith(f"_{place.name_slug}")):
        found = [s for s in alone if named(s)]
        if len(found) == 1:
            return found[0]
    return None


# ---------------------------------------------------------------- merging into files


_FIGURE = ("metric", "year", "kind", "status", "after_merger", "share_of")


def _as_of(e: dict) -> str | None:
    v = e.get("as_of")
    return None if v is None else str(v)


def _numbers(e: dict) -> tuple:
    return tuple(None if e.get(k) is None else float(e[k]) for k in ("value", "min", "max"))


@dataclass
class _Figure:
    """The entries of a section that state one figure (metric, year, kind, status, …),
    indexed so that a row is matched against them in constant time, not one by one.

    Two entries are at the same time when their dates are equal or either is vague (none,
    or the bare year: the rule of `check`). A row is already in the file when an entry at
    the same time, or from the same page whatever the date (a page recorded twice with two
    dates does not make the row a new figure), has its numbers; else it conflicts with the
    first entry at the same time."""

    vague: frozenset  # the dates that cannot be told apart from any other
    first: dict | None = None
    first_vague: tuple[int, dict] | None = None
    first_at: dict[str, tuple[int, dict]] = field(default_factory=dict)
    numbers: set = field(default_factory=set)
    numbers_vague: set = field(default_factory=set)
    numbers_at: set = field(default_factory=set)  # (date, numbers)
    numbers_from: set = field(default_factory=set)  # (source, numbers)

    def add(self, position: int, e: dict) -> None:
        when, numbers = _as_of(e), _numbers(e)
        self.first = self.first or e
        if when in self.vague:
            self.first_vague = self.first_vague or (position, e)
            self.numbers_vague.add(numbers)
        else:
            self.first_at.setdefault(when, (position, e))
        self.numbers.add(numbers)
        self.numbers_at.add((when, numbers))
        self.numbers_from.add((e.get("source"), numbers))

    def holds(self, e: dict) -> bool:
        when, numbers = _as_of(e), _numbers(e)
        if when in self.vague:
            return numbers in self.numbers
        return (
            (when, numbers) in self.numbers_at
            or numbers in self.numbers_vague
            or (e.get("source"), numbers) in self.numbers_from
        )

    def clash(self, e: dict) -> dict | None:
        when = _as_of(e)
        if when in self.vague:
            return self.first
        found = [f for f in (self.first_at.get(when), self.first_vague) if f is not None]
        return min(found, key=lambda f: f[0])[1] if found else None


def _figure_of(change: Change, section: str, entries: list[dict], e: dict) -> _Figure:
    """The index of ``e``'s figure in a section, built from the section when first used."""
    figures = change.figures.get(section)
    if figures is None:
        figures = change.figures[section] = {}
        for position, old in enumerate(entries):
            _figure_in(figures, old).add(position, old)
    return _figure_in(figures, e)


def _figure_in(figures: dict[tuple, _Figure], e: dict) -> _Figure:
    key = tuple(e.get(k) for k in _FIGURE)
    if key not in figures:
        figures[key] = _Figure(frozenset({None, str(e.get("year"))}))
    return figures[key]


def _merge(entries: list[dict], new: dict, where: At, change: Change, section: str) -> None:
    figure = _figure_of(change, section, entries, new)
    if figure.holds(new):
        change.skipped.append((where, new))
        return
    clash = figure.clash(new)
    entries.append(new)
    figure.add(len(entries) - 1, new)
    change.where_of[(section, len(entries) - 1)] = where
    change.added.append((where, new))
    if clash is not None:
        who = "target" if section == "targets" else new.get("status")
        change.conflicts.append(
            f"{change.path}: {section}: two {who} values for {new['metric']} in {new['year']}: "
            f"{_amount(clash)} already in the file and {_amount(new)} "
            f"from {where} (both kept)"
        )


def _identity(data: dict) -> tuple:
    return (data.get("level"), data.get("parent"))


def _locate(place: Place, existing: dict[str, dict], claimed: dict[str, Place]) -> str:
    """The file of a place: its own slug, or, for a district whose name another place
    holds (Quảng Ninh district of Quảng Bình), the slug with its province's. A province
    or the country never moves: a file of another kind under its slug is an error."""
    candidates = [place.base_slug]
    if place.level == "district":
        candidates.append(f"{place.base_slug}_{place.parent}")
    for slug in candidates:
        owner = claimed.get(slug)
        data = existing.get(slug)
        if owner == place or (
            owner is None
            and data is not None
            and _identity(data)
            == (
                place.level,
                place.parent,
            )
        ):
            claimed[slug] = place
            return slug
        if owner is None and data is None:
            claimed[slug] = place
            return slug
    held = existing.get(place.base_slug)
    what = f"a {held.get('level')} of {held.get('parent')}" if held else "another locality"
    raise InputError(
        Problem(
            f"{place.base_slug}.yaml",
            "slug",
            f"the file of {place.level} '{place.name}'",
            f"{what} (rename one of them)",
        )
    )


def plan_import(
    tables: Sequence[str | os.PathLike[str]],
    into: str | os.PathLike[str] = "params",
    *,
    origin_year: int | None = None,
    today: dt.date | None = None,
) -> list[Change]:
    """Read every table and work out each file's new content; nothing is written.

    A new file's ``origin_year`` is ``origin_year`` when given (the date the tables stand
    at), else the year of its own latest figure. A row dated after ``today`` (the clock's
    by default) is its file's warning."""
    into = Path(into)
    if into.exists() and not into.is_dir():
        raise InputError.at(into, "into", "a directory", "a file")
    rows, errors = [], []
    for table in tables:
        try:
            rows.extend(read_table(table, today))
        except InputError as exc:
            errors.extend(exc.problems)
    if errors:
        raise InputError(errors)
    folder = _existing(into)
    existing, paths = folder.data, folder.paths
    # Provinces and the country claim their slugs first, in a fixed order, so the same
    # tables always give the same files.
    claimed: dict[str, Place] = {}
    figures = [r for r in rows if r.section != "members" and r.place.level != UNIT_LEVEL]
    places = sorted(
        {r.place for r in figures},
        key=lambda p: (p.level == "district", p.name_slug, p.parent or "", p.level),
    )
    slug_of = {p: _locate(p, existing, claimed) for p in places}
    origin: dict[Place, int] = {}
    for r in figures:
        if r.section == "observations":
            origin[r.place] = max(origin.get(r.place, r.entry["year"]), r.entry["year"])

    changes: dict[str, Change] = {}
    units = [r for r in rows if r.section == "members"]
    for r in figures:
        slug = slug_of[r.place]
        change = changes.get(slug)
        if change is None:
            path = into / f"{slug}.yaml"
            if slug in existing:
                data = existing[slug]
                data.setdefault("observations", [])
                data.setdefault("targets", [])
                change = Change(slug, paths[slug], False, data=data)
            else:
                year = origin_year or origin.get(r.place, r.entry["year"])
                change = Change(slug, path, True, data=_new_file(r.place, slug, year))
            changes[slug] = change
        section = change.data.setdefault(r.section, [])
        _merge(section, r.entry, r.where, change, r.section)
        change.warnings.extend(r.warnings)
        for extra in r.also:
            _merge(change.data["observations"], extra, r.where, change, "observations")
    known = set(existing) | set(changes)
    _plan_units(units, into, folder, changes, known)
    _plan_unit_figures([r for r in rows if r.place.level == UNIT_LEVEL], folder, changes)
    out = list(changes.values())
    _validate(out, folder)
    return out


@dataclass(frozen=True)
class _Folder:
    """The params folder as it is before the import: read once."""

    data: dict[str, dict]  # slug → the file's plain mapping (what a rewrite starts from)
    paths: dict[str, Path]
    localities: dict[str, Locality]


def _existing(into: Path) -> _Folder:
    """Every params file of the folder; a broken file, or one with YAML comments (a
    rewrite would lose them), stops the import before anything is planned."""
    existing: dict[str, dict] = {}
    localities: dict[str, Locality] = {}
    paths = _paths(into)
    for p in paths.values():
        localities[p.stem] = load_locality(p)
        for n, line in enumerate(read_text(p).splitlines(), start=1):
            if line.lstrip().startswith("#"):
                expected = "no YAML comments (import rewrites the file)"
                raise InputError.at(p, f"line {n}", expected, line.strip())
        existing[p.stem] = read_yaml(p)
    return _Folder(existing, paths, localities)


UNIT_SUFFIX = "_2025"


def _plan_units(units, into: Path, folder: _Folder, changes: dict, known: set) -> None:
    existing = folder.data
    errors = []
    for r in units:
        members = r.entry["members"]
        missing = [m for m in members if m not in known]
        if missing:
            expected = "former provinces with params files"
            errors.append(r.where.problem("former_units", expected, ", ".join(missing)))
            continue
        slug = r.place.base_slug
        if slug in members or (slug in existing and not existing[slug].get("members")):
            slug += UNIT_SUFFIX  # the unit keeps a former province's name: its own slug
        path = folder.paths.get(slug, into / f"{slug}.yaml")
        years = [(existing.get(m) or changes[m].data).get("origin_year") for m in members]
        if slug in existing:
            change = Change(slug, path, False, data=existing[slug])
            if list(existing[slug].get("members") or []) == members:
                change.skipped.append((r.where, {"metric": "members", "year": "", "value": 0}))
            else:
                change.conflicts.append(
                    f"{path}: members: {existing[slug].get('members')} in the file and "
                    f"{members} from {r.where} (the file's kept)"
                )
        else:
            data = {
                "name": r.place.name,
                "slug": slug,
                "level": "province",
                "parent": NATIONAL_SLUG,
                "members": members,
                "origin_year": max(y for y in years if y),
                "notes": r.entry["notes"],
                "observations": [],
                "targets": [],
            }
            change = Change(slug, path, True, data=data)
            change.added.append((r.where, {"metric": "members", "year": "", "value": len(members)}))
        changes[slug] = change
        for m in members:
            _mark_merged(m, slug, r.where, folder, changes)
    if errors:
        raise InputError(errors)


def _mark_merged(member: str, unit: str, where: At, folder: _Folder, changes: dict) -> None:
    """A former province names the unit it merged into (its file says where it went)."""
    change = changes.get(member)
    if change is None:
        change = Change(member, folder.paths[member], False, data=folder.data[member])
    said = change.data.get("merged_into")
    if said == unit:
        return
    if said is not None:
        change.conflicts.append(
            f"{change.path}: merged_into: {said} in the file and {unit} from {where} "
            "(the file's kept)"
        )
    else:
        change.data["merged_into"] = unit
        change.added.append((where, {"metric": "merged_into", "year": "", "value": 0}))
    changes[member] = change


def _plan_unit_figures(rows: list[Row], folder: _Folder, changes: dict[str, Change]) -> None:
    """A unit's figures go to its file, which the mergers table made (now or before)."""
    files = {**folder.data, **{slug: c.data for slug, c in changes.items()}}
    errors = []
    for r in rows:
        slug = _unit_slug(r.place, files)
        if slug is None:
            expected = "a unit of the mergers table, or a province that did not merge"
            errors.append(r.where.problem("locality", expected, repr(r.place.name)))
            continue
        change = changes.get(slug)
        if change is None:
            data = folder.data[slug]
            data.setdefault("observations", [])
            data.setdefault("targets", [])
            change = changes[slug] = Change(slug, folder.paths[slug], False, data=data)
        _merge(change.data.setdefault(r.section, []), r.entry, r.where, change, r.section)
        change.warnings.extend(r.warnings)
        for extra in r.also:
            _merge(change.data["observations"], extra, r.where, change, "observations")
    if errors:
        raise InputError(errors)


def _new_file(place: Place, slug: str, origin: int) -> dict:
    data = {"name": place.name, "slug": slug, "level": place.level}
    if place.parent:
        data["parent"] = place.parent
    data["origin_year"] = origin  # its own latest figure's year
    data["notes"] = (
        "Created by `ntm-forecast import` from tables of public figures; each entry keeps "
        "its page and the words it was read from."
    )
    data["observations"] = []
    data["targets"] = []
    return data


def _validate(changes: Iterable[Change], folder: _Folder) -> None:
    """The files as they would be written: a problem is reported at the table row that
    brought the entry, else at the file; units are checked with their members."""
    errors = []
    built: dict[str, Locality] = {}
    for c in changes:
        try:
            built[c.slug] = Locality.model_validate(c.data)
        except ValidationError as exc:
            errors.extend(_located(c, p) for p in validation_problems(exc, c.path))
    if errors:
        raise InputError(errors)
    pool = {**folder.localities, **built}
    paths = {**folder.paths, **{c.slug: c.path for c in changes}}
    touched = {c.slug for c in changes if c.touched}
    bad = member_problems(pool, paths)
    problems = [p for slug, found in bad.items() if slug in touched for p in found]
    if problems:
        raise InputError(problems)


def _paths(into: Path) -> dict[str, Path]:
    if not into.is_dir():
        return {}
    return {q.stem: q for q in sorted(into.iterdir()) if q.suffix in SUFFIXES}


def _located(c: Change, p: Problem) -> Problem:
    """A problem of a file to be written, moved to the table row that brought its entry
    (``observations[3].min`` of a row is the row's value); else it stays the file's."""
    where = c.where_of.get(p.field[:2])
    if where is None:
        return p
    column = str(p.field[2]) if len(p.field) > 2 else "value"
    column = {"min": "value", "max": "value", "unit": "metric"}.get(column, column)
    return where.problem(column, p.expected, p.found, p.code)


def write_changes(changes: Iterable[Change]) -> list[Path]:
    """Every touched file is written in full to a temporary file first, then all are
    renamed into place, so a failure leaves every params file as it was."""
    changes = [c for c in changes if c.touched]
    try:
        with contextlib.ExitStack() as stack:
            for c in changes:
                tmp = stack.enter_context(atomic_path(c.path))  # renamed when all are written
                tmp.write_text(dump_params(c.data), encoding="utf-8", newline="\n")
    except OSError as exc:
        where = exc.filename or (changes[0].path.parent if changes else "params")
        raise InputError.at(where, "into", "a writable folder", exc.strerror or exc) from None
    return [c.path for c in changes]


def import_tables(
    tables: Sequence[str | os.PathLike[str]],
    into: str | os.PathLike[str] = "params",
    *,
    dry_run: bool = False,
    origin_year: int | None = None,
    today: dt.date | None = None,
) -> ImportResult:
    """Plan, then (unless ``dry_run``) write; raises :class:`InputError` on any bad row."""
    if origin_year is not None and not 2000 <= origin_year <= 2100:
        raise InputError.at("--origin-year", "origin_year", "a year 2000–2100", origin_year)
    changes = plan_import(tables, into, origin_year=origin_year, today=today)
    if not dry_run and any(c.touched for c in changes):
        ensure_writable_dir(into)
        write_changes(changes)
    return ImportResult(changes, dry_run)


def add_row(params_file: str | os.PathLike[str], cells: dict[str, str], where: At) -> Change:
    """One row of a table (the cells of REQUIRED) added to a params file the caller knows,
    as `import` adds it: the row checked, the entry merged (an equal one skipped, another
    value for the same figure kept beside it as a conflict), the file validated with its
    folder, then written atomically; :class:`InputError` and nothing written otherwise."""
    path = Path(params_file)
    folder = _existing(path.parent)
    cells = {name: _cell(cells.get(name, "")) for name in (*REQUIRED, *OPTIONAL)}
    row = _row(where, cells, dt.date.today())
    data = folder.data[path.stem]
    change = Change(path.stem, folder.paths[path.stem], False, data=data)
    _merge(data.setdefault(row.section, []), row.entry, where, change, row.section)
    change.warnings.extend(row.warnings)
    for extra in row.also:
        _merge(data.setdefault("observations", []), extra, where, change, "observations")
    _validate([change], folder)
    write_changes([change])
    return change
