"""Hindcast: past plans as events, each assessed from what was published before it."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from engine_fixtures import commune_series, locality, obs, rich_province, target

from ntm_forecast.assess import calibration as cal
from ntm_forecast.assess.calibration import CANDIDATES
from ntm_forecast.assess.hindcast import (
    EVENT_COLUMNS,
    event_context,
    event_cut,
    fit_layer,
    hindcast,
    known_by,
    observable,
    plan_events,
    scores,
)
from ntm_forecast.domain.history import known_at
from ntm_forecast.domain.schema import Observation


def stated(metric, year, kind="level", value=None, *, as_of=None, **kw):
    t = target(metric, year, kind, value, **kw)
    if as_of is not None:
        t["as_of"] = as_of
    return t


def ntm_province(slug, ntm, *, years=range(2016, 2022), total=100, targets=(), extra=()):
    return locality(
        [*commune_series(list(years), ntm, total), *extra],
        targets,
        slug=slug,
        name=f"Tỉnh {slug}",
    )


def test_a_plan_stated_several_times_is_one_event_dated_at_its_first_statement():
    loc = ntm_province(
        "hg",
        [20, 26, 32, 39, 44, 50],
        targets=[
            stated("communes_ntm", 2020, "level", 44, as_of="2019-11"),
            stated("communes_ntm", 2020, "level", 44, as_of="2019-03"),
            stated("communes_ntm", 2020, "share", 44, as_of="2019-06"),  # 44% of 100: the same
            stated("communes_ntm", 2020, "level", 45, as_of="2019-03"),  # another amount
        ],
    )
    events = plan_events([loc], 2021)
    assert [(e.plan.low, e.stated, e.plan.as_of) for e in events] == [
        (44, 3, "2019-03"),
        (45, 1, "2019-03"),
    ]


def test_a_range_is_one_event_met_at_its_lower_end():
    loc = ntm_province(
        "qt",
        [20, 26, 32, 39, 44, 50],
        targets=[stated("communes_ntm", 2020, "level", min=42, max=48, as_of="2019-01")],
    )
    table = hindcast([loc], n_paths=300)
    row = table.iloc[0]
    assert (row.target_value, row.target_value_max, row.outcome) == (42, 48, "met")


def test_a_plan_stated_inside_its_year_is_its_own_kind_and_cut_at_the_year_before():
    loc = ntm_province(
        "iy",
        [20, 26, 32, 39, 44, 50],
        targets=[
            stated("communes_ntm", 2020, "level", 44, as_of="2020-10"),
            stated("communes_ntm", 2019, "level", 39, as_of="2018-06"),
            stated("communes_ntm", 2021, "level", 50, as_of="2016"),
        ],
    )
    by_year = {e.plan.year: e for e in plan_events([loc], 2021)}
    assert by_year[2020].kind == "in_year" and by_year[2019].kind == "level"
    assert event_cut(by_year[2020].plan) == 2020.0
    assert event_cut(by_year[2019].plan) == pytest.approx(2018.5)
    # a plan of 2016 for 2021 is known from the end of 2016, not from the year it aims at
    assert event_cut(by_year[2021].plan) == 2017.0


def backcast_pair():
    """A province whose end-2020 count (a leap to 60) was published only in June 2021, with
    a plan for 2021 stated in December 2020: the plan could not know that count."""
    rows = commune_series([2016, 2017, 2018, 2019], [20, 24, 28, 32], 100)
    plan = [stated("communes_ntm", 2021, "level", 40, as_of="2020-12")]
    late = obs("communes_ntm", 2020, 60, as_of="2021-06")
    after = [obs("communes_ntm", 2021, 61)]
    with_late = locality([*rows, late, *after], plan, slug="late", origin_year=2021)
    without = locality([*rows, *after], plan, slug="late", origin_year=2021)
    return with_late, without


def test_a_cut_reads_a_figures_publication_not_the_year_it_describes():
    with_late, without = backcast_pair()
    cut = event_cut(with_late.targets[0])
    assert cut == pytest.approx(2021.0)
    assert known_by(with_late, cut).observations == known_by(without, cut).observations
    pool = [rich_province("a"), rich_province("b", speed=1.5)]
    p_with = hindcast([with_late], pool=[*pool, with_late], n_paths=500).p_trend.iloc[0]
    p_without = hindcast([without], pool=[*pool, without], n_paths=500).p_trend.iloc[0]
    # a leap to 60 by 2020 would make 40 by 2021 nearly certain; 32 in 2019 does not
    assert p_with == p_without < 0.9


def test_the_pool_never_sees_a_figure_published_after_the_cut():
    plan = [stated("communes_ntm", 2020, "level", 40, as_of="2019-12")]
    loc = ntm_province("me", [20, 24, 28, 32, 36, 40], targets=plan)
    others = [rich_province("a"), rich_province("b", speed=1.5)]
    # The same provinces with a burst of recognitions published in 2020, after the cut:
    # a pool that saw it would convert much faster.
    leap = Observation.model_validate(obs("communes_ntm", 2020, 90, as_of="2020-06"))
    burst = [o.model_copy(update={"observations": (*o.observations, leap)}) for o in others]
    cut = event_cut(loc.targets[0])
    assert event_context([*others, loc], cut).until == cut
    seen = event_context([*burst, loc], cut)
    assert all(known_at(o) <= cut for s in seen.localities.values() for o in s.observations)
    quiet = hindcast([loc], pool=[*others, loc], n_paths=500).p_trend.iloc[0]
    loud = hindcast([loc], pool=[*burst, loc], n_paths=500).p_trend.iloc[0]
    assert quiet == loud


def test_hits_and_misses_count_only_where_a_year_end_figure_could_settle_either():
    mid_year = [obs("communes_ntm", 2020, 45, as_of="2020-06")]  # a hit, read mid-year
    plan = [stated("communes_ntm", 2020, "level", 44, as_of="2019-03")]
    rows = commune_series([2016, 2017, 2018, 2019], [20, 26, 32, 39], 100)
    hit_mid_year = locality([*rows, *mid_year], plan, slug="x")
    assert not observable(hit_mid_year, hit_mid_year.targets[0])
    assert hindcast([hit_mid_year], n_paths=300).outcome.tolist() == ["unobservable"]
    year_end = obs("communes_ntm", 2020, 43, as_of="2020-12")  # a miss, read at the year's end
    missed = locality([*rows, year_end], plan, slug="x")
    table = hindcast([missed], n_paths=300)
    assert table.outcome.tolist() == ["missed"] and table.met.tolist() == [0.0]
    met = locality([*rows, year_end.copy() | {"value": 46.0}], plan, slug="x")
    assert hindcast([met], n_paths=300).outcome.tolist() == ["met"]


def test_plans_that_are_not_forecasts_get_no_probability():
    loc = ntm_province(
        "nf",
        [20, 26, 32, 39, 44, 50],
        targets=[
            stated("communes_ntm", 2020, "level", 44, as_of="2021-02"),  # stated after its year
            {**stated("communes_ntm", 2019, "level", 39, as_of="2019-12"), "recorded_after": True},
        ],
    )
    table = hindcast([loc], n_paths=300).set_index("target_year")
    assert table.loc[2020, "outcome"] == "stated_after"
    assert table.loc[2019, "outcome"] == "recorded_after"
    assert table.p_trend.isna().all() and table.met.isna().all()


@pytest.fixture(scope="module")
def events():
    """Several provinces with plans of 2019–2021, some met, some missed."""
    provinces = []
    for i, speed in enumerate((4, 5, 6, 7, 8, 9)):
        ntm = [20 + speed * k for k in range(6)]
        plans = [
            stated("communes_ntm", 2019, "level", ntm[3] + (i % 3) - 1, as_of="2018-06"),
            stated("communes_ntm", 2020, "level", ntm[4] + 2 * (i % 2), as_of="2019-09"),
            stated("communes_ntm", 2021, "increment", speed + (i % 2), as_of="2020-11"),
        ]
        provinces.append(ntm_province(f"p{i}", ntm, targets=plans))
    return hindcast(provinces, n_paths=400)


def test_the_events_table_has_every_candidate(events):
    assert list(events.columns) == EVENT_COLUMNS
    counted = events[events.met.notna()]
    assert len(counted) == 18 and set(counted.met) == {0.0, 1.0}
    for _, column in CANDIDATES:
        p = counted[column]
        assert p.notna().all() and ((p >= 0) & (p <= 1)).all(), column
    assert (counted.p_always_met == 1.0).all()


def test_the_scores_are_deterministic(events):
    pd.testing.assert_frame_equal(scores(events, n_boot=200), scores(events, n_boot=200))


def test_the_layer_for_the_reports_is_fitted_on_every_counted_event(events):
    trend = fit_layer(events, "trend")
    paths = np.arange(10.0)
    assert trend.probability(paths, 5, 5, "level") == 0.5  # the paths as they are
    signal = fit_layer(events, "plan_signal")
    counted = events[events.met.notna()]
    assert (signal.events, signal.provinces) == (len(counted), counted.province.nunique())
    again = cal.ProbabilityLayer.from_dict(json.loads(json.dumps(signal.to_dict())))
    assert again.to_dict() == signal.to_dict()
    # a path near the plan weighs more than one far above it: the plan as a signal
    assert signal.probability(np.array([5.0, 50.0]), 40, 5, "level") < 0.5
    with pytest.raises(ValueError):
        fit_layer(events, "calibrated")


def test_the_hindcast_forecasts_with_the_selection_it_is_given():
    import dataclasses

    from ntm_forecast.engine.models import SELECTION, CommuneHazard

    plan = [stated("communes_ntm", 2020, "level", 44, as_of="2019-06")]
    loc = rich_province(targets=plan)
    fast = dataclasses.replace(
        SELECTION, models={**SELECTION.models, "hazard": CommuneHazard(pace=4.0)}
    )
    base = hindcast([loc], n_paths=1000).p_trend.iloc[0]
    faster = hindcast([loc], n_paths=1000, selection=fast).p_trend.iloc[0]
    assert faster > base


def test_a_share_target_uses_the_total_known_at_the_time():
    # 100 communes known in 2016; a 2021 report says 200 (communes merged, say): the 2017
    # share target of 30% means 30 communes from the data known at the end of 2016.
    from ntm_forecast.i18n.messages import render_notes

    loc = locality(
        [
            obs("communes_total", 2016, 100),
            *(obs("communes_ntm", y, v) for y, v in zip(range(2013, 2018), (10, 14, 18, 22, 31))),
            obs("communes_ntm_share", 2017, 31, unit="percent"),
            obs("communes_total", 2021, 200, as_of="2021-12"),
        ],
        [stated("communes_ntm", 2017, "share", 30, as_of="2016-12")],
        origin_year=2021,
    )
    t = hindcast([loc], n_paths=400)
    assert len(t) == 1 and t.outcome.iloc[0] == "met"
    assert "của 100 xã" in render_notes(t.notes.iloc[0], "vi")
    assert np.isfinite(t.p_trend.iloc[0])
