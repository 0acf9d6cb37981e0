import pandas as pd
import pytest
from docx import Document
from export_fixtures import META, data_frame, fan_frame, forecast_frame, summary_frame, target_frame
from openpyxl import load_workbook
from test_word import BACKTEST, whatif_frame

from ntm_forecast.engine.forecast import FORECAST_COLUMNS
from ntm_forecast.errors import InputError
from ntm_forecast.render import export
from ntm_forecast.render.export import export_locality, export_summary, parse_formats
from ntm_forecast.render.tables import TARGET_COLUMNS, in_words

BOM = b"\xef\xbb\xbf"


def run(out, formats=("csv", "xlsx", "docx", "png"), lang="vi", targets=None):
    return export_locality(
        forecast=forecast_frame(), targets=target_frame() if targets is None else targets,
        data=data_frame(), fans={"communes_ntm": fan_frame()}, meta=META, formats=formats,
        lang=lang, output_dir=out,
    )  # fmt: skip


def read_csv(path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig")


def test_parse_formats():
    assert parse_formats("csv, XLSX,csv") == ("csv", "xlsx")
    with pytest.raises(InputError, match="--format: format: expected one of csv, xlsx, docx, png"):
        parse_formats("csv,pdf")


def test_csv_round_trip_bom_and_identical_bytes(tmp_path):
    run(tmp_path / "a", formats=["csv"])
    run(tmp_path / "b", formats=["csv"])
    for name, frame, columns in [
        ("forecast.csv", forecast_frame(), FORECAST_COLUMNS),
        ("targets.csv", in_words(target_frame(), "vi"), TARGET_COLUMNS),
    ]:
        raw = (tmp_path / "a" / name).read_bytes()
        assert raw.startswith(BOM)
        assert raw == (tmp_path / "b" / name).read_bytes()
        back = read_csv(tmp_path / "a" / name)
        assert list(back.columns) == columns
        expected = frame.replace("", float("nan"))  # an empty note reads back as missing
        pd.testing.assert_frame_equal(back, expected.astype(back.dtypes.to_dict()))
    assert "hau_giang" in (tmp_path / "a" / "forecast.csv").read_text(encoding="utf-8-sig")


def test_targets_csv_keeps_the_codes_and_says_them_in_the_chosen_language(tmp_path):
    run(tmp_path / "vi", formats=["csv"])
    run(tmp_path / "en", formats=["csv"], lang="en")
    vi, en = read_csv(tmp_path / "vi" / "targets.csv"), read_csv(tmp_path / "en" / "targets.csv")
    assert list(vi["status"]) == list(en["status"]) == list(target_frame()["status"])
    share = 3  # 76.47% of 51 communes: a note the assessment gave as a Message
    assert (vi.at[share, "status_label"], en.at[share, "status_label"]) == (
        "Có nguy cơ không đạt",
        "At risk",
    )
    assert vi.at[share, "note"] == "76,47% của 51 xã = 39 xã"
    assert en.at[share, "note"] == "76.47% of 51 communes = 39"
    assert vi.at[2, "note"] == en.at[2, "note"] == "theo Nghị quyết 05"  # the params file's


def test_the_analysis_table_is_not_changed_by_an_export(tmp_path):
    targets = target_frame()
    run(tmp_path, formats=["csv", "xlsx"], targets=targets)
    pd.testing.assert_frame_equal(targets, target_frame())


@pytest.mark.parametrize(
    ("note", "cell"),
    [
        ("-2+3", "'-2+3"),
        ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-5", "-5"),  # a negative number written as text is a value, left alone
        ("2-3", "2-3"),  # a dash inside the text is not a formula
    ],
)
def test_csv_text_that_looks_like_a_formula_is_written_as_text(tmp_path, note, cell):
    targets = target_frame()
    targets.at[0, "notes"] = (note,)
    run(tmp_path, formats=["csv"], targets=targets)
    back = pd.read_csv(tmp_path / "targets.csv", encoding="utf-8-sig", dtype=str)
    assert back.at[0, "note"] == cell


def test_every_format_written_and_vietnamese_survives(tmp_path):
    paths = run(tmp_path)
    assert sorted(p.name for p in paths) == [
        "chart_communes_ntm.png", "forecast.csv", "report.docx", "report.xlsx", "targets.csv",
    ]  # fmt: skip
    ws = load_workbook(tmp_path / "report.xlsx")["Mục tiêu"]
    assert ws.cell(row=7, column=2).value == "Xã đạt chuẩn NTM nâng cao"
    doc = Document(tmp_path / "report.docx")
    assert "Xã đạt chuẩn NTM nâng cao" in [c.text for c in doc.tables[0].rows[5].cells]
    assert len(doc.inline_shapes) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)


def test_report_embeds_charts_even_without_png(tmp_path):
    paths = run(tmp_path, formats=["docx"])
    assert [p.name for p in paths] == ["report.docx"]
    assert len(Document(paths[0]).inline_shapes) == 1
    assert not list(tmp_path.glob("*.png"))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"formats": ["csv", "pdf"]}, "one of csv, xlsx, docx, png"), ({"lang": "fr"}, "vi, en")],
)
def test_bad_options_write_nothing(tmp_path, kwargs, message):
    with pytest.raises(InputError, match=message) as info:
        run(tmp_path / "out", **kwargs)
    assert info.value.exit_code == 2
    assert not (tmp_path / "out").exists()


def test_unwritable_directory(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(InputError, match="writable directory"):
        run(blocker / "out", formats=["csv"])


def test_failed_write_leaves_no_partial_file(tmp_path, monkeypatch):
    def broken(self, path, **kwargs):
        with open(path, "w") as handle:
            handle.write("locality,met")
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken)
    with pytest.raises(OSError, match="disk full"):
        run(tmp_path, formats=["csv"])
    assert list(tmp_path.iterdir()) == []


def test_missing_column_is_refused(tmp_path):
    with pytest.raises(ValueError, match="own_weight"):
        export.write_csv(forecast_frame().drop(columns="own_weight"), FORECAST_COLUMNS,
                         tmp_path / "f.csv")  # fmt: skip


def test_summary_exports(tmp_path):
    paths = export_summary(summary_frame(), formats="csv,xlsx,docx,png", lang="en",
                           output_dir=tmp_path)  # fmt: skip
    assert [p.name for p in paths] == ["summary.csv", "summary.xlsx", "summary.png", "summary.docx"]
    back = read_csv(tmp_path / "summary.csv")
    assert set(back["locality"]) == {"hau_giang", "ha_tinh"}
    # coming targets only, most at risk first, no probability last
    assert not set(back["status"]) & {"met", "missed", "past"}
    p = back["probability"]
    assert p.iloc[:7].is_monotonic_increasing and p.iloc[7:].isna().all() and len(back) == 9
    assert load_workbook(tmp_path / "summary.xlsx").sheetnames == ["Targets", "Full table"]
    assert len(Document(tmp_path / "summary.docx").inline_shapes) == 1


def test_summary_keeps_coming_targets_unless_asked(tmp_path):
    summary = summary_frame()
    export_summary(summary, formats="csv,xlsx", output_dir=tmp_path / "coming")
    back = read_csv(tmp_path / "coming" / "summary.csv")
    assert len(back) == 9 and not set(back["status"]) & {"met", "missed", "past"}
    export_summary(summary, formats="csv,xlsx", output_dir=tmp_path / "all", all_targets=True)
    back = read_csv(tmp_path / "all" / "summary.csv")
    assert len(back) == 12 and list(back["status"].iloc[-3:]) == ["missed", "met", "past"]
    wb = load_workbook(tmp_path / "all" / "summary.xlsx")
    assert wb.sheetnames == ["Mục tiêu", "Bảng đầy đủ", "Mục tiêu đã qua"]


def test_summary_of_hundreds_of_targets_has_images_of_40(tmp_path):
    one = summary_frame().iloc[[0]]
    many = one.loc[one.index.repeat(130)].reset_index(drop=True)
    many["locality"] = [f"loc_{i}" for i in range(130)]
    many["probability"] = [i / 130 for i in range(130)]
    paths = export_summary(many, formats="png", output_dir=tmp_path)
    assert [p.name for p in paths] == ["summary.png", "summary_2.png", "summary_3.png",
                                       "summary_4.png"]  # fmt: skip
    export_summary(many.head(10), formats="png", output_dir=tmp_path)
    assert sorted(p.name for p in tmp_path.glob("*.png")) == ["summary.png"]  # no stale parts


def test_the_word_report_gets_the_whatif_the_warnings_and_the_checks(tmp_path):
    warning = "Sản phẩm OCOP năm 2022: tổng 116 được nêu không bằng số gốc 66 cộng 30 (= 96)"
    export_locality(
        forecast=forecast_frame(), targets=target_frame(), data=data_frame(), fans={},
        meta=META, formats=["docx"], output_dir=tmp_path, whatif=whatif_frame(),
        warnings=[warning], backtest=BACKTEST,
    )  # fmt: skip
    doc = Document(tmp_path / "report.docx")
    assert warning in [p.text for p in doc.paragraphs]
    _, _, what_if, checks = doc.tables
    assert what_if.rows[0].cells[-1].text == "Hệ số tốc độ cần cho 80%"
    assert checks.rows[2].cells[1].text != checks.rows[1].cells[1].text  # drift, hazard


def test_the_workbook_gets_the_whatif_sheet(tmp_path):
    export_locality(
        forecast=forecast_frame(), targets=target_frame(), data=data_frame(), fans={},
        meta=META, formats=["xlsx"], output_dir=tmp_path, whatif=whatif_frame(),
    )  # fmt: skip
    ws = load_workbook(tmp_path / "report.xlsx")["Kịch bản tốc độ"]
    assert ws.max_row == 2 + 5 and ws["G3"].value == 5.33
