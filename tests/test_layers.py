"""The package is built in layers: each module imports only from the layers below it.

Every import is read, including those inside functions. A module may import from a lower
layer or from its own subpackage; the modules of one subpackage import each other without a
cycle; i18n (with errors, version and files) is a base every layer may use.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "ntm_forecast"

# Lower rank = lower layer. Subpackages of the same rank are peers and may not import each other.
RANKS = {
    "errors": 0,
    "version": 0,
    "files": 1,
    "i18n": 1,
    "domain": 2,
    "ingest": 3,
    "engine": 3,
    "assess": 4,
    "render": 5,
    "batch": 6,
    "app": 6,
    "cli": 7,
    "__init__": 8,
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imported(name: str, path: Path) -> set[str]:
    """The package's modules that ``name`` imports, anywhere in its body."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:  # `from pkg import module` names the module
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    return {m for m in found if m in MODULES and m != name}


GRAPH = {name: imported(name, path) for name, path in MODULES.items()}


def layer(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_every_module_has_a_layer():
    assert {layer(m) for m in MODULES} <= set(RANKS)
    assert len(MODULES) > 40


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_point_down(name):
    upward = [
        m for m in GRAPH[name] if layer(m) != layer(name) and RANKS[layer(m)] >= RANKS[layer(name)]
    ]
    assert not upward, f"{name} imports {upward} (same or higher layer)"


def test_no_import_cycle():
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(GRAPH[node]):
            if state.get(nxt) == 1:
                raise AssertionError(" -> ".join([*trail, node, nxt]))
            if nxt not in state:
                visit(nxt, [*trail, node])
        state[node] = 2

    for name in sorted(GRAPH):
        if name not in state:
            visit(name, [])


def test_the_rule_catches_an_upward_import(tmp_path):
    # The reader must see imports inside functions, or the rule would pass on a lie.
    fake = tmp_path / "m.py"
    fake.write_text("def f():\n    from ntm_forecast.render import report\n", encoding="utf-8")
    assert "ntm_forecast.render.report" in imported("ntm_forecast.domain.m", fake)
