"""Data checks on the locality files in params/.

Every observation and target must carry a non-empty quote that contains its
number in some written form (Vietnamese "206.989,3", "70,59", "02"; English
"1,800", "8.8"), unless its note says the figure is DERIVED, and a source that
is a seed file name or an http(s) URL.  A few spot checks pin figures from each
seed.  Uses only PyYAML and the standard library.
"""

import math
import re
from pathlib import Path

import pytest
import yaml

PARAMS = Path(__file__).parents[2] / "params"
FILES = sorted(PARAMS.glob("*.yaml"))
SEED_RE = re.compile(r"^\d{3}_[0-9a-f]{16}\.txt$")
URL_RE = re.compile(r"^https?://\S+$")

_UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}


# Vietnamese number words before a counted noun ("ba xã", "hai huyện").
_VI_WORDS = {"một": 1, "hai": 2, "ba": 3, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "tám": 8,
             "chín": 9, "mười": 10}  # fmt: skip


def numbers_in(text):
    """All values a number written in `text` can stand for.

    A token such as "206.989,3" or "1,800" is read both with every separator as
    a thousands mark and with the last separator as the decimal mark, so that
    Vietnamese and English styles both match.  English number words up to 99
    ("Sixty one") are read too.
    """
    found = set()
    for tok in re.findall(r"\d+(?:[.,]\d+)*", text):
        found.add(float(re.sub(r"[.,]", "", tok)))
        m = re.match(r"^(.*)[.,](\d+)$", tok)
        if m:
            found.add(float(re.sub(r"[.,]", "", m.group(1)) + "." + m.group(2)))
    low = text.lower()
    for word, n in _VI_WORDS.items():
        if re.search(rf"(?<!\w){word}\s+(xã|huyện|sản phẩm|địa phương|đơn vị|thôn)", low):
            found.add(float(n))
    words = re.findall(r"[a-z]+", low)
    for i, w in enumerate(words):
        if w in _UNITS:
            found.add(float(_UNITS[w]))
        elif w in _TENS:
            v = _TENS[w]
            found.add(float(v))
            if i + 1 < len(words) and words[i + 1] in _UNITS and _UNITS[words[i + 1]] < 10:
                found.add(float(v + _UNITS[words[i + 1]]))
    return found


def written_in(value, text):
    return any(math.isclose(float(value), n, rel_tol=0, abs_tol=1e-9) for n in numbers_in(text))


def load(path):
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def entries(data):
    for section in ("observations", "targets"):
        for i, e in enumerate(data.get(section) or []):
            yield f"{section}[{i}] {e.get('metric')} {e.get('year')}", e


def test_params_files_exist():
    names = {p.stem for p in FILES}
    for slug in ("vietnam", "hau_giang", "ha_tinh", "thai_nguyen", "ly_nhan", "hai_ha"):
        assert slug in names


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_header(path):
    d = load(path)
    assert d["slug"] == path.stem
    assert re.fullmatch(r"[a-z0-9_]+", d["slug"])
    assert d["level"] in ("national", "province", "district")
    assert isinstance(d["origin_year"], int)
    if d["level"] == "national":
        assert "parent" not in d
    else:
        assert d.get("parent")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_quotes_sources_and_values(path):
    d = load(path)
    problems = []
    for where, e in entries(d):
        quote = e.get("quote")
        if not isinstance(quote, str) or not quote.strip():
            problems.append(f"{where}: empty quote")
            continue
        src = str(e.get("source", ""))
        if not (SEED_RE.match(src) or URL_RE.match(src)):
            problems.append(f"{where}: bad source {src!r}")
        if "as_of" in e and not isinstance(e["as_of"], str):
            problems.append(f"{where}: as_of must be a string")
        note = str(e.get("note") or "")
        if note.startswith("DERIVED"):
            continue
        fields = [f for f in ("value", "min", "max") if f in e]
        if not fields:
            problems.append(f"{where}: no value/min/max")
        for f in fields:
            if not written_in(e[f], quote):
                problems.append(f"{where}: {f}={e[f]} not written in quote {quote!r}")
    assert not problems, "\n".join(problems)


def test_number_reader():
    assert written_in(206989.3, "là 206.989,3 triệu đồng")
    assert written_in(70.59, "(đạt tỷ lệ 70,59%)")
    assert written_in(1800, "(or 1,800)")
    assert written_in(1800, "1.800 xã")
    assert written_in(2, "ít nhất 02 sản phẩm mới")
    assert written_in(61, "Sixty one district-level localities")
    assert not written_in(1, "Quyết định số 1896/QĐ-TTg")
    assert written_in(3, "tỉnh có ba xã đạt chuẩn")
    assert not written_in(5, "trong năm 2019")


def find(d, section, metric, year, **kw):
    out = []
    for e in d[section]:
        if (
            e["metric"] == metric
            and e["year"] == year
            and all(e.get(k) == v for k, v in kw.items())
        ):
            out.append(e)
    assert out, f"no {section} {metric} {year} {kw}"
    return out


def values(d, section, metric, year, **kw):
    return [e.get("value") for e in find(d, section, metric, year, **kw)]


def test_spot_hau_giang():
    d = load(PARAMS / "hau_giang.yaml")
    assert 36 in values(d, "observations", "communes_ntm", 2021, status="estimate", kind="level")
    assert 34 in values(d, "observations", "communes_ntm", 2021, status="actual", kind="level")
    assert 70.59 in values(d, "observations", "communes_ntm_share", 2021)
    assert 39 in values(d, "targets", "communes_ntm", 2022, kind="level")
    assert 116 in values(d, "targets", "ocop_total", 2022, kind="level")
    assert 30 in values(d, "targets", "ocop_total", 2022, kind="increment")
    assert 66 in values(d, "observations", "ocop_total", 2021)
    # the year-end 2020 back-cast is dated by the report it comes from (15/12/2021)
    derived = find(d, "observations", "communes_ntm", 2020, as_of="2021-12-15")
    assert derived[0]["value"] == 32 and derived[0]["note"].startswith("DERIVED")


def test_spot_ha_tinh():
    d = load(PARAMS / "ha_tinh.yaml")
    assert d["origin_year"] == 2025  # the tables stand at 2025 (`make params`)
    assert values(d, "targets", "communes_advanced", 2024, kind="increment") == [20]
    assert values(d, "targets", "communes_model", 2024, kind="increment") == [5]
    assert find(d, "targets", "communes_ntm", 2024, kind="maintain")
    assert values(d, "targets", "ocop_total", 2024, kind="increment") == [50]
    assert 337 in values(d, "observations", "ocop_total", 2023, kind="level")
    assert values(d, "observations", "communes_ntm", 2023, kind="increment") == [4]
    assert values(d, "observations", "ntm_funds_mobilised", 2023) == [95.539]
    # No source used states the total; the ones recorded are derived from shares.
    totals = find(d, "observations", "communes_total", 2018)
    assert all(e["value"] == 229 and "DERIVED" in e["quote"] + str(e.get("note")) for e in totals)


def test_spot_thai_nguyen():
    d = load(PARAMS / "thai_nguyen.yaml")
    assert values(d, "observations", "communes_total", 2020) == [137, 139]  # a conflict, kept
    assert 143 not in values(d, "observations", "communes_total", 2020)
    assert 103 in values(d, "observations", "communes_ntm", 2020, status="actual", kind="level")
    assert 108 in values(d, "observations", "communes_ntm", 2020, status="estimate", kind="level")
    assert 72 in values(d, "observations", "communes_ntm_share", 2020, status="actual")
    assert 75.5 in values(d, "observations", "communes_ntm_share", 2020, status="estimate")
    assert values(d, "targets", "communes_ntm", 2020, kind="increment") == [5]
    assert values(d, "targets", "communes_ntm", 2021, kind="increment") == [7]
    assert 76 in values(d, "observations", "ocop_total", 2020, kind="level")
    assert values(d, "observations", "communes_criterion_transport", 2020) == [112]


def test_spot_ly_nhan():
    d = load(PARAMS / "ly_nhan.yaml")
    assert d["parent"] == "ha_nam" and d["level"] == "district"
    t = find(d, "targets", "communes_model", 2022, kind="increment")[0]
    assert (t["min"], t["max"]) == (1, 2)
    assert values(d, "observations", "communes_model", 2021) == [5]
    assert values(d, "targets", "income_per_capita", 2022) == [64]
    assert values(d, "targets", "poverty_rate", 2022) == [6.5]
    assert values(d, "targets", "ocop_total", 2022, kind="level") == [9]
    assert values(d, "observations", "communes_total", 2020) == [22]


def test_spot_hai_ha():
    d = load(PARAMS / "hai_ha.yaml")
    assert d["parent"] == "quang_ninh"
    assert values(d, "observations", "ntm_funds_mobilised", 2021) == [206989.3]
    assert 10 in values(d, "observations", "communes_ntm", 2020)
    assert values(d, "observations", "avg_advanced_criteria", 2021, kind="level") == [5.7]
    assert values(d, "observations", "ocop_total", 2021) == [29]
    assert values(d, "targets", "gardens_ntm", 2022, kind="increment") == [90]
    assert values(d, "targets", "income_per_capita", 2022) == [67.8]


def test_spot_vietnam():
    d = load(PARAMS / "vietnam.yaml")
    assert "parent" not in d and d["level"] == "national"
    assert 8267 in values(d, "observations", "communes_total", 2021, as_of="2021-04")
    assert 8233 in values(d, "observations", "communes_total", 2021, as_of="2021-12")
    assert 5615 in values(d, "observations", "communes_ntm", 2021, as_of="2021-12")
    ntm_2018 = values(d, "observations", "communes_ntm", 2018)
    assert 3787 in ntm_2018
