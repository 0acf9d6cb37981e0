"""A target table in codes put in the reader's words, and nowhere before that."""

from __future__ import annotations

import pandas as pd
from export_fixtures import target_frame

from ntm_forecast.assess.whatif import WHATIF_COLUMNS
from ntm_forecast.i18n.messages import msg
from ntm_forecast.render.tables import TARGET_COLUMNS, in_words


def test_codes_become_words_in_the_chosen_language():
    t = target_frame()
    vi, en = in_words(t, "vi"), in_words(t, "en")
    assert list(vi.columns) == list(en.columns) == TARGET_COLUMNS
    assert list(vi["status"]) == list(en["status"]) == list(t["status"])
    assert vi["status_label"].tolist()[:4] == [
        "Khó đạt", "Có nguy cơ không đạt", "Có khả năng đạt", "Có nguy cơ không đạt",
    ]  # fmt: skip
    assert en["status_label"].tolist()[-3:] == ["Met", "Missed", "Outcome unknown"]
    assert vi.at[3, "note"] == "76,47% của 51 xã = 39 xã"
    assert en.at[3, "note"] == "76.47% of 51 communes = 39"
    assert vi.at[0, "note"] == ""  # no notes: an empty cell


def test_notes_keep_their_order_and_a_params_files_words_as_written():
    t = target_frame().head(1)
    t.at[0, "notes"] = (msg("note.past_known"), "", "theo Nghị quyết 05")
    assert in_words(t, "vi").at[0, "note"] == (
        "năm mục tiêu đã qua; kết quả lấy từ số liệu; theo Nghị quyết 05"
    )
    assert in_words(t, "en").at[0, "note"] == (
        "target year already past; outcome from the data; theo Nghị quyết 05"
    )


def test_a_whatif_table_keeps_its_pace_columns_around_the_words():
    blocks = [target_frame().assign(required_pace_p80=1.2) for _ in (0.8, 1.0)]
    for pace, block in zip((0.8, 1.0), blocks, strict=True):
        block.insert(0, "pace", pace)
    frame = pd.concat(blocks, ignore_index=True)
    assert list(frame.columns) == WHATIF_COLUMNS
    assert list(in_words(frame, "en").columns) == ["pace", *TARGET_COLUMNS, "required_pace_p80"]


def test_the_table_in_codes_is_left_as_it_was():
    t = target_frame()
    in_words(t, "vi")
    pd.testing.assert_frame_equal(t, target_frame())


def test_the_hindcast_scores_are_put_in_words_for_every_candidate():
    from ntm_forecast.assess.calibration import CANDIDATES, candidate_scores
    from ntm_forecast.render.tables import scores_in_words

    events = pd.DataFrame(
        {
            "province": ["a", "b", "c"],
            "met": [1.0, 0.0, 1.0],
            **{column: [0.8, 0.4, 0.6] for _, column in CANDIDATES},
        }
    )
    codes = candidate_scores(events, n_boot=10)
    en, vi = scores_in_words(codes, "en"), scores_in_words(codes, "vi")
    assert len(set(en.candidate)) == len(CANDIDATES) == len(set(vi.candidate))
    assert "plan always met (reference)" in set(en.candidate)
    assert "kế hoạch luôn đạt (tham chiếu)" in set(vi.candidate)
    assert codes.candidate.iloc[0] == "trend"  # the codes are left as they were
