"""Rolling-origin backtest: the CRPS of a sample, and the model comparison on real data."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from engine_fixtures import params_localities
from hypothesis import given, settings
from hypothesis import strategies as st

from ntm_forecast import models
from ntm_forecast.backtest import BACKTEST_COLUMNS, Score, backtest, crps_sample, summarise


@pytest.mark.parametrize(("x", "y"), [(3.0, 5.0), (5.0, 3.0), (-2.5, 4.0), (7.0, 7.0)])
def test_crps_of_a_point_mass_is_the_absolute_error(x, y):
    assert crps_sample(np.full(50, x), y) == pytest.approx(abs(x - y))
    assert crps_sample(np.array([x]), y) == pytest.approx(abs(x - y))


def test_crps_of_a_normal_sample_matches_the_closed_form():
    x = np.random.default_rng(0).standard_normal(20_000)
    for y in (0.0, 1.0, -2.0):
        phi = math.exp(-(y**2) / 2) / math.sqrt(2 * math.pi)
        cdf = 0.5 * (1 + math.erf(y / math.sqrt(2)))
        exact = y * (2 * cdf - 1) + 2 * phi - 1 / math.sqrt(math.pi)
        assert crps_sample(x, y) == pytest.approx(exact, abs=0.01)


def test_crps_of_two_points():
    # E|X − y| − ½E|X − X′| for {0, 2} at y = 0: 1 − ½ · 1 = 0.5
    assert crps_sample(np.array([0.0, 2.0]), 0.0) == pytest.approx(0.5)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=40), st.floats(-1e3, 1e3))
def test_crps_non_negative_and_order_free(xs, y):
    x = np.array(xs)
    c = crps_sample(x, y)
    assert c >= -1e-9
    assert c == pytest.approx(crps_sample(x[::-1], y), abs=1e-9)
    assert c <= np.mean(np.abs(x - y)) + 1e-9


def test_sharper_right_forecast_scores_better():
    rng = np.random.default_rng(1)
    assert crps_sample(rng.normal(10, 1, 2000), 10) < crps_sample(rng.normal(10, 5, 2000), 10)


@pytest.fixture(scope="module")
def table():
    return backtest(params_localities().values(), n_paths=500)


def test_backtest_compares_hazard_and_drift_on_communes_ntm(table):
    assert list(table.columns) == BACKTEST_COLUMNS
    ntm = table[(table.metric == "communes_ntm")]
    assert {"hazard", "drift"} <= set(ntm.model)
    assert (ntm.n > 0).all()
    assert ntm[ntm.model == "drift"].crps_vs_drift.iloc[0] == pytest.approx(1.0)
    assert bool(ntm[ntm.model == "hazard"].default.iloc[0])
    assert not bool(ntm[ntm.model == "drift"].default.iloc[0])


def test_one_best_per_group(table):
    for _, g in table.groupby(["family", "metric"]):
        assert g.best.dtype == bool
        assert g.best.sum() == 1
        best = g[g.best].iloc[0]
        ranked = g.sort_values(["crps_vs_drift", "crps"]).iloc[0]
        assert best.model == ranked.model


def test_pooled_rows_per_family(table):
    pooled = table[table.metric == "(all)"]
    assert set(pooled.family) == set(table[table.metric != "(all)"].family)
    assert ((table.coverage_80 >= 0) & (table.coverage_80 <= 1)).all()
    assert (table.crps >= 0).all() and (table.mae >= 0).all()


def test_summarise_ratio_to_drift():
    def s(model, crps, actual=10.0):
        return Score("a", "communes_ntm", "commune", model, 2019, 2020, actual, actual, crps, True)

    out = summarise([s("drift", 2.0), s("hazard", 1.0)])
    hz = out[out.model == "hazard"].iloc[0]
    assert hz.crps_vs_drift == pytest.approx(0.5)
    assert bool(hz.best) and bool(hz.default)
    assert summarise([]).empty and list(summarise([]).columns) == BACKTEST_COLUMNS


@pytest.fixture(scope="module")
def national_backtest():
    from ntm_forecast.backtest import backtest_scores, summarise
    from ntm_forecast.params import load_many

    locs = load_many([Path(__file__).parents[1] / "params"]).localities
    scores = backtest_scores([locs["vietnam"]], pool=list(locs.values()), n_paths=2000)
    return summarise(scores, by=("family", "metric"))


@pytest.mark.xfail(
    reason="the hazard's structure was chosen on six localities; with every province in the "
    "pool it loses to drift nationally until issue 11 re-chooses it by a written rule",
    strict=False,
)
def test_national_commune_default_beats_drift_with_honest_intervals(national_backtest):
    rows = national_backtest[national_backtest.metric == "communes_ntm"].set_index("model")
    default = models.DEFAULTS["commune"]
    assert rows.loc[default, "crps"] < rows.loc["drift", "crps"]
    assert 0.65 <= rows.loc[default, "coverage_80"] <= 0.95


@pytest.mark.xfail(
    reason="the hazard's structure was chosen on six localities; with every province in the "
    "pool it loses to drift nationally until issue 11 re-chooses it by a written rule",
    strict=False,
)
def test_defaults_are_the_backtest_winners(national_backtest):
    """Where the backtest compares the default with rivals, the default wins."""
    for (family, metric), group in national_backtest.groupby(["family", "metric"]):
        if len(group) > 1 and group["default"].any():
            best = group.loc[group["best"], "model"].item()
            assert best == models.DEFAULTS[family], (family, metric, best)
