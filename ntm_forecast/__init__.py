"""ntm-forecast: forecasts of Vietnam's NTM and OCOP figures and the odds of plan targets."""

from ntm_forecast.params import load_locality, load_many
from ntm_forecast.version import __version__

__all__ = ["__version__", "load_locality", "load_many"]
