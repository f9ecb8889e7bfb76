"""The one exception tree of newssift.

    NewssiftError            base: anything the user can fix; carries a one-line message
    ├── InvalidInput         the text, file or request given to us cannot be used
    │   └── TooManyBlocks    a page with more blocks than the caller's limit
    ├── ModelError           a model directory is missing, altered or incompatible
    └── TrainingError        training data or configuration cannot produce a model

The CLI prints ``newssift: <message>`` and exits non-zero; the service answers
``{"error": {"code": ..., "message": ...}}`` with a 4xx.  Both rely on the
message being complete on its own, so say what was wrong and what to do.
"""

from __future__ import annotations

__all__ = ["NewssiftError", "InvalidInput", "TooManyBlocks", "ModelError", "TrainingError"]


class NewssiftError(Exception):
    """Base class: an error whose message is fit to show to a user."""

    code = "newssift_error"


class InvalidInput(NewssiftError):
    code = "invalid_input"


class TooManyBlocks(InvalidInput):
    code = "too_many_blocks"


class ModelError(NewssiftError):
    code = "model_error"


class TrainingError(NewssiftError):
    code = "training_error"
