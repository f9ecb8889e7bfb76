"""The package's shape: one top-level name, parts that depend downward only, no import
cycles, and a command line that imports nothing heavy to show its help."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

PARTS = {"classifier": 0, "training": 1, "clean": 1, "service": 2}  # may import lower ranks
HEAVY = ("numpy", "scipy", "sklearn", "flask", "pydantic", "gunicorn", "joblib", "dask")


def modules() -> dict[str, Path]:
    found = {}
    for part in PARTS:
        for path in (ROOT / part).rglob("*.py"):
            rel = path.relative_to(ROOT).with_suffix("")
            name = ".".join(("newssift", *rel.parts))
            found[name.removesuffix(".__init__")] = path
    for path in (ROOT / "newssift").glob("*.py"):
        found[f"newssift.{path.stem}".removesuffix(".__init__")] = path
    return found


def imports(path: Path, top_level_only: bool) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    out = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.add(node.module)
            out |= {f"{node.module}.{a.name}" for a in node.names}
    return out


def test_parts_import_downward_only_and_never_the_root():
    mods = modules()
    for name, path in mods.items():
        parts = name.split(".")
        if len(parts) < 2 or parts[1] not in PARTS:
            continue
        rank = PARTS[parts[1]]
        for target in imports(path, top_level_only=False):
            t = target.split(".")
            if t[0] in PARTS:
                pytest.fail(f"{name} imports {target}: every import is newssift.<part>...")
            if t[0] != "newssift":
                continue
            assert target not in ("newssift", "newssift.cli") and (len(t) < 2 or t[1] in PARTS), \
                f"{name} imports the package root ({target})"
            if t[1] != parts[1]:
                assert PARTS[t[1]] < rank, f"{name} imports {target}: parts depend downward only"


def test_no_import_cycles_even_through_imports_inside_functions():
    mods = modules()
    # A module's own parent packages are imported before it anyway: not an edge.
    graph = {name: {t for t in imports(path, top_level_only=False)
                    if t in mods and t != name and not name.startswith(t + ".")}
             for name, path in mods.items()}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                pytest.fail("import cycle: " + " -> ".join(trail[trail.index(nxt):] + [node, nxt]))
            if nxt not in state:
                visit(nxt, trail + [node])
        state[node] = 2

    for name in graph:
        if name not in state:
            visit(name, [])


def test_help_imports_nothing_heavy():
    code = ("import sys\nfrom newssift.cli import cli\ntry:\n    cli(['--help'], prog_name='newssift')\n"
            "except SystemExit:\n    pass\n"
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout


def test_import_newssift_is_light_and_exports_the_api():
    code = ("import sys, newssift\nheavy = [m for m in sys.modules if m.split('.')[0] in "
            f"{HEAVY!r}]\nprint(heavy)\nprint(newssift.load_model.__module__, "
            "newssift.Decision.__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    lines = out.stdout.strip().splitlines()
    assert lines[0] == "[]"
    assert lines[1] == "newssift.classifier.persist Decision"


def test_python_m_newssift_is_the_command():
    out = subprocess.run([sys.executable, "-m", "newssift", "--help"], capture_output=True,
                         text=True, check=True)
    for command in ("classify", "clean", "serve", "train", "evaluate"):
        assert f"  {command} " in out.stdout
