"""`ntm-forecast import`: tables into params files."""

import csv
import os

import pytest

from ntm_forecast.cli import main
from ntm_forecast.errors import InputError
from ntm_forecast.importer import REQUIRED, import_tables, read_table, slugify
from ntm_forecast.params import load_locality

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
    from ntm_forecast.checks import conflicting_values

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
    table.write_bytes(",".join(HEADER).encode() + b"\nH\xe2u Giang\n")
    with pytest.raises(InputError) as info:
        read_table(table)
    assert "encoding: expected UTF-8 CSV text" in info.value.lines[0]


def test_written_files_are_readable_by_others(tmp_path):
    into = tmp_path / "params"
    import_tables([write_csv(tmp_path / "t.csv", ROWS)], into)
    assert {os.stat(p).st_mode & 0o777 for p in into.iterdir()} == {0o644}
