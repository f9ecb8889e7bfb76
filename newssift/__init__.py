"""newssift: label every block of scraped news text as main story, teaser or boilerplate,
with its topic.

    >>> from newssift import load_model
    >>> model = load_model()                       # the shipped default model
    >>> result = model.segment("Fighting resumed overnight near the river crossing.\n...")
    >>> [(s.role, s.topic) for s in result.segments]

Names are imported on first use (PEP 562), so that ``import newssift`` and the
command line start fast; the parts live in ``newssift.classifier`` (labelling),
``newssift.training``, ``newssift.service`` and ``newssift.clean``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = [
    "Article", "Block", "DEFAULT_TOPICS", "Decision", "InvalidInput", "ModelError",
    "NewssiftError", "NewssiftModel", "ROLES", "Result", "Role", "Segment", "TrainingError",
    "load_model", "save_model", "segment",
]

# name -> module that defines it
_EXPORTS = {
    "Article": "newssift.classifier.result",
    "Result": "newssift.classifier.result",
    "Segment": "newssift.classifier.result",
    "Block": "newssift.classifier.segment",
    "segment": "newssift.classifier.segment",
    "DEFAULT_TOPICS": "newssift.classifier.labels",
    "ROLES": "newssift.classifier.labels",
    "Role": "newssift.classifier.labels",
    "Decision": "newssift.classifier.decision",
    "InvalidInput": "newssift.classifier.errors",
    "ModelError": "newssift.classifier.errors",
    "NewssiftError": "newssift.classifier.errors",
    "TrainingError": "newssift.classifier.errors",
    "NewssiftModel": "newssift.classifier.model",
    "load_model": "newssift.classifier.persist",
    "save_model": "newssift.classifier.persist",
}

if TYPE_CHECKING:  # pragma: no cover
    from newssift.classifier.decision import Decision
    from newssift.classifier.errors import InvalidInput, ModelError, NewssiftError, TrainingError
    from newssift.classifier.labels import DEFAULT_TOPICS, ROLES, Role
    from newssift.classifier.model import NewssiftModel
    from newssift.classifier.persist import load_model, save_model
    from newssift.classifier.result import Article, Result, Segment
    from newssift.classifier.segment import Block, segment


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'newssift' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
