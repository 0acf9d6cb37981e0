"""Numbers as Vietnamese reports write them: "5.775" (thousands), "70,59" (decimal), "06",
"1 - 2" (a range) and words for small counts ("ba xã", "hai sản phẩm").

Works on lower-cased text (see :mod:`ntm_forecast.ingest.extract`); every match keeps its
span so the caller can quote the original words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Digits are ASCII ([0-9]: `\d` also matches "٣" and "１２"). A dot followed by exactly three
# digits groups thousands; a comma starts the decimals.
# "17.9" (a dot and one digit) is read as a decimal point, the way some pages write it.
_NUM = r"[0-9]{1,3}(?:\.[0-9]{3})+(?:,[0-9]+)?|[0-9]+,[0-9]+|[0-9]+\.[0-9]{1,2}(?![0-9])|[0-9]+"
NUMBER = re.compile(rf"(?<![0-9.,/])(?:{_NUM})(?![0-9/]|[.,][0-9])")
RANGE = re.compile(rf"(?<![0-9.,/])({_NUM})\s*-\s*({_NUM})(?![0-9/]|[.,][0-9])")
FRACTION = re.compile(
    rf"(?<![0-9.,/])({_NUM})/([0-9]{{1,3}}(?:\.[0-9]{{3}})+|[0-9]+)(?![0-9/]|[.,][0-9])"
)

_UNITS = {
    "một": 1,
    "mốt": 1,
    "hai": 2,
    "ba": 3,
    "bốn": 4,
    "tư": 4,
    "năm": 5,
    "lăm": 5,
    "sáu": 6,
    "bảy": 7,
    "bẩy": 7,
    "tám": 8,
    "chín": 9,
}
# "tư", "lăm", "mốt" are 4, 5, 1 only after a ten ("hai mươi tư", "mười lăm"): alone, "tư" is
# the one of "đầu tư" (invest) or "thứ tư" (Wednesday), never a count.
_ALONE = "một|hai|ba|bốn|năm|sáu|bảy|bẩy|tám|chín"
_AFTER_TEN = "|".join(sorted(_UNITS, key=len, reverse=True))
# "mười", "mười hai", "hai mươi", "hai mươi lăm" (up to 99): enough for counts of communes.
WORD_NUMBER = re.compile(
    rf"\b(?:(?P<tens>{_ALONE}) mươi(?: (?P<tu>{_AFTER_TEN}))?"
    rf"|mười(?: (?P<teen>{_AFTER_TEN}))?"
    rf"|(?P<unit>{_ALONE}))\b"
)
# A word number is not a count after these: "thứ ba", "tháng năm", "trong năm", "hằng năm",
# "đầu năm", "lần hai" (a weekday, a month, a year, an order).
_NOT_A_COUNT_AFTER = frozenset({
    "thứ", "tháng", "lần", "mùng", "mồng", "hàng", "hằng", "mỗi", "trong", "cả", "các", "những",
    "nhiều", "đầu", "giữa", "cuối", "hết", "qua", "sang", "tới", "năm",
})  # fmt: skip
_PREV_WORD = re.compile(r"(\w+)\s+$")


def _month_year(m: re.Match) -> bool:
    month, year = m.group(1), m.group(2)
    return (
        month.isdigit() and year.isdigit() and 1 <= int(month) <= 12 and 1900 <= int(year) <= 2100
    )


def parse_number(token: str) -> float:
    """One number token as written in Vietnamese: '5.775' → 5775, '70,59' → 70.59, '06' → 6."""
    token = token.strip()
    if re.fullmatch(r"[0-9]{1,3}(?:\.[0-9]{3})+(?:,[0-9]+)?", token):
        return float(token.replace(".", "").replace(",", "."))
    if re.fullmatch(r"[0-9]+,[0-9]+", token):
        return float(token.replace(",", "."))
    if re.fullmatch(r"[0-9]+(?:\.[0-9]+)?", token):
        return float(token)
    raise ValueError(f"not a number: {token!r}")


def word_value(m: re.Match) -> int:
    """The value of a :data:`WORD_NUMBER` match."""
    if m.group("tens"):
        return 10 * _UNITS[m.group("tens")] + (_UNITS[m.group("tu")] if m.group("tu") else 0)
    if m.group(0).startswith("mười"):
        return 10 + (_UNITS[m.group("teen")] if m.group("teen") else 0)
    return _UNITS[m.group("unit")]


@dataclass(frozen=True)
class Number:
    """A number found in the text: a value, or a range ``low``–``high``; ``total`` is the M
    of "N/M"."""

    start: int
    end: int
    value: float
    high: float | None = None
    total: float | None = None
    written: str = "digits"  # digits | words


def find_numbers(
    text: str, unit_after: re.Pattern, counted: re.Pattern | None = None
) -> list[Number]:
    """Every number in ``text`` that a unit (``unit_after`` matched right after it) follows.

    Ranges ("1 - 2 xã") and fractions ("36/51 xã") come first; plain numbers are kept where no
    range or fraction covers them. Words count only when a counted noun follows (``counted``,
    default ``unit_after``; "ba xã", never "năm" in "năm 2022") and they are not part of a
    compound ("đầu tư xã", "thứ ba", "trong năm xã …").
    """
    found: list[Number] = []
    covered = bytearray(len(text))  # 1 where a range or fraction already took the character

    def free(a: int, b: int) -> bool:
        return not any(covered[a:b])

    def take(a: int, b: int) -> None:
        covered[a:b] = b"\x01" * (b - a)

    def unit_follows(end: int) -> bool:
        return unit_after.match(text, end) is not None

    for m in FRACTION.finditer(text):
        if _month_year(m):
            take(*m.span())  # "tháng 4/2022": a month, not 4 of 2022
            continue
        if unit_follows(m.end()):
            found.append(
                Number(m.start(), m.end(), parse_number(m.group(1)), total=parse_number(m.group(2)))
            )
            take(*m.span())
    for m in RANGE.finditer(text):
        if free(*m.span()) and unit_follows(m.end()):
            low, high = parse_number(m.group(1)), parse_number(m.group(2))
            if low < high:
                found.append(Number(m.start(), m.end(), low, high=high))
                take(*m.span())
    for m in NUMBER.finditer(text):
        if free(*m.span()) and unit_follows(m.end()):
            found.append(Number(m.start(), m.end(), parse_number(m.group(0))))
            take(*m.span())
    counted = counted or unit_after
    for m in WORD_NUMBER.finditer(text):
        prev = _PREV_WORD.search(text, max(0, m.start() - 12), m.start())
        if prev and prev.group(1) in _NOT_A_COUNT_AFTER:
            continue
        if free(*m.span()) and counted.match(text, m.end()):
            found.append(Number(m.start(), m.end(), float(word_value(m)), written="words"))
            take(*m.span())
    found.sort(key=lambda n: n.start)
    return found
