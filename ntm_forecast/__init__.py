"""ntm-forecast: forecasts of Vietnam's NTM and OCOP figures and the odds of plan targets.

What a notebook needs is here, imported on first use so that ``import ntm_forecast`` stays
fast::

    import ntm_forecast as ntm
    rep = ntm.build_report("params/hau_giang.yaml")
    session = ntm.open_session(["params/"])
    fc = ntm.forecast_locality(session.chosen[0], session.context)
    ntm.assess_targets(fc)
"""

from importlib import import_module

from ntm_forecast.version import __version__

_LAZY = {
    "build_report": ("ntm_forecast.render.report", "build"),
    "open_session": ("ntm_forecast.engine.session", "open_session"),
    "forecast_locality": ("ntm_forecast.engine.forecast", "forecast_locality"),
    "assess_targets": ("ntm_forecast.assess.targets", "assess_targets"),
    "load_locality": ("ntm_forecast.domain.params", "load_locality"),
    "load_many": ("ntm_forecast.domain.params", "load_many"),
    "word": ("ntm_forecast.i18n.messages", "word"),
    "display_name": ("ntm_forecast.domain.names", "display_name"),
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'ntm_forecast' has no attribute {name!r}")
    module, attr = _LAZY[name]
    value = getattr(import_module(module), attr)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
