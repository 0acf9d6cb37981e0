"""Words in the reader's language: one catalogue per language (`lang_vi`, `lang_en`).

`word(key, lang, **values)` looks a message up and fills it in, with numbers in the
language's style and metric codes as their labels. A `Message` is a sentence kept as its
code and values: it is a `str` (the plain English line the command line prints, codes and
all) and `render(lang)` gives it in either language. Warnings and notes are Messages, so a
Vietnamese report never carries an English sentence.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from typing import Any

from ntm_forecast.errors import InputError
from ntm_forecast.i18n import lang_en, lang_vi
from ntm_forecast.i18n.numbers import fmt_number, plain

LANGS = ("vi", "en")
CATALOGUES: dict[str, dict[str, str]] = {"vi": lang_vi.MESSAGES, "en": lang_en.MESSAGES}

# Values under these names are metric codes (shown as their label) or years (no separator).
METRIC_KEYS = frozenset({"metric"})
YEAR_KEYS = frozenset({"year", "prev", "origin", "end", "month"})


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _localised(key: str, value: Any, lang: str) -> str:
    if isinstance(value, Message):
        return value.render(lang)
    if key in METRIC_KEYS and isinstance(value, str):
        return metric_label(value, lang)
    if key == "status" and isinstance(value, str) and has(f"status_data.{value}"):
        return word(f"status_data.{value}", lang).lower()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if key in YEAR_KEYS:
        return str(int(value))
    return fmt_number(value, lang)


def word(key: str, lang: str = "vi", /, **values: Any) -> str:
    """The message ``key`` in ``lang``, its fields filled in that language's style."""
    template = CATALOGUES[lang][key]
    return template.format(**{k: _localised(k, v, lang) for k, v in values.items()})


def has(key: str) -> bool:
    return key in CATALOGUES["vi"]


class Message(str):
    """A sentence as code + values; its `str` is the plain English line (codes kept)."""

    code: str
    values: dict[str, Any]

    def __new__(cls, code: str, **values: Any) -> Message:
        template = CATALOGUES["en"][code]  # a KeyError here is a missing catalogue entry
        line = template.format(**{k: plain(v) for k, v in values.items()})
        self = super().__new__(cls, line)
        self.code, self.values = code, dict(values)
        return self

    def render(self, lang: str) -> str:
        return word(self.code, lang, **self.values)

    def __reduce__(self):
        return (_rebuild, (self.code, self.values))


def _rebuild(code: str, values: dict[str, Any]) -> Message:
    return Message(code, **values)


def msg(code: str, **values: Any) -> Message:
    return Message(code, **values)


def render(text: object, lang: str) -> str:
    """A Message in ``lang``; any other text (a name, a note from a params file) as it is."""
    if isinstance(text, Message):
        return text.render(lang)
    return "" if text is None else str(text)


def render_notes(notes: Iterable[object], lang: str) -> str:
    """Notes (Messages, a params file's own words) as one line in ``lang``, empty ones left out."""
    return "; ".join(text for text in (render(n, lang) for n in notes) if text)


def metric_label(metric: str, lang: str = "vi") -> str:
    key = f"metric.{metric}"
    return word(key, lang) if has(key) else word("metric.other", lang, code=metric)


def check_lang(lang: str) -> str:
    """The one check of a language wherever one enters (an option, a notebook parameter)."""
    if lang not in LANGS:
        raise InputError.at("--lang", "lang", f"one of {', '.join(LANGS)}", repr(lang))
    return lang
