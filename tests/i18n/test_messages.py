"""The message catalogues: complete in both languages, filled in each language's style."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import pytest

from ntm_forecast.assess.backtest import BACKTEST_COLUMNS
from ntm_forecast.domain.checks import Finding
from ntm_forecast.engine.forecast import FORECAST_COLUMNS
from ntm_forecast.i18n import lang_en, lang_vi
from ntm_forecast.i18n.messages import CATALOGUES, Message, fields, msg, render, word
from ntm_forecast.render.planner import COMING_COLUMNS, PAST_COLUMNS
from ntm_forecast.render.tables import TARGET_COLUMNS

PACKAGE = Path(__file__).resolve().parents[2] / "ntm_forecast"


def test_every_message_in_both_languages():
    assert set(lang_vi.MESSAGES) == set(lang_en.MESSAGES)
    for key, en in lang_en.MESSAGES.items():
        vi = lang_vi.MESSAGES[key]
        assert vi.strip() or not en.strip(), f"{key}: empty in Vietnamese"
        # Vietnamese may leave a detail out (an English-only detail), never add one
        assert fields(vi) <= fields(en), f"{key}: fields {fields(vi) - fields(en)} not given"


SECTIONS = sorted({key.split(".")[0] for key in CATALOGUES["vi"]})
# A code given to msg/word/Message (any section, so a misspelt one is caught too), or a code
# of a known section given to any call (`self._heading("report.data")`).
CODE_CALLS = (
    re.compile(r'\b(?:msg|word|Message)\(\s*"([a-z_]+\.[a-z0-9_]+)"'),
    re.compile(r'\(\s*"((?:' + "|".join(SECTIONS) + r')\.[a-z0-9_]+)"'),
)


def codes_in(folder: Path) -> dict[str, set[str]]:
    """Every catalogue code the modules under ``folder``, at any depth, give to a call, and
    the subpackages (or top-level modules) that give it."""
    used: dict[str, set[str]] = {}
    for path in folder.rglob("*.py"):
        where = path.relative_to(folder).parts[0].removesuffix(".py")
        text = path.read_text(encoding="utf-8")
        for pattern in CODE_CALLS:
            for code in pattern.findall(text):
                used.setdefault(code, set()).add(where)
    return used


def test_every_code_the_package_uses_is_in_the_catalogue():
    used = codes_in(PACKAGE)
    subpackages = {where for places in used.values() for where in places}
    assert {"domain", "engine", "assess", "render"} <= subpackages
    assert {"report.data", "report.warnings", "note.maintain", "warn.falling"} <= set(used)
    missing = sorted(c for c in used if c not in CATALOGUES["vi"])
    assert missing == []


def test_the_code_scan_reaches_nested_folders_and_any_call(tmp_path):
    deep = tmp_path / "render" / "deeper"
    deep.mkdir(parents=True)
    (deep / "m.py").write_text(
        'self._heading(\n    "report.no_such_heading")\nmsg("nott.misspelt", x=1)\n'
        'out / "report.xlsx"\n',
        encoding="utf-8",
    )
    assert codes_in(tmp_path) == {"report.no_such_heading": {"render"}, "nott.misspelt": {"render"}}


def test_a_message_is_its_english_line_and_renders_in_either_language():
    m = msg("warn.total_not_base", metric="ocop_total", year=2022, total=116.0, base=66,
            when="2021-12-15", inc=30, sum=96.5)  # fmt: skip
    assert m == ("ocop_total 2022: the stated total 116 is not the base 66 (2021-12-15) plus "
                 "the stated 30 (= 96.5)")  # fmt: skip
    assert m.render("vi") == (
        "Sản phẩm OCOP (3 sao trở lên) năm 2022: tổng 116 được nêu không bằng số gốc 66 "
        "(2021-12-15) cộng 30 tăng thêm (= 96,5)"
    )
    assert m.render("en").startswith("OCOP products (3 stars or more) 2022: the stated total")
    assert pickle.loads(pickle.dumps(m)).render("vi") == m.render("vi")
    assert render("Hậu Giang", "en") == "Hậu Giang"  # plain text stays as written


def test_a_messages_english_line_keeps_every_digit_of_its_numbers():
    m = msg("note.share_count", pct=76.47, total=5775.0, count=206989.3)
    assert m == "76.47% of 5775 communes = 206989.3"  # whole floats as ints, no rounding


def test_numbers_and_years_in_the_languages_style():
    assert word("note.share_count", "vi", pct=76.47, total=5775, count=4416.1) == (
        "76,47% của 5.775 xã = 4.416,1 xã"
    )
    assert word("note.share_count", "en", pct=76.47, total=5775, count=4416.1) == (
        "76.47% of 5,775 communes = 4,416.1"
    )
    assert word("note.beyond_horizon", "vi", year=2028) == (
        "năm mục tiêu nằm ngoài khoảng dự báo (đến 2028)"
    )


def test_a_finding_has_a_code_values_and_renders():
    f = Finding("x", "parent", msg("warn.parent_missing", parent="ha_nam"))
    assert f.code == "warn.parent_missing" and f.values == {"parent": "ha_nam"}
    assert f.line("p.yaml") == (
        "p.yaml: parent: the parent 'ha_nam' has no params file; forecasts borrow from the "
        "national series instead"
    )
    assert "“ha_nam” không có tệp tham số" in f.render("vi")
    plain = Finding("x", "observations[0]", "an older finding as plain text")
    assert plain.code is None and plain.render("vi") == "an older finding as plain text"


def test_an_unknown_code_fails_loudly():
    with pytest.raises(KeyError):
        Message("warn.no_such_code")


def test_every_column_of_the_result_tables_has_a_header_in_both_languages():
    columns = {*BACKTEST_COLUMNS, *FORECAST_COLUMNS, *TARGET_COLUMNS, *COMING_COLUMNS}
    columns |= {*PAST_COLUMNS, "pace", "required_pace_p80", "source", "quote", "as_of", "unit"}
    for lang, catalogue in CATALOGUES.items():
        assert sorted(c for c in columns if f"col.{c}" not in catalogue) == [], lang


def test_the_data_date_opens_every_run_note():
    from ntm_forecast.i18n.labels import data_as_of, run_note

    assert data_as_of((2025, 6), "vi") == "Số liệu đến tháng 6/2025"
    assert data_as_of((2025, None), "vi") == "Số liệu đến năm 2025"
    assert data_as_of((2025, 12), "en") == "Figures up to 12/2025"
    assert data_as_of(None, "vi") == ""
    note = run_note({"data_as_of": (2025, 6), "locality": "Hà Tĩnh", "origin_year": 2025}, "vi")
    assert note.startswith("Số liệu đến tháng 6/2025 · Hà Tĩnh")
