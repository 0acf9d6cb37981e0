"""Text from params files (names, quotes, sources, notes) stays text wherever it is rendered.

HTML (the notebook's outputs and their HTML copy): escaped, so a name like
``<img src=x onerror=…>`` shows as written; Word: characters XML cannot hold dropped.
Spreadsheets: text that starts like a formula is never evaluated: in xlsx a string cell
marked as text (`excel.put`), in CSV a leading apostrophe, the mark Excel and LibreOffice
both read as "this cell is text".
"""

from __future__ import annotations

import html
import re

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_html(text: object) -> str:
    return html.escape("" if text is None else str(text), quote=True)


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text: object) -> str:
    """Text for a Word document: characters XML cannot hold are dropped (python-docx
    escapes the rest)."""
    return _XML_ILLEGAL.sub("", "" if text is None else str(text))


def chart_text(text: object) -> str:
    """Text for a matplotlib label: a `$` would start mathtext."""
    return ("" if text is None else str(text)).replace("$", r"\$")


def spreadsheet_text(value: object) -> object:
    """A string that a spreadsheet would evaluate, made inert; anything else unchanged.

    A number written as text ("-5") is left alone: it is a value, not a formula.
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    if value[0] in "+-" and _is_number(value):
        return value
    return "'" + value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def spreadsheet_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text columns are safe to open in a spreadsheet (numbers untouched)."""
    out = frame.copy()
    for column in out.columns:
        if not pd.api.types.is_numeric_dtype(out[column]):
            out[column] = out[column].map(spreadsheet_text)
    return out
