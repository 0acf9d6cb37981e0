"""Hindcast: targets whose outcome is known, assessed from the data before their year."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from engine_fixtures import params_localities, rich_province, target

from ntm_forecast.assess.hindcast import HINDCAST_COLUMNS, brier_scores, hindcast
from ntm_forecast.i18n.messages import render_notes


@pytest.fixture(scope="module")
def table():
    from ntm_forecast.assess.hindcast import with_plan_informed

    return with_plan_informed(hindcast(params_localities().values(), n_paths=500))


def test_hindcast_rows(table):
    assert list(table.columns) == [*HINDCAST_COLUMNS, "p_plan_informed"]
    assert len(table) > 0
    assert set(table.outcome) <= {0, 1}
    p = table.probability
    assert (p.isna() | ((p >= 0) & (p <= 1))).all()
    assert p.notna().any()
    assert (table.p_always_met == 1.0).all()
    rule = table.p_pace_rule.dropna()
    assert set(rule) <= {0.0, 1.0}
    assert "maintain" not in set(table.target_kind)
    key = ["locality", "metric", "target_year", "target_kind", "target_value"]
    assert not table.duplicated(key).any()  # a target stated twice is scored once


def test_targets_recorded_from_their_outcome_are_scored_apart(table):
    after = table[table.recorded_after]
    # Met by construction, but for one: An Giang 2020 (61 of 119) meets a conflicting later
    # year-end figure (60 of 116, after commune mergers) that the data keep as the outcome.
    assert len(after) >= 5 and (after.outcome == 1).mean() >= 0.9
    b = brier_scores(table)
    assert set(b.targets) == {"before_outcome", "from_own_outcome"}
    n = b.groupby("targets").n.max()
    assert n["from_own_outcome"] <= len(after)
    assert n["before_outcome"] <= int((~table.recorded_after).sum())


def test_brier_scores_have_the_baselines_and_intervals(table):
    b = brier_scores(table)
    assert set(b.rule) == {
        "model",
        "plan_informed_loo",
        "always_met",
        "pace_rule",
        "base_rate_loo",
    }
    ok = b.dropna(subset=["brier"])
    assert ((ok.lo <= ok.brier + 1e-9) & (ok.brier <= ok.hi + 1e-9)).all()
    assert ((ok.brier >= 0) & (ok.brier <= 1)).all()


def test_brier_by_hand():
    t = pd.DataFrame(
        {
            "recorded_after": [False, False],
            "outcome": [1, 0],
            "probability": [0.8, 0.4],
            "p_always_met": [1.0, 1.0],
            "p_pace_rule": [1.0, 1.0],
            "p_base_rate": [0.0, 1.0],
        }
    )
    b = brier_scores(t).set_index(["rule", "targets", "scored_by"]).brier
    first = ("before_outcome", "every_rule")
    assert b[("model", *first)] == pytest.approx((0.04 + 0.16) / 2)
    assert b[("always_met", *first)] == pytest.approx(0.5)
    assert b[("pace_rule", *first)] == pytest.approx(0.5)
    assert b[("base_rate_loo", *first)] == pytest.approx(1.0)


def test_base_rate_is_leave_one_out():
    from ntm_forecast.assess.hindcast import _with_base_rate

    t = pd.DataFrame({"recorded_after": [False] * 4, "outcome": [1, 1, 1, 0]})
    t["p_base_rate"] = np.nan
    assert list(_with_base_rate(t).p_base_rate) == pytest.approx([2 / 3, 2 / 3, 2 / 3, 1.0])


def test_a_shortfall_the_source_says_will_be_made_up_is_not_a_miss():
    from engine_fixtures import locality, obs

    from ntm_forecast.assess.targets import settled_outcome

    rows = [
        obs("communes_advanced", 2020, 3),
        obs("communes_advanced", 2021, 5, as_of="2021-12-15", source="a.txt"),
        obs("communes_advanced", 2021, 2, kind="increment", as_of="2021-12-15", source="a.txt"),
        obs(
            "communes_advanced_pending",
            2021,
            2,
            status="estimate",
            as_of="2021-12-15",
            unit="communes",
            source="a.txt",
        ),
    ]
    # Hậu Giang's +4 advanced communes in 2021: +2 by 15 December, two more due by year end.
    plan = [target("communes_advanced", 2021, "increment", 4)]
    loc = locality(rows, plan)
    assert settled_outcome(loc, loc.targets[0]) is None
    alone = locality(rows[:3], plan)
    assert settled_outcome(alone, alone.targets[0]) is False


def test_a_share_target_uses_the_total_known_at_the_time():
    # 100 communes known in 2016; a 2021 report says 200 (communes merged, say): the 2017
    # share target of 30% means 30 communes from the data known at the end of 2016.
    from engine_fixtures import locality, obs

    loc = locality(
        [
            obs("communes_total", 2016, 100),
            *(obs("communes_ntm", y, v) for y, v in zip(range(2013, 2018), (10, 14, 18, 22, 31))),
            obs("communes_ntm_share", 2017, 31, unit="percent"),
            obs("communes_total", 2021, 200, as_of="2021-12"),
        ],
        [target("communes_ntm", 2017, "share", 30)],
        origin_year=2021,
    )
    t = hindcast([loc], n_paths=400)
    assert len(t) == 1 and t.outcome.iloc[0] == 1
    notes = t.notes.iloc[0]  # codes, words only when rendered
    assert "của 100 xã" in render_notes(notes, "vi") and "of 100 communes" in render_notes(
        notes, "en"
    )


def test_hindcast_of_a_synthetic_target():
    # NTM 20, 26, 32, 38, 44, 50 at the ends of 2016–2021: 44 by 2020 was met, 50 by 2019 not
    loc = rich_province(
        targets=[
            target("communes_ntm", 2020, "level", 44),
            target("communes_ntm", 2019, "level", 50),
        ]
    )
    t = hindcast([loc], n_paths=1000)
    assert list(t.outcome) == [1, 0]
    assert t.probability.notna().all()
    assert t.probability.iloc[0] > t.probability.iloc[1]  # 6 more in a year vs 12 more
    assert list(t.p_pace_rule) == [1.0, 0.0]
    assert np.isfinite(t.pace_ratio).all()


def test_the_hindcast_forecasts_with_the_selection_it_is_given():
    import dataclasses

    from ntm_forecast.engine.models import SELECTION, CommuneHazard

    loc = rich_province(targets=[target("communes_ntm", 2020, "level", 44)])
    fast = dataclasses.replace(
        SELECTION, models={**SELECTION.models, "hazard": CommuneHazard(pace=4.0)}
    )
    base = hindcast([loc], n_paths=1000).probability.iloc[0]
    faster = hindcast([loc], n_paths=1000, selection=fast).probability.iloc[0]
    assert faster > base
