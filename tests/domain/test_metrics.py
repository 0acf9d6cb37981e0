"""What each metric is, and which metrics a forecast of it needs."""

from ntm_forecast.domain.metrics import info, with_bounding_standards


def test_a_commune_standard_is_forecast_with_the_standards_that_bound_it():
    assert with_bounding_standards("communes_model") == [
        "communes_ntm",
        "communes_advanced",
        "communes_model",
    ]
    assert with_bounding_standards("communes_ntm") == ["communes_ntm"]
    assert with_bounding_standards("ocop_total") == ["ocop_total"]


def test_metrics_outside_the_core_are_known_by_their_unit():
    assert info("clean_water_rate", "percent").upper == 100.0
    assert info("avg_criteria_new", "criteria/8").upper == 8.0
    assert info("income_per_capita", "million_vnd").family == "money"
    assert info("communes_ntm").cumulative
