"""The score of the frozen blind forecasts (benchmarks/blind_2021/score.py) on hand-made inputs
with hand-computed answers."""

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ntm_forecast.errors import InputError

BLIND = Path(__file__).resolve().parents[1] / "benchmarks" / "blind_2021"
_spec = importlib.util.spec_from_file_location("blind_score", BLIND / "score.py")
score = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(score)


def test_coverage_includes_the_bounds():
    y = np.array([1.0, 2.0, 5.0, 8.0, 9.0])
    got = score.covered(y, np.full(5, 2.0), np.full(5, 8.0))
    assert got.tolist() == [False, True, True, True, False]


def test_interval_score_is_width_plus_ten_times_the_miss_at_alpha_02():
    y = np.array([5.0, 0.0, 11.0])
    got = score.interval_score(y, np.full(3, 2.0), np.full(3, 8.0))
    assert got.tolist() == [6.0, 6.0 + 10 * 2, 6.0 + 10 * 3]


def test_crps_of_three_quantiles_by_hand():
    # pinball at y = 0: τ=.25, q=−1 → .25; τ=.5, q=0 → 0; τ=.75, q=1 → .25; 2 × mean = 1/3
    got = score.crps_from_quantiles(
        np.array([0.0]), np.array([[-1.0, 0.0, 1.0]]), np.array([0.25, 0.5, 0.75])
    )
    assert got == pytest.approx([1 / 3])


def test_crps_of_a_point_forecast_is_the_absolute_error():
    q = np.full((2, 99), 10.0)
    assert score.crps_from_quantiles(np.array([7.0, 10.0]), q) == pytest.approx([3.0, 0.0])


def test_crps_of_the_uniform_matches_its_closed_form():
    # CRPS(U(0,1), 0.5) = E|X − y| − E|X − X'|/2 = 1/4 − 1/6 = 1/12
    q = score.LEVELS[None, :]
    assert score.crps_from_quantiles(np.array([0.5]), q)[0] == pytest.approx(1 / 12, abs=2e-3)


def test_geometric_mean_ratio_is_symmetric_and_a_double_zero_is_a_tie():
    a, b = np.array([1.0, 4.0]), np.array([4.0, 1.0])
    assert score.geometric_mean_ratio(a, b, floor=0) == pytest.approx(1.0)
    assert score.geometric_mean_ratio(np.zeros(1), np.zeros(1)) == 1.0
    assert score.geometric_mean_ratio(np.array([1.0]), np.array([4.0]), floor=0) == 0.25


def test_loo_base_rate_leaves_each_target_out():
    got = score.loo_base_rate(np.array([1, 1, 0, 1]))
    assert got == pytest.approx([2 / 3, 2 / 3, 1.0, 2 / 3])


def test_brier_and_its_difference():
    met = np.array([1.0, 0.0])
    assert score.brier(np.array([0.8, 0.4]), met) == pytest.approx((0.04 + 0.16) / 2)
    assert score.brier_difference(np.array([0.8, 0.4]), np.ones(2), met) == pytest.approx(0.1 - 0.5)


STRUCTURE = {
    "vietnam": {"level": "national", "parent": None, "members": None},
    "ha_nam": {"level": "province", "parent": "vietnam", "members": None},
    "nam_dinh": {"level": "province", "parent": "vietnam", "members": None},
    "ly_nhan": {"level": "district", "parent": "ha_nam", "members": None},
    "lao_cai": {"level": "province", "parent": "vietnam", "members": None},
    "ninh_binh_2025": {
        "level": "province",
        "parent": "vietnam",
        "members": ["nam_dinh", "ha_nam"],
    },
}


def test_clusters_district_under_province_and_a_unit_with_its_members():
    slugs = ["ly_nhan", "vietnam", "lao_cai", "ha_nam"]
    assert score.clusters_of(slugs, STRUCTURE) == ["ha_nam", "vietnam", "lao_cai", "ha_nam"]
    with_unit = score.clusters_of(["nam_dinh", "ly_nhan", "ninh_binh_2025"], STRUCTURE)
    assert with_unit == ["ha_nam", "ha_nam", "ha_nam"]


def test_bootstrap_resamples_whole_clusters_and_is_reproducible():
    # Cluster a: two rows of 0, cluster b: one row of 1. Whole clusters give a mean of 0, 1/3
    # or 1 (bb with probability 1/4, so the 95% point is 1); rows resampled one by one would
    # reach 1 with probability 1/27 only.
    x = np.array([0.0, 0.0, 1.0])
    clusters = ["a", "a", "b"]
    first = score.cluster_interval(clusters, np.mean, x)
    assert first == (0.0, 1.0)
    assert score.cluster_interval(clusters, np.mean, x) == first
    y = np.array([0.0, 1.0, 2.5, 7.0])
    spread = score.cluster_interval(list("abcd"), np.mean, y, n_boot=25)
    assert spread == score.cluster_interval(list("abcd"), np.mean, y, n_boot=25)
    assert spread != score.cluster_interval(list("abcd"), np.mean, y, n_boot=25, seed=1)


def _figure(slug, forecaster, value, centre, **extra):
    quantiles = {q: centre + (lv - 0.5) * 10 for q, lv in zip(score.QUANTILES, score.LEVELS)}
    return {
        "slug": slug,
        "metric": "communes_ntm",
        "year": 2023,
        "as_of": "2023-12",
        "t": 2024.0,
        "status": "actual",
        "value": value,
        "source_url": "u",
        "forecaster": forecaster,
        **quantiles,
        **extra,
    }


def test_value_scores_pair_engine_and_drift_and_drop_a_repeated_figure():
    values = pd.DataFrame(
        [
            _figure("ha_nam", "engine", 50.0, 50.0),
            _figure("ha_nam", "drift", 50.0, 60.0),
            _figure("ha_nam", "engine", 50.0, 50.0),  # the same figure listed twice
            _figure("ha_nam", "drift", 50.0, 60.0),
            _figure("lao_cai", "engine", 20.0, 40.0),  # drift does not forecast it
        ]
    )
    table = score.value_scores(values, STRUCTURE).set_index(["subset", "measure"])
    assert table.loc[("engine_all", "cover80"), "n"] == 2
    assert table.loc[("engine_all", "cover80"), "value"] == 0.5
    assert table.loc[("paired_all", "cover80_engine"), "value"] == 1.0
    assert table.loc[("paired_all", "cover80_drift"), "value"] == 0.0
    assert table.loc[("paired_all", "crps_ratio_sum"), "n"] == 1
    assert table.loc[("paired_all", "crps_ratio_sum"), "value"] < 1


def _targets():
    rows = [
        ("ha_nam", "communes_ntm", 2023, "level", 100.0, 0.9),
        ("ha_nam", "communes_ntm", 2023, "level", 100.0, 0.9),  # stated twice
        ("ly_nhan", "ocop_total", 2024, "level", 20.0, 0.2),
        ("lao_cai", "communes_ntm", 2025, "level", 80.0, 0.6),
        ("lao_cai", "ocop_total", 2025, "increment", 10.0, None),  # no probability
        ("nam_dinh", "communes_ntm", 2024, "level", 200.0, 0.5),  # outcome unknown
        ("nam_dinh", "ocop_total", 2022, "level", 30.0, 0.5),  # no review row
        ("vietnam", "ocop_total", 2025, "level", 15000.0, 0.7),  # conflicting outcomes
    ]
    return pd.DataFrame(rows, columns=[*score.TARGET, "probability"])


REVIEW = """locality,province,metric,target_year,target_kind,target_value,outcome
ha_nam,Hà Nam,communes_ntm,2023,level,100,met
ha_nam,Hà Nam,communes_ntm,2023,level,100.0000,met
ly_nhan,Hà Nam,ocop_total,2024,level,20,missed
lao_cai,Lào Cai,communes_ntm,2025,level,80,missed
lao_cai,Lào Cai,ocop_total,2025,increment,10,met
nam_dinh,Nam Định,communes_ntm,2024,level,200,unknown
vietnam,,ocop_total,2025,level,15000,met
vietnam,,ocop_total,2025,level,15000,missed
"""


def test_targets_join_counts_and_brier(tmp_path):
    path = tmp_path / "review.csv"
    path.write_text(REVIEW, encoding="utf-8")
    scored, counts = score.joined_targets(_targets(), score.read_review(path))
    assert counts == {
        "targets": 7,
        "no_probability": 1,
        "no_review_row": 1,
        "conflicting_outcomes": 1,
        "outcome_unknown": 1,
        "scored": 3,
        "met": 1,
    }
    table = score.target_scores(scored, STRUCTURE).set_index("measure")
    # p = .9 met, .2 missed, .6 missed; LOO rates: 0, 1/2, 1/2
    assert table.loc["brier_engine", "value"] == pytest.approx((0.01 + 0.04 + 0.36) / 3)
    assert table.loc["brier_always_met", "value"] == pytest.approx(2 / 3)
    assert table.loc["brier_loo_base_rate", "value"] == pytest.approx((1 + 0.25 + 0.25) / 3)
    assert table.loc["brier_engine", "clusters"] == 2  # ly_nhan counts under ha_nam


def test_a_bad_outcome_names_the_file_row_and_field(tmp_path):
    path = tmp_path / "review.csv"
    path.write_text(REVIEW.replace("missed\n", "failed\n", 1), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        score.read_review(path)
    assert caught.value.lines == [
        f"{path}:4:outcome: expected met | missed | unknown, found 'failed'"
    ]


def test_command_is_deterministic_and_bad_input_exits_2(tmp_path, capsys):
    params = tmp_path / "params"
    params.mkdir()
    targets = pd.read_csv(BLIND / "targets.csv")
    slugs = set(pd.read_csv(BLIND / "values.csv")["slug"]) | set(targets["locality"])
    for slug in slugs:
        (params / f"{slug}.yaml").write_text("level: province\nparent: vietnam\n")
    review = targets[targets["probability"].notna()].head(6)[score.TARGET]
    review = review.assign(outcome=["met", "missed"] * 3)
    review.to_csv(tmp_path / "review.csv", index=False)
    outputs = []
    for run in ("a", "b"):
        out = tmp_path / run
        args = ["--params", str(params), "--review", str(tmp_path / "review.csv")]
        assert score.main([*args, "--output", str(out)]) == 0
        outputs.append([(out / f"score_{n}.csv").read_bytes() for n in ("values", "targets")])
    assert outputs[0] == outputs[1]
    assert b"brier_engine," in outputs[0][1]
    (params / "vietnam.yaml").unlink()
    capsys.readouterr()
    assert score.main(["--params", str(params), "--output", str(tmp_path / "c")]) == 2
    assert "vietnam.yaml" in capsys.readouterr().err
    assert not (tmp_path / "c").exists()
