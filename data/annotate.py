"""The hand reading of imported rows whose number is not written as digits in its quote.

Run after `make params` (idempotent): each listed entry gets a `DERIVED:` note saying how
the number follows from the words (a named district counted, "the first commune", a
French number word). `tests/test_params_data.py` holds every other entry to its quote.

    .venv/bin/python data/annotate.py
"""

from pathlib import Path

from ntm_forecast.params import dump_params, read_yaml

PARAMS = Path(__file__).resolve().parent.parent / "params"

NOTES = [
    ("an_giang", "observations", 24, "'chưa có thêm xã' = no commune added"),
    ("bac_lieu", "observations", 0, "'xã đầu tiên' = the first, so 1"),
    ("bac_ninh", "observations", 11, "two named districts (Từ Sơn, Tiên Du)"),
    ("ben_tre", "observations", 4, "two named units (TP Bến Tre, Chợ Lách)"),
    ("binh_thuan", "observations", 0, "one named district (Phú Quý)"),
    ("can_tho", "observations", 17, "one named district (Phong Điền)"),
    ("da_nang", "observations", 8, "one named district (Hòa Vang)"),
    ("dong_nai", "targets", 4, "100% of the province's 133 communes"),
    ("hai_duong", "observations", 9, "132 communes = 58,4%, so 132 / 0.584 ≈ 226"),
    ("ninh_thuan", "observations", 0, "one named district (Ninh Phước)"),
    ("phu_yen", "observations", 0, "'first advanced commune' = 1"),
    ("quang_ngai", "observations", 8, "'the first district' = 1 (Nghĩa Hành)"),
    ("quang_tri", "observations", 5, "one named district (Cam Lộ)"),
    ("thanh_hoa", "observations", 22, "written '16, 7' on the page"),
    ("tuyen_quang", "observations", 3, "one named unit (TP Tuyên Quang)"),
    ("tuyen_quang", "targets", 2, "one named commune (Thái Bình, Yên Sơn)"),
    ("vinh_long", "observations", 6, "one named unit (TX Bình Minh)"),
    ("vinh_phuc", "observations", 2, "'deux' (French page) = 2"),
    ("vinh_phuc", "observations", 9, "'quatre' (French page) = 4"),
    (
        "ba_ria_vung_tau",
        "observations",
        14,
        "5 five-star candidates + 16 four-star = 21 in the first decision",
    ),
    ("binh_duong", "observations", 9, "1 district and 2 towns = 3"),
    (
        "ha_giang",
        "observations",
        10,
        "the headline gives 69; the programme's first year, so total = new",
    ),
]


def main() -> None:
    for slug, section, i, why in NOTES:
        path = PARAMS / f"{slug}.yaml"
        data = read_yaml(path)
        entry = data[section][i]
        old = entry.get("note")
        if not str(old or "").startswith("DERIVED"):
            entry["note"] = f"DERIVED: {why}" + (f"; {old}" if old else "")
            path.write_text(dump_params(data), encoding="utf-8")


if __name__ == "__main__":
    main()
