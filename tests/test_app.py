"""The web app's logic without a browser: the choices, the page's widgets, the forms, the files.

Every test builds its own params folder from a few files of params/ (copied, so the forms
write to the copy); the widgets are driven in plain Python.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import docx
import openpyxl
import pytest

from ntm_forecast.app import App, Page, locality_choices, voila_command
from ntm_forecast.cli import main

ROOT = Path(__file__).resolve().parent.parent
FILES = ("vietnam", "dien_bien", "can_tho", "can_tho_2025", "soc_trang", "hau_giang", "thanh_oai")


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "params"
    folder.mkdir()
    for name in FILES:
        shutil.copy(ROOT / "params" / f"{name}.yaml", folder)
    return folder


@pytest.fixture()
def app(tmp_path):
    return App(_folder(tmp_path), n_paths=400).fit()


def _probability(app: App, slug: str, metric: str, year: int) -> float:
    t = app.report(slug, 1.0).targets
    row = t[(t["metric"] == metric) & (t["target_year"] == year) & t["probability"].notna()]
    return float(row["probability"].iloc[0])


def test_the_provinces_since_july_2025_come_first_then_former_then_districts_then_the_country(app):
    slugs = list(locality_choices(app.session_.loaded.localities).values())
    assert slugs == [
        "can_tho_2025",
        "dien_bien",
        "can_tho",
        "hau_giang",
        "soc_trang",
        "thanh_oai",
        "vietnam",
    ]
    names = list(app.choices_)
    assert names[0].startswith("Thành phố Cần Thơ (từ 1/7/2025")
    assert "Tỉnh Hậu Giang (đến 30/6/2025)" in names


def test_a_change_of_locality_or_pace_redraws_the_chart_and_the_table(app):
    page = Page(app)
    assert page.slug == "can_tho_2025"
    first = (page.charts.value, page.targets.value, page.header.value)
    page.locality.value = "Tỉnh Điện Biên"
    other = (page.charts.value, page.targets.value, page.header.value)
    assert all(a != b for a, b in zip(first, other))
    assert "Điện Biên" in page.header.value and "<img" in page.charts.value
    assert "<p><i>Số liệu đến tháng " in page.header.value  # how new its figures are
    page.pace.value = 1.5
    assert page.charts.value != other[0] and page.targets.value != other[1]
    page.locality.value = "Tỉnh Điện"  # half typed: nothing changes
    assert page.slug is None and page.charts.value


def test_a_figure_from_the_form_lands_in_the_file_and_moves_the_probability(app):
    path = app.session_.paths["dien_bien"]
    before = _probability(app, "dien_bien", "communes_ntm", 2030)
    figure = dict(
        metric="communes_ntm",
        value="36",
        of="42",
        as_of="2025-12-15",
        source="Báo cáo của Văn phòng điều phối",
        quote="36/42 xã đạt chuẩn",
    )
    added = app.add_figure("dien_bien", **figure)
    assert added.written, added.lines
    text = path.read_text(encoding="utf-8")
    assert "Báo cáo của Văn phòng điều phối" in text and "'2025-12-15'" in text
    assert _probability(app, "dien_bien", "communes_ntm", 2030) > before + 0.3
    # the same figure again: nothing written
    again = app.add_figure("dien_bien", **figure)
    assert not again.written and path.read_text(encoding="utf-8") == text


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"value": "12,5"}, "Giá trị: cần một số, nhận được '12,5'."),
        ({"as_of": "15/12/2025"}, "Ngày (YYYY-MM-DD): cần một ngày"),
        ({"source": ""}, "Nguồn (địa chỉ, văn bản): cần một giá trị, nhận được ô trống."),
        ({"value": "50"}, "Giá trị: cần communes_ntm ≤ communes_total 42"),  # above the total
    ],
)
def test_a_bad_figure_says_why_in_vietnamese_and_writes_nothing(app, fields, says):
    path = app.session_.paths["dien_bien"]
    before = path.read_bytes()
    good = {"metric": "communes_ntm", "value": "30", "of": "42", "as_of": "2025-12-15"}
    added = app.add_figure("dien_bien", **{**good, "source": "s", "quote": "q", **fields})
    assert not added.written
    assert added.lines[0].startswith(says), added.lines
    assert added.lines[-1] == "Chưa ghi gì vào tệp số liệu."
    assert path.read_bytes() == before


def test_a_target_from_the_form_is_a_coming_target(app):
    page = Page(app)
    page.locality.value = "Tỉnh Điện Biên"
    form = page.target_form
    form.fields["kind"].value = "increment"
    form.fields["year"].value = "2027"
    form.fields["value"].value = "12"
    form.fields["source"].value = "Nghị quyết Đại hội"
    form.fields["quote"].value = "mục tiêu năm 2027: thêm 12 xã"
    form.button.click()
    assert "Đã ghi vào" in form.message.value, form.message.value
    t = app.report("dien_bien", 1.0).targets
    row = t[(t["target_year"] == 2027) & (t["target_kind"] == "increment")]
    assert len(row) == 1 and float(row["target_value"].iloc[0]) == 12
    assert "thêm 12 xã" in page.targets.value  # redrawn


def test_text_from_a_params_file_stays_text(tmp_path):
    folder = _folder(tmp_path)
    path = folder / "dien_bien.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "name: Điện Biên", "name: <img src=x onerror=alert(1)>", 1
        ),
        encoding="utf-8",
    )
    app = App(folder, n_paths=400).fit()
    page = Page(app)
    page.locality.value = next(n for n in app.choices_ if "onerror" in n)
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.header.value
    assert "<img src=x" not in page.header.value + page.targets.value + page.review.value


def test_the_downloads_are_the_batch_files_and_open(app):
    files = app.files("dien_bien", 1.0)
    assert set(files) == {"report.docx", "report.xlsx", "targets.csv", "forecast.csv"}
    document = docx.Document(io.BytesIO(files["report.docx"]))
    assert any("Điện Biên" in p.text for p in document.paragraphs)
    assert openpyxl.load_workbook(io.BytesIO(files["report.xlsx"])).sheetnames
    assert files["forecast.csv"].decode("utf-8-sig").startswith("locality,")


def test_serve_binds_to_localhost_and_hides_the_code():
    cmd = voila_command("127.0.0.1", 8866)
    assert cmd[-6:] == [
        "--port=8866",
        "--Voila.ip=127.0.0.1",
        "--no-browser",
        "--strip_sources=True",
        "--VoilaConfiguration.show_tracebacks=False",
        "--template=ntm",
    ]
    assert (Path(cmd[3]).parent / "voila" / "templates" / "ntm" / "index.html.j2").is_file()
    assert Path(cmd[3]).name == "app.ipynb" and Path(cmd[3]).is_file()


def test_serve_stops_on_a_bad_params_folder_before_serving(tmp_path, capsys):
    (tmp_path / "broken.yaml").write_text("name: [", encoding="utf-8")
    assert main(["serve", "--params", str(tmp_path), "--port", "1"]) == 2
    out, err = capsys.readouterr()
    assert "broken.yaml" in err and "http://" not in out
