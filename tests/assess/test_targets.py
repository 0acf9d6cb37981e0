"""Target assessment: every kind of target, statuses, notes as codes, thresholds, real data."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from engine_fixtures import (
    commune_series,
    context,
    locality,
    obs,
    params_localities,
    rich_province,
    target,
)

from ntm_forecast.assess.targets import (
    PACE_CATEGORIES,
    TARGET_CODE_COLUMNS,
    Decided,
    Thresholds,
    assess_target,
    assess_targets,
    pace_category,
    settle,
    target_table,
)
from ntm_forecast.engine.forecast import Context, cut_at, forecast_locality
from ntm_forecast.i18n.messages import Message, render_notes


def stated_in(source: str, planned: dict) -> dict:
    return {**planned, "source": source}


# rich_province: 100 communes; NTM 20, 26, 32, 38, 44, 50 at the ends of 2016–2021. Rows 0–2
# are three targets of three sources (one source's forms of one target make one row).
TARGETS = [
    target("communes_ntm", 2023, "level", 60),  # 0
    stated_in("plan_b.txt", target("communes_ntm", 2023, "increment", 5)),  # 1
    stated_in("plan_c.txt", target("communes_ntm", 2023, "share", 60)),  # 2: 60% of 100
    target("communes_ntm", 2025, "maintain", 100),  # 3
    target("communes_advanced", 2024, "increment", min=1, max=6),  # 4: a range
    target("communes_ntm", 2024, "level", 40),  # 5: already reached
    target("communes_ntm", 2020, "level", 40),  # 6: past, met (44)
    target("communes_ntm", 2019, "level", 50),  # 7: past, missed (38)
    target("avg_criteria", 2017, "level", 14),  # 8: past, no data that year
    target("villages_ntm", 2024, "level", 30, unit="villages"),  # 9: no figures
    target("ocop_total", 2024, "level", 80),  # 10
    target("communes_ntm", 2040, "level", 90),  # 11: beyond the horizon
    target("communes_ntm", 2024, "level", 55, note="theo Nghị quyết 05"),  # 12: the plan's note
]
STATUSES = {
    "likely",
    "at_risk",
    "unlikely",
    "insufficient",
    "not_modelled",
    "met",
    "missed",
    "past",
}


@pytest.fixture(scope="module")
def assessed():
    loc = rich_province(targets=TARGETS)
    ctx = context([loc])
    fc = forecast_locality(loc, ctx, n_paths=2000, seed=0)
    return fc, assess_targets(fc)


def test_columns_and_one_row_per_target(assessed):
    _, t = assessed
    assert list(t.columns) == TARGET_CODE_COLUMNS
    assert len(t) == len(TARGETS)
    assert list(t.metric) == [x["metric"] for x in TARGETS]
    assert set(t.status) <= STATUSES
    p = t.probability.dropna()
    assert ((p >= 0) & (p <= 1)).all()


def test_level_target(assessed):
    _, t = assessed
    r = t.iloc[0]
    assert r.status in ("likely", "at_risk", "unlikely")
    assert 0 < r.probability < 1
    assert r.model == "hazard"
    assert r.baseline_year == 2021 and r.baseline_value == 50
    assert r.required_per_year == pytest.approx(5.0)  # (60 − 50) / 2 years
    assert r.recent_per_year == pytest.approx(6.0)
    assert r.pace_ratio == pytest.approx(6.0 / 5.0)
    assert r.projected_p10 <= r.projected_median <= r.projected_p90
    assert r.status == Thresholds().status(r.probability)


def test_level_probability_matches_the_paths(assessed):
    fc, t = assessed
    p = fc["communes_ntm"].prob_at_least(2023, 60)
    assert t.iloc[0].probability == pytest.approx(p, abs=1e-4)


def test_increment_target(assessed):
    fc, t = assessed
    r = t.iloc[1]
    pf = fc["communes_ntm"]
    added = pf.at(2023) - pf.at(2022)
    assert r.probability == pytest.approx(np.mean(added >= 5), abs=1e-4)
    assert r.required_per_year == 5


def test_share_target_is_converted_with_communes_total(assessed):
    _, t = assessed
    share, level = t.iloc[2], t.iloc[0]
    assert share.target_value == 60  # the percentage as stated
    assert share.probability == level.probability  # 60% of 100 communes = 60 communes
    how = share.notes[0]  # a code and its values; words only where the table is shown
    assert (how.code, how.values) == ("note.share_count", {"pct": 60, "total": 100, "count": 60})
    assert render_notes(share.notes, "vi").startswith("60% của 100 xã = 60 xã; ")


def test_share_target_without_a_total_is_insufficient():
    loc = locality(
        [obs("communes_ntm", 2020, 10), obs("communes_ntm", 2021, 14)],
        [target("communes_ntm", 2023, "share", 50)],
    )
    t = assess_targets(forecast_locality(loc, context([loc]), n_paths=200))
    assert t.iloc[0].status == "insufficient" and math.isnan(t.iloc[0].probability)


def test_maintain_target_is_not_modelled(assessed):
    _, t = assessed
    r = t.iloc[3]
    assert r.status == "not_modelled"
    assert math.isnan(r.probability)
    assert [(n.code, n.values) for n in r.notes] == [("note.maintain", {"value": 100})]
    assert "giữ vững 100%" in render_notes(r.notes, "vi")
    assert "assumed, not forecast" in render_notes(r.notes, "en")


def test_range_target_gets_two_probabilities(assessed):
    _, t = assessed
    r = t.iloc[4]
    assert r.target_value == 1 and r.target_value_max == 6
    assert not math.isnan(r.probability) and not math.isnan(r.probability_max)
    assert r.probability >= r.probability_max
    assert r.probability > r.probability_max  # 1 of 2…6 is easier than 6
    # single-valued targets leave the upper columns empty
    assert math.isnan(t.iloc[0].target_value_max) and math.isnan(t.iloc[0].probability_max)


def test_target_already_met_at_the_origin(assessed):
    _, t = assessed
    r = t.iloc[5]
    assert r.probability == 1.0
    assert r.status == "likely"
    reached = [n for n in r.notes if n.code == "note.already_reached"]
    assert [n.values for n in reached] == [{"base": 50, "value": 40}]
    assert r.required_per_year == 0.0  # nothing more needed, not a negative pace


def test_past_targets_take_their_outcome_from_the_data(assessed):
    _, t = assessed
    met, missed, unknown = t.iloc[6], t.iloc[7], t.iloc[8]
    # an outcome is a fact, never shown as 100% or 0%
    assert met.status == "met" and math.isnan(met.probability)
    assert missed.status == "missed" and math.isnan(missed.probability)
    assert unknown.status == "past" and math.isnan(unknown.probability)
    assert [n.code for n in met.notes] == [n.code for n in missed.notes] == ["note.past_known"]
    assert [n.code for n in unknown.notes] == ["note.past_unknown"]


def test_unmodelled_metric_is_insufficient(assessed):
    _, t = assessed
    r = t.iloc[9]
    assert r.status == "insufficient"
    assert math.isnan(r.probability)
    assert [n.code for n in r.notes] == ["fc.insufficient"]


def test_target_beyond_the_horizon_is_insufficient(assessed):
    _, t = assessed
    r = t.iloc[11]
    assert r.status == "insufficient"
    assert [(n.code, n.values) for n in r.notes] == [("note.beyond_horizon", {"year": 2026})]


def test_ocop_level_target(assessed):
    _, t = assessed
    r = t.iloc[10]
    assert r.model == "ocop_growth"
    assert 0 <= r.probability <= 1
    assert r.status in ("likely", "at_risk", "unlikely")


def test_the_table_holds_codes_not_words(assessed):
    _, t = assessed
    assert "status_label" not in t and "note" not in t
    assert set(t.pace_category) <= {"", "deteriorating", *(code for _, code in PACE_CATEGORIES)}
    for notes, planned in zip(t.notes, TARGETS, strict=True):
        assert isinstance(notes, tuple)
        # every note a Message, but for the params file's own words, kept as written, last
        said = [n for n in notes if not isinstance(n, Message)]
        assert said == ([planned["note"]] if planned.get("note") else [])


def test_thresholds_change_the_status(assessed):
    fc, t = assessed
    p = t.iloc[0].probability
    lenient = assess_targets(fc, thresholds=Thresholds(likely=p / 2, unlikely=p / 4))
    strict = assess_targets(fc, thresholds=Thresholds(likely=0.999, unlikely=min(p + 0.01, 0.99)))
    assert lenient.iloc[0].status == "likely"
    assert strict.iloc[0].status == "unlikely"
    # data-decided rows do not depend on thresholds
    assert strict.iloc[6].status == lenient.iloc[6].status == "met"


def test_thresholds_status():
    th = Thresholds(likely=0.8, unlikely=0.3)
    assert th.status(0.8) == "likely"
    assert th.status(0.79) == "at_risk"
    assert th.status(0.3) == "at_risk"
    assert th.status(0.29) == "unlikely"


VILLAGE_ADDITIONS = [
    obs("villages_ntm", 2019, 4, kind="increment", unit="villages"),
    obs("villages_ntm", 2020, 6, kind="increment", unit="villages"),
    obs("villages_ntm", 2021, 7, kind="increment", unit="villages"),
]


def test_additions_only_answers_only_increment_targets():
    plans = [
        target("villages_ntm", 2023, "increment", 5, unit="villages"),
        stated_in("other.txt", target("villages_ntm", 2023, "level", 30, unit="villages")),
    ]
    loc = locality(VILLAGE_ADDITIONS, plans, origin_year=2021)
    t = assess_targets(forecast_locality(loc, context([loc]), n_paths=1000))
    inc, lvl = t.iloc[0], t.iloc[1]
    assert inc.model == "additions_only" and 0 < inc.probability < 1
    assert lvl.status == "insufficient" and math.isnan(lvl.probability)


def test_assessment_is_deterministic(assessed):
    fc, t = assessed
    assert assess_targets(fc).to_csv() == t.to_csv()


# --- real data -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real():
    # Each seed's targets as its planners saw them: with the figures published by the end of
    # the year before (their outcomes are in params/ now).
    locs = params_localities()
    out = {}
    for slug, year in (("hau_giang", 2021), ("ha_tinh", 2023)):
        ctx = Context.from_localities(locs.values(), until=year + 1.0)
        fc = forecast_locality(cut_at(locs[slug], year), ctx, n_paths=2000, seed=0)
        out[slug] = assess_targets(fc)
    return out


def _row(t, metric, year, kind, value):
    rows = t[(t.metric == metric) & (t.target_year == year) & (t.target_kind == kind)
             & (t.target_value == value)]  # fmt: skip
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_hau_giang_39_communes_in_2022(real):
    r = _row(real["hau_giang"], "communes_ntm", 2022, "level", 39)
    assert 0 < r.probability < 1
    assert r.status in ("likely", "at_risk", "unlikely")


def test_hau_giang_2022_target_stated_three_ways_is_one_row(real):
    t = real["hau_giang"]
    level = _row(t, "communes_ntm", 2022, "level", 39)
    same = t[(t.metric == "communes_ntm") & (t.target_year == 2022)]
    assert list(same.index) == [level.name]
    merged = level.notes[0]
    assert (merged.code, merged.values["n"]) == ("targets.merged", 3)
    assert "thêm 3 xã; 76,47% số xã" in render_notes(level.notes, "vi")


def test_hau_giang_ocop_116_note_says_it_does_not_add_up(real):
    r = _row(real["hau_giang"], "ocop_total", 2022, "level", 116)
    assert any(n.code == "warn.total_not_base" for n in r.notes)
    assert "116" in render_notes(r.notes, "vi") and "66" in render_notes(r.notes, "vi")


def test_ha_tinh_20_more_advanced_communes_in_2024(real):
    r = _row(real["ha_tinh"], "communes_advanced", 2024, "increment", 20)
    assert 0 < r.probability < 1


@pytest.mark.parametrize(
    ("ratio", "code"),
    [
        (1.56, "on_track"),
        (0.95, "on_track"),
        (0.9499, "fair"),
        (0.5, "fair"),
        (0.4999, "limited"),
        (-0.1, "limited"),
        (-0.1001, "deteriorating"),
        (float("nan"), ""),
        (None, ""),
    ],
)
def test_pace_category_at_each_undp_threshold(ratio, code):
    assert pace_category(ratio) == code


def test_pace_category_follows_pace_ratio_in_the_table(assessed):
    _, t = assessed
    cols = list(t.columns)
    assert cols.index("pace_category") == cols.index("pace_ratio") + 1
    assert list(t.pace_category) == [pace_category(r) for r in t.pace_ratio]
    assert (t.pace_category != "").any()


def test_a_national_share_standing_in_is_marked_in_codes_and_words():
    loc = locality(
        [
            obs("communes_total", 2020, 100),
            obs("communes_ntm", 2020, 10),
            obs("communes_ntm", 2021, 14),
        ],
        [target("communes_ntm", 2023, "share", 50), target("communes_ntm", 2023, "share", 60)],
    )
    national = loc.targets[1].model_copy(update={"from_national": True})
    loc = loc.model_copy(update={"targets": (loc.targets[0], national)})
    t = assess_targets(forecast_locality(loc, context([loc]), n_paths=200))
    assert list(t.set_by) == ["locality", "national"]
    assert any(getattr(n, "code", "") == "note.from_national" for n in t.iloc[1].notes)
    assert not any(getattr(n, "code", "") == "note.from_national" for n in t.iloc[0].notes)
    assert "chỉ tiêu chung cả nước" in render_notes(t.iloc[1].notes, "vi")


# --- past targets settled as the reports read them ----------------------------------------


def _hau_giang_2020(*, year_end: bool):
    """Hậu Giang's 35/51 by 2020: 29 by mid-2020 and 35 expected, in the plan's own page;
    32 at the end of 2020 in a later report (when `year_end`)."""
    rows = [
        obs("communes_total", 2020, 51, as_of="2020", source="a.txt"),
        obs("communes_ntm", 2019, 25),
        obs("communes_ntm", 2020, 29, as_of="2020", source="a.txt"),
        obs("communes_ntm", 2020, 35, status="estimate", as_of="2020", source="a.txt"),
    ]
    if year_end:
        rows.append(obs("communes_ntm", 2020, 32, as_of="2021-12-15", source="b.txt"))
    plan = {**target("communes_ntm", 2020, "level", 35), "source": "a.txt"}
    return locality(rows, [plan], origin_year=2021)


def test_a_year_end_figure_below_the_target_settles_a_miss():
    loc = _hau_giang_2020(year_end=True)
    assert settle(loc, loc.targets[0]) == Decided(
        False, 32.0, "2021-12-15", "b.txt", "communes_ntm"
    )
    t = assess_targets(forecast_locality(loc, context([loc]), n_paths=200))
    assert list(t.status) == ["missed"]
    # Without the year-end figure, the mid-year 29 is no miss: the page says 35 are coming.
    early = _hau_giang_2020(year_end=False)
    assert settle(early, early.targets[0]) == Decided(None)


def test_a_shortfall_stated_before_the_last_week_with_more_pending_is_not_a_miss():
    rows = [
        obs("communes_advanced", 2020, 3),
        obs("communes_advanced", 2021, 2, kind="increment", as_of="2021-12-15", source="a.txt"),
        obs("communes_advanced_pending", 2021, 2, status="estimate", as_of="2021-12-15",
            unit="communes", source="a.txt"),
    ]  # fmt: skip
    plan = [target("communes_advanced", 2021, "increment", 4)]
    assert settle(locality(rows, plan), locality(rows, plan).targets[0]) == Decided(None)
    alone = locality(rows[:2], plan)
    assert settle(alone, alone.targets[0]).met is False


# --- one target, one row ------------------------------------------------------------------


def _hau_giang_shaped(*plans: dict):
    """51 communes, NTM 29, 32, 36 at the ends of 2019–2021; the plans as given."""
    rows = commune_series([2019, 2020, 2021], [29, 32, 36], 51)
    loc = locality(rows, plans)
    return forecast_locality(loc, context([loc]), n_paths=1000, seed=0)


THREE_WAYS = [
    target("communes_ntm", 2022, "increment", 3),
    target("communes_ntm", 2022, "level", 39),
    target("communes_ntm", 2022, "share", 76.47),
]


def test_a_target_stated_three_ways_in_one_source_is_one_row():
    other = stated_in("other.txt", target("communes_ntm", 2022, "increment", 2))
    fc = _hau_giang_shaped(*THREE_WAYS, other)
    t = assess_targets(fc)
    assert list(zip(t.target_kind, t.target_value)) == [("level", 39), ("increment", 2)]
    level = t.iloc[0]
    # the kept row's probability is its own: the level's, as if it had been stated alone
    alone = assess_target(fc, fc.locality.targets[1])
    assert level.probability == pytest.approx(alone["probability"], abs=1e-4)
    merged = level.notes[0]
    assert (merged.code, merged.values["n"]) == ("targets.merged", 3)
    assert render_notes(level.notes, "vi").startswith(
        "một mục tiêu nêu theo 3 cách, cũng nêu là: thêm 3 xã; 76,47% số xã; "
    )
    assert "also as: 3 more communes; 76.47% of communes" in render_notes(level.notes, "en")
    table, kept = target_table(fc)
    assert kept == [1, 3]  # each row's target in the params file
    pd.testing.assert_frame_equal(table, t)


def test_a_form_the_data_answer_is_kept_before_one_they_do_not():
    # Advanced communes known by their yearly additions only: a level cannot be answered,
    # the addition stated beside it in the same source can (it was the level's row alone).
    rows = [
        *commune_series([2019, 2020, 2021], [29, 32, 36], 51),
        obs("communes_advanced", 2019, 2, kind="increment"),
        obs("communes_advanced", 2020, 3, kind="increment"),
        obs("communes_advanced", 2021, 4, kind="increment"),
    ]
    plans = [
        target("communes_advanced", 2023, "level", 15),
        target("communes_advanced", 2023, "increment", 4),
    ]
    loc = locality(rows, plans, origin_year=2021)
    t = assess_targets(forecast_locality(loc, context([loc]), n_paths=1000, seed=0))
    assert len(t) == 1
    row = t.iloc[0]
    assert (row.target_kind, row.model) == ("increment", "additions_only")
    assert 0 < row.probability < 1 and row.status in ("likely", "at_risk", "unlikely")
    assert "cũng nêu là: 15/51 xã" in render_notes(row.notes, "vi")


# --- every target with a series gets a probability ----------------------------------------


def test_an_addition_in_the_year_the_paths_start_counts_from_the_figure_they_start_from():
    # Cần Thơ (2025)'s OCOP: its newest figure is of February 2026, so its paths start inside
    # 2026, the year of its '+30 in 2026' (it read 'the year before is not simulated').
    rows = [
        obs("ocop_total", 2019, 40, as_of="2019-12"),
        obs("ocop_total", 2020, 52, as_of="2020-12"),
        obs("ocop_total", 2022, 75, as_of="2022-02-24"),
    ]
    loc = locality(rows, [target("ocop_total", 2022, "increment", 10)], origin_year=2021)
    fc = forecast_locality(loc, context([loc]), n_paths=1000, seed=0)
    pf = fc["ocop_total"]
    assert int(pf.years[0]) == 2022
    r = assess_targets(fc).iloc[0]
    assert r.probability == pytest.approx(np.mean(pf.values[:, 0] - 75 >= 10), abs=1e-4)
    assert 0 < r.probability < 1
    floor = [n for n in r.notes if n.code == "targets.counted_from"]
    assert [n.values for n in floor] == [{"value": 75, "when": "2022-02-24"}]


def test_an_addition_counts_from_the_year_end_before_when_one_is_stated():
    rows = [
        obs("ocop_total", 2020, 52, as_of="2020-12"),
        obs("ocop_total", 2021, 70, as_of="2021-12"),
        obs("ocop_total", 2022, 75, as_of="2022-02-24"),
    ]
    loc = locality(rows, [target("ocop_total", 2022, "increment", 10)], origin_year=2021)
    fc = forecast_locality(loc, context([loc]), n_paths=1000, seed=0)
    r = assess_targets(fc).iloc[0]
    assert r.probability == pytest.approx(np.mean(fc["ocop_total"].at(2022) - 70 >= 10), abs=1e-4)
    assert not any(n.code == "targets.counted_from" for n in r.notes)


def _share_stated_before_its_total():
    # NTM 10…26 at the ends of 2017–2021; the number of communes first stated in mid-2023.
    rows = [obs("communes_ntm", y, v) for y, v in zip(range(2017, 2022), (10, 14, 18, 22, 26))]
    rows.append(obs("communes_total", 2023, 100, as_of="2023-06"))
    return locality(rows, [target("communes_ntm", 2022, "share", 30)], origin_year=2021)


def test_a_share_reads_a_total_stated_after_its_year_and_says_so():
    loc = _share_stated_before_its_total()
    r = assess_targets(forecast_locality(loc, context([loc]), n_paths=400, seed=0)).iloc[0]
    assert 0 < r.probability < 1
    codes = [(n.code, n.values) for n in r.notes][:2]
    assert codes == [
        ("note.share_count", {"pct": 30, "total": 100, "count": 30}),
        ("targets.total_later", {"total": 100, "year": 2023}),
    ]


def _old_communes_2025(*figures):
    total = obs("communes_total", 2025, 100, as_of="2025-06")
    return locality(
        [total, *figures], [target("communes_ntm", 2025, "level", 80)], origin_year=2025
    )


@pytest.mark.parametrize(
    ("as_of", "met"),
    [("2025-06", False), ("2025-06-30", False), ("2025-06-15", False), ("2025-05", None)],
)
def test_the_old_communes_june_figure_decides_a_2025_target(as_of, met):
    loc = _old_communes_2025(obs("communes_ntm", 2025, 75, as_of=as_of))
    assert settle(loc, loc.targets[0]).met is met  # May's figure is not the last one


def test_nothing_pending_spares_the_old_communes_last_figure():
    pending = {**obs("communes_ntm_pending", 2025, 6, as_of="2025-06"), "unit": "communes"}
    loc = _old_communes_2025(obs("communes_ntm", 2025, 75, as_of="2025-06"), pending)
    assert settle(loc, loc.targets[0]).met is False  # no later figure of them can come


def test_the_kept_layer_leads_and_the_trend_stands_beside_it():
    from ntm_forecast.assess.calibration import PlanSignal, ProbabilityLayer

    loc = rich_province(targets=[target("communes_ntm", 2024, "level", 90)])
    fc = forecast_locality(loc, context([loc]), n_paths=2000, seed=0)
    trend = assess_targets(fc).iloc[0]
    assert trend.probability == trend.probability_trend  # the default: the trend alone
    signal = PlanSignal().fit([0.0] * 12, ["level"] * 12)  # plans met on the nose
    weighted = assess_targets(fc, layer=ProbabilityLayer("plan_signal", 12, 3, signal)).iloc[0]
    assert weighted.probability_trend == trend.probability
    assert weighted.probability != trend.probability  # paths near the plan weigh more
    assert weighted.status == Thresholds().status(weighted.probability)


# --- the reason in words ----------------------------------------------------------------


def test_every_coming_target_has_a_reason_and_past_ones_none(assessed):
    _, t = assessed
    coming = ~t.status.isin(["met", "missed", "past"])
    assert all(len(r) > 0 and all(isinstance(m, Message) for m in r) for r in t.reason[coming])
    assert all(r == () for r in t.reason[~coming])
    # a row without a probability gives the reason it has none (its note)
    insufficient = t[t.status == "insufficient"]
    assert [r[0].code for r in insufficient.reason] == ["fc.insufficient", "note.beyond_horizon"]
    assert t.reason[5][0].code == "reason.already_reached" and len(t.reason[5]) == 1


def _scored(**values) -> dict:
    """A scored target row as `reasons` reads it: 60 communes by 2023 from 50 in 2021."""
    row = {
        "target_kind": "level",
        "target_year": 2023,
        "baseline_year": 2021,
        "baseline_value": 50.0,
        "required_per_year": 5.0,
        "recent_per_year": 6.0,
        "projected_median": 62.0,
        "projected_p10": 57.0,
        "projected_p90": 66.0,
        "probability": 0.7,
        "probability_trend": 0.7,
    }
    return {**row, **values}


def _codes(row: dict, threshold: float = 60.0, own_weight: float = 1.0, years: int = 6):
    from ntm_forecast.assess.targets import reasons

    found = reasons(row, threshold=threshold, unit="xã", own_weight=own_weight, years=years)
    return [(m.code, m.values) for m in found]


def test_reason_pace_enough_short_stalled_and_slowing():
    assert _codes(_scored()) == [
        ("reason.pace_enough", {"required": 5.0, "unit": "xã", "recent": 6.0})
    ]
    short = _codes(_scored(recent_per_year=2.0))
    assert short == [
        ("reason.pace_short", {"required": 5.0, "unit": "xã", "recent": 2.0, "times": 2.5})
    ]
    assert _codes(_scored(recent_per_year=0.0))[0][0] == "reason.pace_stalled"
    # recent pace enough, but the median path adds (54 − 50) / 2 = 2 a year
    slowing = _codes(_scored(projected_median=54.0))
    assert slowing == [
        (
            "reason.pace_slowing",
            {"required": 5.0, "unit": "xã", "recent": 6.0, "projected": 2.0},
        )
    ]
    # no recent pace: the need beside the projected one
    assert _codes(_scored(recent_per_year=float("nan"))) == [
        ("reason.pace_needed", {"required": 5.0, "unit": "xã", "projected": 6.0})
    ]


def test_reason_few_years_and_pooled():
    assert _codes(_scored(), own_weight=0.2, years=1)[1] == ("reason.few_years", {"n": 1})
    assert _codes(_scored(), own_weight=0.2, years=5)[1] == ("reason.pooled", {"weight": 20})
    assert len(_codes(_scored(), own_weight=0.5, years=1)) == 1  # its own figures weigh enough


def test_reason_already_reached_says_only_that():
    row = _scored(baseline_value=61.0, probability=1.0, probability_trend=0.5)
    assert _codes(row, own_weight=0.0, years=1) == [
        ("reason.already_reached", {"base": 61.0, "year": 2021})
    ]
    # an addition is never reached by the level it starts from
    added = _scored(target_kind="increment", baseline_value=61.0, required_per_year=5.0)
    assert _codes(added, threshold=5.0)[0][0] == "reason.pace_enough"


def test_reason_the_kept_layer_moved_it():
    up = _codes(_scored(probability=0.55, probability_trend=0.4))
    assert up[-1] == ("reason.layer_up", {"trend": 40.0})
    down = _codes(_scored(probability=0.2, probability_trend=0.4))
    assert down[-1] == ("reason.layer_down", {"trend": 40.0})
    assert len(_codes(_scored(probability=0.54, probability_trend=0.4))) == 1  # 0.14: not said


def test_reason_never_empty():
    row = _scored(required_per_year=float("nan"), recent_per_year=float("nan"))
    assert _codes(row) == [
        ("reason.projected", {"median": 62.0, "low": 57.0, "high": 66.0, "year": 2023})
    ]


@pytest.mark.parametrize(
    ("code", "values", "vi", "en"),
    [
        ("reason.pace_enough", {"required": 3, "unit": "xã", "recent": 5},
         "cần 3 xã/năm, gần đây bình quân 5: đủ nếu giữ tốc độ",
         "needs 3 xã a year, lately 5 on average: enough if the pace holds"),
        ("reason.pace_short", {"required": 4.5, "unit": "xã", "recent": 1.5, "times": 3.0},
         "cần 4,5 xã/năm, gần đây bình quân 1,5: phải nhanh hơn 3 lần",
         "needs 4.5 xã a year, lately 1.5 on average: 3 times as fast is needed"),
        ("reason.few_years", {"n": 1},
         "mới có số liệu của 1 năm: dự báo dựa chủ yếu vào mức chung các tỉnh",
         "figures of 1 year(s) only: the forecast rests mostly on the provinces' common level"),
        ("reason.already_reached", {"base": 61, "year": 2025},
         "đã đạt từ năm gốc (61 năm 2025)", "reached already in the base year (61 in 2025)"),
        ("reason.layer_up", {"trend": 11.7},
         "các kế hoạch trước thường đạt: xác suất cao hơn xu hướng đơn thuần (11,7%)",
         "earlier plans were usually met: the probability is above the trend alone (11.7%)"),
    ],
)  # fmt: skip
def test_reason_words_in_both_languages(code, values, vi, en):
    m = Message(code, **values)
    assert m.render("vi") == vi and m.render("en") == en


def test_an_old_communes_target_of_2025_is_read_at_june_2025():
    """The old communes end in June 2025, and their June figure settles a 2025 target: the
    paths are read there too (halfway between the year-ends), not at the end of 2025."""
    from ntm_forecast.assess.targets import compared
    from ntm_forecast.domain.history import build_series
    from ntm_forecast.domain.paths import PathForecast

    plans = [
        target("communes_ntm", 2025, "level", 45),
        target("communes_ntm", 2025, "increment", 4),
        target("communes_ntm", 2026, "level", 45),
    ]
    loc = locality([], plans)
    pf = PathForecast(
        "communes_ntm", "hazard", np.array([2024, 2025, 2026]), np.array([[40.0, 50.0, 60.0]])
    )
    s = build_series(loc, "communes_ntm")
    level, added, later = (compared(pf, t, loc, s)[0] for t in loc.targets)
    assert level.tolist() == [45.0] and added.tolist() == [5.0]
    # A target on the merged communes (2026 on) is read at its year-end.
    assert later.tolist() == [60.0]
