"""A figure's source as a reader cites it: the project's seed texts by their titles, not their
file names; the quote as the page has it, the notes a reader of the data wrote in brackets
("[DERIVED: 88 / 0.615 ≈ 143]", "(English-language page, 2017-08-03)") set apart; and the
language of a quote that is not in Vietnamese said.

The params files keep quote and notes in one string (the tables in data/ have one column for
them); these rules tell them apart:

- a part in square brackets is a note, except an ellipsis ("[...]", "[…]");
- a part in round brackets is a note when it holds a marker of the project's readers (a word
  in capitals such as DERIVED, UNDATED, CONFLICT; a date such as 12/03/2019, 2018-11 or
  17 March 2018; "English-language", "excerpt", "one batch", "wording", "recorded",
  "denominator"), or, in a Vietnamese quote, English words and no Vietnamese letter (outside
  the words it quotes): "(article 23/11/2021; same article: '…')", "(wording ambiguous)".
  "(NTM)", "(586)", "(đạt tỷ lệ 70,59%)" and "(accounting for 43.04%)" stay in the quote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ntm_forecast.i18n.messages import word

# The seed texts the project started from (tests/data/seeds), by their own headline, with
# where and when they were published.
SEED_TITLES = {
    "000_bd545c860b216212.txt": "“Thành quả và nhiệm vụ đột phá cho năm 2022” (Hậu Giang, "
    "15/12/2021)",
    "001_76c953a9d45b4d14.txt": "“Dồn sức cho mục tiêu hoàn thành các tiêu chí tỉnh nông thôn "
    "mới” (Báo Hà Tĩnh, 2/2024)",
    "002_885d6eaa8264a6a0.txt": "“Thái Nguyên chung sức xây dựng nông thôn mới ở cả bề rộng và "
    "chiều sâu” (27/11/2020)",
    "003_606c3cb47a7963c2.txt": "“Tin xây dựng Nông thôn mới tháng 4/2022” (Bản tin Nông thôn "
    "mới, Lý Nhân)",
    "004_b95925d2cb4fa7eb.txt": "“Huyện Hải Hà tổ chức hội nghị tổng kết chương trình xây dựng "
    "nông thôn mới, chương trình OCOP năm 2021, triển khai kế hoạch năm 2022” (14/03/2022)",
}

VIETNAMESE = re.compile(
    "[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]", re.IGNORECASE
)
FRENCH_WORDS = frozenset(
    {"les", "des", "une", "de", "du", "le", "la", "l", "d", "et", "est", "ont", "aux", "dont"}
)
BRACKETS = re.compile(r"\s*(\[[^\]]*\]|\([^()]*(?:\([^()]*\)[^()]*)*\))")
ELLIPSIS = re.compile(r"\[\s*(\.\.\.|…)\s*\]")
QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|“[^”]*”")
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
READER_MARKS = re.compile(
    r"\b[A-Z]{5,}\b|\b\d{1,2}/\d{1,2}/\d{4}\b|\b\d{4}-\d{2}\b|\b\d{1,2} (?:" + MONTHS + r") \d{4}\b"
    r"|English-language|\b(?:excerpt|one batch|wording|recorded|denominator)\b"
)
ENGLISH_WORD = re.compile(r"\b[a-z]{3,}\b")


@dataclass(frozen=True)
class Cited:
    """What a report shows of a figure's source: `source` (a title or an address), `quote` (the
    page's words) and `note` (the quote's language when not Vietnamese, the readers' notes)."""

    source: str
    quote: str
    note: str


def source_title(source: str) -> str:
    """A seed by its title; any other source (a page's address, a sum of members) as it is."""
    return SEED_TITLES.get(source, source)


# Vietnamese prose has a diacritic in most of its words; an English or French quote only in
# the names it cites ("Cần Thơ has 895 OCOP products").
VIETNAMESE_SHARE = 0.25


def language_of(text: str) -> str | None:
    """'vi', 'fr' or 'en'; None for a text without letters ("10 + 51 = 61")."""
    words = re.findall(r"[^\W\d_]+", text)
    if not words:
        return None
    if sum(bool(VIETNAMESE.search(w)) for w in words) >= VIETNAMESE_SHARE * len(words):
        return "vi"
    french = sum(w.lower() in FRENCH_WORDS for w in words)
    return "fr" if french >= 2 or re.search("[çœ]", text) else "en"


def _is_note(part: str, quote_language: str | None) -> bool:
    if part.startswith("["):
        return not ELLIPSIS.fullmatch(part)
    if READER_MARKS.search(part):
        return True
    own = QUOTED.sub(" ", part)  # the words a note quotes from the page are not its own
    return quote_language == "vi" and not VIETNAMESE.search(own) and bool(ENGLISH_WORD.search(own))


def split_quote(quote: str) -> tuple[str, list[str]]:
    """(the page's words, the notes in brackets), the brackets of a note dropped."""
    outside = BRACKETS.sub(" ", quote)
    language = language_of(outside)
    notes = []

    def take(match: re.Match) -> str:
        part = match.group(1)
        if not _is_note(part, language):
            return match.group(0)
        notes.append(part[1:-1].strip())
        return ""

    return BRACKETS.sub(take, quote).strip(), notes


def cite(source: str, quote: str, lang: str) -> Cited:
    """A figure's source, quote and note as a report in ``lang`` shows them."""
    text, notes = split_quote(quote)
    language = language_of(text)
    said = [word(f"source.quote_{language}", lang)] if language in ("en", "fr") else []
    return Cited(source_title(source), text, "; ".join(said + notes))
