"""`ntm-forecast import`: tables into params files."""

import csv
import datetime as dt
import os
import stat
import time

import pytest

from ntm_forecast.cli import main
from ntm_forecast.domain.params import load_locality
from ntm_forecast.domain.schema import slugify
from ntm_forecast.errors import InputError
from ntm_forecast.ingest.importer import REQUIRED, import_tables, read_table

HEADER = list(REQUIRED)  # the columns of the public figure files
URL = "https://example.vn/tin"
ROWS = [
    ["Hậu Giang", "province", "2019", "2019-12", "communes_ntm", "34", "51", "actual", URL, "34/51 xã"],  # noqa: E501
    ["Hậu Giang", "province", "2020", "2020", "communes_ntm_new_in_year", "2", "", "actual", URL,
     "thêm 2 xã [a note]"],
    ["Hậu Giang", "province", "2022", "", "communes_ntm", "39", "", "target", URL, "39 xã"],
    ["Hậu Giang", "province", "2021", "", "communes_ntm_share", "72", "", "actual", URL, "72%"],
    ["Hải Hà (Quảng Ninh)", "district", "2020", "2020-12", "communes_ntm", "10", "10", "actual",
     URL, "10/10 xã"],
    ["Quảng Ninh", "province", "2020", "", "communes_ntm", "100", "", "actual", URL, "100 xã"],
    ["Quảng Ninh (Quảng Bình)", "district", "2020", "", "communes_ntm", "5", "", "actual", URL,
     "5 xã"],
]  # fmt: skip


def write_csv(path, rows, header=HEADER):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def snapshot(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Hậu Giang", "hau_giang"),
        ("Bà Rịa – Vũng Tàu", "ba_ria_vung_tau"),
        ("Đắk Lắk", "dak_lak"),
        ("Thành phố Hồ Chí Minh", "ho_chi_minh"),
        ("Thừa Thiên Huế", "thua_thien_hue"),
    ],
)
def test_slugify(name, slug):
    assert slugify(name) == slug


def test_round_trip(tmp_path):
    table = write_csv(tmp_path / "t.csv", ROWS)
    into = tmp_path / "params"
    result = import_tables([table], into)
    assert sorted(p.name for p in into.iterdir()) == [
        "hai_ha.yaml",
        "hau_giang.yaml",
        "quang_ninh.yaml",
        "quang_ninh_quang_binh.yaml",
    ]
    hg = load_locality(into / "hau_giang.yaml")
    assert hg.name == "Hậu Giang" and hg.level == "province" and hg.parent == "vietnam"
    obs = {(o.metric, o.year, o.kind): o for o in hg.observations}
    assert obs[("communes_ntm", 2019, "level")].value == 34
    total = obs[("communes_total", 2019, "level")]
    assert total.value == 51 and total.note.startswith("DERIVED")
    inc = obs[("communes_ntm", 2020, "increment")]
    assert inc.value == 2 and inc.quote == "thêm 2 xã" and inc.note == "a note"
    share = obs[("communes_ntm_share", 2021, "level")]
    assert share.value == 72 and share.unit == "percent"
    assert [(t.metric, t.year, t.kind, t.value) for t in hg.targets] == [
        ("communes_ntm", 2022, "level", 39)
    ]
    hai_ha = load_locality(into / "hai_ha.yaml")
    assert (hai_ha.name, hai_ha.level, hai_ha.parent) == ("Hải Hà", "district", "quang_ninh")
    other = load_locality(into / "quang_ninh_quang_binh.yaml")
    assert (other.name, other.parent) == ("Quảng Ninh", "quang_binh")
    assert sum(len(c.added) for c in result.changes) == 9


def test_twice_changes_nothing(tmp_path):
    table = write_csv(tmp_path / "t.csv", ROWS)
    into = tmp_path / "params"
    import_tables([table], into)
    first = snapshot(into)
    again = import_tables([table], into)
    assert snapshot(into) == first
    assert not any(c.added for c in again.changes)
    assert all(c.skipped for c in again.changes)


def test_existing_entries_kept_in_order_and_conflicts_reported(tmp_path):
    into = tmp_path / "params"
    import_tables([write_csv(tmp_path / "a.csv", ROWS[:3])], into)
    before = load_locality(into / "hau_giang.yaml")
    changed = [["Hậu Giang", "province", "2019", "2019-12", "communes_ntm", "36", "", "actual",
                URL, "36 xã"]]  # fmt: skip
    result = import_tables([write_csv(tmp_path / "b.csv", changed)], into)
    after = load_locality(into / "hau_giang.yaml")
    assert after.observations[: len(before.observations)] == before.observations
    assert after.observations[-1].value == 36
    lines = result.report_lines()
    assert any("two actual values for communes_ntm in 2019: 34" in line for line in lines)
    # the same warning `check` gives
    from ntm_forecast.domain.checks import conflicting_values

    assert conflicting_values(after)


def test_dry_run_writes_nothing(tmp_path, capsys):
    table = write_csv(tmp_path / "t.csv", ROWS)
    into = tmp_path / "params"
    into.mkdir()
    code = main(["import", str(table), "--into", str(into), "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0
    assert list(into.iterdir()) == []
    assert "+ communes_ntm 2019 level actual = 34" in out
    assert "would be written" in out


BAD = [
    ("value", ["Hậu Giang", "province", "2019", "", "communes_ntm", "ba mươi", "", "actual", URL,
               "q"], ":2:value: expected a number, found 'ba mươi'"),
    ("year", ["Hậu Giang", "province", "1999", "", "communes_ntm", "3", "", "actual", URL, "q"],
     ":2:year: expected a year from 2000 to 2100, found 1999"),
    ("metric", ["Hậu Giang", "province", "2019", "", "roads_km", "3", "", "actual", URL, "q"],
     ":2:metric: expected one of"),
    ("status", ["Hậu Giang", "province", "2019", "", "communes_ntm", "3", "", "guess", URL, "q"],
     ":2:status: expected actual / estimate / plan / target, found 'guess'"),
]  # fmt: skip


@pytest.mark.parametrize(("what", "row", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_rows_one_line_each_and_nothing_touched(tmp_path, capsys, what, row, message):
    into = tmp_path / "params"
    import_tables([write_csv(tmp_path / "good.csv", ROWS[:1])], into)
    before = snapshot(into)
    good = write_csv(tmp_path / "more.csv", ROWS[1:])
    bad = write_csv(tmp_path / "bad.csv", [row])
    code = main(["import", str(good), str(bad), "--into", str(into)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and message in err[0] and err[0].startswith(str(bad))
    assert snapshot(into) == before  # all or nothing, across every table


def test_missing_column(tmp_path):
    table = write_csv(tmp_path / "t.csv", [r[:-1] for r in ROWS], header=HEADER[:-1])
    with pytest.raises(InputError) as info:
        read_table(table)
    assert info.value.lines == [f"{table}:1:quote: expected a column 'quote', found no such column"]


def test_not_utf8(tmp_path):
    table = tmp_path / "t.csv"
    head = ",".join(HEADER).encode() + b"\nH"
    table.write_bytes(head + b"\xe2u Giang\n")
    with pytest.raises(InputError) as info:
        read_table(table)
    found = f"byte 0xe2 at offset {len(head)}"  # the reader of every file: one text
    assert info.value.lines == [f"{table}: encoding: expected UTF-8 text, found {found}"]


def test_written_files_are_readable_by_others(tmp_path):
    into = tmp_path / "params"
    import_tables([write_csv(tmp_path / "t.csv", ROWS)], into)
    assert {os.stat(p).st_mode & 0o777 for p in into.iterdir()} == {0o644}


def row(name, level="province", year="2019", metric="communes_ntm", value="3", **kw):
    cells = {
        "locality": name,
        "level": level,
        "year": year,
        "as_of": kw.pop("as_of", ""),
        "metric": metric,
        "value": value,
        "denominator": kw.pop("denominator", ""),
        "status": kw.pop("status", "actual"),
        "source_url": kw.pop("source", URL),
        "quote": kw.pop("quote", f"{value} xã"),
    }
    return [cells[c] for c in HEADER]


@pytest.mark.parametrize("seed", ["1", "2", "3"])
def test_same_name_districts_get_the_same_files_whatever_the_hash_seed(tmp_path, seed):
    import subprocess
    import sys

    rows = [row(f"Châu Thành ({p})", "district") for p in ("Tiền Giang", "Bến Tre", "Sóc Trăng")]
    table = write_csv(tmp_path / "t.csv", rows)
    into = tmp_path / "p"
    code = (
        "from ntm_forecast.ingest.importer import import_tables; import sys; "
        "import_tables([sys.argv[1]], sys.argv[2])"
    )
    env = {**os.environ, "PYTHONHASHSEED": seed}
    subprocess.run([sys.executable, "-c", code, str(table), str(into)], check=True, env=env)
    assert sorted(p.name for p in into.iterdir()) == [
        "chau_thanh.yaml",  # Bến Tre comes first by its slug
        "chau_thanh_soc_trang.yaml",
        "chau_thanh_tien_giang.yaml",
    ]
    assert load_locality(into / "chau_thanh.yaml").parent == "ben_tre"


def test_spellings_of_one_place_are_one_file(tmp_path):
    import unicodedata

    nfd = unicodedata.normalize("NFD", "Hải Hà (Quảng Ninh)")
    rows = [row("Hải Hà (Quảng Ninh)", "district"), row(nfd, "district", year="2020"),
            row("Hai Ha (Quang Ninh)", "district", year="2021")]  # fmt: skip
    into = tmp_path / "p"
    import_tables([write_csv(tmp_path / "t.csv", rows)], into)
    assert [p.name for p in into.iterdir()] == ["hai_ha.yaml"]
    loc = load_locality(into / "hai_ha.yaml")
    assert loc.name == "Hải Hà" and len(loc.observations) == 3


def test_titles_are_stripped_with_their_diacritics():
    assert slugify("Tĩnh Gia") == "tinh_gia"
    assert slugify("Tịnh Biên") == "tinh_bien"
    assert slugify("Tỉnh Hà Tĩnh") == "ha_tinh"


def test_a_province_never_lands_in_a_district_file(tmp_path, capsys):
    into = tmp_path / "p"
    import_tables(
        [write_csv(tmp_path / "a.csv", [row("Quảng Ninh (Quảng Bình)", "district")])], into
    )
    assert [p.name for p in into.iterdir()] == ["quang_ninh.yaml"]
    before = snapshot(into)
    code = main(["import", str(write_csv(tmp_path / "b.csv", [row("Quảng Ninh")])), "--into",
                 str(into)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "quang_ninh.yaml: slug: expected the file of province" in err
    assert snapshot(into) == before


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({"value": "-5"}, ":2:value: expected a count ≥ 0, found -5"),
        ({"as_of": "2019-13-45"}, ":2:as_of: expected a real calendar date"),
        ({"value": "5.775"}, ":2:value: expected a whole number (Vietnamese '5.775' is 5775"),
        ({"value": "3.5"}, ":2:value: expected a whole number, found '3.5'"),
        ({"denominator": "0"}, ":2:denominator: expected a whole number > 0, found '0'"),
        ({"value": "60", "denominator": "51"}, ":2:value: expected communes_ntm ≤ communes_total"),
    ],
)
def test_problems_are_reported_at_the_table_row(tmp_path, capsys, cells, message):
    table = write_csv(tmp_path / "t.csv", [row("Hậu Giang", **cells)])
    code = main(["import", str(table), "--into", str(tmp_path / "p")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert err[0].startswith(str(table)) and message in err[0], err[0]
    assert not (tmp_path / "p").exists() or not list((tmp_path / "p").iterdir())


def test_origin_year_is_each_files_own_unless_given(tmp_path):
    rows = [row("Bạc Liêu", year="2016"), row("Cà Mau", year="2021")]
    table = write_csv(tmp_path / "t.csv", rows)
    import_tables([table], tmp_path / "a")
    assert load_locality(tmp_path / "a" / "bac_lieu.yaml").origin_year == 2016
    import_tables([table], tmp_path / "b", origin_year=2021)
    assert load_locality(tmp_path / "b" / "bac_lieu.yaml").origin_year == 2021


def test_one_page_recorded_twice_is_one_entry(tmp_path):
    rows = [row("Hậu Giang", as_of="2019-12"), row("Hậu Giang", as_of="2020-03-08")]
    into = tmp_path / "p"
    result = import_tables([write_csv(tmp_path / "t.csv", rows)], into)
    assert len(load_locality(into / "hau_giang.yaml").observations) == 1
    assert len(result.changes[0].skipped) == 1


def test_yml_files_are_found_and_comments_refused(tmp_path, capsys):
    into = tmp_path / "p"
    import_tables([write_csv(tmp_path / "t.csv", [row("Hậu Giang")])], into)
    (into / "hau_giang.yaml").rename(into / "hau_giang.yml")
    import_tables([write_csv(tmp_path / "u.csv", [row("Hậu Giang", year="2020")])], into)
    assert [p.name for p in into.iterdir()] == ["hau_giang.yml"]
    text = (into / "hau_giang.yml").read_text(encoding="utf-8")
    (into / "hau_giang.yml").write_text("# checked by hand\n" + text, encoding="utf-8")
    code = main(["import", str(tmp_path / "t.csv"), "--into", str(into)])
    assert code == 2 and "line 1: expected no YAML comments" in capsys.readouterr().err


def test_unwritable_folder_is_one_line(tmp_path, capsys):
    table = write_csv(tmp_path / "t.csv", [row("Hậu Giang")])
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code = main(["import", str(table), "--into", str(blocker / "sub")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "expected a writable directory" in err[0]


UNIT_HEADER = ["new_unit", "former_units", "resolution", "effective_date", "source_url", "quote"]


def test_units_are_checked_with_their_members_before_writing(tmp_path, capsys):
    into = tmp_path / "p"
    import_tables([write_csv(tmp_path / "t.csv", [row("Hậu Giang"), row("Sóc Trăng")])], into)
    before = snapshot(into)
    units = [["Cần Thơ", "Hậu Giang;Sóc Trăng", "202/2025/QH15", "2025-07-01", URL, "q"],
             ["Khác", "Hậu Giang;Sóc Trăng", "202/2025/QH15", "2025-07-01", URL, "q"]]  # fmt: skip
    table = write_csv(tmp_path / "u.csv", units, header=UNIT_HEADER)
    code = main(["import", str(table), "--into", str(into)])
    assert code == 2 and "expected a locality in one unit only" in capsys.readouterr().err
    assert snapshot(into) == before
    bad_date = [["Cần Thơ", "Hậu Giang;Sóc Trăng", "202/2025/QH15", "1/7/2025", URL, "q"]]
    code = main(["import", str(write_csv(tmp_path / "v.csv", bad_date, header=UNIT_HEADER)),
                 "--into", str(into)])  # fmt: skip
    assert code == 2 and ":2:effective_date: expected a date YYYY-MM-DD" in capsys.readouterr().err
    good = write_csv(tmp_path / "w.csv", units[:1], header=UNIT_HEADER)
    import_tables([good], into)
    unit = load_locality(into / "can_tho.yaml")
    assert unit.members == ("hau_giang", "soc_trang")


def test_every_problem_across_entries_is_at_its_own_row(tmp_path):
    rows = [row("Hậu Giang", value="60", denominator="51", as_of="2019-12"),
            row("Hậu Giang", metric="communes_advanced", value="70", as_of="2019-12")]  # fmt: skip
    table = write_csv(tmp_path / "t.csv", rows)
    with pytest.raises(InputError) as info:
        import_tables([table], tmp_path / "p")
    assert info.value.lines == [
        f"{table}:2:value: expected communes_ntm ≤ communes_total 51 in 2019, found 60",
        f"{table}:3:value: expected communes_advanced ≤ communes_total 51 in 2019, found 70",
        f"{table}:3:value: expected communes_advanced ≤ communes_ntm (60) in 2019, found 70",
    ]
    assert [p.code for p in info.value.problems] == ["above_total", "above_total", "unnested"]


def test_a_problem_of_an_entry_already_in_the_file_is_the_files(tmp_path):
    into = tmp_path / "p"
    first = row("Hậu Giang", metric="communes_advanced", value="5", as_of="2019-12")
    import_tables([write_csv(tmp_path / "a.csv", [first])], into)
    later = write_csv(tmp_path / "b.csv", [row("Hậu Giang", as_of="2019-12")])  # 3 < 5
    with pytest.raises(InputError) as info:
        import_tables([later], into)
    assert info.value.lines == [
        f"{into / 'hau_giang.yaml'}: observations[0].value: expected communes_advanced ≤ "
        "communes_ntm (3) in 2019, found 5"
    ]


def test_a_schema_problem_of_a_row_is_in_the_documented_words(tmp_path):
    header = [*HEADER, "unit"]
    table = write_csv(tmp_path / "t.csv", [[*row("Hậu Giang", metric="Xã Mới"), "xã"]], header)
    with pytest.raises(InputError) as info:
        import_tables([table], tmp_path / "p")
    assert info.value.lines == [
        f"{table}:2:metric: expected text matching ^[a-z][a-z0-9_]*$, found 'Xã Mới' (str)"
    ]


# --- the units of 1 July 2025 (level unit_2025) and the notes of the tables -------------

MERGERS = [["Cần Thơ", "Cần Thơ;Hậu Giang;Sóc Trăng", "202/2025/QH15", "2025-07-01", URL, "q"]]
PROVINCES = ["Cần Thơ", "Hậu Giang", "Sóc Trăng", "Điện Biên", "Thừa Thiên Huế"]


def provinces_and_units(tmp_path, figures, *, mergers_first=False):
    """Province files, the mergers table and `figures` (unit_2025 rows) in one import, or
    with `mergers_first` the mergers in an import of their own before the figures."""
    into = tmp_path / "p"
    base = write_csv(tmp_path / "provinces.csv", [row(p) for p in PROVINCES])
    mergers = write_csv(tmp_path / "mergers.csv", MERGERS, header=UNIT_HEADER)
    table = write_csv(tmp_path / "units.csv", figures)
    if mergers_first:
        import_tables([base, mergers], into)
        return into, import_tables([table], into), table
    return into, import_tables([base, table, mergers], into), table


def observed(loc, metric):
    return [o for o in loc.observations if o.metric == metric]


@pytest.mark.parametrize("mergers_first", [False, True])
def test_unit_figures_go_to_the_unit_or_the_province_that_did_not_merge(tmp_path, mergers_first):
    figures = [
        row("Cần Thơ", "unit_2025", "2025", "communes_total", "72", as_of="2025-10"),
        row("Điện Biên", "unit_2025", "2025", "communes_total", "42", as_of="2025-11"),
        row("Huế", "unit_2025", "2025", "communes_total", "19", as_of="2025-11"),
    ]
    into, _, _ = provinces_and_units(tmp_path, figures, mergers_first=mergers_first)
    files = {p.stem: load_locality(p) for p in into.iterdir()}
    merged = {
        slug: [o.value for o in observed(loc, "communes_total")] for slug, loc in files.items()
    }
    assert merged == {
        "can_tho_2025": [72],  # the unit keeps the name of a member: its own file
        "can_tho": [], "hau_giang": [], "soc_trang": [],
        "dien_bien": [42],  # did not merge: its own unit
        "thua_thien_hue": [19],  # Huế is the former Thừa Thiên Huế
    }  # fmt: skip
    assert all(o.after_merger for slug in merged for o in observed(files[slug], "communes_total"))
    assert files["can_tho_2025"].members == ("can_tho", "hau_giang", "soc_trang")


@pytest.mark.parametrize(
    "name", ["Atlantis", "Hậu Giang"], ids=["unknown", "merged into another unit"]
)
def test_a_unit_nobody_knows_is_a_problem_at_its_row(tmp_path, name):
    figures = [row("Điện Biên", "unit_2025", "2025"), row(name, "unit_2025", "2025")]
    with pytest.raises(InputError) as info:
        provinces_and_units(tmp_path, figures)
    table = tmp_path / "units.csv"
    expected = "a unit of the mergers table, or a province that did not merge"
    assert info.value.lines == [f"{table}:3:locality: expected {expected}, found {name!r}"]
    assert not (tmp_path / "p").exists()  # all or nothing


def test_mergers_mark_each_member_and_a_second_import_changes_nothing(tmp_path):
    figures = [row("Cần Thơ", "unit_2025", "2025", "communes_ntm", "40", as_of="2025-10")]
    into, first, table = provinces_and_units(tmp_path, figures)
    assert {s: load_locality(into / f"{s}.yaml").merged_into for s in
            ("can_tho", "hau_giang", "soc_trang", "dien_bien")} == {
        "can_tho": "can_tho_2025", "hau_giang": "can_tho_2025", "soc_trang": "can_tho_2025",
        "dien_bien": None,
    }  # fmt: skip
    assert sum(len(c.added) for c in first.changes) > 0
    before = snapshot(into)
    tables = [tmp_path / "provinces.csv", table, tmp_path / "mergers.csv"]
    again = import_tables(tables, into)
    assert snapshot(into) == before
    assert not any(c.added or c.conflicts for c in again.changes)


def test_every_trailing_note_is_read(tmp_path):
    rows = [row("Hậu Giang", value="34", quote="có 34 xã [UNDATED] [DERIVED: 34 = 30 + 4]")]
    into = tmp_path / "p"
    import_tables([write_csv(tmp_path / "t.csv", rows)], into)
    (o,) = load_locality(into / "hau_giang.yaml").observations
    assert o.quote == "có 34 xã"
    assert o.note == "UNDATED; DERIVED: 34 = 30 + 4"


OF_NTM = "[denominator: the communes at the NTM standard, not all communes]"


@pytest.mark.parametrize(
    ("metric", "quote", "expected"),
    [
        ("communes_ntm", "30/58 xã", {("communes_total", 58, "all communes")}),
        ("communes_advanced", f"30/58 xã {OF_NTM}",
         {("communes_ntm", 58, "the communes at the NTM standard")}),
        ("communes_ntm", "30/58 xã [partial: 58 reported]", set()),
        ("communes_ntm", "30/58 xã [UNDATED] [partial: 58 reported]", set()),
    ],
    ids=["all communes", "the NTM communes", "partial", "partial, second note"],
)  # fmt: skip
def test_a_denominator_counts_what_the_words_say(tmp_path, metric, quote, expected):
    rows = [row("Hậu Giang", metric=metric, value="30", denominator="58", quote=quote)]
    into = tmp_path / "p"
    import_tables([write_csv(tmp_path / "t.csv", rows)], into)
    derived = {
        (o.metric, o.value, o.note.split("(")[-1].rstrip(")"))
        for o in load_locality(into / "hau_giang.yaml").observations
        if o.note and o.note.startswith("DERIVED")
    }
    assert derived == expected


def test_a_share_of_the_ntm_communes_says_so(tmp_path):
    note = "[share of the NTM communes]"
    rows = [
        row("Hậu Giang", metric="communes_advanced_share", value="40", quote=f"40% {note}"),
        row("Hậu Giang", metric="communes_advanced_share", value="40", year="2025",
            status="target", quote=f"40% {note}"),
        row("Hậu Giang", metric="communes_ntm_share", value="70", year="2025", status="target",
            quote="70%"),
    ]  # fmt: skip
    into = tmp_path / "p"
    import_tables([write_csv(tmp_path / "t.csv", rows)], into)
    loc = load_locality(into / "hau_giang.yaml")
    assert [o.share_of for o in loc.observations] == ["communes_ntm"]
    assert [(t.metric, t.kind, t.share_of) for t in loc.targets] == [
        ("communes_advanced", "share", "communes_ntm"),
        ("communes_ntm", "share", None),  # all communes
    ]


@pytest.mark.parametrize(
    ("value", "note", "amount"),
    [
        ("17", "[RANGE 17-19: 'từ 17 đến 19 xã']", (None, 17, 19)),
        ("20", "[range 20-25; lower bound recorded]", (None, 20, 25)),
        ("22", "[range 20-25; the middle recorded]", (22, None, None)),  # not the lower end
    ],
)
def test_a_range_target_is_a_range(tmp_path, value, note, amount):
    rows = [row("Hậu Giang", year="2025", value=value, status="target", quote=f"q {note}")]
    into = tmp_path / "p"
    import_tables([write_csv(tmp_path / "t.csv", rows)], into)
    (t,) = load_locality(into / "hau_giang.yaml").targets
    assert (t.value, t.min, t.max) == amount


@pytest.mark.parametrize(
    ("locality", "level", "metric", "as_of", "note", "after"),
    [
        ("Điện Biên", "unit_2025", "communes_ntm", "2025-11", "", True),
        ("Điện Biên", "unit_2025", "communes_ntm_share", "2025-11", "", True),
        ("Điện Biên", "unit_2025", "communes_ntm", "2025-11", "[BEFORE MERGER: 116 xã cũ]", False),
        ("Điện Biên", "unit_2025", "communes_ntm", "2025-11",
         "[BEFORE COMMUNE MERGER: pre-1 July 2025 communes]", False),
        ("Điện Biên", "unit_2025", "communes_ntm", "2025-11", "[old commune structure]", False),
        ("Điện Biên", "unit_2025", "communes_ntm", "2025-11",
         "[UNDATED] [sum of pre-merger communes]", False),
        ("Điện Biên", "unit_2025", "communes_total", "",
         "[UNDATED; identified from the 106/175 pre-merger count]", True),
        ("Việt Nam", "national", "communes_ntm", "2025-07", "", True),
        ("Việt Nam", "national", "communes_ntm", "2025-06", "", False),
        ("Việt Nam", "national", "communes_ntm", "2025", "", False),
        ("Điện Biên", "province", "communes_ntm", "2025-11", "", False),
        ("Điện Biên", "province", "communes_ntm", "2025-11", "[post-merger communes]", True),
        ("Điện Biên", "unit_2025", "ocop_total", "2025-11", "", False),
        ("Việt Nam", "national", "ocop_total", "2025-11", "[post-merger]", False),
    ],
)  # fmt: skip
def test_after_merger_marks_counts_of_the_merged_communes(
    tmp_path, locality, level, metric, as_of, note, after
):
    figure = row(locality, level, "2025", metric, "12", as_of=as_of, quote=f"12 xã {note}")
    into, _, _ = provinces_and_units(tmp_path, [figure])
    slug = "vietnam" if level == "national" else "dien_bien"
    (o,) = [o for o in load_locality(into / f"{slug}.yaml").observations if o.year == 2025]
    assert o.after_merger is after


def test_old_and_merged_figures_of_one_year_are_no_conflict(tmp_path):
    before = "[BEFORE MERGER: old commune structure as of 30/6/2025]"
    figures = [
        row("Điện Biên", "unit_2025", "2025", value="116", as_of="2025-11", quote=f"q {before}"),
        row("Điện Biên", "unit_2025", "2025", value="30", as_of="2025-11", quote="q"),
    ]
    into, result, _ = provinces_and_units(tmp_path, figures)
    loc = load_locality(into / "dien_bien.yaml")
    assert [(o.value, o.after_merger) for o in observed(loc, "communes_ntm") if o.year == 2025] == [
        (116, False),
        (30, True),
    ]
    assert not any(c.conflicts for c in result.changes)
    other = [row("Điện Biên", "unit_2025", "2025", value="110", as_of="2025-11",
                 source="https://example.vn/khac", quote=f"q {before}")]  # fmt: skip
    again = import_tables([write_csv(tmp_path / "more.csv", other)], into)
    lines = again.report_lines()
    assert any("two actual values for communes_ntm in 2025: 116" in line for line in lines)
    assert [o.value for o in observed(load_locality(into / "dien_bien.yaml"), "communes_ntm")
            if o.year == 2025 and not o.after_merger] == [116, 110]  # fmt: skip


@pytest.mark.parametrize(
    ("figures", "problem"),
    [
        ([("communes_ntm", "144", "[BEFORE MERGER: pre-merger communes]"),
          ("communes_total", "70", "")], None),
        ([("communes_ntm", "80", ""), ("communes_total", "70", "")], ("above_total", 2)),
        ([("communes_ntm", "40", ""), ("communes_modern", "45", "")], ("unnested", 3)),
        ([("communes_ntm", "40", "[BEFORE MERGER: old]"), ("communes_modern", "45", "")], None),
    ],
    ids=["old over merged total", "merged over merged total", "modern over ntm",
         "modern and ntm of other communes"],
)  # fmt: skip
def test_counts_are_checked_within_one_kind_of_communes(tmp_path, figures, problem):
    rows = [row("Điện Biên", "unit_2025", "2025", metric, value, as_of="2025-11",
                quote=f"q {note}") for metric, value, note in figures]  # fmt: skip
    if problem is None:
        into, _, _ = provinces_and_units(tmp_path, rows)
        loc = load_locality(into / "dien_bien.yaml")
        assert sum(o.year == 2025 for o in loc.observations) == 2
        return
    with pytest.raises(InputError) as info:
        provinces_and_units(tmp_path, rows)
    assert [(p.code, p.row) for p in info.value.problems] == [problem]


def test_the_released_tables_are_already_in_params(tmp_path):
    """End to end on the real data on purpose: params/ holds every figure of data/ (the
    import is idempotent), so importing them again writes nothing."""
    import shutil
    from pathlib import Path

    root = Path(__file__).parents[2]
    into = tmp_path / "params"
    shutil.copytree(root / "params", into)
    public = root / "data" / "public"
    # The Makefile's TABLES, in its order.
    names = ("public_observations", "provinces_to_2021", "figures_2022_2025", "units_2025")
    tables = [public / f"{name}.csv" for name in names]
    tables += sorted((root / "data" / "found").glob("*.csv"))
    tables.append(public / "mergers_2025.csv")
    before = snapshot(into)
    result = import_tables(tables, into, origin_year=2025)
    added = [(c.slug, e["metric"], e["year"]) for c in result.changes for _, e in c.added]
    assert added == []
    assert snapshot(into) == before


# ---------------------------------------------------------------- careless and hostile input


def one_line(capsys, argv) -> str:
    """The one line a failing `import` says; it must exit 2."""
    code = main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    return err[0]


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({"value": "1.000"}, ":2:value: expected a whole number (Vietnamese '1.000' is 1000: "),
        ({"denominator": "1.000"}, ":2:denominator: expected a whole number > 0 (Vietnamese '1.0"),
        ({"value": "1_000"}, ":2:value: expected a number in the digits 0-9, found '1_000'"),
        ({"value": "٣"}, ":2:value: expected a number in the digits 0-9, found '٣'"),
        ({"value": "１２"}, ":2:value: expected a number in the digits 0-9, found '１２'"),
        ({"year": "２０１９"}, ":2:year: expected a year from 2000 to 2100, found '２０１９'"),
        ({"as_of": "٢٠١٩"}, ":2:as_of: expected a date YYYY, YYYY-MM or YYYY-MM-DD, found '٢٠١٩'"),
    ],
)
def test_only_ascii_digits_and_no_thousands_dot_in_counts(tmp_path, capsys, cells, message):
    table = write_csv(tmp_path / "t.csv", [row("Hậu Giang", **cells)])
    line = one_line(capsys, ["import", str(table), "--into", str(tmp_path / "p")])
    assert line.startswith(str(table)) and message in line, line
    assert not (tmp_path / "p").exists()


def test_a_date_in_the_future_is_warned_at_its_row(tmp_path):
    today = dt.date(2026, 12, 3)
    rows = [
        row("Hậu Giang", year="2026", as_of="2026-12-03"),  # today: known
        row("Hậu Giang", year="2026", as_of="2026-12-04", value="4"),
        row("Hậu Giang", year="2099", as_of="2026-11", value="5"),
        row("Hậu Giang", year="2030", status="target", value="40"),  # a plan's year: fine
        row("Hậu Giang", year="2028", status="plan", value="30"),
    ]
    table = write_csv(tmp_path / "t.csv", rows)
    result = import_tables([table], tmp_path / "p", today=today)
    assert [str(w) for w in result.changes[0].warnings] == [
        f"{table}:3:as_of: expected a date not after today (2026-12-03), found '2026-12-04'",
        f"{table}:4:year: expected a year of a figure known by now (at most 2027), found 2099",
    ]
    assert f"  ? {table}:4:year" in "\n".join(result.report_lines())
    assert len(load_locality(tmp_path / "p" / "hau_giang.yaml").observations) == 4  # kept


def test_a_repeated_or_unknown_column_is_refused_with_a_close_match(tmp_path):
    twice = write_csv(tmp_path / "a.csv", [[*r, "x"] for r in ROWS[:1]], [*HEADER, "value"])
    with pytest.raises(InputError) as info:
        read_table(twice)
    assert info.value.lines == [f"{twice}:1:value: expected a column named once, found 2 columns"]
    typo = write_csv(tmp_path / "b.csv", [[*r, "x", "y"] for r in ROWS[:1]],
                     [*HEADER, "notes", "colour"])  # fmt: skip
    with pytest.raises(InputError) as info:
        read_table(typo)
    assert info.value.lines[0] == (
        f"{typo}:1:notes: expected a known column (did you mean `note`?), found `notes`"
    )
    assert info.value.lines[1].startswith(f"{typo}:1:colour: expected a known column (one of ")
    blank = write_csv(tmp_path / "c.csv", [[*r, ""] for r in ROWS[:1]], [*HEADER, ""])
    with pytest.raises(InputError) as info:
        read_table(blank)
    assert info.value.lines[0].endswith("), found a column without a name")


@pytest.mark.parametrize(
    ("name", "found"),
    [("Hậu\nGiang", "U+000A"), ("Hậu\rGiang", "U+000D"), ("Hậu \u202eGiang", "U+202E"),
     ("\u200eHậu Giang", "U+200E"), ("Hậu\u2066 Giang", "U+2066")],
)  # fmt: skip
def test_control_and_direction_characters_in_a_name_are_refused(tmp_path, capsys, name, found):
    table = write_csv(tmp_path / "t.csv", [row(name)])
    line = one_line(capsys, ["import", str(table), "--into", str(tmp_path / "p")])
    assert line == (
        f"{table}:2:locality: expected a name without control or direction characters, "
        f"found {found}"
    )


def test_a_windows_device_name_never_becomes_a_file_name(tmp_path):
    rows = [row("CON"), row("Nul"), row("com1"), row("LPT9 (Hà Nội)", level="district")]
    import_tables([write_csv(tmp_path / "t.csv", rows)], tmp_path / "p")
    assert sorted(p.name for p in (tmp_path / "p").iterdir()) == [
        "com1_.yaml", "con_.yaml", "lpt9_.yaml", "nul_.yaml"
    ]  # fmt: skip
    assert slugify("Côn") == "con_" and slugify("Côn Đảo") == "con_dao"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("X" * 300, "locality: expected a name of at most 100 characters, found 300 characters"),
        ("—?!", "locality: expected a name with a letter or a digit, found '—?!'"),
        ("Hải Hà (—)", "locality: expected a name with a letter or a digit, found 'Hải Hà (—)'"),
    ],
)
def test_a_name_no_file_can_bear_is_one_line_at_its_row(tmp_path, capsys, name, message):
    level = "district" if "(" in name else "province"
    table = write_csv(tmp_path / "t.csv", [row(name, level=level)])
    line = one_line(capsys, ["import", str(table), "--into", str(tmp_path / "p")])
    assert line == f"{table}:2:{message}"
    assert not (tmp_path / "p").exists()


@pytest.mark.parametrize("kind", ["symlink", "read-only"])
def test_a_symlinked_or_read_only_params_file_is_refused_not_replaced(tmp_path, capsys, kind):
    into = tmp_path / "p"
    import_tables([write_csv(tmp_path / "t.csv", [row("Hậu Giang"), row("Sóc Trăng")])], into)
    target = into / "hau_giang.yaml"
    if kind == "symlink":
        real = tmp_path / "kept" / "hau_giang.yaml"
        real.parent.mkdir()
        target.rename(real)
        target.symlink_to(real)
    else:
        target.chmod(0o444)
    before = snapshot(into)
    more = write_csv(
        tmp_path / "u.csv", [row("Sóc Trăng", year="2020"), row("Hậu Giang", year="2020")]
    )
    line = one_line(capsys, ["import", str(more), "--into", str(into)])
    assert line.startswith(f"{target}: file: expected a ")
    assert snapshot(into) == before  # Sóc Trăng's file untouched too: all or nothing
    assert target.is_symlink() == (kind == "symlink")
    assert kind == "symlink" or stat.S_IMODE(target.stat().st_mode) == 0o444


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_import_of_an_endless_file_ends_at_once(tmp_path, capsys):
    started = time.perf_counter()
    line = one_line(capsys, ["import", "/dev/zero", "--into", str(tmp_path / "p")])
    assert line == "/dev/zero: file: expected a file of at most 16 MB, found more"
    assert time.perf_counter() - started < 2


def test_twenty_thousand_rows_of_one_place_import_at_once(tmp_path):
    # Each row its own figure: a day of its own, a bare-year one in ten (conflicts, kept).
    rows = []
    for k in range(20_000):
        year, day = 2000 + k % 26, k // 26
        as_of = (
            str(year) if day % 10 == 0 else f"{year}-{1 + day // 28 % 12:02d}-{1 + day % 28:02d}"
        )
        rows.append(row("Hậu Giang", year=str(year), metric="ocop_total", value=str(k),
                        as_of=as_of, source=f"{URL}/{k}"))  # fmt: skip
    table = write_csv(tmp_path / "t.csv", rows)
    started = time.perf_counter()
    result = import_tables([table], tmp_path / "p", dry_run=True)
    assert time.perf_counter() - started < 15  # quadratic matching took minutes
    assert len(result.changes[0].added) == 20_000
