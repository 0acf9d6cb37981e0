"""A figure's source as a reader cites it: titles, not file names; the quote apart from the
notes in brackets; the language of a quote not in Vietnamese; a unit on every value."""

from __future__ import annotations

from pathlib import Path

import pytest

from ntm_forecast.render import planner, report
from ntm_forecast.render.sources import SEED_TITLES, cite, language_of, split_quote
from ntm_forecast.render.word import source_line

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "tests" / "data" / "seeds"


def test_every_seed_has_the_title_it_opens_with():
    seeds = sorted(SEEDS.glob("*.txt"))
    assert [s.name for s in seeds] == sorted(SEED_TITLES)
    for seed in seeds:
        headline = SEED_TITLES[seed.name].split("”")[0].removeprefix("“")
        assert headline in seed.read_text(encoding="utf-8")[:600], seed.name


@pytest.mark.parametrize(
    ("quote", "kept", "notes"),
    [
        # the readers' notes, in English, set apart (brackets dropped)
        ("Năm 2010, toàn huyện chưa có xã nào đạt chuẩn nông thôn mới (article 23/11/2021; "
         "same article: 'Đến hết năm 2020, 10/10 xã')",
         "Năm 2010, toàn huyện chưa có xã nào đạt chuẩn nông thôn mới",
         ["article 23/11/2021; same article: 'Đến hết năm 2020, 10/10 xã'"]),
        ("88 xã, chiếm tỷ lệ 61,5% [DERIVED: 88 / 0.615 ≈ 143]", "88 xã, chiếm tỷ lệ 61,5%",
         ["DERIVED: 88 / 0.615 ≈ 143"]),
        ("42 out of 85 communes (English-language page, 2017-08-03)", "42 out of 85 communes",
         ["English-language page, 2017-08-03"]),
        ("có 35 xã (wording ambiguous)", "có 35 xã", ["wording ambiguous"]),
        # the page's own brackets stay in the quote
        ("36/51 xã đạt chuẩn NTM (đạt tỷ lệ 70,59%)", "36/51 xã đạt chuẩn NTM (đạt tỷ lệ 70,59%)",
         []),
        ("xây dựng nông thôn mới (NTM) [...] 586 xã", "xây dựng nông thôn mới (NTM) [...] 586 xã",
         []),
        ("2,884 communes (accounting for 32.3%)", "2,884 communes (accounting for 32.3%)", []),
    ],
)  # fmt: skip
def test_notes_in_brackets_are_set_apart_from_the_quote(quote, kept, notes):
    assert split_quote(quote) == (kept, notes)


def test_the_language_of_a_quote_not_in_vietnamese_is_said():
    assert language_of("Cần Thơ has 895 OCOP products rated three to five stars") == "en"
    assert language_of("Cần Thơ có 895 sản phẩm OCOP") == "vi"  # a name is not a language
    assert language_of("Thanh Hoa has 598 OCOP products") == "en"
    assert language_of("Fin janvier 2020, 4.849 communes de l’ensemble du pays") == "fr"
    assert language_of("10 + 51 = 61") is None
    english = cite("https://x.vn/a", "Thanh Hoa has 598 OCOP products (VNA, 17 March 2018)", "vi")
    assert (english.quote, english.note) == (
        "Thanh Hoa has 598 OCOP products",
        "trích dẫn tiếng Anh; VNA, 17 March 2018",
    )
    french = cite("https://x.vn/b", "Toutes les communes de la province", "en")
    assert french.note == "quoted in French"
    assert cite("https://x.vn/c", "36/51 xã", "vi").note == ""
    line = source_line(english.source, english.quote, english.note)
    assert line == (
        "https://x.vn/a: “Thanh Hoa has 598 OCOP products” (trích dẫn tiếng Anh; VNA, 17 March "
        "2018)"
    )


def test_units_in_words():
    assert planner.unit_words("communes", "vi") == "xã"
    assert planner.unit_words("million_vnd", "vi") == "triệu đồng"
    assert planner.unit_words("criteria/8", "vi") == "tiêu chí (trên 8)"
    assert planner.unit_words("indicators/58", "en") == "indicators (of 58)"
    assert planner.unit_words(None, "vi") == ""
    income = {"metric": "income_per_capita", "target_year": 2022, "target_kind": "level",
              "target_value": 67.8, "unit": "million_vnd"}  # fmt: skip
    assert planner.target_words(income, "vi") == "67,8 triệu đồng"


@pytest.fixture(scope="module")
def hai_ha():
    """Hải Hà: a district whose figures come from a seed text, with an income target."""
    return report.build(ROOT / "params" / "hai_ha.yaml", n_paths=200, seed=0)


def test_a_report_cites_titles_units_and_notes_apart(hai_ha):
    data = hai_ha.data_frame()
    assert not data["source"].str.endswith(".txt").any()  # a title, never a file name
    assert SEED_TITLES["004_b95925d2cb4fa7eb.txt"] in set(data["source"])
    assert data["unit"].ne("").all()  # every value has its unit
    shown = planner.display_frame(data, "vi")
    units = dict(zip(shown["Chỉ tiêu"], shown["Đơn vị"], strict=True))
    assert units["Xã đạt chuẩn NTM"] == "xã"
    assert units["Vốn huy động xây dựng NTM"] == "triệu đồng"
    assert "[" not in "".join(data["quote"]) and "article" not in "".join(data["quote"])
    assert any(note.startswith("article 23/11/2021") for note in data["note"])
    past = hai_ha.past_table().frame
    income = past[past["Chỉ tiêu"] == "Thu nhập bình quân đầu người"]["Mục tiêu"]
    assert income.tolist() == ["67,8 triệu đồng"]
