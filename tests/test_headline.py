"""The README's headline figures, recomputed from params/ by the commands that produce them:
if the data or the engine move them, this fails and the README must be updated with them."""

from __future__ import annotations

from pathlib import Path

import pytest
from engine_fixtures import params_localities

from ntm_forecast.assess.backtest import _frame, backtest_scores, ratio_interval, select_structure
from ntm_forecast.assess.hindcast import hindcast, scores
from ntm_forecast.engine.models import SELECTION
from ntm_forecast.engine.pooling import in_pool

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


def _vi(x: float, digits: int) -> str:
    """A figure as the README writes it (Vietnamese decimal comma)."""
    return f"{x:.{digits}f}".replace(".", ",")


@pytest.fixture(scope="module")
def pool():
    return list(params_localities().values())


@pytest.fixture(scope="module")
def selection(pool):
    return select_structure(pool)


def test_the_defaults_are_the_comparison_winners(selection):
    _, chosen = selection
    assert chosen.hazard == SELECTION.hazard
    assert chosen.growth == SELECTION.growth


def test_comparison_table_in_the_readme(selection):
    table, _ = selection
    for row in table.itertuples():
        if row.family == "commune":
            assert row.n >= 150  # the goal: at least 150 commune forecasts
        else:
            assert row.n >= 20  # and 20 OCOP ones
        coverage = f"{_vi(row.coverage_80, 3)} [{_vi(row.coverage_80_lo, 3)}; "
        assert coverage in README or row.term == "nearest", (row.term, coverage)
        if row.term in ("-", "nearest"):
            continue
        text = f"{_vi(row.ratio_vs_without, 3)} [{_vi(row.lo, 3)}; {_vi(row.hi, 3)}]"
        assert text in README, text
    base = table[(table.family == "commune") & (table.term == "-")].iloc[0]
    assert f"| {base.n} ({base.localities}) |" in README


@pytest.fixture(scope="module")
def commune_scores(pool):
    df = _frame(backtest_scores(pool, pool=pool, families=["commune"], models=["hazard", "drift"]))
    locs = params_localities()
    df["province"] = [in_pool(locs[s]) for s in df.slug]
    return df


def test_commune_goals_in_the_readme(commune_scores):
    prov = commune_scores[commune_scores.province]
    hz, dr = prov[prov.model == "hazard"], prov[prov.model == "drift"]
    ratio, lo, hi, n = ratio_interval(hz, dr)
    assert f"**{_vi(ratio, 2)}× [{_vi(lo, 2)}; {_vi(hi, 2)}]** ({n} forecasts" in README
    assert f"hazard **{_vi(hz.covered.mean(), 3)}**" in README
    assert f"drift {_vi(dr.covered.mean(), 3)}" in README
    assert hi < 1.0  # the README says the upper end is below 1


def test_hindcast_goals_in_the_readme(pool):
    """Every candidate of the revised rule, scored on past plans as events (Brier [90%])."""
    table = scores(hindcast(pool, pool=pool)).set_index("candidate")
    for row in table.itertuples():
        text = f"{_vi(row.brier, 3)} [{_vi(row.lo, 3)}; {_vi(row.hi, 3)}]"
        assert text in README, (row.Index, text)


def test_results_example_in_the_readme(tmp_path):
    """The README's example rows come from `targets` on five units of 2025."""
    import pandas as pd

    from ntm_forecast.cli import main

    root = Path(__file__).parents[1]
    out = tmp_path / "t.csv"
    units = ("da_nang_2025", "tay_ninh_2025", "thai_nguyen_2025", "lao_cai_2025", "dong_nai_2025")
    args = ["targets", *(str(root / f"params/{slug}.yaml") for slug in units)]
    assert main([*args, "--format", "csv", "--output", str(out)]) == 0
    rows = pd.read_csv(out, encoding="utf-8-sig")
    for slug, metric, year, kind in [
        ("da_nang_2025", "communes_ntm", 2030, "share"),
        ("thai_nguyen_2025", "communes_ntm", 2030, "share"),
        ("lao_cai_2025", "communes_ntm", 2030, "share"),
    ]:
        hit = rows[
            (rows.locality == slug)
            & (rows.metric == metric)
            & (rows.target_year == year)
            & (rows.target_kind == kind)
        ]
        p = float(hit.probability.iloc[0])
        line = f"| {slug} | {metric} | {year} | {kind} |"
        text = [x for x in README.splitlines() if x.startswith(line)]
        assert text and f"| {p:.4g} |" in text[0], (line, p)


def test_the_layer_beside_the_params_is_the_one_the_rule_keeps(pool):
    """`params/probability_layer.json` is what `hindcast --write-layer` writes from params/."""
    import json

    from ntm_forecast.assess.calibration import kept_layer
    from ntm_forecast.assess.hindcast import fit_layer

    events = hindcast(pool, pool=pool)
    fresh = fit_layer(events, kept_layer(scores(events))).to_dict()
    stored = json.loads((Path(__file__).parents[1] / "params/probability_layer.json").read_text())
    assert stored == json.loads(json.dumps(fresh))
