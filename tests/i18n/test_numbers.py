import math

import pytest

from ntm_forecast.errors import InputError
from ntm_forecast.i18n.labels import code_label, run_note
from ntm_forecast.i18n.messages import check_lang
from ntm_forecast.i18n.numbers import fmt_number, fmt_percent, fmt_year


def test_vietnamese_number_style():
    assert fmt_percent(0.7059) == "70,59%"
    assert fmt_number(206989.3) == "206.989,3"
    assert fmt_number(39) == "39"


def test_english_number_style():
    assert fmt_percent(0.7059, "en") == "70.59%"
    assert fmt_number(206989.3, "en") == "206,989.3"


@pytest.mark.parametrize("value", [None, math.nan])
def test_missing_is_empty(value):
    assert fmt_number(value) == ""
    assert fmt_percent(value) == ""
    assert fmt_year(value) == ""


def test_digits_and_negative_zero():
    assert fmt_percent(0.2345, digits=0) == "23%"
    assert fmt_number(-0.0) == "0"
    assert fmt_year(2022.0) == "2022"


def test_code_words_and_note():
    assert code_label("metric", "communes_advanced") == "Xã đạt chuẩn NTM nâng cao"
    assert code_label("status", "at_risk", "en") == "At risk"
    meta = {"locality": "Hậu Giang", "origin_year": 2021, "seed": 0, "n_paths": 10000,
            "version": "0.1.0"}  # fmt: skip
    assert run_note(meta) == (
        "Hậu Giang · năm gốc 2021 · hạt giống ngẫu nhiên 0 · 10.000 đường mô phỏng"
        " · ntm-forecast 0.1.0"
    )


def test_unknown_lang():
    with pytest.raises(InputError, match="--lang: lang: expected one of vi, en, found 'fr'"):
        check_lang("fr")
