"""The probability layers of assess/calibration.py, and the rule that keeps one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ntm_forecast.assess import calibration as cal


def test_leave_province_out_never_fits_on_the_province_it_predicts():
    provinces = np.array(["a", "a", "b", "c", "c", "c"])
    seen = {}

    def fit_predict(train, test):
        seen[tuple(provinces[test])] = set(provinces[train])
        return np.full(test.sum(), len(set(provinces[train])))

    out = cal.leave_province_out(provinces, fit_predict)
    assert seen == {("a", "a"): {"b", "c"}, ("b",): {"a", "c"}, ("c", "c", "c"): {"a", "b"}}
    assert list(out) == [2] * 6


def test_the_calibration_layer_of_an_event_does_not_move_with_its_own_outcome():
    rng = np.random.default_rng(1)
    n = 60
    p = rng.uniform(0.05, 0.95, n)
    kind = np.array(["level", "increment", "share"] * 20, dtype=object)
    met = (rng.uniform(size=n) < np.clip(p + 0.3, 0, 1)).astype(float)
    provinces = np.array([f"p{i // 4}" for i in range(n)], dtype=object)
    base = cal.calibrated_loo(p, kind, met, provinces)
    flipped = met.copy()
    flipped[provinces == "p0"] = 1 - flipped[provinces == "p0"]
    again = cal.calibrated_loo(p, kind, flipped, provinces)
    own = provinces == "p0"
    np.testing.assert_array_equal(base[own], again[own])  # its province's outcomes unseen
    assert not np.allclose(base[~own], again[~own])  # the others did see them


def test_kinds_are_pooled_toward_the_common_line():
    rng = np.random.default_rng(0)
    p = rng.uniform(0.05, 0.95, 200)
    kind = np.array(["level"] * 190 + ["share"] * 10, dtype=object)
    met = np.where(kind == "share", 1.0, (rng.uniform(size=200) < p).astype(float))
    loose = cal.KindCalibration(penalty=1e-4).fit(p, kind, met)
    pooled = cal.KindCalibration(penalty=1.0).fit(p, kind, met)
    tight = cal.KindCalibration(penalty=1e4).fit(p, kind, met)
    at = np.array([0.3])
    share = [
        m.predict_proba(at, np.array(["share"], dtype=object))[0] for m in (loose, pooled, tight)
    ]
    level = tight.predict_proba(at, np.array(["level"], dtype=object))[0]
    # ten shares all met: alone they say "met"; the ridge pulls them toward the levels' line
    assert share[0] > share[1] > share[2]
    assert share[2] == pytest.approx(level, abs=0.02)
    unseen = pooled.predict_proba(at, np.array(["in_year"], dtype=object))[0]
    assert 0 < unseen < 1  # a kind not fitted gets the common line


def _rate(years, kind, met, cuts=None):
    ends = np.asarray(years, float) + 1.0
    cuts = ends - 1.0 if cuts is None else np.asarray(cuts, float)  # planned a year ahead
    return cal.prospective_base_rate(ends, cuts, kind, met)


def test_the_prospective_base_rate_uses_only_earlier_years():
    years = np.array([2016] * 5 + [2017] * 5 + [2018] * 5)
    kind = np.array(["level"] * 15, dtype=object)
    met = np.array([1.0] * 5 + [0.0] * 5 + [1.0] * 5)
    rate = _rate(years, kind, met)
    assert list(rate) == [0.5] * 5 + [1.0] * 5 + [0.5] * 5
    later = met.copy()
    later[years == 2018] = 0.0  # the last year's outcomes change no rate of that year
    np.testing.assert_array_equal(_rate(years, kind, later), rate)


def test_the_prospective_base_rate_knows_only_what_had_ended_by_the_plans_cut():
    # A plan for 2018 stated (cut) in 2016 cannot know how the plans for 2017 ended.
    years = np.array([2016] * 5 + [2017] * 5 + [2018])
    kind = np.array(["level"] * 11, dtype=object)
    met = np.array([1.0] * 5 + [0.0] * 5 + [1.0])
    cuts = np.array([2016.0] * 5 + [2017.0] * 5 + [2017.0])
    assert _rate(years, kind, met, cuts)[-1] == 1.0  # the 2016 plans only, not 2017's


def test_the_prospective_base_rate_falls_back_to_all_kinds_then_to_a_half():
    years = np.array([2016] * 6 + [2017, 2017])
    kind = np.array(["level"] * 6 + ["share", "level"], dtype=object)
    met = np.array([1, 1, 1, 0, 1, 1, 0, 0], dtype=float)
    rate = _rate(years, kind, met)
    assert rate[6] == pytest.approx(5 / 6)  # no earlier share: all kinds
    assert rate[7] == pytest.approx(5 / 6)
    assert rate[0] == 0.5  # nothing earlier


def test_the_bootstrap_resamples_whole_provinces():
    provinces = np.array(["a", "a", "a", "b", "c"], dtype=object)
    draws = cal.province_resamples(provinces, n_boot=500, seed=3)
    assert draws.shape == (500, 3) and (draws.sum(axis=1) == 3).all()
    events = pd.DataFrame(
        {
            "province": provinces,
            "met": [1.0, 1.0, 1.0, 0.0, 0.0],
            **{column: [0.0, 0.0, 0.0, 0.0, 0.0] for _, column in cal.CANDIDATES},
        }
    )
    s = cal.candidate_scores(events, n_boot=500).set_index("candidate")
    # Brier 0.6 on the five; a resample of whole provinces has a Brier of 0, 3/5, 6/7 or 1
    # (its draws of "a" with its three events), where resampling events gives 1/5, 2/5, ...
    assert s.loc["trend", "brier"] == pytest.approx(0.6)
    assert s.loc["trend", "provinces"] == 3
    whole = np.array([0.0, 0.6, 6 / 7, 1.0])
    for end in ("lo", "hi"):
        assert np.abs(whole - s.loc["trend", end]).min() < 1e-9, end


def test_scores_count_the_tails_and_calibration_in_the_large():
    events = pd.DataFrame(
        {
            "province": ["a", "b", "c", "d"],
            "met": [1.0, 0.0, 1.0, 1.0],
            **{column: [0.01, 0.99, 0.5, 0.5] for _, column in cal.CANDIDATES},
        }
    )
    s = cal.candidate_scores(events, n_boot=50).set_index("candidate").loc["trend"]
    assert (s.met_below, s.missed_above) == (1, 1)
    assert s.in_the_large == pytest.approx(0.5 - 0.75)


def scored(candidate, brier, hi, citl):
    rows = [
        {"candidate": "trend", "brier": 0.25, "minus_trend": 0.0, "minus_trend_hi": 0.0},
        {"candidate": candidate, "brier": brier, "minus_trend": brier - 0.25},
    ]
    rows[1].update(minus_trend_hi=hi, in_the_large=citl)
    rows[0]["in_the_large"] = -0.3
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    "candidate, brier, hi, citl, kept",
    [
        ("calibrated", 0.20, -0.01, 0.02, "calibrated"),
        ("calibrated", 0.20, 0.01, 0.02, "trend"),  # its interval reaches 0
        ("calibrated", 0.20, -0.01, 0.12, "trend"),  # off in the large
        ("base_rate_kind", 0.10, -0.1, 0.0, "trend"),  # a reference, never kept
        ("plan_signal", 0.22, -0.01, -0.05, "plan_signal"),
    ],
)
def test_the_rule_keeps_a_layer_only_when_it_earns_it(candidate, brier, hi, citl, kept):
    assert cal.kept_layer(scored(candidate, brier, hi, citl)) == kept


def test_the_plan_signal_weights_paths_near_the_plan():
    amounts = np.arange(0, 101, dtype=float)
    signal = cal.PlanSignal(min_events=2).fit(np.array([0.0, 0.02, -0.02]), ["level"] * 3)
    trend = np.mean(amounts >= 80)
    p = signal.probability(amounts, 80.0, 85.0, "level")
    assert p > 0.9 > trend  # paths near the plan of 85 dominate
    wide = cal.PlanSignal(min_events=2).fit(np.array([-2.0, 0.0, 2.0]), ["level"] * 3)
    assert wide.probability(amounts, 80.0, 85.0, "level") == pytest.approx(trend, abs=0.05)
