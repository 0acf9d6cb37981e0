"""`ntm-forecast extract` on real pages (issue 22): the rules that read a document's structure,
each on a short text in the words of a page of tests/data/real/dev, and the scores on the real
development and held-out sets."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path

import pytest
import yaml

from ntm_forecast.domain.schema import Locality
from ntm_forecast.ingest.extract import extract, read_report


def entries(draft) -> set[tuple]:
    return {
        (r["metric"], r["year"], r["kind"], r.get("status", "target"), r.get("value"))
        for r in (*draft.observations, *draft.targets)
    }


def test_the_text_s_year_dates_a_figure_with_no_year_words():
    text = (
        "Bắc Kạn có thêm 06 xã đạt chuẩn nông thôn mới\n\n"
        "UBND tỉnh Bắc Kạn vừa công nhận các xã Phương Viên, Yên Thịnh đạt chuẩn nông thôn mới "
        "năm 2021.\n\n"
        "Như vậy, đến nay toàn tỉnh có 21/96 xã được công nhận đạt chuẩn nông thôn mới."
    )
    assert entries(extract(text)) == {
        ("communes_ntm", 2021, "increment", "actual", 6),
        ("communes_ntm", 2021, "level", "actual", 21),
        ("communes_total", 2021, "level", "actual", 96),
    }
    # with a date of another year, "đến nay" is that date's and the title is not dated
    later = entries(extract(text, date=dt.date(2023, 5, 4)))
    assert later == {
        ("communes_ntm", 2023, "level", "actual", 21),
        ("communes_total", 2023, "level", "actual", 96),
    }


def test_a_headline_repeating_the_body_is_one_entry():
    text = (
        "Lào Cai đã có 49 xã đạt chuẩn nông thôn mới\n\n"
        "Tính đến hết tháng 11/2019, tỉnh Lào Cai đã công nhận 5 xã đạt chuẩn nông thôn mới, "
        "nâng số xã đạt NTM của tỉnh lên 49/143 xã.\n\n"
        "Năm 2018, thu ngân sách đạt 8.368 tỷ đồng."
    )
    draft = extract(text)
    assert [r["as_of"] for r in draft.observations if r["value"] == 49] == ["2019-11"]
    assert any(m.startswith("skipped: repeats a figure given with its year") for m in draft.skipped)


def test_a_plan_for_the_year_just_begun_in_a_january_report():
    text = "Năm 2020, tỉnh có thêm 10 xã đạt chuẩn nông thôn mới, nâng số xã đạt chuẩn lên 82 xã."
    assert entries(extract(text, date=dt.date(2020, 1, 15))) == {
        ("communes_ntm", 2020, "increment", "target", 10),
        ("communes_ntm", 2020, "level", "target", 82),
    }
    assert entries(extract(text, date=dt.date(2020, 12, 20))) == {
        ("communes_ntm", 2020, "increment", "actual", 10),
        ("communes_ntm", 2020, "level", "actual", 82),
    }
    # an outcome word keeps it an outcome in January too
    done = text.replace("tỉnh có thêm", "tỉnh đã có thêm")
    assert all(
        r["status"] == "actual" for r in extract(done, date=dt.date(2020, 1, 15)).observations
    )


def test_a_share_and_a_count_in_one_clause():
    text = "Đến hết năm 2022, toàn tỉnh có 72 xã đạt chuẩn nông thôn mới, chiếm 53% số xã."
    assert entries(extract(text)) == {
        ("communes_ntm", 2022, "level", "actual", 72),
        ("communes_ntm_share", 2022, "level", "actual", 53),
    }
    national = "Cả nước có 249 đơn vị cấp huyện đạt chuẩn NTM năm 2022, chiếm khoảng 38,7% tổng số"
    assert ("districts_ntm_share", 2022, "level", "actual", 38.7) in entries(extract(national))


def test_will_after_expected_is_an_estimate_and_a_list_names_its_standard_at_its_end():
    text = (
        "Dự kiến đến hết năm 2019, sẽ có thêm 3 xã, gồm: Bản Phố, huyện Bắc Hà; Liêm Phú, huyện "
        "Văn Bàn đạt chuẩn nông thôn mới (NTM). Theo đó, toàn tỉnh sẽ có 52 xã đạt chuẩn NTM."
    )
    assert entries(extract(text)) == {
        ("communes_ntm", 2019, "increment", "estimate", 3),
        ("communes_ntm", 2019, "level", "estimate", 52),
    }
    assert extract("Năm 2025, tỉnh sẽ có 60 xã đạt chuẩn NTM.").targets  # without "dự kiến"


def test_a_plan_reached_is_an_outcome_except_in_its_own_clause():
    text = (
        "Đến tháng 6/2025, cả nước có 2.567 xã đạt chuẩn NTM nâng cao, vượt mục tiêu giai đoạn "
        "và 743 xã đạt chuẩn NTM kiểu mẫu."
    )
    assert {r["status"] for r in extract(text).observations} == {"actual"}
    assert not extract(text).targets
    plan = "Năm 2020, tỉnh có 7 xã đạt chuẩn NTM (vượt mục tiêu của năm 2020: 5 xã)."
    assert [r["value"] for r in extract(plan).targets] == [5]


def test_a_period_dates_a_count_at_its_end_but_not_an_addition_over_it():
    draft = extract("Giai đoạn 2011 - 2015 đã có 13 xã đạt chuẩn NTM.")
    assert entries(draft) == {("communes_ntm", 2015, "level", "actual", 13)}
    draft = extract("Trong giai đoạn 2016 - 2020 tỉnh có thêm 20 xã đạt chuẩn NTM.")
    assert not draft.observations
    assert any("a change over a period" in m for m in draft.skipped)


def test_country_figures_on_a_province_page_are_left_out():
    text = (
        "Hà Nội dẫn đầu về sản phẩm OCOP\n\n"
        "Đến hết tháng 4/2024, cả nước có 12.075 sản phẩm OCOP đạt 3 sao trở lên. Trong số "
        "này, có 42 sản phẩm 5 sao.\n\n"
        "Đến hết tháng 4/2024, Hà Nội đã có 2.711 sản phẩm OCOP, trong đó có 6 sản phẩm 5 sao."
    )
    draft = extract(text)
    assert draft.data["name"] == "Hà Nội"
    assert {(r["metric"], r["value"]) for r in draft.observations} == {
        ("ocop_total", 2711),
        ("ocop_5star", 6),
    }
    assert sum("the whole country" in m for m in draft.skipped) == 2


def test_the_parts_of_a_year_s_products_and_re_certified_ones():
    text = (
        "Năm 2022, tỉnh công nhận 44 sản phẩm OCOP lần đầu, gồm 07 sản phẩm đạt 4 sao, 37 sản "
        "phẩm đạt 3 sao; công nhận lại 13 sản phẩm OCOP, gồm 04 sản phẩm đạt 4 sao, 09 sản phẩm "
        "đạt 3 sao."
    )
    assert entries(extract(text)) == {
        ("ocop_total", 2022, "increment", "actual", 44),
        ("ocop_4star", 2022, "increment", "actual", 7),
        ("ocop_3star", 2022, "increment", "actual", 37),
    }


# --- the real sets, scored as benchmarks/bench_extract.py scores them -----------------------

ROOT = Path(__file__).parents[2]
REAL = ROOT / "tests" / "data" / "real"


def _bench():
    spec = importlib.util.spec_from_file_location(
        "bench_extract", ROOT / "benchmarks" / "bench_extract.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("name", "pages", "entries", "precision", "recall"),
    [
        # round 2 (a round's batch and a district's figures left out; the dev annotations
        # aligned with the held-out conventions): 93 of 108 drafted, of 102 by hand
        ("dev", 22, 102, 0.84, 0.89),
        # scored once after round 1 (0.590/0.614), a development set in round 2: 66 of 104
        # drafted, of 101 by hand
        ("heldout", 16, 101, 0.62, 0.64),
        # annotated before round 2 by someone who never saw the rules; scored once after the
        # rules were final (0c5b03b): 57 of 108 drafted, of 94 by hand (0.528/0.606)
        ("heldout2", 16, 94, 0.51, 0.59),
    ],
)
def test_real_page_scores_do_not_fall(name, pages, entries, precision, recall):
    score = _bench().score_real(name)
    assert (len(score.pages), score.n_expected) == (pages, entries)
    assert score.precision >= precision
    assert score.recall >= recall


@pytest.mark.parametrize("folder", ["dev", "heldout"])
def test_every_real_page_drafts_a_valid_file_with_verbatim_quotes(folder):
    pages = yaml.safe_load((REAL / folder / "pages.yaml").read_text(encoding="utf-8"))
    for name in pages:
        text = read_report(REAL / folder / name)
        draft = extract(text, source=name)
        Locality.model_validate(draft.data)
        assert all(r["quote"] in text for r in (*draft.observations, *draft.targets)), name
