"""What-if: the target table under other paces, and the pace needed for 80%."""

from __future__ import annotations

import math

import pytest
from engine_fixtures import context, rich_province, target

from ntm_forecast.assess.targets import assess_target
from ntm_forecast.assess.whatif import WHATIF_COLUMNS, required_pace, whatif
from ntm_forecast.domain.metrics import with_bounding_standards
from ntm_forecast.engine.forecast import forecast_locality

PACES = (0.5, 1.0, 2.0)
TARGETS = [
    target("communes_ntm", 2023, "level", 62),  # 0: a stretch
    target("communes_advanced", 2024, "increment", 4),  # 1
    target("communes_ntm", 2020, "level", 40),  # 2: past, met
    target("communes_ntm", 2025, "maintain", 100),  # 3
]


@pytest.fixture(scope="module")
def case():
    loc = rich_province(targets=TARGETS)
    return loc, context([loc])


@pytest.fixture(scope="module")
def table(case):
    loc, ctx = case
    return whatif(loc, ctx, PACES, n_paths=1000, seed=0)


def test_columns_and_blocks(table):
    assert list(table.columns) == WHATIF_COLUMNS
    assert len(table) == len(PACES) * len(TARGETS)
    assert list(table.pace) == [p for p in PACES for _ in TARGETS]


def test_probability_rises_with_pace(table):
    for i in (0, 1):
        probs = [table[table.pace == p].iloc[i].probability for p in PACES]
        assert probs == sorted(probs), (i, probs)
        assert probs[-1] > probs[0], (i, probs)


def test_data_decided_rows_do_not_move_with_pace(table):
    for i, status in ((2, "met"), (3, "not_modelled")):
        assert set(table[table.index % len(TARGETS) == i].status) == {status}


def test_required_pace_reaches_80_percent(case, table):
    loc, ctx = case
    needed = table.iloc[0].required_pace_p80
    assert math.isnan(needed) or (isinstance(needed, float) and needed > 0)
    assert not math.isnan(needed)  # a stretch, not an impossibility, on 100 communes
    assert (table.iloc[: len(TARGETS)].required_pace_p80.values[:2] > 0).all()
    fc = forecast_locality(
        loc,
        ctx,
        n_paths=2000,
        seed=0,
        pace=needed,
        metrics_only=with_bounding_standards("communes_ntm"),
    )
    assert assess_target(fc, loc.targets[0])["probability"] >= 0.75
    # the same value in every pace block, NaN where nothing is to be searched
    assert table[table.index % len(TARGETS) == 0].required_pace_p80.nunique() == 1
    assert table[table.index % len(TARGETS) == 2].required_pace_p80.isna().all()


def test_required_pace_nan_when_out_of_reach(case):
    _, ctx = case
    far = rich_province(targets=[target("communes_ntm", 2022, "level", 100)])
    assert math.isnan(required_pace(far, ctx, 0, n_paths=500))
    easy = rich_province(targets=[target("communes_ntm", 2026, "level", 51)])
    assert required_pace(easy, ctx, 0, n_paths=500) == pytest.approx(0.25)


def test_whatif_without_search(case):
    loc, ctx = case
    t = whatif(loc, ctx, (1.0,), n_paths=300, search=False)
    assert t.required_pace_p80.isna().all()
    assert t.iloc[2].status == "met"


def test_whatif_holds_codes_not_words(table):
    assert "status_label" not in table and "note" not in table
    maintain = table[table.index % len(TARGETS) == 3]
    assert {tuple(n.code for n in notes) for notes in maintain.notes} == {("note.maintain",)}
