"""Text from params files stays text: a spreadsheet never evaluates it, HTML never runs it."""

from __future__ import annotations

import pandas as pd
import pytest

from ntm_forecast.i18n.textsafe import escape_html, spreadsheet_frame, spreadsheet_text


@pytest.mark.parametrize(
    "text",
    ["-2+3", "-cmd|' /C calc'!A0", "=1+1", "+A1", "@SUM(A1)", "\t=1", "\r=1", "-", "+"],
)
def test_text_a_spreadsheet_would_evaluate_is_marked_as_text(text):
    assert spreadsheet_text(text) == "'" + text


@pytest.mark.parametrize("text", ["-5", "-0.25", "+3", "-1e3"])
def test_a_signed_number_written_as_text_stays_a_number(text):
    assert spreadsheet_text(text) == text


@pytest.mark.parametrize("value", ["2-3", "Hậu Giang", "a=b", "", " -2+3", 5, -5.0, None])
def test_anything_else_is_left_alone(value):
    assert spreadsheet_text(value) == value


def test_a_frame_keeps_its_numbers_and_makes_its_text_inert():
    frame = pd.DataFrame({"note": ["-2+3", "2-3"], "value": [-5.0, 3.0]})
    out = spreadsheet_frame(frame)
    assert out["note"].tolist() == ["'-2+3", "2-3"]
    assert out["value"].tolist() == [-5.0, 3.0] and out["value"].dtype == float
    assert frame["note"].tolist() == ["-2+3", "2-3"]  # a copy: the input is not changed


def test_html_is_escaped():
    assert escape_html('<img src=x onerror="a">') == "&lt;img src=x onerror=&quot;a&quot;&gt;"
