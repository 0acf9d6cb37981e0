"""Draft a params file from a Vietnamese report: every programme figure with its own words.

Rule-based and transparent. The text is normalised (NFC, lower case, one dash, old and new
tone placement folded) with a map back to the original characters, so every quote is a
verbatim slice of the report. A figure is a number followed by a unit ("36/51 xã", "70,59%",
"66 sản phẩm", "64 triệu đồng"); the tables of :mod:`~ntm_forecast.ingest.extract_rules` turn
the words around it into a metric, cue words decide status and kind, and year words
("năm 2022", "cuối năm", "đến nay" with the report's date) the year. A figure whose year
cannot be told is skipped and reported, never guessed.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path

from pydantic import ValidationError

from ntm_forecast.domain import metrics
from ntm_forecast.domain.checks import check_locality
from ntm_forecast.domain.params import dump_params
from ntm_forecast.domain.schema import (
    SLUG,
    Locality,
    Observation,
    Target,
    slugify,
    validation_problems,
)
from ntm_forecast.errors import InputError
from ntm_forecast.files import atomic_write_text, ensure_writable_dir, read_text
from ntm_forecast.i18n.numbers import as_number, plain
from ntm_forecast.ingest import extract_rules as rules
from ntm_forecast.ingest.vi_numbers import Number, find_numbers

MAX_BYTES = 50 * 1024 * 1024
# The longest sentence of the seeds and the real pages has 696 characters. A longer run without a
# full stop is cut at its last clause mark (else a space) before this length, so the work per
# sentence is bounded and extract stays linear in its text ("12 xã 13 xã …" of 20 kB).
MAX_SENTENCE = 1000

# ---------------------------------------------------------------------------------------------
# Normalised text with a map back to the original
# ---------------------------------------------------------------------------------------------

_DASHES = str.maketrans({"–": "-", "—": "-", "‑": "-", "−": "-", "\u00a0": " ", "\u202f": " "})
# Old ("hoà", "luỹ") and new ("hòa", "lũy") tone placement: same length, so spans survive.
_TONE = {f"{a}{t}": f"{ta}{b}" for a, b, pairs in (
    ("o", "a", "àòáóảỏãõạọ"), ("o", "e", "èòéóẻỏẽõẹọ"), ("u", "y", "ỳùýúỷủỹũỵụ"),
) for t, ta in zip(pairs[0::2], pairs[1::2])}  # fmt: skip
_TONE_RE = re.compile(f"(?:{'|'.join(_TONE)})(?!\\w)")  # open syllables only: "hoà", not "hoạch"


def _fold(text: str) -> str:
    """Lower case and one tone placement, as `_Doc.low` (for words of the tables)."""
    return _TONE_RE.sub(lambda m: _TONE[m.group(0)], text.lower())


@dataclass(frozen=True)
class _Doc:
    original: str
    cased: str  # NFC, dashes and spaces folded; same length as `low`
    low: str  # `cased` in lower case
    starts: tuple[int, ...]  # original offset of each character of `low`
    ends: tuple[int, ...]

    @classmethod
    def of(cls, text: str) -> _Doc:
        out: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        i, n = 0, len(text)
        while i < n:
            j = i + 1
            while j < n and unicodedata.combining(text[j]):
                j += 1
            for c in unicodedata.normalize("NFC", text[i:j]).translate(_DASHES):
                out.append(c)
                starts.append(i)
                ends.append(j)
            i = j
        cased = "".join(out)
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in cased)
        low = _TONE_RE.sub(lambda m: _TONE[m.group(0)], low)
        return cls(text, cased, low, tuple(starts), tuple(ends))

    def quote(self, a: int, b: int) -> str:
        """The original words behind ``low[a:b]``."""
        return self.original[self.starts[a] : self.ends[b - 1]]


# ---------------------------------------------------------------------------------------------
# The result
# ---------------------------------------------------------------------------------------------


@dataclass
class Draft:
    """A drafted params file: the mapping written as YAML, and what was left out and why."""

    data: dict
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def observations(self) -> list[dict]:
        return self.data.get("observations", [])

    @property
    def targets(self) -> list[dict]:
        return self.data.get("targets", [])

    def to_yaml(self) -> str:
        return dump_params(self.data)  # the same writer as `import`: one params style

    def summary(self) -> str:
        return (
            f"extract: {len(self.observations)} figures, {len(self.targets)} targets, "
            f"{len(self.skipped)} skipped"
        )

    def messages(self) -> list[str]:
        return [*self.skipped, *self.warnings, self.summary()]

    def __str__(self) -> str:
        return self.to_yaml()


# ---------------------------------------------------------------------------------------------
# Reading a report
# ---------------------------------------------------------------------------------------------


def read_report(path: str | Path) -> str:
    """The text of a report, or :class:`InputError` (one line) for anything that is not one."""
    path = Path(path)
    size = path.stat().st_size if path.is_file() else 0  # else the reader says what it is
    if size > MAX_BYTES:
        raise InputError.at(path, "file", "a text of at most 50 MB", f"{size / 1024 / 1024:.1f} MB")
    text = read_text(path)
    if not text.strip():
        raise InputError.at(path, "file", "a report with some text", "an empty file")
    return normalise_line_ends(text)


def normalise_line_ends(text: str) -> str:
    """CRLF and lone CR are read as LF: a report saved on Windows gives the same sentences and
    quotes as the same report saved elsewhere (quotes are slices of the text as read)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_date(value: str, where: str = "--date") -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError.at(where, "date", "a date written YYYY-MM-DD", repr(value)) from None


def check_output(path: Path, force: bool = False) -> str:
    """The slug a draft written to ``path`` must carry (the loader wants slug == stem).

    Refuses, before anything is read, a file that exists (a curated params file is not to be
    replaced by a draft unless ``force``) and a folder that cannot be written to."""
    path = Path(path)
    if path.suffix not in (".yaml", ".yml"):
        raise InputError.at(path, "--output", "a .yaml file", f"'{path.name}'")
    if not re.fullmatch(SLUG, path.stem):
        raise InputError.at(
            path, "--output", "a file name that is a slug (a-z, 0-9, _)", f"'{path.stem}'"
        )
    if path.is_dir() or not path.parent.is_dir():
        raise InputError.at(path, "--output", "a file in an existing folder", "no such folder")
    if path.exists() and not force:
        raise InputError.at(
            path, "--output", "a new file (--force to replace it)", "a file that exists"
        )
    ensure_writable_dir(path.parent)
    return path.stem


def write_draft(path: Path, draft: Draft) -> None:
    """Write the draft whole or not at all; a disk or permission failure is one line."""
    try:
        atomic_write_text(path, draft.to_yaml())
    except OSError as exc:
        raise InputError.at(path, "--output", "a writable file", exc.strerror or exc) from None


def extract_file(
    path: str | Path,
    *,
    locality: str | None = None,
    date: str | dt.date | None = None,
    slug: str | None = None,
) -> Draft:
    path = Path(path)
    if isinstance(date, str):
        date = parse_date(date)
    return extract(read_report(path), locality=locality, date=date, source=path.name, slug=slug)


# ---------------------------------------------------------------------------------------------
# Extraction
# ---------------------------------------------------------------------------------------------


@dataclass
class _Fig:
    num: Number
    unit: str  # family: communes, products, percent, ...
    end: int  # end of the unit word
    sent: int  # sentence index
    metric: str | None = None
    out_unit: str | None = None
    kind: str | None = None
    kind_from: str = ""  # cue | inherit | default
    share: bool = False  # a percentage of communes (share target / *_share observation)
    maintain: bool = False
    status: str = "actual"
    cued: bool = False  # the status came from words (its sentence's, the one before, a heading)
    over_period: bool = False  # the year is the end of a period ("giai đoạn 2016 - 2020")
    from_document: bool = False  # the year is the text's, not from words near the figure
    year: int | None = None
    as_of: str | None = None
    at_least: bool = False
    evidence: list[int] = field(default_factory=list)
    skip: str | None = None
    note: str | None = None


@dataclass
class _Sentence:
    start: int
    end: int
    para: int
    scope: str | None  # status from the heading above


@dataclass
class _Mention:
    start: int
    end: int
    kind: str
    year: int | None = None
    as_of: str | None = None


def extract(
    text: str,
    *,
    locality: str | None = None,
    date: dt.date | None = None,
    source: str = "report.txt",
    slug: str | None = None,
) -> Draft:
    """Read ``text`` (a report) and return the draft params for its locality.

    Line ends are normalised first (CRLF read as LF): quotes are slices of that text. An HTML
    page is read as its text, without its scripts, styles and tags (see :func:`page_text`)."""
    warnings: list[str] = []
    if _HTML.match(text):
        text = page_text(text)
        warnings.append("warning: an HTML page: read as its text, without scripts and styles")
    doc = _Doc.of(normalise_line_ends(text))
    if date is None:
        date = find_date(doc)
    if date is None:
        warnings.append(
            "warning: no date line in the text and no --date: 'đến nay', 'cuối năm' and "
            "'năm nay' cannot be dated, so their figures are skipped"
        )
    name, level = _locality(doc, locality)
    if name is None:
        warnings.append("warning: no locality in the text and no --locality: name '(chưa rõ)'")
        name, level = "(chưa rõ)", "province"
    sentences = _sentences(doc)
    own = None if level == "national" else name
    figs = _figures(doc, sentences, date, _document_year(doc, date), own, level == "province")
    skipped = list(
        dict.fromkeys(
            f"skipped: {f.skip}: {_one_line(doc.quote(*_quote_span(doc, sentences, f)))}"
            for f in figs
            if _listed(doc, sentences, f)
        )
    )
    records = [_record(doc, sentences, f, source, date) for f in figs if not f.skip]
    slug = slug or ("vietnam" if level == "national" else slugify(name) or "draft")
    mentioned = [int(y) for y in re.findall(r"\bnăm (20\d\d)\b", doc.low)]
    fallback = date.year if date else max(mentioned, default=2000)
    data = _assemble(name, level, slug, records, source, date, fallback)
    data, invalid = _validated(data)
    skipped.extend(invalid)
    if not data.get("observations") and not data.get("targets"):
        warnings.append("warning: no programme figure found; the draft has no observations")
    warnings.extend(_checks(data))
    return Draft(data, skipped, warnings)


_HTML = re.compile(r"\s*(?:<!doctype html|<html|<head|<body)", re.IGNORECASE)


class _PageText(HTMLParser):
    """The words of an HTML page: no script, style or template; a line end at each block."""

    HIDDEN = frozenset({"script", "style", "noscript", "template", "svg", "head"})
    BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
                        "title", "section", "article", "table", "ul", "ol", "header"})  # fmt: skip

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(re.sub(r"\s+", " ", data))  # a line end in HTML is a space


def page_text(page: str) -> str:
    """The text of an HTML page as a reader sees it: the title is kept (a line of its own) but
    nothing of <head> else, no <script>, <style> or tags; entities read ("&amp;" is "&")."""
    title = re.search(r"<title[^>]*>(.*?)</title>", page, re.IGNORECASE | re.DOTALL)
    parser = _PageText()
    parser.feed(page)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    body = "\n".join(line for line in lines if line)
    head = " ".join(html.unescape(title.group(1)).split()) if title else ""
    return f"{head}\n\n{body}" if head else body


def find_date(doc: _Doc) -> dt.date | None:
    """The date line of an article: a line that holds a date and nothing but a time,
    a weekday or "(GMT+7)" beside it ("Thứ Tư 15/12/2021 , 07:51 (GMT+7)")."""
    for line in doc.low.splitlines():
        m = re.search(r"(\d{1,2})/(\d{1,2})/(20\d\d)", line) or rules.DATE_WORDS.search(line)
        # "Thứ Tư 15/12/2021, 07:51 (GMT+7)", or a document's "Hà Nội, ngày 20 tháng 12 năm 2023"
        dated = m and (
            not rules.DATE_LINE_NOISE.sub("", line)
            or (
                re.fullmatch(r"[^\d,]{0,30},?\s*ngày\s*", line[: m.start()])
                and not line[m.end() :].strip(" .,")
            )
        )
        if dated:
            try:
                return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
            except ValueError:
                continue
    return None


def _locality(doc: _Doc, given: str | None) -> tuple[str | None, str]:
    found = Counter()
    levels: dict[str, str] = {}
    for m in rules.LOCALITY.finditer(
        doc.cased.replace("Tỉnh ", "tỉnh ").replace("Huyện ", "huyện ")
    ):
        name = m.group(2).strip()
        found[name] += 1
        levels.setdefault(name, rules.LEVELS[m.group(1)])
    if not found:  # "Hà Nội đã đánh giá …": a province named without "tỉnh"
        for name in rules.PROVINCES:
            if n := len(re.findall(rf"(?<!\w){re.escape(_fold(name))}(?!\w)", doc.low)):
                found[name], levels[name] = n, "province"
    national = len(re.findall(r"\bcả nước\b", doc.low))
    if given and given.strip().lower() in rules.NATIONAL:
        return "Việt Nam", "national"
    if given:
        given = given.strip()
        for word, level in rules.LEVELS.items():
            if given.lower().startswith(word + " "):
                return given[len(word) + 1 :].strip(), level
        return given, levels.get(given, "province")
    if national > max(found.values(), default=0):
        return "Việt Nam", "national"
    if not found:
        return None, "province"
    name = max(found, key=lambda k: (found[k], -doc.cased.find(k)))
    return name, levels[name]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _sentences(doc: _Doc) -> list[_Sentence]:
    out: list[_Sentence] = []
    scope: str | None = None
    for para, (start, end) in enumerate(_paragraphs(doc)):
        line = doc.low[start:end]
        if not line.strip():
            continue
        if _is_heading(line):
            scope = next((s for rx, s in rules.HEADING_STATUS if rx.search(line)), None)
            continue
        cut = start
        for m in re.finditer(r"[.!?…]+", line):
            a, b = start + m.start(), start + m.end()
            nxt = doc.cased[b : b + 2]
            prev = re.search(r"(\w+)$", doc.low[cut:a])
            if prev and prev.group(1) in ("tp", "tx", "ths", "ts", "pgs", "gs"):
                continue
            if nxt[:1].isupper() or (nxt[:1] == " " and not nxt[1:2].islower()):
                out.extend(_Sentence(a, b, para, scope) for a, b in _bounded(doc.low, cut, b))
                cut = b
        out.extend(_Sentence(a, b, para, scope) for a, b in _bounded(doc.low, cut, end))
    return out


def _paragraphs(doc: _Doc) -> list[tuple[int, int]]:
    """The spans of the text's paragraphs: its lines, but a line broken inside a sentence (no
    final stop, the next line going on in lower case or with a number: "Bình Thuận có\n196 sản
    phẩm OCOP") goes on in the next."""
    out: list[tuple[int, int]] = []
    pos = 0
    for line in doc.cased.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        head = line.lstrip()[:1]
        if out and (head.islower() or head.isdigit()):
            a, b = out[-1]
            if doc.cased[a:b].strip() and not re.search(r"[.!?:;…\"”)]\s*$", doc.cased[a:b]):
                out[-1] = (a, end)
                continue
        out.append((start, end))
    return out


def _bounded(low: str, a: int, b: int) -> list[tuple[int, int]]:
    """``low[a:b]`` in pieces of at most MAX_SENTENCE characters, each cut after the last ';'
    (else ',', else space) before the limit."""
    out = []
    while b - a > MAX_SENTENCE:
        limit = a + MAX_SENTENCE
        cut = next((i + 1 for c in ";, " if (i := low.rfind(c, a + 1, limit)) != -1), limit)
        out.append((a, cut))
        a = cut
    out.append((a, b))
    return out


def _is_heading(line: str) -> bool:
    """A short line without a figure or a final full stop: a heading that sets the status
    of the paragraphs under it ("* Về mục tiêu", "2. Kết quả thực hiện")."""
    text = line.strip()
    return (
        len(text) <= 60
        and not text.endswith(".")
        and not find_numbers(line, rules.UNIT, rules.COUNTED)
        and not re.search(r"\d{1,2}/\d{1,2}/20\d\d", text)
    )


def _mentions(doc: _Doc, s: _Sentence, date: dt.date | None) -> list[_Mention]:
    out = []
    for m in rules.YEAR.finditer(doc.low, s.start, s.end):
        kind = m.lastgroup if m.lastgroup in ("period", "compare") else None
        g = m.groupdict()
        year, as_of = None, None
        if g["period"]:
            # "giai đoạn 2021-2025": its end, for a count stated at the end of the period or a
            # plan's target; a horizon ("định hướng đến năm 2030") is never a figure's year
            ends = re.findall(r"20\d\d", m.group(0))
            year = int(ends[-1]) if len(ends) == 2 else None
        elif g["date"]:
            year = int(g["dy"])
            try:
                as_of = dt.date(year, int(g["dm"]), int(g["dd"])).isoformat()
            except ValueError:
                continue
        elif g["month"]:
            year, month = int(g["my"]), int(g["mm"])
            if not 1 <= month <= 12:
                continue
            as_of = f"{year}-{month:02d}"
        elif g["quarter"]:  # "quý II/2024": that year, to the end of the quarter
            year, q = int(g["qy"]), g["q"]
            n = int(q) if q.isdigit() else {"i": 1, "ii": 2, "iii": 3, "iv": 4}[q]
            as_of = f"{year}-{3 * n:02d}"
        elif g["months"]:  # "6 tháng đầu năm 2023": that year, to the end of the months
            year = int(g["ny"])
            n = _MONTHS.get(g["months"].split()[0]) or int(g["months"].split()[0])
            if not 1 <= n <= 12:
                continue
            as_of = f"{year}-{n:02d}"
        elif g["early"]:  # "tính đến đầu năm 2023" is the count at the end of 2022
            year = int(g["ey"]) - (1 if g["upto"] else 0)
            as_of = f"{g['ey']}-01"
        elif g["yearend"]:
            year = int(g["ry"])
            as_of = f"{year}-12"
        elif g["year"]:
            year = int(g["y"])
        elif g["compare"]:
            year = int(g["cy"])
        elif kind is None and date is not None:
            if g["thisend"]:
                year, as_of = date.year, f"{date.year}-12"
            elif g["this"]:
                year = date.year
            elif g["last"]:
                year = date.year - 1 if date.month <= 6 else date.year
            elif g["next"]:
                year = date.year + 1
            elif g["present"]:
                # A count "to date" in January or February is the year just ended: the
                # year-end reviews are held then and recognitions rarely happen.
                year = date.year - 1 if date.month <= 2 else date.year
                as_of = date.isoformat()
        elif kind is None:
            kind = "undated"
        kind = kind or ("present" if g["present"] else "year")
        out.append(_Mention(m.start(), m.end(), kind, year, as_of))
    return out


_MONTHS = {"ba": 3, "sáu": 6, "chín": 9}


def _paren_groups(text: str) -> list[int]:
    """For each character, the id of the parenthesis group it is in (0: outside)."""
    ids, depth, current, n = [], 0, 0, 0
    for c in text:
        if c == "(":
            depth += 1
            if depth == 1:
                n += 1
                current = n
        ids.append(current if depth else 0)
        if c == ")" and depth:
            depth -= 1
            if depth == 0:
                current = 0
    return ids


_BOUND = re.compile(r"[;()]|,(?!\d)")  # "70,59" is a number, not two clauses


def _clause_bounds(text: str, i: int) -> tuple[int, int]:
    """The clause around offset ``i`` of a sentence: between , ; ( ) and the sentence ends."""
    left = 0
    for m in _BOUND.finditer(text, 0, i):
        left = m.end()
    return left, _clause_end(text, i)


def _clause_end(text: str, i: int) -> int:
    m = _BOUND.search(text, i)
    return m.start() if m else len(text)


def _document_year(doc: _Doc, date: dt.date | None) -> int | None:
    """The year the text is about, from its first year words (a title, a date line, a lead
    "… đạt chuẩn nông thôn mới năm 2021"): the year of a figure whose own words, sentence and
    paragraph give none ("Như vậy, đến nay toàn tỉnh có 21/96 xã …" in an undated item)."""
    whole = _Sentence(0, len(doc.low), 0, None)
    dated = (m for m in _mentions(doc, whole, date) if m.year and m.kind in ("year", "present"))
    return next((m.year for m in dated), None)


def _figures(
    doc: _Doc,
    sentences: list[_Sentence],
    date: dt.date | None,
    doc_year: int | None,
    place: str | None,
    province: bool,
) -> list[_Fig]:
    figs: list[_Fig] = []
    # a page about one round of recognitions, named in its first sentence or the figure's own
    lead = doc.low[sentences[0].start : sentences[0].end] if sentences else ""
    round_page = bool(rules.ROUND.search(lead))
    carry_year: _Mention | None = None
    carry_status: str | None = None
    last_para = -1
    ocop = False  # the paragraph up to this sentence names OCOP
    previous: list[_Fig] = []  # the figures of the sentence before
    title = next((line for line in doc.low.splitlines() if line.strip()), "")
    place = _fold(place) if place else None
    country = False  # the sentence before was about the whole country
    for si, s in enumerate(sentences):
        if s.para != last_para:
            carry_year, carry_status, last_para, ocop = None, None, s.para, False
        text = doc.low[s.start : s.end]
        ocop = ocop or "ocop" in text
        groups = _paren_groups(text)
        mentions = _mentions(doc, s, date)
        here: list[_Fig] = []
        country = place is not None and (
            bool(country and rules.CONTINUES.match(text)) or bool(rules.COUNTRY.search(text))
        )
        for num in find_numbers(text, rules.UNIT, rules.COUNTED):
            m = rules.UNIT.match(text, num.end)
            fig = _Fig(num, rules.FAMILY[m.group("u")], m.end(), si)
            _resolve(fig, text, groups, here, ocop or "ocop" in title)
            _status(fig, text, groups, carry_status, s.scope)
            _year(fig, text, groups, mentions, carry_year, s.start)
            if country and not fig.skip and _of_the_country(text, fig.num.start, place):
                fig.skip = "a figure of the whole country, not of the page's place"
            here.append(fig)
        _raised_to(here, text)
        _sentence_rules(here, text, previous)
        if round_page or rules.ROUND.search(text):
            _round(here, text, bool(mentions))
        if province:
            _district(here, doc.cased[s.start : s.end], text, place)
        here.extend(_bases(here, text, mentions, s.start))
        for f in here:
            if not f.skip and f.year is None and (date is None or date.year == doc_year):
                f.year = doc_year  # the year the whole text is about (not another year's)
                f.from_document = True
        for fig in list(here):
            if fig.unit in _TOTALS and fig.num.total and fig.metric and fig.year and not fig.skip:
                # "34/51 xã": the 51 is the number of communes
                metric, unit = _TOTALS[fig.unit]
                total = Number(fig.num.start, fig.num.end, fig.num.total, total=fig.num.total)
                here.append(replace(fig, num=total, metric=metric, out_unit=unit, share=False))
        for f in here:
            if f.skip:
                continue
            if f.over_period and f.kind == "increment":
                f.skip = "a change over a period, not a year's"
                continue
            if f.year is None:
                f.skip = "no year"
            elif date and f.status != "target" and f.year > date.year:
                f.status = "target"  # a figure for a year still to come is a plan
            elif date and date.month <= 2 and f.year == date.year and not (f.cued or f.as_of):
                # a report of January or February about "năm 2020" with no word of an outcome:
                # the plan for the year just begun ("năm 2020 … có thêm 10 xã, nâng lên 82 xã")
                f.status = "target"
        figs.extend(here)
        previous = here
        carry_status = _last_status(text, groups, carry_status) or carry_status
        outside = [m for m in mentions if m.kind not in ("period", "compare", "undated")]
        # "… 2.711 sản phẩm (… mục tiêu … đến hết năm 2025 …). Trong đó có 6 sản phẩm 5 sao":
        # a year in a parenthesis is not the year of the sentences after it
        plain = [m for m in outside if groups[m.start - s.start] == 0]
        if plain:
            carry_year = plain[-1]
    # A headline repeats a figure of the body ("Sóc Trăng: 85/109 xã đạt chuẩn" above "đến nay
    # … 85/109 xã"): the body's figure, with its own year, stands for both.
    dated = {(f.metric, f.num.value, f.share) for f in figs if not f.skip and not f.from_document}
    for f in figs:
        if f.from_document and not f.skip and (f.metric, f.num.value, f.share) in dated:
            f.skip = "repeats a figure given with its year"
    return figs


_TOTALS = {"communes": ("communes_total", None), "districts": ("districts_total", "districts")}


def _of_the_country(text: str, i: int, place: str) -> bool:
    """Whether the figure at ``i`` belongs to "cả nước" named before it (or in the sentence
    before, see CONTINUES), with the page's own place not named since."""
    countries = list(rules.COUNTRY.finditer(text, 0, i))
    since = countries[-1].end() if countries else 0
    return place not in text[since:i]


def _raised_to(here: list[_Fig], text: str) -> None:
    """ "có thêm ít nhất 4 xã đạt 19/19 tiêu chí, nâng lên 43 xã đạt chuẩn": a count whose own
    words name no standard takes the one of the total it raises, the figure right after it."""
    for f, g in zip(here, here[1:]):
        if f.skip == _NO_METRIC and g.metric and not g.skip and g.unit == f.unit:
            between = text[f.end : g.num.start]
            if re.search(r"\bnâng\b[^;.]*\blên\s*$", between):
                f.metric, f.out_unit, f.skip = g.metric, g.out_unit, None
                f.evidence.append(g.num.start)


def _resolve(fig: _Fig, text: str, groups: list[int], here: list[_Fig], ocop: bool) -> None:
    """The metric of one figure, from the words of its clause."""
    a = fig.num.start
    c0, c1 = _clause_bounds(text, a)
    left, clause = text[c0:a], text[c0:c1]
    tail = text[fig.end : _clause_end(text, fig.end)]
    # up to the next figure: "128 sản phẩm được đánh giá, công nhận đạt chuẩn OCOP 3 sao"
    reach = text[fig.end : _next_stop(text, fig.end)]
    fig.at_least = bool(rules.AT_LEAST.search(left)) or tail.lstrip().startswith("trở lên")
    unit = fig.unit
    if re.search(r"mỗi(?:\s+xã)?(?:\s+phường)?\s*$", left):
        fig.skip = _NAME  # "Mỗi xã một sản phẩm": the name of the OCOP programme
        return
    if re.search(r"(?<!tổng )(?<!nâng )\bsố\s*$|\bvượt\s*$|\b(?:kể|gồm) cả\s*$", left):
        # "số 10", "vượt 26 sản phẩm", "(kể cả 5 xã đã được công nhận …)": an aside
        fig.skip = "not a count of the locality (số …, vượt …, kể cả …)"
        return
    if unit == "percent":
        _percent(fig, text, clause, left, here)
    elif unit == "communes" and re.match(r"\s*(?:\S+\s+){0,2}chưa\b", tail):
        fig.skip = "communes not at the standard (chưa …)"  # "còn 4 xã chưa đạt chuẩn"
        return
    elif unit == "communes" and re.search(r"đăng ký", left):
        fig.skip = "communes registered, not recognised"  # "huyện … đăng ký 2 xã điểm nâng cao"
        return
    elif unit == "communes":
        crit = rules.CRITERION.search(clause)
        if crit and crit.start() >= a - c0:
            fig.metric = f"communes_criterion_{rules.CRITERIA[crit.group(1)]}"
            fig.out_unit = "communes"
        else:
            # its own words first ("16 xã ... nâng cao và 3 xã ... kiểu mẫu"), then the clause
            own = text[fig.end : min(_clause_end(text, fig.end), _next_stop(text, fig.end))]
            # "Tổng số xã đạt chuẩn NTM nâng cao … là 186 xã và 68 xã đạt chuẩn NTM kiểu mẫu"
            fig.metric = _standard(own) or _standard(left) or _standard(clause)
            if fig.metric is None and (after := _past_paren(text, fig.end)):
                fig.metric = _standard(after)
                fig.evidence.append(text.index(after, fig.end))
            if fig.metric is None and re.match(r"\s*,?\s*:?\s*gồm\b", text[fig.end :]):
                # "sẽ có thêm 3 xã, gồm: Bản Phố, …; Nàn Sán, … đạt chuẩn nông thôn mới"
                rest = text[fig.end : _next_figure(text, fig.end)]
                if rest.count(",") or rest.count(";"):
                    fig.metric = _standard(rest)
            if fig.metric is None and groups[a]:
                # "39-40% số xã (khoảng 3.530 xã) đạt chuẩn NTM": the words after the ")"
                close = text.find(")", fig.end)
                if close != -1:
                    fig.metric = _standard(text[close + 1 : _next_stop(text, close + 1)])
            if fig.metric == "communes_advanced_and_model":
                fig.out_unit = "communes"  # one count for two standards: not a core metric
    elif unit == "products":
        if rules.RECERTIFIED.search(left) or rules.RECERTIFIED.search(reach):
            fig.skip = _REDONE
            return
        _products(fig, text, reach, clause, ocop)
    elif unit == "provinces":
        # "12 tỉnh, thành phố hoàn thành nhiệm vụ …", "5 tỉnh (Nam Định, …) đã được … hoàn
        # thành nhiệm vụ"; never "16 tỉnh có 100% số xã đạt chuẩn"
        words = reach if reach.strip() else _past_paren(text, fig.end)
        if rules.PROVINCE_DONE.search(words):
            fig.metric, fig.out_unit = "provinces_ntm", "provinces"
    elif unit in ("villages", "gardens"):
        rest = text[c0 : _next_stop(text, fig.end, figures=False)]
        if rules.STANDARD.search(rest):
            # its own words first ("25 thôn … kiểu mẫu và 35 thôn … nông thôn mới")
            own = text[fig.end : min(_clause_end(text, fig.end), _next_stop(text, fig.end))]
            named = own if rules.STANDARD.search(own) or rules.MODEL.search(own) else clause
            model = unit == "villages" and rules.MODEL.search(named)
            base = "model_villages" if model else f"{unit}_ntm"
            verbs = list(rules.WORK_VERBS.finditer(left))
            if verbs:
                suffix = rules.QUALIFIERS.get(verbs[-1].group(0).split()[-1], "")
            else:  # "74 thôn, 448 vườn": the enumeration goes on
                prev = [f for f in here if f.unit in ("villages", "gardens") and f.metric]
                last = prev[-1].metric if prev else ""
                suffix = next((q for q in rules.QUALIFIERS.values() if last.endswith(q)), "")
            fig.metric, fig.out_unit = base + suffix, unit
    elif unit == "districts":
        if re.search(r"đạt chuẩn|hoàn thành nhiệm vụ", text[c0 : _next_stop(text, fig.end, False)]):
            fig.metric = "districts_advanced" if rules.ADVANCED.search(clause) else "districts_ntm"
            if fig.metric == "districts_advanced":
                fig.out_unit = "districts"
    elif unit in ("criteria", "contents", "indicators"):
        _average(fig, text, clause, tail)
    elif unit in ("million_vnd", "billion_vnd", "thousand_vnd"):
        # the nearest money phrase before the amount, anywhere in its sentence
        phrases = [(m.start(), "income_per_capita") for m in rules.INCOME.finditer(text, 0, a)]
        phrases += [(m.start(), "ntm_funds_mobilised") for m in rules.FUNDS.finditer(text, 0, a)]
        if phrases:
            fig.metric, fig.out_unit = max(phrases)[1], unit
        per_month = re.match(r"\s*/\s*(?:người\s*/\s*|hộ\s*/\s*)?tháng\b", text[fig.end :])
        if fig.metric == "income_per_capita" and per_month:
            # "1,5 triệu đồng/người/tháng": a month's income, stored as the year's (× 12)
            month = fig.num.value
            fig.num = replace(fig.num, value=round(month * 12, 6))
            fig.note = (
                f"CONVERTED: {plain(month)} {unit} a month × 12 = {plain(fig.num.value)} a year"
            )
    parallel = re.fullmatch(rules.ELLIPSIS, left) and ";" in text[: fig.num.start]
    if fig.metric is None and parallel and unit == "communes":
        # "năm 2021 tỉnh có 60 xã đạt chuẩn NTM; năm 2020 có 55 xã": the same count, a year
        # earlier (the words of the standard are left out after the ";")
        prev = [f for f in here if f.unit == unit and f.metric and not f.skip]
        if prev and not prev[-1].metric.startswith("communes_criterion_"):
            fig.metric, fig.out_unit = prev[-1].metric, prev[-1].out_unit
            fig.evidence.append(prev[-1].num.start)
    if fig.metric is None and re.search(r"\btăng\b|mục tiêu|kế hoạch|nâng tổng số|\blên\s*$", left):
        # "tăng 4 xã so với cuối năm 2020", "nâng tổng số lên 90 xã": the figure before it
        prev = [f for f in here if f.unit == unit and f.metric and not f.skip]
        if prev:
            fig.metric, fig.out_unit = prev[-1].metric, prev[-1].out_unit
            fig.share = prev[-1].share if unit == "percent" else False
            fig.evidence.append(prev[-1].num.start)
    if fig.metric is None and not fig.skip:
        fig.skip = _NO_METRIC


_NAME = "the programme's name"  # never a figure: not listed
_NO_METRIC = "no metric (the words name no standard, star, criterion or rate)"
_REDONE = "re-certified or re-evaluated products, not added to the count"


def _listed(doc: _Doc, sentences: list[_Sentence], f: _Fig) -> bool:
    """Whether a figure left out goes on stderr: every count of communes, products, villages,
    criteria …; a percentage or an amount of money when its clause is about the programme."""
    if f.skip in (None, _NAME):
        return False
    if f.unit not in ("percent", "million_vnd", "billion_vnd", "thousand_vnd"):
        return True
    s = sentences[f.sent]
    text = doc.low[s.start : s.end]
    c0, c1 = _clause_bounds(text, f.num.start)
    return bool(rules.PROGRAMME.search(text, c0, c1))


def _past_paren(text: str, i: int) -> str:
    """The words after a parenthesis that follows the figure: "6.511/8.177 xã (79,6%) đạt
    chuẩn NTM" → "đạt chuẩn NTM"."""
    m = re.match(r"\s*\([^()]*\)", text[i:])
    if not m:
        return ""
    j = i + m.end()
    return text[j : min(_clause_end(text, j), _next_stop(text, j))]


def _next_stop(text: str, i: int, figures: bool = True) -> int:
    """Where the words about the figure ending at ``i`` stop: the next figure, ';', '(' or
    the end of the sentence."""
    stop = min((p for p in (text.find(c, i) for c in ";()") if p != -1), default=len(text))
    if not figures:
        return stop
    # A number whose unit crosses the window's end is not found there, and is the window's
    # last: the first number found in a window is the first of the rest of the text.
    width = 64
    while True:
        end = min(stop, i + width)
        nums = find_numbers(text[i:end], rules.UNIT, rules.COUNTED)
        if nums:
            return i + nums[0].start
        if end == stop:
            return stop
        width *= 4


def _next_figure(text: str, i: int) -> int:
    """Where the next figure after ``i`` starts (or the end of the sentence)."""
    stop = i
    while stop < len(text):
        stop = _next_stop(text, stop)
        if stop == len(text) or text[stop] not in ";()":
            return stop
        stop += 1
    return len(text)


def _standard(clause: str) -> str | None:
    """The commune standard the words name: model, advanced, both, or the NTM standard."""
    adv, model = rules.ADVANCED.search(clause), rules.MODEL.search(clause)
    if adv and model:
        return "communes_advanced_and_model"
    if model:
        return "communes_model"
    if adv:
        return "communes_advanced"
    return "communes_ntm" if rules.STANDARD.search(clause) else None


def _percent(fig: _Fig, text: str, clause: str, left: str, here: list[_Fig]) -> None:
    after = text[fig.end :]
    if rules.PLAN_SHARE.match(after) or re.search(r"\b(?:tăng|giảm)\s*$", left):
        # "đạt 100% kế hoạch": completion of a plan; "giảm 1,2%": a change, not a rate
        fig.skip = "a share of a plan or a change, not a level"
        return
    for rx, metric in rules.RATES:
        if rx.search(clause):
            fig.metric, fig.out_unit = metric, "percent"
            return
    fig.maintain = bool(re.search(r"duy trì\s*$", left))
    of = re.match(r"\s*(?:tổng\s+)?(?:số\s+)?(?:các\s+)?(xã|huyện|đơn vị|phường)\b", after)
    if of and of.group(1) == "xã" and re.search(r"\d\s*(?:tỉnh|huyện|đơn vị)\b[^,;%]*$", left):
        fig.skip = "a share within some provinces or districts"  # "16 tỉnh có 100% số xã"
        return
    if of and of.group(1) == "xã":
        crit = rules.CRITERION.search(clause)
        own = text[fig.end : min(_clause_end(text, fig.end), _next_stop(text, fig.end))]
        if crit:
            fig.metric = f"communes_criterion_{rules.CRITERIA[crit.group(1)]}_share"
            fig.out_unit = "percent"
        else:
            # "39-40% số xã (khoảng 3.530 xã) đạt chuẩn NTM": past the parenthesis
            past = _past_paren(text, _clause_end(text, fig.end))
            fig.metric = _standard(own) or _standard(clause) or _standard(past)
            fig.share = True
        if fig.metric:
            return
    rest = text[fig.num.start : _next_stop(text, fig.end, figures=False)]
    counted = [f for f in here if f.metric == "districts_ntm" and not f.skip]
    near = counted and fig.num.start - counted[-1].end < 80  # "249 đơn vị …, chiếm khoảng 38,7%"
    if of and of.group(1) in ("huyện", "đơn vị") and (re.search(r"đạt chuẩn|ntm", rest) or near):
        fig.metric, fig.out_unit = "districts_ntm_share", "percent"
        return
    if of and of.group(1) != "xã":
        return  # wards and towns: not a programme of rural communes
    # "Ở cấp huyện, 51% đã hoàn thành nhiệm vụ/đạt chuẩn nông thôn mới"
    own = text[fig.num.start : _next_stop(text, fig.end)]
    districts = re.search(r"^\S+\s+(?:\S+\s+)?(?:hoàn thành nhiệm vụ|đạt chuẩn)", own)
    if districts and "cấp huyện" in text[: fig.num.start] and not rules.ADVANCED.search(own):
        fig.metric, fig.out_unit = "districts_ntm_share", "percent"
        return
    crit = rules.CRITERION.search(clause)
    if crit and fig.num.start - 1 >= 0 and "(" in text[max(0, fig.num.start - 3) : fig.num.start]:
        fig.metric = f"communes_criterion_{rules.CRITERIA[crit.group(1)]}_share"
        fig.out_unit = "percent"
        return
    # "36/51 xã đạt chuẩn NTM (đạt tỷ lệ 70,59%)", "103 xã đạt 72%": the count just before
    share_of = r"(?:^|\(|đạt|tỷ lệ|chiếm|bằng)(?:\s+(?:khoảng|gần|hơn|trên))?\s*$"
    if re.search(share_of, left.strip() + " ") or not left.strip():
        units = ("communes", "districts")
        prev = [f for f in here if f.unit in units and f.metric and not f.skip]
        if prev and fig.num.start - prev[-1].end < 80:
            p = prev[-1]
            if p.metric == "districts_ntm":  # "249 đơn vị cấp huyện …, chiếm khoảng 38,7%"
                fig.metric, fig.out_unit = "districts_ntm_share", "percent"
            elif p.unit == "districts":
                return
            elif p.metric.startswith("communes_criterion_"):
                fig.metric, fig.out_unit = p.metric + "_share", "percent"
            else:
                fig.metric, fig.share = p.metric, True
            fig.evidence.append(p.num.start)
            return
    # "tỷ lệ hộ nghèo giảm 1,2% so với năm 2021, còn 3,4%": the rate named earlier in the part
    seg = text.rfind(";", 0, fig.num.start) + 1
    named = [
        (m.start(), metric)
        for rx, metric in rules.RATES
        for m in rx.finditer(text, seg, fig.num.start)
    ]
    if named and re.search(r"(?:còn|xuống|đạt|lên)\s*(?:dưới|trên|khoảng)?\s*$", left):
        at, fig.metric = max(named)
        fig.out_unit = "percent"
        fig.evidence.append(at)


def _products(fig: _Fig, text: str, tail: str, clause: str, ocop: bool) -> None:
    stars = rules.STARS.search(tail)
    if not (ocop or stars) or rules.NOT_OCOP.search(tail):
        return
    if re.search(r"xuất khẩu", tail):
        fig.metric, fig.out_unit = "ocop_exported", "products"
        return
    if rules.SUBMITTED.search(tail) and ("hồ sơ" in clause or re.search(r"đề nghị|dự thi", tail)):
        fig.metric, fig.out_unit = "ocop_submitted_5star", "products"
        return
    if rules.REGISTERED.search(tail):
        return  # "61 sản phẩm đăng ký mới": registered, not yet rated
    if stars is None or stars.group("b") or stars.group("plus") or stars.group("from"):
        low = int(stars.group("a")) if stars else 3
        if low <= 3:
            fig.metric = "ocop_total"
        else:
            fig.metric, fig.out_unit = f"ocop_{low}star_plus", "products"
        return
    fig.metric = f"ocop_{stars.group('a')}star"


def _average(fig: _Fig, text: str, clause: str, tail: str) -> None:
    avg = re.search(r"bình quân|trung bình", clause)
    if fig.unit == "criteria" and re.match(r"\s*/\s*xã", tail):
        fig.metric = "avg_criteria"
        return
    if not avg:
        return
    sentence_adv = rules.ADVANCED.search(text)
    total = fig.num.total
    if fig.unit == "criteria" and not sentence_adv and (total is None or total == 19):
        fig.metric = "avg_criteria"
        return
    if not sentence_adv or total is None:
        return
    seg = text[text.rfind(";", 0, fig.num.start) + 1 : fig.num.start]
    period = re.search(r"bộ tiêu chí[^;]*?giai đoạn\s*(20\d\d)\s*-\s*(20\d\d)", seg)
    suffix = f"_{period.group(1)}_{period.group(2)}" if period else ""
    name = {"criteria": "criteria", "contents": "contents", "indicators": "indicators"}[fig.unit]
    fig.metric = f"avg_advanced_{name}{suffix}"
    fig.out_unit = f"{name}/{total:g}"


def _cue_before(rx: re.Pattern, text: str, i: int, groups: list[int], lo: int = 0):
    """The last match of ``rx`` in ``text[lo:i]`` that is not inside another parenthesis."""
    g = groups[i] if i < len(groups) else 0
    last = None
    for m in rx.finditer(text, lo, i):
        if groups[m.start()] in (0, g):
            last = m
    return last


def _status(fig: _Fig, text: str, groups: list[int], carry: str | None, scope: str | None):
    best = None
    for rx, status in rules.STATUS_CUES:
        m = _cue_before(rx, text, fig.num.start, groups)
        if m and status == "reached":
            if re.search(r"[,;]|\bvà\b", text[m.end() : fig.num.start]):
                continue  # a plan reached, then another figure
            status = "target"
        if m and (best is None or m.start() > best[0]):
            best = (m.start(), status)
    fig.cued = bool(best or carry or scope)
    if best:
        fig.status = _future(best[1], text[: best[0]], carry)
    else:
        fig.status = carry or scope or "actual"


def _future(status: str, before: str, carry: str | None) -> str:
    """ "sẽ" (will) is an estimate after "dự kiến" ("Dự kiến đến hết năm 2019, sẽ có thêm 3
    xã") or after a sentence of estimates, else a plan."""
    if status != "future":
        return status
    estimated = rules.STATUS_CUES[0][0].search(before) or carry == "estimate"
    return "estimate" if estimated else "target"


def _last_status(text: str, groups: list[int], carry: str | None) -> str | None:
    best = None
    for rx, status in rules.STATUS_CUES:
        for m in rx.finditer(text):
            if status == "reached":
                continue  # an outcome: it says nothing of the sentences after it
            if groups[m.start()] == 0 and (best is None or m.start() > best[0]):
                best = (m.start(), status)
    return _future(best[1], text[: best[0]], carry) if best else None


def _year(fig, text, groups, mentions, carry, offset) -> None:
    g = groups[fig.num.start]
    usable = [
        m
        for m in mentions
        if m.kind not in ("period", "compare", "undated") and groups[m.start - offset] in (0, g)
    ]
    c0, c1 = _clause_bounds(text, fig.num.start)
    own = [m for m in usable if c0 <= m.start - offset < c1]
    before = [m for m in usable if m.start - offset < fig.num.start]
    stop = _next_stop(text, fig.end)
    after = [m for m in usable if fig.end <= m.start - offset < stop]
    periods = [
        m for m in mentions if m.kind == "period" and m.year and groups[m.start - offset] in (0, g)
    ]
    own_period = [m for m in periods if c0 <= m.start - offset < c1]
    plan_period = [m for m in periods if m.start - offset < fig.num.start]
    pick = None
    if own:
        pre = [m for m in own if m.start - offset < fig.num.start]
        pick = pre[-1] if pre else own[0]
    elif own_period:
        pick = own_period[-1]  # "Giai đoạn 2011 - 2015 đã có 13 xã đạt chuẩn": the end of 2015
    elif before or after:
        # "..., đến hết năm 2020, 10/10 xã ..." and "... 02 xã đạt chuẩn ..., năm 2022":
        # the nearer of the year words before it and those after it (before the next figure)
        cands = [(fig.num.start - (m.end - offset), m) for m in before[-1:]]
        cands += [(m.start - offset - fig.end, m) for m in after[:1]]
        pick = min(cands, key=lambda t: t[0])[1]
    elif later := [m for m in usable if m.start - offset >= fig.end]:
        pick = later[0]  # "..., về quy hoạch có 100% các xã ...; ..., đến nay có 112/137 xã"
    elif fig.status == "target" and plan_period:
        pick = plan_period[-1]  # "mục tiêu … giai đoạn 2021-2025: Phấn đấu … 80% số xã"
    elif carry is not None:
        pick = carry
    if pick is not None:
        fig.year, fig.as_of = pick.year, pick.as_of
        fig.over_period = pick.kind == "period"


def _sentence_rules(here: list[_Fig], text: str, before: list[_Fig]) -> None:
    """Kind (level or increment) and the parts of a total, which need the whole sentence;
    ``before``: the figures of the sentence before."""
    groups = _paren_groups(text)
    # A count without a cue of its own takes the kind of an earlier one: of the same metric
    # within the same part of the sentence (up to a ";": "thêm 5 xã đạt chuẩn năm 2022 và 3 xã
    # đạt chuẩn năm 2023"), or of the figure just before when it is the next item of the same
    # list, with no words of its own before it ("4 xã được công nhận, 10 xã nâng cao"), past a
    # ";" only for another metric ("6 xã được công nhận đạt chuẩn NTM; 3 đơn vị cấp huyện").
    prev_kind: dict[tuple[str, int], str] = {}
    last: tuple[int, str, str] | None = None  # (part, kind, metric) of the last with a kind
    for f in here:
        if f.skip:
            continue
        f.kind, f.kind_from = _kind(f, text, groups)
        part = text.count(";", 0, f.num.start)
        key = (f.metric, part)
        c0, _ = _clause_bounds(text, f.num.start)
        listed = re.fullmatch(r"\s*(?:và\s*)?", text[c0 : f.num.start]) and c0 > 0
        if f.kind_from == "" and key in prev_kind:
            f.kind, f.kind_from = prev_kind[key], "inherit"
        elif f.kind_from == "" and listed and last and (last[0] == part or last[2] != f.metric):
            f.kind, f.kind_from = last[1], "inherit"
        compared = re.match(r"[^,;()]*so với", text[f.end :])  # "tăng 180 xã so với năm 2022"
        if f.kind_from and not compared:
            prev_kind[key] = f.kind
            last = (part, f.kind, f.metric)
        elif f.kind_from:
            last = None
    raised = re.search(r"nâng (?:tổng )?số", text)
    raised_at = raised.end() if raised else len(text) + 1
    for i, f in enumerate(here):
        if f.skip:
            continue
        if not f.kind_from:
            # a plan's bare count is the year's addition ("phấn đấu 10 xã đạt chuẩn"), but
            # "có 70 xã (đạt chuẩn)" states how many communes there will be: a level (a range
            # "có 1 - 2 xã" stays what is to be added)
            has = (
                f.unit in ("communes", "districts")
                and f.num.high is None
                and re.search(
                    r"\bcó\s*(?:ít nhất|tối thiểu|khoảng|trên|hơn)?\s*$", text[: f.num.start]
                )
            )
            added = f.status == "target" and _countable(f) and not has
            f.kind = "increment" if added else "level"
            f.kind_from = "default"
        # "có từ 7 xã đạt chuẩn NTM ..., nâng tổng số xã đạt chuẩn lên 108 xã"
        later = [g for g in here[i + 1 :] if g.metric == f.metric and not g.skip]
        if f.kind_from != "cue" and any(
            g.num.start >= raised_at and g.kind == "level" for g in later
        ):
            f.kind = "increment"
    # Parts of a total ("trong đó", "gồm"): a part of the same metric is either the
    # increment inside a level (kept) or a share of it (left out, it is not the locality's).
    starts_with_part = bool(rules.PARTS.match(text.strip()))
    for i, f in enumerate(here):
        if f.skip:
            continue
        cue = _cue_before(rules.PARTS, text, f.num.start, groups)
        if cue is None and not starts_with_part:
            continue
        cut = cue.start() if cue else 0
        # the whole is not a change beside a count ("6.511 xã …, tăng 180 xã so với cuối năm
        # 2022; trong đó có 2.076 xã …"): the parts are of the count
        wholes = [
            g
            for g in here[:i]
            if g.num.start < cut
            and (not g.skip or g.skip == _REDONE)
            and not re.match(r"[^,;()]*\bso (?:với )?", text[g.end :])
        ]
        if not wholes and starts_with_part:
            wholes = [g for g in before if not g.skip]
        if not wholes:
            continue
        whole = wholes[-1]
        if whole.skip:  # "công nhận lại 13 sản phẩm …, gồm 04 sản phẩm 4 sao, 09 …"
            if f.unit == whole.unit:
                f.skip = _REDONE
            continue
        if whole.metric != f.metric:
            # the year's additions by star or standard ("thêm 68 sản phẩm, trong đó, có 4
            # sản phẩm 4 sao"): additions too
            if whole.kind == "increment" and f.kind_from != "cue" and f.unit == whole.unit:
                f.kind = "increment"
            continue
        if f.kind == "increment" and f.kind_from == "cue" and whole.kind_from != "cue":
            whole.kind = "level"
        elif f.kind == whole.kind:
            f.skip = "part of a total"


_ROUND = "a round of recognitions (đợt …), not the year's addition"


def _round(here: list[_Fig], text: str, dated: bool) -> None:
    """On a page about one round of recognitions, the round's counts are one batch of the year's:
    its additions, and its bare counts with no date words ("Có 6 xã đạt chuẩn NTM nâng cao gồm:
    …"), unless the sentence ties them to the whole year; a running total stays."""
    if rules.WHOLE_YEAR.search(text):
        return
    for f in here:
        if f.skip or not _countable(f) or f.num.total is not None:
            continue
        if f.kind == "increment" or (f.kind_from != "cue" and not dated):
            f.skip = _ROUND


def _district(here: list[_Fig], cased: str, text: str, place: str | None) -> None:
    """A province's page quoting one district ("Năm 2019, huyện Trấn Yên đã hoàn thành 9/9 tiêu
    chí …; 21/21 xã được công nhận"): a figure after a district's name, with the province (or
    the page's place) not named again since, is the district's."""
    for f in here:
        if f.skip:
            continue
        districts = [m.start() for m in rules.DISTRICT.finditer(cased, 0, f.num.start)]
        provinces = [m.start() for m in rules.PROVINCE.finditer(cased, 0, f.num.start)]
        if place:
            provinces += [m.start() for m in re.finditer(re.escape(place), text[: f.num.start])]
        if districts and max(provinces, default=-1) < districts[-1]:
            f.skip = "a district's figure, not the province's"


def _bases(here: list[_Fig], text: str, mentions: list[_Mention], offset: int) -> list[_Fig]:
    """The base a stated increase implies: in "36/51 xã ... tăng 4 xã so với cuối năm 2020"
    the level at the end of 2020 is 36 − 4 = 32, written down as DERIVED."""
    out = []
    for f in here:
        if f.skip or f.kind != "increment" or f.year is None:
            continue
        c1 = _clause_end(text, f.end)
        since = [
            m
            for m in mentions
            if m.kind == "compare" and f.end <= m.start - offset < c1 and m.year < f.year
        ]
        levels = [
            g
            for g in here
            if g.metric == f.metric and g.kind == "level" and g.year == f.year
            and g.num.start < f.num.start and not g.skip and not g.share
        ]  # fmt: skip
        if re.match(r"[^,;()]*\bso với (?:khi|lúc|trước|đầu|thời điểm)", text[f.end :]):
            f.skip = "a change since the programme began, not a year's"
            continue
        if since and since[0].year < f.year - 1:
            # "tăng 2.064 xã so với cuối năm 2021" in mid-2025: four years', not 2025's; nor
            # is the level of 2021 it implies written down (the page does not state it)
            f.skip = f"a change over several years (since {since[0].year}), not a year's"
            continue
        if not since or not levels:
            continue
        g, year = levels[-1], since[0].year
        value = round(g.num.value - f.num.value, 6)
        if value < 0:
            continue
        out.append(
            replace(
                g,
                num=Number(g.num.start, g.num.end, value),
                end=f.end,
                year=year,
                as_of=f"{year}-12",
                status="actual",
                kind="level",
                kind_from="cue",
                at_least=False,
                evidence=[*g.evidence, f.num.start],
                note=f"DERIVED: {plain(g.num.value)} − {plain(f.num.value)} = {plain(value)} at "
                f"the end of {year} (the stated level minus the stated increase since then)",
            )
        )
    return out


def _countable(f: _Fig) -> bool:
    return f.unit in ("communes", "products", "villages", "gardens", "districts") and not (
        f.share or f.maintain
    )


def _kind(f: _Fig, text: str, groups: list[int]) -> tuple[str, str]:
    if f.unit == "percent":
        return ("maintain" if f.maintain else "level"), "cue"
    if f.num.total is not None:
        return "level", "cue"
    if f.metric in ("ntm_funds_mobilised", "ocop_submitted_5star"):
        return "increment", "cue"  # flows of a year
    if f.metric.endswith("_in_progress"):
        return "level", "cue"
    if f.metric in ("income_per_capita",) or f.unit in ("criteria", "contents", "indicators"):
        left = text[_clause_bounds(text, f.num.start)[0] : f.num.start]
        inc = re.search(r"\btăng\b(?! cường)", left)
        return ("increment" if inc else "level"), "cue"
    c0, _ = _clause_bounds(text, f.num.start)
    left = text[c0 : f.num.start]
    strong = [(m.start(), "increment") for m in rules.INC_STRONG.finditer(left)]
    strong += [(m.start(), "level") for m in rules.LEVEL_STRONG.finditer(left)]
    tail = text[f.end : _clause_end(text, f.end)]
    if re.match(r"\s*(?:\S+\s+){0,2}mới\b", tail) and not re.match(r"\s*nông thôn mới", tail):
        strong.append((len(left), "increment"))  # "02 sản phẩm mới"
    if strong:
        return max(strong)[1], "cue"
    if re.search(r"\blà\s*$", left):  # "mục tiêu … đến hết năm 2025 là 3.054 sản phẩm"
        return "level", "cue"
    has = r"\bcó\s*(?:ít nhất|tối thiểu|khoảng|trên|hơn)?\s*$"
    if f.status == "target" and f.unit in ("communes", "districts") and re.search(has, left):
        # "phấn đấu có ít nhất 54 đơn vị cấp huyện được … công nhận": how many there will be
        return ("level" if f.num.high is None else "increment"), "cue"
    if groups[f.num.start] and re.search(r"%[^,;()]*\(\s*(?:khoảng|gần|hơn|trên)?\s*$",
                                         text[: f.num.start]):  # fmt: skip
        return "level", "cue"  # "39-40% số xã (khoảng 3.530 xã)": the count of the share
    if rules.SINCE_NEW_YEAR.search(text, 0, f.num.start):
        return "increment", "cue"  # "Từ đầu năm đến nay, toàn tỉnh có 68 sản phẩm …"
    if _cue_before(rules.LUY_KE, text, f.num.start, groups):
        return "level", "cue"
    if rules.INC_WEAK.search(left):
        return "increment", "cue"
    if rules.INC_WEAK.search(tail):
        present = _cue_before(rules.PRESENT, text, f.num.start, groups)
        return ("level" if present else "increment"), "cue"
    if rules.LEVEL_WEAK.search(left):
        return "level", "cue"
    return "level", ""


# ---------------------------------------------------------------------------------------------
# Records, the draft, validation
# ---------------------------------------------------------------------------------------------


def _quote_span(doc: _Doc, sentences: list[_Sentence], f: _Fig) -> tuple[int, int]:
    s = sentences[f.sent]
    text = doc.low[s.start : s.end]
    lo, hi = f.num.start, f.end
    c0, c1 = _clause_bounds(text, lo)
    lo, hi = min(lo, c0), max(hi, c1)
    for e in f.evidence:
        if 0 <= e < len(text) and abs(e - f.num.start) < 160:
            ec0, ec1 = _clause_bounds(text, e)
            lo, hi = min(lo, ec0), max(hi, ec1 if e > f.num.start else hi)
    while lo < hi and text[lo] in " ,;:()\t-*":
        lo += 1
    while hi > lo and text[hi - 1] in " ,;:(\t.…":
        hi -= 1
    if text[lo:hi].count("(") > text[lo:hi].count(")") and text[hi : hi + 1] == ")":
        hi += 1
    if text[lo:hi].count(")") > text[lo:hi].count("(") and text[hi - 1] == ")":
        hi -= 1
    return s.start + lo, s.start + hi


def _record(doc, sentences, f: _Fig, source: str, date: dt.date | None) -> dict:
    quote = doc.quote(*_quote_span(doc, sentences, f))
    target = f.status == "target"
    metric, unit = f.metric, f.out_unit
    rec: dict = {"metric": metric, "year": f.year}
    if target:
        if f.maintain:
            kind = "maintain"
        elif f.share:
            kind = "share"
        else:
            kind = f.kind
        rec["kind"] = kind
        if f.num.high is not None:
            rec["min"], rec["max"] = as_number(f.num.value), as_number(f.num.high)
        else:
            rec["value"] = as_number(f.num.value)
        as_of = date.isoformat() if date else f.as_of
    else:
        if f.share:
            metric, unit = f"{metric}_share", "percent"
            rec["metric"] = metric
        rec["value"] = as_number(f.num.value)
        rec["status"] = f.status
        rec["kind"] = f.kind if f.kind in ("level", "increment") else "level"
        as_of = f.as_of or (date.isoformat() if date and date.year >= f.year else None)
        if f.num.high is not None:
            rec["value"] = None  # a range is a plan's words; an observation needs one value
    if as_of:
        rec["as_of"] = as_of
    if unit and metric not in metrics.CORE:
        rec["unit"] = unit
    rec["source"] = source
    rec["quote"] = quote
    if f.note:
        rec["note"] = f.note
    elif f.at_least:
        rec["note"] = "at least this many (ít nhất / tối thiểu / trở lên)"
    rec["review"] = "needed"
    rec["_target"] = target
    return rec


def _assemble(name, level, slug, records, source, date, fallback_year: int) -> dict:
    seen = set()
    obs, tgt = [], []
    for r in records:
        target = r.pop("_target")
        key = tuple((k, v) for k, v in r.items() if k not in ("quote", "note", "review"))
        if key in seen:
            continue
        seen.add(key)
        (tgt if target else obs).append(r)
    # origin_year: the latest year a figure is reported for (the plans' years come later);
    # with no figure, the report's year (a valid file that says nothing yet)
    years = [r["year"] for r in obs] or [r["year"] for r in tgt] or [fallback_year]
    data = {
        "name": name,
        "slug": slug,
        "level": level,
    }
    if level == "province":
        data["parent"] = "vietnam"
    data["origin_year"] = max(years)
    data["notes"] = (
        f"Draft by `ntm-forecast extract` from {source}"
        + (f" (dated {date.isoformat()})" if date else "")
        + "; every entry needs a person's review against its quote."
    )
    data["observations"] = obs
    data["targets"] = tgt
    return data


def _validated(data: dict) -> tuple[dict, list[str]]:
    """Drop entries the schema refuses (one line each), so that `check` accepts the draft."""
    problems = []
    for key, model in (("observations", Observation), ("targets", Target)):
        kept = []
        for r in data[key]:
            if r.get("value", 0) is None:
                problems.append(
                    f"skipped: a range in a reported figure: {r['metric']} {r['year']}: "
                    f"{_one_line(r['quote'])}"
                )
                continue
            try:
                model.model_validate(r)
            except ValidationError as exc:
                first = validation_problems(exc)[0]
                problems.append(f"skipped: {first}: {_one_line(r['quote'])}")
                continue
            kept.append(r)
        data[key] = kept
    for _ in range(len(data["observations"]) + 1):
        try:
            Locality.model_validate(data)
            break
        except ValidationError as exc:
            # the figures a check across entries names (above the total, not nested) go
            fields = [p.field for p in validation_problems(exc)]
            bad = sorted({f[1] for f in fields if f[:1] == ("observations",)}, reverse=True)
            if not bad:
                raise
            for i in bad:
                r = data["observations"].pop(i)
                problems.append(f"skipped: contradicts another figure: {_one_line(r['quote'])}")
    return data, problems


def _checks(data: dict) -> list[str]:
    loc = Locality.model_validate(data)
    return [f"warning: {f.field}: {f.message}" for f in check_locality(loc) if f.field != "review"]
