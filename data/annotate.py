"""The hand reading of imported rows whose number is not written as digits in its quote.

Run after `make params` (idempotent): each listed entry, found by its metric, year and
value, gets a `DERIVED:` note saying how the number follows from the words (a named
district counted, "the first commune", a French number word). `tests/test_params_data.py`
holds every other entry to its quote.

    .venv/bin/python data/annotate.py
"""

from pathlib import Path

from ntm_forecast.domain.params import dump_params, read_yaml

PARAMS = Path(__file__).resolve().parent.parent / "params"

NOTES = [  # (slug, section, metric, year, value, why)
    ("an_giang", "observations", "communes_ntm", 2021, 0, "'chưa có thêm xã' = no commune added"),
    ("bac_lieu", "observations", "communes_advanced", 2019, 1, "'xã đầu tiên' = the first, so 1"),
    ("bac_ninh", "observations", "districts_ntm", 2017, 2, "two named districts (Từ Sơn, Tiên Du)"),
    ("ben_tre", "observations", "districts_ntm", 2020, 2, "two named units (TP Bến Tre, Chợ Lách)"),
    ("binh_thuan", "observations", "districts_ntm", 2016, 1, "one named district (Phú Quý)"),
    ("can_tho", "observations", "districts_ntm", 2018, 1, "one named district (Phong Điền)"),
    ("da_nang", "observations", "districts_ntm", 2015, 1, "one named district (Hòa Vang)"),
    ("dong_nai", "targets", "communes_ntm", 2018, 133, "100% of the province's 133 communes"),
    (
        "hai_duong",
        "observations",
        "communes_total",
        2017,
        226,
        "132 communes = 58,4%, so 132 / 0.584 ≈ 226",
    ),
    ("ninh_thuan", "observations", "districts_ntm", 2019, 1, "one named district (Ninh Phước)"),
    ("phu_yen", "observations", "communes_advanced", 2020, 1, "'first advanced commune' = 1"),
    (
        "quang_ngai",
        "observations",
        "districts_ntm",
        2019,
        1,
        "'the first district' = 1 (Nghĩa Hành)",
    ),
    ("quang_tri", "observations", "districts_ntm", 2019, 1, "one named district (Cam Lộ)"),
    ("thanh_hoa", "observations", "avg_criteria", 2019, 16.7, "written '16, 7' on the page"),
    ("tuyen_quang", "observations", "districts_ntm", 2020, 1, "one named unit (TP Tuyên Quang)"),
    ("tuyen_quang", "targets", "communes_model", 2021, 1, "one named commune (Thái Bình, Yên Sơn)"),
    ("vinh_long", "observations", "districts_ntm", 2017, 1, "one named unit (TX Bình Minh)"),
    ("vinh_phuc", "observations", "communes_advanced", 2020, 2, "'deux' (French page) = 2"),
    ("vinh_phuc", "observations", "districts_ntm", 2020, 4, "'quatre' (French page) = 4"),
    (
        "ba_ria_vung_tau",
        "observations",
        "ocop_total",
        2021,
        21,
        "5 five-star candidates + 16 four-star = 21 in the first decision",
    ),
    ("binh_duong", "observations", "districts_ntm", 2021, 3, "1 district and 2 towns = 3"),
    (
        "ha_giang",
        "observations",
        "ocop_total",
        2019,
        69,
        "the headline gives 69; the programme's first year, so total = new",
    ),
    # Rows of figures_2022_2025.csv
    ("binh_dinh", "observations", "communes_model", 2023, 0, "'hiện vẫn chưa có' = none yet, 0"),
    ("phu_tho", "observations", "districts_ntm", 2024, 6, "'seis' (Spanish page) = 6"),
    (
        "tra_vinh",
        "targets",
        "communes_ntm",
        2022,
        85,
        "the 3 communes left recognised too: all 85 communes of the province",
    ),
    ("vietnam", "observations", "communes_ntm_share", 2025, 64.5, "'64–65%': the middle, 64,5"),
]


def main() -> None:
    for slug, section, metric, year, value, why in NOTES:
        path = PARAMS / f"{slug}.yaml"
        data = read_yaml(path)
        entries = [
            e
            for e in data[section]
            if (e["metric"], e["year"], e.get("value")) == (metric, year, value)
        ]
        if not entries:
            raise SystemExit(f"{path}: {section}: no {metric} {year} = {value} to annotate")
        for entry in entries:
            old = entry.get("note")
            if not str(old or "").startswith("DERIVED"):
                entry["note"] = f"DERIVED: {why}" + (f"; {old}" if old else "")
        path.write_text(dump_params(data), encoding="utf-8")


if __name__ == "__main__":
    main()
