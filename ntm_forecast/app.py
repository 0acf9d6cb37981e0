"""The web app of `ntm-forecast serve`: the explorer as a page for planners, in Vietnamese.

`notebooks/app.ipynb` only calls :func:`page`; what the page shows and does is here, under
test without a browser. The server loads and pools the params folder once and saves the
session (`Session.save`); each page loads that file, so a change of locality or pace
forecasts one locality from the fitted pool. A figure or a target from the form goes into
the locality's params file through `importer.add_row` (checked, merged and written as
`import` does), then the folder is loaded again and the page redrawn with it.
"""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import ipywidgets as widgets

from ntm_forecast.assess.review import review
from ntm_forecast.domain import metrics
from ntm_forecast.domain.names import display_names
from ntm_forecast.domain.schema import AS_OF, Locality
from ntm_forecast.engine.session import Session, load_session, open_session
from ntm_forecast.errors import InputError, Problem
from ntm_forecast.i18n.labels import data_as_of
from ntm_forecast.i18n.messages import check_lang, has, metric_label, word
from ntm_forecast.i18n.textsafe import escape_html
from ntm_forecast.ingest import importer
from ntm_forecast.render import planner
from ntm_forecast.render.report import Report, build
from ntm_forecast.render.review import review_text_table

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "app.ipynb"
# Voilà's lab template without links to a CDN: notebooks/voila/templates/ntm, found through
# JUPYTER_PATH.
TEMPLATE = "ntm"
# What `serve` hands the notebook's kernel.
ENV_PARAMS = "NTM_APP_PARAMS"
ENV_SESSION = "NTM_APP_SESSION"
ENV_LANG = "NTM_APP_LANG"

FORM_METRICS = ("communes_ntm", "communes_advanced", "communes_model", "ocop_total")
TARGET_KINDS = ("level", "increment", "share")  # "39 xã", "thêm 12 xã", "80% số xã"
DOWNLOADS = ["report.docx", "report.xlsx", "targets.csv", "forecast.csv"]
MIME = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv",
}
# The importer's words for what it expected, and the catalogue's (longest first).
EXPECTED = (
    ("a whole number > 0", "app.expected.positive_whole"),
    ("a whole number", "app.expected.whole"),
    ("a finite number", "app.expected.number"),
    ("a number", "app.expected.number"),
    ("a value", "app.expected.value"),
    ("a date", "app.expected.date"),
    ("a year", "app.expected.year"),
)
REPORTS_KEPT = 32  # (locality, pace) reports a page keeps; the oldest goes first


def _current(loc: Locality, localities: Mapping[str, Locality]) -> bool:
    """A province since 1 July 2025: a unit of that day, or a province that did not merge."""
    merged = loc.merged_into or any(loc.slug in u.members for u in localities.values())
    return loc.level == "province" and not merged


def locality_choices(localities: Mapping[str, Locality], lang: str = "vi") -> dict[str, str]:
    """Display name → slug: the provinces since 1 July 2025, the former provinces, the
    districts, the country; by name within each."""
    names = display_names(localities, lang)

    def order(slug: str) -> tuple:
        loc = localities[slug]
        group = {"province": 1, "district": 2, "national": 3}[loc.level]
        group = 0 if _current(loc, localities) else group
        return group, loc.slug, slug

    return {names[s][:1].upper() + names[s][1:]: s for s in sorted(localities, key=order)}


def problem_words(problem: Problem, lang: str) -> str:
    """One line of a form's problem: the field as the form names it, what was expected (in
    the catalogue's words where it has them) and what was found."""
    column = str(problem.field if isinstance(problem.field, str) else problem.field[-1])
    key = f"app.field.{column}"
    field = word(key, lang) if has(key) else column
    expected = next(
        (word(k, lang) for text, k in EXPECTED if problem.expected.startswith(text)),
        problem.expected,
    )
    found = word("app.empty", lang) if problem.found == "an empty cell" else problem.found
    return word("app.bad", lang, field=field, expected=expected, found=found)


def as_of_level(loc: Locality, localities: Mapping[str, Locality], as_of: str) -> str:
    """The table's level of a form's figure: a province's since 1 July 2025 counts the
    merged communes (`importer.UNIT_LEVEL`); any other keeps its file's level."""
    if _current(loc, localities) and as_of[:7] >= metrics.MERGER_MONTH:
        return importer.UNIT_LEVEL
    return loc.level


@dataclass(frozen=True)
class Added:
    """What the form did: ``lines`` to show, ``written`` when the file changed."""

    lines: list[str]
    written: bool


class App:
    """The page's state: one fitted session, and the reports it has drawn.

    ``params_dir``: the params folder the forms write to; ``session_file``: the session the
    server saved (else the folder is loaded here)."""

    def __init__(
        self,
        params_dir: str | os.PathLike[str] = "params",
        *,
        session_file: str | os.PathLike[str] | None = None,
        lang: str = "vi",
        n_paths: int = 2000,
        seed: int = 0,
        horizon: int = 5,
    ):
        self.params_dir = params_dir
        self.session_file = session_file
        self.lang = lang
        self.n_paths = n_paths
        self.seed = seed
        self.horizon = horizon

    @classmethod
    def from_env(cls, params_dir: str = "params", lang: str = "vi") -> App:
        """The app as `ntm-forecast serve` set it up for the kernel (its folder, its saved
        session, its language), else on ``params_dir`` in ``lang``."""
        return cls(
            os.environ.get(ENV_PARAMS, params_dir),
            session_file=os.environ.get(ENV_SESSION) or None,
            lang=os.environ.get(ENV_LANG, lang),
        )

    def fit(self) -> App:
        check_lang(self.lang)
        if self.session_file and Path(self.session_file).is_file():
            self._use(load_session(self.session_file))
        else:
            self._use(open_session([Path(self.params_dir).resolve()]))
        return self

    def _use(self, session: Session) -> None:
        self.session_ = session
        self.choices_ = locality_choices(session.loaded.localities, self.lang)
        self.reports_: dict[tuple[str, float], Report] = {}

    def report(self, slug: str, pace: float) -> Report:
        key = (slug, round(float(pace), 2))
        if key not in self.reports_:
            if len(self.reports_) >= REPORTS_KEPT:
                del self.reports_[next(iter(self.reports_))]
            path = self.session_.paths[slug]
            self.reports_[key] = build(
                path,
                horizon=self.horizon,
                n_paths=self.n_paths,
                seed=self.seed,
                pace=key[1],
                lang=self.lang,
                session=self.session_.select(path),
            )
        return self.reports_[key]

    # --- what the page shows ----------------------------------------------------------

    def header_html(self, rep: Report) -> str:
        meta = rep.meta()
        lines = [
            f"<h2>{escape_html(word('report.title', self.lang, name=meta['locality']))}</h2>",
            f"<p><i>{escape_html(data_as_of(meta['data_as_of'], self.lang))}</i></p>",
            f"<p><i>{escape_html(rep.rests_on())}</i></p>",
            f'<p class="ntm-headline"><b>{escape_html(rep.headline())}</b></p>',
        ]
        return "".join(lines)

    def targets_html(self, rep: Report) -> str:
        coming = rep.coming_table()
        if len(coming):
            return coming.to_html()
        return f"<p>{escape_html(word('report.no_coming', self.lang))}</p>"

    def charts_html(self, rep: Report) -> str:
        return "".join(
            f'<img alt="{escape_html(metric_label(m, self.lang))}" style="max-width:100%" '
            f'src="data:image/png;base64,{base64.b64encode(rep.fan_png(m)).decode()}">'
            for m in rep.chart_metrics
        )

    def whatif_html(self, rep: Report) -> str:
        return f"<p>{escape_html(word('report.whatif_note', self.lang))}</p>" + (
            rep.whatif_table().to_html()
        )

    def review_html(self, slug: str) -> str:
        table = review([self.session_.loaded.localities[slug]])
        if table.empty:
            return f"<p>{escape_html(word('review.empty', self.lang, first=2021, last=2025))}</p>"
        return planner.html_table(review_text_table(table, self.lang))

    def files(self, slug: str, pace: float) -> dict[str, bytes]:
        """The locality's Word, Excel and CSV files, built as the batch builds them."""
        rep = self.report(slug, pace)
        with tempfile.TemporaryDirectory() as scratch:
            rep.write(scratch, formats=("csv", "xlsx", "docx"))
            return {name: (Path(scratch) / name).read_bytes() for name in DOWNLOADS}

    def download_links(self, slug: str, pace: float) -> str:
        links = []
        for name, data in self.files(slug, pace).items():
            mime = MIME[Path(name).suffix]
            href = f"data:{mime};base64,{base64.b64encode(data).decode()}"
            saved = f"{slug}_{name}"
            links.append(f'<a download="{saved}" href="{href}">{escape_html(saved)}</a>')
        return " · ".join(links)

    # --- the forms ----------------------------------------------------------------------

    def add_figure(
        self, slug: str, *, metric: str, value: str, of: str, as_of: str, source: str, quote: str
    ) -> Added:
        """An observed figure ("15/51 xã at 2025-09-30")."""
        loc = self.session_.loaded.localities[slug]
        if not AS_OF.fullmatch(as_of.strip()):  # the year comes from the date: one line, not two
            bad = Problem(
                None, "as_of", "a date", repr(as_of) if as_of.strip() else "an empty cell"
            )
            return Added(
                [problem_words(bad, self.lang), word("app.nothing_written", self.lang)], False
            )
        cells = {
            "year": as_of.strip()[:4],
            "as_of": as_of,
            "metric": metric,
            "value": value,
            "denominator": of,
            "status": "actual",
            "level": as_of_level(loc, self.session_.loaded.localities, as_of.strip()),
        }
        return self._add(slug, cells, source, quote)

    def add_target(
        self, slug: str, *, metric: str, kind: str, value: str, year: str, source: str, quote: str
    ) -> Added:
        """A target of a plan: "mục tiêu năm 2027: thêm 12 xã" is kind increment, 12, 2027."""
        suffix = {"increment": importer.INCREMENT_SUFFIX, "share": importer.SHARE_SUFFIX}
        cells = {
            "year": year,
            "as_of": date.today().isoformat(),
            "metric": metric + suffix.get(kind, ""),
            "value": value,
            "denominator": "",
            "status": "target",
            "level": self.session_.loaded.localities[slug].level,
        }
        return self._add(slug, cells, source, quote)

    def _add(self, slug: str, cells: dict, source: str, quote: str) -> Added:
        loc = self.session_.loaded.localities[slug]
        cells |= {"locality": loc.name, "source_url": source, "quote": quote}
        where = importer.At(Path(word("app.form", self.lang)), 1)
        try:
            change = importer.add_row(self.session_.paths[slug], cells, where)
        except InputError as exc:
            lines = [problem_words(p, self.lang) for p in exc.problems]
            return Added([*lines, word("app.nothing_written", self.lang)], written=False)
        if not change.touched:
            return Added([word("app.already_there", self.lang)], written=False)
        self.refit()
        lines = [word("app.written", self.lang, file=str(change.path))]
        if change.conflicts:
            lines.append(word("app.conflict", self.lang))
        return Added(lines, written=True)

    def refit(self) -> None:
        """The folder loaded again (a file changed); the server's session file follows."""
        session = open_session([Path(self.params_dir).resolve()])
        if self.session_file:
            session.save(self.session_file)
        self._use(session)


class Page:
    """The widgets of the page and what each change redraws."""

    def __init__(self, app: App):
        self.app = app
        lang = app.lang
        self.locality = widgets.Combobox(
            options=list(app.choices_),
            value=next(iter(app.choices_)),
            placeholder=word("app.search", lang),
            description=word("col.locality", lang),
            ensure_option=True,
            layout=widgets.Layout(width="38em"),
        )
        self.pace = widgets.FloatSlider(
            value=1.0,
            min=0.5,
            max=2.0,
            step=0.1,
            readout_format=".1f",
            continuous_update=False,
            description=word("col.pace", lang),
            style={"description_width": "initial"},
        )
        self.header, self.targets, self.charts = (widgets.HTML() for _ in range(3))
        self.whatif, self.review, self.links = (widgets.HTML() for _ in range(3))
        self.prepare = widgets.Button(description=word("app.prepare", lang), icon="download")
        self.figure_form = _Form(lang, "figure")
        self.target_form = _Form(lang, "target")
        self.drawn_in = 0.0  # seconds the last redraw took (the benchmark reads it)
        for name in ("locality", "pace", "header", "targets", "charts", "review", "links"):
            getattr(self, name).add_class(f"ntm-{name}")  # for the browser tests
        self.locality.observe(self.redraw, names="value")
        self.pace.observe(self.redraw, names="value")
        self.prepare.on_click(self._prepare)
        self.figure_form.button.on_click(self._add_figure)
        self.target_form.button.on_click(self._add_target)

        def heading(key: str) -> widgets.HTML:
            return widgets.HTML(f"<h3>{escape_html(word(key, lang))}</h3>")

        self.box = widgets.VBox(
            [
                widgets.HTML(f"<h1>{escape_html(word('app.title', lang))}</h1>"),
                widgets.HBox([self.locality, self.pace]),
                self.header,
                heading("report.coming"),
                self.targets,
                heading("report.chart"),
                self.charts,
                heading("report.whatif"),
                self.whatif,
                heading("app.review"),
                self.review,
                heading("app.downloads"),
                widgets.HBox([self.prepare, self.links]),
                heading("app.add_figure"),
                self.figure_form.box,
                heading("app.add_target"),
                self.target_form.box,
            ]
        )
        self.redraw()

    @property
    def slug(self) -> str | None:
        return self.app.choices_.get(self.locality.value)

    def redraw(self, _change=None) -> None:
        if self.slug is None:  # a name half typed
            return
        started = time.perf_counter()
        rep = self.app.report(self.slug, self.pace.value)
        self.targets.value = self.app.targets_html(rep)
        self.charts.value = self.app.charts_html(rep)
        self.whatif.value = self.app.whatif_html(rep)
        self.review.value = self.app.review_html(self.slug)
        self.links.value = ""
        self.header.value = self.app.header_html(rep)  # last: a new title means all is new
        self.drawn_in = time.perf_counter() - started

    def _prepare(self, _button=None) -> None:
        self.links.value = self.app.download_links(self.slug, self.pace.value)

    def _add_figure(self, _button=None) -> None:
        self._show(self.figure_form, self.app.add_figure(self.slug, **self.figure_form.values()))

    def _add_target(self, _button=None) -> None:
        self._show(self.target_form, self.app.add_target(self.slug, **self.target_form.values()))

    def _show(self, form: _Form, added: Added) -> None:
        if added.written:
            self.locality.options = list(self.app.choices_)
            self.redraw()
        colour = "#1b5e20" if added.written else "#b71c1c"
        text = "<br>".join(escape_html(line) for line in added.lines)
        form.message.value = f'<p class="ntm-message" style="color:{colour}">{text}</p>'


class _Form:
    """A figure's or a target's fields; every value is text, checked by the importer."""

    def __init__(self, lang: str, kind: str):
        def text(key: str, placeholder: str = "") -> widgets.Text:
            return widgets.Text(
                description=word(key, lang),
                placeholder=placeholder,
                style={"description_width": "14em"},
                layout=widgets.Layout(width="38em"),
            )

        metric_options = [(metric_label(m, lang), m) for m in FORM_METRICS]
        self.fields: dict[str, widgets.Widget] = {
            "metric": widgets.Dropdown(
                options=metric_options,
                description=word("app.field.metric", lang),
                style={"description_width": "14em"},
                layout=widgets.Layout(width="38em"),
            )
        }
        if kind == "target":
            kinds = [(word(f"app.kind.{k}", lang), k) for k in TARGET_KINDS]
            self.fields["kind"] = widgets.Dropdown(
                options=kinds,
                description=word("app.field.target_kind", lang),
                style={"description_width": "14em"},
                layout=widgets.Layout(width="38em"),
            )
            self.fields["year"] = text("app.field.target_year", "2027")
            self.fields["value"] = text("app.field.value", "12")
        else:
            self.fields["value"] = text("app.field.value", "15")
            self.fields["of"] = text("app.field.denominator", "51")
            self.fields["as_of"] = text("app.field.as_of", "2025-09-30")
        self.fields["source"] = text("app.field.source_url", "https://…")
        self.fields["quote"] = widgets.Textarea(
            description=word("app.field.quote", lang),
            style={"description_width": "14em"},
            layout=widgets.Layout(width="38em"),
        )
        self.button = widgets.Button(
            description=word(f"app.add_{kind}_button", lang), button_style="primary"
        )
        self.message = widgets.HTML()
        self.box = widgets.VBox([*self.fields.values(), self.button, self.message])
        self.box.add_class(f"ntm-form-{kind}")

    def values(self) -> dict[str, str]:
        return {name: str(w.value) for name, w in self.fields.items()}


def page(params_dir: str = "params", lang: str = "vi") -> widgets.VBox:
    """The page's widgets, drawn for the first locality (the notebook displays it)."""
    return Page(App.from_env(params_dir, lang).fit()).box


def voila_command(host: str, port: int) -> list[str]:
    """Voilà on the app's notebook: its outputs only, never its code or a traceback."""
    return [
        sys.executable,
        "-m",
        "voila",
        str(NOTEBOOK),
        f"--port={port}",
        f"--Voila.ip={host}",
        "--no-browser",
        "--strip_sources=True",
        "--VoilaConfiguration.show_tracebacks=False",
        f"--template={TEMPLATE}",
    ]


def serve(params_dir: str | os.PathLike[str], *, host: str, port: int, lang: str, echo) -> int:
    """Load and pool the folder once (a bad file stops here, exit 2), say the address, then
    serve the app until interrupted; each page loads the saved session."""
    check_lang(lang)
    folder = Path(params_dir).resolve()
    session = open_session([folder])
    with tempfile.TemporaryDirectory(prefix="ntm-serve-") as scratch:
        session_file = session.save(Path(scratch) / "session.pickle")
        echo(f"http://{host}:{port}/")
        env = {
            **os.environ,
            ENV_PARAMS: str(folder),
            ENV_SESSION: str(session_file),
            ENV_LANG: lang,
            "MPLBACKEND": "Agg",
            "JUPYTER_PATH": os.pathsep.join(
                p for p in (str(NOTEBOOK.parent), os.environ.get("JUPYTER_PATH")) if p
            ),
        }
        proc = subprocess.Popen(voila_command(host, port), env=env)
        # Stopped, the command stops Voilà (which stops its kernels) before the folder goes.
        signal.signal(signal.SIGTERM, lambda *_: proc.terminate())
        try:
            return proc.wait()
        except KeyboardInterrupt:  # Ctrl-C reached Voilà too
            return proc.wait()
