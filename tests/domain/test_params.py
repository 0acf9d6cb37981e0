"""Loading params files: one line per problem, the real files, generated input."""

import math
import re
import shutil
import tempfile
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from ntm_forecast.domain import metrics
from ntm_forecast.domain.params import discover, load_locality, load_many, load_or_raise
from ntm_forecast.domain.schema import Locality
from ntm_forecast.errors import EXIT_BAD_INPUT, InputError

HERE = Path(__file__).parents[1]
DATA = HERE / "data"
BAD = DATA / "bad"
WARN = DATA / "warn"
GOOD = DATA / "good"
PARAMS = HERE.parent / "params"
REAL = ["ha_tinh", "hai_ha", "hau_giang", "ly_nhan", "thai_nguyen", "vietnam"]
N_REAL = 94  # 63 provinces, 23 merged units of 2025, 7 districts, the country

# file stem -> (the field the line names, a word of what was found)
BAD_FILES = {
    "not_utf8": ("encoding", "0xff"),
    "not_yaml": ("line 2", "expected ',' or ']'"),
    "object_tag": ("line 1", "python/object/apply:os.system"),
    "missing_field": ("origin_year", "nothing"),
    "unknown_field": ("population", "unknown field 'population'"),
    "wrong_type": ("origin_year", "'hai nghìn' (str)"),
    "unknown_metric_no_unit": ("observations[0].unit", "found none"),
    "negative_count": ("observations[0].value", "found -3"),
    "above_total": ("observations[1].value", "found 51"),
    "model_above_advanced": ("observations[1].value", "found 5"),
    "advanced_above_ntm": ("observations[1].value", "found 12"),
    "year_out_of_range": ("observations[0].year", "found 1999"),
    "bad_slug": ("slug", "'Bad-Slug'"),
    "slug_mismatch": ("slug", "'some_other_slug'"),
    "target_no_value": ("targets[0].value", "found neither"),
    "target_min_above_max": ("targets[0].min", "min 3 > max 1"),
    "share_out_of_range": ("targets[0].value", "found 120"),
}


def form(path) -> re.Pattern:
    """The documented one-line form: ``<path>: <field>: expected ..., found ...``."""
    return re.compile(rf"^{re.escape(str(path))}: [^:\n]+: expected .+, found .+$")


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


HEAD = "name: Tỉnh Thử\nslug: {slug}\nlevel: province\norigin_year: 2021\n"


def test_every_bad_file_is_covered():
    assert sorted(p.stem for p in BAD.glob("*.yaml")) == sorted(BAD_FILES)


@pytest.mark.parametrize("stem", sorted(BAD_FILES))
def test_bad_file_one_line(stem):
    path = BAD / f"{stem}.yaml"
    field, found = BAD_FILES[stem]
    with pytest.raises(InputError) as e:
        load_locality(path)
    assert e.value.exit_code == EXIT_BAD_INPUT
    assert len(e.value.lines) == 1, e.value.lines
    line = e.value.lines[0]
    assert form(path).match(line), line
    assert line.startswith(f"{path}: {field}: expected ")
    assert found in line.split(": expected ", 1)[1]


def test_object_tag_builds_nothing(tmp_path):
    marker = tmp_path / "pwned"
    p = write(tmp_path, "tag.yaml",
              f"name: !!python/object/apply:os.system ['touch {marker}']\n"
              + HEAD.format(slug="tag").split("\n", 1)[1])  # fmt: skip
    with pytest.raises(InputError, match="without object tags"):
        load_locality(p)
    assert not marker.exists()


@pytest.mark.parametrize(
    "text, field",
    [
        ("", "(top level)"),
        ("- a\n- b\n", "(top level)"),
        ("just text\n", "(top level)"),
        (HEAD.format(slug="x") + "name: Y\n", "line 5"),  # duplicate key
        (HEAD.format(slug="x") + "observations: {a: 1}\n", "observations"),
        (HEAD.format(slug="x") + "observations:\n  - hello\n", "observations[0]"),
        (HEAD.format(slug="x") + "notes: !!binary aGVsbG8=\n", "notes"),
        (HEAD.format(slug="x") + "---\n" + HEAD.format(slug="x"), "line 5"),
    ],
)
def test_other_malformed_files(tmp_path, text, field):
    p = write(tmp_path, "x.yaml", text)
    with pytest.raises(InputError) as e:
        load_locality(p)
    assert len(e.value.lines) == 1
    assert form(p).match(e.value.lines[0]), e.value.lines
    assert e.value.lines[0].startswith(f"{p}: {field}: ")


def test_missing_file(tmp_path):
    p = tmp_path / "absent.yaml"
    with pytest.raises(InputError) as e:
        load_locality(p)
    assert form(p).match(e.value.lines[0])
    assert ": file: expected a readable file" in e.value.lines[0]


def test_several_problems_one_line_each(tmp_path):
    p = write(tmp_path, "x.yaml",
              "name: ''\nslug: x\nlevel: city\norigin_year: 1990\ncolour: red\n")  # fmt: skip
    with pytest.raises(InputError) as e:
        load_locality(p)
    fields = sorted(line.split(": ")[1] for line in e.value.lines)
    assert fields == ["colour", "level", "name", "origin_year"]
    assert all(form(p).match(line) for line in e.value.lines)


def test_nesting_and_total_problems_one_line_each(tmp_path):
    obs = "".join(
        f"  - {{metric: {m}, year: 2021, value: {v}, status: actual, source: s, quote: q}}\n"
        for m, v in [("communes_total", 10), ("communes_ntm", 11), ("communes_advanced", 12)]
    )
    p = write(tmp_path, "x.yaml", HEAD.format(slug="x") + "observations:\n" + obs)
    with pytest.raises(InputError) as e:
        load_locality(p)
    assert len(e.value.lines) == 3
    assert all(form(p).match(line) for line in e.value.lines), e.value.lines


@pytest.mark.parametrize("as_of", ["2021-13", "2021-02-30"])
def test_bad_as_of_has_documented_form(tmp_path, as_of):
    p = write(tmp_path, "x.yaml", HEAD.format(slug="x") + (
        "observations:\n  - {metric: communes_ntm, year: 2021, value: 3, status: actual, "
        f"as_of: '{as_of}', source: s, quote: q}}\n"))  # fmt: skip
    with pytest.raises(InputError) as e:
        load_locality(p)
    assert len(e.value.lines) == 1
    assert form(p).match(e.value.lines[0]), e.value.lines
    assert as_of in e.value.lines[0]


def test_complex_key_is_an_input_error(tmp_path):
    p = write(tmp_path, "x.yaml", HEAD.format(slug="x") + "? [a, b]\n: 2\n")
    with pytest.raises(InputError) as e:
        load_locality(p)
    assert form(p).match(e.value.lines[0]), e.value.lines


def test_bom_is_accepted(tmp_path):
    p = tmp_path / "x.yaml"
    p.write_bytes(b"\xef\xbb\xbf" + HEAD.format(slug="x").encode())
    assert load_locality(p).slug == "x"


@pytest.mark.parametrize("path", sorted(GOOD.glob("*.yaml")) + sorted(WARN.glob("*.yaml")),
                         ids=lambda p: p.stem)  # fmt: skip
def test_good_and_warn_files_load(path):
    loc = load_locality(path)
    assert isinstance(loc, Locality)
    assert loc.slug == path.stem
    assert loc.name == "Tỉnh Thử" or loc.name == "Việt Nam"


def test_good_full_file_values():
    loc = load_locality(GOOD / "full.yaml")
    assert loc.parent == "vietnam"
    assert len(loc.observations) == 9 and len(loc.targets) == 5
    rng = [t for t in loc.targets if t.min is not None]
    assert [(t.low, t.high) for t in rng] == [(1, 2)]
    assert loc.observations[0].as_of == "2020-12"
    assert loc.unit_of("villages_ntm") == "villages"


def test_load_locality_accepts_str_path():
    assert load_locality(str(GOOD / "minimal.yaml")).slug == "minimal"


# ---------------------------------------------------------------- the real files


@pytest.mark.parametrize("stem", REAL)
def test_real_file_loads(stem):
    path = PARAMS / f"{stem}.yaml"
    loc = load_locality(path)
    assert loc.slug == path.stem == stem
    assert loc.observations and loc.targets
    assert 2000 <= loc.origin_year <= 2100


def test_real_files_are_every_locality():
    stems = {p.stem for p in discover([PARAMS])}
    assert len(stems) == N_REAL and set(REAL) <= stems


def _obs(loc, metric, year, status, kind="level"):
    return [o.value for o in loc.observations
            if (o.metric, o.year, o.status, o.kind) == (metric, year, status, kind)]  # fmt: skip


def _tgt(loc, metric, year, kind):
    return [t.low for t in loc.targets if (t.metric, t.year, t.kind) == (metric, year, kind)]


def test_hau_giang_key_figures():
    loc = load_locality(PARAMS / "hau_giang.yaml")
    assert loc.name == "Hậu Giang" and loc.level == "province" and loc.parent == "vietnam"
    assert 36 in _obs(loc, "communes_ntm", 2021, "estimate")
    assert _tgt(loc, "communes_ntm", 2022, "level") == [39]
    assert 51 in _obs(loc, "communes_total", 2021, "actual") + _obs(
        loc, "communes_total", 2020, "actual"
    )
    assert 116 in _tgt(loc, "ocop_total", 2022, "level")
    assert 30 in _tgt(loc, "ocop_total", 2022, "increment")
    assert 66 in _obs(loc, "ocop_total", 2021, "actual")


def test_ha_tinh_key_figures():
    loc = load_locality(PARAMS / "ha_tinh.yaml")
    assert loc.name == "Hà Tĩnh" and loc.parent == "vietnam"
    assert _tgt(loc, "communes_advanced", 2024, "increment") == [20]


def test_thai_nguyen_share_figures():
    loc = load_locality(PARAMS / "thai_nguyen.yaml")
    assert 72 in _obs(loc, "communes_ntm_share", 2020, "actual") + _obs(
        loc, "communes_ntm_share", 2020, "estimate"
    )
    assert 137 in [o.value for o in loc.observations if o.metric == "communes_total"]


def test_district_parents():
    assert load_locality(PARAMS / "hai_ha.yaml").parent == "quang_ninh"
    assert load_locality(PARAMS / "ly_nhan.yaml").parent == "ha_nam"
    assert load_locality(PARAMS / "vietnam.yaml").level == "national"


# ---------------------------------------------------------------- discover, load_many


def test_discover_default_is_params(tmp_path, monkeypatch):
    (tmp_path / "params").mkdir()
    for name in ("b.yaml", "a.yml"):
        stem = name.split(".")[0]
        write(
            tmp_path / "params",
            name,
            f"{{name: {stem}, slug: {stem}, level: province, origin_year: 2022}}",
        )
    write(tmp_path / "params", "notes.txt", "")
    monkeypatch.chdir(tmp_path)
    assert [p.name for p in discover()] == ["a.yml", "b.yaml"]
    assert [p.name for p in discover(None)] == ["a.yml", "b.yaml"]


def test_discover_keeps_files_as_given(tmp_path):
    f = tmp_path / "whatever.txt"
    assert discover([f, GOOD]) == [f, *sorted(GOOD.glob("*.yaml"))]


def test_discover_empty_folder(tmp_path):
    with pytest.raises(InputError) as e:
        discover([tmp_path])
    assert form(tmp_path).match(e.value.lines[0])


def test_load_many_good_folder():
    loaded = load_many([GOOD])
    assert loaded.ok and loaded.errors == [] and loaded.warnings == []
    assert sorted(loaded.localities) == ["full", "minimal", "vietnam"]
    assert loaded.paths["full"] == GOOD / "full.yaml"


def test_load_many_collects_every_bad_file():
    loaded = load_many([BAD])
    assert not loaded.ok
    assert len(loaded.errors) == len(BAD_FILES)
    for stem in BAD_FILES:
        assert sum(e.file == BAD / f"{stem}.yaml" for e in loaded.errors) == 1
    assert loaded.localities == {}


def test_load_many_keeps_good_files_next_to_bad_ones():
    loaded = load_many([GOOD / "minimal.yaml", BAD / "negative_count.yaml"])
    assert list(loaded.localities) == ["minimal"]
    assert len(loaded.errors) == 1 and loaded.errors[0].file == BAD / "negative_count.yaml"


def test_two_files_one_slug():
    folder = BAD / "duplicate_slug"
    loaded = load_many([folder])
    assert list(loaded.localities) == ["twin"]
    assert len(loaded.errors) == 1
    line = str(loaded.errors[0])
    assert form(folder / "twin.yml").match(line), line
    assert line.startswith(f"{folder / 'twin.yml'}: slug: ")
    assert str(folder / "twin.yaml") in line


def test_load_or_raise():
    assert load_or_raise([GOOD]).ok
    with pytest.raises(InputError) as e:
        load_or_raise([GOOD, BAD / "bad_slug.yaml", BAD / "wrong_type.yaml"])
    assert len(e.value.lines) == 2


def test_load_many_real_params_valid():
    loaded = load_many([PARAMS])
    assert loaded.ok, loaded.errors[:3]
    assert len(loaded.localities) == N_REAL and set(REAL) <= set(loaded.localities)
    units = [loc for loc in loaded.localities.values() if loc.members]
    assert len(units) == 23  # the 34 units of 2025, less the 11 that did not merge


# ---------------------------------------------------------------- generated input

SNAKE = st.from_regex(r"[a-z][a-z0-9_]{0,15}", fullmatch=True)
METRICS = st.one_of(st.sampled_from(sorted(metrics.CORE)), SNAKE, st.text(max_size=8))
UNITS = st.one_of(
    st.none(),
    st.sampled_from(["communes", "percent", "%", "million_vnd", "criteria/8", "criteria", "x"]),
)
YEARS = st.one_of(st.integers(1990, 2110), st.sampled_from([0, -1, 10**6]), st.text(max_size=4),
                  st.floats(2000, 2100), st.booleans())  # fmt: skip
VALUES = st.one_of(
    st.integers(-10, 200),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
    st.booleans(),
    st.none(),
)
STATUSES = st.sampled_from(["actual", "estimate", "plan", "done", "", "Actual"])
KINDS = st.sampled_from(["level", "increment", "share", None])


@st.composite
def observation(draw):
    rec = {
        "metric": draw(METRICS),
        "year": draw(YEARS),
        "value": draw(VALUES),
        "status": draw(STATUSES),
        "source": "test.txt",
        "quote": "số liệu",
    }
    unit = draw(UNITS)
    if unit is not None:
        rec["unit"] = unit
    kind = draw(KINDS)
    if kind is not None:
        rec["kind"] = kind
    return rec


def _sane(rec) -> bool:
    """Would this observation pass on its own (ignoring the cross-record checks)?"""
    v, y = rec["value"], rec["year"]
    if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v):
        return False
    if not isinstance(y, int) or isinstance(y, bool) or not 2000 <= y <= 2100:
        return False
    if rec["status"] not in ("actual", "estimate", "plan"):
        return False
    if rec.get("kind", "level") not in ("level", "increment"):
        return False
    m = rec["metric"]
    return bool(re.fullmatch(r"[a-z][a-z0-9_]*", m)) and (m in metrics.CORE or rec.get("unit"))


@settings(max_examples=60, deadline=None)
@given(st.lists(observation(), max_size=5))
def test_generated_observations_load_or_fail_cleanly(records):
    doc = {"name": "Tỉnh Thử", "slug": "gen", "level": "province", "origin_year": 2021,
           "observations": records}  # fmt: skip
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "gen.yaml"
        path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        try:
            loc = load_locality(path)
        except InputError as e:
            assert e.lines
            pattern = form(path)
            for line in e.lines:
                assert pattern.match(line), line
            assert not all(_sane(r) for r in records) or any(
                "observations[" in line and ".value: expected" in line for line in e.lines
            )
        else:
            assert len(loc.observations) == len(records)
            assert all(_sane(r) for r in records)


# ---------------------------------------------------------------- hostile files


def billion_laughs() -> str:
    """Nine levels of nine aliases: 444 bytes that stand for 9⁹ strings."""
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]")
    return "\n".join(lines) + "\n"


def test_a_billion_laughs_is_refused_in_under_a_second(tmp_path):
    path = write(tmp_path, "bomb.yaml", billion_laughs())
    started = time.perf_counter()
    with pytest.raises(InputError) as info:
        load_locality(path)
    assert time.perf_counter() - started < 1
    assert info.value.lines == [
        f"{path}: line 1: expected plain YAML without aliases (*name), "
        "found an alias of the anchor on this line"
    ]


def test_an_anchor_without_alias_and_a_cycle(tmp_path):
    assert load_locality(write(tmp_path, "t.yaml", "name: &n X\nslug: t\nlevel: province\n"
                                                   "origin_year: 2022\n")).name == "X"  # fmt: skip
    with pytest.raises(InputError, match="without aliases"):
        load_locality(write(tmp_path, "c.yaml", "a: &x [1, *x]\n"))


def folder_with_a_bomb(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "params"
    folder.mkdir()
    for p in GOOD.glob("*.yaml"):
        write(folder, p.name, p.read_text(encoding="utf-8"))
    return folder, write(folder, "bomb.yaml", billion_laughs())


def test_a_folder_serves_its_good_files_and_says_which_was_left_out(tmp_path, capsys):
    folder, bomb = folder_with_a_bomb(tmp_path)
    good = sorted(p for p in folder.glob("*.yaml") if p != bomb)
    assert discover([folder]) == good
    assert discover([folder]) == good  # asked again (a command's neighbours): not said again
    said = capsys.readouterr().err.splitlines()
    assert said == [f"{bomb}: line 1: expected plain YAML without aliases (*name), "
                    "found an alias of the anchor on this line (file left out)"]  # fmt: skip
    assert discover([folder / "minimal.yaml"]) == [folder / "minimal.yaml"]


def test_a_file_named_itself_stays_an_error(tmp_path, capsys):
    folder, bomb = folder_with_a_bomb(tmp_path)
    assert bomb in discover([bomb, folder])  # kept, so loading it is the error
    assert capsys.readouterr().err == ""
    assert not load_many([bomb]).ok
    assert not load_many([folder]).ok  # what `check` reports


def test_a_folder_of_refused_files_is_the_error(tmp_path, capsys):
    write(tmp_path, "bomb.yaml", billion_laughs())
    with pytest.raises(InputError, match=r"bomb\.yaml: line 1"):
        discover([tmp_path])
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("written", ["1_000", "0x1F", "017", "1:20", "١٢"])
def test_a_yaml_number_is_decimal_in_the_digits_0_to_9(tmp_path, written):
    text = HEAD.format(slug="t") + (
        f"observations:\n- {{metric: ocop_total, year: 2021, value: {written}, status: actual, "
        "source: s, quote: q}\n"
    )
    with pytest.raises(InputError) as info:
        load_locality(write(tmp_path, "t.yaml", text))
    assert info.value.lines == [
        f"{tmp_path / 't.yaml'}: observations[0].value: expected a number, found '{written}' (str)"
    ]
    ok = text.replace(f"value: {written}", "value: 1000")
    assert load_locality(write(tmp_path, "t.yaml", ok)).observations[0].value == 1000


def test_a_file_is_parsed_once_until_it_changes(tmp_path):
    path = tmp_path / "minimal.yaml"
    shutil.copy(GOOD / "minimal.yaml", path)
    first = load_locality(path)
    assert load_locality(path) is first  # the same text: not parsed again
    changed = path.read_text(encoding="utf-8") + "\n# một dòng ghi chú\n"
    path.write_text(changed, encoding="utf-8")
    assert load_locality(path) is not first and load_locality(path) == first
    path.write_text("name: [\n", encoding="utf-8")
    for _ in range(2):  # a refusal is said again each time it is asked
        with pytest.raises(InputError):
            load_locality(path)
