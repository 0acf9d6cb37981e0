"""The review of a plan period: each target once, its outcome and the figure that decided it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from engine_fixtures import locality, obs, target

from ntm_forecast.assess.review import REVIEW_COLUMNS, SUMMARY_COLUMNS, review, review_summary
from ntm_forecast.assess.targets import Decided, assess_target, settle
from ntm_forecast.domain.national_targets import national_shares, with_national_targets
from ntm_forecast.domain.paths import PathForecast
from ntm_forecast.engine.forecast import LocalityForecast
from ntm_forecast.i18n.numbers import fmt_percent


def ntm_share(metric: str, year: int, value: float) -> dict:
    return {**target(metric, year, "share", value), "share_of": "communes_ntm"}


def province() -> object:
    rows = [
        obs("communes_total", 2020, 100),
        obs("communes_ntm", 2020, 30),
        obs("communes_ntm", 2021, 45, as_of="2021-12-20", source="a.txt"),
        obs("communes_ntm", 2022, 50, as_of="2022-12-31", source="b.txt"),
        obs("communes_advanced", 2022, 21, source="b.txt"),
        # 30% of all communes: says nothing of a target of 40% of the NTM communes
        {
            **obs("communes_advanced_share", 2022, 30, unit="percent", source="b.txt"),
            "share_of": "communes_total",
        },
    ]
    plan = [
        target("communes_ntm", 2021, min=40, max=50),  # a range: met at its lower end (45)
        {**target("communes_ntm", 2021, min=40, max=50), "as_of": "2020-03", "source": "p2.txt"},
        target("communes_ntm", 2022, value=60),  # missed: 50 at the end of 2022
        target("ocop_total", 2022, value=10),  # unknown: no OCOP figure at all
        ntm_share("communes_advanced", 2022, 40),  # 21 ≥ 40% of 50 NTM communes
        target("communes_ntm", 2020, value=30),  # before the period
        target("communes_ntm", 2026, value=90),  # after it
    ]
    return locality(rows, plan, slug="tinh", name="Tỉnh Thử")


def district() -> object:
    rows = [obs("communes_ntm", 2022, 2), obs("communes_ntm", 2023, 4)]  # 2 more: missed
    return locality(rows, [target("communes_ntm", 2023, "increment", 3)], slug="huyen",
                    name="Huyện Thử", level="district", parent="tinh")  # fmt: skip


def country() -> object:
    rows = [obs("communes_ntm", 2025, 6000, as_of="2025-06")]  # mid-year, below the target
    return locality(rows, [target("communes_ntm", 2025, value=5000)], slug="vietnam",
                    name="Cả nước", level="national")  # fmt: skip


@pytest.fixture(scope="module")
def table():
    return review([province(), district(), country()])


def _one(table, metric, year, kind="level") -> pd.Series:
    rows = table[
        (table.metric == metric) & (table.target_year == year) & (table.target_kind == kind)
    ]
    assert len(rows) == 1
    return rows.iloc[0]


def test_every_target_of_the_period_once_with_codes(table):
    assert list(table.columns) == REVIEW_COLUMNS
    assert sorted(table.target_year.unique()) == [2021, 2022, 2023, 2025]
    assert len(table) == 6  # the duplicate once, 2020 and 2026 left out
    assert set(table.outcome) == {"met", "missed", "unknown"}


def test_a_range_is_met_at_its_lower_end_and_a_duplicate_counted_once(table):
    r = _one(table, "communes_ntm", 2021)
    assert (r.outcome, r.target_value, r.target_value_max) == ("met", 40, 50)
    assert (r.decided_value, r.decided_as_of, r.decided_source) == (45, "2021-12-20", "a.txt")
    assert r.stated == 2
    # the earliest statement is the one shown
    assert (r.target_as_of, r.target_source) == ("2020-03", "p2.txt")


def test_a_missed_target_shows_the_figure_that_missed_it(table):
    r = _one(table, "communes_ntm", 2022)
    assert r.outcome == "missed"
    assert (r.decided_value, r.decided_as_of, r.decided_source) == (50, "2022-12-31", "b.txt")


def test_no_figure_no_outcome(table):
    r = _one(table, "ocop_total", 2022)
    assert r.outcome == "unknown"
    assert np.isnan(r.decided_value) and pd.isna(r.decided_source)


def test_a_share_of_the_ntm_communes_is_counted_against_them(table):
    # 21 advanced communes: 42% of the 50 NTM communes (met), 21% of all 100 (it would be
    # missed), and the stated 30% of all communes is not compared with it (missed too).
    r = _one(table, "communes_advanced", 2022, "share")
    assert (r.outcome, r.share_of) == ("met", "communes_ntm")
    assert (r.decided_value, r.decided_metric) == (21, "communes_advanced")


def test_a_share_figure_of_the_same_base_decides(table):
    loc = province()
    same = {
        **obs("communes_advanced_share", 2022, 35, unit="percent", source="c.txt"),
        "share_of": "communes_ntm",
    }
    loc = locality([*(o.model_dump(exclude_none=True) for o in loc.observations), same],
                   [ntm_share("communes_advanced", 2022, 40)])  # fmt: skip
    d = settle(loc, loc.targets[0])
    assert d == Decided(False, 35.0, "2022-12", "c.txt", "communes_advanced_share")


def test_where_each_row_counts(table):
    r = _one(table, "communes_ntm", 2023, "increment")
    assert (r.province, r.outcome, r.decided_value) == ("tinh", "missed", 2)  # the parent's
    assert set(table[table.locality == "tinh"].province) == {"tinh"}
    national = _one(table, "communes_ntm", 2025)
    assert national.province == "vietnam"
    # a mid-year 6000 already reaches a 5000 target: counts do not fall
    assert (national.outcome, national.decided_as_of) == ("met", "2025-06")


def test_the_table_is_the_same_whatever_the_order_of_the_localities(table):
    again = review([country(), district(), province()])
    pd.testing.assert_frame_equal(again, table)
    assert list(table.locality) == ["tinh"] * 4 + ["huyen", "vietnam"]


def test_the_period_is_inclusive():
    only = review([province()], period=(2026, 2026))
    assert list(only.target_year) == [2026] and list(only.outcome) == ["unknown"]


def test_summary_per_locality_and_in_all(table):
    s = review_summary(table)
    assert list(s.columns) == SUMMARY_COLUMNS
    assert list(s.locality) == ["tinh", "huyen", "vietnam", "total"]
    tinh = s.iloc[0]
    assert (tinh.set, tinh.met, tinh.missed, tinh.unknown) == (4, 2, 1, 1)
    assert tinh.share_met == 0.5
    total = s.iloc[-1]
    assert (total.set, total.met, total.missed, total.unknown) == (6, 3, 2, 1)
    assert total.share_met == 0.5


def test_a_stated_increment_decides_with_its_date():
    rows = [
        obs("communes_ntm", 2021, 10),
        obs("communes_ntm", 2022, 3, kind="increment", as_of="2022-12-30", source="k.txt"),
    ]
    loc = locality(rows, [target("communes_ntm", 2022, "increment", 4)])
    assert settle(loc, loc.targets[0]) == Decided(False, 3.0, "2022-12-30", "k.txt", "communes_ntm")


def _forecast(loc, ntm, advanced, year=2023) -> LocalityForecast:
    def paths(metric, values):
        values = np.array(values, dtype=float)
        start = np.full_like(values, 10.0)
        return PathForecast(metric, "test", np.array([year - 1, year]), np.c_[start, values])

    return LocalityForecast(
        loc, year - 1, 1, len(ntm), 0, 1.0,
        {"communes_ntm": paths("communes_ntm", ntm),
         "communes_advanced": paths("communes_advanced", advanced)},
    )  # fmt: skip


def test_a_coming_share_of_the_ntm_communes_is_a_threshold_per_path():
    rows = [obs("communes_total", 2022, 200), obs("communes_ntm", 2022, 40),
            obs("communes_advanced", 2022, 10)]  # fmt: skip
    loc = locality(rows, [ntm_share("communes_advanced", 2023, 40)])
    # Path 1: 25 of 50 NTM communes (50%, met); path 2: 25 of 100 (25%, missed). The median
    # threshold (30) would give 0; 40% of the 200 communes (80) would give 0 as well.
    fc = _forecast(loc, ntm=[50, 100], advanced=[25, 25])
    row = assess_target(fc, loc.targets[0])
    assert row["probability"] == 0.5
    assert row["notes"][0].code == "review.share_ntm_count"
    plain = locality(rows, [target("communes_advanced", 2023, "share", 40)])
    assert (
        assess_target(_forecast(plain, [50, 100], [25, 25]), plain.targets[0])["probability"] == 0
    )


def test_the_share_met_is_not_rounded_before_it_is_shown():
    # 6 of 11 is 54,5%: a share rounded to 0,5455 first would be shown as 54,6%.
    outcomes = ["met"] * 6 + ["missed"] + ["unknown"] * 4
    table = pd.DataFrame(
        {"locality": "x", "name": "X", "level": "province", "province": "x",
         "set_by": "locality", "outcome": outcomes}
    )  # fmt: skip
    total = review_summary(table).iloc[-1]
    assert total["share_met"] == 6 / 11
    assert fmt_percent(total["share_met"], "vi", digits=1) == "54,5%"


def stated_three_ways(source: str, as_of: str) -> list[dict]:
    """Hậu Giang's 2022: "thêm 3 xã", "39/51 xã", "76,47% số xã" in one source."""
    forms = [target("communes_ntm", 2022, "increment", 3), target("communes_ntm", 2022, value=39),
             target("communes_ntm", 2022, "share", 76.47)]  # fmt: skip
    return [{**t, "source": source, "as_of": as_of} for t in forms]


def test_one_target_stated_three_ways_is_one_row_the_repeats_still_counted():
    rows = [obs("communes_total", 2021, 51), obs("communes_ntm", 2021, 36),
            obs("communes_ntm", 2022, 40)]  # fmt: skip
    plan = [
        *stated_three_ways("nq.txt", "2021-12"),
        *stated_three_ways("kh.txt", "2022-03")[:2],  # the increment and the level again
        target("communes_ntm", 2022, value=45),  # another amount: another target
    ]
    table = review([locality(rows, plan)])
    assert list(zip(table.target_kind, table.target_value, strict=True)) == [
        ("level", 39), ("level", 45)
    ]  # fmt: skip
    three = table.iloc[0]
    assert (three.outcome, three.stated, three.target_source) == ("met", 2, "nq.txt")
    # the other forms named once each, though the second source repeats the increment
    assert three.forms.code == "targets.merged" and three.forms.values["n"] == 3
    assert three.forms.render("vi").endswith("thêm 3 xã; 76,47% số xã")
    assert pd.isna(table.iloc[1].forms)
    assert review_summary(table).iloc[-1].set == 2


def test_a_form_the_data_answer_is_kept_before_one_they_do_not():
    # Only the year's addition is known: the level 39 is unknown, the increment 3 met.
    rows = [obs("communes_ntm", 2022, 4, kind="increment")]
    table = review([locality(rows, stated_three_ways("nq.txt", "2021-12")[:2])])
    assert list(zip(table.target_kind, table.outcome, strict=True)) == [("increment", "met")]


def national_standing_in() -> list:
    country = locality([obs("communes_ntm", 2025, 6000)],
                       [target("communes_ntm", 2026, "share", 65)],
                       slug="vietnam", name="Cả nước", level="national")  # fmt: skip
    rows = [{**obs(m, 2025, x), "after_merger": True}
            for m, x in (("communes_total", 100), ("communes_ntm", 70))]  # fmt: skip
    own = locality(rows, [target("ocop_total", 2026, value=10)], slug="tinh")
    return [country, with_national_targets(own, national_shares(country))]


def test_the_countrys_share_standing_in_is_said_so_and_counted_apart():
    table = review(national_standing_in(), period=(2026, 2030))
    tinh = table[table.locality == "tinh"].set_index("metric")
    assert tinh.loc["communes_ntm", "set_by"] == "national"  # 70 of 100 ≥ 65%: met
    assert (tinh.loc["ocop_total", "set_by"], tinh.loc["ocop_total", "outcome"]) == (
        "locality", "unknown"
    )  # fmt: skip
    summary = review_summary(table).set_index("locality")
    assert tuple(summary.loc["tinh", ["set", "met", "unknown"]]) == (1, 0, 1)
    assert tuple(summary.loc["tinh", ["set_national", "met_national"]]) == (1, 1)
    # the country's own target is its own, not a stand-in
    assert tuple(summary.loc["total", ["set", "set_national", "met_national"]]) == (2, 1, 1)


def test_an_empty_period_is_an_empty_table_and_zero_counts():
    table = review([province()], period=(1990, 1991))
    assert table.empty and list(table.columns) == REVIEW_COLUMNS
    total = review_summary(table).iloc[-1]
    assert (total.set, total.set_national) == (0, 0) and np.isnan(total.share_met)
