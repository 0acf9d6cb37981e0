"""The one place that reads params files: YAML in, a frozen :class:`Locality` out.

Every problem is a :class:`~ntm_forecast.errors.Problem` of the file (one line
``file: field: expected ..., found ...`` when shown); a file either loads whole or not at all.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError

from ntm_forecast.domain.checks import check_all
from ntm_forecast.domain.members import combine_all, member_problems
from ntm_forecast.domain.national_targets import (
    NATIONAL_SLUG,
    national_shares,
    with_national_targets,
)
from ntm_forecast.domain.schema import Locality, validation_problems
from ntm_forecast.errors import InputError, Problem
from ntm_forecast.files import read_text

DEFAULT_DIR = Path("params")
SUFFIXES = (".yaml", ".yml")


class _AliasFound(yaml.constructor.ConstructorError):
    """An alias (``*name``) in a params file."""


class _StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """The safe loader (libyaml's when installed: several times faster) that also refuses
    duplicate keys, a silent overwrite in plain YAML, and aliases: nine levels of nine
    aliases ("billion laughs") are a few hundred bytes that validation would walk as 10⁹
    nodes. Params files are written out in full, so no alias is ever needed."""

    def construct_document(self, node: yaml.Node) -> object:
        seen: set[int] = set()
        stack = [node]
        while stack:  # the composed graph shares a node wherever an alias points at it
            here = stack.pop()
            if id(here) in seen:
                raise _AliasFound(None, None, "an alias of an anchor", here.start_mark)
            seen.add(id(here))
            if isinstance(here, yaml.SequenceNode):
                stack.extend(here.value)
            elif isinstance(here, yaml.MappingNode):
                stack.extend(n for pair in here.value for n in pair)
        return super().construct_document(node)


def _mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise yaml.constructor.ConstructorError(
                None, None, f"a key that is a {type(key).__name__}", key_node.start_mark
            )
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen[key] = True
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)

# YAML 1.1 also reads 1_000, 0x1F, 017 (octal: 15) and 1:20 (base 60: 80) as numbers; in a
# params file a number is decimal, in the digits 0-9, and anything else stays text (which the
# schema then refuses where a number belongs).
_INT, _FLOAT = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_INT, _FLOAT)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(
    _INT, re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)
_StrictLoader.add_implicit_resolver(
    _FLOAT,
    re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"),
    list("-+0123456789."),
)


def read_yaml(path: Path, text: str | None = None) -> object:
    """Parse one file (or its `text`, read already); raise :class:`InputError` for bytes,
    syntax or tags we refuse."""
    text = read_text(path) if text is None else text
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except _AliasFound as exc:
        where = _mark(exc.problem_mark)
        expected = "plain YAML without aliases (*name)"
        raise InputError.at(path, where, expected, "an alias of the anchor on this line") from None
    except yaml.constructor.ConstructorError as exc:
        where = _mark(exc.problem_mark)
        if "constructor for the tag" in (exc.problem or ""):
            tag = (exc.problem or "").split("tag ", 1)[-1].strip(" '")
            raise InputError.at(
                path, where, "plain YAML without object tags", f"tag {tag}"
            ) from None
        raise InputError.at(path, where, "valid YAML", exc.problem) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError.at(path, _mark(mark), "valid YAML", what) from None


def _mark(mark) -> str:
    return f"line {mark.line + 1}" if mark is not None else "yaml"


def load_locality(path: str | Path) -> Locality:
    """Read, validate and freeze one params file. The same text at the same path is parsed
    once per process (a command expands a folder more than once: the files it serves, then
    their neighbours to pool with); a file written since is parsed again."""
    path = Path(path)
    text = read_text(path)
    key = str(path.resolve())
    if key not in _PARSED or _PARSED[key][0] != text:
        try:
            _PARSED[key] = (text, _parse(path, text))
        except InputError as exc:
            _PARSED[key] = (text, exc)
    found = _PARSED[key][1]
    if isinstance(found, InputError):
        raise InputError(found.problems)
    return found


# resolved path → (the text last parsed there, its frozen locality or why it was refused)
_PARSED: dict[str, tuple[str, Locality | InputError]] = {}


def _parse(path: Path, text: str) -> Locality:
    data = read_yaml(path, text)
    if not isinstance(data, dict):
        raise InputError.at(path, "(top level)", "a mapping of fields", type(data).__name__)
    try:
        loc = Locality.model_validate(data)
    except ValidationError as exc:
        raise InputError(validation_problems(exc, path)) from None
    if loc.slug != path.stem:
        raise InputError.at(path, "slug", f"the file's stem '{path.stem}'", f"'{loc.slug}'")
    return loc


@dataclass(frozen=True)
class Loaded:
    """The result of loading several files: what loaded, what failed and what looks odd."""

    localities: dict[str, Locality] = field(default_factory=dict)
    paths: dict[str, Path] = field(default_factory=dict)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def discover(paths: Sequence[str | Path] | None = None) -> list[Path]:
    """The params files a command serves (the default folder is ``params/``): every file
    named, and every file of a named folder that loads. A folder's file that is refused is
    left out with its problems on stderr, so one broken file does not stop the others; a
    file named itself is kept whatever it holds (loading it is then the caller's error)."""
    files, in_folders = _expand(paths)
    asked = {Path(p).resolve() for p in paths or () if not Path(p).is_dir()}
    problems = _load(in_folders).errors if in_folders else []
    left_out = [p for p in problems if Path(p.file).resolve() not in asked]
    refused = {Path(p.file).resolve() for p in left_out}
    kept = [p for p in files if p.resolve() in asked or p.resolve() not in refused]
    if not kept:  # nothing to serve: the refusals are the error
        raise InputError(left_out)
    for problem in left_out:
        _say_once(f"{problem} (file left out)")
    return kept


# A command expands a folder twice (the files asked for, then their neighbours to pool
# with): a refused file is said once.
_SAID: set[str] = set()


def _say_once(line: str) -> None:
    if line not in _SAID:
        _SAID.add(line)
        print(line, file=sys.stderr)


def _expand(paths: Sequence[str | Path] | None) -> tuple[list[Path], list[Path]]:
    """Every file in the order given, folders expanded, each once; and those of the folders."""
    targets = [Path(p) for p in paths] if paths else [DEFAULT_DIR]
    files: list[Path] = []
    in_folders: list[Path] = []
    for p in targets:
        if p.is_dir():
            found = sorted(q for q in p.iterdir() if q.suffix in SUFFIXES)
            files.extend(found)
            in_folders.extend(found)
        else:
            files.append(p)
    if not files:
        raise InputError.at(targets[0], "path", "at least one .yaml params file", "none")
    unique: dict[Path, Path] = {}
    for p in files:  # a file named twice (itself and its folder) is one file
        unique.setdefault(p.resolve(), p)
    return list(unique.values()), in_folders


def load_many(paths: Iterable[str | Path] | None = None) -> Loaded:
    """Load every file, a folder's broken ones too, collecting errors instead of stopping
    at the first (what `check` reports)."""
    files, _ = _expand(list(paths) if paths is not None else None)
    out = _load(files)
    out.warnings.extend(check_all(out.localities, out.paths))
    _apply_national_targets(out)
    return out


def _load(files: list[Path]) -> Loaded:
    """Each file loaded and its members resolved; no warnings yet."""
    out = Loaded()
    for path in files:
        try:
            loc = load_locality(path)
        except InputError as exc:
            out.errors.extend(exc.problems)
            continue
        if loc.slug in out.localities:
            other = out.paths[loc.slug]
            found = f"'{loc.slug}', also in {other}"
            out.errors.append(Problem(path, "slug", "a slug no other file uses", found))
            continue
        out.localities[loc.slug] = loc
        out.paths[loc.slug] = path
    _resolve_members(out)
    return out


def _apply_national_targets(out: Loaded) -> None:
    """Every unit gets the national shares of 2026–2030 it has no target of its own for; the
    national file is read from the folder of the files asked for when it was not asked for."""
    national = out.localities.get(NATIONAL_SLUG)
    if national is None:
        for folder in sorted({p.parent for p in out.paths.values()}):
            candidate = folder / f"{NATIONAL_SLUG}.yaml"
            if candidate.is_file():
                with contextlib.suppress(InputError):  # a broken national file is its own error
                    national = load_locality(candidate)
                break
    if national is None:
        return
    shares = national_shares(national)
    for slug, loc in out.localities.items():
        out.localities[slug] = with_national_targets(loc, shares)


def _resolve_members(out: Loaded) -> None:
    """Check the units' members (loading a member from the unit's folder when it was not
    asked for) and give each unit its members' summed history."""
    units = [s for s, loc in out.localities.items() if loc.members]
    if not units:
        return
    pool, paths = dict(out.localities), dict(out.paths)
    wanted = [m for s in units for m in out.localities[s].members if m not in pool]
    folders = sorted({out.paths[s].parent for s in units})
    for m in wanted:
        for folder in folders:
            for suffix in SUFFIXES:
                candidate = folder / f"{m}{suffix}"
                if candidate.is_file() and m not in pool:
                    with contextlib.suppress(InputError):  # then reported as a missing member
                        pool[m], paths[m] = load_locality(candidate), candidate
    bad = member_problems(pool, paths)
    for slug, problems in bad.items():
        out.errors.extend(problems)
        if slug in out.localities:  # only the broken units are left out
            del out.localities[slug]
            del out.paths[slug]
    combined = combine_all({s: loc for s, loc in pool.items() if s not in bad})
    for s in units:
        if s not in bad:
            out.localities[s] = combined[s]


def load_or_raise(paths: Iterable[str | Path] | None = None) -> Loaded:
    """Like :func:`load_many`, but any error stops everything (nothing is run half-way)."""
    loaded = load_many(paths)
    if loaded.errors:
        raise InputError(loaded.errors)
    return loaded


# ---------------------------------------------------------------- the one writer

TOP_ORDER = ("name", "slug", "level", "parent", "members", "merged_into", "origin_year", "notes")


_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def dump_params(data: dict) -> str:
    """The canonical text of a params mapping: the same data always gives the same bytes,
    top-level keys in a fixed order, entries in the order given, long lines kept whole."""
    ordered = {k: data[k] for k in TOP_ORDER if k in data}
    ordered.update((k, v) for k, v in data.items() if k not in ordered)
    return yaml.dump(
        ordered,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=4096,
        default_flow_style=False,
    )
