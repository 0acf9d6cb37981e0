"""The planner's tables: names, targets in words, one language, coming before past."""

from __future__ import annotations

import math

import pandas as pd
from export_fixtures import META, target_frame

from ntm_forecast.render import planner

NAMES = {"hau_giang": "Hậu Giang"}
TOTALS = META["communes_total"]


def targets() -> pd.DataFrame:
    t = target_frame().assign(locality="hau_giang")
    t.loc[0, "probability"] = 0.117
    past = t.iloc[[0, 0, 0]].copy()
    past["target_year"] = [2020, 2020, 2019]
    past["target_value"] = [30.0, 40.0, 20.0]
    past["status"] = ["met", "missed", "past"]
    past["probability"] = math.nan
    share = t.iloc[[0]].assign(target_kind="share", target_value=80.0, probability=0.05,
                               status="unlikely")  # fmt: skip
    return pd.concat([t, past, share], ignore_index=True)


def test_coming_first_by_probability_and_past_apart():
    coming, past = planner.split(targets())
    assert list(coming["probability"].round(3).fillna(-1)) == [0.05, 0.117, 0.23, -1]
    assert list(past["status"]) == ["met", "missed", "past"]  # latest year first
    assert not set(coming["status"]) & set(planner.PAST)


def test_vietnamese_table():
    table = planner.coming_table(targets(), "vi", names=NAMES, communes_total=TOTALS)
    frame = table.frame
    assert list(frame.columns) == [
        "Địa phương", "Chỉ tiêu", "Mục tiêu", "Năm mục tiêu", "Khả năng đạt", "Đánh giá",
        "Tiến độ (chuẩn SDG)", "Dự báo (trung vị, khoảng 80%)", "Tốc độ cần/năm",
        "Tốc độ gần đây/năm",
    ]  # fmt: skip
    row = frame.iloc[1].tolist()
    assert row == ["Hậu Giang", "Xã đạt chuẩn NTM", "39/51 xã", "2022", "11,7%", "Có khả năng đạt",
                   "Tiến bộ khá, cần tăng tốc", "36 (34–38)", "6", "3"]  # fmt: skip
    assert frame.iloc[0]["Mục tiêu"] == "80% số xã"
    assert frame.iloc[2]["Mục tiêu"] == "thêm 1–2 xã"
    last = frame.iloc[3].tolist()
    assert last[4:] == ["", "Chưa đủ dữ liệu", "", "", "", ""]  # nothing: empty, never NaN
    assert table.statuses == ["unlikely", "likely", "unlikely", "insufficient"]
    html = table.to_html()
    assert "<th>Khả năng đạt</th>" in html and "background-color:#C6EFCE" in html
    assert "NaN" not in html and "None" not in html and "<NA>" not in html


def test_english_table():
    frame = planner.coming_table(targets(), "en", names=NAMES, communes_total=TOTALS).frame
    assert frame.iloc[1].tolist()[:7] == [
        "Hậu Giang",
        "NTM communes",
        "39/51 communes",
        "2022",
        "11.7%",
        "Likely",
        "Fair progress, acceleration needed",
    ]
    assert frame.iloc[0]["Target"] == "80% of communes"
    assert frame.iloc[2]["Target"] == "1–2 more communes"


def test_past_targets_in_words_never_as_percentages():
    past = planner.past_table(targets(), "vi", names=NAMES, communes_total=TOTALS).frame
    assert past["Kết quả"].tolist() == ["Đã đạt", "Không đạt", "Chưa rõ kết quả"]
    assert past["Mục tiêu"].tolist()[:2] == ["30/51 xã", "40/51 xã"]
    assert not past.apply(lambda c: c.str.contains("%")).any().any()
    en = planner.past_table(targets(), "en", names=NAMES).frame
    assert en["Outcome"].tolist() == ["Met", "Missed", "Outcome unknown"]


def test_headline_sentence():
    text = planner.headline(targets(), "vi", names=NAMES, communes_total=TOTALS)
    assert text == (
        "4 mục tiêu sắp tới: 1 có khả năng đạt, 0 có nguy cơ không đạt, 2 khó đạt, "
        "1 chưa đánh giá được; xa nhất là 80% số xã (xã đạt chuẩn NTM) năm 2022, "
        "khả năng đạt 5%."
    )
    en = planner.headline(targets(), "en", names=NAMES, communes_total=TOTALS)
    assert en.startswith("4 coming targets: 1 likely, 0 at risk, 2 unlikely, 1 not assessed;")
    assert en.endswith("furthest behind: 80% of communes (NTM communes) in 2022, probability 5%.")
    none = targets()[targets()["status"].isin(planner.PAST)]
    assert planner.headline(none, "vi") == "Không có mục tiêu nào sắp tới."


def test_headline_of_a_summary_names_the_locality():
    t = targets()
    t.loc[t.index[-1], "locality"] = "ha_tinh"
    text = planner.headline(t, "vi", names={**NAMES, "ha_tinh": "Hà Tĩnh"})
    assert "năm 2022 của Hà Tĩnh, khả năng đạt 5%" in text


def test_compact_whatif():
    base = targets()
    blocks = []
    for pace, shift in ((0.8, -0.05), (1.0, 0.0), (1.5, 0.1)):
        b = base.copy()
        b["probability"] = b["probability"] + shift
        b.insert(0, "pace", pace)
        blocks.append(b)
    frame = pd.concat(blocks, ignore_index=True)
    frame["required_pace_p80"] = 1.35
    table = planner.whatif_table(frame, "vi", communes_total=TOTALS).frame
    assert len(table) == 4  # one row per coming target, past ones left out
    assert list(table.columns) == [
        "Chỉ tiêu",
        "Mục tiêu",
        "Năm mục tiêu",
        "Tốc độ × 0,8",
        "Tốc độ × 1",
        "Tốc độ × 1,5",
        "Hệ số tốc độ cần cho 80%",
    ]
    assert table.iloc[1].tolist()[3:] == ["6,7%", "11,7%", "21,7%", "1,35"]


def test_display_frame_has_no_codes_or_nan():
    data = pd.DataFrame({"metric": ["communes_ntm"], "year": [2021], "value": [36.0],
                         "status": ["estimate"], "as_of": [float("nan")],
                         "kind": ["level"]})  # fmt: skip
    out = planner.display_frame(data, "vi")
    assert out.iloc[0].tolist() == ["Xã đạt chuẩn NTM", "2021", "36", "Ước tính", "", "Lũy kế"]


def test_whatif_of_a_locality_without_targets():
    empty = pd.DataFrame(columns=["pace", *targets().columns, "required_pace_p80"])
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
