"""Column headers and status words in Vietnamese (the default) and English."""

from __future__ import annotations

LANGS = ("vi", "en")

FORECAST_COLUMNS = [
    "locality",
    "metric",
    "year",
    "kind",
    "value",
    "median",
    "p05",
    "p10",
    "p25",
    "p75",
    "p90",
    "p95",
    "model",
    "own_weight",
]

TARGET_COLUMNS = [
    "locality",
    "metric",
    "target_year",
    "target_kind",
    "target_value",
    "target_value_max",
    "baseline_year",
    "baseline_value",
    "projected_median",
    "projected_p10",
    "projected_p90",
    "probability",
    "probability_max",
    "required_per_year",
    "recent_per_year",
    "pace_ratio",
    "status",
    "status_label",
    "earliest_year_p50",
    "earliest_year_p80",
    "model",
    "note",
]

COLUMN_LABELS_VI = {
    "locality": "Địa phương",
    "metric": "Chỉ tiêu",
    "year": "Năm",
    "kind": "Loại số liệu",
    "value": "Giá trị thực tế",
    "median": "Trung vị dự báo",
    "p05": "P5",
    "p10": "P10",
    "p25": "P25",
    "p75": "P75",
    "p90": "P90",
    "p95": "P95",
    "model": "Mô hình",
    "own_weight": "Trọng số dữ liệu riêng",
    "target_year": "Năm mục tiêu",
    "target_kind": "Loại mục tiêu",
    "target_value": "Giá trị mục tiêu",
    "target_value_max": "Mục tiêu (cận trên)",
    "baseline_year": "Năm gốc",
    "baseline_value": "Giá trị năm gốc",
    "projected_median": "Dự báo (trung vị)",
    "projected_p10": "Dự báo P10",
    "projected_p90": "Dự báo P90",
    "probability": "Khả năng đạt",
    "probability_max": "Khả năng đạt cận trên",
    "required_per_year": "Tốc độ cần/năm",
    "recent_per_year": "Tốc độ gần đây/năm",
    "pace_ratio": "Tỷ lệ tốc độ",
    "status": "Mã đánh giá",
    "status_label": "Đánh giá",
    "earliest_year_p50": "Năm đạt sớm nhất (50%)",
    "earliest_year_p80": "Năm đạt sớm nhất (80%)",
    "note": "Ghi chú",
    "pace": "Hệ số tốc độ",
    "required_pace_p80": "Hệ số tốc độ cần cho 80%",
    "source": "Nguồn",
    "quote": "Trích dẫn",
    "status_data": "Tình trạng số liệu",
    "as_of": "Thời điểm",
    "unit": "Đơn vị",
}

COLUMN_LABELS_EN = {
    "locality": "Locality",
    "metric": "Metric",
    "year": "Year",
    "kind": "Kind",
    "value": "Observed",
    "median": "Median",
    "own_weight": "Own-data weight",
    "target_year": "Target year",
    "target_kind": "Target kind",
    "target_value": "Target",
    "target_value_max": "Target (upper)",
    "baseline_year": "Baseline year",
    "baseline_value": "Baseline",
    "projected_median": "Projected median",
    "projected_p10": "Projected P10",
    "projected_p90": "Projected P90",
    "probability": "Probability",
    "probability_max": "Probability (upper)",
    "required_per_year": "Required per year",
    "recent_per_year": "Recent per year",
    "pace_ratio": "Pace ratio",
    "status": "Status code",
    "status_label": "Status",
    "earliest_year_p50": "Earliest year (50%)",
    "earliest_year_p80": "Earliest year (80%)",
    "note": "Note",
    "pace": "Pace factor",
    "required_pace_p80": "Pace needed for 80%",
    "source": "Source",
    "quote": "Quote",
    "status_data": "Data status",
    "as_of": "As of",
    "unit": "Unit",
    "model": "Model",
}

STATUS_LABELS = {
    "vi": {
        "likely": "Có khả năng đạt",
        "at_risk": "Có nguy cơ không đạt",
        "unlikely": "Khó đạt",
        "insufficient": "Chưa đủ dữ liệu",
        "not_modelled": "Không mô hình hóa",
        "met": "Đã đạt",
        "missed": "Không đạt",
        "past": "Đã qua, chưa rõ kết quả",
    },
    "en": {
        "likely": "Likely",
        "at_risk": "At risk",
        "unlikely": "Unlikely",
        "insufficient": "Insufficient history",
        "not_modelled": "Not modelled",
        "met": "Met",
        "missed": "Missed",
        "past": "Past, outcome unknown",
    },
}


def column_label(column: str, lang: str = "vi") -> str:
    table = COLUMN_LABELS_VI if lang == "vi" else COLUMN_LABELS_EN
    return table.get(column, column)


def status_label(status: str, lang: str = "vi") -> str:
    return STATUS_LABELS[lang].get(status, status)
