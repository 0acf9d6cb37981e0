"""Rolling-origin backtest: the CRPS of a sample, and the model comparison on real data."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from engine_fixtures import params_localities, pool
from hypothesis import given, settings
from hypothesis import strategies as st

from ntm_forecast.assess import backtest as bt
from ntm_forecast.assess.backtest import (
    BACKTEST_COLUMNS,
    Score,
    backtest,
    backtest_scores,
    crps_sample,
    summarise,
)
from ntm_forecast.engine.models import SELECTION
from ntm_forecast.engine.pooling import HazardStructure


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
def scored():
    from ntm_forecast.assess.backtest import backtest_scores

    contexts: dict = {}
    locs = list(params_localities().values())
    scores = backtest_scores(locs, n_paths=300, contexts=contexts)
    return scores, contexts


@pytest.fixture(scope="module")
def table(scored):
    return backtest([], scores=scored[0])


def test_backtest_compares_hazard_and_drift_on_communes_ntm(table):
    assert list(table.columns) == BACKTEST_COLUMNS
    ntm = table[(table.metric == "communes_ntm")]
    assert {"hazard", "drift"} <= set(ntm.model)
    assert (ntm.n > 0).all()
    assert ntm[ntm.model == "drift"].crps_vs_drift.iloc[0] == pytest.approx(1.0)
    assert bool(ntm[ntm.model == SELECTION.default("commune")].default.iloc[0])
    assert not bool(ntm[ntm.model == "drift"].default.iloc[0])
    ok = table.dropna(subset=["ratio_lo"])
    assert (
        (ok.ratio_lo <= ok.crps_vs_drift + 1e-9) & (ok.crps_vs_drift <= ok.ratio_hi + 1e-9)
    ).all()


def test_one_best_per_group(table):
    for _, g in table.groupby(["family", "metric"]):
        assert g.best.dtype == bool
        assert g.best.sum() == 1
        best = g[g.best].iloc[0]
        # ranked among the models that scored at least half as many forecasts as the most
        enough = g[g.n * 2 >= g.n.max()]
        ranked = enough.sort_values(["crps_vs_drift", "crps"]).iloc[0]
        assert best.model == ranked.model
        assert best.n * 2 >= g.n.max()  # never a model that scored only a few forecasts


def test_pooled_rows_per_family(table):
    pooled = table[table.metric == "(all)"]
    assert set(pooled.family) == set(table[table.metric != "(all)"].family)
    for col in ("coverage_50", "coverage_80"):
        assert ((table[col] >= 0) & (table[col] <= 1)).all()
    assert (table.crps >= 0).all() and (table.mae >= 0).all()


def test_a_province_is_forecast_from_a_pool_that_left_its_group_out(scored):
    from ntm_forecast.assess.backtest import fold_of

    locs = params_localities()
    _, contexts = scored
    assert contexts
    for (_origin, fold, *_structures), ctx in contexts.items():
        for ph in ctx.hazards.values():
            assert not any(fold >= 0 and fold_of(locs[s]) == fold for s in ph.localities)
            assert "vietnam" not in ph.localities  # the sum of the provinces is not in the pool


def _score(slug, model, crps, scale, covered=True):
    return Score(
        slug, "communes_ntm", "commune", model, 2019, 2020, 10.0, 10.0, crps, covered, scale
    )


def test_summarise_ratio_to_drift():
    out = summarise([_score("a", "drift", 2.0, 1.0), _score("a", "hazard", 1.0, 1.0)])
    hz = out[out.model == "hazard"].iloc[0]
    assert hz.crps_vs_drift == pytest.approx(0.5)
    assert bool(hz.best)
    assert summarise([]).empty and list(summarise([]).columns) == BACKTEST_COLUMNS


def test_pooled_ratio_is_pooled_over_localities_not_the_largest():
    """A nation of 8,000 communes and a province of 50: each counts per commune, so the
    province's halving is not drowned by the nation's small loss."""
    scores = [
        _score("nation", "drift", 100.0, 8000.0),
        _score("nation", "hazard", 110.0, 8000.0),
        _score("prov", "drift", 4.0, 50.0),
        _score("prov", "hazard", 2.0, 50.0),
    ]
    hz = summarise(scores).set_index("model").loc["hazard"]
    expected = (110 / 8000 + 2 / 50) / (100 / 8000 + 4 / 50)
    assert hz.crps_vs_drift == pytest.approx(expected, abs=1e-4)
    assert hz.crps_vs_drift < 1.0 < (110 + 2) / (100 + 4)  # the ratio of sums would say > 1


def test_ratio_interval_resamples_localities():
    from ntm_forecast.assess.backtest import _frame, ratio_interval

    rng = np.random.default_rng(0)
    a, b = [], []
    for i in range(30):
        d = rng.uniform(1, 3)
        b.append(_score(f"l{i}", "drift", d, 1.0))
        a.append(_score(f"l{i}", "hazard", d * rng.uniform(0.6, 1.0), 1.0))
    r, lo, hi, n = ratio_interval(_frame(a), _frame(b))
    assert n == 30 and lo < r < hi < 1.0


def test_calibration_of_each_family_is_its_default_models(scored):
    from ntm_forecast.assess.backtest import calibration

    df = pd.DataFrame([s.__dict__ for s in scored[0]])
    cals = calibration(scored[0])
    assert [c.family for c in cals] == sorted(df.family.unique())
    for cal in cals:
        mine = df[(df.family == cal.family) & (df.model == SELECTION.default(cal.family))]
        assert sorted(cal.pit) == sorted(mine.pit)
        assert cal.reliability["n"].sum() == cal.n_events == mine.event_p.notna().sum()
        assert cal.reliability["p"].between(0, 1).all()


def test_the_backtest_scores_what_forecast_locality_gives_on_the_cut():
    """One engine path: the paths scored are forecast_locality's on the data cut at the
    origin (its seeds, its ceilings: a standard under the paths of the one below it)."""
    from ntm_forecast.assess.backtest import backtest_scores, fold_of
    from ntm_forecast.engine.forecast import cut_at, forecast_locality

    locs = pool()
    loc, origin, n_paths, seed = locs[0], 2018, 200, 3
    contexts: dict = {}
    scores = backtest_scores(
        [loc],
        pool=locs,
        n_paths=n_paths,
        seed=seed,
        origins=[origin],
        families=["commune"],
        models=["hazard", "drift"],
        contexts=contexts,
    )
    assert {s.metric for s in scores} == {"communes_ntm", "communes_advanced", "communes_model"}
    assert {s.model for s in scores} == {"hazard", "drift"}
    ctx = contexts[(origin, fold_of(loc), SELECTION.hazard, SELECTION.growth)]
    for name in ("hazard", "drift"):
        fc = forecast_locality(
            cut_at(loc, origin), ctx, horizon=3, n_paths=n_paths, seed=seed, model=name
        )
        for s in (s for s in scores if s.model == name):
            x = fc[s.metric].at(s.year)  # the outcomes are year-end figures
            assert s.crps == crps_sample(x, s.actual), (name, s.metric, s.year)
            assert s.median == float(np.median(x))


def test_pit_and_events_are_probabilities(scored):
    df = pd.DataFrame([s.__dict__ for s in scored[0]])
    assert df.pit.between(0, 1).all()
    ev = df.dropna(subset=["event_p"])
    assert ev.event_p.between(0, 1).all() and set(ev.event) <= {0.0, 1.0}


def test_cli_backtest_writes_the_pictures_and_refuses_a_bad_folder(tmp_path, capsys):
    from ntm_forecast.cli import main
    from ntm_forecast.errors import EXIT_BAD_INPUT, EXIT_OK

    params = str(Path(__file__).parents[2] / "params" / "hau_giang.yaml")
    out = tmp_path / "bt.csv"
    code = main(
        [
            "backtest",
            params,
            "--paths",
            "200",
            "--plot",
            str(tmp_path / "png"),
            "--format",
            "csv",
            "--output",
            str(out),
        ]
    )
    assert code == EXIT_OK
    assert list(pd.read_csv(out, encoding="utf-8-sig").columns) == BACKTEST_COLUMNS
    assert sorted(p.name for p in (tmp_path / "png").iterdir())
    blocker = tmp_path / "file"
    blocker.write_text("x")
    capsys.readouterr()
    assert main(["backtest", params, "--plot", str(blocker / "sub")]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "expected a writable directory" in err[0]


def test_a_selection_with_other_models_is_not_served_a_cached_one():
    # Selections that share the structures share the pooled fit, never the models.
    import dataclasses

    from ntm_forecast.engine.models import Drift

    loc = params_localities()["hau_giang"]
    fast = dataclasses.replace(SELECTION, models={**SELECTION.models, "drift": Drift(pace=3.0)})
    kw = dict(pool=list(params_localities().values()), n_paths=200, models=["drift"])
    shared: dict = {}
    slow = backtest_scores([loc], contexts=shared, **kw)
    cached = backtest_scores([loc], contexts=shared, selection=fast, **kw)
    fresh = backtest_scores([loc], contexts={}, selection=fast, **kw)
    assert [s.median for s in cached] == [s.median for s in fresh]
    assert [s.median for s in cached] != [s.median for s in slow]


# --- the revised rule of issue 18 --------------------------------------------------------


def _scores(cover80: float, cover50: float, scaled: float, n: int = 40) -> pd.DataFrame:
    """n forecasts of n/4 provinces with the given coverages (whole provinces in or out, so
    that resampling provinces moves them) and scaled CRPS."""
    k = n // 4
    return pd.DataFrame(
        {
            "slug": [f"p{i % k}" for i in range(n)],
            "metric": "communes_ntm",
            "origin": [2015 + i // k for i in range(n)],
            "year": [2016 + i // k for i in range(n)],
            "covered": [i % k < round(cover80 * k) for i in range(n)],
            "covered50": [i % k < round(cover50 * k) for i in range(n)],
            "scaled": scaled,
            "model": "hazard",
        }
    )


def _fake_scored(table):
    drift = _scores(0.5, 0.3, 1.0).assign(model="drift")

    def scored(structure):
        key = tuple(
            t for t in ("time_varying", "coverage", "phase", "push") if getattr(structure, t)
        )
        return table[key], drift

    return scored


def test_an_eligible_term_wins_over_an_ineligible_base_whatever_its_crps():
    table = {
        (): _scores(0.60, 0.30, 1.0),  # too narrow
        ("time_varying",): _scores(0.80, 0.50, 1.2),  # eligible, higher CRPS: kept anyway
        ("time_varying", "coverage"): _scores(0.80, 0.50, 1.3),  # worse
        ("time_varying", "phase"): _scores(0.90, 0.50, 0.5),  # lower CRPS, not eligible
        ("time_varying", "push"): _scores(0.80, 0.50, 1.2),
    }
    rows: list[dict] = []
    chosen = bt._forward(
        "commune", HazardStructure(), bt.HAZARD_TERMS, _fake_scored(table), rows, 0, None
    )
    assert chosen == HazardStructure(time_varying=True)
    assert [r["term"] for r in rows] == ["-", "time_varying", "coverage", "phase", "push"]
    assert [r["kept"] for r in rows] == [True, True, False, False, False]


def test_a_dropped_term_is_tried_again_after_a_kept_one():
    table = {
        (): _scores(0.80, 0.50, 1.0),
        ("time_varying",): _scores(0.80, 0.50, 1.0),  # no gain: dropped
        ("coverage",): _scores(0.80, 0.50, 0.5),  # kept
        ("time_varying", "coverage"): _scores(0.80, 0.50, 0.2),  # kept on the second try
        ("coverage", "phase"): _scores(0.80, 0.50, 0.5),
        ("coverage", "push"): _scores(0.80, 0.50, 0.5),
        ("time_varying", "coverage", "phase"): _scores(0.80, 0.50, 0.2),
        ("time_varying", "coverage", "push"): _scores(0.80, 0.50, 0.2),
    }
    rows: list[dict] = []
    chosen = bt._forward(
        "commune", HazardStructure(), bt.HAZARD_TERMS, _fake_scored(table), rows, 0, None
    )
    assert chosen == HazardStructure(time_varying=True, coverage=True)
    assert [r["term"] for r in rows][:4] == ["-", "time_varying", "coverage", "time_varying"]


def test_with_none_eligible_the_nearest_to_the_bands_wins():
    table = {
        (): _scores(0.50, 0.30, 1.0),
        ("time_varying",): _scores(0.70, 0.38, 1.5),  # nearest: 0.02 + 0.02 outside
        ("coverage",): _scores(0.60, 0.30, 0.5),
        ("phase",): _scores(0.95, 0.70, 0.5),
        ("push",): _scores(0.50, 0.30, 1.0),
    }
    rows: list[dict] = []
    chosen = bt._forward(
        "commune", HazardStructure(), bt.HAZARD_TERMS, _fake_scored(table), rows, 0, None
    )
    assert chosen == HazardStructure(time_varying=True)
    assert rows[-1]["term"] == "nearest" and not rows[-1]["eligible"]


def test_coverage_interval_resamples_provinces():
    scores = _scores(0.7, 0.5, 1.0)
    share, lo, hi = bt.coverage_interval(scores, "covered", seed=0)
    assert share == 0.7 and lo < share < hi
    assert bt.coverage_interval(scores, "covered", seed=0) == (share, lo, hi)
