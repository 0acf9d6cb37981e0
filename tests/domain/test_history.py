"""From observations to series: placement in time, plans, estimates, floors, disagreements."""

from __future__ import annotations

import pytest
from engine_fixtures import locality, obs

from ntm_forecast.domain.history import build_series, build_totals, newest_figure, newest_of


def _loc(*observations, **kw):
    return locality(list(observations), **kw)


@pytest.mark.parametrize(
    ("year", "as_of", "t", "year_end"),
    [
        (2022, "2022-12", 2023.0, True),
        (2022, "2022-06", 2022.5, False),
        (2022, "2022", 2022.5, False),  # a bare year sits mid-year
        (2018, "2019", 2019.0, True),  # stated in a later year: the year was over
        (2022, None, 2022.5, False),
        (2021, "2022-03", 2022.0, True),  # "for 2021", decided in 2022: end of 2021
        (2022, "2022-12-31", 2023.0, True),
    ],
)
def test_point_placement(year, as_of, t, year_end):
    s = build_series(_loc(obs("communes_ntm", year, 10, as_of=as_of)), "communes_ntm")
    (p,) = s.points
    assert p.t == pytest.approx(t)
    assert p.year_end is year_end


def test_dated_day_sits_inside_its_month():
    s = build_series(_loc(obs("communes_ntm", 2021, 10, as_of="2021-12-15")), "communes_ntm")
    assert 2021.9 < s.points[0].t < 2022.0
    assert not s.points[0].year_end


def test_plan_is_never_data():
    loc = _loc(
        obs("communes_ntm", 2020, 10),
        obs("communes_ntm", 2021, 12),
        obs("communes_ntm", 2023, 90, status="plan"),
        obs("communes_ntm", 2022, 80, status="plan", kind="increment"),
    )
    s = build_series(loc, "communes_ntm")
    assert list(s.values) == [10, 12]
    assert s.increments == ()
    assert s.dropped == ()


def test_estimate_is_used_and_flagged():
    loc = _loc(obs("communes_ntm", 2020, 10), obs("communes_ntm", 2021, 14, status="estimate"))
    s = build_series(loc, "communes_ntm")
    assert list(s.values) == [10, 14]
    assert s.uses_estimates
    assert not build_series(_loc(obs("communes_ntm", 2020, 10)), "communes_ntm").uses_estimates


def test_actual_beats_estimate_at_the_same_time():
    loc = _loc(
        obs("communes_ntm", 2021, 15, status="estimate"),
        obs("communes_ntm", 2021, 14, status="actual"),
    )
    s = build_series(loc, "communes_ntm")
    assert list(s.values) == [14]
    assert not s.uses_estimates


def test_mid_year_figure_is_a_point_before_the_year_end():
    loc = _loc(obs("communes_ntm", 2021, 10), obs("communes_ntm", 2022, 13, as_of="2022-06"))
    s = build_series(loc, "communes_ntm")
    assert s.year_end_levels() == {2021: 10}  # the June figure is no year-end value
    assert s.yearly_levels() == {2021: 10, 2022: 13}
    assert s.at(2022.4) == 10 and s.at(2022.5) == 13


def test_longest_non_decreasing_run_drops_the_odd_figure():
    loc = _loc(
        obs("communes_ntm", 2018, 10),
        obs("communes_ntm", 2019, 30),  # out of line with the rest
        obs("communes_ntm", 2020, 14),
        obs("communes_ntm", 2021, 18),
    )
    s = build_series(loc, "communes_ntm")
    assert list(s.values) == [10, 14, 18]
    assert [p.value for p in s.dropped] == [30]


def test_non_cumulative_metric_keeps_falls():
    loc = _loc(
        obs("poverty_rate", 2019, 5.0, unit="percent"),
        obs("poverty_rate", 2020, 4.0, unit="percent"),
        obs("poverty_rate", 2021, 3.1, unit="percent"),
    )
    s = build_series(loc, "poverty_rate")
    assert list(s.values) == [5.0, 4.0, 3.1]
    assert s.dropped == ()


def test_until_cuts_later_figures():
    loc = _loc(
        obs("communes_ntm", 2019, 10), obs("communes_ntm", 2020, 12), obs("communes_ntm", 2021, 15)
    )
    s = build_series(loc, "communes_ntm", until=2021.0)
    assert list(s.values) == [10, 12]


def test_increments_are_collected_with_full_year_flag():
    loc = _loc(
        obs("communes_ntm", 2021, 3, kind="increment"),
        obs("communes_ntm", 2022, 2, kind="increment", as_of="2022-06"),
    )
    s = build_series(loc, "communes_ntm")
    assert len(s) == 0
    assert s.increments == ((2021, 3.0, True), (2022, 2.0, False))


def test_interpolate_and_at():
    loc = _loc(obs("communes_ntm", 2019, 10), obs("communes_ntm", 2021, 20))
    s = build_series(loc, "communes_ntm")
    assert s.at(2019.0) is None
    assert s.at(2021.5) == 10
    assert s.interpolate(2021.0) == pytest.approx(15.0)


def test_totals_latest_figure_holds_and_earliest_backfills():
    loc = _loc(obs("communes_total", 2018, 120), obs("communes_total", 2021, 110))
    tot = build_totals(loc)
    assert tot.at(2016.0) == 120
    assert tot.at(2020.0) == 120
    assert tot.at(2030.0) == 110
    assert tot.last == 110
    assert not tot.derived_from_share


def test_totals_derived_from_a_stated_share():
    loc = _loc(
        obs("communes_ntm", 2021, 36, as_of="2021-12"),
        obs("communes_ntm_share", 2021, 70.59, as_of="2021-12", unit="percent"),
    )
    tot = build_totals(loc)
    assert tot.last == 51
    assert tot.derived_from_share
    assert "51" in tot.notes[0]


def test_no_totals():
    tot = build_totals(_loc(obs("communes_ntm", 2021, 3)))
    assert tot.last is None and tot.at(2022.0) is None


# --- what is known at a cut: a figure counts from its publication -----------------------


def test_a_back_cast_published_later_is_not_known_at_the_year_it_describes():
    # Year-end 2020 derived from a report of 15/12/2021: describes 2020, known in 2021.
    loc = _loc(
        obs("communes_ntm", 2019, 28),
        obs("communes_ntm", 2020, 32, as_of="2021-12-15"),
        obs("communes_ntm", 2021, 34, as_of="2021-12-15"),
    )
    assert [p.value for p in build_series(loc, "communes_ntm", until=2021.0).points] == [28]
    later = build_series(loc, "communes_ntm", until=2022.0).points
    assert [p.value for p in later] == [28, 32, 34]
    assert later[1].t == pytest.approx(2021.0)  # still placed at the end of 2020


def test_publication_rule():
    from ntm_forecast.domain.history import known_at

    o = _loc(
        obs("communes_ntm", 2020, 1, as_of="2021-03"),
        obs("communes_ntm", 2020, 1, as_of=None),
        obs("communes_ntm", 2020, 1, as_of="2020"),
        obs("communes_ntm", 2020, 1, as_of="2020-06-15"),
    ).observations
    assert [known_at(x) for x in o] == pytest.approx([2021.25, 2021.0, 2021.0, 2020.0 + 5.5 / 12])


def test_totals_are_cut_at_their_publication_too():
    loc = _loc(obs("communes_total", 2018, 120, as_of="2021-10"), obs("communes_ntm", 2018, 40))
    assert build_totals(loc, until=2019.0).last is None
    assert build_totals(loc, until=2022.0).last == 120


def test_share_fallback_of_the_totals_respects_the_cut():
    # The December 2021 share implies 8,233 communes; at a 2018 cut it is not yet known.
    loc = _loc(
        obs("communes_ntm", 2016, 1761, as_of="2016-02"),
        obs("communes_ntm_share", 2016, 19.7, as_of="2016-02", unit="percent"),
        obs("communes_ntm", 2021, 5615, as_of="2021-12"),
        obs("communes_ntm_share", 2021, 68.2, as_of="2021-12", unit="percent"),
    )
    assert build_totals(loc).last == 8233
    early = build_totals(loc, until=2019.0)
    assert early.last == round(1761 * 100 / 19.7)
    assert build_totals(loc, until=2016.0).last is None


# --- the communes merged on 1 July 2025: two kinds of commune series --------------------


def _merged(o: dict) -> dict:
    return {**o, "after_merger": True}


def _two_kinds():
    return _loc(
        obs("communes_total", 2024, 144),
        obs("communes_ntm", 2024, 120),
        obs("communes_ntm", 2025, 130, as_of="2025-06"),
        _merged(obs("communes_total", 2025, 70, as_of="2025-10")),
        _merged(obs("communes_ntm", 2025, 52, as_of="2025-10")),
        obs("ocop_total", 2024, 80),
        _merged(obs("ocop_total", 2025, 95, as_of="2025-10")),  # a flag OCOP has no use for
    )


def test_a_commune_series_holds_one_kind_of_communes():
    loc = _two_kinds()
    assert list(build_series(loc, "communes_ntm").values) == [120, 130]
    assert list(build_series(loc, "communes_ntm", after_merger=True).values) == [52]
    # 52 after 130 is no fall to drop: it is another series
    assert build_series(loc, "communes_ntm", after_merger=True).dropped == ()


def test_ocop_runs_on_across_the_merger():
    loc = _two_kinds()
    for after in (False, True):
        assert list(build_series(loc, "ocop_total", after_merger=after).values) == [80, 95]


def test_totals_of_one_kind_of_communes():
    loc = _two_kinds()
    assert build_totals(loc).last == 144
    assert build_totals(loc, after_merger=True).last == 70
    assert build_totals(loc, after_merger=True).at(2024.0) == 70  # its only figure backfills


def test_totals_from_a_share_of_one_kind_only():
    loc = _loc(
        obs("communes_ntm", 2024, 120),
        obs("communes_ntm_share", 2024, 80, unit="percent"),  # 150 old communes
    )
    assert build_totals(loc).last == 150
    assert build_totals(loc, after_merger=True).last is None


@pytest.mark.parametrize(
    ("share", "after", "level"),
    [
        (45.5, True, 32),  # 70 × 45.5% = 31.85 communes
        (100.0, True, 70),
        (45.5, False, None),  # a share of the old communes is no level ...
        (99.96, False, 144),  # ... unless every commune is at the standard
    ],
)
def test_a_share_of_a_known_total_on_the_merged_communes_is_a_level(share, after, level):
    figures = [
        obs("communes_total", 2025, 144, as_of="2025-06"),
        _merged(obs("communes_total", 2025, 70, as_of="2025-10")),
        obs("communes_ntm_share", 2025, share, as_of="2025-11", unit="percent"),
    ]
    if after:
        figures[-1] = _merged(figures[-1])
    s = build_series(_loc(*figures), "communes_ntm", after_merger=after)
    assert [p.value for p in s.points] == ([] if level is None else [level])
    assert all(float(p.value).is_integer() for p in s.points)


def test_a_share_of_the_ntm_communes_is_never_a_level():
    figures = [
        _merged(obs("communes_total", 2025, 70, as_of="2025-10")),
        _merged(
            {**obs("communes_advanced_share", 2025, 40, unit="percent"), "share_of": "communes_ntm"}
        ),
    ]
    assert len(build_series(_loc(*figures), "communes_advanced", after_merger=True)) == 0


def _dated(as_of, year=2025, status="actual"):
    return {**obs("ocop_total", year, 10, as_of=as_of), "status": status}


@pytest.mark.parametrize(
    ("figures", "newest"),
    [
        ([_dated("2025-06"), _dated("2024-12", 2024)], (2025, 6)),
        ([_dated("2025-06-30"), _dated(None, 2025)], (2025, 6)),  # the same year, undated
        ([_dated("2024-03", 2024), _dated(None, 2025)], (2025, None)),  # a later bare year
        ([_dated("2026-02", 2025), _dated("2025-12", 2025, status="plan")], (2026, 2)),
    ],
)
def test_newest_figure(figures, newest):
    assert newest_figure(_loc(*figures)) == newest


def test_newest_of_prefers_a_month_to_its_bare_year():
    a, b = _loc(_dated(None, 2025)), _loc(_dated("2025-03"))
    assert newest_of([a, b]) == (2025, 3) and newest_of([]) is None
