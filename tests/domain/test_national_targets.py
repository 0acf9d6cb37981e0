"""The national share targets of 2026–2030 stand in for a unit's own where it has none."""

import pytest

from ntm_forecast.domain.national_targets import national_shares, with_national_targets
from ntm_forecast.domain.params import dump_params, load_many
from ntm_forecast.domain.schema import Locality

SRC = {"source": "https://example.vn/qd", "quote": "q"}


def target(metric, year, value, kind="share", as_of=None, **kw):
    return {"metric": metric, "year": year, "kind": kind, "value": value, **SRC,
            **({"as_of": as_of} if as_of else {}), **kw}  # fmt: skip


def figures(total):
    return [{"metric": "communes_total", "year": 2024, "value": total, "status": "actual",
             "as_of": "2024-12", **SRC}]  # fmt: skip


def place(slug, targets=(), level="province", **kw):
    parent = {"national": None, "district": "b"}.get(level, "vietnam")
    return {"name": slug.title(), "slug": slug, "level": level, "origin_year": 2025,
            "observations": figures(50) if level != "national" else [], "targets": list(targets),
            **({"parent": parent} if parent else {}), **kw}  # fmt: skip


NATIONAL = [
    target("communes_ntm", 2030, 65, as_of="2026-02-10"),
    target("communes_ntm", 2030, 90, as_of="2025-02-25", note="DRAFT"),
    target("communes_modern", 2030, 10, as_of="2026-02-10"),
    target("communes_ntm", 2025, 80, as_of="2021-01"),  # of the period before
    target("provinces_ntm", 2030, 5, kind="level", as_of="2026-02-10"),  # a count
    target("communes_ntm", 2030, 7000, kind="level", as_of="2026-02-10"),  # a count
]


def national(targets=NATIONAL):
    return Locality.model_validate(place("vietnam", targets, level="national"), strict=False)


@pytest.mark.parametrize("order", [1, -1], ids=["draft listed after", "draft listed before"])
def test_the_latest_stated_national_share_applies(order):
    shares = national_shares(national(NATIONAL[::order]))
    assert [(t.metric, t.year, t.value) for t in shares] == [
        ("communes_modern", 2030, 10),
        ("communes_ntm", 2030, 65),
    ]


def _stand_ins(data):
    loc = Locality.model_validate(data, strict=False)
    got = with_national_targets(loc, national_shares(national()))
    return [(t.metric, t.kind, t.value, t.from_national) for t in got.targets]


def test_a_unit_without_a_target_of_its_own_is_held_to_the_national_share():
    assert _stand_ins(place("u")) == [
        ("communes_modern", "share", 10, True),
        ("communes_ntm", "share", 65, True),
    ]


def test_a_unit_with_its_own_target_keeps_only_its_own():
    own = target("communes_ntm", 2030, 40, kind="level")  # of another kind, still its own
    assert _stand_ins(place("u", [own])) == [
        ("communes_ntm", "level", 40, False),
        ("communes_modern", "share", 10, True),
    ]


@pytest.mark.parametrize(
    "data",
    [place("a", merged_into="u"), place("d", level="district")],
    ids=["former province", "district"],
)
def test_a_former_province_or_a_district_gets_none(data):
    assert _stand_ins(data) == []


def write(folder, data):
    folder.mkdir(exist_ok=True)
    (folder / f"{data['slug']}.yaml").write_text(dump_params(data), encoding="utf-8")


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "params"
    write(d, place("vietnam", NATIONAL, level="national"))
    write(d, place("a", merged_into="u"))
    write(d, place("b", merged_into="u"))
    write(d, place("u", [target("communes_modern", 2030, 15)], members=["a", "b"]))
    write(d, place("c"))  # a province that did not merge
    write(d, place("d", level="district"))
    return d


def marked(loc):
    return sorted((t.metric, t.value) for t in loc.targets if t.from_national)


def test_loading_a_folder_marks_the_stand_ins(folder):
    locs = load_many([folder]).localities
    assert {slug: marked(loc) for slug, loc in locs.items()} == {
        "vietnam": [],
        "a": [],
        "b": [],
        "u": [("communes_ntm", 65)],  # its own modern target stays its own
        "c": [("communes_modern", 10), ("communes_ntm", 65)],
        "d": [],
    }
    assert [t.value for t in locs["u"].targets if t.metric == "communes_modern"] == [15]


def test_the_national_file_is_read_from_the_folder_when_not_asked_for(folder):
    locs = load_many([folder / "c.yaml"]).localities
    assert list(locs) == ["c"]
    assert marked(locs["c"]) == [("communes_modern", 10), ("communes_ntm", 65)]
