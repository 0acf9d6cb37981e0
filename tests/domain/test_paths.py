"""PathForecast: reading the paths inside a year."""

import numpy as np

from ntm_forecast.domain.paths import PathForecast


def test_within_reads_linearly_between_year_ends():
    pf = PathForecast("ocop_total", "growth", np.array([2020, 2021]), np.array([[10.0, 30.0]]))
    assert pf.within(2021, 2021.25).tolist() == [15.0]
    assert pf.within(2021, 2022.0).tolist() == [30.0]  # the year-end column itself
    assert pf.within(2020, 2020.5).tolist() == [10.0]  # no year before: the year-end
    assert pf.within(2023, 2023.5) is None
