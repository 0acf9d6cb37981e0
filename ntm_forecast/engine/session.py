"""Load what a command asks for, plus the localities it may borrow from.

A forecast of one province still pools with every other params file beside it (and the
national one), so a command on one file loads its whole folder. The files asked for must
be valid; a broken neighbour is left out of the pool with a warning.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ntm_forecast.domain.params import Loaded, discover, load_many
from ntm_forecast.domain.schema import Locality
from ntm_forecast.engine.forecast import Context
from ntm_forecast.errors import InputError, Problem
from ntm_forecast.files import atomic_write_bytes, read_text

# The probability layer fitted on the folder's past plans (`ntm-forecast hindcast
# --write-layer`), read as it is: the assessment turns it into probabilities.
LAYER_FILE = "probability_layer.json"


@dataclass(frozen=True)
class Session:
    chosen: list[Locality]
    paths: dict[str, Path]
    loaded: Loaded
    context: Context
    layer: dict | None = None  # the folder's LAYER_FILE, or None: the trend alone

    @property
    def warnings(self) -> list[str]:
        return self.loaded.warnings

    def warnings_for(self, slug: str) -> list[str]:
        path = str(self.paths.get(slug, slug))
        return [w for w in self.loaded.warnings if w.startswith(f"{path}:")]

    def select(self, params_path: str | Path) -> Session:
        """The same pool and fit, with the locality of ``params_path`` chosen."""
        wanted = Path(params_path).resolve()
        picked = [
            self.loaded.localities[slug]
            for slug, p in self.paths.items()
            if Path(p).resolve() == wanted
        ]
        if not picked:
            raise InputError.at(params_path, "params_path", "a file of the saved session", "none")
        return replace(self, chosen=picked)

    def save(self, path: str | Path) -> Path:
        """Pickle the pool and its fit, so that a batch fits once for every notebook."""
        return atomic_write_bytes(path, pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL))


def load_session(path: str | Path) -> Session:
    """A session written by :meth:`Session.save` (the batch's own file, never user input)."""
    with open(path, "rb") as fh:
        session = pickle.load(fh)
    if not isinstance(session, Session):
        raise InputError.at(path, "session", "a saved ntm-forecast session", type(session).__name__)
    return session


def open_session(paths: Sequence[str | Path] | None = None) -> Session:
    files = discover(paths)
    folders = {f.parent for f in files}
    neighbours = [p for d in sorted(folders) for p in discover([d]) if p not in files]
    everything = load_many([*files, *neighbours])  # each file parsed and checked once
    mine = [e for e in everything.errors if e.file in files]
    if mine:
        raise InputError(mine)
    pool = dict(everything.localities)
    left_out = [f"{line} (left out of the pool)" for line in everything.errors]
    loaded = Loaded(pool, dict(everything.paths), [], everything.warnings + left_out)
    ctx = Context.from_localities(pool.values())
    wanted = set(files)
    picked = [loc for slug, loc in pool.items() if everything.paths[slug] in wanted]
    missing = wanted - {everything.paths[loc.slug] for loc in picked}
    if missing:  # e.g. a unit whose member is a broken unit: no line of its own above
        raise InputError(
            [
                Problem(f, "members", "members that load", "a member left out")
                for f in sorted(missing)
            ]
        )
    return Session(picked, dict(everything.paths), loaded, ctx, _layer(sorted(folders)))


def _layer(folders: list[Path]) -> dict | None:
    """The first folder's layer file; a broken one is a user's mistake (one line, exit 2)."""
    for folder in folders:
        path = folder / LAYER_FILE
        if not path.is_file():
            continue
        try:
            data = json.loads(read_text(path))
        except ValueError as exc:
            expected = "a layer written by `ntm-forecast hindcast`"
            raise InputError.at(path, "json", expected, exc) from None
        if not isinstance(data, dict) or data.get("layer") not in ("trend", "plan_signal"):
            raise InputError.at(path, "layer", "trend or plan_signal", repr(data)[:60])
        return data
    return None
