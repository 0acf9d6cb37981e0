"""Units made of members (the provinces of 1 July 2025), the 100% share pin, stale figures."""

import numpy as np
import pytest

from ntm_forecast.cli import main
from ntm_forecast.domain.checks import stale_metrics
from ntm_forecast.domain.history import build_series
from ntm_forecast.domain.members import is_summed
from ntm_forecast.domain.params import dump_params, load_many, load_or_raise
from ntm_forecast.domain.schema import Locality
from ntm_forecast.engine.forecast import Context, forecast_locality
from ntm_forecast.errors import InputError

SRC = {"source": "https://example.vn/a", "quote": "q [DERIVED]"}


def obs(metric, year, value, **kw):
    return {"metric": metric, "year": year, "value": value, "status": "actual",
            "as_of": f"{year}-12", "kind": "level", **SRC, **kw}  # fmt: skip


def province(slug, figures, **kw):
    return {
        "name": slug.title(),
        "slug": slug,
        "level": "province",
        "parent": "vietnam",
        "origin_year": 2021,
        "observations": figures,
        "targets": [],
        **kw,
    }


def write(folder, data):
    folder.mkdir(exist_ok=True)
    (folder / f"{data['slug']}.yaml").write_text(dump_params(data), encoding="utf-8")


def commune_history(total, levels):
    out = [obs("communes_total", 2016, total)]
    out += [obs("communes_ntm", y, v) for y, v in levels.items()]
    return out


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "params"
    write(d, province("a", commune_history(50, {2017: 10, 2018: 15, 2019: 20, 2020: 26})))
    write(d, province("b", commune_history(80, {2017: 30, 2018: 36, 2020: 44, 2021: 50})))
    write(d, province("c", commune_history(60, {2016: 5, 2018: 12, 2019: 20, 2020: 25})))
    write(d, province("u", [], members=["a", "b", "c"], name="Unit"))
    return d


def test_history_is_the_sum_where_every_member_has_a_figure(folder):
    unit = load_or_raise([folder]).localities["u"]
    summed = {(o.metric, o.year): o.value for o in unit.observations if is_summed(o.note)}
    # 2018: 15 + 36 + 12; 2020: 26 + 44 + 25; 2017, 2019, 2021 are gaps (a member has none)
    assert summed[("communes_ntm", 2018)] == 63
    assert summed[("communes_ntm", 2020)] == 95
    assert ("communes_ntm", 2017) not in summed
    assert ("communes_ntm", 2019) not in summed
    assert ("communes_ntm", 2021) not in summed
    assert summed[("communes_total", 2016)] == 190


def test_member_loaded_from_the_folder_when_only_the_unit_is_asked(folder):
    loaded = load_or_raise([folder / "u.yaml"])
    assert list(loaded.localities) == ["u"]
    assert any(is_summed(o.note) for o in loaded.localities["u"].observations)


@pytest.mark.parametrize(
    ("units", "message"),
    [
        ({"u": ["a", "zz"]}, "members[1]: expected the slug of a params file, found 'zz'"),
        ({"u": ["a", "b"], "v": ["b", "c"]}, "expected a locality in one unit only, found 'b'"),
        ({"u": ["v"], "v": ["u"]}, "members: expected no cycle of units, found u → v → u"),
        ({"u": ["u"]}, "members[0]: expected another locality, found itself"),
    ],
)
def test_member_errors_exit_2(tmp_path, capsys, units, message):
    d = tmp_path / "params"
    for slug in "abc":
        write(d, province(slug, commune_history(50, {2018: 10})))
    for slug, members in units.items():
        write(d, province(slug, [], members=members))
    with pytest.raises(InputError) as info:
        load_or_raise([d])
    assert any(message in line for line in info.value.lines)
    assert main(["check", str(d)]) == 2
    assert message in capsys.readouterr().err


def test_unit_is_not_a_data_point_of_the_pool(folder):
    locs = load_or_raise([folder]).localities
    with_unit = Context.from_localities(locs.values())
    without = Context.from_localities(v for k, v in locs.items() if k != "u")
    a, b = with_unit.hazards["communes_ntm"], without.hazards["communes_ntm"]
    assert np.allclose(a.coef, b.coef) and a.tau == b.tau


def test_unit_forecast_is_coherent_with_its_members(folder):
    locs = load_or_raise([folder]).localities
    ctx = Context.from_localities(locs.values())
    fcs = {s: forecast_locality(locs[s], ctx, n_paths=2000, seed=1) for s in locs}
    year = 2023
    summed = sum(fcs[m]["communes_ntm"].at(year) for m in "abc")
    unit = np.median(fcs["u"]["communes_ntm"].at(year))
    assert summed.min() <= unit <= summed.max()
    assert np.quantile(summed, 0.05) <= unit <= np.quantile(summed, 0.95)
    # bottom-up: the unit's paths are its members' paths added, path by path
    assert fcs["u"]["communes_ntm"].model == "sum_of_members"
    assert np.array_equal(fcs["u"]["communes_ntm"].at(year), summed)


def test_unit_with_its_own_figure_is_forecast_from_its_history(folder):
    locs = load_or_raise([folder]).localities
    own = obs("communes_ntm", 2021, 100)
    unit = locs["u"].model_copy(update={"observations": (*locs["u"].observations,
                                                         Locality.model_validate(
        province("x", [own]), strict=False).observations[0])})  # fmt: skip
    ctx = Context.from_localities(locs.values())
    fc = forecast_locality(unit, ctx, n_paths=500, seed=1)
    assert fc["communes_ntm"].model != "sum_of_members"


def test_full_share_pins_the_level_to_the_total():
    # Shaped like Hà Tĩnh: counts to 2019, then only "100% of communes" in 2023.
    figures = [
        obs("communes_ntm", 2017, 113),
        obs("communes_ntm", 2018, 158),
        obs("communes_total", 2018, 229),
        obs("communes_ntm", 2019, 173),
        obs("communes_ntm_share", 2023, 100, unit="percent"),
    ]
    loc = Locality.model_validate(province("h", figures, origin_year=2023), strict=False)
    s = build_series(loc, "communes_ntm")
    assert s.points[-1].value == 229 and s.points[-1].year == 2023
    fc = forecast_locality(loc, Context.from_localities([loc]), n_paths=500, seed=0)
    assert np.all(fc["communes_ntm"].at(2024) == 229)


def test_full_share_without_a_total_is_said_not_forecast():
    figures = [
        obs("communes_ntm", 2018, 158),
        obs("communes_ntm", 2019, 173),
        obs("communes_ntm_share", 2023, 100, unit="percent"),
    ]
    loc = Locality.model_validate(province("h", figures, origin_year=2023), strict=False)
    fc = forecast_locality(loc, Context.from_localities([loc]), n_paths=500, seed=0)
    assert "communes_ntm" not in fc
    reason = next(s.reason for s in fc.skipped if s.metric == "communes_ntm")
    assert "number of communes is not known" in reason


def test_stale_metric_warned_and_carried_to_targets(tmp_path):
    figures = [obs("communes_total", 2016, 50), obs("communes_ntm", 2018, 20)]
    target = {"metric": "communes_ntm", "year": 2023, "kind": "level", "value": 30, **SRC}
    data = province("s", figures, origin_year=2021, targets=[target])
    loc = Locality.model_validate(data, strict=False)
    found = stale_metrics(loc)
    assert [f.metric for f in found] == ["communes_ntm"]
    assert "2018, 3 years before origin_year 2021" in found[0].message
    fresh = Locality.model_validate({**data, "origin_year": 2019}, strict=False)
    assert not stale_metrics(fresh)
    from ntm_forecast.assess.targets import assess_targets
    from ntm_forecast.i18n.messages import render_notes

    fc = forecast_locality(loc, Context.from_localities([loc]), n_paths=300, seed=0)
    notes = assess_targets(fc).iloc[0]["notes"]  # codes, put in words by the reader's language
    assert "số liệu mới nhất của Xã đạt chuẩn NTM là năm 2018" in render_notes(notes, "vi")
    assert "latest figure of NTM communes is for 2018" in render_notes(notes, "en")
    write(tmp_path / "p", data)
    assert any("latest figure" in w for w in load_many([tmp_path / "p"]).warnings)


def test_a_broken_unit_leaves_the_good_ones_in(folder):
    write(folder, province("v", [], members=["a", "zz"], name="Broken"))
    loaded = load_many([folder])
    assert "u" in loaded.localities and "v" not in loaded.localities
    assert any(e.field == ("members", 1) and e.file.stem == "v" for e in loaded.errors)
    good = load_or_raise([folder / "u.yaml"])  # asking for the good unit alone works
    assert "u" in good.localities


def test_full_share_uses_a_total_published_after_it():
    figures = [
        obs("communes_ntm", 2019, 173),
        obs("communes_ntm_share", 2023, 100, unit="percent"),
        obs("communes_total", 2023, 181, as_of="2024-03"),  # stated later than the share
    ]
    loc = Locality.model_validate(province("h", figures, origin_year=2023), strict=False)
    assert build_series(loc, "communes_ntm").points[-1].value == 181
    assert not stale_metrics(loc)  # the pinned share is its latest figure, not the 2019 count


def test_a_sum_is_known_only_when_its_last_part_was_published(folder):
    write(folder, province("a", [obs("communes_ntm", 2020, 26, as_of="2021-12-15"),
                                 obs("communes_total", 2016, 50)]))  # fmt: skip
    unit = load_or_raise([folder]).localities["u"]
    summed = {(o.metric, o.year): o for o in unit.observations if is_summed(o.note)}
    assert summed[("communes_ntm", 2020)].as_of == "2021-12-15"  # a's figure came late
    assert summed[("communes_total", 2016)].as_of == "2016-12"


def test_a_cut_unit_sums_its_members_as_known_at_the_cut(folder):
    # A backtest or hindcast cuts the unit; its members must be cut with it, or their paths
    # would start at their own origin year and run past the unit's horizon.
    from ntm_forecast.engine.forecast import cut_at

    locs = load_or_raise([folder]).localities
    ctx = Context.from_localities(locs.values(), until=2019.0)
    fc = forecast_locality(cut_at(locs["u"], 2018), ctx, horizon=2, n_paths=500, seed=1)
    years = fc["communes_ntm"].years
    assert years.min() >= 2018 and years.max() == 2020


def test_a_units_merged_communes_do_not_stop_its_members_old_sum():
    from ntm_forecast.domain.members import combine

    def loc(slug, figures, **kw):
        return Locality.model_validate(province(slug, figures, **kw), strict=False)

    members = [
        loc("a", [obs("communes_ntm", 2025, 40, as_of="2025-06")]),
        loc("b", [obs("communes_ntm", 2025, 55, as_of="2025-06")]),
    ]
    merged = obs("communes_ntm", 2025, 30, as_of="2025-10", after_merger=True)
    old = obs("communes_ntm", 2025, 99, as_of="2025-06")
    unit = loc("u", [merged], members=["a", "b"])
    figures = [
        (o.value, o.after_merger, is_summed(o.note)) for o in combine(unit, members).observations
    ]
    assert sorted(figures) == [(30, True, False), (95, False, True)]
    # the unit's own figure of the old communes does stand in for the sum
    stated = combine(loc("u", [merged, old], members=["a", "b"]), members).observations
    assert sorted(o.value for o in stated) == [30, 99]
