"""What the locality notebook shows and writes. Each `show_*` renders one block in the
chosen language; the notebook only calls them, so the logic stays here, under test.

    rep = report.build("params/hau_giang.yaml", seed=0)
    rep.show_targets(); rep.write("outputs/hau_giang")
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from ntm_forecast.assess.backtest import backtest_scores, summarise
from ntm_forecast.assess.calibration import ProbabilityLayer, session_layer
from ntm_forecast.assess.targets import Thresholds, assess_targets
from ntm_forecast.assess.whatif import whatif as run_whatif
from ntm_forecast.domain import metrics
from ntm_forecast.domain.checks import check_locality, parent_finding
from ntm_forecast.domain.history import newest_figure
from ntm_forecast.domain.members import MEMBERS_SOURCE
from ntm_forecast.domain.names import display_name, kind_of
from ntm_forecast.engine.forecast import LocalityForecast, forecast_locality
from ntm_forecast.engine.session import Session, load_session, open_session
from ntm_forecast.i18n.labels import data_as_of
from ntm_forecast.i18n.messages import check_lang, metric_label, render, word
from ntm_forecast.i18n.textsafe import escape_html
from ntm_forecast.render import planner
from ntm_forecast.render.export import chart_targets, commune_ceiling, export_locality
from ntm_forecast.render.sources import cite
from ntm_forecast.render.tables import DATA_COLUMNS, rests_on
from ntm_forecast.version import __version__

WHATIF_PACES = (0.8, 1.0, 1.2, 1.5)
CHART_FAMILIES = ("commune", "ocop", "criteria")


def _display(obj) -> None:
    """HTML in a notebook (its data text escaped by the caller); plain text elsewhere."""
    try:
        from IPython.display import HTML, display
    except ImportError:  # plain Python: print instead
        print(obj)
        return
    display(HTML(obj) if isinstance(obj, str) else obj)


@dataclass
class Report:
    session: Session
    forecast: LocalityForecast
    lang: str = "vi"
    thresholds: Thresholds = field(default_factory=Thresholds)
    _figures: dict = field(default_factory=dict, repr=False)

    @property
    def locality(self):
        return self.forecast.locality

    def word(self, key: str, **values) -> str:
        return word(key, self.lang, **values)

    @property
    def names(self) -> dict[str, str]:
        """The locality's one name (`display_name`), as the Word and Excel files show it."""
        name = display_name(self.locality, self.session.loaded.localities, self.lang)
        return {self.locality.slug: name}

    @cached_property
    def layer(self) -> ProbabilityLayer:
        """What the probabilities rest on: the folder's fitted layer, else the trend alone."""
        return session_layer(self.session)

    def rests_on(self) -> str:
        """One line: what the report's probability rests on."""
        return rests_on(self.layer, self.lang)

    @cached_property
    def targets(self) -> pd.DataFrame:
        """The target table in codes, with each metric's unit in the params file (`unit`: a
        target reads "67,8 triệu đồng"); each block and file puts it in the report's
        language."""
        table = assess_targets(self.forecast, thresholds=self.thresholds, layer=self.layer)
        return table.assign(unit=[self.locality.info(m).unit for m in table["metric"]])

    @cached_property
    def whatif(self) -> pd.DataFrame:
        fc = self.forecast
        return run_whatif(
            self.locality,
            self.session.context,
            WHATIF_PACES,
            horizon=fc.horizon,
            n_paths=min(fc.n_paths, 2000),
            seed=fc.seed,
            thresholds=self.thresholds,
        )

    @cached_property
    def backtest(self) -> pd.DataFrame:
        ctx = self.session.context
        pool = list(ctx.localities.values())
        # The default and the drift baseline only: `ntm-forecast backtest` runs every model.
        scores = backtest_scores(
            [self.locality],
            pool=pool,
            n_paths=1000,
            seed=self.forecast.seed,
            light=True,
            selection=ctx.selection,
        )
        return summarise(scores, by=("family", "metric"), selection=ctx.selection)

    def data_frame(self) -> pd.DataFrame:
        """Every figure with its unit and source as a reader cites it (`sources.cite`: a
        seed's title, the quote apart from the notes in brackets, its language said)."""
        rows = []
        for o in self.locality.observations:
            cited = cite(self._source(o.source), o.quote, self.lang)
            rows.append(
                {
                    "metric": o.metric,
                    "year": o.year,
                    "value": o.value,
                    "unit": self.locality.info(o.metric).unit,
                    "status": o.status,
                    "kind": o.kind,
                    "as_of": o.as_of or "",
                    "source": cited.source,
                    "quote": cited.quote,
                    "note": cited.note,
                }
            )
        return pd.DataFrame(rows, columns=DATA_COLUMNS)

    def _source(self, source: str) -> str:
        """A page or seed as it is; a merged unit's sums said in words, with names."""
        if not source.startswith(MEMBERS_SOURCE):
            return source
        known = self.session.context.localities
        slugs = source.removeprefix(MEMBERS_SOURCE).split(", ")
        names = ", ".join(known[m].name if m in known else m for m in slugs)
        return self.word("report.source_members", members=names)

    @property
    def chart_metrics(self) -> list[str]:
        return [
            m
            for m in self.forecast.paths
            if self.locality.info(m).family in CHART_FAMILIES
            and m not in metrics.OCOP_STARS  # their total's chart says it; keeps reports quick
            and self.forecast.paths[m].model != "additions_only"
        ]

    def meta(self) -> dict:
        fc = self.forecast
        totals = {
            o.year: o.value
            for o in self.locality.observations
            if o.metric == "communes_total" and o.kind == "level"
        }
        if totals:
            last = max(totals)
            for y in range(last + 1, fc.end_year + 1):
                totals[y] = totals[last]
        return {
            "data_as_of": newest_figure(self.locality),
            "rests_on": self.rests_on(),
            "locality": display_name(self.locality, self.session.loaded.localities, self.lang),
            "slug": self.locality.slug,
            "origin_year": fc.origin_year,
            "seed": fc.seed,
            "n_paths": fc.n_paths,
            "version": __version__,
            "lang": self.lang,
            "communes_total": totals,
        }

    # --- planner tables ------------------------------------------------------------------

    def _planner(self, what, frame: pd.DataFrame | None = None):
        totals = self.meta()["communes_total"]
        return what(
            self.targets if frame is None else frame,
            self.lang,
            names=self.names,
            communes_total=totals,
        )

    def coming_table(self):
        """Coming targets, most at risk first (`planner.PlannerTable`: .frame, .to_html())."""
        return self._planner(planner.coming_table)

    def past_table(self):
        """Past targets with their outcome in words."""
        return self._planner(planner.past_table)

    def headline(self) -> str:
        return self._planner(planner.headline)

    def whatif_table(self):
        """A row per coming target, a column per pace factor, and the pace needed for 80%."""
        totals = self.meta()["communes_total"]
        return planner.whatif_table(self.whatif, self.lang, communes_total=totals)

    # --- notebook blocks ---------------------------------------------------------------

    def _heading(self, key: str, level: int = 2) -> None:
        _display(f"<h{level}>{escape_html(self.word(key))}</h{level}>")

    def _paragraph(self, text: str) -> None:
        _display(f"<p>{escape_html(text)}</p>")

    def show_header(self) -> None:
        """The title (the locality's name with what it is), the data date, what the
        probabilities rest on, the run, and the headline: what a planner reads first."""
        loc, fc = self.locality, self.forecast
        name = display_name(loc, self.session.loaded.localities, self.lang)
        _display(f"<h1>{escape_html(self.word('report.title', name=name))}</h1>")
        _display(f"<p><i>{escape_html(data_as_of(newest_figure(loc), self.lang))}</i></p>")
        _display(f"<p><i>{escape_html(self.rests_on())}</i></p>")
        self._paragraph(
            self.word(
                "report.header",
                name=loc.name,
                level=self.word(f"level.{kind_of(loc)}"),
                origin=fc.origin_year,
                end=fc.end_year,
                paths=fc.n_paths,
                seed=str(fc.seed),
                pace=fc.pace,
            )
        )
        _display(f"<p><b>{escape_html(self.headline())}</b></p>")

    def show_data(self) -> None:
        self._heading("report.data")
        _display(planner.html_table(planner.display_frame(self.data_frame(), self.lang)))

    def warnings(self) -> list[str]:
        """The data warnings and the forecast's notes, in the report's language."""
        found = list(check_locality(self.locality))
        parent = parent_finding(self.locality, self.session.loaded.localities)
        if parent is not None:
            found.append(parent)
        lines = [f.render(self.lang) for f in found]
        lines += [render(n, self.lang) for n in self.forecast.notes]
        return lines

    def show_warnings(self) -> None:
        self._heading("report.warnings")
        lines = self.warnings()
        if not lines:
            self._paragraph(self.word("report.no_warnings"))
            return
        _display("<ul>" + "".join(f"<li>{escape_html(w)}</li>" for w in lines) + "</ul>")

    def fan_png(self, metric: str) -> bytes:
        """The fan chart of one metric as PNG, rendered once and reused by `write`."""
        if metric not in self._figures:
            from ntm_forecast.render.charts import png_bytes  # matplotlib, when first drawn

            self._figures[metric] = png_bytes(self.fan_figure(metric))
        return self._figures[metric]

    def fan_figure(self, metric: str):
        """The fan chart of one metric as a matplotlib figure."""
        from ntm_forecast.render.charts import draw_fan  # matplotlib, when first drawn

        label = metric_label(metric, self.lang)
        return draw_fan(
            self.forecast.fan_frame(metric),
            title=f"{label} — {self.locality.name}",
            metric_label=label,
            ceiling=commune_ceiling(metric, self.meta()),
            targets=chart_targets(self.targets, metric),
            lang=self.lang,
        )

    def show_fan_chart(self, metric: str) -> None:
        try:
            from IPython.display import Image
        except ImportError:
            return
        _display(Image(data=self.fan_png(metric), format="png"))

    def show_fan_charts(self) -> None:
        """Every chart of `chart_metrics` under one heading."""
        if not self.chart_metrics:
            return
        self._heading("report.chart")
        for metric in self.chart_metrics:
            self.show_fan_chart(metric)

    def show_targets(self) -> None:
        """The coming targets (a table when any has a probability, else why not in a sentence;
        none: the headline said so), then the past ones."""
        self._heading("report.targets")
        coming = self.coming_table()
        if len(coming):
            self._heading("report.coming", level=3)
            instead = planner.instead_of_coming(self.targets, self.lang)
            _display(coming.to_html() if instead is None else f"<p>{escape_html(instead)}</p>")
        past = self.past_table()
        if len(past):
            self._heading("report.past", level=3)
            _display(past.to_html())

    def show_whatif(self) -> None:
        """The targets with a probability under each pace; none: nothing to vary, and the
        targets block said why."""
        table = self.whatif_table().assessed()
        if not len(table):
            return
        self._heading("report.whatif")
        self._paragraph(self.word("report.whatif_note"))
        _display(table.to_html())

    def show_backtest(self) -> None:
        """The model's checks, last: an appendix, with what its ratio means in one sentence."""
        self._heading("report.appendix")
        bt = self.backtest
        if len(bt):
            self._paragraph(self.word("report.appendix_note"))
            _display(planner.html_table(planner.display_frame(bt, self.lang)))
        else:
            self._paragraph(self.word("report.no_backtest"))

    def write(self, output_dir, formats=("csv", "xlsx", "docx", "png")) -> list[Path]:
        # As complete as the notebook (which computed these already): the what-if for the
        # workbook and the Word report, the warnings and the checks for the Word report.
        parts = {}
        if "xlsx" in formats or "docx" in formats:
            parts["whatif"] = self.whatif
        if "docx" in formats:
            parts |= {"warnings": self.warnings(), "backtest": self.backtest}
        return export_locality(
            forecast=self.forecast.to_frame(),
            targets=self.targets,
            data=self.data_frame(),
            fans={m: self.forecast.fan_frame(m) for m in self.chart_metrics},
            meta=self.meta(),
            formats=formats,
            lang=self.lang,
            output_dir=output_dir,
            figures=self._figures,
            **parts,
        )


def build(
    params_path,
    *,
    horizon: int = 5,
    n_paths: int = 10_000,
    seed: int = 0,
    pace: float = 1.0,
    lang: str = "vi",
    thresholds: Thresholds | None = None,
    model: str | None = None,
    session: Session | None = None,
    session_path: str | None = None,
) -> Report:
    """Load one params file (pooling with its folder), forecast it and wrap the results.

    ``session_path``: a session saved by the batch (pool loaded and fitted once); without
    it the notebook loads the folder and fits the pool itself.
    """
    check_lang(lang)
    path = Path(params_path)
    if not path.exists() and (Path("..") / path).exists():
        path = Path("..") / path  # a notebook opened from notebooks/
    if session is None and session_path:
        session = load_session(session_path).select(path)
    session = session or open_session([path])
    loc = session.chosen[0] if session.chosen else None
    if loc is None:
        raise ValueError(f"{path}: no locality loaded")
    fc = forecast_locality(
        loc, session.context, horizon=horizon, n_paths=n_paths, seed=seed, pace=pace, model=model
    )
    return Report(session, fc, lang, thresholds or Thresholds())


__all__ = ["Report", "build", "metrics"]
