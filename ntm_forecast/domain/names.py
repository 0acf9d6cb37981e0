"""One name per place: what a reader sees for a locality, unique across a params folder.

A params file's `name` is the place's own name ("Cần Thơ"), shared by the province before
1 July 2025 and the unit formed that day. `display_name` adds what the place is and, for the
two sides of the merger, since or until when: "thành phố Cần Thơ (từ 1/7/2025 gồm Cần Thơ,
Sóc Trăng, Hậu Giang)", "tỉnh Hậu Giang (đến 30/6/2025)", "huyện Quảng Ninh, tỉnh Quảng Bình".
"""

from __future__ import annotations

from collections.abc import Mapping

from ntm_forecast.domain.schema import Locality
from ntm_forecast.i18n.messages import word

# The centrally-run cities (thành phố trực thuộc trung ương), by slug: the provinces of that
# rank and the units of 1 July 2025 that kept it. "thua_thien_hue" is the province of the
# params files (its figures are those of tỉnh Thừa Thiên Huế); a file of the city Huế
# (from 2025) would be "hue".
CITIES = frozenset(
    {
        "ha_noi",
        "hue",
        "hai_phong",
        "hai_phong_2025",
        "da_nang",
        "da_nang_2025",
        "can_tho",
        "can_tho_2025",
        "ho_chi_minh",
        "ho_chi_minh_2025",
    }
)

# An administrative title some files keep in their name ("Thành phố Hồ Chí Minh").
_TITLES = ("thành phố ", "tỉnh ", "huyện ", "tp. ", "tp ")


def bare_name(loc: Locality) -> str:
    """The place's name without a title: "Thành phố Hồ Chí Minh" → "Hồ Chí Minh"."""
    name = loc.name.strip()
    for title in _TITLES:
        if name.lower().startswith(title) and len(name) > len(title):
            return name[len(title) :].strip()
    return name


def kind_of(loc: Locality) -> str:
    """What the place is, a code: national, city, province or district (`level.<code>`)."""
    if loc.level == "province" and loc.slug in CITIES:
        return "city"
    return loc.level


def short_name(loc: Locality, lang: str = "vi") -> str:
    """The name with what the place is: "tỉnh Hậu Giang", "thành phố Cần Thơ"."""
    if loc.level == "national":
        return loc.name
    return word(f"name.{kind_of(loc)}", lang, name=bare_name(loc))


def display_name(loc: Locality, localities: Mapping[str, Locality], lang: str = "vi") -> str:
    """The name a reader sees, unique among ``localities`` (the folder ``loc`` was loaded
    with; a member or parent missing from it is named by its slug)."""
    own = short_name(loc, lang)
    if loc.members:
        # The member whose name the unit keeps first, then the others in the file's order.
        members = [localities.get(m) for m in loc.members]
        named = [bare_name(m) if m is not None else slug for m, slug in zip(members, loc.members)]
        named.sort(key=lambda n: n != bare_name(loc))
        return word("name.unit", lang, name=own, members=", ".join(named))
    if loc.merged_into or any(loc.slug in u.members for u in localities.values()):
        return word("name.merged", lang, name=own)
    if loc.level == "district" and loc.parent:
        parent = localities.get(loc.parent)
        province = short_name(parent, lang) if parent is not None else loc.parent
        return word("name.in_province", lang, name=own, province=province)
    return own


def display_names(localities: Mapping[str, Locality], lang: str = "vi") -> dict[str, str]:
    """slug → display name for every locality of a folder."""
    return {slug: display_name(loc, localities, lang) for slug, loc in localities.items()}
