from pathlib import Path

import pytest

from ntm_forecast.domain.names import bare_name, display_name, display_names, short_name
from ntm_forecast.domain.params import load_many
from ntm_forecast.domain.schema import Locality

PARAMS = Path(__file__).resolve().parents[2] / "params"


def _loc(slug: str, name: str, level: str = "province", **extra) -> Locality:
    return Locality(name=name, slug=slug, level=level, origin_year=2025, **extra)


@pytest.fixture()
def folder() -> dict[str, Locality]:
    locs = [
        _loc("can_tho", "Cần Thơ", merged_into="can_tho_2025"),
        _loc("soc_trang", "Sóc Trăng", merged_into="can_tho_2025"),
        _loc("hau_giang", "Hậu Giang", merged_into="can_tho_2025"),
        _loc("can_tho_2025", "Cần Thơ", members=("soc_trang", "hau_giang", "can_tho")),
        _loc("quang_binh", "Quảng Bình"),
        _loc("quang_ninh", "Quảng Ninh"),
        _loc("quang_ninh_quang_binh", "Quảng Ninh", "district", parent="quang_binh"),
        _loc("ho_chi_minh", "Thành phố Hồ Chí Minh"),
    ]
    return {loc.slug: loc for loc in locs}


def test_each_kind_of_place_is_named_with_what_it_is(folder):
    names = display_names(folder)
    assert names["can_tho_2025"] == (
        "thành phố Cần Thơ (từ 1/7/2025 gồm Cần Thơ, Sóc Trăng, Hậu Giang)"
    )
    assert names["can_tho"] == "thành phố Cần Thơ (đến 30/6/2025)"
    assert names["hau_giang"] == "tỉnh Hậu Giang (đến 30/6/2025)"
    assert names["quang_ninh_quang_binh"] == "huyện Quảng Ninh, tỉnh Quảng Bình"
    assert names["quang_ninh"] == "tỉnh Quảng Ninh"
    # a title kept in the file's name is not said twice
    assert names["ho_chi_minh"] == "thành phố Hồ Chí Minh"


def test_names_in_english(folder):
    assert (
        display_name(folder["hau_giang"], folder, "en") == "Hậu Giang province (until 30 June 2025)"
    )
    assert (
        display_name(folder["quang_ninh_quang_binh"], folder, "en")
        == "Quảng Ninh district, Quảng Bình province"
    )


def test_a_member_of_a_unit_is_dated_even_without_merged_into(folder):
    folder["soc_trang"] = _loc("soc_trang", "Sóc Trăng")
    assert display_name(folder["soc_trang"], folder) == "tỉnh Sóc Trăng (đến 30/6/2025)"


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_display_names_are_unique_across_params(lang):
    """End to end on the released params: no two files look alike to a reader."""
    loaded = load_many([PARAMS])
    names = display_names(loaded.localities, lang)
    assert len(names) > 80
    seen: dict[str, str] = {}
    for slug, name in names.items():
        assert name not in seen, f"{slug} and {seen[name]} are both shown as {name!r}"
        seen[name] = slug
    since = {"vi": "từ 1/7/2025 gồm", "en": "from 1 July 2025, formed from"}[lang]
    until = {"vi": "đến 30/6/2025", "en": "until 30 June 2025"}[lang]
    localities = loaded.localities
    for slug, loc in localities.items():
        if loc.members:  # a unit says since when and what it is made of
            members = [bare_name(localities[m]) for m in loc.members]
            assert since in names[slug] and all(m in names[slug] for m in members), names[slug]
        if loc.merged_into:
            assert until in names[slug], names[slug]
        if loc.level == "district":  # a district with its province
            assert names[slug].endswith(short_name(localities[loc.parent], lang)), names[slug]
