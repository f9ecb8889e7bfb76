"""Docstrings and comments name code that exists, by the names a user imports: a
cross-reference (:mod:, :func:, :class:, ...) resolves, and no text still names the
pre-package paths (``from service import``, ``gunicorn service.wsgi:app``)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
from conftest import ROOT

PACKAGE_DIRS = {"classifier": "newssift.classifier", "clean": "newssift.clean", "service": "newssift.service",
                "training": "newssift.training", "newssift": "newssift", "models": "newssift.models"}
SOURCES = sorted(p for d in PACKAGE_DIRS for p in (ROOT / d).rglob("*.py")) + sorted(
    (ROOT / "benchmarks").glob("*.py"))
_REF = re.compile(r":(?:mod|func|class|meth|attr|data|exc):`~?([A-Za-z_][\w.]*)`")
_OLD_PATHS = re.compile(r"\bfrom (?:service|classifier|training|clean) import|\bgunicorn service\.|"
                        r"[`(~](?:service|classifier|training|clean)\.[a-z_]+\.[A-Za-z_]")


def _module_name(path: Path) -> str | None:
    rel = path.relative_to(ROOT)
    if rel.parts[0] not in PACKAGE_DIRS:
        return None
    parts = [PACKAGE_DIRS[rel.parts[0]], *rel.parts[1:-1]]
    if rel.stem != "__init__":
        parts.append(rel.stem)
    return ".".join(parts)


def _resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for name in parts[cut:]:
                obj = getattr(obj, name)
        except AttributeError:
            return False
        return True
    return False


def _id(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _resolves_in(module: str | None, ref: str) -> bool:
    """``ref`` as a docstring of ``module`` means it: a dotted name from the top, a name of the
    module (or an attribute of one), a method of one of its classes, or a sibling module's."""
    if _resolves(ref):
        return True
    if module is None:
        return False
    namespace = vars(importlib.import_module(module))
    head, *rest = ref.split(".")
    if head in namespace:
        obj = namespace[head]
        return all((obj := getattr(obj, name, None)) is not None for name in rest)
    if not rest and any(isinstance(obj, type) and obj.__module__ == module and hasattr(obj, head)
                        for obj in namespace.values()):
        return True
    package = module.rsplit(".", 1)[0]
    return _resolves(f"{package}.{ref}")


@pytest.mark.parametrize("path", SOURCES, ids=_id)
def test_cross_references_resolve(path):
    module = _module_name(path)
    refs = sorted(set(_REF.findall(path.read_text(encoding="utf-8"))))
    broken = [ref for ref in refs if not _resolves_in(module, ref)]
    assert not broken, f"{_id(path)} names what does not exist: {broken}"


@pytest.mark.parametrize("path", SOURCES, ids=_id)
def test_no_pre_package_paths(path):
    found = _OLD_PATHS.findall(path.read_text(encoding="utf-8"))
    assert not found, f"{_id(path)} still names pre-package paths: {found}; write newssift.<part>..."
