"""The planner's tables: names, targets in words, one language, coming before past.

The target table is a real engine run (`export_fixtures`); the figures the engine chose are
read from it, the words around them are checked as written."""

from __future__ import annotations

import re

import pandas as pd
from engine_fixtures import commune_series, context, locality, target
from export_fixtures import META, target_frame

from ntm_forecast.assess.targets import assess_targets
from ntm_forecast.engine.forecast import forecast_locality
from ntm_forecast.i18n.numbers import fmt_number, fmt_percent
from ntm_forecast.render import planner

NAMES = {"hau_giang": "Hậu Giang"}
TOTALS = META["communes_total"]
COMING = ["unlikely", "at_risk", "at_risk", "at_risk", "likely", "insufficient", "not_modelled"]


def test_coming_first_by_probability_and_past_apart():
    coming, past = planner.split(target_frame())
    p = coming["probability"]
    assert p.iloc[:5].is_monotonic_increasing and p.iloc[5:].isna().all()  # none last
    assert list(coming["status"]) == COMING
    assert list(past["status"]) == ["missed", "met", "past"]
    assert list(past["target_year"]) == [2020, 2019, 2018]  # latest year first


def test_vietnamese_table():
    t = target_frame()
    table = planner.coming_table(t, "vi", names=NAMES, communes_total=TOTALS)
    frame = table.frame
    assert list(frame.columns) == [
        "Địa phương", "Chỉ tiêu", "Mục tiêu", "Năm mục tiêu", "Khả năng đạt", "Đánh giá", "Lý do",
        "Tiến độ (chuẩn SDG)", "Dự báo (trung vị, khoảng 80%)", "Tốc độ cần/năm",
        "Tốc độ gần đây/năm",
    ]  # fmt: skip
    r = t.iloc[0]  # 39 of 51 communes in 2022: the least likely
    median, low, high = (fmt_number(r[c], "vi") for c in ("projected_median", "projected_p10",
                                                            "projected_p90"))  # fmt: skip
    recent = fmt_number(round(r.recent_per_year, 1), "vi")
    times = fmt_number(round(6 / r.recent_per_year, 1), "vi")
    assert frame.iloc[0].tolist() == [
        "Hậu Giang", "Xã đạt chuẩn NTM", "39/51 xã", "2022",
        fmt_percent(r.probability, "vi", digits=1), "Khó đạt",
        f"cần 6 xã/năm, gần đây bình quân {recent}: phải nhanh hơn {times} lần", "Tiến bộ hạn chế",
        f"{median} ({low}–{high})", "6", fmt_number(r.recent_per_year, "vi", digits=1),
    ]  # fmt: skip
    assert re.fullmatch(r"\d+(,\d)?%", frame.iloc[0]["Khả năng đạt"])
    assert frame["Mục tiêu"].tolist()[1:5] == [
        "76,47% số xã",
        "80 sản phẩm",
        "34/51 xã",
        "thêm 1–2 xã",
    ]
    assert frame.iloc[6]["Mục tiêu"] == "duy trì 100%"
    assert frame.iloc[5].tolist()[4:] == [
        "",
        "Chưa đủ dữ liệu",
        "chưa đủ số liệu để dự báo",
        "",
        "",
        "",
        "",
    ]  # never NaN; the reason it has no probability
    assert table.statuses == COMING
    html = table.to_html()
    assert "<th>Khả năng đạt</th>" in html and "background-color:#C6EFCE" in html
    assert "NaN" not in html and "None" not in html and "<NA>" not in html


def test_english_table():
    t = target_frame()
    frame = planner.coming_table(t, "en", names=NAMES, communes_total=TOTALS).frame
    recent = fmt_number(round(t.iloc[0].recent_per_year, 1), "en")
    assert frame.iloc[0].tolist()[:8] == [
        "Hậu Giang",
        "NTM communes",
        "39/51 communes",
        "2022",
        fmt_percent(t.iloc[0].probability, "en", digits=1),
        "Unlikely",
        f"needs 6 communes a year, lately {recent} on average: "
        f"{fmt_number(round(6 / t.iloc[0].recent_per_year, 1), 'en')} times as fast is needed",
        "Limited progress",
    ]
    assert re.fullmatch(r"\d+(\.\d)?%", frame.iloc[0]["Probability"])
    assert frame["Target"].tolist()[1:5] == ["76.47% of communes", "80 products",
                                             "34/51 communes", "1–2 more communes"]  # fmt: skip


def test_past_targets_in_words_never_as_percentages():
    past = planner.past_table(target_frame(), "vi", names=NAMES, communes_total=TOTALS).frame
    assert past["Kết quả"].tolist() == ["Không đạt", "Đã đạt", "Chưa rõ kết quả"]
    assert past["Mục tiêu"].tolist() == ["32/51 xã", "28/51 xã", "16 tiêu chí"]
    assert not past.apply(lambda c: c.str.contains("%")).any().any()
    en = planner.past_table(target_frame(), "en", names=NAMES).frame
    assert en["Outcome"].tolist() == ["Missed", "Met", "Outcome unknown"]


def test_headline_sentence():
    t = target_frame()
    p = t.iloc[0].probability
    text = planner.headline(t, "vi", names=NAMES, communes_total=TOTALS)
    assert text == (
        "7 mục tiêu sắp tới: 1 có khả năng đạt, 3 có nguy cơ không đạt, 1 khó đạt, "
        "2 chưa đánh giá được; xa nhất là 39/51 xã (xã đạt chuẩn NTM) năm 2022, "
        f"khả năng đạt {fmt_percent(p, 'vi', digits=1)}."
    )
    en = planner.headline(t, "en", names=NAMES, communes_total=TOTALS)
    assert en.startswith("7 coming targets: 1 likely, 3 at risk, 1 unlikely, 2 not assessed;")
    assert en.endswith(
        f"furthest behind: 39/51 communes (NTM communes) in 2022, probability "
        f"{fmt_percent(p, 'en', digits=1)}."
    )
    none = t[t["status"].isin(planner.PAST)]
    assert planner.headline(none, "vi") == "Không có mục tiêu nào sắp tới."


def test_headline_of_a_summary_names_the_locality():
    t = target_frame()
    t.loc[0, "locality"] = "ha_tinh"
    text = planner.headline(t, "vi", names={**NAMES, "ha_tinh": "Hà Tĩnh"})
    assert "năm 2022 của Hà Tĩnh, khả năng đạt" in text


def test_compact_whatif():
    base = target_frame()
    blocks = []
    for pace, shift in ((0.8, -0.05), (1.0, 0.0), (1.5, 0.04)):
        b = base.copy()
        b["probability"] = (b["probability"] + shift).clip(0, 1)
        b.insert(0, "pace", pace)
        blocks.append(b)
    frame = pd.concat(blocks, ignore_index=True)
    frame["required_pace_p80"] = 1.35
    table = planner.whatif_table(frame, "vi", communes_total=TOTALS).frame
    assert len(table) == 7  # one row per coming target, past ones left out
    assert list(table.columns) == [
        "Chỉ tiêu",
        "Mục tiêu",
        "Năm mục tiêu",
        "Tốc độ × 0,8",
        "Tốc độ × 1",
        "Tốc độ × 1,5",
        "Hệ số tốc độ cần cho 80%",
    ]
    p = base.iloc[0].probability
    expected = [fmt_percent(x, "vi", digits=1) for x in (max(p - 0.05, 0), p, p + 0.04)]
    assert table.iloc[0].tolist() == ["Xã đạt chuẩn NTM", "39/51 xã", "2022", *expected, "1,35"]


def test_display_frame_has_no_codes_or_nan():
    data = pd.DataFrame({"metric": ["communes_ntm"], "year": [2021], "value": [36.0],
                         "status": ["estimate"], "as_of": [float("nan")],
                         "kind": ["level"]})  # fmt: skip
    out = planner.display_frame(data, "vi")
    assert out.iloc[0].tolist() == ["Xã đạt chuẩn NTM", "2021", "36", "Ước tính", "", "Lũy kế"]


def test_whatif_of_a_locality_without_targets():
    empty = pd.DataFrame(columns=["pace", *target_frame().columns, "required_pace_p80"])
    table = planner.whatif_table(empty, "vi")
    assert len(table) == 0 and "Chỉ tiêu" in table.frame.columns


def test_target_words_of_metrics_outside_the_core_list():
    row = {"metric": "districts_advanced", "target_kind": "increment", "target_value": 4.0,
           "target_value_max": None, "target_year": 2024}  # fmt: skip
    assert planner.target_words(row, "vi") == "thêm 4 huyện"
    row = {**row, "metric": "ocop_4star_plus", "target_value": 5.0}
    assert planner.target_words(row, "en") == "5 more products"
    row = {**row, "metric": "urban_civilised_share", "target_kind": "level", "target_value": 100}
    assert planner.target_words(row, "vi") == "100%"


def test_a_target_stated_three_ways_is_counted_once_in_the_headline():
    # Hậu Giang's 2022 plan: "thêm 3 xã", "39/51 xã", "76,47% số xã" in one source.
    plans = [
        target("communes_ntm", 2022, "increment", 3),
        target("communes_ntm", 2022, "level", 39),
        target("communes_ntm", 2022, "share", 76.47),
    ]
    loc = locality(commune_series([2019, 2020, 2021], [29, 32, 36], 51), plans)
    t = assess_targets(forecast_locality(loc, context([loc]), n_paths=500, seed=0))
    text = planner.headline(t, "vi", communes_total={2021: 51})
    assert text.startswith("1 mục tiêu sắp tới: ")
    assert "xa nhất là 39/51 xã (xã đạt chuẩn NTM) năm 2022" in text


def test_instead_of_the_coming_table_a_sentence_says_why():
    frame = target_frame()
    assert planner.instead_of_coming(frame, "vi") is None  # some have a probability: a table
    assert (
        planner.instead_of_coming(frame.iloc[[7, 8, 9]], "vi") == "Không có mục tiêu nào sắp tới."
    )
    twice = frame.iloc[[5, 5, 6]]  # the same reason twice is said once, with how many
    assert planner.instead_of_coming(twice, "en") == (
        "None of the 3 coming targets can be assessed yet: insufficient history: no figures "
        "(2 targets); counts cannot fall in this model, so keeping 100% is assumed, not forecast."
    )


def test_a_workbooks_coming_rows_keep_their_pace_as_numbers():
    rows, _ = planner.coming_records(target_frame(), "vi", numbers=True)
    needed = [r["pace_needed"] for r in rows]
    assert needed[0] == 6.0 and isinstance(needed[0], float)
    assert needed[-1] is None  # no pace: an empty cell, not "" or NaN
    assert all(r["pace_recent"] is None or isinstance(r["pace_recent"], float) for r in rows)
