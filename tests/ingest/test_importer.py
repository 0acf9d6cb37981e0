"""`ntm-forecast import`: tables into params files."""

import csv
import os

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
