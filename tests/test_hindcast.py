"""Hindcast: targets whose outcome is known, assessed from the data before their year."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from engine_fixtures import params_localities, rich_province, target

from ntm_forecast.hindcast import HINDCAST_COLUMNS, brier_scores, hindcast


@pytest.fixture(scope="module")
def table():
    from ntm_forecast.hindcast import with_plan_informed

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
    assert not set(table.target_kind) & {"maintain", "share"}


def test_brier_scores_have_the_three_rules_and_the_plan_informed_column(table):
    b = brier_scores(table)
    assert set(b.rule) == {
        "model",
        "model, plan-informed (leave-one-out)",
        "plan always met",
        "pace-ratio rule",
    }
    scored = b[b.targets == "scored by all rules"]
    assert len(scored) == 4 and scored.n.nunique() == 1
    assert ((b.brier.dropna() >= 0) & (b.brier.dropna() <= 1)).all()


def test_brier_by_hand():
    t = pd.DataFrame(
        {
            "outcome": [1, 0],
            "probability": [0.8, 0.4],
            "p_always_met": [1.0, 1.0],
            "p_pace_rule": [1.0, 1.0],
        }
    )
    b = brier_scores(t).set_index(["rule", "targets"]).brier
    assert b[("model", "scored by all rules")] == pytest.approx((0.04 + 0.16) / 2)
    assert b[("plan always met", "scored by all rules")] == pytest.approx(0.5)
    assert b[("pace-ratio rule", "scored by all rules")] == pytest.approx(0.5)


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


def test_plan_calibration_learns_that_plans_are_usually_met():
    from ntm_forecast.hindcast import fit_plan_calibration, with_plan_informed

    # Plans met even where the trend said 30–50%: the calibration must raise those.
    t = pd.DataFrame(
        {
            "outcome": [1, 1, 1, 1, 0, 1, 1, 0],
            "probability": [0.3, 0.4, 0.5, 0.35, 0.1, 0.45, 0.6, 0.05],
        }
    )
    cal = fit_plan_calibration(t)
    assert cal is not None and cal(0.4) > 0.4
    loo = with_plan_informed(t)
    assert loo["p_plan_informed"].between(0, 1).all()
    # leave-one-out: a row's value does not depend on its own outcome
    flipped = t.copy()
    flipped.loc[0, "outcome"] = 0
    assert with_plan_informed(flipped).loc[0, "p_plan_informed"] == loo.loc[0, "p_plan_informed"]


def test_no_calibration_when_every_past_plan_was_met():
    from ntm_forecast.hindcast import fit_plan_calibration

    t = pd.DataFrame({"outcome": [1, 1, 1], "probability": [0.2, 0.5, 0.9]})
    assert fit_plan_calibration(t) is None
